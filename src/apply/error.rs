//! The errors of apply. Each says what was left committed and how to go on.

use std::time::Duration;

/// Why apply stopped.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ApplyError {
    #[error("the plan has hazards that were not allowed: {}", list.join("; "))]
    #[diagnostic(
        code(schemadiff::apply::hazards_not_allowed),
        help("review the steps, then allow them with --allow-hazards {kinds} (or all), or in the service's allow_hazards list in schemadiff.yaml; nothing was changed")
    )]
    HazardsNotAllowed { list: Vec<String>, kinds: String },

    #[error("another schemadiff apply holds the lock on this database (waited {} s)", waited.as_secs())]
    #[diagnostic(
        code(schemadiff::apply::locked),
        help("wait for the other apply to finish, then run again (or wait longer with --lock-wait); nothing was changed")
    )]
    Locked { waited: Duration },

    #[error("step {index} of {total} failed after {attempts} attempt(s): {reason}\n  SQL: {sql}")]
    #[diagnostic(
        code(schemadiff::apply::step_failed),
        help("{applied} of {total} steps were applied and committed; the failing step's transaction was rolled back. Fix the cause and run apply again: it plans from the database as it now is")
    )]
    Step {
        index: usize,
        total: usize,
        applied: usize,
        attempts: u32,
        sql: String,
        reason: String,
    },

    #[error(
        "step {index} of {total} failed on existing rows (data_dependent): {reason}\n  SQL: {sql}"
    )]
    #[diagnostic(
        code(schemadiff::apply::data_dependent),
        help("{applied} of {total} steps were applied and committed; the failing step was rolled back and not retried. Fix the offending rows (duplicates, NULLs, rows violating the check or without a referenced row), then run apply again")
    )]
    DataDependent {
        index: usize,
        total: usize,
        applied: usize,
        sql: String,
        reason: String,
    },

    #[error("step {index} of {total} built the index {index_name}, but PostgreSQL marks it INVALID\n  SQL: {sql}")]
    #[diagnostic(
        code(schemadiff::apply::invalid_index),
        help("{applied} of {total} steps were applied and committed; an INVALID index is not used by queries. Run apply again: it drops and rebuilds an INVALID index")
    )]
    InvalidIndex {
        index: usize,
        total: usize,
        applied: usize,
        index_name: String,
        sql: String,
    },

    #[error("lost the connection while applying: {0}")]
    #[diagnostic(
        code(schemadiff::apply::connection),
        help("steps committed before the loss stay applied; run apply again to finish")
    )]
    Connection(String),
}
