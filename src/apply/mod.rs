//! Executing a plan against a database.
//!
//! Apply takes a per-database advisory lock without blocking (it polls, so two applies never
//! queue behind each other or behind a concurrent index build), sets `lock_timeout` and
//! `statement_timeout` for its session, runs consecutive transactional steps in one
//! transaction and every other step alone, and retries a group that hit its lock timeout
//! with exponential backoff and jitter.

use crate::conn::describe_error;
use crate::plan::{Hazard, Plan, Step};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use tokio_postgres::Client;

/// How long to wait for a lock before giving up on one attempt of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockTimeout(pub Duration);

/// How long one statement may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementTimeout(pub Duration);

/// What apply is allowed to do and how patiently.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Hazard kinds approved for this run.
    pub allowed: BTreeSet<Hazard>,
    pub lock_timeout: LockTimeout,
    pub statement_timeout: StatementTimeout,
    /// Attempts per step group when the lock timeout is hit (1 = no retry).
    pub lock_attempts: u32,
    /// How long to poll for the per-database advisory lock.
    pub advisory_wait: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            allowed: BTreeSet::new(),
            lock_timeout: LockTimeout(Duration::from_secs(3)),
            statement_timeout: StatementTimeout(Duration::from_secs(600)),
            lock_attempts: 5,
            advisory_wait: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ApplyError {
    #[error("the plan has hazards that were not allowed: {}", list.join("; "))]
    #[diagnostic(
        code(schemadiff::apply::hazards_not_allowed),
        help("review the steps, then allow them with --allow-hazards {kinds} (or --allow-hazards all); nothing was changed")
    )]
    HazardsNotAllowed { list: Vec<String>, kinds: String },

    #[error("another schemadiff apply holds the lock on this database")]
    #[diagnostic(
        code(schemadiff::apply::locked),
        help("wait for the other apply to finish, then run again; nothing was changed")
    )]
    Locked,

    #[error("step {index} of {total} failed: {reason}\n  SQL: {sql}")]
    #[diagnostic(
        code(schemadiff::apply::step_failed),
        help("{applied} of {total} steps were applied and committed; fix the cause and run apply again: it plans from the database as it now is")
    )]
    Step {
        index: usize,
        total: usize,
        applied: usize,
        sql: String,
        reason: String,
    },

    #[error("lost the connection while applying: {0}")]
    #[diagnostic(code(schemadiff::apply::connection))]
    Connection(String),
}

/// What happened to one step.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepReport {
    /// 1-based position in the plan.
    pub index: usize,
    pub elapsed: Duration,
    pub attempts: u32,
}

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
    StepDone {
        index: usize,
        total: usize,
        step: &'a Step,
        elapsed: Duration,
    },
    Retrying {
        index: usize,
        attempt: u32,
        wait: Duration,
        reason: String,
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

/// Run `plan` on the database behind `client`. Hazards must have been checked.
pub async fn apply(
    client: &Client,
    plan: &Plan,
    opts: &ApplyOptions,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<ApplyReport, ApplyError> {
    check_hazards(plan, &opts.allowed)?;
    let started = Instant::now();
    let total = plan.steps.len();
    acquire_advisory_lock(client, opts.advisory_wait).await?;
    let result = run_steps(client, plan, opts, progress).await;
    // Released with the session anyway; unlock explicitly for pooled or reused clients.
    let _ = client
        .execute(
            "SELECT pg_advisory_unlock(hashtext('schemadiff:' || current_database()))",
            &[],
        )
        .await;
    let mut report = result?;
    report.elapsed = started.elapsed();
    debug_assert_eq!(report.applied, total);
    Ok(report)
}

async fn run_steps(
    client: &Client,
    plan: &Plan,
    opts: &ApplyOptions,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<ApplyReport, ApplyError> {
    let total = plan.steps.len();
    progress(Progress::Started { total });
    client
        .batch_execute(&format!(
            "SET lock_timeout = {}; SET statement_timeout = {}",
            opts.lock_timeout.0.as_millis(),
            opts.statement_timeout.0.as_millis()
        ))
        .await
        .map_err(|e| ApplyError::Connection(describe_error(&e)))?;

    let mut report = ApplyReport::default();
    for group in groups(&plan.steps) {
        let mut attempt = 1;
        loop {
            let t0 = Instant::now();
            match run_group(client, &plan.steps, &group).await {
                Ok(()) => {
                    let elapsed = t0.elapsed();
                    for &i in &group {
                        report.steps.push(StepReport {
                            index: i + 1,
                            elapsed: elapsed / group.len() as u32,
                            attempts: attempt,
                        });
                        report.applied += 1;
                        progress(Progress::StepDone {
                            index: i + 1,
                            total,
                            step: &plan.steps[i],
                            elapsed: elapsed / group.len() as u32,
                        });
                    }
                    break;
                }
                Err((failed, err)) => {
                    let lock_timeout = err
                        .as_db_error()
                        .is_some_and(|db| db.code().code() == "55P03");
                    if lock_timeout && attempt < opts.lock_attempts {
                        let wait = backoff(attempt);
                        progress(Progress::Retrying {
                            index: failed + 1,
                            attempt,
                            wait,
                            reason: describe_error(&err),
                        });
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                    if err.is_closed() {
                        return Err(ApplyError::Connection(describe_error(&err)));
                    }
                    return Err(ApplyError::Step {
                        index: failed + 1,
                        total,
                        applied: report.applied,
                        sql: plan.steps[failed].sql.clone(),
                        reason: describe_error(&err),
                    });
                }
            }
        }
    }
    Ok(report)
}

/// Consecutive steps that may share a transaction form one group; a step marked `alone`
/// (every non-transactional step is) is a group of its own.
fn groups(steps: &[Step]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let extend = !s.alone
            && out
                .last()
                .and_then(|g| g.last())
                .is_some_and(|&j| !steps[j].alone);
        if extend {
            out.last_mut().expect("non-empty").push(i);
        } else {
            out.push(vec![i]);
        }
    }
    out
}

/// Run one group; on failure return the index of the failing step.
async fn run_group(
    client: &Client,
    steps: &[Step],
    group: &[usize],
) -> Result<(), (usize, tokio_postgres::Error)> {
    let first = group[0];
    if !steps[first].transactional {
        return client
            .batch_execute(&steps[first].sql)
            .await
            .map_err(|e| (first, e));
    }
    client
        .batch_execute("BEGIN")
        .await
        .map_err(|e| (first, e))?;
    for &i in group {
        if let Err(e) = client.batch_execute(&steps[i].sql).await {
            let _ = client.batch_execute("ROLLBACK").await;
            return Err((i, e));
        }
    }
    client
        .batch_execute("COMMIT")
        .await
        .map_err(|e| (*group.last().expect("non-empty"), e))
}

/// 200 ms, 400 ms, 800 ms, … capped at 10 s, with up to 50% random jitter.
fn backoff(attempt: u32) -> Duration {
    let base = 200u64.saturating_mul(1 << attempt.min(6)).min(10_000);
    let jitter = rand::random_range(0..=base / 2);
    Duration::from_millis(base / 2 + jitter)
}

async fn acquire_advisory_lock(client: &Client, wait: Duration) -> Result<(), ApplyError> {
    let deadline = Instant::now() + wait;
    loop {
        let row = client
            .query_one(
                "SELECT pg_try_advisory_lock(hashtext('schemadiff:' || current_database()))",
                &[],
            )
            .await
            .map_err(|e| ApplyError::Connection(describe_error(&e)))?;
        if row.get::<_, bool>(0) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(ApplyError::Locked);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[cfg(test)]
mod tests {
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
            budget: crate::plan::Budget::Metadata,
            hazards,
        }
    }

    #[test]
    fn groups_split_at_non_transactional_steps() {
        let steps = vec![
            step("a", true, vec![]),
            step("b", true, vec![]),
            step("c", false, vec![]),
            step("d", false, vec![]),
            step("e", true, vec![]),
        ];
        assert_eq!(groups(&steps), vec![vec![0, 1], vec![2], vec![3], vec![4]]);
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
}
