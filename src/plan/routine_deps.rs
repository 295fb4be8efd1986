//! What a dropped routine drags along: PostgreSQL refuses `DROP FUNCTION` while a default,
//! check, generated column, index, trigger, view or SQL-standard routine body uses it, and
//! refuses to change the type of a column (or drop it) under a trigger or a SQL-standard
//! routine body. Those dependents, when the plan keeps them, are dropped before and created
//! again after; their dependents in turn when they are routines or views.
//!
//! Only `pg_depend` knows these links (through the catalogs' `depends`): plpgsql bodies
//! record nothing, so a plpgsql function that merely calls another is left alone, which is
//! what PostgreSQL allows.

use super::build::Ctx;
use super::routine::replace_blocker;
use crate::catalog::{Function, ObjectId};
use std::collections::{BTreeMap, BTreeSet};

/// Routines the plan drops: removed ones, and kept ones that `CREATE OR REPLACE` cannot
/// turn into the desired one.
pub(crate) fn dropped_routines(ctx: &Ctx) -> BTreeSet<ObjectId> {
    let mut out = BTreeSet::new();
    for f in ctx.from.all_functions() {
        match ctx.to.function(&f.name, &f.args) {
            None => {
                out.insert(f.id());
            }
            Some(t) if replace_blocker(f, t).is_some() => {
                out.insert(f.id());
            }
            Some(_) => {}
        }
    }
    out
}

/// Kept columns whose type or collation changes.
fn retyped_columns(ctx: &Ctx) -> BTreeSet<ObjectId> {
    let mut out = BTreeSet::new();
    for (table, pairs) in &ctx.diff.columns {
        for (f, t) in &pairs.kept {
            if f.data_type != t.data_type || f.collation != t.collation {
                out.insert(ObjectId::Column {
                    table: table.clone(),
                    column: t.name.clone(),
                });
            }
        }
    }
    out
}

/// True when `id` is a live object that the desired catalog keeps under the same identity
/// (views and policies are other planners' kinds: they decide for themselves).
fn kept(ctx: &Ctx, id: &ObjectId) -> bool {
    match id {
        ObjectId::Column { table, column } => {
            let has = |c: &crate::catalog::Catalog| {
                c.tables
                    .get(table)
                    .is_some_and(|t| t.column(column).is_some())
            };
            has(ctx.from) && has(ctx.to)
        }
        ObjectId::Constraint { table, name } => ctx
            .diff
            .constraints
            .get(table)
            .is_some_and(|p| p.kept.iter().any(|k| &k.from.name == name)),
        ObjectId::Index { name } => ctx.diff.indexes.kept.iter().any(|k| &k.from.name == name),
        ObjectId::Trigger { table, name } => {
            let has = |c: &crate::catalog::Catalog| {
                c.triggers.get(table).is_some_and(|m| m.contains_key(name))
            };
            has(ctx.from) && has(ctx.to)
        }
        ObjectId::Function { name, args } => {
            ctx.from.function(name, args).is_some() && ctx.to.function(name, args).is_some()
        }
        ObjectId::EventTrigger { name } => {
            ctx.from.event_triggers.contains_key(name) && ctx.to.event_triggers.contains_key(name)
        }
        ObjectId::Type { name } => {
            ctx.from.domains.contains_key(name) && ctx.to.domains.contains_key(name)
        }
        ObjectId::View { .. } | ObjectId::MaterializedView { .. } | ObjectId::Policy { .. } => true,
        _ => false,
    }
}

/// Kinds PostgreSQL will not leave in place under a column whose type changes or that is
/// dropped and added again.
fn pinned_to_columns(id: &ObjectId) -> bool {
    matches!(
        id,
        ObjectId::Trigger { .. }
            | ObjectId::Function { .. }
            | ObjectId::View { .. }
            | ObjectId::MaterializedView { .. }
            | ObjectId::Policy { .. }
    )
}

/// Kinds whose drop takes their dependents with them (so those must be rebuilt too).
fn drags_dependents(id: &ObjectId) -> bool {
    matches!(
        id,
        ObjectId::Function { .. } | ObjectId::View { .. } | ObjectId::MaterializedView { .. }
    )
}

/// Every kept live object that rests, directly or through other rebuilt objects, on a
/// routine the plan drops, on a replaced column, on a column whose type changes (for the
/// kinds PostgreSQL pins to columns), or on a routine or view already in `base`.
fn closure(ctx: &Ctx, base: &BTreeSet<ObjectId>) -> BTreeSet<ObjectId> {
    let mut gone: BTreeSet<ObjectId> = dropped_routines(ctx);
    gone.extend(base.iter().filter(|b| drags_dependents(b)).cloned());
    let columns: BTreeSet<ObjectId> = retyped_columns(ctx)
        .into_iter()
        .chain(ctx.replaced_columns.iter().cloned())
        .collect();
    let mut work: BTreeSet<ObjectId> = gone.iter().chain(&columns).cloned().collect();
    let mut out = BTreeSet::new();
    if work.is_empty() {
        return out;
    }
    let mut dependents: BTreeMap<&ObjectId, Vec<&ObjectId>> = BTreeMap::new();
    for (x, on) in &ctx.from.depends {
        for y in on {
            dependents.entry(y).or_default().push(x);
        }
    }
    while let Some(y) = work.pop_first() {
        let via_column = columns.contains(&y);
        for &x in dependents.get(&y).into_iter().flatten() {
            if out.contains(x) || gone.contains(x) || base.contains(x) {
                continue;
            }
            if via_column && !pinned_to_columns(x) {
                continue;
            }
            if !kept(ctx, x) {
                continue;
            }
            out.insert(x.clone());
            if drags_dependents(x) {
                gone.insert(x.clone());
                work.insert(x.clone());
            }
        }
    }
    out
}

/// Kept generated columns computed with a routine the plan drops: dropped and added again
/// (PostgreSQL has no other way to let go of the routine).
pub(crate) fn replaced_generated_columns(ctx: &Ctx) -> BTreeSet<ObjectId> {
    closure(ctx, &BTreeSet::new())
        .into_iter()
        .filter(|id| is_generated_on_both_sides(ctx, id))
        .collect()
}

fn is_generated_on_both_sides(ctx: &Ctx, id: &ObjectId) -> bool {
    let ObjectId::Column { table, column } = id else {
        return false;
    };
    let generated = |c: &crate::catalog::Catalog| {
        c.tables
            .get(table)
            .and_then(|t| t.column(column))
            .is_some_and(|c| c.generated.is_some())
    };
    generated(ctx.from) && generated(ctx.to)
}

/// True when the live object `id` calls a routine the plan drops (or rebuilds).
pub(crate) fn rests_on_dropped_routine(ctx: &Ctx, id: &ObjectId) -> bool {
    let dropped = dropped_routines(ctx);
    ctx.from.dependencies_of(id).any(|d| {
        matches!(d, ObjectId::Function { .. }) && (dropped.contains(d) || ctx.rebuild.contains(d))
    })
}

/// Add to the rebuild set (`rebuild`, as computed so far) the kept objects that must be
/// dropped and created again around dropped routines and retyped or replaced columns:
/// column defaults (the column itself stays), constraints, indexes, domains (their checks
/// and default), triggers, event triggers, routines, views, policies.
pub(crate) fn extend_rebuild(ctx: &Ctx, rebuild: &mut BTreeSet<ObjectId>) {
    let more: Vec<ObjectId> = closure(ctx, rebuild)
        .into_iter()
        .filter(|id| {
            !matches!(id, ObjectId::Column { .. })
                || !(is_generated_on_both_sides(ctx, id) || ctx.replaced_columns.contains(id))
        })
        .collect();
    rebuild.extend(more);
}

/// Why the rebuilt object `id` is dropped and created again: the first thing it rests on
/// that the plan drops or changes.
pub(crate) fn rebuild_cause(ctx: &Ctx, id: &ObjectId) -> String {
    let dropped = dropped_routines(ctx);
    let retyped = retyped_columns(ctx);
    for d in ctx.from.dependencies_of(id) {
        if dropped.contains(d) || ctx.rebuild.contains(d) || ctx.replaced_columns.contains(d) {
            return format!("{d} it rests on is replaced");
        }
        if retyped.contains(d) {
            return format!("the type of {d} it rests on changes");
        }
    }
    "something it rests on is replaced".into()
}

/// The routines among `ids`, for callers that search a definition for their names.
pub(crate) fn routines_in<'a>(
    ctx: &'a Ctx,
    ids: impl IntoIterator<Item = &'a ObjectId>,
) -> Vec<&'a Function> {
    ids.into_iter()
        .filter_map(|id| match id {
            ObjectId::Function { name, args } => ctx.from.function(name, args),
            _ => None,
        })
        .collect()
}
