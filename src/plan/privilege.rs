//! Owners and privileges of schemas, relations, columns, routines and types: `GRANT`,
//! `REVOKE`, and `ALTER ... OWNER TO` when the plan manages ownership.
//!
//! ACLs are compared relative to PostgreSQL's defaults (see `catalog::security`), so a
//! fresh object whose desired ACL is the default needs no statement at all. An object the
//! plan creates starts with the privileges PostgreSQL gives it: the defaults, changed by the
//! default privileges (`ALTER DEFAULT PRIVILEGES`) of the role that creates it as they stand
//! while objects are created (see `default_acl`).

use super::build::{unsupported, Ctx, Draft, Phase, PlanError, Steps};
use super::security::{Fate, RoleUse, Standing};
use super::{Action, Hazard};
use crate::catalog::security::{Acl, DefaultAclKey, DefaultObjectType, Grant, ObjectPrivileges};
use crate::catalog::{Catalog, Grantee, Ident, ObjectId};
use std::collections::{BTreeMap, BTreeSet};

/// Privilege keywords in the order statements list them.
const KEYWORDS: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "TRUNCATE",
    "REFERENCES",
    "TRIGGER",
    "MAINTAIN",
    "USAGE",
    "CREATE",
    "EXECUTE",
];

/// `privileges` as the keyword list a statement takes, in canonical order; an error for a
/// privilege schemadiff does not know (it never reaches SQL unchecked).
pub(crate) fn keyword_list<'a>(
    privileges: impl IntoIterator<Item = &'a String>,
    object: &dyn std::fmt::Display,
) -> Result<Vec<&'static str>, PlanError> {
    let mut out = Vec::new();
    for p in privileges {
        let k = KEYWORDS.iter().find(|k| **k == p.as_str()).ok_or_else(|| {
            unsupported(
                object,
                format!("privilege {p:?} is not one schemadiff knows"),
                "grant or revoke it by hand; please report the privilege and server version",
            )
        })?;
        out.push(*k);
    }
    out.sort_by_key(|k| KEYWORDS.iter().position(|x| x == k));
    out.dedup();
    Ok(out)
}

/// The statements that turn one ACL into another, per grantee.
#[derive(Debug, Default)]
pub(crate) struct AclDiff {
    /// `REVOKE privs ... FROM g`.
    pub revoke: Vec<(Grantee, BTreeSet<String>)>,
    /// `REVOKE GRANT OPTION FOR privs ... FROM g`.
    pub revoke_option: Vec<(Grantee, BTreeSet<String>)>,
    /// `GRANT privs ... TO g [WITH GRANT OPTION]`.
    pub grant: Vec<(Grantee, BTreeSet<String>, bool)>,
}

impl AclDiff {
    /// From `from` to `to`. `owner` is the role whose implicit privileges `owner_revoked`
    /// concern (unknown: those are left alone); grants to `skip` roles are not compared
    /// (an owner's own privileges are implicit).
    pub fn between(from: &Acl, to: &Acl, owner: Option<&Ident>, skip: &BTreeSet<&Ident>) -> Self {
        let held = |acl: &Acl| -> BTreeMap<Grantee, BTreeMap<String, bool>> {
            let mut m: BTreeMap<Grantee, BTreeMap<String, bool>> = BTreeMap::new();
            for g in &acl.granted {
                if g.grantee.role().is_some_and(|r| skip.contains(r)) {
                    continue;
                }
                let e = m
                    .entry(g.grantee.clone())
                    .or_default()
                    .entry(g.privilege.clone())
                    .or_insert(false);
                *e |= g.grantable;
            }
            m
        };
        let (a, b) = (held(from), held(to));
        let mut out = AclDiff::default();
        let grantees: BTreeSet<&Grantee> = a.keys().chain(b.keys()).collect();
        let none = BTreeMap::new();
        for g in grantees {
            let (ha, hb) = (a.get(g).unwrap_or(&none), b.get(g).unwrap_or(&none));
            let gone: BTreeSet<String> = ha
                .keys()
                .filter(|p| !hb.contains_key(*p))
                .cloned()
                .collect();
            let demoted: BTreeSet<String> = ha
                .iter()
                .filter(|(p, o)| **o && hb.get(*p) == Some(&false))
                .map(|(p, _)| p.clone())
                .collect();
            let mut plain = BTreeSet::new();
            let mut with_option = BTreeSet::new();
            for (p, o) in hb {
                match (ha.get(p), o) {
                    (None, false) => {
                        plain.insert(p.clone());
                    }
                    (None, true) | (Some(false), true) => {
                        with_option.insert(p.clone());
                    }
                    _ => {}
                }
            }
            if !gone.is_empty() {
                out.revoke.push((g.clone(), gone));
            }
            if !demoted.is_empty() {
                out.revoke_option.push((g.clone(), demoted));
            }
            if !plain.is_empty() {
                out.grant.push((g.clone(), plain, false));
            }
            if !with_option.is_empty() {
                out.grant.push((g.clone(), with_option, true));
            }
        }
        let diff = |x: &BTreeSet<String>, y: &BTreeSet<String>| -> BTreeSet<String> {
            x.difference(y).cloned().collect()
        };
        let lose = diff(&to.public_revoked, &from.public_revoked);
        let regain = diff(&from.public_revoked, &to.public_revoked);
        if !lose.is_empty() {
            out.revoke.push((Grantee::Public, lose));
        }
        if !regain.is_empty() {
            out.grant.push((Grantee::Public, regain, false));
        }
        if let Some(owner) = owner {
            let lose = diff(&to.owner_revoked, &from.owner_revoked);
            let regain = diff(&from.owner_revoked, &to.owner_revoked);
            let o = Grantee::Role(owner.clone());
            if !lose.is_empty() {
                out.revoke.push((o.clone(), lose));
            }
            if !regain.is_empty() {
                out.grant.push((o, regain, false));
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.revoke.is_empty() && self.revoke_option.is_empty() && self.grant.is_empty()
    }
}

/// The object exists in `cat`: listed with its privileges, or among the modelled objects (a
/// catalog not read from a server lists no privileges). A column of a relation no planner
/// models (a view) exists when its relation does.
pub(crate) fn exists_in(cat: &Catalog, id: &ObjectId) -> bool {
    if cat.privileges.objects.contains_key(id) || modelled_in(cat, id) {
        return true;
    }
    match id {
        ObjectId::Column { table, .. } if !cat.tables.contains_key(table) => [
            ObjectId::Table {
                name: table.clone(),
            },
            ObjectId::View {
                name: table.clone(),
            },
            ObjectId::MaterializedView {
                name: table.clone(),
            },
        ]
        .iter()
        .any(|r| cat.privileges.objects.contains_key(r)),
        _ => false,
    }
}

/// The object is among the modelled objects of `cat` (those the planners create), not only
/// listed with its privileges: a desired object of a kind no planner handles yet (a view, a
/// routine, a partitioned table) is reported as unmanaged, and its privileges wait until it
/// exists.
fn modelled_in(cat: &Catalog, id: &ObjectId) -> bool {
    match id {
        ObjectId::Schema { name } => cat.schemas.contains_key(name),
        ObjectId::Table { name } => cat.tables.contains_key(name),
        ObjectId::Sequence { name } => cat.sequences.contains_key(name),
        ObjectId::Type { name } => {
            cat.enums.contains_key(name)
                || cat.domains.contains_key(name)
                || cat.composites.contains_key(name)
        }
        ObjectId::Column { table, column } => cat
            .tables
            .get(table)
            .is_some_and(|t| t.column(column).is_some()),
        ObjectId::View { name } => cat.views.contains_key(name),
        ObjectId::MaterializedView { name } => cat.materialized_views.contains_key(name),
        ObjectId::Function { name, args } => cat.function(name, args).is_some(),
        _ => false,
    }
}

/// The kind of default privileges that apply when an object of `id`'s kind is created.
pub(crate) fn default_kind(id: &ObjectId) -> Option<DefaultObjectType> {
    Some(match id {
        ObjectId::Table { .. } | ObjectId::View { .. } | ObjectId::MaterializedView { .. } => {
            DefaultObjectType::Tables
        }
        ObjectId::Sequence { .. } => DefaultObjectType::Sequences,
        ObjectId::Function { .. } => DefaultObjectType::Functions,
        ObjectId::Type { .. } => DefaultObjectType::Types,
        ObjectId::Schema { .. } => DefaultObjectType::Schemas,
        _ => return None,
    })
}

/// Insert `g`, keeping one grant per grantee and privilege (with the grant option if either
/// has it).
fn merge_grant(set: &mut BTreeSet<Grant>, g: Grant) {
    let other = Grant {
        grantable: !g.grantable,
        ..g.clone()
    };
    if set.contains(&other) {
        if g.grantable {
            set.remove(&other);
            set.insert(g);
        }
    } else {
        set.insert(g);
    }
}

/// The ACL PostgreSQL gives an object of `id`'s kind when `creator` creates it, under the
/// default privileges `defaults` (an entry for the whole database replaces the built-in
/// defaults, one for the object's schema adds to them).
pub(crate) fn initial_acl(
    id: &ObjectId,
    creator: Option<&Ident>,
    defaults: &BTreeMap<DefaultAclKey, Acl>,
) -> Acl {
    let (Some(creator), Some(objtype)) = (creator, default_kind(id)) else {
        return Acl::default();
    };
    let key = |schema: Option<Ident>| DefaultAclKey {
        role: creator.clone(),
        schema,
        objtype,
    };
    let mut acl = defaults.get(&key(None)).cloned().unwrap_or_default();
    if objtype != DefaultObjectType::Schemas {
        if let Some(s) =
            super::security::schema_of(id).and_then(|s| defaults.get(&key(Some(s.clone()))))
        {
            for g in &s.granted {
                if g.grantee.role() != Some(creator) {
                    merge_grant(&mut acl.granted, g.clone());
                }
            }
        }
    }
    acl
}

/// `ON <target>` of GRANT and REVOKE, and the column for a column privilege.
fn grant_target(id: &ObjectId) -> Option<(String, Option<&Ident>)> {
    Some(match id {
        ObjectId::Schema { name } => (format!("SCHEMA {name}"), None),
        ObjectId::Table { name }
        | ObjectId::View { name }
        | ObjectId::MaterializedView { name } => (format!("TABLE {name}"), None),
        ObjectId::Sequence { name } => (format!("SEQUENCE {name}"), None),
        ObjectId::Type { name } => (format!("TYPE {name}"), None),
        ObjectId::Function { name, args } => (format!("ROUTINE {name}({args})"), None),
        ObjectId::Column { table, column } => (format!("TABLE {table}"), Some(column)),
        _ => return None,
    })
}

/// `ALTER <kind> <name> OWNER TO <role>`; none for a sequence owned by a column (it follows
/// its table) or a kind without owners of its own.
fn owner_sql(ctx: &Ctx, id: &ObjectId, role: &Ident) -> Option<String> {
    let target = match id {
        ObjectId::Schema { name } => format!("SCHEMA {name}"),
        ObjectId::Table { name } => format!("TABLE {name}"),
        ObjectId::View { name } => format!("VIEW {name}"),
        ObjectId::MaterializedView { name } => format!("MATERIALIZED VIEW {name}"),
        ObjectId::Sequence { name } => {
            let owned = |c: &Catalog| c.sequences.get(name).is_some_and(|s| s.owned_by.is_some());
            if owned(ctx.to) || owned(ctx.from) {
                return None;
            }
            format!("SEQUENCE {name}")
        }
        ObjectId::Type { name } => format!("TYPE {name}"),
        ObjectId::Function { name, args } => format!("ROUTINE {name}({args})"),
        _ => return None,
    };
    Some(format!("ALTER {target} OWNER TO {role}"))
}

pub(crate) fn plan(
    ctx: &Ctx,
    fate: &Fate,
    defaults_while_creating: &BTreeMap<DefaultAclKey, Acl>,
    roles: &mut RoleUse,
    out: &mut Steps,
) -> Result<(), PlanError> {
    let ids: BTreeSet<&ObjectId> = ctx
        .from
        .privileges
        .objects
        .keys()
        .chain(ctx.to.privileges.objects.keys())
        .collect();
    for id in ids {
        let want = ctx.to.privileges.objects.get(id);
        if want.is_none() && !exists_in(ctx.to, id) {
            continue;
        }
        let exists = exists_in(ctx.from, id);
        let have = ctx.from.privileges.objects.get(id);
        let creator = ctx.from.privileges.creator.as_ref();
        let standing = fate.standing(id, exists);
        let (start, live_owner) = match standing {
            Standing::Gone => continue,
            Standing::Missing if modelled_in(ctx.to, id) => {
                return Err(unsupported(
                    id,
                    "its privileges are desired but no step creates it",
                    "this is a planner bug; please report it with the desired schema",
                ))
            }
            Standing::Missing => continue,
            Standing::Kept => (
                have.map(|h| h.acl.clone()).unwrap_or_default(),
                have.map(|h| &h.owner),
            ),
            Standing::New => (initial_acl(id, creator, defaults_while_creating), creator),
        };
        let empty = Acl::default();
        let want_acl = want.map(|w| &w.acl).unwrap_or(&empty);
        let owner = ownership(ctx, id, want, live_owner, roles, out);
        let mut skip: BTreeSet<&Ident> = owner.iter().copied().collect();
        skip.extend(want.map(|w| &w.owner));
        let changes = AclDiff::between(&start, want_acl, owner, &skip);
        emit(id, standing == Standing::New, &changes, roles, out)?;
    }
    Ok(())
}

/// `ALTER ... OWNER TO` when the plan manages ownership and the desired files declare an
/// owner other than the live one; returns the owner the object ends up with.
fn ownership<'a>(
    ctx: &Ctx,
    id: &ObjectId,
    want: Option<&'a ObjectPrivileges>,
    live_owner: Option<&'a Ident>,
    roles: &mut RoleUse,
    out: &mut Steps,
) -> Option<&'a Ident> {
    let Some(want) = want else {
        return live_owner;
    };
    let declared = ctx.to.privileges.creator.as_ref() != Some(&want.owner);
    if !ctx.opts.manage_ownership || !declared || live_owner == Some(&want.owner) {
        return live_owner;
    }
    let Some(sql) = owner_sql(ctx, id, &want.owner) else {
        return live_owner;
    };
    let needs = roles.note([&want.owner], &sql);
    let reason = match live_owner {
        Some(o) => format!("owner changed from {o} to {}", want.owner),
        None => format!("owned by {}", want.owner),
    };
    let d = Draft::new(Phase::Owner, id.clone(), Action::Alter, sql, reason)
        .needs([id.clone()])
        .needs(needs);
    let d = match live_owner {
        Some(o) => d.hazard(
            Hazard::PrivilegeRevoke,
            format!("{o} loses the privileges it held as the owner of {id}"),
        ),
        None => d,
    };
    out.push(d);
    Some(&want.owner)
}

/// The GRANT and REVOKE statements of `changes` on `id`, one per grantee; `fresh` when the
/// plan creates `id` (a REVOKE then takes what its creation gave, before anyone used it).
fn emit(
    id: &ObjectId,
    fresh: bool,
    changes: &AclDiff,
    roles: &mut RoleUse,
    out: &mut Steps,
) -> Result<(), PlanError> {
    if changes.is_empty() {
        return Ok(());
    }
    let Some((target, column)) = grant_target(id) else {
        return Err(unsupported(
            id,
            "privileges on this kind of object are not managed",
            "grant and revoke them by hand",
        ));
    };
    let list = |privs: &BTreeSet<String>| -> Result<(String, String), PlanError> {
        let words = keyword_list(privs, id)?;
        let sql = match column {
            Some(c) => words
                .iter()
                .map(|w| format!("{w} ({c})"))
                .collect::<Vec<_>>()
                .join(", "),
            None => words.join(", "),
        };
        Ok((sql, words.join(", ")))
    };
    for (g, privs) in &changes.revoke {
        let (sql_privs, words) = list(privs)?;
        let sql = format!("REVOKE {sql_privs} ON {target} FROM {g}");
        let needs = roles.note_grantees([g], &sql);
        out.push(
            Draft::new(
                Phase::Revoke,
                id.clone(),
                Action::Alter,
                sql,
                format!("{words} revoked from {g}"),
            )
            .hazard(
                Hazard::PrivilegeRevoke,
                if fresh {
                    format!("{g} does not get {words} on {id}, which the plan creates")
                } else {
                    format!("{g} loses {words} on {id}")
                },
            )
            .needs([id.clone()])
            .needs(needs),
        );
    }
    for (g, privs) in &changes.revoke_option {
        let (sql_privs, words) = list(privs)?;
        let sql = format!("REVOKE GRANT OPTION FOR {sql_privs} ON {target} FROM {g}");
        let needs = roles.note_grantees([g], &sql);
        out.push(
            Draft::new(
                Phase::Revoke,
                id.clone(),
                Action::Alter,
                sql,
                format!("grant option for {words} revoked from {g}"),
            )
            .hazard(
                Hazard::PrivilegeRevoke,
                if fresh {
                    format!("{g} may not grant {words} on {id}, which the plan creates, to others")
                } else {
                    format!("{g} may no longer grant {words} on {id} to others")
                },
            )
            .needs([id.clone()])
            .needs(needs),
        );
    }
    for (g, privs, option) in &changes.grant {
        let (sql_privs, words) = list(privs)?;
        let suffix = if *option { " WITH GRANT OPTION" } else { "" };
        let sql = format!("GRANT {sql_privs} ON {target} TO {g}{suffix}");
        let needs = roles.note_grantees([g], &sql);
        let reason = if *option {
            format!("{words} granted to {g} with grant option")
        } else {
            format!("{words} granted to {g}")
        };
        out.push(
            Draft::new(Phase::Grant, id.clone(), Action::Alter, sql, reason)
                .needs([id.clone()])
                .needs(needs),
        );
    }
    Ok(())
}
