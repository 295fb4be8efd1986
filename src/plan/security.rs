//! Privileges, ownership, default privileges, row-level security and policies: planned after
//! every other kind, from what the other planners' steps create and drop, so that an object
//! the plan creates (or drops and creates again) gets its privileges and policies anew.
//!
//! Roles named by the statements emitted here must exist on the target server; a missing
//! one is an error, or, with [`PlanOptions::manage_roles`](super::PlanOptions), a
//! `CREATE ROLE r NOLOGIN` step.

use super::build::{Ctx, Draft, Phase, PlanError, Steps};
use super::Action;
use crate::catalog::{Grantee, Ident, ObjectId, QualName};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    // The steps of this module go to `extra`, so that `Fate` can borrow the others' steps.
    let mut extra = Steps::default();
    let mut with_tables = Vec::new();
    let mut roles = RoleUse::default();
    {
        let fate = Fate::of(out);
        super::policy::plan(ctx, &fate, &mut roles, &mut extra, &mut with_tables)?;
        let intermediate = super::default_acl::plan(ctx, &fate, &mut roles, &mut extra)?;
        super::privilege::plan(ctx, &fate, &intermediate, &mut roles, &mut extra)?;
    }
    for (table, ids) in &with_tables {
        dropped_with_table(ctx, out, table, ids);
    }
    out.0.extend(extra.0);
    roles.finish(ctx, out)
}

/// Objects that go with a dropped table (its policies).
pub(crate) type WithTable = (QualName, Vec<ObjectId>);

/// What the other planners' steps do to each object.
pub(crate) struct Fate<'a> {
    created: BTreeSet<&'a ObjectId>,
    dropped: BTreeSet<&'a ObjectId>,
}

/// Where an object stands at the end of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// It exists now and is kept: it keeps its privileges and policies.
    Kept,
    /// The plan creates it, or drops it and creates it again: it starts afresh.
    New,
    /// The plan drops it.
    Gone,
    /// It neither exists now nor does a step create it (a kind no planner handles yet).
    Missing,
}

impl<'a> Fate<'a> {
    pub fn of(steps: &'a Steps) -> Fate<'a> {
        let mut created = BTreeSet::new();
        let mut dropped = BTreeSet::new();
        for d in &steps.0 {
            created.extend(d.deps.creates.iter());
            dropped.extend(d.deps.drops.iter());
        }
        Fate { created, dropped }
    }

    fn with_parents(id: &ObjectId) -> Vec<ObjectId> {
        let mut out = vec![id.clone()];
        if let ObjectId::Column { table, .. } = id {
            out.push(ObjectId::Table {
                name: table.clone(),
            });
            out.push(ObjectId::View {
                name: table.clone(),
            });
            out.push(ObjectId::MaterializedView {
                name: table.clone(),
            });
        }
        out
    }

    /// A step creates the object (or the relation a column belongs to).
    pub fn created(&self, id: &ObjectId) -> bool {
        Self::with_parents(id)
            .iter()
            .any(|x| self.created.contains(x))
    }

    /// A step drops the object (or the relation a column belongs to).
    pub fn dropped(&self, id: &ObjectId) -> bool {
        Self::with_parents(id)
            .iter()
            .any(|x| self.dropped.contains(x))
    }

    /// Everything some step creates.
    pub fn all_created(&self) -> impl Iterator<Item = &ObjectId> {
        self.created.iter().copied()
    }

    /// Where `id` stands, given whether it exists in the live catalog.
    pub fn standing(&self, id: &ObjectId, exists: bool) -> Standing {
        match (self.created(id), self.dropped(id), exists) {
            (true, _, _) => Standing::New,
            (false, true, _) => Standing::Gone,
            (false, false, true) => Standing::Kept,
            (false, false, false) => Standing::Missing,
        }
    }
}

/// Roles the emitted statements name, each with the first statement that names it.
#[derive(Default)]
pub(crate) struct RoleUse {
    used: BTreeMap<Ident, String>,
}

/// The object standing for a role in step dependencies.
pub(crate) fn role_id(role: &Ident) -> ObjectId {
    ObjectId::Other {
        kind: "role".into(),
        identity: role.to_string(),
    }
}

impl RoleUse {
    /// Record that `sql` names `roles`; returns their ids for the step's `needs`.
    pub fn note<'a>(
        &mut self,
        roles: impl IntoIterator<Item = &'a Ident>,
        sql: &str,
    ) -> Vec<ObjectId> {
        roles
            .into_iter()
            .map(|r| {
                self.used
                    .entry(r.clone())
                    .or_insert_with(|| sql.to_string());
                role_id(r)
            })
            .collect()
    }

    /// Record the roles among `grantees`.
    pub fn note_grantees<'a>(
        &mut self,
        grantees: impl IntoIterator<Item = &'a Grantee>,
        sql: &str,
    ) -> Vec<ObjectId> {
        self.note(grantees.into_iter().filter_map(Grantee::role), sql)
    }

    /// Check that every role named exists on the target server (when its roles are known);
    /// `CREATE ROLE r NOLOGIN` for those missing when the plan manages roles.
    fn finish(self, ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
        let Some(existing) = &ctx.from.privileges.roles else {
            return Ok(());
        };
        let missing: Vec<(&Ident, &String)> = self
            .used
            .iter()
            .filter(|(r, _)| !existing.contains(*r))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        if !ctx.opts.manage_roles {
            return Err(PlanError::MissingRoles {
                roles: missing
                    .iter()
                    .map(|(r, sql)| format!("{r} (needed by `{}`)", first_line(sql)))
                    .collect(),
            });
        }
        for (role, sql) in missing {
            let id = role_id(role);
            out.push(
                Draft::new(
                    Phase::CreateRole,
                    id.clone(),
                    Action::Create,
                    format!("CREATE ROLE {role} NOLOGIN"),
                    format!(
                        "role named by `{}` is missing on the server",
                        first_line(sql)
                    ),
                )
                .creates([id]),
            );
        }
        Ok(())
    }
}

fn first_line(sql: &str) -> &str {
    sql.lines().next().unwrap_or(sql)
}

/// The schema an object lives in, if it lives in one.
pub(crate) fn schema_of(id: &ObjectId) -> Option<&Ident> {
    match id {
        ObjectId::Schema { name } => Some(name),
        ObjectId::Extension { .. } | ObjectId::EventTrigger { .. } | ObjectId::Other { .. } => None,
        ObjectId::Type { name }
        | ObjectId::Sequence { name }
        | ObjectId::Table { name }
        | ObjectId::Index { name }
        | ObjectId::View { name }
        | ObjectId::MaterializedView { name }
        | ObjectId::Function { name, .. } => Some(&name.schema),
        ObjectId::Column { table, .. }
        | ObjectId::Constraint { table, .. }
        | ObjectId::Trigger { table, .. }
        | ObjectId::Policy { table, .. } => Some(&table.schema),
    }
}

/// Add `ids` to the drops of the step that drops `table` (a dropped table takes its policies
/// with it), so that what they rest on is released before it goes too.
fn dropped_with_table(ctx: &Ctx, out: &mut Steps, table: &QualName, ids: &[ObjectId]) {
    let tid = ObjectId::Table {
        name: table.clone(),
    };
    if let Some(d) = out.0.iter_mut().find(|d| d.deps.drops.contains(&tid)) {
        for id in ids {
            d.deps.drops.insert(id.clone());
            d.deps.releases.extend(ctx.rests_on_in_from(id));
        }
    }
}

#[cfg(test)]
#[path = "security_tests.rs"]
mod tests;
