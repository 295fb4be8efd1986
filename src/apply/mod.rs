//! Executing a plan against a database.
//!
//! Apply works on one connection ([`Session`]): it names itself `schemadiff`, takes a
//! per-database advisory lock without blocking (it polls, so two applies never queue behind
//! each other or behind a concurrent index build), and gives each step the timeouts of its
//! class ([`Budgets`]), set only when they change. Consecutive transactional steps share a
//! transaction; every other step runs alone. A lock timeout or a deadlock rolls the group
//! back and retries it with exponential backoff and jitter; an error caused by the rows
//! (duplicates, NULLs, violated checks, orphans) is reported as `data_dependent` and never
//! retried. A concurrent index build is made re-runnable: its INVALID leftover is dropped
//! before a retry, and a build that returns is checked in `pg_index`.

mod concurrent;
mod error;
mod run;
mod session;

pub use error::ApplyError;
pub use session::Session;

use crate::plan::{Budget, Hazard, Plan, Step};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio_postgres::Client;

/// `lock_timeout` and `statement_timeout` for one class of steps; zero means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Timeouts {
    /// How long one attempt waits for each lock it needs.
    pub lock: Duration,
    /// How long one statement may run, lock waits included.
    pub statement: Duration,
}

/// The timeouts of each step class ([`Budget`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Budgets {
    /// Catalog changes: a waiting ACCESS EXCLUSIVE request queues every later query, so the
    /// lock wait is short (3 s) and the statement should take milliseconds (10 min cap).
    pub metadata: Timeouts,
    /// `VALIDATE CONSTRAINT`: waits only behind DDL and VACUUM (3 s), then reads the whole
    /// table while DML goes on (no statement limit).
    pub validation: Timeouts,
    /// `CREATE/DROP INDEX CONCURRENTLY`: waits for every older transaction, and a short lock
    /// timeout would cancel the build and leave an INVALID index (30 min; no statement limit).
    pub concurrent: Timeouts,
}

impl Budgets {
    pub fn get(&self, budget: Budget) -> Timeouts {
        match budget {
            Budget::Metadata => self.metadata,
            Budget::Validation => self.validation,
            Budget::Concurrent => self.concurrent,
        }
    }
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            metadata: Timeouts {
                lock: Duration::from_secs(3),
                statement: Duration::from_secs(600),
            },
            validation: Timeouts {
                lock: Duration::from_secs(3),
                statement: Duration::ZERO,
            },
            concurrent: Timeouts {
                lock: Duration::from_secs(1800),
                statement: Duration::ZERO,
            },
        }
    }
}

/// What apply is allowed to do and how patiently.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Hazard kinds approved for this run.
    pub allowed: BTreeSet<Hazard>,
    /// Timeouts per step class.
    pub budgets: Budgets,
    /// Attempts per step group when it hits a lock timeout or a deadlock (1 = no retry).
    pub lock_attempts: u32,
    /// How long to poll for the per-database advisory lock held by another apply.
    pub advisory_wait: Duration,
    /// `idle_in_transaction_session_timeout` of the apply session.
    pub idle_in_transaction: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            allowed: BTreeSet::new(),
            budgets: Budgets::default(),
            lock_attempts: 5,
            advisory_wait: Duration::from_secs(60),
            idle_in_transaction: Duration::from_secs(60),
        }
    }
}

/// What happened to one step.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepReport {
    /// 1-based position in the plan.
    pub index: usize,
    /// Time of the successful attempt (the statement, plus COMMIT for a group's last step).
    pub elapsed: Duration,
    pub attempts: u32,
}

/// What an apply did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ApplyReport {
    pub applied: usize,
    pub steps: Vec<StepReport>,
    pub elapsed: Duration,
}

/// Progress events, for a terminal bar or plain log lines.
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    Started {
        total: usize,
    },
    /// An attempt at the group of steps `index..=last` begins.
    Running {
        index: usize,
        last: usize,
        total: usize,
        step: &'a Step,
        attempt: u32,
    },
    StepDone {
        index: usize,
        total: usize,
        step: &'a Step,
        elapsed: Duration,
        attempts: u32,
    },
    /// Step `index` failed with a lock timeout or a deadlock and is tried again after `wait`.
    Retrying {
        index: usize,
        attempt: u32,
        wait: Duration,
        reason: String,
    },
    /// The INVALID index a failed concurrent build left was dropped.
    Cleaned {
        index: usize,
        index_name: String,
    },
}

/// The hazards of a plan not covered by `allowed`, one line each (`step 3: data_loss: …`).
pub fn unapproved_hazards(plan: &Plan, allowed: &BTreeSet<Hazard>) -> Vec<(Hazard, String)> {
    let mut out = Vec::new();
    for (i, step) in plan.steps.iter().enumerate() {
        for h in &step.hazards {
            if !allowed.contains(&h.kind) {
                out.push((h.kind, format!("step {}: {}: {}", i + 1, h.kind, h.reason)));
            }
        }
    }
    out
}

/// Refuse a plan whose hazards are not all allowed.
pub fn check_hazards(plan: &Plan, allowed: &BTreeSet<Hazard>) -> Result<(), ApplyError> {
    let missing = unapproved_hazards(plan, allowed);
    if missing.is_empty() {
        return Ok(());
    }
    let kinds: BTreeSet<Hazard> = missing.iter().map(|(k, _)| *k).collect();
    Err(ApplyError::HazardsNotAllowed {
        list: missing.into_iter().map(|(_, l)| l).collect(),
        kinds: kinds
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(","),
    })
}

/// Run `plan` on the database behind `client`: check its hazards, open a [`Session`] (the
/// advisory lock), run the steps, release the lock.
pub async fn apply(
    client: &Client,
    plan: &Plan,
    opts: &ApplyOptions,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<ApplyReport, ApplyError> {
    check_hazards(plan, &opts.allowed)?;
    let mut session = Session::open(client, opts).await?;
    let result = session.run(plan, opts, progress).await;
    session.close().await;
    result
}

#[cfg(test)]
mod tests {
    use super::run::{backoff, classify_code, groups, Failure};
    use super::*;
    use crate::catalog::{Ident, ObjectId};
    use crate::plan::{Action, HazardNote};

    fn step(sql: &str, tx: bool, hazards: Vec<HazardNote>) -> Step {
        Step {
            sql: sql.into(),
            object: ObjectId::Schema {
                name: Ident::new("s"),
            },
            action: Action::Create,
            reason: "test".into(),
            transactional: tx,
            alone: !tx,
            budget: Budget::Metadata,
            hazards,
        }
    }

    #[test]
    fn groups_split_at_steps_that_run_alone() {
        let mut alone = step("v", true, vec![]);
        alone.alone = true;
        let steps = vec![
            step("a", true, vec![]),
            step("b", true, vec![]),
            step("c", false, vec![]),
            step("d", false, vec![]),
            step("e", true, vec![]),
            alone,
            step("f", true, vec![]),
        ];
        assert_eq!(
            groups(&steps),
            vec![vec![0, 1], vec![2], vec![3], vec![4], vec![5], vec![6]]
        );
    }

    #[test]
    fn hazards_must_be_allowed() {
        let plan = Plan {
            format_version: 1,
            tool_version: "t".into(),
            source_fingerprint: String::new(),
            target_fingerprint: String::new(),
            steps: vec![step(
                "DROP TABLE t",
                true,
                vec![HazardNote::new(Hazard::DataLoss, "drops table t")],
            )],
            unmanaged: vec![],
            notes: vec![],
        };
        let err = check_hazards(&plan, &BTreeSet::new()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("step 1: data_loss: drops table t"), "{text}");
        assert!(check_hazards(&plan, &BTreeSet::from([Hazard::DataLoss])).is_ok());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 1..20 {
            let d = backoff(attempt);
            assert!(d <= Duration::from_secs(10), "{d:?}");
            assert!(d >= Duration::from_millis(200), "{d:?}");
        }
    }

    #[test]
    fn budgets_by_class() {
        let b = Budgets::default();
        assert_eq!(b.get(Budget::Metadata).lock, Duration::from_secs(3));
        assert_eq!(b.get(Budget::Validation).statement, Duration::ZERO);
        assert!(b.get(Budget::Concurrent).lock >= Duration::from_secs(600));
    }

    #[test]
    fn lock_waits_retry_data_errors_do_not() {
        assert_eq!(classify_code("55P03"), Failure::Retry);
        assert_eq!(classify_code("40P01"), Failure::Retry);
        for data in ["23505", "23502", "23514", "23503", "22001", "22P02"] {
            assert_eq!(classify_code(data), Failure::Data, "{data}");
        }
        assert_eq!(classify_code("57014"), Failure::Other);
        assert_eq!(classify_code("42P07"), Failure::Other);
    }
}
