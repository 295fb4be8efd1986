//! The catalog model: plain owned data, no I/O.
//!
//! Both sides of a diff are a [`Catalog`]: the live database, and the desired files after
//! PostgreSQL itself has loaded them into the dev database. Every expression, type and
//! definition is held in the canonical text PostgreSQL prints for it (`format_type`,
//! `pg_get_expr`, `pg_get_constraintdef`, `pg_get_indexdef`), so that comparing two
//! catalogs is comparing text that one server normalised the same way.
//!
//! Identity is by name (and argument types for routines), never by OID.

pub mod builder;
mod fingerprint;
pub mod ident;
pub mod partition;
pub mod rename;
pub mod routines;
pub mod security;
pub mod timescale;
pub mod view;

pub use ident::{quote_ident, quote_literal, Ident, QualName};
pub use partition::PartitionOf;
pub use rename::{RenameHint, RenameKind};
pub use routines::{EventTrigger, Function, RoutineKind, Trigger, TriggerEnabled};
pub use security::{Grantee, Policy, PolicyCommand, Privileges, RowSecurity};
pub use timescale::Timescale;
pub use view::{MaterializedView, View, ViewColumn};

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A whole database as far as schemadiff manages it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// `server_version_num` of the server the catalog was read from (e.g. 150018).
    pub server_version: u32,
    pub schemas: BTreeMap<Ident, Schema>,
    pub extensions: BTreeMap<Ident, Extension>,
    pub enums: BTreeMap<QualName, EnumType>,
    pub domains: BTreeMap<QualName, Domain>,
    pub composites: BTreeMap<QualName, CompositeType>,
    pub sequences: BTreeMap<QualName, Sequence>,
    pub tables: BTreeMap<QualName, Table>,
    /// Indexes that do not back a constraint (constraint indexes live with the constraint),
    /// on tables and materialized views.
    pub indexes: BTreeMap<QualName, Index>,
    #[serde(default)]
    pub views: BTreeMap<QualName, View>,
    #[serde(default)]
    pub materialized_views: BTreeMap<QualName, MaterializedView>,
    /// Functions, procedures and aggregates: name → identity arguments → routine.
    #[serde(default)]
    pub functions: BTreeMap<QualName, BTreeMap<String, Function>>,
    /// Triggers: table → trigger name → trigger.
    #[serde(default)]
    pub triggers: BTreeMap<QualName, BTreeMap<Ident, Trigger>>,
    /// Event triggers whose function is in a managed schema.
    #[serde(default)]
    pub event_triggers: BTreeMap<Ident, EventTrigger>,
    /// Dependencies between modelled objects, from `pg_depend` (both normal and automatic),
    /// keyed by the dependent object. Used to order steps; never compared.
    #[serde(with = "depends_as_pairs")]
    pub depends: BTreeMap<ObjectId, BTreeSet<ObjectId>>,
    /// Objects of kinds schemadiff does not model yet, found in managed schemas. Reported
    /// (never silently ignored) and never touched.
    pub unmanaged: BTreeSet<Unmanaged>,
    /// Tables with row-level security enabled or forced.
    #[serde(default)]
    pub row_security: BTreeMap<QualName, RowSecurity>,
    /// Row-level security policies, by table and name.
    #[serde(default)]
    pub policies: BTreeMap<QualName, BTreeMap<Ident, Policy>>,
    /// Owners, grants and default privileges.
    #[serde(default)]
    pub privileges: Privileges,
    /// TimescaleDB: hypertables, continuous aggregates, their policies, and the installed
    /// extension version. Empty when the extension is not installed.
    #[serde(default, skip_serializing_if = "Timescale::is_empty")]
    pub timescale: Timescale,
    /// Renames the desired files declare (empty for a live catalog). Never compared and not
    /// in the fingerprint: the planner reads them to rename instead of drop and create.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renames: Vec<RenameHint>,
}

/// The identity of any modelled object: what steps create, drop, alter and depend on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "object", rename_all = "snake_case")]
pub enum ObjectId {
    Schema {
        name: Ident,
    },
    Extension {
        name: Ident,
    },
    /// Enum, domain or composite type (they share one namespace with tables in pg_type).
    Type {
        name: QualName,
    },
    Sequence {
        name: QualName,
    },
    Table {
        name: QualName,
    },
    Column {
        table: QualName,
        column: Ident,
    },
    Constraint {
        table: QualName,
        name: Ident,
    },
    Index {
        name: QualName,
    },
    View {
        name: QualName,
    },
    MaterializedView {
        name: QualName,
    },
    /// A function, procedure or aggregate, identified by its signature: `args` is
    /// `pg_get_function_identity_arguments(oid)` read with `search_path = pg_catalog`
    /// (e.g. `integer, text`, `public.mood`).
    Function {
        name: QualName,
        args: String,
    },
    Trigger {
        table: QualName,
        name: Ident,
    },
    EventTrigger {
        name: Ident,
    },
    Policy {
        table: QualName,
        name: Ident,
    },
    /// Not modelled yet; recorded so that ordering knows it exists.
    Other {
        kind: String,
        identity: String,
    },
}

impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjectId::Schema { name } => write!(f, "schema {name}"),
            ObjectId::Extension { name } => write!(f, "extension {name}"),
            ObjectId::Type { name } => write!(f, "type {name}"),
            ObjectId::Sequence { name } => write!(f, "sequence {name}"),
            ObjectId::Table { name } => write!(f, "table {name}"),
            ObjectId::Column { table, column } => write!(f, "column {table}.{column}"),
            ObjectId::Constraint { table, name } => write!(f, "constraint {name} on {table}"),
            ObjectId::Index { name } => write!(f, "index {name}"),
            ObjectId::View { name } => write!(f, "view {name}"),
            ObjectId::MaterializedView { name } => write!(f, "materialized view {name}"),
            ObjectId::Function { name, args } => write!(f, "function {name}({args})"),
            ObjectId::Trigger { table, name } => write!(f, "trigger {name} on {table}"),
            ObjectId::EventTrigger { name } => write!(f, "event trigger {name}"),
            ObjectId::Policy { table, name } => write!(f, "policy {name} on {table}"),
            ObjectId::Other { kind, identity } => write!(f, "{kind} {identity}"),
        }
    }
}

/// An object found in a managed schema whose kind schemadiff does not model yet.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Unmanaged {
    /// e.g. `view`, `function`, `trigger`, `policy`.
    pub kind: String,
    /// As printed by `pg_identify_object(...).identity`.
    pub identity: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub name: Ident,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub name: Ident,
    /// Schema its objects were installed into.
    pub schema: Ident,
    pub version: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumType {
    pub name: QualName,
    /// Labels in sort order (`enumsortorder`).
    pub labels: Vec<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    pub name: QualName,
    /// `format_type` of the base type, e.g. `character varying(255)`.
    pub base_type: String,
    pub collation: Option<String>,
    pub default: Option<String>,
    pub not_null: bool,
    /// Named CHECK constraints: name → `pg_get_constraintdef` text (`CHECK (...)`).
    pub checks: BTreeMap<Ident, DomainCheck>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainCheck {
    pub name: Ident,
    pub definition: String,
    pub validated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeType {
    pub name: QualName,
    pub attributes: Vec<CompositeAttribute>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeAttribute {
    pub name: Ident,
    pub data_type: String,
    pub collation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    pub name: QualName,
    /// `smallint`, `integer` or `bigint`.
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub cache: i64,
    pub cycle: bool,
    /// `OWNED BY table.column`, if any.
    pub owned_by: Option<(QualName, Ident)>,
    /// True for the sequence behind an identity column: it is managed through the column.
    pub identity: bool,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: QualName,
    /// Columns in `attnum` order (order is informational: PostgreSQL cannot reorder).
    pub columns: Vec<Column>,
    /// Constraints by name (PK, UNIQUE, FK, CHECK, EXCLUDE). NOT NULL is a column property.
    pub constraints: BTreeMap<Ident, Constraint>,
    pub unlogged: bool,
    /// Storage parameters as `key=value`, sorted.
    pub reloptions: Vec<String>,
    pub comment: Option<String>,
    /// `pg_get_partkeydef` of a partitioned table: `RANGE (created_at)`, `LIST (region)`,
    /// `HASH (user_id)`.
    #[serde(default)]
    pub partition_by: Option<String>,
    /// Set when the table is a partition of another.
    #[serde(default)]
    pub partition_of: Option<PartitionOf>,
}

impl Table {
    pub fn column(&self, name: &Ident) -> Option<&Column> {
        self.columns.iter().find(|c| &c.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: Ident,
    /// `format_type(atttypid, atttypmod)`, e.g. `character varying(40)`, `integer[]`,
    /// `public.mood` (qualified when not on the search path of the reading session).
    pub data_type: String,
    pub not_null: bool,
    /// `pg_get_expr(adbin)` of a plain default (not of a generated column).
    pub default: Option<String>,
    pub identity: Option<Identity>,
    /// Expression of a `GENERATED ALWAYS AS (...) STORED` column.
    pub generated: Option<String>,
    /// Collation name when it differs from the type's default collation.
    pub collation: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// `ALWAYS` (true) or `BY DEFAULT` (false).
    pub always: bool,
    /// Options of the identity's sequence (name not compared: PostgreSQL picks it).
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub cache: i64,
    pub cycle: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
    Exclude,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraint {
    pub name: Ident,
    pub kind: ConstraintKind,
    /// `pg_get_constraintdef(oid)` text, e.g. `FOREIGN KEY (a) REFERENCES t(id) ON DELETE
    /// CASCADE DEFERRABLE`, `CHECK ((x > 0)) NOT VALID`. NOT VALID is stripped here and kept
    /// in `validated`, so that definitions compare by meaning.
    pub definition: String,
    /// Columns of the constraint, in key order (empty for a CHECK on no column).
    pub columns: Vec<Ident>,
    /// Referenced table of a foreign key.
    pub references: Option<QualName>,
    pub deferrable: bool,
    pub initially_deferred: bool,
    pub validated: bool,
    /// True when the name is the one PostgreSQL would generate for this definition
    /// (`t_pkey`, `t_a_key`, `t_a_fkey`, `t_a_check`, ...): such names are not compared.
    pub name_is_generated: bool,
    /// Storage parameters / tablespace of the backing index (PK, UNIQUE, EXCLUDE) live in
    /// `definition`; the comment is the constraint's own.
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: QualName,
    /// The table or materialized view the index is on.
    pub table: QualName,
    /// `pg_get_indexdef(oid)` with the index name replaced by nothing:
    /// `CREATE UNIQUE INDEX ON public.t USING btree (a) WHERE (b > 0)`. Compared as is.
    pub definition: String,
    pub unique: bool,
    /// False for an index left INVALID by a failed concurrent build.
    pub valid: bool,
    pub comment: Option<String>,
}

impl Catalog {
    /// True when the catalog holds no managed object at all.
    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty()
            && self.extensions.is_empty()
            && self.enums.is_empty()
            && self.domains.is_empty()
            && self.composites.is_empty()
            && self.sequences.is_empty()
            && self.tables.is_empty()
            && self.indexes.is_empty()
            && self.views.is_empty()
            && self.materialized_views.is_empty()
            && self.functions.is_empty()
            && self.triggers.is_empty()
            && self.event_triggers.is_empty()
            && self.timescale.hypertables.is_empty()
            && self.timescale.continuous_aggregates.is_empty()
    }

    /// True when the table is a TimescaleDB hypertable (its indexes cannot be built
    /// `CONCURRENTLY`: use `WITH (timescaledb.transaction_per_chunk)` instead).
    pub fn is_hypertable(&self, table: &QualName) -> bool {
        self.timescale.hypertables.contains_key(table)
    }

    /// True when the table is a hypertable with compression (columnstore) enabled:
    /// TimescaleDB then refuses `VALIDATE CONSTRAINT` on it (so no `NOT VALID` + `VALIDATE`
    /// form; a plain `ADD CONSTRAINT` works), as it refuses `ADD CONSTRAINT ... USING INDEX`
    /// on any hypertable.
    pub fn hypertable_has_columnstore(&self, table: &QualName) -> bool {
        self.timescale
            .hypertables
            .get(table)
            .is_some_and(|h| h.compression.is_some())
    }

    /// True when the catalog holds the object `id`: a column of a table, or of a view or
    /// materialized view the catalog holds; never an `Other` (what the catalog does not
    /// model).
    pub fn holds(&self, id: &ObjectId) -> bool {
        match id {
            ObjectId::Schema { name } => self.schemas.contains_key(name),
            ObjectId::Extension { name } => self.extensions.contains_key(name),
            ObjectId::Type { name } => {
                self.enums.contains_key(name)
                    || self.domains.contains_key(name)
                    || self.composites.contains_key(name)
            }
            ObjectId::Sequence { name } => self.sequences.contains_key(name),
            ObjectId::Table { name } => self.tables.contains_key(name),
            ObjectId::Column { table, column } => match self.tables.get(table) {
                Some(t) => t.column(column).is_some(),
                None => {
                    self.views.contains_key(table)
                        || self.materialized_views.contains_key(table)
                        || self.timescale.continuous_aggregates.contains_key(table)
                }
            },
            ObjectId::Constraint { table, name } => self
                .tables
                .get(table)
                .is_some_and(|t| t.constraints.contains_key(name)),
            ObjectId::Index { name } => self.indexes.contains_key(name),
            ObjectId::View { name } => self.views.contains_key(name),
            ObjectId::MaterializedView { name } => {
                self.materialized_views.contains_key(name)
                    || self.timescale.continuous_aggregates.contains_key(name)
            }
            ObjectId::Function { name, args } => self.function(name, args).is_some(),
            ObjectId::Trigger { table, name } => self
                .triggers
                .get(table)
                .is_some_and(|t| t.contains_key(name)),
            ObjectId::EventTrigger { name } => self.event_triggers.contains_key(name),
            ObjectId::Policy { table, name } => self
                .policies
                .get(table)
                .is_some_and(|p| p.contains_key(name)),
            ObjectId::Other { .. } => false,
        }
    }

    /// The routine with identity `name(args)`, if any.
    pub fn function(&self, name: &QualName, args: &str) -> Option<&Function> {
        self.functions.get(name)?.get(args)
    }

    /// Every routine, by name then identity arguments.
    pub fn all_functions(&self) -> impl Iterator<Item = &Function> {
        self.functions.values().flat_map(|m| m.values())
    }

    /// Objects the given object depends on (empty when unknown).
    pub fn dependencies_of(&self, id: &ObjectId) -> impl Iterator<Item = &ObjectId> {
        self.depends.get(id).into_iter().flatten()
    }
}

/// JSON maps need string keys: `depends` is written as a list of `[object, [deps...]]`.
mod depends_as_pairs {
    use super::ObjectId;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::{BTreeMap, BTreeSet};

    type Deps = BTreeMap<ObjectId, BTreeSet<ObjectId>>;

    pub fn serialize<S: Serializer>(deps: &Deps, s: S) -> Result<S::Ok, S::Error> {
        let pairs: Vec<(&ObjectId, &BTreeSet<ObjectId>)> = deps.iter().collect();
        pairs.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Deps, D::Error> {
        let pairs: Vec<(ObjectId, BTreeSet<ObjectId>)> = Vec::deserialize(d)?;
        Ok(pairs.into_iter().collect())
    }
}
