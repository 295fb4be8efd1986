//! Matching the constraints of one table.
//!
//! Same name and same meaning → the same constraint. Otherwise unmatched constraints with
//! the same meaning are paired and the live one is renamed to the desired name (a metadata
//! change; never a drop and add because names were guessed differently), so that later
//! statements naming the constraint find it. A name whose meaning changed is dropped and
//! added again.

use crate::catalog::{Constraint, ConstraintKind, Table};

/// A constraint present on both sides.
#[derive(Debug, Clone, Copy)]
pub struct KeptConstraint<'a> {
    pub from: &'a Constraint,
    pub to: &'a Constraint,
    /// True when the live constraint must be renamed to the desired name.
    pub rename: bool,
}

impl KeptConstraint<'_> {
    /// The name the constraint has once the plan ran up to its rename (if any).
    pub fn live_name(&self) -> &crate::catalog::Ident {
        if self.rename {
            &self.to.name
        } else {
            &self.from.name
        }
    }
}

/// The constraints of a kept table, paired.
#[derive(Debug, Default)]
pub struct ConstraintPairs<'a> {
    pub added: Vec<&'a Constraint>,
    pub removed: Vec<&'a Constraint>,
    pub kept: Vec<KeptConstraint<'a>>,
}

/// What a constraint means, whatever its name: pairing key. `validated` is not part of it
/// (a NOT VALID constraint that became valid is the same constraint, validated).
fn meaning(c: &Constraint) -> (ConstraintKind, &str, bool, bool) {
    (
        c.kind,
        c.definition.as_str(),
        c.deferrable,
        c.initially_deferred,
    )
}

/// Pair the constraints of two versions of one table.
pub fn pair_constraints<'a>(from: &'a Table, to: &'a Table) -> ConstraintPairs<'a> {
    let mut pairs = ConstraintPairs::default();
    let mut from_left: Vec<&'a Constraint> = Vec::new();
    let mut to_left: Vec<&'a Constraint> = Vec::new();
    for (name, t) in &to.constraints {
        match from.constraints.get(name) {
            Some(f) if meaning(f) == meaning(t) => pairs.kept.push(KeptConstraint {
                from: f,
                to: t,
                rename: false,
            }),
            _ => to_left.push(t),
        }
    }
    for (name, f) in &from.constraints {
        let same = to
            .constraints
            .get(name)
            .is_some_and(|t| meaning(f) == meaning(t));
        if !same {
            from_left.push(f);
        }
    }
    for t in to_left {
        match from_left.iter().position(|f| meaning(f) == meaning(t)) {
            Some(i) => {
                let f = from_left.remove(i);
                pairs.kept.push(KeptConstraint {
                    from: f,
                    to: t,
                    rename: true,
                });
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
    use crate::catalog::builder::{qn, CatalogBuilder};

    fn table(
        f: impl FnOnce(crate::catalog::builder::TableBuilder) -> crate::catalog::builder::TableBuilder,
    ) -> Table {
        let cat = CatalogBuilder::new()
            .table("public.t", |t| {
                f(t.column("a", "integer").column("b", "integer"))
            })
            .build();
        cat.tables[&qn("public.t")].clone()
    }

    #[test]
    fn matched_by_meaning_under_another_name_is_renamed_not_replaced() {
        let from = table(|t| t.unique("legacy_a_uniq", &["a"]));
        let to = table(|t| t.unique("t_a_key", &["a"]));
        let p = pair_constraints(&from, &to);
        assert!(p.added.is_empty() && p.removed.is_empty());
        assert_eq!(p.kept.len(), 1);
        assert!(p.kept[0].rename);
        assert_eq!(p.kept[0].live_name().as_str(), "t_a_key");
    }

    #[test]
    fn explicit_desired_name_renames() {
        let from = table(|t| t.unique("t_a_key", &["a"]));
        let to = table(|t| t.unique("a_is_unique", &["a"]));
        let p = pair_constraints(&from, &to);
        assert!(p.kept[0].rename);
        assert_eq!(p.kept[0].live_name().as_str(), "a_is_unique");
    }

    #[test]
    fn same_name_new_meaning_is_drop_and_add() {
        let from = table(|t| t.check("positive", &["a"], "CHECK ((a > 0))"));
        let to = table(|t| t.check("positive", &["a"], "CHECK ((a >= 0))"));
        let p = pair_constraints(&from, &to);
        assert_eq!(p.added.len(), 1);
        assert_eq!(p.removed.len(), 1);
        assert!(p.kept.is_empty());
    }

    #[test]
    fn validated_is_not_part_of_identity() {
        let from = table(|t| t.check("positive", &["a"], "CHECK ((a > 0))").not_valid());
        let to = table(|t| t.check("positive", &["a"], "CHECK ((a > 0))"));
        let p = pair_constraints(&from, &to);
        assert_eq!(p.kept.len(), 1);
        assert!(!p.kept[0].from.validated && p.kept[0].to.validated);
    }
}
