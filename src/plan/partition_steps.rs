//! The steps of partitioning (see `partition.rs` for the plan around them): DETACH and
//! ATTACH with what they need, and the column options a partition holds apart from its
//! parent.

use super::build::{comment_change, Ctx, Draft, Phase, Steps};
use super::partition::{bounds_name, stays_attached, table_id, Attach};
use super::partition_bound::implied_check;
use super::{Action, Budget, Hazard, HazardNote};
use crate::catalog::{Catalog, Column, Ident, ObjectId, QualName, Table};
use crate::introspect::names::make_object_name;
use std::collections::BTreeSet;

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
pub(crate) fn detach(ctx: &Ctx, table: &QualName, parent: &QualName, out: &mut Steps) {
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
pub(crate) fn detach_before_drop(ctx: &Ctx, t: &Table, parent: &QualName, out: &mut Steps) {
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
pub(crate) fn referenced(ctx: &Ctx, table: &QualName) -> bool {
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
pub(crate) fn attach(ctx: &Ctx, table: &QualName, a: &Attach, out: &mut Steps) {
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
            .alone()
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
    let bound_check = bound_check(ctx, table, a);
    if let Some((name, expr)) = &bound_check {
        let id = ObjectId::Constraint {
            table: table.clone(),
            name: name.clone(),
        };
        let mut cols: BTreeSet<ObjectId> = ctx.needs_in_to(&table_id(table));
        cols.insert(table_id(table));
        if let Some(t) = ctx.to.tables.get(table) {
            cols.extend(columns_of(t));
        }
        out.push(
            Draft::new(
                Phase::AddConstraint,
                id.clone(),
                Action::Create,
                format!("ALTER TABLE {table} ADD CONSTRAINT {name} CHECK {expr} NOT VALID"),
                "a CHECK that implies the partition bound spares ATTACH its scan",
            )
            .alone()
            .creates([id.clone()])
            .needs(cols),
        );
        out.push(
            Draft::new(
                Phase::Validate,
                id.clone(),
                Action::Alter,
                format!("ALTER TABLE {table} VALIDATE CONSTRAINT {name}"),
                "rows are checked against the bound before the attach, without blocking writes",
            )
            .alone()
            .budget(Budget::Validation)
            .hazard(
                Hazard::ValidationScan,
                format!("all of {table} is read to check that it fits the bound; reads and writes go on"),
            )
            .hazard(
                Hazard::DataDependent,
                format!("fails if a row of {table} falls outside the bound"),
            )
            .alters([id.clone()]),
        );
        needs.insert(id);
    }
    let scans = bound_check.is_none();
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
    .hazard(
        Hazard::AccessExclusiveLock,
        if scans {
            format!(
                "{table} is locked ACCESS EXCLUSIVE while its rows are read ({} only takes SHARE UPDATE EXCLUSIVE)",
                a.parent
            )
        } else {
            format!(
                "{table} is locked ACCESS EXCLUSIVE, briefly: the validated CHECK spares the scan ({} only takes SHARE UPDATE EXCLUSIVE)",
                a.parent
            )
        },
    )
    .hazard_if(
        scans,
        Hazard::ValidationScan,
        format!("every row of {table} is read to check that it fits the bound"),
    )
    .hazard_if(
        scans,
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
    .creates([attachment(table)])
    .claims([bounds_name(&a.parent)]);
    out.push(d);
    // Not declared as dropping the constraint: that would put it first among the steps on
    // the constraint, before the ADD. Nothing but these steps knows the constraint.
    if let Some((name, _)) = &bound_check {
        let id = ObjectId::Constraint {
            table: table.clone(),
            name: name.clone(),
        };
        out.push(
            Draft::new(
                Phase::DropConstraint,
                id,
                Action::Drop,
                format!("ALTER TABLE {table} DROP CONSTRAINT {name}"),
                "the partition bound holds it now",
            )
            .needs([attachment(table)]),
        );
    }
}

/// The membership of `table` in its parent, which ATTACH brings about: what steps that
/// must follow the attach need.
fn attachment(table: &QualName) -> ObjectId {
    ObjectId::Other {
        kind: "partition attachment".into(),
        identity: table.to_string(),
    }
}

/// The name and expression of the CHECK that implies the bound of `table` under its new
/// parent, when the bound has such a form and the name is free.
fn bound_check(ctx: &Ctx, table: &QualName, a: &Attach) -> Option<(Ident, String)> {
    let key = ctx.to.tables.get(&a.parent)?.partition_by.as_deref()?;
    let expr = implied_check(key, &a.bound)?;
    let name = Ident(make_object_name(
        table.name.as_str(),
        None,
        "partition_bound",
    ));
    let taken = [ctx.from.tables.get(table), ctx.to.tables.get(table)]
        .into_iter()
        .flatten()
        .any(|t| t.constraints.contains_key(&name));
    (!taken && !a.merged.contains(&name)).then_some((name, expr))
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
    .alone()
    .budget(Budget::Validation)
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
pub(crate) fn column_options(
    ctx: &Ctx,
    t: &Table,
    parent: &QualName,
    f: Option<&Table>,
    out: &mut Steps,
) {
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
