//! Hazards: the closed, documented set of risks a step can carry. `apply` refuses any
//! hazard the user did not allow.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A kind of risk. Each variant's doc says what it means, why it matters, and how to avoid
/// it; the same text is in the README's hazard table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hazard {
    /// Rows, columns or sequence state are destroyed irreversibly (DROP TABLE, DROP
    /// COLUMN, a narrowing type change). Back up or migrate the data first.
    DataLoss,
    /// The table and all its indexes are rewritten under ACCESS EXCLUSIVE: reads and writes
    /// stop for O(table) time and disk use can double.
    TableRewrite,
    /// The statement takes ACCESS EXCLUSIVE on an existing table: it queues every other
    /// query behind it while it waits, so it needs a short lock_timeout.
    AccessExclusiveLock,
    /// An index is built on an existing table: O(table) CPU and IO; a non-concurrent build
    /// blocks writes for its whole duration.
    IndexBuild,
    /// A constraint is proved by reading the whole table.
    ValidationScan,
    /// The change can break the application version that is running now (a dropped or
    /// renamed object, a tighter constraint, a type change).
    BackwardIncompatible,
    /// The statement cannot run in a transaction block; a failure can leave partial state
    /// (an INVALID index) that the next apply repairs.
    NonTransactional,
    /// A table becomes a TimescaleDB hypertable (`migrate_data` moves every row).
    HypertableConversion,
    /// Privileges are revoked: clients may lose access in production.
    PrivilegeRevoke,
    /// Existing rows may make the statement fail (NULLs under SET NOT NULL, duplicates
    /// under UNIQUE, values that do not cast).
    DataDependent,
    /// A materialized view is dropped and created again: its rows are computed again from
    /// its query (O(query) time, readers wait for the plan's transaction), or, declared
    /// `WITH NO DATA`, it cannot be read until the next `REFRESH MATERIALIZED VIEW`.
    MaterializedViewRecompute,
}

impl Hazard {
    pub const ALL: [Hazard; 11] = [
        Hazard::DataLoss,
        Hazard::TableRewrite,
        Hazard::AccessExclusiveLock,
        Hazard::IndexBuild,
        Hazard::ValidationScan,
        Hazard::BackwardIncompatible,
        Hazard::NonTransactional,
        Hazard::HypertableConversion,
        Hazard::PrivilegeRevoke,
        Hazard::DataDependent,
        Hazard::MaterializedViewRecompute,
    ];

    /// The stable id used on the command line, in JSON and in config files.
    pub fn as_str(self) -> &'static str {
        match self {
            Hazard::DataLoss => "data_loss",
            Hazard::TableRewrite => "table_rewrite",
            Hazard::AccessExclusiveLock => "access_exclusive_lock",
            Hazard::IndexBuild => "index_build",
            Hazard::ValidationScan => "validation_scan",
            Hazard::BackwardIncompatible => "backward_incompatible",
            Hazard::NonTransactional => "non_transactional",
            Hazard::HypertableConversion => "hypertable_conversion",
            Hazard::PrivilegeRevoke => "privilege_revoke",
            Hazard::DataDependent => "data_dependent",
            Hazard::MaterializedViewRecompute => "materialized_view_recompute",
        }
    }

    /// One line for help texts and the README.
    pub fn description(self) -> &'static str {
        match self {
            Hazard::DataLoss => "destroys data irreversibly",
            Hazard::TableRewrite => "rewrites the table and its indexes under an exclusive lock",
            Hazard::AccessExclusiveLock => "takes ACCESS EXCLUSIVE on an existing table",
            Hazard::IndexBuild => "builds an index over existing rows",
            Hazard::ValidationScan => "reads the whole table to validate a constraint",
            Hazard::BackwardIncompatible => "can break the application version running now",
            Hazard::NonTransactional => {
                "runs outside a transaction; a failure leaves partial state"
            }
            Hazard::HypertableConversion => "converts a table into a hypertable, moving its rows",
            Hazard::PrivilegeRevoke => "revokes privileges",
            Hazard::DataDependent => "may fail depending on the rows present",
            Hazard::MaterializedViewRecompute => {
                "recreates a materialized view: its rows are computed again"
            }
        }
    }
}

impl fmt::Display for Hazard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Hazard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        Hazard::ALL
            .into_iter()
            .find(|h| h.as_str() == norm)
            .ok_or_else(|| {
                let known: Vec<&str> = Hazard::ALL.iter().map(|h| h.as_str()).collect();
                format!("unknown hazard `{s}` (known: {})", known.join(", "))
            })
    }
}

/// A hazard on one step, with the reason it applies there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HazardNote {
    pub kind: Hazard,
    pub reason: String,
}

impl HazardNote {
    pub fn new(kind: Hazard, reason: impl Into<String>) -> Self {
        HazardNote {
            kind,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for h in Hazard::ALL {
            assert_eq!(h.as_str().parse::<Hazard>().unwrap(), h);
            assert_eq!(
                serde_json::to_string(&h).unwrap(),
                format!("\"{}\"", h.as_str())
            );
        }
        assert_eq!("Data-Loss".parse::<Hazard>().unwrap(), Hazard::DataLoss);
        assert!("nope".parse::<Hazard>().unwrap_err().contains("data_loss"));
    }
}
