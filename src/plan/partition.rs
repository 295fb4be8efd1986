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

use super::build::{comment_change, unsupported, Ctx, Draft, Phase, PlanError, Steps};
use super::{Action, Hazard, HazardNote};
use crate::catalog::ObjectId;
use crate::catalog::{Catalog, Column, Constraint, ConstraintKind, Ident, Index, QualName, Table};
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
    merged: BTreeSet<Ident>,
    /// Indexes of the table that PostgreSQL attaches to the parent's.
    attached: BTreeSet<QualName>,
    /// CHECK constraints of the parent the table lacks: ATTACH refuses a table without them.
    missing_checks: Vec<Constraint>,
    /// Merged CHECKs that are NOT VALID on the table but valid on the parent.
    validate: Vec<Ident>,
    /// Indexes and keys of the parent the table has no match for: PostgreSQL builds them.
    built: Vec<String>,
    /// Foreign keys of the parent that PostgreSQL copies onto the table and checks.
    cloned_fks: Vec<String>,
}

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
        detach(ctx, table, parent, out);
    }
    for (table, a) in &ctx.partitions.attach {
        attach(ctx, table, a, out);
    }
    for t in &ctx.diff.tables.removed {
        if let Some(p) = &t.partition_of {
            if ctx.to.tables.contains_key(&p.parent) && referenced(ctx, &t.name) {
                detach_before_drop(ctx, t, &p.parent, out);
            }
        }
    }
    for t in &ctx.diff.tables.added {
        if let Some(p) = &t.partition_of {
            column_options(ctx, t, &p.parent, None, out);
        }
    }
    for (f, t) in &ctx.diff.tables.kept {
        if let (true, Some(p)) = (stays_attached(f, t), &t.partition_of) {
            column_options(ctx, t, &p.parent, Some(f), out);
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

fn table_id(name: &QualName) -> ObjectId {
    ObjectId::Table { name: name.clone() }
}

fn columns_of(t: &Table) -> impl Iterator<Item = ObjectId> + '_ {
    t.columns.iter().map(|c| ObjectId::Column {
        table: t.name.clone(),
        column: c.name.clone(),
    })
}

/// The live default partition of `parent` that stays its default partition, other than
/// `except`: creating or attaching a partition reads it.
fn kept_default<'a>(ctx: &'a Ctx, parent: &QualName, except: &QualName) -> Option<&'a QualName> {
    ctx.diff.tables.kept.iter().find_map(|(f, t)| {
        let p = f.partition_of.as_ref()?;
        (p.parent == *parent && p.bound == "DEFAULT" && stays_attached(f, t) && &t.name != except)
            .then_some(&t.name)
    })
}

/// Hazards of `CREATE TABLE t PARTITION OF parent` when the parent exists: it locks the
/// parent ACCESS EXCLUSIVE, and reads its default partition.
pub(crate) fn create_hazards(ctx: &Ctx, t: &Table) -> Vec<HazardNote> {
    let Some(p) = &t.partition_of else {
        return Vec::new();
    };
    if !ctx.table_exists(&p.parent) {
        return Vec::new();
    }
    let mut out = vec![HazardNote::new(
        Hazard::AccessExclusiveLock,
        format!(
            "CREATE TABLE ... PARTITION OF locks {} ACCESS EXCLUSIVE: its reads and writes wait",
            p.parent
        ),
    )];
    out.extend(default_scan(ctx, &p.parent, &t.name));
    out
}

fn default_scan(ctx: &Ctx, parent: &QualName, t: &QualName) -> Vec<HazardNote> {
    let Some(d) = kept_default(ctx, parent, t) else {
        return Vec::new();
    };
    vec![
        HazardNote::new(
            Hazard::ValidationScan,
            format!(
                "the default partition {d} is read to check that none of its rows belong to {t}"
            ),
        ),
        HazardNote::new(
            Hazard::DataDependent,
            format!("fails if {d} holds rows that belong to {t}"),
        ),
    ]
}

/// `ALTER TABLE parent DETACH PARTITION t`: early, before anything changes the table as a
/// plain one, and before the parent's columns, constraints and indexes change or go (they
/// would take the table's along).
fn detach(ctx: &Ctx, table: &QualName, parent: &QualName, out: &mut Steps) {
    let reattached = ctx.partitions.attach.get(table);
    let reason = match reattached {
        Some(a) if &a.parent == parent => {
            "partition bound changed: detached to be attached again with the new bound".to_string()
        }
        Some(a) => format!("moves to the partitioned table {}", a.parent),
        None => format!("no longer a partition of {parent}"),
    };
    out.push(
        detach_step(ctx, table, parent, table_id(table), reason)
            .hazard_if(
                reattached.is_none_or(|a| &a.parent != parent),
                Hazard::BackwardIncompatible,
                format!("the rows of {table} no longer appear in {parent}"),
            )
            .hazards(referenced_rows(ctx, table, parent)),
    );
}

/// `ALTER TABLE parent DETACH PARTITION t` before `DROP TABLE t` when a foreign key
/// references the partitioned table: PostgreSQL refuses to drop such a partition while it
/// is attached. The step is the parent's, so that it can go before the table's drop.
fn detach_before_drop(ctx: &Ctx, t: &Table, parent: &QualName, out: &mut Steps) {
    out.push(
        detach_step(
            ctx,
            &t.name,
            parent,
            table_id(parent),
            format!(
                "{} is dropped, and PostgreSQL drops no partition of a table that foreign keys reference",
                t.name
            ),
        )
        .hazards(referenced_rows(ctx, &t.name, parent))
        .releases([table_id(&t.name)]),
    );
}

/// The partitioned tables `table` is under in the live catalog, nearest first.
fn ancestors<'a>(cat: &'a Catalog, table: &QualName) -> Vec<&'a QualName> {
    let mut out: Vec<&QualName> = Vec::new();
    let mut at = cat.tables.get(table);
    while let Some(p) = at.and_then(|t| t.partition_of.as_ref()) {
        if out.contains(&&p.parent) {
            break;
        }
        out.push(&p.parent);
        at = cat.tables.get(&p.parent);
    }
    out
}

/// True when a live foreign key references one of the partitioned tables `table` is
/// under.
fn referenced(ctx: &Ctx, table: &QualName) -> bool {
    let above = ancestors(ctx.from, table);
    ctx.from.tables.values().any(|t| {
        t.constraints
            .values()
            .any(|c| c.references.as_ref().is_some_and(|r| above.contains(&r)))
    })
}

fn referenced_rows(ctx: &Ctx, table: &QualName, parent: &QualName) -> Option<HazardNote> {
    referenced(ctx, table).then(|| {
        HazardNote::new(
            Hazard::DataDependent,
            format!("fails if rows of {table} are referenced by a foreign key to {parent}"),
        )
    })
}

/// The DETACH statement, with what it releases: the parent and its columns, constraints
/// and indexes, which the table no longer follows.
fn detach_step(
    ctx: &Ctx,
    table: &QualName,
    parent: &QualName,
    object: ObjectId,
    reason: String,
) -> Draft {
    let mut releases = vec![table_id(parent)];
    if let Some(p) = ctx.from.tables.get(parent) {
        releases.extend(columns_of(p));
        releases.extend(p.constraints.keys().map(|n| ObjectId::Constraint {
            table: parent.clone(),
            name: n.clone(),
        }));
    }
    releases.extend(ctx.from_lookup.indexes_of(parent).map(|i| ObjectId::Index {
        name: i.name.clone(),
    }));
    Draft::new(
        Phase::DetachPartition,
        object,
        Action::Alter,
        format!("ALTER TABLE {parent} DETACH PARTITION {table}"),
        reason,
    )
    .hazard(
        Hazard::AccessExclusiveLock,
        format!("reads and writes of {parent} wait while {table} is detached"),
    )
    .releases(releases)
    .frees([bounds_name(parent)])
}

/// `ALTER TABLE parent ATTACH PARTITION t FOR VALUES ...`, late, once the table's columns
/// and the parent's match; before it, the parent's CHECK constraints the table lacks
/// (`ADD CONSTRAINT ... NOT VALID`, then `VALIDATE CONSTRAINT`).
fn attach(ctx: &Ctx, table: &QualName, a: &Attach, out: &mut Steps) {
    let mut needs: BTreeSet<ObjectId> = ctx.to_lookup.structural(&table_id(table));
    if let Some(t) = ctx.to.tables.get(table) {
        needs.extend(columns_of(t));
    }
    if let Some(p) = ctx.to.tables.get(&a.parent) {
        needs.extend(columns_of(p));
    }
    for c in &a.missing_checks {
        let id = ObjectId::Constraint {
            table: table.clone(),
            name: c.name.clone(),
        };
        let mut cols: BTreeSet<ObjectId> = c
            .columns
            .iter()
            .map(|col| ObjectId::Column {
                table: table.clone(),
                column: col.clone(),
            })
            .collect();
        cols.insert(table_id(table));
        out.push(
            Draft::new(
                Phase::AddConstraint,
                id.clone(),
                Action::Create,
                format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {} {} NOT VALID",
                    c.name, c.definition
                ),
                format!(
                    "{} requires its partitions to have its CHECK constraints",
                    a.parent
                ),
            )
            .creates([id.clone()])
            .needs(cols),
        );
        needs.insert(id.clone());
        if c.validated {
            out.push(validate(table, &c.name, id.clone()));
        }
    }
    for name in &a.validate {
        let id = ObjectId::Constraint {
            table: table.clone(),
            name: name.clone(),
        };
        out.push(validate(table, name, id.clone()));
        needs.insert(id);
    }
    let existing = ctx.table_exists(table);
    let d = Draft::new(
        Phase::AttachPartition,
        table_id(table),
        Action::Alter,
        format!(
            "ALTER TABLE {} ATTACH PARTITION {table} {}",
            a.parent, a.bound
        ),
        if ctx.partitions.detach.get(table) == Some(&a.parent) {
            format!("attached again {}", a.bound)
        } else {
            format!("becomes a partition of {}", a.parent)
        },
    )
    .hazard_if(
        existing,
        Hazard::AccessExclusiveLock,
        format!(
            "{table} is locked ACCESS EXCLUSIVE while it is attached ({} only takes SHARE UPDATE EXCLUSIVE)",
            a.parent
        ),
    )
    .hazard_if(
        existing,
        Hazard::ValidationScan,
        format!("every row of {table} is read to check that it fits the bound"),
    )
    .hazard_if(
        existing,
        Hazard::DataDependent,
        format!("fails if a row of {table} falls outside the bound"),
    )
    .hazards(default_scan(ctx, &a.parent, table))
    .hazard_if(
        !a.built.is_empty(),
        Hazard::IndexBuild,
        format!(
            "PostgreSQL builds the indexes of {} on {table}: {}",
            a.parent,
            a.built.join(", ")
        ),
    )
    .hazard_if(
        !a.cloned_fks.is_empty(),
        Hazard::ValidationScan,
        format!(
            "the rows of {table} are checked against the foreign keys of {}: {}",
            a.parent,
            a.cloned_fks.join(", ")
        ),
    )
    .needs(needs)
    .claims([bounds_name(&a.parent)]);
    out.push(d);
}

/// `ALTER TABLE t VALIDATE CONSTRAINT n` before an attach.
fn validate(table: &QualName, name: &Ident, id: ObjectId) -> Draft {
    Draft::new(
        Phase::Validate,
        id.clone(),
        Action::Alter,
        format!("ALTER TABLE {table} VALIDATE CONSTRAINT {name}"),
        "the partitioned table it joins has it validated",
    )
    .hazard(
        Hazard::ValidationScan,
        format!("all of {table} is read to check existing rows"),
    )
    .hazard(
        Hazard::DataDependent,
        "fails if an existing row violates it",
    )
    .alters([id])
}

/// A partition column's default, NOT NULL and comment once the parent's steps ran: a
/// new partition takes its parent's; an existing one keeps its own unless the parent's
/// changes (PostgreSQL applies `ALTER TABLE parent ALTER COLUMN ...` to every partition).
fn inherited_state(
    ctx: &Ctx,
    parent: &QualName,
    live: Option<&Column>,
    name: &Ident,
) -> Option<(Option<String>, bool, Option<String>)> {
    let dp = ctx.to.tables.get(parent)?.column(name)?;
    let lp = ctx.from.tables.get(parent).and_then(|p| p.column(name));
    let (Some(lt), Some(lp)) = (live, lp) else {
        return Some((dp.default.clone(), dp.not_null, None));
    };
    if ctx.column_replaced(parent, name) {
        return Some((dp.default.clone(), dp.not_null, None));
    }
    let retyped = lp.data_type != dp.data_type || lp.collation != dp.collation;
    let default = if lp.default != dp.default || (retyped && lp.default.is_some()) {
        dp.default.clone()
    } else {
        lt.default.clone()
    };
    let not_null = if lp.not_null != dp.not_null {
        dp.not_null
    } else {
        lt.not_null
    };
    Some((default, not_null, lt.comment.clone()))
}

/// `ALTER TABLE t ALTER COLUMN c SET DEFAULT e | DROP DEFAULT | SET NOT NULL | DROP NOT
/// NULL` and `COMMENT ON COLUMN` for what a partition holds apart from its parent, after the
/// parent's own column steps (they would overwrite it).
fn column_options(ctx: &Ctx, t: &Table, parent: &QualName, f: Option<&Table>, out: &mut Steps) {
    for c in &t.columns {
        let live = f.and_then(|f| f.column(&c.name));
        let Some((default, not_null, comment)) = inherited_state(ctx, parent, live, &c.name) else {
            continue;
        };
        let id = ObjectId::Column {
            table: t.name.clone(),
            column: c.name.clone(),
        };
        let parent_col = ObjectId::Column {
            table: parent.clone(),
            column: c.name.clone(),
        };
        let mut needs = ctx.needs_in_to(&id);
        needs.extend(ctx.needs_in_to(&parent_col));
        needs.insert(parent_col);
        let step = |sql: String, reason: &str| {
            Draft::new(
                Phase::AlterPartition,
                id.clone(),
                Action::Alter,
                format!("ALTER TABLE {} ALTER COLUMN {} {sql}", t.name, c.name),
                reason,
            )
            .needs(needs.clone())
            .alters([id.clone()])
        };
        if default != c.default {
            out.push(match &c.default {
                Some(e) => step(format!("SET DEFAULT {e}"), "the partition's own default"),
                None => step(
                    "DROP DEFAULT".into(),
                    "the partition has no default of its own",
                ),
            });
        }
        if not_null != c.not_null {
            out.push(if c.not_null {
                step("SET NOT NULL".into(), "NOT NULL on the partition only")
                    .hazard_if(
                        f.is_some(),
                        Hazard::ValidationScan,
                        format!("all of {} is read to check {} for NULLs", t.name, c.name),
                    )
                    .hazard_if(
                        f.is_some(),
                        Hazard::DataDependent,
                        format!("fails if {} holds NULLs", c.name),
                    )
                    .hazard_if(
                        f.is_some(),
                        Hazard::AccessExclusiveLock,
                        format!("reads and writes of {} wait for the scan", t.name),
                    )
            } else {
                step(
                    "DROP NOT NULL".into(),
                    "NOT NULL removed from the partition",
                )
            });
        }
        if f.is_some() {
            out.0.extend(comment_change(
                id.clone(),
                format!("COLUMN {}.{}", t.name, c.name),
                comment.as_ref(),
                c.comment.as_ref(),
            ));
        }
    }
}

#[cfg(test)]
#[path = "partition_tests.rs"]
mod tests;
