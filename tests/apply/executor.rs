//! The executor through the library: lock waits, retries, rollback of a group, timeout
//! budgets, and concurrent index builds made re-runnable.

use super::common::*;
use crate::support::Harness;
use libtest_mimic::Failed;
use schemadiff::apply::{self, ApplyError, ApplyOptions, Budgets, Progress, Timeouts};
use schemadiff::plan::{Budget, Hazard, PlanOptions};
use schemadiff::workflow::{self, Error};
use std::time::Duration;

const TWO_TABLES: &str = "CREATE TABLE a_free (id int PRIMARY KEY);
CREATE TABLE b_locked (id int PRIMARY KEY);
INSERT INTO a_free SELECT generate_series(1, 100);
INSERT INTO b_locked SELECT generate_series(1, 100);";

const TWO_TABLES_WIDER: &str = "CREATE TABLE a_free (id int PRIMARY KEY, x text);
CREATE TABLE b_locked (id int PRIMARY KEY, y text);";

async fn columns(target: &schemadiff::conn::ConnTarget) -> i64 {
    scalar_i64(
        target,
        "SELECT count(*) FROM information_schema.columns WHERE column_name IN ('x', 'y')",
    )
    .await
}

/// A session holds ACCESS SHARE on b_locked: the ADD COLUMN on it times out, is retried,
/// then apply fails cleanly and the ADD COLUMN on a_free, in the same transaction, is rolled
/// back with it.
pub fn lock_held_retries_then_rolls_back(h: &Harness) -> Result<(), Failed> {
    let rt = crate::support::runtime();
    rt.block_on(async {
        let db = h.fresh_db("lockheld").await;
        exec(&db, TWO_TABLES).await;
        let dir = schema_dir(TWO_TABLES_WIDER);
        let want = desired(dir.path());
        let planned = workflow::plan_target(&db, &want, &PlanOptions::default()).await?;
        let steps = &planned.plan.steps;
        if steps.len() != 2 || steps.iter().any(|s| s.alone || !s.transactional) {
            return Err(format!("expected two grouped steps, got {steps:#?}").into());
        }
        if !steps[0].sql.contains("a_free") {
            return Err(format!("expected a_free first: {steps:#?}").into());
        }
        let before = fingerprint(&db).await;
        let locker = db.connect().await?;
        locker
            .batch_execute("BEGIN; SELECT count(*) FROM b_locked")
            .await?;
        let mut retries = 0;
        let result = workflow::apply_target(
            &db,
            &want,
            &PlanOptions::default(),
            &quick(200, 3),
            None,
            &mut |p| {
                if let Progress::Retrying { .. } = p {
                    retries += 1
                }
            },
        )
        .await;
        match result {
            Err(Error::Apply(ApplyError::Step {
                index: 2,
                attempts: 3,
                applied: 0,
                reason,
                ..
            })) if reason.contains("55P03") => {}
            other => return Err(format!("expected a lock timeout at step 2: {other:?}").into()),
        }
        if retries != 2 {
            return Err(format!("expected 2 retries, saw {retries}").into());
        }
        locker.batch_execute("COMMIT").await?;
        if fingerprint(&db).await != before || columns(&db).await != 0 {
            return Err("the group was not rolled back: a column was added".into());
        }
        Ok(())
    })
}

/// The same lock, released while apply is retrying: apply succeeds.
pub fn lock_released_during_retries(h: &Harness) -> Result<(), Failed> {
    let rt = crate::support::runtime();
    rt.block_on(async {
        let db = h.fresh_db("lockreleased").await;
        exec(&db, TWO_TABLES).await;
        let dir = schema_dir(TWO_TABLES_WIDER);
        let locker = db.connect().await?;
        locker
            .batch_execute("BEGIN; SELECT count(*) FROM b_locked")
            .await?;
        // The lock is released once apply has reported its first retry (not after a fixed
        // time, which a loaded machine can outlast while planning).
        let (retried, on_retry) = tokio::sync::oneshot::channel::<()>();
        let release = tokio::spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(60), on_retry).await;
            locker.batch_execute("COMMIT").await.expect("commit");
        });
        let mut retried = Some(retried);
        let mut retries = 0;
        let applied = workflow::apply_target(
            &db,
            &desired(dir.path()),
            &PlanOptions::default(),
            &quick(200, 20),
            None,
            &mut |p| {
                if let Progress::Retrying { .. } = p {
                    retries += 1;
                    if let Some(tx) = retried.take() {
                        let _ = tx.send(());
                    }
                }
            },
        )
        .await?;
        release.await?;
        if retries == 0 || applied.report.steps.iter().all(|s| s.attempts == 1) {
            return Err(format!("expected retries: {:?}", applied.report).into());
        }
        if columns(&db).await != 2 {
            return Err("both columns should exist".into());
        }
        Ok(())
    })
}

/// Each step class runs under its own budget, and the session is named and guarded.
pub fn budgets_per_step_class(h: &Harness) -> Result<(), Failed> {
    let rt = crate::support::runtime();
    rt.block_on(async {
        let db = h.fresh_db("budgets").await;
        let check = |lock: &str, statement: &str| {
            format!(
                "DO $$BEGIN \
                 IF current_setting('lock_timeout') <> '{lock}' \
                    OR current_setting('statement_timeout') <> '{statement}' \
                    OR current_setting('application_name') <> 'schemadiff' \
                    OR current_setting('idle_in_transaction_session_timeout') <> '1min' THEN \
                   RAISE EXCEPTION 'wrong settings: % % % %', current_setting('lock_timeout'), \
                     current_setting('statement_timeout'), current_setting('application_name'), \
                     current_setting('idle_in_transaction_session_timeout'); \
                 END IF; END$$"
            )
        };
        let plan = plan_of(vec![
            step(&check("1111ms", "2222ms"), true, Budget::Metadata),
            step(&check("3333ms", "0"), true, Budget::Validation),
            step(&check("4444ms", "5555ms"), true, Budget::Concurrent),
            step(&check("1111ms", "2222ms"), true, Budget::Metadata),
        ]);
        let t = |l: u64, s: u64| Timeouts {
            lock: Duration::from_millis(l),
            statement: Duration::from_millis(s),
        };
        let opts = ApplyOptions {
            budgets: Budgets {
                metadata: t(1111, 2222),
                validation: t(3333, 0),
                concurrent: t(4444, 5555),
            },
            ..ApplyOptions::default()
        };
        let client = db.connect().await?;
        let report = apply::apply(&client, &plan, &opts, &mut |_| {}).await?;
        if report.applied != 4 {
            return Err(format!("{report:?}").into());
        }
        Ok(())
    })
}

const ROWS: &str = "CREATE TABLE t (id int PRIMARY KEY, v int);
INSERT INTO t SELECT i, i % 50 FROM generate_series(1, 2000) i;";

fn concurrent_opts(lock_ms: u64, attempts: u32) -> ApplyOptions {
    let mut opts = quick(lock_ms, attempts);
    opts.budgets.concurrent = Timeouts {
        lock: Duration::from_millis(lock_ms),
        statement: Duration::ZERO,
    };
    opts
}

/// A concurrent build that times out waiting for an open writer leaves an INVALID index;
/// the retry drops it first, then builds again and checks the result is valid.
pub fn concurrent_retry_drops_invalid_leftover(h: &Harness) -> Result<(), Failed> {
    let rt = crate::support::runtime();
    rt.block_on(async {
        let db = h.fresh_db("cicretry").await;
        exec(&db, ROWS).await;
        let writer = db.connect().await?;
        writer
            .batch_execute("BEGIN; INSERT INTO t VALUES (100000, 1)")
            .await?;
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            writer.batch_execute("COMMIT").await.expect("commit");
        });
        let plan = plan_of(vec![step(
            "CREATE INDEX CONCURRENTLY t_v_idx ON public.t USING btree (v)",
            false,
            Budget::Concurrent,
        )]);
        let mut cleaned = 0;
        let mut retries = 0;
        let client = db.connect().await?;
        let report = apply::apply(&client, &plan, &concurrent_opts(300, 30), &mut |p| match p {
            Progress::Cleaned { index_name, .. } if index_name == "public.t_v_idx" => {
                cleaned += 1
            }
            Progress::Retrying { .. } => retries += 1,
            _ => {}
        })
        .await?;
        release.await?;
        if retries == 0 || cleaned == 0 || report.steps[0].attempts < 2 {
            return Err(format!(
                "expected a retry that dropped the leftover: {retries} retries, {cleaned} cleaned, {report:?}"
            )
            .into());
        }
        let valid = scalar_i64(
            &db,
            "SELECT count(*) FROM pg_index WHERE indexrelid = 'public.t_v_idx'::regclass AND indisvalid",
        )
        .await;
        if valid != 1 {
            return Err("the index should be built and valid".into());
        }
        Ok(())
    })
}

/// A unique build over duplicate keys is a data error: not retried, reported as
/// data_dependent, and its INVALID leftover (which would keep rejecting writes) is dropped.
pub fn unique_build_on_duplicates_is_data_dependent(h: &Harness) -> Result<(), Failed> {
    let rt = crate::support::runtime();
    rt.block_on(async {
        let db = h.fresh_db("cicdup").await;
        exec(&db, ROWS).await;
        let plan = plan_of(vec![step(
            "CREATE UNIQUE INDEX CONCURRENTLY t_v_key ON public.t USING btree (v)",
            false,
            Budget::Concurrent,
        )]);
        let mut retries = 0;
        let client = db.connect().await?;
        let result = apply::apply(&client, &plan, &concurrent_opts(1000, 5), &mut |p| {
            if let Progress::Retrying { .. } = p {
                retries += 1
            }
        })
        .await;
        match result {
            Err(ApplyError::DataDependent {
                index: 1, reason, ..
            }) if reason.contains("23505") => {}
            other => return Err(format!("expected a data_dependent failure: {other:?}").into()),
        }
        let left = scalar_i64(
            &db,
            "SELECT count(*) FROM pg_class WHERE relname = 't_v_key'",
        )
        .await;
        if retries != 0 || left != 0 {
            return Err(format!("{retries} retries, {left} leftover index").into());
        }
        Ok(())
    })
}

/// `CREATE INDEX CONCURRENTLY IF NOT EXISTS` succeeds over an INVALID index of the same
/// name; apply checks `pg_index` and fails clearly.
pub fn build_returning_invalid_index_fails(h: &Harness) -> Result<(), Failed> {
    let rt = crate::support::runtime();
    rt.block_on(async {
        let db = h.fresh_db("cicinvalid").await;
        exec(&db, ROWS).await;
        let c = db.connect().await?;
        if c.batch_execute("CREATE UNIQUE INDEX CONCURRENTLY t_v_key ON public.t (v)")
            .await
            .is_ok()
        {
            return Err("the duplicate keys should have failed the build".into());
        }
        let plan = plan_of(vec![step(
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_v_key ON public.t USING btree (v)",
            false,
            Budget::Concurrent,
        )]);
        let mut opts = concurrent_opts(1000, 1);
        opts.allowed = [Hazard::IndexBuild].into_iter().collect();
        match apply::apply(&c, &plan, &opts, &mut |_| {}).await {
            Err(ApplyError::InvalidIndex { index_name, .. }) if index_name == "public.t_v_key" => {
                Ok(())
            }
            other => Err(format!("expected an INVALID index failure: {other:?}").into()),
        }
    })
}
