//! Constraints: the foreign keys of new tables (always separate steps, after every table
//! exists), and every constraint change on existing tables.

use super::build::{comment_change, Ctx, Draft, Phase, PlanError, Steps};
use super::deps::constraint_index_name;
use super::{Action, Hazard};
use crate::catalog::{Constraint, ConstraintKind, Ident, ObjectId, QualName};
use crate::diff::KeptConstraint;

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    for t in &ctx.diff.tables.added {
        for c in t
            .constraints
            .values()
            .filter(|c| c.kind == ConstraintKind::ForeignKey)
        {
            out.push(add(ctx, &t.name, c, false, "foreign key added"));
            out.0.extend(comment_change(
                con_id(&t.name, &c.name),
                target(&t.name, &c.name),
                None,
                c.comment.as_ref(),
            ));
        }
    }
    for (table, pairs) in &ctx.diff.constraints {
        for k in &pairs.kept {
            kept(ctx, table, k, out);
        }
        for c in &pairs.added {
            out.push(add(ctx, table, c, true, "constraint added"));
            out.0.extend(comment_change(
                con_id(table, &c.name),
                target(table, &c.name),
                None,
                c.comment.as_ref(),
            ));
        }
        for c in &pairs.removed {
            out.push(drop(ctx, table, c, "constraint removed"));
        }
    }
    Ok(())
}

fn con_id(table: &QualName, name: &Ident) -> ObjectId {
    ObjectId::Constraint {
        table: table.clone(),
        name: name.clone(),
    }
}

fn target(table: &QualName, name: &Ident) -> String {
    format!("CONSTRAINT {name} ON {table}")
}

/// `ALTER TABLE t ADD CONSTRAINT n <definition> [NOT VALID]`. On an existing table it
/// carries the hazards of its kind: a scan under lock for a CHECK, a scan of both tables for
/// a foreign key, an index build under ACCESS EXCLUSIVE for PRIMARY KEY, UNIQUE, EXCLUDE.
fn add(ctx: &Ctx, table: &QualName, c: &Constraint, existing: bool, reason: &str) -> Draft {
    let id = con_id(table, &c.name);
    let mut sql = format!(
        "ALTER TABLE {table} ADD CONSTRAINT {} {}",
        c.name, c.definition
    );
    if !c.validated {
        sql.push_str(" NOT VALID");
    }
    let phase = if c.kind == ConstraintKind::ForeignKey {
        Phase::AddForeignKey
    } else {
        Phase::AddConstraint
    };
    let mut d = Draft::new(phase, id.clone(), Action::Create, sql, reason)
        .creates([id.clone()])
        .claims(constraint_index_name(table, c))
        .needs(ctx.needs_in_to(&id));
    if !existing {
        return d;
    }
    let scans = c.validated;
    d = match c.kind {
        ConstraintKind::Check => d
            .hazard_if(
                scans,
                Hazard::ValidationScan,
                format!("all of {table} is read to check existing rows"),
            )
            .hazard_if(
                scans,
                Hazard::AccessExclusiveLock,
                format!("reads and writes of {table} wait for the scan"),
            )
            .hazard_if(
                scans,
                Hazard::DataDependent,
                "fails if an existing row violates the check",
            ),
        ConstraintKind::ForeignKey => {
            let parent = c
                .references
                .as_ref()
                .map(|r| r.to_string())
                .unwrap_or_default();
            d.hazard_if(
                scans,
                Hazard::ValidationScan,
                format!("{table} and {parent} are read to check every reference"),
            )
            .hazard_if(
                scans,
                Hazard::DataDependent,
                "fails if an existing row references a missing key",
            )
        }
        ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclude => d
            .hazard(
                Hazard::IndexBuild,
                format!("its index is built over all rows of {table}"),
            )
            .hazard(
                Hazard::AccessExclusiveLock,
                format!("reads and writes of {table} wait for the index build"),
            )
            .hazard(
                Hazard::DataDependent,
                if c.kind == ConstraintKind::Exclude {
                    "fails if existing rows conflict"
                } else {
                    "fails if existing rows hold duplicate (or NULL) keys"
                },
            ),
    };
    d.hazard(
        Hazard::BackwardIncompatible,
        "writes that violate it now fail",
    )
}

/// `ALTER TABLE t DROP CONSTRAINT n`.
fn drop(ctx: &Ctx, table: &QualName, c: &Constraint, reason: &str) -> Draft {
    let id = con_id(table, &c.name);
    let phase = if c.kind == ConstraintKind::ForeignKey {
        Phase::DropForeignKey
    } else {
        Phase::DropConstraint
    };
    let key = matches!(c.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique);
    Draft::new(
        phase,
        id.clone(),
        Action::Drop,
        format!("ALTER TABLE {table} DROP CONSTRAINT {}", c.name),
        reason,
    )
    .hazard_if(
        key,
        Hazard::BackwardIncompatible,
        "its index goes too: uniqueness and ON CONFLICT on these columns no longer hold",
    )
    .drops([id.clone()])
    .frees(constraint_index_name(table, c))
    .releases(ctx.rests_on_in_from(&id))
}

/// A constraint on both sides: rebuilt, renamed (`ALTER TABLE t RENAME CONSTRAINT a TO
/// b`), validated (`ALTER TABLE t VALIDATE CONSTRAINT n`), commented.
fn kept(ctx: &Ctx, table: &QualName, k: &KeptConstraint, out: &mut Steps) {
    let from_id = con_id(table, &k.from.name);
    // A validated constraint declared NOT VALID is re-added NOT VALID (no scan): the only
    // way to make the database equal to one built from the desired files.
    let unvalidate = k.from.validated && !k.to.validated;
    if ctx.rebuild.contains(&from_id) || unvalidate {
        let (why_drop, why_add) = if unvalidate {
            (
                "dropped to be added again NOT VALID, as declared",
                "added again NOT VALID, as declared",
            )
        } else if super::routine_deps::rests_on_dropped_routine(ctx, &from_id) {
            (
                "dropped to be created again: a routine it calls is replaced",
                "created again: a routine it calls is replaced",
            )
        } else {
            (
                "dropped to be created again: a column or key it rests on is replaced",
                "created again: a column or key it rests on is replaced",
            )
        };
        out.push(drop(ctx, table, k.from, why_drop));
        out.push(add(ctx, table, k.to, true, why_add));
        out.0.extend(comment_change(
            con_id(table, &k.to.name),
            target(table, &k.to.name),
            None,
            k.to.comment.as_ref(),
        ));
        return;
    }
    let live = k.live_name();
    let id = con_id(table, live);
    if k.rename {
        // A generated name is nobody's handle; an explicit one may be.
        out.push(
            Draft::new(
                Phase::Rename,
                id.clone(),
                Action::Rename,
                format!(
                    "ALTER TABLE {table} RENAME CONSTRAINT {} TO {}",
                    k.from.name, k.to.name
                ),
                format!("renamed from {}", k.from.name),
            )
            .creates([id.clone()])
            .drops([from_id])
            .claims(constraint_index_name(table, k.to))
            .frees(constraint_index_name(table, k.from))
            .needs([ObjectId::Table {
                name: table.clone(),
            }])
            .hazard_if(
                !k.from.name_is_generated,
                Hazard::BackwardIncompatible,
                format!("code that names constraint {} breaks", k.from.name),
            ),
        );
    }
    if !k.from.validated && k.to.validated {
        out.push(
            Draft::new(
                Phase::Validate,
                id.clone(),
                Action::Alter,
                format!("ALTER TABLE {table} VALIDATE CONSTRAINT {live}"),
                "constraint validated",
            )
            .hazard(
                Hazard::ValidationScan,
                format!("all of {table} is read to check existing rows"),
            )
            .hazard(
                Hazard::DataDependent,
                "fails if an existing row violates it",
            )
            .needs([id.clone()]),
        );
    }
    out.0.extend(comment_change(
        id,
        target(table, live),
        k.from.comment.as_ref(),
        k.to.comment.as_ref(),
    ));
}

#[cfg(test)]
#[path = "constraint_tests.rs"]
mod tests;
