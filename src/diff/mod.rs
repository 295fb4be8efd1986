//! What differs between two catalogs: objects paired by identity.
//!
//! The diff only matches objects (added, removed, kept, renamed); the planner compares the
//! fields of kept pairs and decides which statements resolve the differences.

mod constraint;
mod index;

pub use constraint::{pair_constraints, ConstraintPairs, KeptConstraint};
pub use index::{pair_indexes, IndexPairs, KeptIndex};

use crate::catalog::{
    Catalog, Column, CompositeType, Domain, EnumType, Extension, QualName, Schema, Sequence, Table,
};
use std::collections::BTreeMap;

/// Objects of one kind paired by identity, each list in a deterministic order.
#[derive(Debug)]
pub struct Pairs<'a, T> {
    /// In the desired catalog only.
    pub added: Vec<&'a T>,
    /// In the live catalog only.
    pub removed: Vec<&'a T>,
    /// In both, as `(live, desired)`, changed or not.
    pub kept: Vec<(&'a T, &'a T)>,
}

impl<T> Default for Pairs<'_, T> {
    fn default() -> Self {
        Pairs {
            added: Vec::new(),
            removed: Vec::new(),
            kept: Vec::new(),
        }
    }
}

/// Pair two maps by key (the object's name).
pub fn pair_by_key<'a, K: Ord, T>(
    from: &'a BTreeMap<K, T>,
    to: &'a BTreeMap<K, T>,
) -> Pairs<'a, T> {
    let mut pairs = Pairs::default();
    for (k, t) in to {
        match from.get(k) {
            Some(f) => pairs.kept.push((f, t)),
            None => pairs.added.push(t),
        }
    }
    pairs.removed = from
        .iter()
        .filter(|(k, _)| !to.contains_key(*k))
        .map(|(_, f)| f)
        .collect();
    pairs
}

/// Pair the columns of two versions of a table by name. Added and kept columns come in the
/// desired table's order, removed ones in the live table's order; column order itself is
/// never a difference.
pub fn pair_columns<'a>(from: &'a Table, to: &'a Table) -> Pairs<'a, Column> {
    let mut pairs = Pairs::default();
    for c in &to.columns {
        match from.column(&c.name) {
            Some(f) => pairs.kept.push((f, c)),
            None => pairs.added.push(c),
        }
    }
    pairs.removed = from
        .columns
        .iter()
        .filter(|c| to.column(&c.name).is_none())
        .collect();
    pairs
}

/// Every pairing the planner works from.
#[derive(Debug)]
pub struct Diff<'a> {
    pub schemas: Pairs<'a, Schema>,
    pub extensions: Pairs<'a, Extension>,
    pub enums: Pairs<'a, EnumType>,
    pub domains: Pairs<'a, Domain>,
    pub composites: Pairs<'a, CompositeType>,
    /// Sequences behind identity columns are left out: they follow their column.
    pub sequences: Pairs<'a, Sequence>,
    pub tables: Pairs<'a, Table>,
    /// Columns of kept tables, by table name.
    pub columns: BTreeMap<QualName, Pairs<'a, Column>>,
    /// Constraints of kept tables, by table name.
    pub constraints: BTreeMap<QualName, ConstraintPairs<'a>>,
    /// All indexes, including those of added and removed tables.
    pub indexes: IndexPairs<'a>,
}

/// Pair every object of `from` (live) with its counterpart in `to` (desired).
pub fn diff<'a>(from: &'a Catalog, to: &'a Catalog) -> Diff<'a> {
    let plain_sequences = |c: &'a Catalog| -> BTreeMap<&'a QualName, &'a Sequence> {
        c.sequences.iter().filter(|(_, s)| !s.identity).collect()
    };
    let (from_seqs, to_seqs) = (plain_sequences(from), plain_sequences(to));
    let seq_pairs = pair_by_key(&from_seqs, &to_seqs);
    let tables = pair_by_key(&from.tables, &to.tables);
    let mut columns = BTreeMap::new();
    let mut constraints = BTreeMap::new();
    for (f, t) in &tables.kept {
        columns.insert(t.name.clone(), pair_columns(f, t));
        constraints.insert(t.name.clone(), pair_constraints(f, t));
    }
    Diff {
        schemas: pair_by_key(&from.schemas, &to.schemas),
        extensions: pair_by_key(&from.extensions, &to.extensions),
        enums: pair_by_key(&from.enums, &to.enums),
        domains: pair_by_key(&from.domains, &to.domains),
        composites: pair_by_key(&from.composites, &to.composites),
        sequences: Pairs {
            added: seq_pairs.added.into_iter().copied().collect(),
            removed: seq_pairs.removed.into_iter().copied().collect(),
            kept: seq_pairs.kept.into_iter().map(|(f, t)| (*f, *t)).collect(),
        },
        tables,
        columns,
        constraints,
        indexes: pair_indexes(&from.indexes, &to.indexes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::builder::CatalogBuilder;

    #[test]
    fn pairs_by_name_and_ignores_column_order() {
        let from = CatalogBuilder::new()
            .schema("public")
            .schema("old")
            .table("public.t", |t| {
                t.column("a", "integer")
                    .column("b", "text")
                    .column("gone", "text")
            })
            .sequence("public.t_id_seq", |s| s.identity())
            .build();
        let to = CatalogBuilder::new()
            .schema("public")
            .schema("new")
            .table("public.t", |t| {
                t.column("b", "text")
                    .column("a", "integer")
                    .column("c", "text")
            })
            .build();
        let d = diff(&from, &to);
        assert_eq!(d.schemas.added[0].name.as_str(), "new");
        assert_eq!(d.schemas.removed[0].name.as_str(), "old");
        assert_eq!(d.schemas.kept.len(), 1);
        assert!(
            d.sequences.removed.is_empty(),
            "identity sequences are not diffed"
        );
        let cols = &d.columns[&QualName::new("public", "t")];
        let kept: Vec<&str> = cols.kept.iter().map(|(_, t)| t.name.as_str()).collect();
        assert_eq!(kept, ["b", "a"]);
        assert_eq!(cols.added[0].name.as_str(), "c");
        assert_eq!(cols.removed[0].name.as_str(), "gone");
    }
}
