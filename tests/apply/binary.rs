//! The `schemadiff apply` process: two at once, `kill -9` at every step then a rerun that
//! converges with every row intact, refused hazards, and `--dry-run`.

use super::common::*;
use crate::support::Harness;
use libtest_mimic::Failed;
use schemadiff::conn::ConnTarget;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

fn url(h: &Harness, db: &ConnTarget) -> String {
    h.cluster.url(&db.dbname())
}

fn apply_args<'a>(url: &'a str, schema: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "apply",
        "--url",
        url,
        "--schema",
        schema,
        "--auto-approve",
        "--allow-hazards",
        "all",
    ];
    a.extend_from_slice(extra);
    a
}

/// A running `schemadiff`, killed and reaped if a test returns early.
struct Proc(Option<Child>);

impl Proc {
    fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("running")
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn spawn(args: &[&str]) -> Proc {
    let child = command(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn schemadiff");
    Proc(Some(child))
}

/// Run to the end; also return the process id (scratch databases are named after it).
fn run_with_pid(args: &[&str]) -> (Run, u32) {
    let mut p = spawn(args);
    let pid = p.child().id();
    (finish(p), pid)
}

fn scratch_left(pid: u32) -> String {
    format!("SELECT count(*) FROM pg_database WHERE datname LIKE 'schemadiff\\_dev\\_{pid}\\_%'")
}

fn finish(mut p: Proc) -> Run {
    let out =
        p.0.take()
            .expect("running")
            .wait_with_output()
            .expect("wait");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const ADVISORY_HELD: &str =
    "SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
     WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = 'schemadiff' \
     AND a.datname = current_database())";

/// One apply holds the database (it is stuck behind a table lock); a second gives up after
/// its --lock-wait with a clear message and changes nothing; a third waits, then plans under
/// the lock from the first one's result and has nothing left to do.
pub fn two_applies_at_once(h: &Harness) -> Result<(), Failed> {
    let rt = crate::support::runtime();
    let db = rt.block_on(h.fresh_db("twoapplies"));
    rt.block_on(exec(
        &db,
        "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)",
    ));
    let dir = schema_dir("CREATE TABLE t (id int PRIMARY KEY, note text);");
    let (u, s) = (url(h, &db), dir.path().display().to_string());
    let locker = rt.block_on(db.connect())?;
    rt.block_on(locker.batch_execute("BEGIN; SELECT count(*) FROM t"))?;

    let first = spawn(&apply_args(
        &u,
        &s,
        &["--lock-timeout", "300ms", "--lock-attempts", "100"],
    ));
    if !rt.block_on(wait_until(&db, ADVISORY_HELD, Duration::from_secs(30))) {
        return Err(format!(
            "the first apply never took the lock: {}",
            finish(first).show()
        )
        .into());
    }
    let second = schemadiff(&apply_args(&u, &s, &["--lock-wait", "500ms"]));
    if second.code != 1
        || !second
            .stderr
            .contains("another schemadiff apply holds the lock")
    {
        return Err(format!("second apply should stop cleanly:\n{}", second.show()).into());
    }
    let third = spawn(&apply_args(&u, &s, &["--lock-wait", "60s"]));
    std::thread::sleep(Duration::from_secs(3));
    rt.block_on(locker.batch_execute("COMMIT"))?;
    let first = finish(first);
    if first.code != 0 || !first.stderr.contains("retry") {
        return Err(format!("first apply should retry then succeed:\n{}", first.show()).into());
    }
    let third = finish(third);
    if third.code != 0 || !third.stderr.contains("applied 0 steps") {
        return Err(format!("third apply should find nothing left:\n{}", third.show()).into());
    }
    Ok(())
}

const KILL_BEFORE: &str = "CREATE TYPE mood AS ENUM ('sad');
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE t (id int PRIMARY KEY, parent_id int, payload text, m mood);
INSERT INTO parent SELECT generate_series(1, 100);
INSERT INTO t SELECT i, 1 + i % 100, 'row-' || i, 'sad' FROM generate_series(1, 20000) i;";

const KILL_AFTER: &str = "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE t (
  id int PRIMARY KEY,
  parent_id int REFERENCES parent (id),
  payload text NOT NULL CHECK (length(payload) > 0),
  m mood,
  flag boolean NOT NULL DEFAULT false,
  CONSTRAINT t_payload_key UNIQUE (payload)
);
CREATE INDEX t_parent_idx ON t (parent_id);
CREATE INDEX t_m_idx ON t (m);";

/// Run apply on a fresh copy of `KILL_BEFORE`, kill it with SIGKILL after its `k`-th
/// progress line (None: while a step waits on a lock held by another session), rerun it,
/// and check convergence and every row.
/// Returns the number of steps of the killed run's plan and of the rerun's.
fn kill_then_rerun(h: &Harness, k: Option<usize>, label: &str) -> Result<(usize, usize), Failed> {
    let rt = crate::support::runtime();
    let db = rt.block_on(h.fresh_db(label));
    rt.block_on(exec(&db, KILL_BEFORE));
    let rows = rt.block_on(checksum(&db, "t"));
    let dir = schema_dir(KILL_AFTER);
    let (u, s) = (url(h, &db), dir.path().display().to_string());
    let locker = rt.block_on(db.connect())?;
    if k.is_none() {
        rt.block_on(locker.batch_execute("BEGIN; SELECT count(*) FROM t"))?;
    }
    let mut child = spawn(&apply_args(&u, &s, &["--lock-timeout", "20s"]));
    let stderr = child.child().stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = Vec::new();
    let mut total = 0;
    match k {
        Some(k) => {
            while let Some(Ok(line)) = lines.next() {
                let progress = line.starts_with('[');
                if let Some(n) = line
                    .strip_prefix("applying ")
                    .and_then(|r| r.strip_suffix(" steps"))
                {
                    total = n.parse().unwrap_or(0);
                }
                seen.push(line);
                if progress && seen.iter().filter(|l| l.starts_with('[')).count() == k {
                    break;
                }
            }
        }
        None => {
            let blocked = "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'schemadiff' \
                 AND datname = current_database() AND wait_event_type = 'Lock')";
            if !rt.block_on(wait_until(&db, blocked, Duration::from_secs(60))) {
                return Err("apply never blocked on the held lock".into());
            }
        }
    }
    child.child().kill()?; // SIGKILL
    child.child().wait()?;
    if k.is_none() {
        rt.block_on(locker.batch_execute("COMMIT"))?;
    }
    let rerun = schemadiff(&apply_args(&u, &s, &[]));
    let context = || format!("killed after {k:?} lines: {seen:#?}\n{}", rerun.show());
    if rerun.code != 0 {
        return Err(format!("the rerun failed; {}", context()).into());
    }
    let plan = schemadiff(&["plan", "--url", &u, "--schema", &s, "--detailed-exitcode"]);
    if plan.code != 0 {
        return Err(format!(
            "not converged after the rerun: {}\n{}",
            plan.show(),
            context()
        )
        .into());
    }
    let after = rt.block_on(checksum(&db, "t"));
    if after != rows {
        return Err(format!("rows changed: {rows:?} -> {after:?}; {}", context()).into());
    }
    let left = rerun
        .stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("applying ")?
                .strip_suffix(" steps")?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    rt.block_on(h.drop_db(&db));
    Ok((total, left))
}

/// `kill -9` after each progress line of a plan with non-transactional steps, and once while
/// a step waits for a lock; every rerun converges with every row intact.
/// Consecutive transactional steps commit together, so a kill inside such a group must
/// leave the whole group to the rerun.
pub fn kill_9_at_every_step(h: &Harness) -> Result<(), Failed> {
    let (_, left) = kill_then_rerun(h, None, "kill_blocked")?;
    if left == 0 {
        return Err("killed while blocked, yet the rerun had nothing to do".into());
    }
    let (total, mut resumed) = kill_then_rerun(h, Some(1), "kill_1")?;
    if total < 6 {
        return Err(format!("expected a multi-step plan, got {total} steps").into());
    }
    for k in 2..=total {
        let (_, left) = kill_then_rerun(h, Some(k), &format!("kill_{k}"))?;
        resumed = resumed.max(left);
    }
    if resumed == 0 {
        return Err("no kill interrupted the plan: every rerun found nothing to do".into());
    }
    Ok(())
}

/// A plan with a safe step and an unapproved hazard: exit 1, nothing changed at all.
pub fn refused_hazards_change_nothing(h: &Harness) -> Result<(), Failed> {
    let rt = crate::support::runtime();
    let db = rt.block_on(h.fresh_db("refused"));
    rt.block_on(exec(
        &db,
        "CREATE TABLE t (id int PRIMARY KEY, parent_id int, payload text, old text);
         INSERT INTO t SELECT i, i, 'p' || i, 'o' FROM generate_series(1, 50) i;",
    ));
    let before = rt.block_on(fingerprint(&db));
    let rows = rt.block_on(checksum(&db, "t"));
    let dir = schema_dir(
        "CREATE TABLE t (id int PRIMARY KEY, parent_id int, payload text);
         CREATE TABLE fresh (id int);",
    );
    let (u, s) = (url(h, &db), dir.path().display().to_string());
    let r = schemadiff(&["apply", "--url", &u, "--schema", &s, "--auto-approve"]);
    if r.code != 1 || !r.stderr.contains("data_loss") || !r.stderr.contains("--allow-hazards") {
        return Err(format!("expected a refusal naming the hazard:\n{}", r.show()).into());
    }
    if rt.block_on(fingerprint(&db)) != before || rt.block_on(checksum(&db, "t")) != rows {
        return Err("the refused apply changed the database".into());
    }
    Ok(())
}

/// `apply --dry-run` proves the plan on a scratch database and reports each step's time;
/// the target's schema and rows are unchanged and the scratch database is gone.
pub fn dry_run_leaves_target_untouched(h: &Harness) -> Result<(), Failed> {
    let rt = crate::support::runtime();
    let db = rt.block_on(h.fresh_db("dryrun"));
    rt.block_on(exec(&db, KILL_BEFORE));
    let before = rt.block_on(fingerprint(&db));
    let rows = rt.block_on(checksum(&db, "t"));
    let dir = schema_dir(KILL_AFTER);
    let (u, s) = (url(h, &db), dir.path().display().to_string());
    let (r, pid) = run_with_pid(&["apply", "--url", &u, "--schema", &s, "--dry-run"]);
    let ok = r.code == 0
        && r.stdout.contains("Dry run on a scratch database")
        && r.stdout.contains("[1/")
        && r.stdout.contains(" ms")
        && r.stdout.contains("Proved:")
        && r.stderr.contains("a real apply would refuse");
    if !ok {
        return Err(format!("dry run report:\n{}", r.show()).into());
    }
    if rt.block_on(fingerprint(&db)) != before || rt.block_on(checksum(&db, "t")) != rows {
        return Err("the dry run changed the target".into());
    }
    let left = rt.block_on(scalar_i64(&db, &scratch_left(pid)));
    if left != 0 {
        return Err(format!("{left} scratch database(s) left behind").into());
    }
    Ok(())
}

/// A dry run whose plan fails on the scratch database reports the failure, still drops the
/// scratch database, and leaves the target alone.
pub fn dry_run_failure_cleans_up(h: &Harness) -> Result<(), Failed> {
    let rt = crate::support::runtime();
    let db = rt.block_on(h.fresh_db("dryrunfail"));
    rt.block_on(exec(&db, "CREATE TABLE t (id int PRIMARY KEY)"));
    let before = rt.block_on(fingerprint(&db));
    let dir = tempfile::tempdir()?;
    let plan_file = dir.path().join("plan.json");
    let mut plan = plan_of(vec![step(
        "ALTER TABLE public.t ADD COLUMN id int",
        true,
        schemadiff::plan::Budget::Metadata,
    )]);
    plan.source_fingerprint = before.clone();
    std::fs::write(&plan_file, serde_json::to_string(&plan)?)?;
    let schema = schema_dir("CREATE TABLE t (id int PRIMARY KEY);");
    let (u, s) = (url(h, &db), schema.path().display().to_string());
    let (r, pid) = run_with_pid(&[
        "apply",
        "--url",
        &u,
        "--schema",
        &s,
        "--dry-run",
        "--plan",
        &plan_file.display().to_string(),
    ]);
    if r.code != 1 || !r.stderr.contains("42701") || !r.stderr.contains("dry_run_failed") {
        return Err(format!("the failing step should be reported:\n{}", r.show()).into());
    }
    let left = rt.block_on(scalar_i64(&db, &scratch_left(pid)));
    if left != 0 || rt.block_on(fingerprint(&db)) != before {
        return Err(format!("{left} scratch database(s) left, or the target changed").into());
    }
    Ok(())
}
