//! The frame of an integration test binary: one cluster and one runtime for every case,
//! the cases run by libtest-mimic (filters, `--test-threads`), the cluster stopped when
//! they end; and the desired-state settings most cases use.

use super::Harness;
use libtest_mimic::{Arguments, Failed, Trial};
use schemadiff::apply::ApplyOptions;
use schemadiff::conn::{describe_error, ConnTarget};
use schemadiff::introspect::Scope;
use schemadiff::plan::{Hazard, PlanOptions};
use schemadiff::source::CacheOptions;
use schemadiff::workflow::{self, Applied, Desired, DevChoice, Error};
use std::path::PathBuf;
use std::sync::Arc;

/// What every case of a binary shares: the cluster and the runtime.
pub struct Env {
    pub harness: Harness,
    pub rt: tokio::runtime::Runtime,
}

/// One case: a test over the shared environment.
pub type Case = fn(&Env) -> Result<(), Failed>;

/// Start a cluster, run `cases` (by name, as the command line selects them), stop the
/// cluster and exit with the result.
pub fn run(cases: &[(&str, Case)]) -> ! {
    let args = Arguments::from_args();
    let env = Arc::new(Env {
        harness: Harness::start(),
        rt: super::runtime(),
    });
    let trials = cases
        .iter()
        .map(|&(name, case)| {
            let env = env.clone();
            Trial::test(name, move || case(&env))
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    drop(env);
    conclusion.exit()
}

/// The desired files `paths`, loaded in a temporary database on the target's server,
/// without the cache, with reference data from `seeds`.
pub fn desired(paths: Vec<PathBuf>, seeds: Option<PathBuf>) -> Desired {
    Desired {
        paths,
        dev: DevChoice::TargetServer,
        scope: Scope::default(),
        cache: CacheOptions {
            enabled: false,
            dir: None,
        },
        seeds,
    }
}

/// Apply `desired` to `target` with every hazard allowed and the default options.
pub async fn apply_allowing_all(target: &ConnTarget, desired: &Desired) -> Result<Applied, Error> {
    let opts = ApplyOptions {
        allowed: Hazard::ALL.into_iter().collect(),
        ..ApplyOptions::default()
    };
    workflow::apply_target(
        target,
        desired,
        &PlanOptions::default(),
        &opts,
        None,
        &mut |_| {},
    )
    .await
}

/// `Ok` when `got` is `want`, else a failure naming `what` with both values.
pub fn expect_eq<T: PartialEq + std::fmt::Debug>(
    what: &str,
    got: T,
    want: T,
) -> Result<(), Failed> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}").into())
    }
}

/// A database built from `sql`, a connection to it, and `desired` written as the one
/// desired file in `dir`.
pub async fn setup(
    env: &Env,
    label: &str,
    sql: &str,
    desired_sql: &str,
    dir: &tempfile::TempDir,
) -> Result<(ConnTarget, tokio_postgres::Client, Desired), Failed> {
    let target = env.harness.fresh_db(label).await;
    let client = target.connect().await.map_err(|e| e.to_string())?;
    client
        .batch_execute(sql)
        .await
        .map_err(|e| format!("setup of {label}: {}", describe_error(&e)))?;
    let path = dir.path().join("schema.sql");
    std::fs::write(&path, desired_sql).map_err(|e| e.to_string())?;
    Ok((target, client, desired(vec![path], None)))
}

/// The first column of each row of `sql`, as text.
pub async fn rows(client: &tokio_postgres::Client, sql: &str) -> Result<Vec<String>, Failed> {
    let rows = client
        .query(sql, &[])
        .await
        .map_err(|e| format!("{sql}: {}", describe_error(&e)))?;
    Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
}
