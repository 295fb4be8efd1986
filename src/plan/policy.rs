//! Row-level security (`ENABLE`/`FORCE`) and policies.
//!
//! A policy whose command or kind (permissive, restrictive) changes, that loses its USING or
//! WITH CHECK expression, or that rests on something the plan drops or retypes (PostgreSQL
//! refuses to change the type of a column a policy uses) is dropped and created again; other
//! changes are `ALTER POLICY`. A dropped table takes its policies with it.

use super::build::{comment_change, Ctx, Draft, Phase, PlanError, Steps};
use super::privilege::exists_in;
use super::security::{Fate, RoleUse, Standing, WithTable};
use super::{Action, Hazard};
use crate::catalog::{Ident, ObjectId, Policy, QualName};
use std::collections::{BTreeMap, BTreeSet};

fn policy_id(p: &Policy) -> ObjectId {
    ObjectId::Policy {
        table: p.table.clone(),
        name: p.name.clone(),
    }
}

fn roles_sql(p: &Policy) -> String {
    p.roles
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// ```sql
/// CREATE POLICY p ON t AS PERMISSIVE | RESTRICTIVE FOR ALL | SELECT | INSERT | UPDATE | DELETE
///     TO r, ... [USING (expr)] [WITH CHECK (expr)]
/// ```
fn create(ctx: &Ctx, p: &Policy, reason: &str, roles: &mut RoleUse) -> Draft {
    let id = policy_id(p);
    let mut sql = format!(
        "CREATE POLICY {} ON {} AS {} FOR {} TO {}",
        p.name,
        p.table,
        if p.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        p.command.keyword(),
        roles_sql(p)
    );
    if let Some(e) = &p.using {
        sql.push_str(&format!(" USING ({e})"));
    }
    if let Some(e) = &p.with_check {
        sql.push_str(&format!(" WITH CHECK ({e})"));
    }
    let needs = roles.note_grantees(&p.roles, &sql);
    Draft::new(Phase::CreatePolicy, id.clone(), Action::Create, sql, reason)
        .creates([id.clone()])
        .needs(ctx.needs_in_to(&id))
        .needs(needs)
}

/// `DROP POLICY p ON t`.
fn drop(ctx: &Ctx, p: &Policy, reason: &str) -> Draft {
    let id = policy_id(p);
    Draft::new(
        Phase::DropPolicy,
        id.clone(),
        Action::Drop,
        format!("DROP POLICY {} ON {}", p.name, p.table),
        reason,
    )
    .drops([id.clone()])
    .releases(ctx.rests_on_in_from(&id))
}

/// `ALTER POLICY p ON t [TO r, ...] [USING (expr)] [WITH CHECK (expr)]` with what changed.
fn alter(ctx: &Ctx, f: &Policy, t: &Policy, roles: &mut RoleUse) -> Option<Draft> {
    let mut clauses = Vec::new();
    let mut what = Vec::new();
    if f.roles != t.roles {
        clauses.push(format!("TO {}", roles_sql(t)));
        what.push("roles");
    }
    if f.using != t.using {
        clauses.push(format!(
            "USING ({})",
            t.using.as_deref().unwrap_or_default()
        ));
        what.push("USING expression");
    }
    if f.with_check != t.with_check {
        clauses.push(format!(
            "WITH CHECK ({})",
            t.with_check.as_deref().unwrap_or_default()
        ));
        what.push("WITH CHECK expression");
    }
    if clauses.is_empty() {
        return None;
    }
    let id = policy_id(t);
    let sql = format!(
        "ALTER POLICY {} ON {} {}",
        t.name,
        t.table,
        clauses.join(" ")
    );
    let needs = roles.note_grantees(&t.roles, &sql);
    let lost: Vec<String> = f
        .roles
        .difference(&t.roles)
        .map(|r| r.to_string())
        .collect();
    Some(
        Draft::new(
            Phase::CreatePolicy,
            id.clone(),
            Action::Alter,
            sql,
            format!("{} changed", what.join(", ")),
        )
        .hazard_if(
            t.permissive && !lost.is_empty(),
            Hazard::PrivilegeRevoke,
            format!(
                "the rows policy {} admits on {} are hidden from {}",
                t.name,
                t.table,
                lost.join(", ")
            ),
        )
        .needs(ctx.needs_in_to(&id))
        .needs(needs)
        .releases(ctx.released_by_alter(&id)),
    )
}

/// Why a kept policy must be dropped and created again, if it must.
fn rebuild_reason(
    ctx: &Ctx,
    fate: &Fate,
    retyped: &BTreeSet<ObjectId>,
    f: &Policy,
    t: &Policy,
) -> Option<String> {
    if f.command != t.command {
        return Some("command changed: dropped and created again".into());
    }
    if f.permissive != t.permissive {
        return Some("permissive/restrictive changed: dropped and created again".into());
    }
    if (f.using.is_some() && t.using.is_none())
        || (f.with_check.is_some() && t.with_check.is_none())
    {
        return Some("an expression was removed: dropped and created again".into());
    }
    let rests = ctx.rests_on_in_from(&policy_id(f));
    if let Some(x) = rests.iter().find(|x| retyped.contains(*x)) {
        return Some(format!(
            "{x} changes type: dropped and created again around it"
        ));
    }
    let table = ObjectId::Table {
        name: f.table.clone(),
    };
    if let Some(x) = rests.iter().find(|x| **x != table && fate.dropped(x)) {
        return Some(format!(
            "{x} is dropped: dropped and created again around it"
        ));
    }
    None
}

pub(crate) fn plan(
    ctx: &Ctx,
    fate: &Fate,
    roles: &mut RoleUse,
    out: &mut Steps,
    with_tables: &mut Vec<WithTable>,
) -> Result<(), PlanError> {
    let mut retyped = BTreeSet::new();
    for (table, pairs) in &ctx.diff.columns {
        for (f, t) in &pairs.kept {
            if f.data_type != t.data_type || f.collation != t.collation {
                retyped.insert(ObjectId::Column {
                    table: table.clone(),
                    column: t.name.clone(),
                });
            }
        }
    }
    let none = BTreeMap::new();
    let tables: BTreeSet<&QualName> = ctx
        .from
        .policies
        .keys()
        .chain(ctx.to.policies.keys())
        .chain(ctx.from.row_security.keys())
        .chain(ctx.to.row_security.keys())
        .collect();
    for table in tables {
        let tid = ObjectId::Table {
            name: table.clone(),
        };
        let from = ctx.from.policies.get(table).unwrap_or(&none);
        let to = ctx.to.policies.get(table).unwrap_or(&none);
        let standing = fate.standing(&tid, exists_in(ctx.from, &tid));
        if fate.dropped(&tid) {
            let ids: Vec<ObjectId> = from.values().map(policy_id).collect();
            with_tables.push((table.clone(), ids));
        }
        match standing {
            Standing::Gone | Standing::Missing => continue,
            Standing::New => {
                for p in to.values() {
                    out.push(create(ctx, p, "policy added", roles));
                    out.0.extend(comment_change(
                        policy_id(p),
                        target(p),
                        None,
                        p.comment.as_ref(),
                    ));
                }
            }
            Standing::Kept => policies(ctx, fate, &retyped, from, to, roles, out),
        }
        row_security(ctx, table, standing, from, to, out);
    }
    Ok(())
}

fn target(p: &Policy) -> String {
    format!("POLICY {} ON {}", p.name, p.table)
}

/// Policies of a kept table.
fn policies(
    ctx: &Ctx,
    fate: &Fate,
    retyped: &BTreeSet<ObjectId>,
    from: &BTreeMap<Ident, Policy>,
    to: &BTreeMap<Ident, Policy>,
    roles: &mut RoleUse,
    out: &mut Steps,
) {
    for (name, f) in from {
        if to.contains_key(name) {
            continue;
        }
        let rls_on = ctx.to.row_security.get(&f.table).is_some_and(|r| r.enabled);
        out.push(drop(ctx, f, "policy removed").hazard_if(
            f.permissive && rls_on,
            Hazard::PrivilegeRevoke,
            format!(
                "the rows policy {} admitted on {} are hidden from {}",
                f.name,
                f.table,
                roles_sql(f)
            ),
        ));
    }
    for (name, t) in to {
        let Some(f) = from.get(name) else {
            out.push(create(ctx, t, "policy added", roles));
            out.0.extend(comment_change(
                policy_id(t),
                target(t),
                None,
                t.comment.as_ref(),
            ));
            continue;
        };
        if let Some(reason) = rebuild_reason(ctx, fate, retyped, f, t) {
            out.push(drop(ctx, f, &reason));
            out.push(create(ctx, t, &reason, roles));
            out.0.extend(comment_change(
                policy_id(t),
                target(t),
                None,
                t.comment.as_ref(),
            ));
            continue;
        }
        out.0.extend(alter(ctx, f, t, roles));
        out.0.extend(comment_change(
            policy_id(t),
            target(t),
            f.comment.as_ref(),
            t.comment.as_ref(),
        ));
    }
}

/// `ALTER TABLE t ENABLE | DISABLE ROW LEVEL SECURITY`, `ALTER TABLE t [NO] FORCE ROW LEVEL
/// SECURITY`. Enabling waits for the table's new policies, so that rows are never hidden
/// from roles the policies admit; disabling comes before its policies are dropped.
fn row_security(
    ctx: &Ctx,
    table: &QualName,
    standing: Standing,
    from: &BTreeMap<Ident, Policy>,
    to: &BTreeMap<Ident, Policy>,
    out: &mut Steps,
) {
    let state = |r: Option<&crate::catalog::RowSecurity>| {
        r.map(|r| (r.enabled, r.forced)).unwrap_or((false, false))
    };
    let (was_on, was_forced) = match standing {
        Standing::Kept => state(ctx.from.row_security.get(table)),
        _ => (false, false),
    };
    let (on, forced) = state(ctx.to.row_security.get(table));
    let existing = standing == Standing::Kept;
    let tid = ObjectId::Table {
        name: table.clone(),
    };
    let step = |sql: &str, reason: &str| {
        Draft::new(
            Phase::RowSecurity,
            tid.clone(),
            Action::Alter,
            format!("ALTER TABLE {table} {sql}"),
            reason,
        )
        .needs([tid.clone()])
    };
    let policy_ids = |m: &BTreeMap<Ident, Policy>| m.values().map(policy_id).collect::<Vec<_>>();
    if on && !was_on {
        out.push(
            step("ENABLE ROW LEVEL SECURITY", "row-level security enabled")
                .hazard_if(
                    existing,
                    Hazard::PrivilegeRevoke,
                    format!("roles no policy admits no longer see any row of {table}"),
                )
                .needs(policy_ids(to)),
        );
    }
    if !on && was_on {
        out.push(
            step("DISABLE ROW LEVEL SECURITY", "row-level security disabled")
                .releases(policy_ids(from)),
        );
    }
    if forced && !was_forced {
        out.push(
            step(
                "FORCE ROW LEVEL SECURITY",
                "row-level security forced on the owner",
            )
            .hazard_if(
                existing,
                Hazard::PrivilegeRevoke,
                format!("the owner of {table} sees only the rows its policies admit"),
            )
            .needs(policy_ids(to)),
        );
    }
    if !forced && was_forced {
        out.push(step(
            "NO FORCE ROW LEVEL SECURITY",
            "row-level security no longer forced on the owner",
        ));
    }
}
