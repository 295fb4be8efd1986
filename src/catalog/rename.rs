//! Declared renames: a desired object naming the live object it replaces. Renames are never
//! guessed; only these make a plan rename instead of dropping and creating.

use super::Ident;
use serde::{Deserialize, Serialize};

/// What kind of object a [`RenameHint`] renames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RenameKind {
    /// `ALTER TABLE s.old RENAME TO new`
    Table,
    /// `ALTER TABLE t RENAME COLUMN old TO new`
    Column,
    /// `ALTER INDEX s.old RENAME TO new`
    Index,
    /// `ALTER TABLE t RENAME CONSTRAINT old TO new`
    Constraint,
    /// `ALTER TYPE s.old RENAME TO new` (enum, domain or composite type)
    Type,
    /// `ALTER TYPE t RENAME VALUE 'old' TO 'new'`
    EnumValue,
}

impl RenameKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RenameKind::Table => "table",
            RenameKind::Column => "column",
            RenameKind::Index => "index",
            RenameKind::Constraint => "constraint",
            RenameKind::Type => "type",
            RenameKind::EnumValue => "enum value",
        }
    }
}

/// One declared rename of a desired object: `-- schemadiff:renamed-from old` before its SQL
/// definition, or `renamed_from: old` in YAML. Names are identifier values (case-folded,
/// unquoted); an enum value is its label.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RenameHint {
    pub kind: RenameKind,
    /// Schema of the object (of its table for columns, indexes and constraints, of its type
    /// for enum values). None when the definition left it to the search path: the planner
    /// then finds the one desired object of that name.
    pub schema: Option<Ident>,
    /// The table of a column or constraint, the type of an enum value.
    pub parent: Option<Ident>,
    /// The desired (new) name or label.
    pub name: String,
    /// The live (old) name or label.
    pub from: String,
    /// Where the declaration is (`file:line:col`), for notes.
    pub location: String,
}
