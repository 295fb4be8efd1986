//! Partitioning plans run on a real PostgreSQL with rows in the tables: attach, detach and a
//! changed bound keep every row, an attach finds its bound proved by the CHECK validated
//! before it (PostgreSQL reports it at DEBUG1) instead of reading the table under ACCESS
//! EXCLUSIVE, and a row outside the bound stops the plan before the attach.

mod support;

use futures_util::future::poll_fn;
use libtest_mimic::Failed;
use schemadiff::catalog::Catalog;
use schemadiff::conn::{describe_error, ConnTarget};
use schemadiff::introspect::{introspect, Scope};
use schemadiff::plan::{build, Hazard, Plan, PlanOptions};
use std::sync::{Arc, Mutex};
use support::suite::{Case, Env};
use tokio_postgres::{AsyncMessage, Client, NoTls};

fn main() {
    let cases: &[(&str, Case)] = &[
        (
            "attach_with_rows_trusts_the_validated_check",
            attach_with_rows_trusts_the_validated_check,
        ),
        (
            "a_row_outside_the_bound_stops_before_the_attach",
            a_row_outside_the_bound_stops_before_the_attach,
        ),
        (
            "rows_stay_through_a_bound_change_and_a_move",
            rows_stay_through_a_bound_change_and_a_move,
        ),
        (
            "hash_partition_is_attached_with_rows",
            hash_partition_is_attached_with_rows,
        ),
    ];
    support::suite::run(cases);
}

/// A connection whose server notices are kept.
async fn connect_with_notices(
    target: &ConnTarget,
) -> Result<(Client, Arc<Mutex<Vec<String>>>), Failed> {
    let (client, mut connection) = target
        .config
        .connect(NoTls)
        .await
        .map_err(|e| describe_error(&e))?;
    let notices: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = notices.clone();
    tokio::spawn(async move {
        while let Some(Ok(message)) = poll_fn(|cx| connection.poll_message(cx)).await {
            if let AsyncMessage::Notice(n) = message {
                sink.lock().unwrap().push(n.message().to_string());
            }
        }
    });
    Ok((client, notices))
}

/// Run `plan` step by step: consecutive transactional steps that are not `alone` share a
/// transaction, every other step runs on its own; the first failure rolls back its group.
async fn run_like_apply(client: &Client, plan: &Plan) -> Result<(), String> {
    let run = async |sql: &str| {
        client
            .batch_execute(sql)
            .await
            .map_err(|e| describe_error(&e))
    };
    run("SET client_min_messages = debug1").await?;
    let mut in_tx = false;
    for step in &plan.steps {
        if in_tx && (step.alone || !step.transactional) {
            run("COMMIT").await?;
            in_tx = false;
        }
        if step.transactional && !in_tx {
            run("BEGIN").await?;
            in_tx = true;
        }
        if let Err(e) = run(&step.sql).await {
            if in_tx {
                let _ = client.batch_execute("ROLLBACK").await;
            }
            return Err(e);
        }
        if in_tx && step.alone {
            run("COMMIT").await?;
            in_tx = false;
        }
    }
    if in_tx {
        run("COMMIT").await?;
    }
    run("RESET client_min_messages").await
}

/// A fresh database loaded with `sql`, and its catalog.
async fn database(env: &Env, label: &str, sql: &str) -> Result<(ConnTarget, Catalog), Failed> {
    let target = env.harness.fresh_db(label).await;
    let client = target.connect().await.map_err(|e| e.to_string())?;
    client
        .batch_execute(sql)
        .await
        .map_err(|e| format!("{label}: {}", describe_error(&e)))?;
    let cat = introspect(&client, &Scope::default())
        .await
        .map_err(|e| e.to_string())?;
    Ok((target, cat))
}

/// Plan `live` towards `desired`, run the steps on the live database as apply groups them
/// (consecutive transactional steps in one transaction, the others alone) with DEBUG1
/// notices on, and return the plan, the notices and the outcome.
async fn apply(
    env: &Env,
    label: &str,
    live: &str,
    desired: &str,
    check: impl AsyncFnOnce(&Client, &Plan, Vec<String>, Result<(), String>) -> Result<(), Failed>,
) -> Result<(), Failed> {
    let (target, from) = database(env, label, live).await?;
    let (dev, to) = database(env, &format!("{label}_dev"), desired).await?;
    env.harness.drop_db(&dev).await;
    let plan = build(&from, &to, &PlanOptions::default()).map_err(|e| e.to_string())?;
    let (client, notices) = connect_with_notices(&target).await?;
    let outcome = run_like_apply(&client, &plan).await;
    let seen = notices.lock().unwrap().clone();
    let applied = outcome.is_ok();
    let mut result = check(&client, &plan, seen, outcome).await;
    if result.is_ok() && applied {
        let again = introspect(&client, &Scope::default())
            .await
            .map_err(|e| e.to_string())?;
        let rest = build(&again, &to, &PlanOptions::default()).map_err(|e| e.to_string())?;
        if !rest.steps.is_empty() {
            let left: Vec<&String> = rest.steps.iter().map(|s| &s.sql).collect();
            result = Err(format!("not converged: {left:?}").into());
        }
    }
    drop(client);
    env.harness.drop_db(&target).await;
    result
}

async fn count(client: &Client, sql: &str) -> Result<i64, Failed> {
    let row = client
        .query_one(sql, &[])
        .await
        .map_err(|e| describe_error(&e))?;
    Ok(row.get(0))
}

const HISTORY: &str = r#"
    CREATE TABLE history (
        id bigint NOT NULL,
        xp integer NOT NULL CHECK (xp >= 0),
        earned_at timestamptz NOT NULL,
        PRIMARY KEY (id, earned_at)
    ) PARTITION BY RANGE (earned_at);
    CREATE INDEX history_earned_idx ON history (earned_at);
    CREATE TABLE history_2024 PARTITION OF history
        FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00');
    INSERT INTO history
        SELECT g, g % 50, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 hour'
        FROM generate_series(1, 500) g;
"#;

const LEGACY_2023: &str = r#"
    CREATE TABLE history_2023 (
        id bigint NOT NULL,
        xp integer NOT NULL,
        earned_at timestamptz NOT NULL,
        PRIMARY KEY (id, earned_at)
    );
    INSERT INTO history_2023
        SELECT g, g % 50, '2023-01-01 00:00:00+00'::timestamptz + g * interval '1 hour'
        FROM generate_series(1, 800) g;
"#;

const ATTACHED_2023: &str = r#"
    CREATE TABLE history_2023 PARTITION OF history
        FOR VALUES FROM ('2023-01-01 00:00:00+00') TO ('2024-01-01 00:00:00+00');
"#;

fn attach_with_rows_trusts_the_validated_check(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(apply(
        env,
        "attach_rows",
        &format!("{HISTORY}{LEGACY_2023}"),
        &format!("{HISTORY}{ATTACHED_2023}"),
        async |client, plan, notices, outcome| {
            outcome?;
            let attach = plan
                .steps
                .iter()
                .find(|s| s.sql.starts_with("ALTER TABLE public.history ATTACH PARTITION"))
                .ok_or("no ATTACH step")?;
            let kinds: Vec<Hazard> = attach.hazards.iter().map(|h| h.kind).collect();
            assert!(
                !kinds.contains(&Hazard::ValidationScan),
                "the scan is the VALIDATE's: {kinds:?}"
            );
            assert!(
                notices.iter().any(|n| n
                    == "partition constraint for table \"history_2023\" is implied by existing constraints"),
                "ATTACH read the table: {notices:#?}"
            );
            assert_eq!(count(client, "SELECT count(*) FROM history").await?, 1300);
            assert_eq!(
                count(
                    client,
                    "SELECT count(*) FROM pg_constraint WHERE conname LIKE '%partition_bound'"
                )
                .await?,
                0,
                "the CHECK used for the attach is gone"
            );
            Ok(())
        },
    ))
}

fn a_row_outside_the_bound_stops_before_the_attach(env: &Env) -> Result<(), Failed> {
    let stray = "INSERT INTO history_2023 VALUES (9999, 1, '2030-01-01 00:00:00+00');";
    env.rt.block_on(apply(
        env,
        "attach_stray",
        &format!("{HISTORY}{LEGACY_2023}{stray}"),
        &format!("{HISTORY}{ATTACHED_2023}"),
        async |_, _, _, outcome| {
            let err = outcome
                .err()
                .ok_or("a row outside the bound must stop the plan")?;
            assert!(
                err.contains("history_2023_partition_bound") && err.contains("is violated"),
                "the VALIDATE of the bound CHECK fails, not the ATTACH: {err}"
            );
            Ok(())
        },
    ))
}

fn rows_stay_through_a_bound_change_and_a_move(env: &Env) -> Result<(), Failed> {
    let archive = r#"
        CREATE TABLE history_archive (
            id bigint NOT NULL,
            xp integer NOT NULL,
            earned_at timestamptz NOT NULL,
            PRIMARY KEY (id, earned_at)
        ) PARTITION BY RANGE (earned_at);
    "#;
    let live = format!(
        "{HISTORY}{archive}{ATTACHED_2023}
         INSERT INTO history_2023 SELECT g, 1, '2023-06-01 00:00:00+00' FROM generate_series(1, 300) g;"
    );
    let desired = format!(
        "{HISTORY}{archive}
         ALTER TABLE history_archive ADD CONSTRAINT history_xp_check CHECK (xp >= 0);
         CREATE TABLE history_2023 PARTITION OF history_archive
             FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2024-01-01 00:00:00+00');"
    );
    env.rt.block_on(apply(
        env,
        "move_rows",
        &live,
        &desired,
        async |client, plan, notices, outcome| {
            outcome?;
            let sql: Vec<&str> = plan.steps.iter().map(|s| s.sql.as_str()).collect();
            assert!(
                sql.contains(&"ALTER TABLE public.history DETACH PARTITION public.history_2023"),
                "{sql:#?}"
            );
            assert_eq!(count(client, "SELECT count(*) FROM history").await?, 500);
            assert_eq!(
                count(client, "SELECT count(*) FROM history_archive").await?,
                300
            );
            assert!(notices
                .iter()
                .any(|n| n.contains("is implied by existing constraints")));
            Ok(())
        },
    ))
}

fn hash_partition_is_attached_with_rows(env: &Env) -> Result<(), Failed> {
    let parent = r#"
        CREATE TABLE session (id bigint NOT NULL, user_id bigint NOT NULL)
            PARTITION BY HASH (user_id);
        CREATE TABLE session_1 PARTITION OF session FOR VALUES WITH (MODULUS 2, REMAINDER 1);
    "#;
    let live = format!(
        "{parent}
         CREATE TABLE session_0 (id bigint NOT NULL, user_id bigint NOT NULL);
         INSERT INTO session_0 SELECT g, g FROM generate_series(1, 400) g
             WHERE satisfies_hash_partition('session'::regclass, 2, 0, g::bigint);"
    );
    let desired =
        format!("{parent} CREATE TABLE session_0 PARTITION OF session FOR VALUES WITH (MODULUS 2, REMAINDER 0);");
    env.rt.block_on(apply(
        env,
        "hash_rows",
        &live,
        &desired,
        async |client, plan, notices, outcome| {
            outcome?;
            assert_eq!(plan.steps.len(), 1, "no CHECK can stand for a hash bound");
            assert!(
                notices.iter().any(|n| n == "verifying table \"session_0\""),
                "ATTACH reads the table: {notices:#?}"
            );
            assert!(!notices.iter().any(|n| n.contains("implied")));
            let kinds: Vec<Hazard> = plan.steps[0].hazards.iter().map(|h| h.kind).collect();
            assert!(kinds.contains(&Hazard::ValidationScan), "{kinds:?}");
            let n = count(client, "SELECT count(*) FROM session").await?;
            assert!(n > 100, "{n} rows");
            Ok(())
        },
    ))
}
