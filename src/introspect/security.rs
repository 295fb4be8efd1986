//! Row-level security, policies, owners, privileges, default privileges and roles: the rows
//! of `privileges.sql`, `default_privileges.sql`, `policies.sql`, `row_security.sql` and
//! `roles.sql` turned into the catalog, with ACLs made relative to `acldefault()`.

use super::depends::Oids;
use super::queries::{read, Reader, Rows};
use super::IntrospectError;
use crate::catalog::security::{
    Acl, DefaultAclKey, DefaultObjectType, Grant, ObjectPrivileges, PolicyCommand,
};
use crate::catalog::{Catalog, Grantee, Ident, ObjectId, Policy, QualName, RowSecurity};
use std::collections::BTreeSet;

/// `pg_policy`'s OID.
const PG_POLICY: u32 = 3256;

/// Fill the security part of `cat`, and map policy OIDs for `pg_depend`.
pub(super) fn build(
    rows: &Rows,
    oids: &mut Oids,
    cat: &mut Catalog,
) -> Result<(), IntrospectError> {
    roles(rows, cat)?;
    privileges(rows, cat)?;
    default_privileges(rows, cat)?;
    row_security(rows, cat)?;
    policies(rows, oids, cat)
}

fn roles(rows: &Rows, cat: &mut Catalog) -> Result<(), IntrospectError> {
    let mut roles = BTreeSet::new();
    for r in read(&rows.roles, "roles") {
        let name = Ident(r.get("name")?);
        if r.get("current")? {
            cat.privileges.creator = Some(name.clone());
        }
        roles.insert(name);
    }
    cat.privileges.roles = Some(roles);
    Ok(())
}

fn grantee(name: Option<String>) -> Grantee {
    match name {
        None => Grantee::Public,
        Some(n) => Grantee::Role(Ident(n)),
    }
}

/// The exploded ACL and default ACL of one row, made relative to the defaults. `owner` is
/// the role whose own privileges are implicit (none for an entry that only adds).
fn acl_of(r: &Reader, owner: Option<&str>) -> Result<Acl, IntrospectError> {
    let grantees: Vec<Option<String>> = r.get("grantees")?;
    let privileges: Vec<String> = r.get("privileges")?;
    let grantable: Vec<bool> = r.get("grantable")?;
    let default_grantees: Vec<Option<String>> = r.get("default_grantees")?;
    let default_privileges: Vec<String> = r.get("default_privileges")?;
    if grantees.len() != privileges.len() || grantees.len() != grantable.len() {
        return Err(IntrospectError::Inconsistent {
            detail: "an exploded ACL has arrays of different lengths".into(),
        });
    }
    let is_owner = |g: &Option<String>| owner.is_some() && g.as_deref() == owner;
    let effective: Vec<(Option<String>, String, bool)> = grantees
        .into_iter()
        .zip(privileges)
        .zip(grantable)
        .map(|((g, p), o)| (g, p, o))
        .collect();
    let defaults: Vec<(Option<String>, String)> = default_grantees
        .into_iter()
        .zip(default_privileges)
        .collect();
    Ok(relative_acl(&effective, &defaults, &is_owner))
}

/// Grants of `effective` that the defaults do not give (the owner's own aside), and the
/// defaults `effective` lacks, for PUBLIC and for the owner.
fn relative_acl(
    effective: &[(Option<String>, String, bool)],
    defaults: &[(Option<String>, String)],
    is_owner: &dyn Fn(&Option<String>) -> bool,
) -> Acl {
    let mut acl = Acl::default();
    for (g, p, grantable) in effective {
        if is_owner(g) {
            continue;
        }
        let by_default = !grantable && defaults.iter().any(|(dg, dp)| dg == g && dp == p);
        if !by_default {
            acl.granted.insert(Grant {
                grantee: grantee(g.clone()),
                privilege: p.clone(),
                grantable: *grantable,
            });
        }
    }
    for (g, p) in defaults {
        if effective.iter().any(|(eg, ep, _)| eg == g && ep == p) {
            continue;
        }
        if g.is_none() {
            acl.public_revoked.insert(p.clone());
        } else if is_owner(g) {
            acl.owner_revoked.insert(p.clone());
        }
    }
    acl
}

fn privileges(rows: &Rows, cat: &mut Catalog) -> Result<(), IntrospectError> {
    for r in read(&rows.privileges, "privileges") {
        let kind: String = r.get("kind")?;
        let schema: String = r.get("schema")?;
        let name = || -> Result<QualName, IntrospectError> {
            Ok(QualName::new(schema.clone(), r.get::<String>("name")?))
        };
        let id = match kind.as_str() {
            "schema" => ObjectId::Schema {
                name: Ident(schema.clone()),
            },
            "table" => ObjectId::Table { name: name()? },
            "view" => ObjectId::View { name: name()? },
            "materialized view" => ObjectId::MaterializedView { name: name()? },
            "sequence" => ObjectId::Sequence { name: name()? },
            "column" => ObjectId::Column {
                table: name()?,
                column: Ident(r.get("column")?),
            },
            "routine" => ObjectId::Function {
                name: name()?,
                args: r.get("args")?,
            },
            "type" => ObjectId::Type { name: name()? },
            other => {
                return Err(IntrospectError::Decode {
                    what: "privileges",
                    column: "kind",
                    reason: format!("unknown object kind {other:?}"),
                })
            }
        };
        let owner: String = r.get("owner")?;
        let acl = if r.get("is_default")? {
            Acl::default()
        } else {
            acl_of(&r, Some(&owner))?
        };
        cat.privileges.objects.insert(
            id,
            ObjectPrivileges {
                owner: Ident(owner),
                acl,
            },
        );
    }
    Ok(())
}

fn default_privileges(rows: &Rows, cat: &mut Catalog) -> Result<(), IntrospectError> {
    for r in read(&rows.default_privileges, "default privileges") {
        let role: String = r.get("role")?;
        let schema: Option<String> = r.get("schema")?;
        let code: String = r.get("objtype")?;
        let Some(objtype) = DefaultObjectType::from_code(&code) else {
            return Err(IntrospectError::Decode {
                what: "default privileges",
                column: "objtype",
                reason: format!("unknown object type {code:?}"),
            });
        };
        let owner = schema.is_none().then_some(role.as_str());
        let acl = acl_of(&r, owner)?;
        if acl.is_default() {
            continue;
        }
        let key = DefaultAclKey {
            role: Ident(role.clone()),
            schema: schema.map(Ident),
            objtype,
        };
        cat.privileges.defaults.insert(key, acl);
    }
    Ok(())
}

fn row_security(rows: &Rows, cat: &mut Catalog) -> Result<(), IntrospectError> {
    for r in read(&rows.row_security, "row-level security") {
        let table = QualName::new(r.get::<String>("schema")?, r.get::<String>("name")?);
        let rls = RowSecurity {
            table: table.clone(),
            enabled: r.get("enabled")?,
            forced: r.get("forced")?,
        };
        cat.row_security.insert(table, rls);
    }
    Ok(())
}

fn policies(rows: &Rows, oids: &mut Oids, cat: &mut Catalog) -> Result<(), IntrospectError> {
    for r in read(&rows.policies, "policies") {
        let table = QualName::new(r.get::<String>("schema")?, r.get::<String>("table")?);
        let name = Ident(r.get("name")?);
        let code: String = r.get("command")?;
        let command = PolicyCommand::from_code(&code).ok_or_else(|| IntrospectError::Decode {
            what: "policies",
            column: "command",
            reason: format!("unknown command {code:?}"),
        })?;
        let roles: Vec<Option<String>> = r.get("roles")?;
        oids.map(
            PG_POLICY,
            r.get("oid")?,
            ObjectId::Policy {
                table: table.clone(),
                name: name.clone(),
            },
        );
        let policy = Policy {
            table: table.clone(),
            name: name.clone(),
            permissive: r.get("permissive")?,
            command,
            roles: roles.into_iter().map(grantee).collect(),
            using: r.get("using_expr")?,
            with_check: r.get("check_expr")?,
            comment: r.get("comment")?,
        };
        cat.policies.entry(table).or_default().insert(name, policy);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(g: Option<&str>, p: &str, o: bool) -> (Option<String>, String, bool) {
        (g.map(str::to_string), p.to_string(), o)
    }
    fn d(g: Option<&str>, p: &str) -> (Option<String>, String) {
        (g.map(str::to_string), p.to_string())
    }

    #[test]
    fn acls_are_relative_to_the_defaults() {
        let owner = |g: &Option<String>| g.as_deref() == Some("app");
        // a routine: PUBLIC's EXECUTE revoked, granted to a role with grant option
        let acl = relative_acl(
            &[
                e(Some("app"), "EXECUTE", false),
                e(Some("svc"), "EXECUTE", true),
            ],
            &[d(None, "EXECUTE"), d(Some("app"), "EXECUTE")],
            &owner,
        );
        assert_eq!(acl.public_revoked, ["EXECUTE".to_string()].into());
        assert!(acl.owner_revoked.is_empty());
        assert_eq!(
            acl.granted.iter().collect::<Vec<_>>(),
            [&Grant {
                grantee: Grantee::Role(Ident::new("svc")),
                privilege: "EXECUTE".into(),
                grantable: true,
            }]
        );
        // a table whose owner gave up TRUNCATE: only that is recorded
        let acl = relative_acl(
            &[e(Some("app"), "SELECT", false)],
            &[d(Some("app"), "SELECT"), d(Some("app"), "TRUNCATE")],
            &owner,
        );
        assert!(acl.granted.is_empty() && acl.public_revoked.is_empty());
        assert_eq!(acl.owner_revoked, ["TRUNCATE".to_string()].into());
        // an explicit ACL equal to the default is the default
        let acl = relative_acl(
            &[e(None, "USAGE", false), e(Some("app"), "USAGE", false)],
            &[d(None, "USAGE"), d(Some("app"), "USAGE")],
            &owner,
        );
        assert!(acl.is_default());
    }
}
