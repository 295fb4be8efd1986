//! The online forms on a real PostgreSQL with rows in the tables: a plan interrupted after
//! any step (as by kill -9 between two steps) is finished by the next plan, which redoes
//! nothing already done; a failed concurrent build is repaired; and the online steps let
//! writers through where the plain forms would block them.

mod support;

use libtest_mimic::Failed;
use schemadiff::apply::{self, ApplyOptions};
use schemadiff::conn::{describe_error, ConnTarget};
use schemadiff::introspect::Scope;
use schemadiff::plan::{Hazard, Plan, PlanOptions};
use schemadiff::source::CacheOptions;
use schemadiff::workflow::{self, Desired, DevChoice};
use std::future::Future;
use std::path::Path;
use std::time::Duration;
use support::suite::{Case, Env};
use tokio_postgres::Client;

fn main() {
    let cases: &[(&str, Case)] = &[
        ("resumes_after_any_step", resumes_after_any_step),
        (
            "failed_concurrent_builds_are_repaired",
            failed_concurrent_builds_are_repaired,
        ),
        (
            "validation_and_builds_let_writers_through",
            validation_and_builds_let_writers_through,
        ),
    ];
    support::suite::run(cases);
}

const BEFORE: &str = "
CREATE TABLE accounts (id integer NOT NULL, email text, balance numeric NOT NULL DEFAULT 0);
INSERT INTO accounts SELECT g, 'u' || g || '@example.com', g FROM generate_series(1, 2000) g;
CREATE INDEX accounts_email_idx ON accounts (email);
CREATE TABLE transfers (id integer NOT NULL, account_id integer, amount numeric);
INSERT INTO transfers SELECT g, 1 + g % 2000, g FROM generate_series(1, 5000) g;
";

const AFTER: &str = "
CREATE TABLE accounts (
    id integer PRIMARY KEY,
    email text NOT NULL,
    balance numeric NOT NULL DEFAULT 0 CHECK (balance >= 0),
    CONSTRAINT accounts_email_key UNIQUE (email)
);
CREATE INDEX accounts_email_idx ON accounts (lower(email));
CREATE TABLE transfers (
    id integer NOT NULL,
    account_id integer NOT NULL REFERENCES accounts (id),
    amount numeric
);
CREATE INDEX transfers_account_idx ON transfers (account_id);
";

fn block_on<F: Future<Output = Result<(), Failed>>>(env: &Env, f: F) -> Result<(), Failed> {
    env.rt.block_on(f)
}

fn desired(path: &Path) -> Desired {
    Desired {
        paths: vec![path.to_path_buf()],
        dev: DevChoice::TargetServer,
        scope: Scope::default(),
        cache: CacheOptions {
            enabled: false,
            dir: None,
        },
        seeds: None,
    }
}

fn all_hazards() -> ApplyOptions {
    ApplyOptions {
        allowed: Hazard::ALL.into_iter().collect(),
        ..ApplyOptions::default()
    }
}

fn fail(e: impl std::fmt::Display) -> Failed {
    e.to_string().into()
}

async fn db(env: &Env, label: &str, sql: &str) -> Result<(ConnTarget, Client), Failed> {
    let target = env.harness.fresh_db(label).await;
    let client = target.connect().await.map_err(fail)?;
    client
        .batch_execute(sql)
        .await
        .map_err(|e| describe_error(&e))?;
    Ok((target, client))
}

async fn plan(target: &ConnTarget, want: &Desired) -> Result<Plan, Failed> {
    Ok(workflow::plan_target(target, want, &PlanOptions::default())
        .await
        .map_err(fail)?
        .plan)
}

/// Run the first `n` steps of `plan` the way apply runs them, then stop.
async fn apply_prefix(client: &Client, plan: &Plan, n: usize) -> Result<(), Failed> {
    let mut prefix = plan.clone();
    prefix.steps.truncate(n);
    apply::apply(client, &prefix, &all_hazards(), &mut |_| {})
        .await
        .map_err(fail)?;
    Ok(())
}

fn sorted_sql(steps: &[schemadiff::plan::Step]) -> Vec<String> {
    let mut v: Vec<String> = steps.iter().map(|s| s.sql.clone()).collect();
    v.sort();
    v
}

/// For every step k: run the plan up to k, stop, plan again from the database as it is,
/// apply that (which checks convergence), and require the second plan to be exactly the
/// steps the first one had left: nothing done is redone, nothing is undone.
fn resumes_after_any_step(env: &Env) -> Result<(), Failed> {
    block_on(env, async {
        let dir = tempfile::tempdir().map_err(fail)?;
        let file = dir.path().join("after.sql");
        std::fs::write(&file, AFTER).map_err(fail)?;
        let want = desired(&file);

        let (probe, _c) = db(env, "resume_probe", BEFORE).await?;
        let full = plan(&probe, &want).await?;
        env.harness.drop_db(&probe).await;
        let sql: Vec<&str> = full.steps.iter().map(|s| s.sql.as_str()).collect();
        for expected in [
            "ALTER TABLE public.accounts ADD CONSTRAINT schemadiff_tmp_nn_email CHECK (email IS NOT NULL) NOT VALID",
            "CREATE UNIQUE INDEX CONCURRENTLY accounts_pkey ON public.accounts USING btree (id)",
            "ALTER TABLE public.accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_pkey",
            "ALTER INDEX public.accounts_email_idx RENAME TO schemadiff_old_accounts_email_idx",
            "ALTER TABLE public.transfers VALIDATE CONSTRAINT transfers_account_id_fkey",
        ] {
            if !sql.contains(&expected) {
                return Err(format!("the plan lacks `{expected}`:\n{}", sql.join("\n")).into());
            }
        }

        for k in 1..full.steps.len() {
            let (target, client) = db(env, &format!("resume_{k}"), BEFORE).await?;
            let result = async {
                let first = plan(&target, &want).await?;
                if sorted_sql(&first.steps) != sorted_sql(&full.steps) {
                    return Err(fail("the plan is not deterministic"));
                }
                apply_prefix(&client, &first, k).await?;
                let second = plan(&target, &want).await?;
                let left = sorted_sql(&first.steps[k..]);
                let got = sorted_sql(&second.steps);
                if got != left {
                    return Err(format!(
                        "stopped after step {k} ({}): the next plan is not what was left\n\
                         left:\n  {}\nplanned:\n  {}",
                        first.steps[k - 1].sql,
                        left.join("\n  "),
                        got.join("\n  ")
                    )
                    .into());
                }
                workflow::apply_target(
                    &target,
                    &want,
                    &PlanOptions::default(),
                    &all_hazards(),
                    None,
                    &mut |_| {},
                )
                .await
                .map_err(|e| format!("stopped after step {k}: the rerun failed: {e}"))?;
                Ok(())
            }
            .await;
            drop(client);
            env.harness.drop_db(&target).await;
            result?;
        }
        Ok(())
    })
}

/// A concurrent build that fails on duplicates leaves an INVALID index. Once the data is
/// fixed, the next plan rebuilds it in place (`REINDEX INDEX CONCURRENTLY`) and, for a
/// key, attaches it; the database converges.
fn failed_concurrent_builds_are_repaired(env: &Env) -> Result<(), Failed> {
    block_on(env, async {
        let before = "
            CREATE TABLE t (a integer, b integer);
            INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g;
            INSERT INTO t VALUES (1, 1);
        ";
        let after = "
            CREATE TABLE t (a integer, b integer, CONSTRAINT t_a_key UNIQUE (a));
            CREATE UNIQUE INDEX t_b_idx ON t (b);
        ";
        let dir = tempfile::tempdir().map_err(fail)?;
        let file = dir.path().join("after.sql");
        std::fs::write(&file, after).map_err(fail)?;
        let want = desired(&file);
        let (target, client) = db(env, "repair", before).await?;
        let result = async {
            let first = workflow::apply_target(
                &target,
                &want,
                &PlanOptions::default(),
                &all_hazards(),
                None,
                &mut |_| {},
            )
            .await;
            if first.is_ok() {
                return Err(fail("the build should fail on the duplicate row"));
            }
            // apply drops the leftover of a build it saw fail
            let left: i64 = client
                .query_one(
                    "SELECT count(*) FROM pg_index WHERE indrelid = 'public.t'::regclass",
                    &[],
                )
                .await
                .map_err(|e| describe_error(&e))?
                .get(0);
            if left != 0 {
                return Err(fail(
                    "apply should drop the INVALID leftover of its failed build",
                ));
            }
            // as if a run had been killed in both builds: their leftovers stay INVALID
            for sql in [
                "CREATE UNIQUE INDEX CONCURRENTLY t_a_key ON t (a)",
                "CREATE UNIQUE INDEX CONCURRENTLY t_b_idx ON t (b)",
            ] {
                if client.batch_execute(sql).await.is_ok() {
                    return Err(fail("the build should fail on the duplicate row"));
                }
            }
            client
                .batch_execute("DELETE FROM t WHERE ctid = (SELECT max(ctid) FROM t WHERE a = 1)")
                .await
                .map_err(|e| describe_error(&e))?;
            // whatever the first run got to, every build it started is INVALID now
            let invalid: i64 = client
                .query_one(
                    "SELECT count(*) FROM pg_index WHERE NOT indisvalid \
                     AND indrelid = 'public.t'::regclass",
                    &[],
                )
                .await
                .map_err(|e| describe_error(&e))?
                .get(0);
            if invalid != 2 {
                return Err(fail(
                    "expected the INVALID indexes left by the failed builds",
                ));
            }
            let again = plan(&target, &want).await?;
            let sql: Vec<&str> = again.steps.iter().map(|s| s.sql.as_str()).collect();
            if !sql.contains(&"REINDEX INDEX CONCURRENTLY public.t_a_key")
                || !sql.contains(&"REINDEX INDEX CONCURRENTLY public.t_b_idx")
            {
                return Err(
                    format!("expected a REINDEX of the leftover:\n{}", sql.join("\n")).into(),
                );
            }
            if sql.iter().any(|s| s.starts_with("DROP INDEX")) {
                return Err(format!(
                    "the leftover should be rebuilt, not dropped:\n{}",
                    sql.join("\n")
                )
                .into());
            }
            workflow::apply_target(
                &target,
                &want,
                &PlanOptions::default(),
                &all_hazards(),
                None,
                &mut |_| {},
            )
            .await
            .map_err(|e| format!("the repair failed: {e}"))?;
            Ok(())
        }
        .await;
        drop(client);
        env.harness.drop_db(&target).await;
        result
    })
}

/// While another session holds an uncommitted write on the table, the plan's VALIDATE
/// (SHARE UPDATE EXCLUSIVE) completes under a short lock timeout, where the plain
/// validated ADD CONSTRAINT (ACCESS EXCLUSIVE) times out; and while a concurrent build
/// waits for that writer, a third session still inserts.
fn validation_and_builds_let_writers_through(env: &Env) -> Result<(), Failed> {
    block_on(env, async {
        let before = "
            CREATE TABLE t (a integer NOT NULL, b integer);
            INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g;
        ";
        let after = "
            CREATE TABLE t (a integer NOT NULL, b integer, CONSTRAINT t_a_check CHECK (a > 0));
            CREATE INDEX t_b_idx ON t (b);
        ";
        let dir = tempfile::tempdir().map_err(fail)?;
        let file = dir.path().join("after.sql");
        std::fs::write(&file, after).map_err(fail)?;
        let want = desired(&file);
        let (target, client) = db(env, "writers", before).await?;
        let result = async {
            let p = plan(&target, &want).await?;
            let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
            let expected = [
                "ALTER TABLE public.t ADD CONSTRAINT t_a_check CHECK ((a > 0)) NOT VALID",
                "CREATE INDEX CONCURRENTLY t_b_idx ON public.t USING btree (b)",
                "ALTER TABLE public.t VALIDATE CONSTRAINT t_a_check",
            ];
            if sql != expected {
                return Err(format!("unexpected plan:\n{}", sql.join("\n")).into());
            }
            let mut short = ApplyOptions {
                lock_attempts: 1,
                ..all_hazards()
            };
            short.budgets.metadata.lock = Duration::from_millis(500);
            short.budgets.validation.lock = Duration::from_millis(500);
            let step = |i: usize| {
                let mut one = p.clone();
                one.steps = vec![p.steps[i].clone()];
                one
            };
            apply::apply(&client, &step(0), &short, &mut |_| {})
                .await
                .map_err(fail)?;

            let writer = target.connect().await.map_err(fail)?;
            writer
                .batch_execute("BEGIN; INSERT INTO t VALUES (5000, 5000)")
                .await
                .map_err(|e| describe_error(&e))?;

            // the plain form waits for the writer and times out
            let plain = client
                .batch_execute(
                    "SET lock_timeout = '500ms'; \
                     ALTER TABLE t ADD CONSTRAINT t_plain CHECK (a > -1)",
                )
                .await;
            if plain.is_ok() {
                return Err(fail("the plain ADD CONSTRAINT should wait for the writer"));
            }
            // VALIDATE does not
            apply::apply(&client, &step(2), &short, &mut |_| {})
                .await
                .map_err(|e| format!("VALIDATE blocked by an open writer: {e}"))?;

            // CIC waits for the writer, but other writers get through meanwhile
            let cic = {
                let target = target.clone();
                let one = step(1);
                tokio::spawn(async move {
                    let c = target.connect().await.map_err(|e| e.to_string())?;
                    apply::apply(&c, &one, &all_hazards(), &mut |_| {})
                        .await
                        .map_err(|e| e.to_string())
                })
            };
            let watcher = target.connect().await.map_err(fail)?;
            let mut building = false;
            for _ in 0..200 {
                let n: i64 = watcher
                    .query_one("SELECT count(*) FROM pg_stat_progress_create_index", &[])
                    .await
                    .map_err(|e| describe_error(&e))?
                    .get(0);
                if n > 0 {
                    building = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            if !building {
                return Err(fail("the concurrent build never started"));
            }
            watcher
                .batch_execute("SET lock_timeout = '1s'; INSERT INTO t VALUES (6000, 6000)")
                .await
                .map_err(|e| {
                    format!(
                        "an insert waited for the concurrent build: {}",
                        describe_error(&e)
                    )
                })?;
            writer
                .batch_execute("COMMIT")
                .await
                .map_err(|e| describe_error(&e))?;
            cic.await
                .map_err(fail)?
                .map_err(|e| format!("the concurrent build failed: {e}"))?;
            workflow::verify(
                &target,
                &workflow::desired_catalog(&want, Some(&target))
                    .await
                    .map_err(fail)?,
                &want,
                &PlanOptions::default(),
            )
            .await
            .map_err(fail)?;
            Ok(())
        }
        .await;
        drop(client);
        env.harness.drop_db(&target).await;
        result
    })
}
