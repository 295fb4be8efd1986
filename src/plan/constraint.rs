//! Constraints: the foreign keys of new tables (always separate steps, after every table
//! exists) and their NOT VALID constraints, and every constraint change on existing tables.

use super::build::{comment_change, Ctx, Draft, Phase, PlanError, Steps};
use super::deps::constraint_index_name;
use super::online::{key_online, leftover_key_index, partitioned, taken_over_check};
use super::{Action, Budget, Hazard};
use crate::catalog::{Constraint, ConstraintKind, Ident, ObjectId, QualName};
use crate::diff::KeptConstraint;

/// Whether a constraint of a new table is added by a step of its own rather than inside
/// `CREATE TABLE`: foreign keys (so tables that reference each other can be created), and
/// constraints declared NOT VALID (`CREATE TABLE` ignores NOT VALID and validates).
pub(crate) fn added_after_table(c: &Constraint) -> bool {
    c.kind == ConstraintKind::ForeignKey || !c.validated
}

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    for t in &ctx.diff.tables.added {
        for c in t.constraints.values().filter(|c| added_after_table(c)) {
            let reason = if c.kind == ConstraintKind::ForeignKey {
                "foreign key added"
            } else {
                "constraint added NOT VALID, as declared"
            };
            add(ctx, &t.name, c, false, reason, out);
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
            add(ctx, table, c, true, "constraint added", out);
            out.0.extend(comment_change(
                con_id(table, &c.name),
                target(table, &c.name),
                None,
                c.comment.as_ref(),
            ));
        }
        for c in &pairs.removed {
            if taken_over_check(ctx, table, c) {
                continue; // the column planner's NOT NULL recipe validates and drops it
            }
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

/// A constraint added to a table, in the form its table calls for.
///
/// On a new table (`existing` false): `ALTER TABLE t ADD CONSTRAINT n <definition> [NOT
/// VALID]`, no hazards (the table is empty and nobody else sees it).
///
/// On a live table:
/// - CHECK and FOREIGN KEY: `ALTER TABLE t ADD CONSTRAINT n <definition> NOT VALID` (a
///   transaction of its own: it takes ACCESS EXCLUSIVE, or SHARE ROW EXCLUSIVE on both
///   tables for a foreign key, for milliseconds), then `ALTER TABLE t VALIDATE CONSTRAINT
///   n` (alone, the validation budget: it reads the table under SHARE UPDATE EXCLUSIVE
///   while reads and writes continue). A constraint declared NOT VALID stops after the
///   first step. A foreign key on a partitioned table before PostgreSQL 18 has no NOT
///   VALID form: added validated, with its hazards.
/// - PRIMARY KEY and UNIQUE: `CREATE UNIQUE INDEX CONCURRENTLY n ON t USING btree (...)`,
///   then `ALTER TABLE t ADD CONSTRAINT n {PRIMARY KEY | UNIQUE} USING INDEX n`; the
///   columns of a primary key are made NOT NULL before (column planner), so the last step
///   does not scan. A partitioned table has neither form: added as is, with its hazards.
/// - EXCLUDE has no online form: added as is, with its hazards.
fn add(ctx: &Ctx, table: &QualName, c: &Constraint, existing: bool, reason: &str, out: &mut Steps) {
    let id = con_id(table, &c.name);
    let phase = if c.kind == ConstraintKind::ForeignKey {
        Phase::AddForeignKey
    } else {
        Phase::AddConstraint
    };
    let step = |sql: String| {
        Draft::new(phase, id.clone(), Action::Create, sql, reason)
            .creates([id.clone()])
            .claims(constraint_index_name(table, c))
            .needs(ctx.needs_in_to(&id))
    };
    let plain = |not_valid: bool| {
        let mut sql = format!(
            "ALTER TABLE {table} ADD CONSTRAINT {} {}",
            c.name, c.definition
        );
        if not_valid {
            sql.push_str(" NOT VALID");
        }
        sql
    };
    // PostgreSQL 18's NOT ENFORCED constraint checks nothing, so it reads nothing; it can be
    // neither NOT VALID nor validated
    let not_enforced = c.definition.ends_with(" NOT ENFORCED");
    if !existing || not_enforced || ctx.opts.plain_forms {
        out.push(step(plain(!c.validated && !not_enforced)));
        return;
    }
    let breaks = |d: Draft| {
        d.hazard(
            Hazard::BackwardIncompatible,
            "writes that violate it now fail",
        )
    };
    match c.kind {
        ConstraintKind::Check | ConstraintKind::ForeignKey => {
            let fk_on_partitioned = c.kind == ConstraintKind::ForeignKey
                && partitioned(ctx, table)
                && ctx.from.server_version < 180000;
            if fk_on_partitioned && c.validated {
                out.push(breaks(validated_fk(step(plain(false)).alone(), table, c)));
                return;
            }
            if ctx.columnstore_either_side(table) && c.validated {
                out.push(breaks(validated_on_columnstore(
                    step(plain(false)).alone(),
                    table,
                )));
                return;
            }
            out.push(breaks(step(plain(true)).alone()));
            if c.validated {
                out.push(validate(table, &c.name, c, "constraint validated"));
            }
        }
        ConstraintKind::PrimaryKey | ConstraintKind::Unique => match key_online(ctx, table, c) {
            Some(key) => {
                let leftover = leftover_key_index(ctx, table, c);
                match leftover {
                    Some(ix) if ix.valid => {}
                    Some(_) => out.push(key_build(
                        ctx,
                        table,
                        c,
                        format!("REINDEX INDEX CONCURRENTLY {}", index_name(table, c)),
                        "its unique index, left INVALID by a failed build, is rebuilt",
                    )),
                    None => out.push(key_build(
                        ctx,
                        table,
                        c,
                        key.create_sql(table, &c.name),
                        "its unique index is built first",
                    )),
                }
                out.push(breaks(
                    Draft::new(
                        phase,
                        id.clone(),
                        Action::Create,
                        key.attach_sql(table, &c.name),
                        reason,
                    )
                    .creates([id.clone()])
                    .claims(constraint_index_name(table, c))
                    .needs(ctx.needs_in_to(&id)),
                ));
            }
            None => out.push(breaks(key_in_place(step(plain(false)).alone(), table, c))),
        },
        ConstraintKind::Exclude => {
            out.push(breaks(key_in_place(step(plain(false)).alone(), table, c)))
        }
    }
}

fn index_name(table: &QualName, c: &Constraint) -> QualName {
    QualName {
        schema: table.schema.clone(),
        name: c.name.clone(),
    }
}

/// The hazards of a foreign key added validated to a live table.
fn validated_fk(d: Draft, table: &QualName, c: &Constraint) -> Draft {
    let parent = c
        .references
        .as_ref()
        .map(|r| r.to_string())
        .unwrap_or_default();
    d.hazard(
        Hazard::ValidationScan,
        format!(
            "{table} and {parent} are read to check every reference (a partitioned table \
             has no NOT VALID foreign key before PostgreSQL 18); writes to both wait"
        ),
    )
    .hazard(
        Hazard::DataDependent,
        "fails if an existing row references a missing key",
    )
}

/// A CHECK or FOREIGN KEY added validated to a hypertable with columnstore on: TimescaleDB
/// refuses `VALIDATE CONSTRAINT` there, so the constraint is checked as it is added.
fn validated_on_columnstore(d: Draft, table: &QualName) -> Draft {
    d.hazard(
        Hazard::ValidationScan,
        format!(
            "every chunk of {table} is read as the constraint is added (TimescaleDB refuses \
             VALIDATE CONSTRAINT on a hypertable with columnstore, so there is no NOT VALID \
             form); writes wait"
        ),
    )
    .hazard(
        Hazard::DataDependent,
        "fails if an existing row violates it",
    )
}

/// The hazards of a PRIMARY KEY, UNIQUE or EXCLUDE constraint added as is to a live table.
fn key_in_place(d: Draft, table: &QualName, c: &Constraint) -> Draft {
    d.hazard(
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
    )
}

/// `CREATE UNIQUE INDEX CONCURRENTLY n ON t ...` (or `REINDEX INDEX CONCURRENTLY n` for a
/// leftover INVALID one): the index a PRIMARY KEY or UNIQUE constraint is then attached to.
fn key_build(ctx: &Ctx, table: &QualName, c: &Constraint, sql: String, reason: &str) -> Draft {
    let id = con_id(table, &c.name);
    let phase = Phase::AddConstraint;
    Draft::new(phase, id.clone(), Action::Create, sql, reason)
        .non_transactional()
        .budget(Budget::Concurrent)
        .hazard(
            Hazard::IndexBuild,
            format!(
                "built concurrently over all rows of {table}: reads and writes continue, the \
                 build scans the table twice and waits for transactions that started before it"
            ),
        )
        .hazard(
            Hazard::NonTransactional,
            "runs outside a transaction; a failed build leaves an INVALID index that the next \
             plan rebuilds",
        )
        .hazard(
            Hazard::DataDependent,
            "fails if existing rows hold duplicate keys",
        )
        .claims(constraint_index_name(table, c))
        .needs(ctx.needs_in_to(&id))
}

/// `ALTER TABLE t VALIDATE CONSTRAINT n`: alone, with the validation budget. It reads the
/// whole table (and checks every reference of a foreign key) under SHARE UPDATE EXCLUSIVE,
/// so reads and writes continue.
fn validate(table: &QualName, live: &Ident, c: &Constraint, reason: &str) -> Draft {
    let id = con_id(table, live);
    let what = if c.kind == ConstraintKind::ForeignKey {
        let parent = c
            .references
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_default();
        format!(
            "{table} is read and every reference checked in {parent}; reads and writes continue"
        )
    } else {
        format!("all of {table} is read to check existing rows; reads and writes continue")
    };
    Draft::new(
        Phase::Validate,
        id.clone(),
        Action::Alter,
        format!("ALTER TABLE {table} VALIDATE CONSTRAINT {live}"),
        reason,
    )
    .alone()
    .budget(Budget::Validation)
    .hazard(Hazard::ValidationScan, what)
    .hazard(
        Hazard::DataDependent,
        if c.kind == ConstraintKind::ForeignKey {
            "fails if an existing row references a missing key"
        } else {
            "fails if an existing row violates it"
        },
    )
    .needs([id])
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
        add(ctx, table, k.to, true, why_add, out);
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
        out.push(validate(table, live, k.to, "constraint validated"));
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
