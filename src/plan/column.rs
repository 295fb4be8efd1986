//! Columns of existing tables: add, drop, and every in-place change (type, collation,
//! default, NOT NULL, identity, generation expression, comment).

use super::build::{comment_change, Ctx, Draft, Phase, PlanError, Steps};
use super::deps::relation_name;
use super::online::{not_null_check_name, not_null_through_check};
use super::sql::{collation, column_spec, generated_when, identity_clause};
use super::typechange::{classify, default_is_volatile};
use super::{Action, Budget, Hazard};
use crate::catalog::{Catalog, Column, Identity, ObjectId, QualName, Table};
use std::collections::BTreeSet;

fn col_id(t: &Table, c: &Column) -> ObjectId {
    ObjectId::Column {
        table: t.name.clone(),
        column: c.name.clone(),
    }
}

/// Live columns the plan drops and adds again: a plain column that becomes generated, a
/// generation expression that changes on a server older than PostgreSQL 17 (which has no
/// `SET EXPRESSION`), and a generated column computed from a column whose type changes
/// (PostgreSQL refuses to change the type under it).
pub(crate) fn replaced_columns(ctx: &Ctx) -> BTreeSet<ObjectId> {
    let mut out = BTreeSet::new();
    for (_, t) in &ctx.diff.tables.kept {
        for (f, c) in &ctx.diff.columns[&t.name].kept {
            let replace = match (&f.generated, &c.generated) {
                (None, Some(_)) => true,
                (Some(a), Some(b)) => a != b && ctx.to.server_version < 170000,
                _ => false,
            };
            if replace {
                out.insert(col_id(t, c));
            }
        }
        let retyped: BTreeSet<ObjectId> = ctx.diff.columns[&t.name]
            .kept
            .iter()
            .filter(|(f, c)| f.data_type != c.data_type || f.collation != c.collation)
            .map(|(_, c)| col_id(t, c))
            .collect();
        for (f, c) in &ctx.diff.columns[&t.name].kept {
            let id = col_id(t, c);
            let reads_retyped = ctx
                .from
                .dependencies_of(&id)
                .any(|d| retyped.contains(d) && d != &id);
            if f.generated.is_some() && c.generated.is_some() && reads_retyped {
                out.insert(id);
            }
        }
    }
    out
}

pub(crate) fn plan(ctx: &Ctx, f: &Table, t: &Table, out: &mut Steps) -> Result<(), PlanError> {
    let pairs = &ctx.diff.columns[&t.name];
    for c in &pairs.added {
        out.push(add_column(ctx, t, c, "column added"));
        out.0.extend(comment_change(
            col_id(t, c),
            column_target(t, c),
            None,
            c.comment.as_ref(),
        ));
    }
    for (fc, c) in &pairs.kept {
        if ctx.column_replaced(&t.name, &c.name) {
            let reason = if fc.generated.is_none() {
                "column becomes generated: dropped and added again"
            } else if fc.generated != c.generated {
                "generation expression changed: dropped and added again"
            } else if super::routine_deps::rests_on_dropped_routine(ctx, &col_id(t, c)) {
                "a routine it is computed with is replaced: dropped and added again"
            } else {
                "a column it is computed from changes type: dropped and added again"
            };
            out.push(
                drop_column(ctx, f, fc, Phase::AlterTable, reason).hazard_if(
                    fc.generated.is_none(),
                    Hazard::DataLoss,
                    format!(
                        "the stored values of {}.{} are replaced by computed ones",
                        t.name, c.name
                    ),
                ),
            );
            out.push(add_column(ctx, t, c, reason));
            out.0.extend(comment_change(
                col_id(t, c),
                column_target(t, c),
                None,
                c.comment.as_ref(),
            ));
            continue;
        }
        alter_column(ctx, t, fc, c, out);
    }
    for c in &pairs.removed {
        out.push(
            drop_column(ctx, f, c, Phase::DropColumn, "column removed")
                .hazard(
                    Hazard::DataLoss,
                    format!("the values of {}.{} are deleted", f.name, c.name),
                )
                .hazard(
                    Hazard::BackwardIncompatible,
                    format!("column {}.{} no longer exists", f.name, c.name),
                ),
        );
    }
    Ok(())
}

fn column_target(t: &Table, c: &Column) -> String {
    format!("COLUMN {}.{}", t.name, c.name)
}

/// `ALTER TABLE t ADD COLUMN <spec>` on an existing table.
fn add_column(ctx: &Ctx, t: &Table, c: &Column, reason: &str) -> Draft {
    let id = col_id(t, c);
    let mut creates = vec![id.clone()];
    let mut claims = Vec::new();
    if let Some(s) = ctx.to_lookup.identity_sequence(&t.name, &c.name) {
        creates.push(ObjectId::Sequence {
            name: s.name.clone(),
        });
        claims.push(relation_name(&s.name));
    }
    let volatile = c.default.as_deref().filter(|d| default_is_volatile(d));
    let bare_not_null =
        c.not_null && c.default.is_none() && c.identity.is_none() && c.generated.is_none();
    Draft::new(
        Phase::AlterTable,
        id.clone(),
        Action::Create,
        format!("ALTER TABLE {} ADD COLUMN {}", t.name, column_spec(c)),
        reason,
    )
    .hazard_if(
        c.identity.is_some(),
        Hazard::TableRewrite,
        format!(
            "every existing row gets an identity value, so {} is rewritten",
            t.name
        ),
    )
    .hazard_if(
        c.generated.is_some(),
        Hazard::TableRewrite,
        format!(
            "the value is computed for every existing row, so {} is rewritten",
            t.name
        ),
    )
    .hazard_if(
        volatile.is_some(),
        Hazard::TableRewrite,
        format!(
            "the default {} is volatile: every existing row gets its own value, so {} is rewritten",
            volatile.unwrap_or_default(),
            t.name
        ),
    )
    .hazard_if(
        bare_not_null,
        Hazard::DataDependent,
        format!("NOT NULL without a default fails if {} has rows", t.name),
    )
    .hazard_if(
        bare_not_null,
        Hazard::BackwardIncompatible,
        format!("inserts that do not set {} fail", c.name),
    )
    .creates(creates)
    .claims(claims)
    .needs(ctx.needs_in_to(&id))
}

/// `ALTER TABLE t DROP COLUMN c`; sequences the column owns go with it.
fn drop_column(ctx: &Ctx, f: &Table, c: &Column, phase: Phase, reason: &str) -> Draft {
    let id = col_id(f, c);
    let mut drops = vec![id.clone()];
    drops.extend(
        ctx.from_lookup
            .owned_sequences(&f.name, Some(&c.name))
            .filter(|s| s.identity || !ctx.to.sequences.contains_key(&s.name))
            .map(|s| ObjectId::Sequence {
                name: s.name.clone(),
            }),
    );
    let releases: BTreeSet<ObjectId> = drops.iter().flat_map(|d| ctx.rests_on_in_from(d)).collect();
    let frees: Vec<String> = drops
        .iter()
        .filter_map(|d| match d {
            ObjectId::Sequence { name } => Some(relation_name(name)),
            _ => None,
        })
        .collect();
    Draft::new(
        phase,
        id,
        Action::Drop,
        format!("ALTER TABLE {} DROP COLUMN {}", f.name, c.name),
        reason,
    )
    .drops(drops)
    .frees(frees)
    .releases(releases)
}

fn is_enum(cat: &Catalog, data_type: &str) -> bool {
    QualName::parse(data_type.trim_end_matches("[]")).is_some_and(|n| cat.enums.contains_key(&n))
}

fn int_max(data_type: &str) -> Option<i64> {
    match data_type {
        "smallint" => Some(i16::MAX as i64),
        "integer" => Some(i32::MAX as i64),
        "bigint" => Some(i64::MAX),
        _ => None,
    }
}

/// In-place changes of a kept column, in the order PostgreSQL accepts them: expression,
/// identity removal, type (default dropped around it), default, NOT NULL, identity, comment.
fn alter_column(ctx: &Ctx, t: &Table, f: &Column, c: &Column, out: &mut Steps) {
    let id = col_id(t, c);
    let step = |sql: String, reason: String| {
        Draft::new(
            Phase::AlterTable,
            id.clone(),
            Action::Alter,
            format!("ALTER TABLE {} ALTER COLUMN {} {sql}", t.name, c.name),
            reason,
        )
        .needs(ctx.needs_in_to(&id))
        .releases(ctx.released_by_alter(&id))
    };
    let tname = &t.name;

    // ALTER COLUMN c DROP EXPRESSION / SET EXPRESSION AS (expr)
    match (&f.generated, &c.generated) {
        (Some(_), None) => out.push(
            step("DROP EXPRESSION".into(), "no longer generated".into()).alters([id.clone()]),
        ),
        (Some(a), Some(b)) if a != b => out.push(
            step(
                format!("SET EXPRESSION AS ({b})"),
                "generation expression changed".into(),
            )
            .hazard(
                Hazard::TableRewrite,
                format!("every value is computed again, so {tname} is rewritten"),
            )
            .hazard(
                Hazard::AccessExclusiveLock,
                format!("reads and writes of {tname} wait for the rewrite"),
            )
            .alters([id.clone()]),
        ),
        _ => {}
    }

    // ALTER COLUMN c DROP IDENTITY
    if f.identity.is_some() && c.identity.is_none() {
        let seq = ctx.from_lookup.identity_sequence(&t.name, &f.name);
        out.push(
            step("DROP IDENTITY".into(), "identity removed".into())
                .drops(seq.map(|s| ObjectId::Sequence {
                    name: s.name.clone(),
                }))
                .frees(seq.map(|s| relation_name(&s.name))),
        );
    }

    // A default calling a routine the plan drops goes before it (needing nothing the plan
    // creates) and comes back after.
    let rebuild_default = f.default.is_some() && ctx.rebuild.contains(&id);
    let drop_default = |reason: String| {
        if !rebuild_default {
            return step("DROP DEFAULT".into(), reason);
        }
        Draft::new(
            Phase::AlterTable,
            id.clone(),
            Action::Alter,
            format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                t.name, c.name
            ),
            reason,
        )
        .needs([ObjectId::Table {
            name: t.name.clone(),
        }])
        .releases(ctx.from.dependencies_of(&id).cloned())
    };

    // ALTER COLUMN c TYPE new [COLLATE x] USING c::new, with the default dropped around it
    let retyped = f.data_type != c.data_type || f.collation != c.collation;
    let decompress = retyped && ctx.from.hypertable_has_columnstore(&t.name);
    if decompress {
        super::timescale::decompress_before_retype(ctx, &t.name, out);
    }
    if retyped {
        if f.default.is_some() {
            out.push(drop_default("default dropped for the type change".into()));
        }
        let coll = c
            .collation
            .as_deref()
            .map(|x| format!(" COLLATE {}", collation(x)))
            .unwrap_or_default();
        // PostgreSQL refuses USING on a generated column (it recomputes the value).
        let using = if c.generated.is_some() {
            String::new()
        } else {
            // there is no cast between two enum types, nor from most types to an enum: go
            // through their text form
            let via = if is_enum(ctx.from, &f.data_type) || is_enum(ctx.to, &c.data_type) {
                "::text"
            } else {
                ""
            };
            format!(" USING {}{via}::{}", c.name, c.data_type)
        };
        let sql = format!("TYPE {}{coll}{using}", c.data_type);
        let d = if f.data_type != c.data_type {
            let change = classify(&f.data_type, &c.data_type);
            step(
                sql,
                format!("type changed from {} to {}", f.data_type, c.data_type),
            )
            .hazards(
                change
                    .rewrite
                    .map(|r| super::HazardNote::new(Hazard::TableRewrite, r)),
            )
            .hazards(
                change
                    .loss
                    .map(|r| super::HazardNote::new(Hazard::DataLoss, r)),
            )
            .hazards(
                change
                    .dependent
                    .map(|r| super::HazardNote::new(Hazard::DataDependent, r)),
            )
            .hazard(
                Hazard::AccessExclusiveLock,
                format!("reads and writes of {tname} wait until the change is done"),
            )
            .hazard(
                Hazard::BackwardIncompatible,
                format!("clients of {}.{} see a new type", tname, c.name),
            )
        } else {
            let name = |x: &Option<String>| x.clone().unwrap_or_else(|| "the default".into());
            step(
                sql,
                format!(
                    "collation changed from {} to {}",
                    name(&f.collation),
                    name(&c.collation)
                ),
            )
            .hazard(
                Hazard::IndexBuild,
                format!("indexes on {}.{} are rebuilt", tname, c.name),
            )
            .hazard(
                Hazard::AccessExclusiveLock,
                format!("reads and writes of {tname} wait for the index rebuild"),
            )
        };
        let d = if decompress {
            d.needs([super::timescale::decompressed_id(&t.name)])
        } else {
            d
        };
        out.push(d.alters([id.clone()]));
        if let Some(e) = &c.default {
            out.push(step(
                format!("SET DEFAULT {e}"),
                "default set again after the type change".into(),
            ));
        }
    }

    // ALTER COLUMN c DROP DEFAULT … SET DEFAULT e around a replaced routine
    if !retyped && rebuild_default {
        let why = super::routine_deps::rebuild_cause(ctx, &id);
        out.push(drop_default(format!("default dropped: {why}")));
        if let Some(e) = &c.default {
            out.push(step(
                format!("SET DEFAULT {e}"),
                format!("default set again: {why}"),
            ));
        }
    }

    // ALTER COLUMN c SET DEFAULT e / DROP DEFAULT
    if !retyped && !rebuild_default && f.default != c.default {
        out.push(match &c.default {
            Some(e) => step(
                format!("SET DEFAULT {e}"),
                if f.default.is_some() {
                    "default changed"
                } else {
                    "default added"
                }
                .into(),
            ),
            None => step("DROP DEFAULT".into(), "default removed".into()),
        });
    }

    // ALTER COLUMN c SET NOT NULL / DROP NOT NULL
    if f.not_null != c.not_null {
        if !c.not_null {
            out.push(step("DROP NOT NULL".into(), "NOT NULL removed".into()).alters([id.clone()]));
        } else if not_null_through_check(ctx, &t.name).contains(&c.name) {
            set_not_null_online(ctx, t, c, out);
        } else {
            out.push(
                step("SET NOT NULL".into(), "made NOT NULL".into())
                    .alone()
                    .hazard(
                        Hazard::ValidationScan,
                        format!("all of {tname} is read to check {} for NULLs", c.name),
                    )
                    .hazard(
                        Hazard::DataDependent,
                        format!("fails if {} holds NULLs", c.name),
                    )
                    .hazard(
                        Hazard::AccessExclusiveLock,
                        format!("reads and writes of {tname} wait for the scan"),
                    )
                    .alters([id.clone()]),
            );
        }
    }

    // ALTER COLUMN c ADD GENERATED … AS IDENTITY (…) / SET GENERATED … SET option …
    match (&f.identity, &c.identity) {
        (None, Some(new)) => {
            let seq = ctx.to_lookup.identity_sequence(&t.name, &c.name);
            out.push(
                step(
                    format!("ADD {}", identity_clause(new, &c.data_type)),
                    "identity added".into(),
                )
                .creates(seq.map(|s| ObjectId::Sequence {
                    name: s.name.clone(),
                }))
                .claims(seq.map(|s| relation_name(&s.name))),
            );
        }
        (Some(old), Some(new)) => {
            let retyped_int = f.data_type != c.data_type
                && int_max(&f.data_type) == Some(old.max_value)
                && int_max(&c.data_type) == Some(new.max_value);
            if let Some(d) = identity_changes(old, new, retyped_int) {
                out.push(step(d, "identity options changed".into()));
            }
        }
        _ => {}
    }

    out.0.extend(comment_change(
        id.clone(),
        column_target(t, c),
        f.comment.as_ref(),
        c.comment.as_ref(),
    ));
}

/// `SET NOT NULL` on a live table through a validated check (C14), each statement
/// committed before the next, so the table is never read under ACCESS EXCLUSIVE:
///
/// ```sql
/// ALTER TABLE t ADD CONSTRAINT schemadiff_tmp_nn_c CHECK (c IS NOT NULL) NOT VALID;  -- alone
/// ALTER TABLE t VALIDATE CONSTRAINT schemadiff_tmp_nn_c;  -- alone, validation budget
/// ALTER TABLE t ALTER COLUMN c SET NOT NULL;  -- no scan: the check proves it
/// ALTER TABLE t DROP CONSTRAINT schemadiff_tmp_nn_c;
/// ```
///
/// A check a previous, interrupted run left is taken over: validated if it is not yet,
/// then used and dropped.
fn set_not_null_online(ctx: &Ctx, t: &Table, c: &Column, out: &mut Steps) {
    let id = col_id(t, c);
    let tname = &t.name;
    let tmp = not_null_check_name(&c.name);
    let tmp_id = ObjectId::Constraint {
        table: tname.clone(),
        name: tmp.clone(),
    };
    let table_id = ObjectId::Table {
        name: tname.clone(),
    };
    let left = ctx
        .from
        .tables
        .get(tname)
        .and_then(|f| f.constraints.get(&tmp));
    let step = |phase: Phase, object: &ObjectId, action: Action, sql: String, reason: &str| {
        Draft::new(phase, object.clone(), action, sql, reason)
    };
    if left.is_none() {
        out.push(
            step(
                Phase::AddConstraint,
                &tmp_id,
                Action::Create,
                format!(
                    "ALTER TABLE {tname} ADD CONSTRAINT {tmp} CHECK ({} IS NOT NULL) NOT VALID",
                    c.name
                ),
                "made NOT NULL: a temporary check rejects new NULLs",
            )
            .alone()
            .creates([tmp_id.clone()])
            .needs([table_id]),
        );
    }
    if !left.is_some_and(|k| k.validated) {
        out.push(
            step(
                Phase::Validate,
                &tmp_id,
                Action::Alter,
                format!("ALTER TABLE {tname} VALIDATE CONSTRAINT {tmp}"),
                "made NOT NULL: the temporary check is proved over existing rows",
            )
            .alone()
            .budget(Budget::Validation)
            .hazard(
                Hazard::ValidationScan,
                format!(
                    "all of {tname} is read to check {} for NULLs; reads and writes continue",
                    c.name
                ),
            )
            .hazard(
                Hazard::DataDependent,
                format!("fails if {} holds NULLs", c.name),
            )
            .alters([tmp_id.clone()]),
        );
    }
    out.push(
        step(
            Phase::AlterTable,
            &id,
            Action::Alter,
            format!("ALTER TABLE {tname} ALTER COLUMN {} SET NOT NULL", c.name),
            "made NOT NULL (the validated check spares the scan)",
        )
        .needs(ctx.needs_in_to(&id))
        .needs([tmp_id.clone()])
        .releases(ctx.released_by_alter(&id))
        .alters([id.clone()]),
    );
    out.push(
        step(
            Phase::DropConstraint,
            &tmp_id,
            Action::Drop,
            format!("ALTER TABLE {tname} DROP CONSTRAINT {tmp}"),
            "made NOT NULL: the temporary check is no longer needed",
        )
        .needs([id]),
    );
}

/// `SET GENERATED {ALWAYS | BY DEFAULT} SET INCREMENT BY i SET MINVALUE m …` with only what
/// changed; a maximum that follows an integer type change is left to the type change.
fn identity_changes(old: &Identity, new: &Identity, max_follows_type: bool) -> Option<String> {
    let mut parts = Vec::new();
    if old.always != new.always {
        parts.push(format!("SET GENERATED {}", generated_when(new.always)));
    }
    let mut num = |sql: &str, a: i64, b: i64| {
        if a != b {
            parts.push(format!("SET {sql} {b}"));
        }
    };
    num("INCREMENT BY", old.increment, new.increment);
    num("MINVALUE", old.min_value, new.min_value);
    if !max_follows_type {
        num("MAXVALUE", old.max_value, new.max_value);
    }
    num("START WITH", old.start, new.start);
    num("CACHE", old.cache, new.cache);
    if old.cycle != new.cycle {
        parts.push(
            if new.cycle {
                "SET CYCLE"
            } else {
                "SET NO CYCLE"
            }
            .into(),
        );
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

#[cfg(test)]
#[path = "column_tests.rs"]
mod tests;
