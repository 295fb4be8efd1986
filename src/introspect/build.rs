//! Turning the rows of the bulk queries into a [`Catalog`], and collecting the OIDs that
//! map `pg_depend` rows to objects (OIDs never reach the catalog).

use super::canon;
use super::depends::{Oids, PG_ATTRDEF, PG_CLASS, PG_CONSTRAINT, PG_NAMESPACE, PG_TYPE};
use super::names;
use super::queries::{read, Rows};
use super::IntrospectError;
use crate::catalog::{
    Catalog, Column, CompositeAttribute, CompositeType, Constraint, ConstraintKind, Domain,
    DomainCheck, EnumType, Extension, Ident, Identity, Index, ObjectId, QualName, Schema, Sequence,
    Table, Unmanaged,
};
use std::collections::BTreeMap;

type Oid = u32;

/// Catalog objects under construction, by OID.
#[derive(Default)]
struct Work {
    tables: BTreeMap<Oid, Table>,
    composites: BTreeMap<Oid, CompositeType>,
    /// (table, attnum) → position in `Table::columns`.
    column_at: BTreeMap<(Oid, i16), usize>,
    /// (table, attnum) → ALWAYS (true) / BY DEFAULT, for identity columns.
    identity_kind: BTreeMap<(Oid, i16), bool>,
}

/// Build the catalog from the rows of one snapshot.
pub(super) fn build(rows: &Rows, server_version: u32) -> Result<Catalog, IntrospectError> {
    let mut cat = Catalog {
        server_version,
        ..Catalog::default()
    };
    let mut oids = Oids::default();
    let mut work = Work::default();
    schemas(rows, &mut cat, &mut oids)?;
    extensions(rows, &mut cat, &mut oids)?;
    relations(rows, &mut work, &mut oids)?;
    super::partitions::apply(rows, &mut work.tables)?;
    columns(rows, &mut work, &mut oids, &mut cat)?;
    sequences(rows, &mut work, &mut oids, &mut cat)?;
    if let Some((rel, attnum)) = work.identity_kind.keys().next() {
        let table = oids.table(*rel).map(|t| t.name.to_string());
        return Err(IntrospectError::Inconsistent {
            detail: format!(
                "identity column {attnum} of {} has no identity sequence",
                table.unwrap_or_else(|| rel.to_string())
            ),
        });
    }
    constraints(rows, &mut work, &mut oids)?;
    super::views::build(rows, &mut oids, &mut cat)?;
    indexes(rows, &mut oids, &mut cat)?;
    super::partitions::attached_indexes(rows, &mut work.tables)?;
    enums(rows, &mut oids, &mut cat)?;
    domains(rows, &mut oids, &mut cat)?;
    super::routines::build(rows, &mut oids, &mut cat)?;
    unmanaged(rows, &mut oids, &mut cat)?;
    super::security::build(rows, &mut oids, &mut cat)?;
    for (_, table) in std::mem::take(&mut work.tables) {
        cat.tables.insert(table.name.clone(), table);
    }
    for (_, composite) in std::mem::take(&mut work.composites) {
        cat.composites.insert(composite.name.clone(), composite);
    }
    cat.depends = super::depends::map(&rows.depends, &oids)?;
    Ok(cat)
}

/// `schema.name` as an identifier when the schema is pg_catalog (`"C"`), else qualified.
pub(super) fn collation(schema: Option<String>, name: Option<String>) -> Option<String> {
    let name = name?;
    Some(match schema.as_deref() {
        Some("pg_catalog") | None => Ident(name).to_string(),
        Some(s) => QualName::new(s, name).to_string(),
    })
}

fn schemas(rows: &Rows, cat: &mut Catalog, oids: &mut Oids) -> Result<(), IntrospectError> {
    for r in read(&rows.schemas, "schemas") {
        let name = Ident(r.get("name")?);
        oids.map(
            PG_NAMESPACE,
            r.get("oid")?,
            ObjectId::Schema { name: name.clone() },
        );
        let comment = r.get("comment")?;
        cat.schemas.insert(name.clone(), Schema { name, comment });
    }
    Ok(())
}

fn extensions(rows: &Rows, cat: &mut Catalog, oids: &mut Oids) -> Result<(), IntrospectError> {
    for r in read(&rows.extensions, "extensions") {
        let name = Ident(r.get("name")?);
        oids.add_extension(r.get("oid")?, name.clone());
        let ext = Extension {
            name: name.clone(),
            schema: Ident(r.get("schema")?),
            version: r.get("version")?,
            comment: r.get("comment")?,
        };
        cat.extensions.insert(name, ext);
    }
    Ok(())
}

fn relations(rows: &Rows, work: &mut Work, oids: &mut Oids) -> Result<(), IntrospectError> {
    for r in read(&rows.relations, "tables and composite types") {
        let oid: Oid = r.get("oid")?;
        let name = QualName::new(r.get::<String>("schema")?, r.get::<String>("name")?);
        let comment = r.get("comment")?;
        let composite = r.get::<String>("kind")? == "c";
        let rowtype_of = if composite {
            oids.map(PG_CLASS, oid, ObjectId::Type { name: name.clone() })
        } else {
            oids.add_table(oid, name.clone())
        };
        for type_oid in [r.get::<Oid>("rowtype")?, r.get::<Oid>("rowtype_array")?] {
            if type_oid != 0 {
                oids.also(PG_TYPE, type_oid, rowtype_of);
            }
        }
        if composite {
            work.composites.insert(
                oid,
                CompositeType {
                    name,
                    attributes: Vec::new(),
                    comment,
                },
            );
        } else {
            let mut reloptions: Vec<String> = r.get("reloptions")?;
            reloptions.sort();

            work.tables.insert(
                oid,
                Table {
                    name,
                    columns: Vec::new(),
                    constraints: BTreeMap::new(),
                    unlogged: r.get("unlogged")?,
                    reloptions,
                    comment,
                    partition_by: None,
                    partition_of: None,
                },
            );
        }
    }
    Ok(())
}

fn columns(
    rows: &Rows,
    work: &mut Work,
    oids: &mut Oids,
    cat: &mut Catalog,
) -> Result<(), IntrospectError> {
    for r in read(&rows.columns, "columns") {
        let rel: Oid = r.get("rel")?;
        let name = Ident(r.get("name")?);
        let data_type: String = r.get("data_type")?;
        let collation = collation(r.get("collation_schema")?, r.get("collation_name")?);
        if let Some(composite) = work.composites.get_mut(&rel) {
            composite.attributes.push(CompositeAttribute {
                name,
                data_type,
                collation,
            });
            continue;
        }
        let Some(table) = work.tables.get_mut(&rel) else {
            continue;
        };
        let attnum: i16 = r.get("attnum")?;
        let generated: String = r.get("generated")?;
        let expr: Option<String> = r.get("expr")?;
        if generated == "v" {
            cat.unmanaged.insert(Unmanaged {
                kind: "virtual generated column".into(),
                identity: format!("{}.{name}", table.name),
            });
            continue;
        }
        let expr = expr.map(|e| canon::expression(&e));
        let (default, generated) = match generated.as_str() {
            "" => (expr, None),
            _ => (None, expr),
        };
        let identity: String = r.get("identity")?;
        // From PostgreSQL 17 a partition's column shares its parent's identity and sequence.
        if !identity.is_empty() && table.partition_of.is_none() {
            work.identity_kind.insert((rel, attnum), identity == "a");
        }
        oids.add_column(rel, attnum, name.clone());
        if let (Some(attrdef), Some(column)) =
            (r.get::<Option<Oid>>("attrdef")?, oids.column(rel, attnum))
        {
            oids.also(PG_ATTRDEF, attrdef, column);
        }
        work.column_at.insert((rel, attnum), table.columns.len());
        table.columns.push(Column {
            name,
            data_type,
            not_null: r.get("not_null")?,
            default,
            identity: None,
            generated,
            collation,
            comment: r.get("comment")?,
        });
    }
    Ok(())
}

fn sequences(
    rows: &Rows,
    work: &mut Work,
    oids: &mut Oids,
    cat: &mut Catalog,
) -> Result<(), IntrospectError> {
    for r in read(&rows.sequences, "sequences") {
        let name = QualName::new(r.get::<String>("schema")?, r.get::<String>("name")?);
        let mut seq = Sequence {
            name: name.clone(),
            data_type: r.get("data_type")?,
            start: r.get("start")?,
            increment: r.get("increment")?,
            min_value: r.get("min_value")?,
            max_value: r.get("max_value")?,
            cache: r.get("cache")?,
            cycle: r.get("cycle")?,
            owned_by: None,
            identity: false,
            comment: r.get("comment")?,
        };
        let owner_rel: Option<Oid> = r.get("owner_rel")?;
        let owner_attnum: Option<i32> = r.get("owner_attnum")?;
        if let (Some(rel), Some(attnum)) = (owner_rel, owner_attnum) {
            let attnum = i16::try_from(attnum).unwrap_or(0);
            if let Some(info) = oids.table(rel) {
                if let Some(col) = info.attnames.get(&attnum) {
                    seq.owned_by = Some((info.name.clone(), col.clone()));
                }
            }
            if r.get::<Option<String>>("owner_deptype")?.as_deref() == Some("i") {
                seq.identity = true;
                if let Some(always) = work.identity_kind.remove(&(rel, attnum)) {
                    let at = work.column_at.get(&(rel, attnum)).copied();
                    let table = work.tables.get_mut(&rel);
                    if let (Some(at), Some(table)) = (at, table) {
                        table.columns[at].identity = Some(Identity {
                            always,
                            start: seq.start,
                            increment: seq.increment,
                            min_value: seq.min_value,
                            max_value: seq.max_value,
                            cache: seq.cache,
                            cycle: seq.cycle,
                        });
                    }
                }
            }
        }
        oids.map(
            PG_CLASS,
            r.get("oid")?,
            ObjectId::Sequence { name: name.clone() },
        );
        cat.sequences.insert(name, seq);
    }
    Ok(())
}

fn constraint_kind(code: &str) -> Option<ConstraintKind> {
    Some(match code {
        "p" => ConstraintKind::PrimaryKey,
        "u" => ConstraintKind::Unique,
        "f" => ConstraintKind::ForeignKey,
        "c" => ConstraintKind::Check,
        "x" => ConstraintKind::Exclude,
        _ => return None,
    })
}

/// `pg_get_constraintdef` text without a trailing ` NOT VALID`, and whether it had one.
fn strip_not_valid(definition: String) -> (String, bool) {
    let definition = canon::expression(&definition);
    match definition.strip_suffix(" NOT VALID") {
        Some(d) => (d.to_string(), true),
        None => (definition, false),
    }
}

fn constraints(rows: &Rows, work: &mut Work, oids: &mut Oids) -> Result<(), IntrospectError> {
    for r in read(&rows.constraints, "constraints") {
        let rel: Oid = r.get("rel")?;
        let (Some(table), Some(info)) = (work.tables.get_mut(&rel), oids.table(rel)) else {
            continue;
        };
        let code: String = r.get("kind")?;
        let Some(kind) = constraint_kind(&code) else {
            continue;
        };
        if r.get::<bool>("referenced_side")? {
            continue;
        }
        let name = Ident(r.get("name")?);
        let attname = |n: &i16| info.attnames.get(n).map(|i| i.as_str());
        let conkey: Vec<i16> = r.get("conkey")?;
        let columns: Vec<Ident> = conkey
            .iter()
            .filter_map(|n| info.attnames.get(n).cloned())
            .collect();
        let key_names: Vec<&str> = conkey.iter().filter_map(attname).collect();
        let index_keys: Vec<i16> = r.get("index_keys")?;
        let index_names: Vec<Option<&str>> = index_keys
            .iter()
            .map(|n| if *n == 0 { None } else { attname(n) })
            .collect();
        let addition = names::name_addition(kind, &key_names, &index_names);
        let name_is_generated = names::is_generated(
            name.as_str(),
            info.name.name.as_str(),
            kind,
            addition.as_deref(),
        );
        let references = match (
            r.get::<Option<String>>("ref_schema")?,
            r.get::<Option<String>>("ref_name")?,
        ) {
            (Some(s), Some(n)) => Some(QualName::new(s, n)),
            _ => None,
        };
        let (definition, not_valid) = strip_not_valid(r.get("definition")?);
        let validated = r.get::<bool>("validated")? && !not_valid;
        let constraint = Constraint {
            name: name.clone(),
            kind,
            definition,
            columns,
            references,
            deferrable: r.get("deferrable")?,
            initially_deferred: r.get("deferred")?,
            validated,
            name_is_generated,
            comment: r.get("comment")?,
        };
        if let (true, Some(p)) = (r.get("inherited")?, table.partition_of.as_mut()) {
            p.inherited_constraints.insert(name, constraint);
            continue;
        }
        let id = ObjectId::Constraint {
            table: table.name.clone(),
            name: name.clone(),
        };
        let index_oid: Option<Oid> = r.get("index_oid")?;
        let at = oids.map(PG_CONSTRAINT, r.get("oid")?, id);
        if let Some(index) = index_oid {
            oids.also(PG_CLASS, index, at);
        }
        if let Some(target) = &constraint.references {
            oids.extra_on_table(at, target);
        }
        table.constraints.insert(name, constraint);
    }
    Ok(())
}

/// `CREATE [UNIQUE] INDEX name ON ...` → `CREATE [UNIQUE] INDEX ON ...`.
pub(super) fn strip_index_name(definition: &str, quoted_name: &str) -> Option<String> {
    let prefix = ["CREATE UNIQUE INDEX ", "CREATE INDEX "]
        .into_iter()
        .find(|p| definition.starts_with(p))?;
    let rest = definition[prefix.len()..]
        .strip_prefix(quoted_name)?
        .strip_prefix(" ON ")?;
    Some(format!("{prefix}ON {rest}"))
}

fn indexes(rows: &Rows, oids: &mut Oids, cat: &mut Catalog) -> Result<(), IntrospectError> {
    for r in read(&rows.indexes, "indexes") {
        let Some(table) = oids.relation(r.get::<Oid>("rel")?) else {
            continue;
        };
        if r.get("attached")? {
            continue;
        }
        let name = QualName::new(r.get::<String>("schema")?, r.get::<String>("name")?);
        let raw: String = r.get("definition")?;
        let definition =
            strip_index_name(&canon::expression(&raw), &r.get::<String>("quoted_name")?)
                .ok_or_else(|| IntrospectError::Inconsistent {
                    detail: format!("unexpected index definition for {name}: {raw}"),
                })?;
        oids.map(
            PG_CLASS,
            r.get("oid")?,
            ObjectId::Index { name: name.clone() },
        );
        let index = Index {
            name: name.clone(),
            table,
            definition,
            unique: r.get("is_unique")?,
            valid: r.get("valid")?,
            comment: r.get("comment")?,
        };
        cat.indexes.insert(name, index);
    }
    Ok(())
}

/// Map a type and its array type to `ObjectId::Type`.
fn type_oids(oids: &mut Oids, name: &QualName, oid: Oid, array: Oid) {
    let at = oids.map(PG_TYPE, oid, ObjectId::Type { name: name.clone() });
    if array != 0 {
        oids.also(PG_TYPE, array, at);
    }
}

fn enums(rows: &Rows, oids: &mut Oids, cat: &mut Catalog) -> Result<(), IntrospectError> {
    for r in read(&rows.enums, "enums") {
        let name = QualName::new(r.get::<String>("schema")?, r.get::<String>("name")?);
        type_oids(oids, &name, r.get("oid")?, r.get("array_oid")?);
        let e = EnumType {
            name: name.clone(),
            labels: r.get("labels")?,
            comment: r.get("comment")?,
        };
        cat.enums.insert(name, e);
    }
    Ok(())
}

fn domains(rows: &Rows, oids: &mut Oids, cat: &mut Catalog) -> Result<(), IntrospectError> {
    let mut by_oid: BTreeMap<Oid, Domain> = BTreeMap::new();
    for r in read(&rows.domains, "domains") {
        let name = QualName::new(r.get::<String>("schema")?, r.get::<String>("name")?);
        let oid: Oid = r.get("oid")?;
        type_oids(oids, &name, oid, r.get("array_oid")?);
        let domain = Domain {
            name,
            base_type: r.get("base_type")?,
            collation: collation(r.get("collation_schema")?, r.get("collation_name")?),
            default: r
                .get::<Option<String>>("default")?
                .map(|d| canon::expression(&d)),
            not_null: r.get("not_null")?,
            checks: BTreeMap::new(),
            comment: r.get("comment")?,
        };
        by_oid.insert(oid, domain);
    }
    for r in read(&rows.domain_checks, "domain constraints") {
        let Some(domain) = by_oid.get_mut(&r.get::<Oid>("domain")?) else {
            continue;
        };
        let name = Ident(r.get("name")?);
        let (definition, not_valid) = strip_not_valid(r.get("definition")?);
        let validated = r.get::<bool>("validated")? && !not_valid;
        oids.map(
            PG_CONSTRAINT,
            r.get("oid")?,
            ObjectId::Type {
                name: domain.name.clone(),
            },
        );
        domain.checks.insert(
            name.clone(),
            DomainCheck {
                name,
                definition,
                validated,
            },
        );
    }
    for (_, domain) in by_oid {
        cat.domains.insert(domain.name.clone(), domain);
    }
    Ok(())
}

fn unmanaged(rows: &Rows, oids: &mut Oids, cat: &mut Catalog) -> Result<(), IntrospectError> {
    for r in read(&rows.unmanaged, "unmanaged objects") {
        let kind: String = r.get("kind")?;
        let Some(identity) = r.get::<Option<String>>("identity")? else {
            continue;
        };
        oids.map(
            r.get("classid")?,
            r.get("objid")?,
            ObjectId::Other {
                kind: kind.clone(),
                identity: identity.clone(),
            },
        );
        if r.get("listed")? {
            cat.unmanaged.insert(Unmanaged { kind, identity });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_are_cut_out_of_definitions() {
        assert_eq!(
            strip_index_name(
                "CREATE UNIQUE INDEX \"Ix ON\" ON public.t USING btree (a)",
                "\"Ix ON\""
            )
            .as_deref(),
            Some("CREATE UNIQUE INDEX ON public.t USING btree (a)")
        );
        assert_eq!(
            strip_index_name("CREATE INDEX i ON public.t USING gin (a)", "i").as_deref(),
            Some("CREATE INDEX ON public.t USING gin (a)")
        );
        assert_eq!(strip_index_name("CREATE INDEX j ON x", "i"), None);
    }

    #[test]
    fn not_valid_is_stripped_once() {
        assert_eq!(
            strip_not_valid("CHECK ((a > 0)) NOT VALID".into()),
            ("CHECK ((a > 0))".into(), true)
        );
        assert_eq!(
            strip_not_valid("CHECK ((a > 0))".into()),
            ("CHECK ((a > 0))".into(), false)
        );
    }

    #[test]
    fn collations_are_qualified_outside_pg_catalog() {
        assert_eq!(
            collation(Some("pg_catalog".into()), Some("C".into())).as_deref(),
            Some("\"C\"")
        );
        assert_eq!(
            collation(Some("public".into()), Some("mycoll".into())).as_deref(),
            Some("public.mycoll")
        );
        assert_eq!(collation(None, None), None);
    }
}
