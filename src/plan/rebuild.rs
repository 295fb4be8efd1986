//! Dependents rebuilt in order: live objects that must be dropped and created again because
//! something they rest on is replaced, or altered in a way PostgreSQL refuses while they
//! exist (`cannot alter type of a column used by a view or rule`, `cannot drop column ...
//! because other objects depend on it`).
//!
//! The walk is generic over [`ObjectId`]: it starts from the *causes* (a column whose type
//! changes, a constraint dropped and added again, a view its own change replaces, ...) and
//! follows `from.depends` backwards. Each dependent is treated by its kind's
//! [`Treatment`]: re-created (and then a cause for its own dependents), a refusal when the
//! planner cannot re-create it, or left alone when PostgreSQL copes (an index is rebuilt by
//! `ALTER COLUMN ... TYPE` itself). A kind whose planner learns to re-create its objects from
//! [`Rebuilds`] moves to [`Treatment::Recreate`] in [`treatment`], and adds its objects'
//! own replacements to the causes in [`super::deps::rebuild_set`].

use super::build::{unsupported, Ctx, PlanError};
use crate::catalog::{Catalog, ObjectId};
use std::collections::{BTreeMap, BTreeSet};

/// Live objects the plan drops and creates again, each with why (said by both steps).
/// Constraints and indexes are here only when they did not change themselves; views and
/// materialized views also when their own change needs a drop and create.
#[derive(Debug, Default)]
pub(crate) struct Rebuilds {
    reasons: BTreeMap<ObjectId, String>,
}

impl Rebuilds {
    pub fn contains(&self, id: &ObjectId) -> bool {
        self.reasons.contains_key(id)
    }

    /// Why `id` is dropped and created again, if it is.
    pub fn reason(&self, id: &ObjectId) -> Option<&str> {
        self.reasons.get(id).map(String::as_str)
    }

    /// Record `id` with `reason`; the first reason recorded stays.
    pub fn insert(&mut self, id: ObjectId, reason: impl Into<String>) {
        self.reasons.entry(id).or_insert_with(|| reason.into());
    }

    pub fn iter(&self) -> impl Iterator<Item = (&ObjectId, &str)> {
        self.reasons.iter().map(|(k, v)| (k, v.as_str()))
    }
}

/// What the walk does with a live object that depends on a cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Treatment {
    /// The planner drops it before the cause changes and creates it again after.
    Recreate,
    /// PostgreSQL refuses the cause's change while it exists, and the planner cannot
    /// re-create it: the plan fails with [`PlanError::Unsupported`].
    Blocks,
    /// PostgreSQL or another part of the planner takes care of it (indexes, constraints,
    /// column defaults, sequences, ...).
    Follows,
}

/// Kinds of objects PostgreSQL refuses to keep across a column type change or a drop of
/// what they use, while the planner has no way to re-create them yet.
const BLOCKING_OTHER_KINDS: [&str; 7] = [
    "rule",
    "function",
    "procedure",
    "aggregate",
    "window function",
    "trigger",
    "policy",
];

/// How a dependent of a cause is treated, by kind.
pub(crate) fn treatment(id: &ObjectId) -> Treatment {
    match id {
        ObjectId::View { .. }
        | ObjectId::MaterializedView { .. }
        | ObjectId::Function { .. }
        | ObjectId::Trigger { .. }
        | ObjectId::Policy { .. } => Treatment::Recreate,
        ObjectId::Other { kind, .. } if BLOCKING_OTHER_KINDS.contains(&kind.as_str()) => {
            Treatment::Blocks
        }
        _ => Treatment::Follows,
    }
}

/// True when `id` exists in `cat`, for the kinds the walk re-creates; kinds the catalog
/// does not model are taken to exist (they are never dropped by a plan).
fn exists(cat: &Catalog, id: &ObjectId) -> bool {
    match id {
        ObjectId::View { .. }
        | ObjectId::MaterializedView { .. }
        | ObjectId::Function { .. }
        | ObjectId::Trigger { .. } => cat.holds(id),
        _ => true,
    }
}

/// True when the planner changes `id` in place (no drop) and the change itself releases
/// what it stops using, so that a cause it no longer uses does not force a drop.
fn changes_in_place(ctx: &Ctx, id: &ObjectId) -> bool {
    match id {
        ObjectId::View { name } => super::view::replaced_in_place(ctx, name),
        _ => false,
    }
}

/// Objects that go when `id` is dropped and that the planner must create again with it
/// (the indexes of a materialized view).
fn goes_with(ctx: &Ctx, id: &ObjectId) -> Vec<ObjectId> {
    match id {
        ObjectId::MaterializedView { name } => ctx
            .diff
            .indexes
            .kept
            .iter()
            .filter(|k| &k.from.table == name)
            .map(|k| ObjectId::Index {
                name: k.from.name.clone(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Walk from `causes` (object → what happens to it, as in "column public.t.c whose type
/// changes") through the live dependents, adding those to re-create to `out`.
///
/// `own` are objects replaced because of their own change, with why; they are causes too
/// (and must be among `causes`). One that still uses a cause is recorded with that cause
/// as its reason, the root of the matter; the others with their own reason.
pub(crate) fn dependents(
    ctx: &Ctx,
    mut causes: BTreeMap<ObjectId, String>,
    own: Vec<(ObjectId, String)>,
    out: &mut Rebuilds,
) -> Result<(), PlanError> {
    let mut users: BTreeMap<&ObjectId, BTreeSet<&ObjectId>> = BTreeMap::new();
    for (dependent, on) in &ctx.from.depends {
        for o in on {
            users.entry(o).or_default().insert(dependent);
        }
    }
    let mut queue: Vec<ObjectId> = causes.keys().cloned().collect();
    while let Some(cause) = queue.pop() {
        let Some(found) = users.get(&cause) else {
            continue;
        };
        for &x in found {
            if out.contains(x) {
                continue;
            }
            let what = &causes[&cause];
            match treatment(x) {
                Treatment::Follows => {}
                Treatment::Blocks => {
                    return Err(unsupported(
                        x,
                        format!(
                            "it depends on {what}, which PostgreSQL refuses while it exists, \
                             and schemadiff cannot re-create it yet"
                        ),
                        format!(
                            "drop {x} in a first deployment and declare it again in a second, \
                             or make the change to {cause} by hand"
                        ),
                    ));
                }
                Treatment::Recreate => {
                    if !exists(ctx.from, x) || !exists(ctx.to, x) {
                        continue; // dropped (or never there): its drop goes first
                    }
                    let still_uses = ctx.to.dependencies_of(x).any(|d| d == &cause);
                    if causes.contains_key(x) {
                        if still_uses {
                            out.insert(x.clone(), format!("depends on {what}"));
                        }
                        continue; // replaced by its own change, and already a cause
                    }
                    if changes_in_place(ctx, x) && !still_uses {
                        continue;
                    }
                    out.insert(x.clone(), format!("depends on {what}"));
                    causes.insert(x.clone(), format!("{x} which is recreated"));
                    queue.push(x.clone());
                }
            }
        }
    }
    for (id, reason) in own {
        out.insert(id, reason);
    }
    let recreated: Vec<ObjectId> = out.iter().map(|(id, _)| id.clone()).collect();
    for id in recreated {
        for part in goes_with(ctx, &id) {
            out.insert(part, format!("{id} is recreated"));
        }
    }
    Ok(())
}
