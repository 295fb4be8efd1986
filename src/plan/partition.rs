//! Partitioned tables and partitions: attach, detach, a changed bound, and the column
//! options a partition holds apart from its parent.
//!
//! A partition that stays under the same parent with the same bound is planned like any
//! table, except for its columns: PostgreSQL adds, drops and retypes them through the
//! parent, and a parent's `SET DEFAULT` / `SET NOT NULL` reaches every partition, so only
//! what the partition holds apart from its parent is planned here, after the parent's own
//! steps. A table that leaves its place is detached first (`DETACH PARTITION`), changed as
//! a plain table, and attached last (`ATTACH PARTITION`) once its columns match the
//! parent's. The planner sees the live catalog as it stands after these moves (see
//! [`as_planned`]): a detached partition owns the constraints and indexes it inherited, and
//! the constraints and indexes of an attached table that PostgreSQL merges into its new
//! parent's are no longer its own.
//!
//! Partitions of one parent are ordered through the name `partition bounds of <parent>`:
//! every step that takes a range away (DROP, DETACH) frees it, every step that gives one
//! (CREATE ... PARTITION OF, ATTACH) claims it, so bounds never overlap on the way.

use super::build::{unsupported, Ctx, PlanError, Steps};
use super::partition_steps as steps;
use crate::catalog::{
    Catalog, Constraint, ConstraintKind, Ident, Index, ObjectId, QualName, Table,
};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// The partition tables that change place, computed from the live and desired catalogs
/// before anything else is planned.
#[derive(Debug, Default)]
pub(crate) struct Moves {
    /// Live partitions that are detached from their parent (table → live parent).
    pub detach: BTreeMap<QualName, QualName>,
    /// Existing tables attached to a parent (again, for a changed bound).
    pub attach: BTreeMap<QualName, Attach>,
}

impl Moves {
    fn is_empty(&self) -> bool {
        self.detach.is_empty() && self.attach.is_empty()
    }
}

/// What `ALTER TABLE parent ATTACH PARTITION t` meets on the table `t`.
#[derive(Debug)]
pub(crate) struct Attach {
    pub parent: QualName,
    pub bound: String,
    /// Constraints of the table that become the copies of the parent's: CHECKs of the same
    /// name and expression, keys and foreign keys of the same definition.
    pub merged: BTreeSet<Ident>,
    /// Indexes of the table that PostgreSQL attaches to the parent's.
    pub attached: BTreeSet<QualName>,
    /// CHECK constraints of the parent the table lacks: ATTACH refuses a table without them.
    pub missing_checks: Vec<Constraint>,
    /// Merged CHECKs that are NOT VALID on the table but valid on the parent.
    pub validate: Vec<Ident>,
    /// Indexes and keys of the parent the table has no match for: PostgreSQL builds them.
    pub built: Vec<String>,
    /// Foreign keys of the parent that PostgreSQL copies onto the table and checks.
    pub cloned_fks: Vec<String>,
}

pub(crate) use steps::create_hazards;

/// The name the partitions of `parent` share in the step ordering (see the module doc).
pub(crate) fn bounds_name(parent: &QualName) -> String {
    format!("partition bounds of {parent}")
}

/// True when the table is a partition on both sides, of the same parent with the same
/// bound: its columns follow the parent's.
pub(crate) fn stays_attached(f: &Table, t: &Table) -> bool {
    matches!((&f.partition_of, &t.partition_of), (Some(a), Some(b)) if a.same_place(b))
}

/// What a partition rests on by being one: its parent and the parent's keys (a partition
/// that is partitioned itself must find its partition key in them), and for a column the
/// parent's column of the same name.
pub(crate) fn structural(cat: &Catalog, id: &ObjectId) -> Vec<ObjectId> {
    let mut out = Vec::new();
    match id {
        ObjectId::Table { name } => {
            let Some(p) = cat.tables.get(name).and_then(|t| t.partition_of.as_ref()) else {
                return out;
            };
            out.push(table_id(&p.parent));
            if let Some(parent) = cat.tables.get(&p.parent) {
                out.extend(
                    parent
                        .constraints
                        .values()
                        .filter(|c| {
                            matches!(
                                c.kind,
                                ConstraintKind::PrimaryKey
                                    | ConstraintKind::Unique
                                    | ConstraintKind::Exclude
                            )
                        })
                        .map(|c| ObjectId::Constraint {
                            table: p.parent.clone(),
                            name: c.name.clone(),
                        }),
                );
            }
        }
        ObjectId::Column { table, column } => {
            let Some(p) = cat.tables.get(table).and_then(|t| t.partition_of.as_ref()) else {
                return out;
            };
            if cat
                .tables
                .get(&p.parent)
                .is_some_and(|t| t.column(column).is_some())
            {
                out.push(ObjectId::Column {
                    table: p.parent.clone(),
                    column: column.clone(),
                });
            }
        }
        _ => {}
    }
    out
}

/// The tables that move between partition trees.
pub(crate) fn moves(from: &Catalog, to: &Catalog) -> Moves {
    let mut out = Moves::default();
    for (name, t) in &to.tables {
        let Some(f) = from.tables.get(name) else {
            continue;
        };
        if stays_attached(f, t) {
            continue;
        }
        let detached = f.partition_of.as_ref().map(|p| p.parent.clone());
        if let Some(p) = &t.partition_of {
            let a = attach_of(from, to, f, detached.is_some(), p.parent.clone(), &p.bound);
            out.attach.insert(name.clone(), a);
        }
        if let Some(parent) = detached {
            out.detach.insert(name.clone(), parent);
        }
    }
    out
}

/// The constraints and indexes of the live table `f` when it is attached: its own, plus
/// those it inherited when it was detached first.
fn held_at_attach<'a>(
    from: &'a Catalog,
    f: &'a Table,
    detached: bool,
) -> (Vec<&'a Constraint>, Vec<&'a Index>) {
    let mut constraints: Vec<&Constraint> = f.constraints.values().collect();
    let mut indexes: Vec<&Index> = from
        .indexes
        .values()
        .filter(|i| i.table == f.name)
        .collect();
    if let (true, Some(p)) = (detached, &f.partition_of) {
        constraints.extend(p.inherited_constraints.values());
        indexes.extend(p.attached_indexes.values());
    }
    (constraints, indexes)
}

/// Every constraint and index a desired table has, own and inherited.
fn held_by<'a>(to: &'a Catalog, table: &QualName) -> (Vec<&'a Constraint>, Vec<&'a Index>) {
    let Some(t) = to.tables.get(table) else {
        return (Vec::new(), Vec::new());
    };
    let mut constraints: Vec<&Constraint> = t.constraints.values().collect();
    let mut indexes: Vec<&Index> = to.indexes.values().filter(|i| &i.table == table).collect();
    if let Some(p) = &t.partition_of {
        constraints.extend(p.inherited_constraints.values());
        indexes.extend(p.attached_indexes.values());
    }
    (constraints, indexes)
}

/// A parent's index definition as PostgreSQL would create it on the partition `table`.
fn index_on(parent_def: &str, parent: &QualName, table: &QualName) -> String {
    let only = format!(" ON ONLY {parent} ");
    let plain = format!(" ON {parent} ");
    parent_def
        .replacen(&only, &format!(" ON {table} "), 1)
        .replacen(&plain, &format!(" ON {table} "), 1)
}

fn attach_of(
    from: &Catalog,
    to: &Catalog,
    f: &Table,
    detached: bool,
    parent: QualName,
    bound: &str,
) -> Attach {
    let (held, held_indexes) = held_at_attach(from, f, detached);
    let (wanted, wanted_indexes) = held_by(to, &parent);
    let mut a = Attach {
        parent: parent.clone(),
        bound: bound.to_string(),
        merged: BTreeSet::new(),
        attached: BTreeSet::new(),
        missing_checks: Vec::new(),
        validate: Vec::new(),
        built: Vec::new(),
        cloned_fks: Vec::new(),
    };
    for pc in &wanted {
        let matched = held.iter().find(|c| {
            !a.merged.contains(&c.name)
                && c.kind == pc.kind
                && c.definition == pc.definition
                && c.deferrable == pc.deferrable
                && c.initially_deferred == pc.initially_deferred
                && (pc.kind != ConstraintKind::Check || c.name == pc.name)
        });
        match (matched, pc.kind) {
            (Some(c), _) => {
                a.merged.insert(c.name.clone());
                if pc.kind == ConstraintKind::Check && pc.validated && !c.validated {
                    a.validate.push(c.name.clone());
                }
            }
            (None, ConstraintKind::Check) => a.missing_checks.push((*pc).clone()),
            (None, ConstraintKind::ForeignKey) => a.cloned_fks.push(pc.name.to_string()),
            (None, _) => a.built.push(pc.name.to_string()),
        }
    }
    for pi in &wanted_indexes {
        let def = index_on(&pi.definition, &parent, &f.name);
        match held_indexes
            .iter()
            .find(|i| !a.attached.contains(&i.name) && i.definition == def)
        {
            Some(i) => {
                a.attached.insert(i.name.clone());
            }
            None => a.built.push(pi.name.name.to_string()),
        }
    }
    a
}

/// The live catalog as the rest of the planner must see it once the moves are made: a
/// detached partition owns what it inherited, and what an attached table merges into its
/// parent's is no longer its own. Borrowed when nothing moves.
pub(crate) fn as_planned<'a>(from: &'a Catalog, moves: &Moves) -> Cow<'a, Catalog> {
    if moves.is_empty() {
        return Cow::Borrowed(from);
    }
    let mut cat = from.clone();
    for name in moves.detach.keys() {
        let Some(t) = cat.tables.get_mut(name) else {
            continue;
        };
        if let Some(p) = t.partition_of.as_mut() {
            let inherited = std::mem::take(&mut p.inherited_constraints);
            let attached = std::mem::take(&mut p.attached_indexes);
            t.constraints.extend(inherited);
            cat.indexes.extend(attached);
        }
    }
    for (name, a) in &moves.attach {
        if let Some(t) = cat.tables.get_mut(name) {
            t.constraints.retain(|n, _| !a.merged.contains(n));
        }
        cat.indexes.retain(|n, _| !a.attached.contains(n));
    }
    Cow::Owned(cat)
}

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    for (f, t) in &ctx.diff.tables.kept {
        if f.partition_by != t.partition_by {
            return Err(key_change(f, t));
        }
    }
    for (table, parent) in &ctx.partitions.detach {
        steps::detach(ctx, table, parent, out);
    }
    for (table, a) in &ctx.partitions.attach {
        steps::attach(ctx, table, a, out);
    }
    for t in &ctx.diff.tables.removed {
        if let Some(p) = &t.partition_of {
            if ctx.to.tables.contains_key(&p.parent) && steps::referenced(ctx, &t.name) {
                steps::detach_before_drop(ctx, t, &p.parent, out);
            }
        }
    }
    for t in &ctx.diff.tables.added {
        if let Some(p) = &t.partition_of {
            steps::column_options(ctx, t, &p.parent, None, out);
        }
    }
    for (f, t) in &ctx.diff.tables.kept {
        if let (true, Some(p)) = (stays_attached(f, t), &t.partition_of) {
            steps::column_options(ctx, t, &p.parent, Some(f), out);
        }
    }
    Ok(())
}

fn key_change(f: &Table, t: &Table) -> PlanError {
    let reason = match (&f.partition_by, &t.partition_by) {
        (None, Some(k)) => format!("the table would become partitioned by {k}"),
        (Some(k), None) => {
            format!("the table is partitioned by {k} and would become a plain table")
        }
        (Some(a), Some(b)) => format!("the partition key would change from {a} to {b}"),
        (None, None) => "the partition key would change".to_string(),
    };
    unsupported(
        format!("table {}", t.name),
        reason,
        "PostgreSQL cannot change how an existing table is partitioned: create the new table \
         under another name, copy the rows, drop the old table and rename the new one (or drop \
         the table first if its rows can go)",
    )
}

pub(crate) fn table_id(name: &QualName) -> ObjectId {
    ObjectId::Table { name: name.clone() }
}

#[cfg(test)]
#[path = "partition_tests.rs"]
mod tests;
