//! Row-level security, policies and privileges.
//!
//! Privileges are held relative to PostgreSQL's implicit defaults (`acldefault()`): a NULL
//! ACL and an explicit ACL equal to the default read the same, the owner's own privileges
//! are implicit, and only what differs is recorded: grants beyond the defaults, and default
//! privileges that were revoked (`REVOKE EXECUTE ON FUNCTION f FROM PUBLIC`). The grantor is
//! not modelled (grants are made as the owner). Two catalogs whose objects have different
//! owners therefore compare equal when the same roles hold the same privileges.

use super::{Ident, ObjectId, QualName};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Whom a privilege or a policy is for: `PUBLIC` (every role) or one role.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grantee {
    Public,
    Role(Ident),
}

impl fmt::Display for Grantee {
    /// `PUBLIC`, or the role name quoted as an identifier.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grantee::Public => f.write_str("PUBLIC"),
            Grantee::Role(r) => write!(f, "{r}"),
        }
    }
}

impl Grantee {
    /// The role, unless this is `PUBLIC`.
    pub fn role(&self) -> Option<&Ident> {
        match self {
            Grantee::Public => None,
            Grantee::Role(r) => Some(r),
        }
    }
}

/// One privilege held by one grantee: `privilege` is the keyword `aclexplode` prints
/// (`SELECT`, `USAGE`, `EXECUTE`, `MAINTAIN`, ...).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Grant {
    pub grantee: Grantee,
    pub privilege: String,
    /// `WITH GRANT OPTION`.
    pub grantable: bool,
}

/// An access control list relative to the defaults of its object kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acl {
    /// Privileges held beyond the defaults, by roles other than the owner and by PUBLIC.
    pub granted: BTreeSet<Grant>,
    /// Default privileges of PUBLIC that were revoked (EXECUTE on routines, USAGE on types).
    pub public_revoked: BTreeSet<String>,
    /// Default privileges of the owner that were revoked from the owner itself.
    pub owner_revoked: BTreeSet<String>,
}

impl Acl {
    /// True when the ACL is the default one.
    pub fn is_default(&self) -> bool {
        self.granted.is_empty() && self.public_revoked.is_empty() && self.owner_revoked.is_empty()
    }
}

/// The owner and privileges of one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectPrivileges {
    pub owner: Ident,
    pub acl: Acl,
}

/// The kinds of objects `ALTER DEFAULT PRIVILEGES` applies to (`pg_default_acl.defaclobjtype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultObjectType {
    /// `ON TABLES` (tables, views, materialized views).
    Tables,
    /// `ON SEQUENCES`.
    Sequences,
    /// `ON FUNCTIONS` (functions, procedures, aggregates).
    Functions,
    /// `ON TYPES` (types and domains).
    Types,
    /// `ON SCHEMAS` (only without `IN SCHEMA`).
    Schemas,
}

impl DefaultObjectType {
    /// The keyword after `ON` in `ALTER DEFAULT PRIVILEGES ... GRANT ... ON <kind>`.
    pub fn keyword(self) -> &'static str {
        match self {
            DefaultObjectType::Tables => "TABLES",
            DefaultObjectType::Sequences => "SEQUENCES",
            DefaultObjectType::Functions => "FUNCTIONS",
            DefaultObjectType::Types => "TYPES",
            DefaultObjectType::Schemas => "SCHEMAS",
        }
    }

    /// From `pg_default_acl.defaclobjtype`.
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "r" => DefaultObjectType::Tables,
            "S" => DefaultObjectType::Sequences,
            "f" => DefaultObjectType::Functions,
            "T" => DefaultObjectType::Types,
            "n" => DefaultObjectType::Schemas,
            _ => return None,
        })
    }
}

/// Which default privileges an entry of `pg_default_acl` sets: those of objects `role`
/// creates, in `schema` (or anywhere in the database), of one kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DefaultAclKey {
    pub role: Ident,
    pub schema: Option<Ident>,
    pub objtype: DefaultObjectType,
}

/// Everything about privileges in one database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Privileges {
    /// Every managed schema, relation (table, view, materialized view, sequence), routine
    /// and type with its owner and ACL, and every column that has an ACL of its own.
    #[serde(with = "map_as_pairs")]
    pub objects: BTreeMap<ObjectId, ObjectPrivileges>,
    /// `ALTER DEFAULT PRIVILEGES` settings: for an entry without a schema, relative to the
    /// defaults of its kind; for one `IN SCHEMA`, the privileges it adds.
    #[serde(with = "map_as_pairs")]
    pub defaults: BTreeMap<DefaultAclKey, Acl>,
    /// Roles that exist on the server the catalog was read from (roles are cluster-wide);
    /// `None` for a desired catalog (the dev server's roles say nothing about the target)
    /// and one not read from a server. Never compared.
    pub roles: Option<BTreeSet<Ident>>,
    /// The role the catalog was read as: the role that creates (and owns) the objects a
    /// plan for this database creates. Never compared.
    pub creator: Option<Ident>,
}

/// `ALTER TABLE t ENABLE | FORCE ROW LEVEL SECURITY`, for a table where either is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowSecurity {
    pub table: QualName,
    /// `relrowsecurity`.
    pub enabled: bool,
    /// `relforcerowsecurity`: the table's owner is subject to its policies too.
    pub forced: bool,
}

/// The command a policy applies to (`polcmd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyCommand {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

impl PolicyCommand {
    /// From `pg_policy.polcmd`.
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "*" => PolicyCommand::All,
            "r" => PolicyCommand::Select,
            "a" => PolicyCommand::Insert,
            "w" => PolicyCommand::Update,
            "d" => PolicyCommand::Delete,
            _ => return None,
        })
    }

    /// The keyword after `FOR` in `CREATE POLICY`.
    pub fn keyword(self) -> &'static str {
        match self {
            PolicyCommand::All => "ALL",
            PolicyCommand::Select => "SELECT",
            PolicyCommand::Insert => "INSERT",
            PolicyCommand::Update => "UPDATE",
            PolicyCommand::Delete => "DELETE",
        }
    }
}

/// A row-level security policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub table: QualName,
    pub name: Ident,
    /// `AS PERMISSIVE` (true) or `AS RESTRICTIVE`.
    pub permissive: bool,
    pub command: PolicyCommand,
    /// `TO` roles; `PUBLIC` alone when the policy applies to everyone.
    pub roles: BTreeSet<Grantee>,
    /// `pg_get_expr(polqual)`: the `USING` expression.
    pub using: Option<String>,
    /// `pg_get_expr(polwithcheck)`: the `WITH CHECK` expression.
    pub with_check: Option<String>,
    pub comment: Option<String>,
}

/// JSON maps need string keys: maps keyed by structured values are written as lists of
/// `[key, value]` pairs.
mod map_as_pairs {
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let pairs: Vec<(&K, &V)> = map.iter().collect();
        pairs.serialize(s)
    }

    pub fn deserialize<'de, K, V, D>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: DeserializeOwned + Ord,
        V: DeserializeOwned,
        D: Deserializer<'de>,
    {
        let pairs: Vec<(K, V)> = Vec::deserialize(d)?;
        Ok(pairs.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::builder::{table_id, CatalogBuilder};

    #[test]
    fn fingerprint_covers_grants_and_policies_but_not_the_server_roles() {
        let base = CatalogBuilder::new()
            .schema("public")
            .table("public.t", |t| t.column("id", "integer"))
            .build();
        let fp = base.fingerprint();
        let mut roles = base.clone();
        roles.privileges.roles = Some([Ident::new("someone")].into_iter().collect());
        roles.privileges.creator = Some(Ident::new("someone"));
        assert_eq!(roles.fingerprint(), fp);
        let mut granted = base.clone();
        let mut acl = Acl::default();
        acl.granted.insert(Grant {
            grantee: Grantee::Public,
            privilege: "SELECT".into(),
            grantable: false,
        });
        granted.privileges.objects.insert(
            table_id("public.t"),
            ObjectPrivileges {
                owner: Ident::new("app"),
                acl,
            },
        );
        assert_ne!(granted.fingerprint(), fp);
        let mut rls = base.clone();
        rls.row_security.insert(
            QualName::new("public", "t"),
            RowSecurity {
                table: QualName::new("public", "t"),
                enabled: true,
                forced: false,
            },
        );
        assert_ne!(rls.fingerprint(), fp);
    }

    #[test]
    fn privileges_round_trip_through_json() {
        let mut p = Privileges::default();
        let mut acl = Acl::default();
        acl.granted.insert(Grant {
            grantee: Grantee::Role(Ident::new("Reader")),
            privilege: "SELECT".into(),
            grantable: true,
        });
        acl.public_revoked.insert("EXECUTE".into());
        p.objects.insert(
            ObjectId::Function {
                name: QualName::new("public", "f"),
                args: "integer".into(),
            },
            ObjectPrivileges {
                owner: Ident::new("app"),
                acl: acl.clone(),
            },
        );
        p.defaults.insert(
            DefaultAclKey {
                role: Ident::new("app"),
                schema: Some(Ident::new("s")),
                objtype: DefaultObjectType::Tables,
            },
            acl,
        );
        p.roles = Some([Ident::new("app")].into_iter().collect());
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Privileges>(&json).unwrap(), p);
        assert_eq!(
            Grantee::Role(Ident::new("Reader")).to_string(),
            "\"Reader\""
        );
        assert_eq!(Grantee::Public.to_string(), "PUBLIC");
    }
}
