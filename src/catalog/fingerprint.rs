//! A stable fingerprint of a catalog's managed content.

use super::security::{Acl, DefaultAclKey, ObjectPrivileges};
use super::{
    Catalog, CompositeType, Domain, EnumType, Extension, Ident, Index, ObjectId, Policy, QualName,
    RowSecurity, Schema, Sequence, Table,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Everything a plan is computed from: all object maps, but neither `depends` (derived
/// from the objects), `server_version`, `unmanaged`, nor the server's roles and the role
/// that read the catalog. Columns are listed by name, since their order is never a
/// difference.
#[derive(Serialize)]
struct Managed<'a> {
    schemas: &'a BTreeMap<Ident, Schema>,
    extensions: &'a BTreeMap<Ident, Extension>,
    enums: &'a BTreeMap<QualName, EnumType>,
    domains: &'a BTreeMap<QualName, Domain>,
    composites: &'a BTreeMap<QualName, CompositeType>,
    sequences: &'a BTreeMap<QualName, Sequence>,
    tables: BTreeMap<&'a QualName, Table>,
    indexes: &'a BTreeMap<QualName, Index>,
    row_security: &'a BTreeMap<QualName, RowSecurity>,
    policies: &'a BTreeMap<QualName, BTreeMap<Ident, Policy>>,
    privileges: Vec<(&'a ObjectId, &'a ObjectPrivileges)>,
    default_privileges: Vec<(&'a DefaultAclKey, &'a Acl)>,
}

impl Catalog {
    /// Stable fingerprint (sha256, lower-case hex) of the managed content: the same objects
    /// give the same fingerprint whatever order they were read or inserted in, and whatever
    /// the server version or the dependency graph. Saved plans carry the fingerprint of the
    /// live catalog they were computed against.
    pub fn fingerprint(&self) -> String {
        let tables = self
            .tables
            .iter()
            .map(|(name, table)| {
                let mut table = table.clone();
                table.columns.sort_by(|a, b| a.name.cmp(&b.name));
                (name, table)
            })
            .collect();
        let managed = Managed {
            schemas: &self.schemas,
            extensions: &self.extensions,
            enums: &self.enums,
            domains: &self.domains,
            composites: &self.composites,
            sequences: &self.sequences,
            tables,
            indexes: &self.indexes,
            row_security: &self.row_security,
            policies: &self.policies,
            privileges: self.privileges.objects.iter().collect(),
            default_privileges: self.privileges.defaults.iter().collect(),
        };
        let bytes = serde_json::to_vec(&managed).expect("a catalog always serializes to JSON");
        hex::encode(Sha256::digest(&bytes))
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::builder::CatalogBuilder;
    use crate::catalog::{ObjectId, QualName, Unmanaged};

    fn sample() -> CatalogBuilder {
        CatalogBuilder::new()
            .schema("public")
            .table("public.t", |t| {
                t.column("id", "integer")
                    .not_null()
                    .column("name", "text")
                    .primary_key("t_pkey", &["id"])
            })
    }

    #[test]
    fn ignores_depends_version_unmanaged_and_column_order() {
        let base = sample().build();
        let fp = base.fingerprint();
        assert_eq!(fp.len(), 64);
        assert!(fp.chars().all(|c| c.is_ascii_hexdigit()));

        let mut other = base.clone();
        other.server_version = 170002;
        other
            .depends
            .entry(ObjectId::Table {
                name: QualName::new("public", "t"),
            })
            .or_default()
            .insert(ObjectId::Schema {
                name: "public".into(),
            });
        other.unmanaged.insert(Unmanaged {
            kind: "view".into(),
            identity: "public.v".into(),
        });
        other
            .tables
            .get_mut(&QualName::new("public", "t"))
            .unwrap()
            .columns
            .reverse();
        assert_eq!(other.fingerprint(), fp);
    }

    #[test]
    fn changes_with_managed_content() {
        let base = sample().build();
        let mut other = base.clone();
        other
            .tables
            .get_mut(&QualName::new("public", "t"))
            .unwrap()
            .columns[1]
            .data_type = "character varying(10)".into();
        assert_ne!(other.fingerprint(), base.fingerprint());
        let commented = sample()
            .edit(|c| {
                c.tables
                    .get_mut(&QualName::new("public", "t"))
                    .unwrap()
                    .comment = Some("people".into())
            })
            .build();
        assert_ne!(commented.fingerprint(), base.fingerprint());
    }
}
