//! Default privileges: `ALTER DEFAULT PRIVILEGES FOR ROLE r [IN SCHEMA s] GRANT | REVOKE`.
//!
//! They decide the privileges of objects created later, the plan's own included, so their
//! changes are split around the objects the plan creates: what they stop granting is revoked
//! before any object of their kind is created, what they start granting is granted after all
//! of them. The objects created in between start with the default privileges as they stand
//! then ([`narrowed`]), from which the object privileges are planned.

use super::build::{Ctx, Draft, Phase, PlanError, Steps};
use super::privilege::{default_kind, keyword_list, AclDiff};
use super::security::{schema_of, Fate, RoleUse, Standing};
use super::{Action, Hazard};
use crate::catalog::security::{Acl, DefaultAclKey, Grant};
use crate::catalog::{Grantee, ObjectId};
use std::collections::{BTreeMap, BTreeSet};

/// The default privileges that hold between the two halves of the change from `live` to
/// `want`: only what both grant (with the grant option only if both give it), and every
/// default that either revokes.
pub(crate) fn narrowed(live: &Acl, want: &Acl) -> Acl {
    let granted = live
        .granted
        .iter()
        .filter_map(|g| {
            let w = want
                .granted
                .iter()
                .find(|w| w.grantee == g.grantee && w.privilege == g.privilege)?;
            Some(Grant {
                grantable: g.grantable && w.grantable,
                ..g.clone()
            })
        })
        .collect();
    Acl {
        granted,
        public_revoked: live
            .public_revoked
            .union(&want.public_revoked)
            .cloned()
            .collect(),
        owner_revoked: live
            .owner_revoked
            .union(&want.owner_revoked)
            .cloned()
            .collect(),
    }
}

/// The object standing for one entry's settings.
fn entry_id(key: &DefaultAclKey) -> ObjectId {
    let mut identity = format!("for role {}", key.role);
    if let Some(s) = &key.schema {
        identity.push_str(&format!(" in schema {s}"));
    }
    identity.push_str(&format!(
        " on {}",
        key.objtype.keyword().to_ascii_lowercase()
    ));
    ObjectId::Other {
        kind: "default privileges".into(),
        identity,
    }
}

/// Whether objects like `id` get the default privileges of `key` when created.
fn applies(key: &DefaultAclKey, id: &ObjectId) -> bool {
    default_kind(id) == Some(key.objtype)
        && key.schema.as_ref().is_none_or(|s| schema_of(id) == Some(s))
}

/// Plan every change of default privileges; returns the default privileges objects are
/// created under.
pub(crate) fn plan(
    ctx: &Ctx,
    fate: &Fate,
    roles: &mut RoleUse,
    out: &mut Steps,
) -> Result<BTreeMap<DefaultAclKey, Acl>, PlanError> {
    let (from, to) = (&ctx.from.privileges.defaults, &ctx.to.privileges.defaults);
    let keys: BTreeSet<&DefaultAclKey> = from.keys().chain(to.keys()).collect();
    let creator = ctx.from.privileges.creator.as_ref();
    let empty = Acl::default();
    let mut during = BTreeMap::new();
    for key in keys {
        let schema = key
            .schema
            .as_ref()
            .map(|s| ObjectId::Schema { name: s.clone() });
        let live = match (&key.schema, &schema) {
            (Some(name), Some(s)) => match fate.standing(s, ctx.from.schemas.contains_key(name)) {
                Standing::Gone => continue,
                Standing::New => &empty,
                Standing::Kept | Standing::Missing => from.get(key).unwrap_or(&empty),
            },
            _ => from.get(key).unwrap_or(&empty),
        };
        let want = to.get(key).unwrap_or(&empty);
        let mid = narrowed(live, want);
        let owner = key.schema.is_none().then_some(&key.role);
        let none = BTreeSet::new();
        let id = entry_id(key);
        let narrowing = AclDiff::between(live, &mid, owner, &none);
        let widening = AclDiff::between(&mid, want, owner, &none);
        let creates_under = creator == Some(&key.role);
        if !narrowing.is_empty() {
            let d = Emit {
                key,
                id: &id,
                phase: Phase::NarrowDefaultPrivileges,
                schema: &schema,
            };
            d.emit(&narrowing, roles, out)?;
            if creates_under {
                for d in &mut out.0 {
                    if d.deps.creates.iter().any(|c| applies(key, c)) {
                        d.deps.needs.insert(id.clone());
                    }
                }
            }
        }
        if !widening.is_empty() {
            let created: Vec<ObjectId> = if creates_under {
                fate.all_created()
                    .filter(|c| applies(key, c))
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            };
            let before = out.0.len();
            let d = Emit {
                key,
                id: &id,
                phase: Phase::WidenDefaultPrivileges,
                schema: &schema,
            };
            d.emit(&widening, roles, out)?;
            for d in &mut out.0[before..] {
                d.deps.needs.extend(created.iter().cloned());
            }
        }
        during.insert(key.clone(), mid);
    }
    Ok(during)
}

/// The steps of one half of the change of one entry.
struct Emit<'a> {
    key: &'a DefaultAclKey,
    id: &'a ObjectId,
    phase: Phase,
    schema: &'a Option<ObjectId>,
}

impl Emit<'_> {
    /// `ALTER DEFAULT PRIVILEGES FOR ROLE r [IN SCHEMA s] REVOKE [GRANT OPTION FOR] privs ON
    /// <kind> FROM g` and `... GRANT privs ON <kind> TO g [WITH GRANT OPTION]`, one per grantee.
    /// The steps that narrow the entry alter it, so that the objects the plan creates wait for
    /// them; those that widen it wait for those objects.
    fn emit(
        &self,
        changes: &AclDiff,
        roles: &mut RoleUse,
        out: &mut Steps,
    ) -> Result<(), PlanError> {
        let Emit {
            key,
            id,
            phase,
            schema,
        } = *self;
        let narrows = phase == Phase::NarrowDefaultPrivileges;
        let mut head = format!("ALTER DEFAULT PRIVILEGES FOR ROLE {}", key.role);
        if let Some(s) = &key.schema {
            head.push_str(&format!(" IN SCHEMA {s}"));
        }
        let kind = key.objtype.keyword();
        let what = match &key.schema {
            Some(s) => format!("{} {} creates in {s}", kind.to_ascii_lowercase(), key.role),
            None => format!("{} {} creates", kind.to_ascii_lowercase(), key.role),
        };
        let step = |sql: String, reason: String, roles: &mut RoleUse, g: &Grantee| {
            let mut needs = roles.note([&key.role], &sql);
            needs.extend(roles.note_grantees([g], &sql));
            needs.extend(schema.iter().cloned());
            Draft::new(phase, id.clone(), Action::Alter, sql, reason)
                .alters(narrows.then(|| id.clone()))
                .needs(needs)
        };
        for (g, privs) in &changes.revoke {
            let words = keyword_list(privs, id)?.join(", ");
            let sql = format!("{head} REVOKE {words} ON {kind} FROM {g}");
            let d = step(
                sql,
                format!("{words} no longer granted to {g} on new {what}"),
                roles,
                g,
            )
            .hazard(
                Hazard::PrivilegeRevoke,
                format!("{g} no longer gets {words} on the {what} from now on"),
            );
            out.push(d);
        }
        for (g, privs) in &changes.revoke_option {
            let words = keyword_list(privs, id)?.join(", ");
            let sql = format!("{head} REVOKE GRANT OPTION FOR {words} ON {kind} FROM {g}");
            let d = step(
                sql,
                format!("grant option for {words} no longer given to {g} on new {what}"),
                roles,
                g,
            )
            .hazard(
                Hazard::PrivilegeRevoke,
                format!("{g} may no longer grant {words} on the {what} from now on"),
            );
            out.push(d);
        }
        for (g, privs, option) in &changes.grant {
            let words = keyword_list(privs, id)?.join(", ");
            let suffix = if *option { " WITH GRANT OPTION" } else { "" };
            let sql = format!("{head} GRANT {words} ON {kind} TO {g}{suffix}");
            out.push(step(
                sql,
                format!("{words} granted to {g} on new {what}"),
                roles,
                g,
            ));
        }
        Ok(())
    }
}
