//! A stable fingerprint of a catalog's managed content.

use super::security::{Acl, DefaultAclKey, ObjectPrivileges};
use super::{
    Catalog, CompositeType, Domain, EnumType, EventTrigger, Extension, Function, Ident, Index,
    MaterializedView, ObjectId, Policy, QualName, RowSecurity, Schema, Sequence, Table, Trigger,
    View,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Everything a plan is computed from: all object maps, but neither `depends` (derived
/// from the objects), `server_version`, `unmanaged`, nor the server's roles and the role
/// that read the catalog. Columns are listed by name, since their order is never a
/// difference. Whether a materialized view is populated is data, not schema: a refresh
/// between plan and apply does not make a reviewed plan stale.
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
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    views: &'a BTreeMap<QualName, View>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    materialized_views: BTreeMap<&'a QualName, MaterializedView>,
    functions: &'a BTreeMap<QualName, BTreeMap<String, Function>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    triggers: &'a BTreeMap<QualName, BTreeMap<Ident, Trigger>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    event_triggers: &'a BTreeMap<Ident, EventTrigger>,
    row_security: &'a BTreeMap<QualName, RowSecurity>,
    policies: &'a BTreeMap<QualName, BTreeMap<Ident, Policy>>,
    privileges: Vec<(&'a ObjectId, &'a ObjectPrivileges)>,
    default_privileges: Vec<(&'a DefaultAclKey, &'a Acl)>,
    #[serde(skip_serializing_if = "TimescaleObjects::is_empty")]
    timescale: TimescaleObjects<'a>,
}

/// TimescaleDB objects, without the extension version (which says nothing about schema).
#[derive(Serialize)]
struct TimescaleObjects<'a> {
    hypertables: &'a BTreeMap<QualName, super::timescale::Hypertable>,
    continuous_aggregates: &'a BTreeMap<QualName, super::timescale::ContinuousAggregate>,
}

impl TimescaleObjects<'_> {
    fn is_empty(&self) -> bool {
        self.hypertables.is_empty() && self.continuous_aggregates.is_empty()
    }
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
            views: &self.views,
            materialized_views: self
                .materialized_views
                .iter()
                .map(|(name, m)| {
                    let mut m = m.clone();
                    m.populated = true;
                    (name, m)
                })
                .collect(),
            functions: &self.functions,
            triggers: &self.triggers,
            event_triggers: &self.event_triggers,
            row_security: &self.row_security,
            policies: &self.policies,
            privileges: self.privileges.objects.iter().collect(),
            default_privileges: self.privileges.defaults.iter().collect(),
            timescale: TimescaleObjects {
                hypertables: &self.timescale.hypertables,
                continuous_aggregates: &self.timescale.continuous_aggregates,
            },
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

    #[test]
    fn views_count_but_population_does_not() {
        use crate::catalog::{MaterializedView, View};
        let base = sample().build();
        let with_views = sample()
            .edit(|c| {
                let name = QualName::new("public", "v");
                c.views.insert(
                    name.clone(),
                    View {
                        name,
                        definition: "SELECT t.id FROM public.t".into(),
                        columns: Vec::new(),
                        options: Vec::new(),
                        comment: None,
                    },
                );
                let name = QualName::new("public", "m");
                c.materialized_views.insert(
                    name.clone(),
                    MaterializedView {
                        name,
                        definition: "SELECT t.id FROM public.t".into(),
                        columns: Vec::new(),
                        reloptions: Vec::new(),
                        populated: true,
                        comment: None,
                    },
                );
            })
            .build();
        assert_ne!(with_views.fingerprint(), base.fingerprint());
        let mut refreshed = with_views.clone();
        refreshed
            .materialized_views
            .values_mut()
            .for_each(|m| m.populated = false);
        assert_eq!(refreshed.fingerprint(), with_views.fingerprint());
        let mut redefined = with_views.clone();
        redefined.views.values_mut().for_each(|v| {
            v.definition = "SELECT t.name FROM public.t".into();
        });
        assert_ne!(redefined.fingerprint(), with_views.fingerprint());
    }
}
