//! The plan: ordered steps, each with its SQL, the object it touches, why it is there,
//! whether it can run in a transaction, and its hazards.

mod build;
mod column;
mod constraint;
mod default_acl;
mod deps;
mod enum_rebuild;
pub mod hazard;
mod index;
mod online;
mod partition;
mod partition_bound;
mod partition_steps;
mod policy;
mod privilege;
mod rebuild;
mod rename;
mod rename_catalog;
mod rename_text;
mod routine;
mod routine_deps;
mod schema;
mod security;
mod sequence;
mod sql;
mod table;
#[cfg(test)]
mod testkit;
pub(crate) mod text;
mod timescale;
mod timescale_cagg;
mod timescale_index;
mod timescale_policy;
mod trigger;
mod typechange;
mod types;
mod view;

pub use build::{build, PlanError, PlanOptions};
pub use hazard::{Hazard, HazardNote};
pub use timescale_policy::policy_of;

use crate::catalog::{ObjectId, Unmanaged};
use serde::{Deserialize, Serialize};

/// Version of the JSON plan format (`plan --format json`, `plan --out`). Bumped on any
/// incompatible change; documented in `docs/plan-format.md`.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// An ordered, reviewable list of DDL steps that turns one catalog into another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub tool_version: String,
    /// Fingerprint of the live catalog the plan was computed against. `apply --plan`
    /// refuses to run when the live schema no longer has this fingerprint.
    pub source_fingerprint: String,
    /// Fingerprint of the desired catalog.
    pub target_fingerprint: String,
    pub steps: Vec<Step>,
    /// Objects in the managed schemas of kinds schemadiff does not model yet.
    pub unmanaged: Vec<Unmanaged>,
    /// Remarks that are not steps: declared renames that planned nothing, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Every hazard kind present in the plan, sorted and unique.
    pub fn hazard_kinds(&self) -> Vec<Hazard> {
        let mut kinds: Vec<Hazard> = self
            .steps
            .iter()
            .flat_map(|s| s.hazards.iter().map(|h| h.kind))
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

/// What a step does to its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Drop,
    Alter,
    Rename,
    Comment,
    /// A reference data row to add (`INSERT`), from the seed files (`crate::seeds`).
    Insert,
    /// A reference data row whose columns differ (`UPDATE`).
    Update,
    /// A reference data row not in a `delete: true` seed file (`DELETE`).
    Delete,
}

impl Action {
    /// True for the reference data actions (`insert`, `update`, `delete`).
    pub fn is_data(self) -> bool {
        matches!(self, Action::Insert | Action::Update | Action::Delete)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Drop => "drop",
            Action::Alter => "alter",
            Action::Rename => "rename",
            Action::Comment => "comment",
            Action::Insert => "insert",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

/// One DDL statement of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// One SQL statement, without a trailing semicolon.
    pub sql: String,
    pub object: ObjectId,
    pub action: Action,
    /// The difference this step resolves, in a short sentence.
    pub reason: String,
    /// False for statements PostgreSQL refuses inside a transaction block
    /// (`CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX ... CONCURRENTLY`).
    pub transactional: bool,
    /// True when the step must not share a transaction with other steps: it commits before
    /// the next step starts (`ADD ... NOT VALID` before its `VALIDATE`, an enum label before
    /// its first use, a scan or a build that would hold every other step's locks). A
    /// non-transactional step is always alone.
    #[serde(default)]
    pub alone: bool,
    /// Which timeout budget apply gives the step.
    #[serde(default)]
    pub budget: Budget,
    pub hazards: Vec<HazardNote>,
}

/// The timeout budget of a step. Metadata steps wait briefly for their locks (a waiting
/// ACCESS EXCLUSIVE request queues every later query); validations and concurrent builds
/// take only SHARE UPDATE EXCLUSIVE, so DML continues while they wait and run, and a short
/// timeout would only cancel them (a cancelled concurrent build leaves an INVALID index).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Budget {
    /// Catalog changes that should take milliseconds: the short lock and statement timeouts.
    #[default]
    Metadata,
    /// `VALIDATE CONSTRAINT`: a full read of the table under SHARE UPDATE EXCLUSIVE.
    Validation,
    /// `CREATE/DROP INDEX CONCURRENTLY`, `REINDEX ... CONCURRENTLY`.
    Concurrent,
}

impl Budget {
    pub fn as_str(self) -> &'static str {
        match self {
            Budget::Metadata => "metadata",
            Budget::Validation => "validation",
            Budget::Concurrent => "concurrent",
        }
    }
}
