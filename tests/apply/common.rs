//! Helpers of the apply tests: the binary, databases with rows, fingerprints, checksums.

use schemadiff::apply::{ApplyOptions, Budgets, Timeouts};
use schemadiff::conn::ConnTarget;
use schemadiff::introspect::Scope;
use schemadiff::plan::{Action, Budget, Hazard, Plan, Step};
use schemadiff::source::CacheOptions;
use schemadiff::workflow::{self, Desired, DevChoice};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn show(&self) -> String {
        format!(
            "--- exit {} ---\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn cache_dir() -> PathBuf {
    std::env::temp_dir().join(format!(
        "schemadiff-apply-test-cache-{}",
        std::process::id()
    ))
}

/// The binary, ready to run with test environment.
pub fn command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_schemadiff"));
    c.args(args)
        .env("NO_COLOR", "1")
        .env("SCHEMADIFF_CACHE_DIR", cache_dir())
        .env_remove("DATABASE_URL");
    c
}

pub fn schemadiff(args: &[&str]) -> Run {
    let out = command(args)
        .stdin(Stdio::null())
        .output()
        .expect("run schemadiff");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A directory holding `schema.sql` with `sql`.
pub fn schema_dir(sql: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("schema.sql"), sql).expect("write schema");
    dir
}

pub fn desired(dir: &Path) -> Desired {
    Desired {
        paths: vec![dir.to_path_buf()],
        dev: DevChoice::TargetServer,
        scope: Scope::default(),
        cache: CacheOptions {
            enabled: false,
            dir: None,
        },
        seeds: None,
    }
}

/// Every hazard allowed, short metadata timeouts, quick retries.
pub fn quick(lock_ms: u64, attempts: u32) -> ApplyOptions {
    let budgets = Budgets {
        metadata: Timeouts {
            lock: Duration::from_millis(lock_ms),
            statement: Duration::from_secs(60),
        },
        ..Budgets::default()
    };
    ApplyOptions {
        allowed: Hazard::ALL.into_iter().collect(),
        budgets,
        lock_attempts: attempts,
        advisory_wait: Duration::from_secs(30),
        ..ApplyOptions::default()
    }
}

pub async fn exec(target: &ConnTarget, sql: &str) {
    let c = target.connect().await.expect("connect");
    c.batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}", schemadiff::conn::describe_error(&e)));
}

pub async fn fingerprint(target: &ConnTarget) -> String {
    workflow::live_catalog(target, &Scope::default())
        .await
        .expect("introspect")
        .fingerprint()
}

/// Row count and an md5 over every row of `table` in key order.
pub async fn checksum(target: &ConnTarget, table: &str) -> (i64, String) {
    let c = target.connect().await.expect("connect");
    let row = c
        .query_one(
            &format!(
                "SELECT count(*), coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') \
                 FROM (SELECT id, parent_id, payload FROM {table}) t"
            ),
            &[],
        )
        .await
        .expect("checksum");
    (row.get(0), row.get(1))
}

pub async fn scalar_i64(target: &ConnTarget, sql: &str) -> i64 {
    let c = target.connect().await.expect("connect");
    c.query_one(sql, &[]).await.expect(sql).get(0)
}

/// Poll `sql` (returning one bool) until it is true; false after `limit`.
pub async fn wait_until(target: &ConnTarget, sql: &str, limit: Duration) -> bool {
    let c = target.connect().await.expect("connect");
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        if c.query_one(sql, &[]).await.expect(sql).get::<_, bool>(0) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// A hand-made step (for executor behaviour the planner does not emit yet).
pub fn step(sql: &str, transactional: bool, budget: Budget) -> Step {
    Step {
        sql: sql.into(),
        object: schemadiff::catalog::ObjectId::Schema {
            name: schemadiff::catalog::Ident::new("public"),
        },
        action: Action::Create,
        reason: "test".into(),
        transactional,
        alone: true,
        budget,
        hazards: vec![],
    }
}

pub fn plan_of(steps: Vec<Step>) -> Plan {
    Plan {
        format_version: schemadiff::plan::PLAN_FORMAT_VERSION,
        tool_version: "test".into(),
        source_fingerprint: String::new(),
        target_fingerprint: String::new(),
        steps,
        unmanaged: vec![],
        notes: vec![],
    }
}
