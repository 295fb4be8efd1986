//! A catalog written as YAML definitions (for `dump --format yaml`): its extensions, its
//! schemas, and each enum and table (columns, keys, checks, foreign keys, exclusions,
//! indexes, comments, hypertable settings). What the format cannot say (views, functions,
//! domains, sequences, triggers, policies, grants, continuous aggregates, partitioned or
//! unlogged tables, and any table whose constraint, index or hypertable settings are not
//! understood) stays in the returned rest of the catalog, for the caller to write as SQL.

use std::collections::{BTreeMap, BTreeSet};

use super::de::Spanned;
use super::dump_parse::{group, key, names, sp, split_top, unwrap_parens};
use super::model::{
    Action, CheckDef, ColumnDef, Definitions, EnumDef, EnumValue, ExclusionDef, ExclusionElement,
    ExtensionDef, ForeignKeyDef, Form, IdentityDef, IdentityKind, IndexDef, IndexKey, KeyDef,
    Match, Nulls, Order, Reference, SchemaDef, TableDef, UniqueDef,
};
use super::model::{CompressionDef, HypertableDef, Interval, PartitioningDef, PolicyDef};
use crate::catalog::ident::split_qualified;
use crate::catalog::timescale::{ChunkInterval, DimensionKind, Hypertable, PolicyKind};
use crate::catalog::{
    Catalog, Column, Constraint, ConstraintKind, Extension, Ident, Index, ObjectId, QualName, Table,
};

/// YAML definitions files and what they leave out.
#[derive(Debug, Clone)]
pub struct YamlDump {
    /// File name (`<schema>.yaml`, `extensions.yaml`) and contents, sorted by name.
    pub files: Vec<(String, String)>,
    /// The catalog less everything the files define: the objects to write as SQL.
    pub rest: Catalog,
}

/// One object of a catalog written as YAML definitions: what a dump puts in one file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum YamlObject {
    /// `extensions:` with every extension (`CREATE EXTENSION IF NOT EXISTS e WITH SCHEMA s`).
    Extensions,
    /// `schemas:` with every schema and its comment (`CREATE SCHEMA IF NOT EXISTS s`,
    /// `COMMENT ON SCHEMA s`).
    Schemas,
    /// `schema:` and `enums:` with one enum type and its comment.
    Enum(QualName),
    /// `schema:` and `tables:` with one table: columns, keys, checks, foreign keys,
    /// exclusions, indexes, comments and hypertable settings.
    Table(QualName),
}

/// A catalog written as YAML definitions one object at a time.
#[derive(Debug, Clone)]
pub struct YamlObjects {
    /// The YAML text of each object written (no header comment).
    pub files: BTreeMap<YamlObject, String>,
    /// The catalog less everything the files define: the objects to write as SQL.
    pub rest: Catalog,
    /// Only what the files define, as a database holds it once they are loaded: no
    /// extension comments, owners, grants, sequences, triggers, policies or row security.
    /// Planning it from an empty database gives the statements the files stand for.
    pub said: Catalog,
}

/// Write `catalog` as YAML definitions, one file per schema with its enums and tables and
/// one for the extensions; see the module documentation for what stays out.
pub fn catalog_to_yaml(catalog: &Catalog) -> YamlDump {
    let (objects, rest, _) = objects(catalog, &Catalog::default(), &BTreeSet::new());
    let mut files: Vec<(String, String)> = Vec::new();
    let mut by_schema: BTreeMap<Ident, Definitions> = BTreeMap::new();
    for (object, defs) in objects {
        match object {
            YamlObject::Extensions => files.push(("extensions.yaml".into(), write(&defs))),
            YamlObject::Schemas => {
                for def in defs.schemas.0 {
                    let schema = Ident::new(def.0.value.clone());
                    file_of(&mut by_schema, &schema).schemas.0.push(def);
                }
            }
            YamlObject::Enum(name) => file_of(&mut by_schema, &name.schema)
                .enums
                .0
                .extend(defs.enums.0),
            YamlObject::Table(name) => file_of(&mut by_schema, &name.schema)
                .tables
                .0
                .extend(defs.tables.0),
        }
    }
    for (schema, defs) in &by_schema {
        files.push((format!("{}.yaml", file_stem(schema)), write(defs)));
    }
    files.sort();
    YamlDump { files, rest }
}

/// The file of `schema` in `by_schema`, made when missing.
fn file_of<'a>(
    by_schema: &'a mut BTreeMap<Ident, Definitions>,
    schema: &Ident,
) -> &'a mut Definitions {
    by_schema
        .entry(schema.clone())
        .or_insert_with(|| Definitions {
            schema: Some(sp(schema.as_str())),
            ..Definitions::default()
        })
}

/// Write `catalog` as YAML definitions one object at a time, leaving the objects of `skip`
/// to the rest; see the module documentation for what stays out. A schema that `fresh` (a
/// new database) holds with the same comment is not written.
pub fn catalog_to_yaml_objects(
    catalog: &Catalog,
    fresh: &Catalog,
    skip: &BTreeSet<YamlObject>,
) -> YamlObjects {
    let (objects, rest, said) = objects(catalog, fresh, skip);
    let files = objects
        .into_iter()
        .map(|(object, defs)| {
            let text = serde_yaml_ng::to_string(&defs).expect("definitions serialize");
            (object, text)
        })
        .collect();
    YamlObjects { files, rest, said }
}

/// The definitions of each object the format can say (but those of `skip`), in the order
/// of [`YamlObject`]; the rest of the catalog; and what the definitions say as a catalog.
fn objects(
    catalog: &Catalog,
    fresh: &Catalog,
    skip: &BTreeSet<YamlObject>,
) -> (Vec<(YamlObject, Definitions)>, Catalog, Catalog) {
    let mut rest = catalog.clone();
    let mut said = Catalog {
        server_version: catalog.server_version,
        ..Catalog::default()
    };
    said.timescale.version = catalog.timescale.version.clone();
    let mut out: Vec<(YamlObject, Definitions)> = Vec::new();
    if !catalog.extensions.is_empty() && !skip.contains(&YamlObject::Extensions) {
        let mut defs = Definitions::default();
        for (name, e) in &catalog.extensions {
            defs.extensions.0.push((
                sp(name.as_str()),
                Spanned::new(ExtensionDef {
                    schema: Some(sp(e.schema.as_str())),
                    version: None,
                }),
            ));
            said.extensions.insert(
                name.clone(),
                Extension {
                    comment: None,
                    ..e.clone()
                },
            );
        }
        rest.extensions.clear();
        out.push((YamlObject::Extensions, defs));
    }
    let new: Vec<_> = catalog
        .schemas
        .iter()
        .filter(|(name, s)| fresh.schemas.get(*name) != Some(*s))
        .collect();
    if !new.is_empty() && !skip.contains(&YamlObject::Schemas) {
        let mut defs = Definitions::default();
        for (schema, s) in new {
            defs.schemas.0.push((
                sp(schema.as_str()),
                Spanned::new(SchemaDef {
                    comment: s.comment.as_deref().map(sp),
                }),
            ));
            rest.schemas.remove(schema);
            said.schemas.insert(schema.clone(), s.clone());
        }
        out.push((YamlObject::Schemas, defs));
    }
    let in_schema = |name: &QualName| Definitions {
        schema: Some(sp(name.schema.as_str())),
        ..Definitions::default()
    };
    for (name, e) in &catalog.enums {
        if skip.contains(&YamlObject::Enum(name.clone())) {
            continue;
        }
        let mut defs = in_schema(name);
        defs.enums.0.push((
            sp(name.name.as_str()),
            Spanned::new(EnumDef {
                schema: None,
                values: e
                    .labels
                    .iter()
                    .map(|l| {
                        Spanned::new(Form(EnumValue {
                            name: sp(l),
                            renamed_from: None,
                        }))
                    })
                    .collect(),
                comment: e.comment.as_deref().map(sp),
                renamed_from: None,
            }),
        ));
        rest.enums.remove(name);
        said.enums.insert(name.clone(), e.clone());
        out.push((YamlObject::Enum(name.clone()), defs));
    }
    for (name, t) in &catalog.tables {
        if skip.contains(&YamlObject::Table(name.clone())) {
            continue;
        }
        let indexes: Vec<&Index> = catalog
            .indexes
            .values()
            .filter(|i| &i.table == name)
            .collect();
        let Some(mut def) = table(t, &indexes) else {
            continue;
        };
        if let Some(h) = catalog.timescale.hypertables.get(name) {
            let Some(def_h) = hypertable(h) else { continue };
            def.hypertable = Some(Spanned::new(def_h));
            rest.timescale.hypertables.remove(name);
            said.timescale.hypertables.insert(name.clone(), h.clone());
        }
        let mut defs = in_schema(name);
        defs.tables
            .0
            .push((sp(name.name.as_str()), Spanned::new(def)));
        rest.tables.remove(name);
        said.tables.insert(name.clone(), t.clone());
        for i in indexes {
            rest.indexes.remove(&i.name);
            said.indexes.insert(i.name.clone(), i.clone());
        }
        out.push((YamlObject::Table(name.clone()), defs));
    }
    for (id, on) in &catalog.depends {
        if says(&said, id) {
            let on: BTreeSet<ObjectId> = on.iter().filter(|o| says(&said, o)).cloned().collect();
            if !on.is_empty() {
                said.depends.insert(id.clone(), on);
            }
        }
    }
    (out, rest, said)
}

/// Whether `id` is an object of `said` (or part of one).
fn says(said: &Catalog, id: &ObjectId) -> bool {
    match id {
        ObjectId::Schema { name } => said.schemas.contains_key(name),
        ObjectId::Extension { name } => said.extensions.contains_key(name),
        ObjectId::Type { name } => said.enums.contains_key(name),
        ObjectId::Table { name } => said.tables.contains_key(name),
        ObjectId::Column { table, .. } | ObjectId::Constraint { table, .. } => {
            said.tables.contains_key(table)
        }
        ObjectId::Index { name } => said.indexes.contains_key(name),
        _ => false,
    }
}

fn write(defs: &Definitions) -> String {
    let mut text = String::from("# schemadiff YAML definitions (docs/yaml-definitions.md)\n");
    text.push_str(&serde_yaml_ng::to_string(defs).expect("definitions serialize"));
    text
}

/// A file name for a schema: its name with path separators and leading dots replaced.
fn file_stem(schema: &Ident) -> String {
    let s: String = schema
        .as_str()
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if s.starts_with('.') || s.is_empty() {
        format!("_{s}")
    } else {
        s
    }
}

fn table(t: &Table, indexes: &[&Index]) -> Option<TableDef> {
    if t.unlogged
        || !t.reloptions.is_empty()
        || t.partition_by.is_some()
        || t.partition_of.is_some()
    {
        return None;
    }
    let mut def = TableDef {
        comment: t.comment.as_deref().map(sp),
        ..TableDef::default()
    };
    let mut key_columns: BTreeSet<&Ident> = BTreeSet::new();
    for c in t.constraints.values() {
        let name = (!c.name_is_generated).then(|| sp(c.name.as_str()));
        let comment = c.comment.as_deref().map(sp);
        if (comment.is_some() && name.is_none()) || !c.validated {
            return None;
        }
        match c.kind {
            ConstraintKind::PrimaryKey => {
                key_columns.extend(c.columns.iter());
                let rest = c.definition.strip_prefix("PRIMARY KEY (")?;
                if rest.trim_end_matches(')').contains(['(', ')']) || c.deferrable {
                    return None;
                }
                def.primary_key = Some(Spanned::new(KeyDef {
                    name,
                    columns: c.columns.iter().map(|i| sp(i.as_str())).collect(),
                    comment,
                    renamed_from: None,
                }));
            }
            ConstraintKind::Unique => def.unique.push(Spanned::new(unique(c, name, comment)?)),
            ConstraintKind::Check => {
                let body = c.definition.strip_prefix("CHECK ")?;
                let (body, no_inherit) = match body.strip_suffix(" NO INHERIT") {
                    Some(b) => (b, true),
                    None => (body, false),
                };
                let expr = unwrap_parens(body)?;
                def.checks.push(Spanned::new(Form(CheckDef {
                    name,
                    expression: sp(expr),
                    no_inherit,
                    comment,
                    renamed_from: None,
                })));
            }
            ConstraintKind::ForeignKey => def
                .foreign_keys
                .push(Spanned::new(foreign_key(c, name, comment)?)),
            ConstraintKind::Exclude => def
                .exclusions
                .push(Spanned::new(exclusion(c, name, comment)?)),
        }
    }
    for col in &t.columns {
        def.columns.0.push((
            sp(col.name.as_str()),
            Spanned::new(Form(column(col, key_columns.contains(&col.name)))),
        ));
    }
    for i in indexes {
        def.indexes.push(Spanned::new(index(i)?));
    }
    Some(def)
}

fn column(c: &Column, in_key: bool) -> ColumnDef {
    ColumnDef {
        type_: sp(&c.data_type),
        nullable: (c.not_null && !in_key && c.identity.is_none()).then(|| Spanned::new(false)),
        default: c.default.as_deref().map(sp),
        identity: c.identity.as_ref().map(|i| {
            let max = match c.data_type.as_str() {
                "smallint" => i64::from(i16::MAX),
                "integer" => i64::from(i32::MAX),
                _ => i64::MAX,
            };
            let up = i.increment > 0;
            Spanned::new(Form(IdentityDef {
                generated: if i.always {
                    IdentityKind::Always
                } else {
                    IdentityKind::ByDefault
                },
                start: (i.start != if up { i.min_value } else { i.max_value }).then_some(i.start),
                increment: (i.increment != 1).then_some(i.increment),
                min_value: (i.min_value != if up { 1 } else { -max }).then_some(i.min_value),
                max_value: (i.max_value != if up { max } else { -1 }).then_some(i.max_value),
                cache: (i.cache != 1).then_some(i.cache),
                cycle: i.cycle,
            }))
        }),
        generated: c.generated.as_deref().map(sp),
        collation: c.collation.as_deref().map(|s| {
            sp(&split_qualified(s)
                .and_then(|p| p.last().cloned())
                .unwrap_or_else(|| s.to_string()))
        }),
        comment: c.comment.as_deref().map(sp),
        renamed_from: None,
    }
}

fn unique(
    c: &Constraint,
    name: Option<Spanned<String>>,
    comment: Option<Spanned<String>>,
) -> Option<UniqueDef> {
    let mut rest = c.definition.strip_prefix("UNIQUE ")?;
    let nulls_not_distinct = match rest.strip_prefix("NULLS NOT DISTINCT ") {
        Some(r) => {
            rest = r;
            true
        }
        None => false,
    };
    let (_, after) = group(rest)?;
    let mut include = Vec::new();
    let mut after = after.trim_start();
    if let Some(r) = after.strip_prefix("INCLUDE ") {
        let (inner, a) = group(r)?;
        include = names(inner)?;
        after = a.trim_start();
    }
    let after = strip_deferral(after, c)?;
    if !after.is_empty() {
        return None;
    }
    Some(UniqueDef {
        name,
        columns: c.columns.iter().map(|i| sp(i.as_str())).collect(),
        nulls_not_distinct,
        include,
        deferrable: c.deferrable && !c.initially_deferred,
        initially_deferred: c.initially_deferred,
        comment,
        renamed_from: None,
    })
}

fn foreign_key(
    c: &Constraint,
    name: Option<Spanned<String>>,
    comment: Option<Spanned<String>>,
) -> Option<ForeignKeyDef> {
    let target = c.references.as_ref()?;
    let at = c.definition.find(" REFERENCES ")?;
    let rest = &c.definition[at + " REFERENCES ".len()..];
    let open = rest.find('(')?;
    let (inner, mut rest) = group(&rest[open..])?;
    let ref_columns = names(inner)?;
    let mut match_ = None;
    let mut on_delete = None;
    let mut on_update = None;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("MATCH FULL") {
            match_ = Some(Match::Full);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("ON DELETE ") {
            let (a, r) = action(r)?;
            on_delete = Some(a);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("ON UPDATE ") {
            let (a, r) = action(r)?;
            on_update = Some(a);
            rest = r;
        } else {
            break;
        }
    }
    if !strip_deferral(rest, c)?.is_empty() {
        return None;
    }
    Some(ForeignKeyDef {
        name,
        columns: c.columns.iter().map(|i| sp(i.as_str())).collect(),
        references: Spanned::new(Reference {
            table: sp(target.name.as_str()),
            schema: Some(sp(target.schema.as_str())),
            columns: ref_columns,
        }),
        on_delete,
        on_update,
        match_,
        deferrable: c.deferrable && !c.initially_deferred,
        initially_deferred: c.initially_deferred,
        comment,
        renamed_from: None,
    })
}

fn action(s: &str) -> Option<(Action, &str)> {
    for (word, a) in [
        ("NO ACTION", Action::NoAction),
        ("RESTRICT", Action::Restrict),
        ("CASCADE", Action::Cascade),
        ("SET NULL", Action::SetNull),
        ("SET DEFAULT", Action::SetDefault),
    ] {
        if let Some(r) = s.strip_prefix(word) {
            if r.starts_with(" (") {
                return None;
            }
            return Some((a, r));
        }
    }
    None
}

fn exclusion(
    c: &Constraint,
    name: Option<Spanned<String>>,
    comment: Option<Spanned<String>>,
) -> Option<ExclusionDef> {
    let rest = c.definition.strip_prefix("EXCLUDE USING ")?;
    let (method, rest) = rest.split_once(' ')?;
    let (inner, rest) = group(rest)?;
    let mut elements = Vec::new();
    for part in split_top(inner) {
        let at = part.rfind(" WITH ")?;
        let (expr, op) = (&part[..at], &part[at + " WITH ".len()..]);
        let key = key(expr)?;
        if key.order.is_some() || key.nulls.is_some() || key.collation.is_some() {
            return None;
        }
        elements.push(Spanned::new(ExclusionElement {
            column: key.column,
            expression: key.expression,
            operator: sp(op),
            opclass: key.opclass,
        }));
    }
    let mut rest = rest.trim_start();
    let mut where_ = None;
    if let Some(r) = rest.strip_prefix("WHERE ") {
        let (inner, r) = group(r)?;
        where_ = Some(sp(unwrap_parens(inner).unwrap_or(inner)));
        rest = r.trim_start();
    }
    if !strip_deferral(rest, c)?.is_empty() {
        return None;
    }
    Some(ExclusionDef {
        name,
        using: Some(sp(method)),
        elements,
        where_,
        deferrable: c.deferrable && !c.initially_deferred,
        initially_deferred: c.initially_deferred,
        comment,
        renamed_from: None,
    })
}

fn index(i: &Index) -> Option<IndexDef> {
    let d = &i.definition;
    let (unique, rest) = match d.strip_prefix("CREATE UNIQUE INDEX ON ") {
        Some(r) => (true, r),
        None => (false, d.strip_prefix("CREATE INDEX ON ")?),
    };
    let at = rest.find(" USING ")?;
    let rest = &rest[at + " USING ".len()..];
    let (method, rest) = rest.split_once(' ')?;
    let (inner, rest) = group(rest)?;
    let mut columns = Vec::new();
    for part in split_top(inner) {
        columns.push(Spanned::new(Form(key(part)?)));
    }
    let mut rest = rest.trim_start();
    let mut include = Vec::new();
    if let Some(r) = rest.strip_prefix("INCLUDE ") {
        let (inner, r) = group(r)?;
        include = names(inner)?;
        rest = r.trim_start();
    }
    let mut nulls_not_distinct = false;
    if let Some(r) = rest.strip_prefix("NULLS NOT DISTINCT") {
        nulls_not_distinct = true;
        rest = r.trim_start();
    }
    let mut where_ = None;
    if let Some(r) = rest.strip_prefix("WHERE ") {
        // the predicate ends the definition; a lone column or call is printed bare
        let r = r.trim();
        where_ = Some(sp(unwrap_parens(r).unwrap_or(r)));
        rest = "";
    }
    if !rest.is_empty() || !i.valid {
        return None;
    }
    Some(IndexDef {
        name: Some(sp(i.name.name.as_str())),
        columns,
        unique,
        using: (method != "btree").then(|| sp(method)),
        where_,
        include,
        nulls_not_distinct,
        comment: i.comment.as_deref().map(sp),
        renamed_from: None,
    })
}

/// Remove a trailing `DEFERRABLE [INITIALLY DEFERRED]` that matches the constraint's flags.
fn strip_deferral<'a>(text: &'a str, c: &Constraint) -> Option<&'a str> {
    let mut t = text.trim();
    if let Some(r) = t.strip_prefix("DEFERRABLE") {
        if !c.deferrable {
            return None;
        }
        t = r.trim_start();
        if let Some(r) = t.strip_prefix("INITIALLY DEFERRED") {
            t = r.trim_start();
        }
    } else if c.deferrable {
        return None;
    }
    Some(t)
}

/// A hypertable's settings, when they are what the format says: a time dimension without
/// an integer-now function, at most one hash dimension, compression without sparse indexes
/// or an explicitly empty segmentby, and compression / retention policies with only their
/// `after` and schedule.
fn hypertable(h: &Hypertable) -> Option<HypertableDef> {
    if h.time.integer_now_func.is_some() || h.dimensions.len() > 1 {
        return None;
    }
    let interval = |i: &ChunkInterval| match i {
        ChunkInterval::Time(t) => Interval::Text(t.clone()),
        ChunkInterval::Integer(n) => Interval::Integer(*n),
    };
    let partitioning = match h.dimensions.first() {
        None => None,
        Some(d) => match &d.kind {
            DimensionKind::Hash { partitions } => Some(Spanned::new(PartitioningDef {
                column: sp(d.column.as_str()),
                partitions: Spanned::new(u32::try_from(*partitions).ok()?),
            })),
            DimensionKind::Range { .. } => return None,
        },
    };
    let compression = match &h.compression {
        None => None,
        Some(c) => {
            if c.sparse_index.is_some() || c.segment_by.as_ref().is_some_and(Vec::is_empty) {
                return None;
            }
            let order_by = c.order_by.clone().unwrap_or_default();
            if c.order_by.as_ref().is_some_and(Vec::is_empty) {
                return None;
            }
            Some(Spanned::new(CompressionDef {
                segment_by: c
                    .segment_by
                    .iter()
                    .flatten()
                    .map(|i| sp(i.as_str()))
                    .collect(),
                order_by: order_by
                    .iter()
                    .map(|o| {
                        let (order, nulls) = match (o.desc, o.nulls_first) {
                            (false, false) => (None, None),
                            (false, true) => (None, Some(Nulls::First)),
                            (true, true) => (Some(Order::Desc), None),
                            (true, false) => (Some(Order::Desc), Some(Nulls::Last)),
                        };
                        Spanned::new(Form(IndexKey {
                            column: Some(sp(o.column.as_str())),
                            order,
                            nulls,
                            ..IndexKey::default()
                        }))
                    })
                    .collect(),
            }))
        }
    };
    let mut def = HypertableDef {
        time_column: sp(h.time.column.as_str()),
        chunk_interval: Some(Spanned::new(interval(&h.time.interval))),
        partitioning,
        compression,
        compression_policy: None,
        retention_policy: None,
    };
    for (kind, p) in &h.policies {
        let key = match kind {
            PolicyKind::Compression => "compress_after",
            PolicyKind::Retention => "drop_after",
            PolicyKind::Reorder | PolicyKind::Refresh => return None,
        };
        if p.config.keys().any(|k| k != key) {
            return None;
        }
        let after = match p.config.get(key)? {
            serde_json::Value::String(s) => Interval::Text(s.clone()),
            serde_json::Value::Number(n) => Interval::Integer(n.as_i64()?),
            _ => return None,
        };
        let policy = Spanned::new(Form(PolicyDef {
            after: Spanned::new(after),
            schedule_interval: Some(sp(&p.schedule_interval)),
        }));
        match kind {
            PolicyKind::Compression => def.compression_policy = Some(policy),
            _ => def.retention_policy = Some(policy),
        }
    }
    Some(def)
}
