//! The closed list of drift codes: what a finding says differs, its kind and its category.

use serde::{Serialize, Serializer};

/// Which way a finding goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Declared, absent from the database.
    Missing,
    /// In the database, not declared.
    Unexpected,
    /// In both, different.
    Changed,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::Unexpected => "unexpected",
            Kind::Changed => "changed",
        }
    }
}

/// What area a finding is in; reports list `security` first, the others after it by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Who may do what: privileges, default privileges, ownership, row-level security and
    /// its policies, `SECURITY DEFINER`.
    Security,
    /// Schemas, extensions, types, sequences, tables, columns, constraints, partitions,
    /// hypertables.
    Structure,
    /// Indexes.
    Index,
    /// Views, materialized views, routines, triggers, event triggers.
    Code,
    /// Comments.
    Comment,
    /// Unchanged objects the fix drops and creates again because of another finding.
    Dependent,
    /// Reference data rows of the seed files.
    Data,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::Structure => "structure",
            Category::Index => "index",
            Category::Code => "code",
            Category::Comment => "comment",
            Category::Dependent => "dependent",
            Category::Data => "data",
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, $kind:ident, $cat:ident; )*) => {
        /// A stable machine code naming what a drift finding is about (`column.type_changed`,
        /// `privilege.granted_unexpected`, ...). Every code is documented in `docs/drift.md`;
        /// codes are only ever added.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in the order of `docs/drift.md`.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as written in reports.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }

            pub fn kind(self) -> Kind {
                match self { $(Code::$variant => Kind::$kind,)* }
            }

            pub fn category(self) -> Category {
                match self { $(Code::$variant => Category::$cat,)* }
            }
        }
    };
}

codes! {
    /// A declared privilege is not held (fixed with `GRANT`).
    PrivilegeRevoked = "privilege.revoked", Missing, Security;
    /// A privilege is held that is not declared (fixed with `REVOKE`).
    PrivilegeGrantedUnexpected = "privilege.granted_unexpected", Unexpected, Security;
    /// A declared default privilege is not set.
    DefaultPrivilegeRevoked = "default_privilege.revoked", Missing, Security;
    /// A default privilege is set that is not declared.
    DefaultPrivilegeGrantedUnexpected = "default_privilege.granted_unexpected", Unexpected, Security;
    /// The object has another owner than declared.
    OwnerChanged = "owner.changed", Changed, Security;
    /// Row-level security is declared enabled and is disabled.
    RlsDisabled = "rls.disabled", Changed, Security;
    /// Row-level security is enabled and is not declared.
    RlsEnabledUnexpected = "rls.enabled_unexpected", Changed, Security;
    /// `FORCE ROW LEVEL SECURITY` is declared and not set.
    RlsNotForced = "rls.not_forced", Changed, Security;
    /// `FORCE ROW LEVEL SECURITY` is set and not declared.
    RlsForcedUnexpected = "rls.forced_unexpected", Changed, Security;
    PolicyMissing = "policy.missing", Missing, Security;
    PolicyUnexpected = "policy.unexpected", Unexpected, Security;
    PolicyChanged = "policy.changed", Changed, Security;
    /// `SECURITY DEFINER` / `INVOKER`, or the `SET` options of a `SECURITY DEFINER` routine,
    /// differ.
    FunctionSecurityChanged = "function.security_changed", Changed, Security;

    SchemaMissing = "schema.missing", Missing, Structure;
    SchemaUnexpected = "schema.unexpected", Unexpected, Structure;
    SchemaChanged = "schema.changed", Changed, Structure;
    ExtensionMissing = "extension.missing", Missing, Structure;
    ExtensionUnexpected = "extension.unexpected", Unexpected, Structure;
    ExtensionChanged = "extension.changed", Changed, Structure;
    TypeMissing = "type.missing", Missing, Structure;
    TypeUnexpected = "type.unexpected", Unexpected, Structure;
    TypeChanged = "type.changed", Changed, Structure;
    SequenceMissing = "sequence.missing", Missing, Structure;
    SequenceUnexpected = "sequence.unexpected", Unexpected, Structure;
    SequenceChanged = "sequence.changed", Changed, Structure;
    TableMissing = "table.missing", Missing, Structure;
    TableUnexpected = "table.unexpected", Unexpected, Structure;
    /// Table-level properties: `UNLOGGED`, storage parameters, partitioning.
    TableChanged = "table.changed", Changed, Structure;
    ColumnMissing = "column.missing", Missing, Structure;
    ColumnUnexpected = "column.unexpected", Unexpected, Structure;
    /// The column has another type than declared.
    ColumnTypeChanged = "column.type_changed", Changed, Structure;
    /// `NOT NULL` is set and not declared, or declared and not set.
    ColumnNullabilityChanged = "column.nullability_changed", Changed, Structure;
    /// The default differs, is missing or is not declared.
    ColumnDefaultChanged = "column.default_changed", Changed, Structure;
    /// `GENERATED ... AS IDENTITY` or its sequence options differ.
    ColumnIdentityChanged = "column.identity_changed", Changed, Structure;
    /// The expression of a generated column differs (or the column is, or is not, generated).
    ColumnGeneratedChanged = "column.generated_changed", Changed, Structure;
    /// The collation differs.
    ColumnCollationChanged = "column.collation_changed", Changed, Structure;
    /// Any other difference of a column.
    ColumnChanged = "column.changed", Changed, Structure;
    ConstraintMissing = "constraint.missing", Missing, Structure;
    ConstraintUnexpected = "constraint.unexpected", Unexpected, Structure;
    ConstraintChanged = "constraint.changed", Changed, Structure;
    /// A partition attached to another parent or with other bounds than declared.
    PartitionChanged = "partition.changed", Changed, Structure;
    HypertableMissing = "hypertable.missing", Missing, Structure;
    HypertableUnexpected = "hypertable.unexpected", Unexpected, Structure;
    /// Dimensions, chunk interval or compression settings of a hypertable.
    HypertableChanged = "hypertable.changed", Changed, Structure;
    TimescalePolicyMissing = "timescale_policy.missing", Missing, Structure;
    TimescalePolicyUnexpected = "timescale_policy.unexpected", Unexpected, Structure;
    TimescalePolicyChanged = "timescale_policy.changed", Changed, Structure;
    /// The object has another name than declared (the desired file names the old one).
    ObjectRenamed = "object.renamed", Changed, Structure;
    OtherMissing = "other.missing", Missing, Structure;
    OtherUnexpected = "other.unexpected", Unexpected, Structure;
    OtherChanged = "other.changed", Changed, Structure;

    /// A row of a seed file is absent from its table (fixed with `INSERT`).
    ReferenceRowMissing = "reference_row.missing", Missing, Data;
    /// A row is in a `delete: true` seeded table and not in its seed file (fixed with `DELETE`).
    ReferenceRowUnexpected = "reference_row.unexpected", Unexpected, Data;
    /// A row of a seed file has other values in its table (fixed with `UPDATE`).
    ReferenceRowChanged = "reference_row.changed", Changed, Data;

    IndexMissing = "index.missing", Missing, Index;
    IndexUnexpected = "index.unexpected", Unexpected, Index;
    IndexChanged = "index.changed", Changed, Index;
    /// The index is as declared but INVALID (a failed concurrent build).
    IndexInvalid = "index.invalid", Changed, Index;

    ViewMissing = "view.missing", Missing, Code;
    ViewUnexpected = "view.unexpected", Unexpected, Code;
    ViewChanged = "view.changed", Changed, Code;
    MaterializedViewMissing = "materialized_view.missing", Missing, Code;
    MaterializedViewUnexpected = "materialized_view.unexpected", Unexpected, Code;
    MaterializedViewChanged = "materialized_view.changed", Changed, Code;
    FunctionMissing = "function.missing", Missing, Code;
    FunctionUnexpected = "function.unexpected", Unexpected, Code;
    /// Only the body differs.
    FunctionBodyChanged = "function.body_changed", Changed, Code;
    /// Result, language, volatility, strictness, parallel safety, cost or `SET` options.
    FunctionChanged = "function.changed", Changed, Code;
    TriggerMissing = "trigger.missing", Missing, Code;
    TriggerUnexpected = "trigger.unexpected", Unexpected, Code;
    TriggerChanged = "trigger.changed", Changed, Code;
    EventTriggerMissing = "event_trigger.missing", Missing, Code;
    EventTriggerUnexpected = "event_trigger.unexpected", Unexpected, Code;
    EventTriggerChanged = "event_trigger.changed", Changed, Code;

    /// A comment differs, is missing or is not declared.
    CommentChanged = "comment.changed", Changed, Comment;

    /// An object equal on both sides that the fix drops and creates again, because of another
    /// finding (a view over a column whose type changed).
    ObjectRebuilt = "object.rebuilt", Changed, Dependent;
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The codes of one object kind, by kind of finding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Family {
    pub missing: Code,
    pub unexpected: Code,
    pub changed: Code,
}

impl Family {
    pub fn of(self, kind: Kind) -> Code {
        match kind {
            Kind::Missing => self.missing,
            Kind::Unexpected => self.unexpected,
            Kind::Changed => self.changed,
        }
    }
}

macro_rules! family {
    ($name:ident: $m:ident, $u:ident, $c:ident) => {
        pub(crate) const $name: Family = Family {
            missing: Code::$m,
            unexpected: Code::$u,
            changed: Code::$c,
        };
    };
}

family!(SCHEMA: SchemaMissing, SchemaUnexpected, SchemaChanged);
family!(EXTENSION: ExtensionMissing, ExtensionUnexpected, ExtensionChanged);
family!(TYPE: TypeMissing, TypeUnexpected, TypeChanged);
family!(SEQUENCE: SequenceMissing, SequenceUnexpected, SequenceChanged);
family!(TABLE: TableMissing, TableUnexpected, TableChanged);
family!(COLUMN: ColumnMissing, ColumnUnexpected, ColumnChanged);
family!(CONSTRAINT: ConstraintMissing, ConstraintUnexpected, ConstraintChanged);
family!(INDEX: IndexMissing, IndexUnexpected, IndexChanged);
family!(VIEW: ViewMissing, ViewUnexpected, ViewChanged);
family!(MATVIEW: MaterializedViewMissing, MaterializedViewUnexpected, MaterializedViewChanged);
family!(FUNCTION: FunctionMissing, FunctionUnexpected, FunctionChanged);
family!(TRIGGER: TriggerMissing, TriggerUnexpected, TriggerChanged);
family!(EVENT_TRIGGER: EventTriggerMissing, EventTriggerUnexpected, EventTriggerChanged);
family!(POLICY: PolicyMissing, PolicyUnexpected, PolicyChanged);
family!(HYPERTABLE: HypertableMissing, HypertableUnexpected, HypertableChanged);
family!(TIMESCALE_POLICY: TimescalePolicyMissing, TimescalePolicyUnexpected, TimescalePolicyChanged);
family!(PARTITION: PartitionChanged, PartitionChanged, PartitionChanged);
family!(OTHER: OtherMissing, OtherUnexpected, OtherChanged);
