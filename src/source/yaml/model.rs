//! The YAML definitions format: these declarations are both what a file is read into and
//! (through schemars) its JSON Schema. docs/yaml-definitions.md describes it with examples.
//!
//! Names (of schemas, tables, columns, constraints, indexes, types) are taken as written:
//! they are not folded to lower case, and are quoted in the SQL where needed. Types,
//! defaults and expressions are SQL text, passed to PostgreSQL as they are.

use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::de::Spanned;
pub use super::forms::{Form, Interval, Named, Short};

/// A file of YAML definitions (`*.yaml` / `*.yml` in a service's schema folder).
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "schemadiff YAML definitions")]
pub struct Definitions {
    /// The schema of every object of this file that does not name its own; without it,
    /// objects go to the first schema of the search path (`public`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Spanned<String>>,
    /// Schemas to create, by name: `CREATE SCHEMA name`.
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub schemas: Named<SchemaDef>,
    /// Extensions to create, by name: `CREATE EXTENSION IF NOT EXISTS name`.
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub extensions: Named<ExtensionDef>,
    /// Enum types, by name: `CREATE TYPE name AS ENUM (...)`.
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub enums: Named<EnumDef>,
    /// Tables, by name: `CREATE TABLE name (...)`, then their foreign keys, indexes,
    /// comments and hypertable settings.
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub tables: Named<TableDef>,
}

/// `CREATE SCHEMA name` (and `COMMENT ON SCHEMA`).
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemaDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Spanned<String>>,
}

/// `CREATE EXTENSION IF NOT EXISTS name [SCHEMA s] [VERSION v]`.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionDef {
    /// The schema its objects go to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Spanned<String>>,
    /// A version to install (default: the server's default version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Spanned<String>>,
}

/// `CREATE TYPE name AS ENUM ('a', 'b', ...)`.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnumDef {
    /// Its schema (default: the file's `schema`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Spanned<String>>,
    /// The labels, in order.
    pub values: Vec<Spanned<Form<EnumValue>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Spanned<String>>,
    /// The name of the live type this one replaces (renamed instead of dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Spanned<String>>,
}

/// One enum label: a string, or `{ name, renamed_from }`.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    pub name: Spanned<String>,
    /// The live label this one replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Spanned<String>>,
}

impl Short for EnumValue {
    const SHORT: &'static str = "the label";
    fn from_short(s: Spanned<String>) -> Result<Self, String> {
        Ok(EnumValue {
            name: s,
            renamed_from: None,
        })
    }
    fn as_short(&self) -> Option<String> {
        self.renamed_from.is_none().then(|| self.name.value.clone())
    }
}

/// A table: `CREATE TABLE name (columns, primary key, unique, checks, exclusions)`, then
/// `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`, `CREATE INDEX`, `COMMENT ON`, and for
/// a hypertable the TimescaleDB calls.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    /// Its schema (default: the file's `schema`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Spanned<String>>,
    /// The name of the live table this one replaces (renamed instead of dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Spanned<String>>,
    /// Columns by name, in table order. A column written as a string is its type.
    #[serde(default)]
    pub columns: Named<Form<ColumnDef>>,
    /// `PRIMARY KEY (columns)`: a list of columns, or `{ name, columns }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<Spanned<KeyDef>>,
    /// `UNIQUE (columns)` constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique: Vec<Spanned<UniqueDef>>,
    /// `CHECK (expression)` constraints; a string is the expression.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Spanned<Form<CheckDef>>>,
    /// `FOREIGN KEY (columns) REFERENCES table (columns)` constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<Spanned<ForeignKeyDef>>,
    /// `EXCLUDE USING method (element WITH operator, ...)` constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<Spanned<ExclusionDef>>,
    /// Indexes on this table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Spanned<IndexDef>>,
    /// Make it a TimescaleDB hypertable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hypertable: Option<Spanned<HypertableDef>>,
}

/// A column. Written as a string, the string is its type.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnDef {
    /// Its type, as SQL (`uuid`, `numeric(10,2)`, `text[]`, `health.goal_status`).
    #[serde(rename = "type")]
    pub type_: Spanned<String>,
    /// Whether NULL is allowed (default: true, as in SQL; primary key columns never are).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nullable: Option<Spanned<bool>>,
    /// `DEFAULT expression`, as SQL (a string literal needs its quotes: `"'active'"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Spanned<String>>,
    /// `GENERATED ALWAYS|BY DEFAULT AS IDENTITY`: `always`, `by_default`, or a mapping with
    /// sequence options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Spanned<Form<IdentityDef>>>,
    /// `GENERATED ALWAYS AS (expression) STORED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<Spanned<String>>,
    /// `COLLATE name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Spanned<String>>,
    /// The name of the live column this one replaces (renamed instead of dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Spanned<String>>,
}

impl Short for ColumnDef {
    const SHORT: &'static str = "the column's type";
    fn from_short(s: Spanned<String>) -> Result<Self, String> {
        Ok(ColumnDef {
            type_: s,
            ..ColumnDef::default()
        })
    }
    fn as_short(&self) -> Option<String> {
        let plain = self.nullable.is_none()
            && self.default.is_none()
            && self.identity.is_none()
            && self.generated.is_none()
            && self.collation.is_none()
            && self.comment.is_none()
            && self.renamed_from.is_none();
        plain.then(|| self.type_.value.clone())
    }
}

/// When an identity column takes its value from its sequence.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// `GENERATED ALWAYS AS IDENTITY`
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY`
    #[default]
    ByDefault,
}

/// An identity column's sequence: `GENERATED ... AS IDENTITY (START WITH ... )`.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityDef {
    /// `always` or `by_default` (default).
    #[serde(default)]
    pub generated: IdentityKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<i64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cycle: bool,
}

impl Short for IdentityDef {
    const SHORT: &'static str = "`always` or `by_default`";
    fn from_short(s: Spanned<String>) -> Result<Self, String> {
        let generated = match s.value.as_str() {
            "always" => IdentityKind::Always,
            "by_default" => IdentityKind::ByDefault,
            other => {
                return Err(format!(
                    "unknown identity `{other}`: use `always` or `by_default`"
                ))
            }
        };
        Ok(IdentityDef {
            generated,
            ..IdentityDef::default()
        })
    }
}

/// A primary key: a list of columns, or a mapping.
#[derive(Debug, Default)]
pub struct KeyDef {
    pub name: Option<Spanned<String>>,
    pub columns: Vec<Spanned<String>>,
    pub comment: Option<Spanned<String>>,
    pub renamed_from: Option<Spanned<String>>,
}

/// The mapping form of [`KeyDef`].
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyForm {
    /// The constraint's name (default: `<table>_pkey`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Spanned<String>>,
    pub columns: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Spanned<String>>,
    /// The name of the live constraint this one replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Spanned<String>>,
}

impl<'de> Deserialize<'de> for KeyDef {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyDef;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of columns or a mapping with `columns`")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<KeyDef, A::Error> {
                let mut columns = Vec::new();
                while let Some(c) = seq.next_element()? {
                    columns.push(c);
                }
                Ok(KeyDef {
                    columns,
                    ..KeyDef::default()
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<KeyDef, A::Error> {
                let f = KeyForm::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(KeyDef {
                    name: f.name,
                    columns: f.columns,
                    comment: f.comment,
                    renamed_from: f.renamed_from,
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for KeyDef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.name.is_none() && self.comment.is_none() && self.renamed_from.is_none() {
            return self.columns.serialize(s);
        }
        KeyForm {
            name: self.name.clone(),
            columns: self.columns.clone(),
            comment: self.comment.clone(),
            renamed_from: self.renamed_from.clone(),
        }
        .serialize(s)
    }
}

impl JsonSchema for KeyDef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "KeyDef".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let full = generator.subschema_for::<KeyForm>();
        schemars::json_schema!({
            "anyOf": [ { "type": "array", "items": { "type": "string" }, "description": "the key's columns" }, full ]
        })
    }
}

/// `[CONSTRAINT name] UNIQUE [NULLS NOT DISTINCT] (columns) [INCLUDE (...)]`.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UniqueDef {
    /// The constraint's name (default: PostgreSQL's, `<table>_<columns>_key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Spanned<String>>,
    pub columns: Vec<Spanned<String>>,
    /// `NULLS NOT DISTINCT` (PostgreSQL 15+).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nulls_not_distinct: bool,
    /// `INCLUDE (columns)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<Spanned<String>>,
    /// `DEFERRABLE`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deferrable: bool,
    /// `INITIALLY DEFERRED` (implies deferrable).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub initially_deferred: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Spanned<String>>,
    /// The name of the live constraint this one replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Spanned<String>>,
}

/// `[CONSTRAINT name] CHECK (expression) [NO INHERIT]`. Written as a string, the string is
/// the expression.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckDef {
    /// The constraint's name (default: PostgreSQL's, `<table>_<column>_check`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Spanned<String>>,
    /// A boolean SQL expression over the table's columns.
    pub expression: Spanned<String>,
    /// `NO INHERIT`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_inherit: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Spanned<String>>,
    /// The name of the live constraint this one replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Spanned<String>>,
}

impl Short for CheckDef {
    const SHORT: &'static str = "the check's expression";
    fn from_short(s: Spanned<String>) -> Result<Self, String> {
        Ok(CheckDef {
            expression: s,
            ..CheckDef::default()
        })
    }
    fn as_short(&self) -> Option<String> {
        let plain = self.name.is_none()
            && !self.no_inherit
            && self.comment.is_none()
            && self.renamed_from.is_none();
        plain.then(|| self.expression.value.clone())
    }
}

/// What a foreign key does when the referenced row is deleted or its key updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// `NO ACTION` (the default)
    NoAction,
    /// `RESTRICT`
    Restrict,
    /// `CASCADE`
    Cascade,
    /// `SET NULL`
    SetNull,
    /// `SET DEFAULT`
    SetDefault,
}

/// `MATCH FULL` or `MATCH SIMPLE` (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    Simple,
    Full,
}

/// `ALTER TABLE t ADD [CONSTRAINT name] FOREIGN KEY (columns) REFERENCES table (columns)
/// [MATCH FULL] [ON DELETE action] [ON UPDATE action] [DEFERRABLE [INITIALLY DEFERRED]]`.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForeignKeyDef {
    /// The constraint's name (default: PostgreSQL's, `<table>_<columns>_fkey`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Spanned<String>>,
    /// The referencing columns of this table.
    pub columns: Vec<Spanned<String>>,
    pub references: Spanned<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_delete: Option<Action>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<Action>,
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub match_: Option<Match>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deferrable: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub initially_deferred: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Spanned<String>>,
    /// The name of the live constraint this one replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Spanned<String>>,
}

/// The referenced table (defined in YAML or SQL) and its columns.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub table: Spanned<String>,
    /// The referenced table's schema (default: the referencing table's schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Spanned<String>>,
    /// The referenced columns (default: the referenced table's primary key).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<Spanned<String>>,
}

/// `[CONSTRAINT name] EXCLUDE USING method (element WITH operator, ...) [WHERE (predicate)]`.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExclusionDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Spanned<String>>,
    /// The index method (default: `gist`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<Spanned<String>>,
    pub elements: Vec<Spanned<ExclusionElement>>,
    /// `WHERE (predicate)`, as SQL.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub where_: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deferrable: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub initially_deferred: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Spanned<String>>,
    /// The name of the live constraint this one replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Spanned<String>>,
}

/// One element of an exclusion constraint: a column or an expression, and its operator.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExclusionElement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<Spanned<String>>,
    /// An SQL expression (instead of `column`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<Spanned<String>>,
    /// The operator (`=`, `&&`, ...).
    pub operator: Spanned<String>,
    /// An operator class (`schema.name` or `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opclass: Option<Spanned<String>>,
}

/// `CREATE [UNIQUE] INDEX [name] ON table USING method (keys) [INCLUDE (...)]
/// [NULLS NOT DISTINCT] [WHERE predicate]`.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IndexDef {
    /// The index's name (default: PostgreSQL's, `<table>_<columns>_idx`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Spanned<String>>,
    /// The keys: a column name, or a mapping with `column` or `expression` and options.
    pub columns: Vec<Spanned<Form<IndexKey>>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unique: bool,
    /// The index method: `btree` (default), `gin`, `gist`, `brin`, `hash`, `spgist`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<Spanned<String>>,
    /// A partial index's predicate, as SQL.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub where_: Option<Spanned<String>>,
    /// `INCLUDE (columns)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<Spanned<String>>,
    /// `NULLS NOT DISTINCT` (PostgreSQL 15+, unique indexes).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nulls_not_distinct: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Spanned<String>>,
    /// The name of the live index this one replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Spanned<String>>,
}

/// Sort direction of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    Asc,
    Desc,
}

/// Where NULLs sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Nulls {
    First,
    Last,
}

/// One key of an index (or of a compression order): a column name, or a mapping.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IndexKey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<Spanned<String>>,
    /// An SQL expression (instead of `column`), e.g. `lower(email)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Order>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls: Option<Nulls>,
    /// An operator class (`jsonb_path_ops`, `public.gin_trgm_ops`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opclass: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<Spanned<String>>,
}

impl Short for IndexKey {
    const SHORT: &'static str = "a column name";
    fn from_short(s: Spanned<String>) -> Result<Self, String> {
        Ok(IndexKey {
            column: Some(s),
            ..IndexKey::default()
        })
    }
    fn as_short(&self) -> Option<String> {
        let plain = self.expression.is_none()
            && self.order.is_none()
            && self.nulls.is_none()
            && self.opclass.is_none()
            && self.collation.is_none();
        self.column
            .as_ref()
            .filter(|_| plain)
            .map(|c| c.value.clone())
    }
}

/// TimescaleDB: `SELECT create_hypertable('t', 'time', chunk_time_interval => ...)`, then
/// `add_dimension`, `ALTER TABLE t SET (timescaledb.compress, ...)` and the policies.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HypertableDef {
    /// The time (partitioning) column.
    pub time_column: Spanned<String>,
    /// `chunk_time_interval` (default: TimescaleDB's, 7 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_interval: Option<Spanned<Interval>>,
    /// A second, hash-partitioned dimension: `add_dimension('t', 'column',
    /// number_partitions => n)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitioning: Option<Spanned<PartitioningDef>>,
    /// `ALTER TABLE t SET (timescaledb.compress, compress_segmentby, compress_orderby)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<Spanned<CompressionDef>>,
    /// `add_compression_policy('t', after)`: an interval, or `{ after, schedule_interval }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression_policy: Option<Spanned<Form<PolicyDef>>>,
    /// `add_retention_policy('t', after)`: an interval, or `{ after, schedule_interval }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_policy: Option<Spanned<Form<PolicyDef>>>,
}

/// A hash-partitioned dimension.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartitioningDef {
    pub column: Spanned<String>,
    /// `number_partitions`.
    pub partitions: Spanned<u32>,
}

/// Compression (columnstore) settings.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompressionDef {
    /// `compress_segmentby` columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segment_by: Vec<Spanned<String>>,
    /// `compress_orderby` keys: column names, or `{ column, order, nulls }`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order_by: Vec<Spanned<Form<IndexKey>>>,
}

/// A TimescaleDB policy: act on chunks older than `after`.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyDef {
    /// `compress_after` / `drop_after`.
    pub after: Spanned<Interval>,
    /// How often the job runs (default: TimescaleDB's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_interval: Option<Spanned<String>>,
}

impl Short for PolicyDef {
    const SHORT: &'static str = "the interval after which chunks are acted on";
    fn from_short(s: Spanned<String>) -> Result<Self, String> {
        let after = match s.value.parse::<i64>() {
            Ok(n) => Interval::Integer(n),
            Err(_) => Interval::Text(s.value),
        };
        Ok(PolicyDef {
            after: Spanned {
                span: s.span,
                value: after,
            },
            schedule_interval: None,
        })
    }
}
