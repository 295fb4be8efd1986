//! Matching indexes: same name and definition → the same index; otherwise an unmatched
//! live index with the desired definition is renamed to the desired name; a name whose
//! definition changed is dropped and created again.

use crate::catalog::{Index, QualName};
use std::collections::BTreeMap;

/// An index present on both sides (possibly under another name).
#[derive(Debug, Clone, Copy)]
pub struct KeptIndex<'a> {
    pub from: &'a Index,
    pub to: &'a Index,
}

impl KeptIndex<'_> {
    pub fn renamed(&self) -> bool {
        self.from.name != self.to.name
    }
}

/// All indexes, paired.
#[derive(Debug, Default)]
pub struct IndexPairs<'a> {
    pub added: Vec<&'a Index>,
    pub removed: Vec<&'a Index>,
    pub kept: Vec<KeptIndex<'a>>,
}

/// Pair the indexes of two catalogs.
pub fn pair_indexes<'a>(
    from: &'a BTreeMap<QualName, Index>,
    to: &'a BTreeMap<QualName, Index>,
) -> IndexPairs<'a> {
    let mut pairs = IndexPairs::default();
    let mut to_left = Vec::new();
    for (name, t) in to {
        match from.get(name) {
            Some(f) if f.definition == t.definition => {
                pairs.kept.push(KeptIndex { from: f, to: t })
            }
            _ => to_left.push(t),
        }
    }
    let mut from_left: Vec<&'a Index> = from
        .iter()
        .filter(|(name, f)| to.get(*name).is_none_or(|t| t.definition != f.definition))
        .map(|(_, f)| f)
        .collect();
    for t in to_left {
        match from_left.iter().position(|f| f.definition == t.definition) {
            Some(i) => {
                let f = from_left.remove(i);
                pairs.kept.push(KeptIndex { from: f, to: t });
            }
            None => pairs.added.push(t),
        }
    }
    pairs.removed = from_left;
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::builder::CatalogBuilder;

    #[test]
    fn renames_by_definition_and_replaces_by_name() {
        let from = CatalogBuilder::new()
            .index(
                "public.old_name",
                "public.t",
                "CREATE INDEX ON public.t USING btree (a)",
            )
            .index(
                "public.t_b_idx",
                "public.t",
                "CREATE INDEX ON public.t USING btree (b)",
            )
            .build();
        let to = CatalogBuilder::new()
            .index(
                "public.new_name",
                "public.t",
                "CREATE INDEX ON public.t USING btree (a)",
            )
            .index(
                "public.t_b_idx",
                "public.t",
                "CREATE INDEX ON public.t USING hash (b)",
            )
            .build();
        let p = pair_indexes(&from.indexes, &to.indexes);
        assert_eq!(p.kept.len(), 1);
        assert!(p.kept[0].renamed());
        assert_eq!(p.kept[0].to.name.name.as_str(), "new_name");
        assert_eq!(p.added.len(), 1);
        assert_eq!(p.removed.len(), 1);
        assert_eq!(p.added[0].name, p.removed[0].name);
    }
}
