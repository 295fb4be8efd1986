//! A stable fingerprint of a catalog's managed content.

use super::security::{Acl, DefaultAclKey, ObjectPrivileges};
use super::{
    Catalog, Column, CompositeType, Constraint, Domain, EnumType, EventTrigger, Extension,
    Function, Ident, Index, MaterializedView, ObjectId, PartitionOf, Policy, QualName, RowSecurity,
    Schema, Sequence, Table, Trigger, View, ViewColumn,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;

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
    tables: BTreeMap<&'a QualName, TableByName<'a>>,
    indexes: &'a BTreeMap<QualName, Index>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    views: &'a BTreeMap<QualName, View>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    materialized_views: BTreeMap<&'a QualName, Populated<'a>>,
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

/// A [`Table`] serialized exactly as its derived `Serialize` does, but with its columns in
/// name order, borrowed rather than cloned.
#[derive(Serialize)]
struct TableByName<'a> {
    name: &'a QualName,
    columns: Vec<&'a Column>,
    constraints: &'a BTreeMap<Ident, Constraint>,
    unlogged: bool,
    reloptions: &'a Vec<String>,
    comment: &'a Option<String>,
    partition_by: &'a Option<String>,
    partition_of: &'a Option<PartitionOf>,
}

impl<'a> From<&'a Table> for TableByName<'a> {
    fn from(table: &'a Table) -> Self {
        // Exhaustive: a new field of `Table` does not compile until it is fingerprinted.
        let Table {
            name,
            columns,
            constraints,
            unlogged,
            reloptions,
            comment,
            partition_by,
            partition_of,
        } = table;
        let mut columns: Vec<&Column> = columns.iter().collect();
        columns.sort_by(|a, b| a.name.cmp(&b.name));
        TableByName {
            name,
            columns,
            constraints,
            unlogged: *unlogged,
            reloptions,
            comment,
            partition_by,
            partition_of,
        }
    }
}

/// A [`MaterializedView`] serialized as its derived `Serialize` does, borrowed, and always
/// as populated.
#[derive(Serialize)]
struct Populated<'a> {
    name: &'a QualName,
    definition: &'a String,
    columns: &'a Vec<ViewColumn>,
    reloptions: &'a Vec<String>,
    populated: bool,
    comment: &'a Option<String>,
}

impl<'a> From<&'a MaterializedView> for Populated<'a> {
    fn from(view: &'a MaterializedView) -> Self {
        // Exhaustive, as for tables.
        let MaterializedView {
            name,
            definition,
            columns,
            reloptions,
            populated: _,
            comment,
        } = view;
        Populated {
            name,
            definition,
            columns,
            reloptions,
            populated: true,
            comment,
        }
    }
}

/// Feeds what is written straight into the hash (no JSON text is kept).
struct HashWriter(Sha256);

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Catalog {
    /// Stable fingerprint (sha256, lower-case hex) of the managed content: the same objects
    /// give the same fingerprint whatever order they were read or inserted in, and whatever
    /// the server version or the dependency graph. Saved plans carry the fingerprint of the
    /// live catalog they were computed against.
    pub fn fingerprint(&self) -> String {
        let managed = Managed {
            schemas: &self.schemas,
            extensions: &self.extensions,
            enums: &self.enums,
            domains: &self.domains,
            composites: &self.composites,
            sequences: &self.sequences,
            tables: self.tables.iter().map(|(n, t)| (n, t.into())).collect(),
            indexes: &self.indexes,
            views: &self.views,
            materialized_views: self
                .materialized_views
                .iter()
                .map(|(n, m)| (n, m.into()))
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
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, HashWriter(Sha256::new()));
        serde_json::to_writer(&mut out, &managed).expect("a catalog always serializes to JSON");
        let Ok(HashWriter(hasher)) = out.into_inner() else {
            unreachable!("hashing never fails to write")
        };
        hex::encode(hasher.finalize())
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

    /// The value the first implementation (clone every table with its columns sorted, clone
    /// every materialized view as populated, hash the whole JSON text) gave: saved plans keep
    /// matching across versions.
    #[test]
    fn fingerprint_is_unchanged() {
        use crate::catalog::{MaterializedView, PartitionOf};
        let c = CatalogBuilder::new()
            .schema("public")
            .enum_type("public.mood", &["a", "b"])
            .table("public.t", |t| {
                t.column("zeta", "integer")
                    .not_null()
                    .column("alpha", "public.mood")
                    .default("'a'::public.mood")
                    .column("id", "bigint")
                    .identity(true)
                    .primary_key("t_pkey", &["id"])
                    .check("t_zeta_check", &["zeta"], "CHECK ((zeta > 0))")
            })
            .sequence("public.s", |s| s.data_type("integer"))
            .index(
                "public.t_zeta_idx",
                "public.t",
                "CREATE INDEX ON public.t USING btree (zeta)",
            )
            .table("public.u", |t| t.column("b", "text").column("a", "date"))
            .table("public.u_2026", |t| {
                t.column("b", "text").column("a", "date")
            })
            .edit(|c| {
                let u = c.tables.get_mut(&QualName::new("public", "u")).unwrap();
                u.partition_by = Some("RANGE (a)".into());
                u.reloptions = vec!["fillfactor=70".into()];
                u.comment = Some("u".into());
                u.unlogged = true;
                let p = c
                    .tables
                    .get_mut(&QualName::new("public", "u_2026"))
                    .unwrap();
                p.partition_of = Some(PartitionOf {
                    parent: QualName::new("public", "u"),
                    bound: "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')".into(),
                    inherited_constraints: Default::default(),
                    attached_indexes: Default::default(),
                });
                let name = QualName::new("public", "m");
                c.materialized_views.insert(
                    name.clone(),
                    MaterializedView {
                        name,
                        definition: "SELECT t.id FROM public.t".into(),
                        columns: Vec::new(),
                        reloptions: vec!["fillfactor=90".into()],
                        populated: false,
                        comment: Some("m".into()),
                    },
                );
            })
            .build();
        assert_eq!(
            c.fingerprint(),
            "386cbee00d3f5750802f68108f0a2e386e9209448eb72f6e51137d2fc4a05842"
        );
    }
}
