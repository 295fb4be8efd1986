//! Running the steps: groups, one transaction each; retries of lock timeouts and deadlocks;
//! data errors reported, never retried; concurrent builds cleaned up and checked.

use super::concurrent;
use super::session::Session;
use super::{ApplyError, ApplyOptions, ApplyReport, Progress, StepReport};
use crate::conn::describe_error;
use crate::plan::{Plan, Step};
use std::time::{Duration, Instant};

/// What to do about a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failure {
    /// Lock timeout (55P03) or deadlock (40P01): roll back and try the group again.
    Retry,
    /// The rows in the table refuse the change (classes 22 and 23): never retried.
    Data,
    Other,
}

pub(super) fn classify(e: &tokio_postgres::Error) -> Failure {
    e.as_db_error()
        .map_or(Failure::Other, |db| classify_code(db.code().code()))
}

pub(super) fn classify_code(code: &str) -> Failure {
    match code {
        "55P03" | "40P01" => Failure::Retry,
        _ if code.starts_with("23") || code.starts_with("22") => Failure::Data,
        _ => Failure::Other,
    }
}

/// One failed attempt: the step that failed, and why.
struct Failed {
    at: usize,
    cause: Cause,
}

enum Cause {
    Sql(tokio_postgres::Error),
    Invalid(String),
}

impl Session<'_> {
    /// Run every step of `plan`. Hazards must have been checked.
    pub async fn run(
        &mut self,
        plan: &Plan,
        opts: &ApplyOptions,
        progress: &mut (dyn FnMut(Progress<'_>) + Send),
    ) -> Result<ApplyReport, ApplyError> {
        let started = Instant::now();
        let total = plan.steps.len();
        progress(Progress::Started { total });
        let mut report = ApplyReport::default();
        for group in groups(&plan.steps) {
            let mut attempt = 1;
            loop {
                progress(Progress::Running {
                    index: group[0] + 1,
                    last: group[group.len() - 1] + 1,
                    total,
                    step: &plan.steps[group[0]],
                    attempt,
                });
                let mut result = Ok(Vec::new());
                if attempt > 1 {
                    result = self.drop_leftover(plan, group[0], opts, progress).await;
                }
                if result.is_ok() {
                    result = self.run_group(&plan.steps, &group, opts).await;
                }
                let err = match result {
                    Ok(times) => {
                        for (&i, elapsed) in group.iter().zip(times) {
                            report.steps.push(StepReport {
                                index: i + 1,
                                elapsed,
                                attempts: attempt,
                            });
                            report.applied += 1;
                            progress(Progress::StepDone {
                                index: i + 1,
                                total,
                                step: &plan.steps[i],
                                elapsed,
                                attempts: attempt,
                            });
                        }
                        break;
                    }
                    Err(e) => e,
                };
                let step = &plan.steps[err.at];
                let index = err.at + 1;
                let sql_err = match err.cause {
                    Cause::Invalid(index_name) => {
                        return Err(ApplyError::InvalidIndex {
                            index,
                            total,
                            applied: report.applied,
                            index_name,
                            sql: step.sql.clone(),
                        })
                    }
                    Cause::Sql(e) => e,
                };
                if sql_err.is_closed() {
                    return Err(ApplyError::Connection(describe_error(&sql_err)));
                }
                let failure = classify(&sql_err);
                if failure == Failure::Retry && attempt < opts.lock_attempts {
                    let wait = backoff(attempt);
                    progress(Progress::Retrying {
                        index,
                        attempt,
                        wait,
                        reason: describe_error(&sql_err),
                    });
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                    continue;
                }
                if let Some(name) = concurrent::built_index(step) {
                    // A unique leftover would keep rejecting writes: do not leave it behind.
                    if let Ok(true) = concurrent::drop_invalid(self.client, &name).await {
                        progress(Progress::Cleaned {
                            index,
                            index_name: name,
                        });
                    }
                }
                let reason = describe_error(&sql_err);
                let sql = step.sql.clone();
                let applied = report.applied;
                return Err(if failure == Failure::Data {
                    ApplyError::DataDependent {
                        index,
                        total,
                        applied,
                        sql,
                        reason,
                    }
                } else {
                    ApplyError::Step {
                        index,
                        total,
                        applied,
                        attempts: attempt,
                        sql,
                        reason,
                    }
                });
            }
        }
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Before another attempt at a concurrent build, drop the INVALID index an earlier
    /// attempt left under its name (`DROP INDEX CONCURRENTLY IF EXISTS`, under the step's
    /// budget).
    async fn drop_leftover(
        &mut self,
        plan: &Plan,
        at: usize,
        opts: &ApplyOptions,
        progress: &mut (dyn FnMut(Progress<'_>) + Send),
    ) -> Result<Vec<Duration>, Failed> {
        let step = &plan.steps[at];
        let Some(name) = concurrent::built_index(step) else {
            return Ok(Vec::new());
        };
        let failed = |e| Failed {
            at,
            cause: Cause::Sql(e),
        };
        self.set_timeouts(opts.budgets.get(step.budget))
            .await
            .map_err(failed)?;
        if concurrent::drop_invalid(self.client, &name)
            .await
            .map_err(failed)?
        {
            progress(Progress::Cleaned {
                index: at + 1,
                index_name: name,
            });
        }
        Ok(Vec::new())
    }

    /// Run one group under its budget; return each step's time, or the failing step.
    async fn run_group(
        &mut self,
        steps: &[Step],
        group: &[usize],
        opts: &ApplyOptions,
    ) -> Result<Vec<Duration>, Failed> {
        let first = group[0];
        let budget = group
            .iter()
            .map(|&i| steps[i].budget)
            .max()
            .expect("non-empty");
        let sql_failed = |at: usize| {
            move |e| Failed {
                at,
                cause: Cause::Sql(e),
            }
        };
        self.set_timeouts(opts.budgets.get(budget))
            .await
            .map_err(sql_failed(first))?;
        if !steps[first].transactional {
            let step = &steps[first];
            let built = concurrent::built_index(step);
            let t0 = Instant::now();
            self.client
                .batch_execute(&step.sql)
                .await
                .map_err(sql_failed(first))?;
            if let Some(name) = built {
                let valid = concurrent::index_valid(self.client, &name)
                    .await
                    .map_err(sql_failed(first))?;
                if valid != Some(true) {
                    return Err(Failed {
                        at: first,
                        cause: Cause::Invalid(name),
                    });
                }
            }
            return Ok(vec![t0.elapsed()]);
        }
        self.client
            .batch_execute("BEGIN")
            .await
            .map_err(sql_failed(first))?;
        let mut times = Vec::with_capacity(group.len());
        for &i in group {
            let t0 = Instant::now();
            if let Err(e) = self.client.batch_execute(&steps[i].sql).await {
                let _ = self.client.batch_execute("ROLLBACK").await;
                return Err(sql_failed(i)(e));
            }
            times.push(t0.elapsed());
        }
        let last = *group.last().expect("non-empty");
        let t0 = Instant::now();
        self.client
            .batch_execute("COMMIT")
            .await
            .map_err(sql_failed(last))?;
        *times.last_mut().expect("non-empty") += t0.elapsed();
        Ok(times)
    }
}

/// Consecutive steps that may share a transaction form one group; a step marked `alone`
/// (every non-transactional step is) is a group of its own.
pub(super) fn groups(steps: &[Step]) -> Vec<Vec<usize>> {
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

/// 200 ms, 400 ms, 800 ms, … capped at 10 s, with up to 50% random jitter.
pub(super) fn backoff(attempt: u32) -> Duration {
    let base = 200u64.saturating_mul(1 << attempt.min(6)).min(10_000);
    let jitter = rand::random_range(0..=base / 2);
    Duration::from_millis(base / 2 + jitter)
}
