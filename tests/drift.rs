//! Drift through the real binary against a real PostgreSQL: each category of finding made
//! by a real manual change, security findings first, stable codes (an insta snapshot of
//! the JSON), what lies outside the managed scope reported apart, exit statuses in single
//! and fleet mode, TimescaleDB objects, and no false findings on the example schemas.

mod support;

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::cli::{self, check, json, Run};
use support::Harness;

fn cache_dir() -> PathBuf {
    cli::cache_dir("drift")
}

fn schemadiff(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    cli::run(dir, args, env, &[], &cache_dir())
}

fn service<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["services"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["service"] == name))
        .unwrap_or(&Value::Null)
}

/// `(code, object)` of every finding of a drift report, in report order.
fn codes(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["code"].as_str().unwrap_or("").to_string(),
                        f["object"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

const ROLES: [&str; 3] = ["drift_reader", "drift_owner", "drift_other"];

const APP: &str = "\
CREATE TABLE public.accounts (id bigint PRIMARY KEY, email text NOT NULL, balance integer DEFAULT 0);
CREATE INDEX accounts_email_idx ON public.accounts (email);
ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON public.accounts FOR SELECT TO drift_reader USING (true);
GRANT SELECT ON public.accounts TO drift_reader;
CREATE TABLE public.notes (id bigint PRIMARY KEY, body text, legacy_flag boolean);
ALTER TABLE public.notes OWNER TO drift_owner;
CREATE FUNCTION public.total() RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$;
CREATE FUNCTION public.whoami() RETURNS text LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog AS $$ SELECT current_user::text $$;
";

const CLEAN: &str = "CREATE TABLE public.items (id bigint PRIMARY KEY, name text NOT NULL);\n";

/// The manual changes, one per category, and the objects outside the scope.
const CHANGES: &str = "\
ALTER TABLE public.accounts ALTER COLUMN balance TYPE bigint;
GRANT INSERT ON public.accounts TO drift_reader;
REVOKE SELECT ON public.accounts FROM drift_reader;
ALTER TABLE public.accounts DISABLE ROW LEVEL SECURITY;
CREATE POLICY no_deletes ON public.accounts FOR DELETE USING (false);
CREATE INDEX notes_body_idx ON public.notes (body);
CREATE OR REPLACE FUNCTION public.total() RETURNS bigint LANGUAGE sql AS $$ SELECT 2::bigint $$;
ALTER FUNCTION public.whoami() SECURITY INVOKER;
ALTER TABLE public.notes DROP COLUMN legacy_flag;
ALTER TABLE public.notes OWNER TO drift_other;
CREATE SCHEMA legacy;
CREATE TABLE legacy.old_orders (id integer);
CREATE FUNCTION legacy.f() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TABLE public.tmp_scratch (a integer);
CREATE RULE tmp_scratch_nothing AS ON INSERT TO public.tmp_scratch DO INSTEAD NOTHING;
CREATE TABLE public._prisma_migrations (id text PRIMARY KEY);
CREATE FOREIGN DATA WRAPPER drift_fdw;
CREATE SERVER drift_server FOREIGN DATA WRAPPER drift_fdw;
CREATE FOREIGN TABLE public.remote_events (id integer) SERVER drift_server;
";

struct Setup {
    dir: tempfile::TempDir,
    app: schemadiff::conn::ConnTarget,
    clean: schemadiff::conn::ConnTarget,
}

impl Setup {
    fn new(h: &Harness, label: &str) -> Result<Setup, Failed> {
        let rt = support::runtime();
        rt.block_on(support::roles::ensure_roles(
            h,
            &ROLES.iter().map(|r| r.to_string()).collect(),
        ))?;
        let app = rt.block_on(h.fresh_db(&format!("{label}_app")));
        let clean = rt.block_on(h.fresh_db(&format!("{label}_clean")));
        let dir = tempfile::tempdir()?;
        for (name, sql) in [("app", APP), ("clean", CLEAN)] {
            let d = dir.path().join("schema").join(name);
            std::fs::create_dir_all(&d)?;
            std::fs::write(d.join("schema.sql"), sql)?;
        }
        let yaml = format!(
            "\
services:
  app:
    url: \"{app}\"
    schema: schema/app
    schemas: [public]
    ignore: [\"public.tmp_*\", \"public.nothing_*\"]
  clean:
    url: \"{clean}\"
    schema: schema/clean
",
            app = h.cluster.url(&app.dbname()),
            clean = h.cluster.url(&clean.dbname()),
        );
        std::fs::write(dir.path().join("schemadiff.yaml"), yaml)?;
        let s = Setup { dir, app, clean };
        s.sql(&s.app, APP)?;
        s.sql(&s.clean, CLEAN)?;
        Ok(s)
    }

    fn sql(&self, db: &schemadiff::conn::ConnTarget, sql: &str) -> Result<(), Failed> {
        let rt = support::runtime();
        rt.block_on(async {
            let c = db.connect().await.map_err(|e| e.to_string())?;
            c.batch_execute(sql)
                .await
                .map_err(|e| schemadiff::conn::describe_error(&e))
        })?;
        Ok(())
    }

    fn run(&self, args: &[&str]) -> Run {
        schemadiff(self.dir.path(), args, &[])
    }
}

/// The manual changes each show up with their code, security first; the objects outside
/// the scope are reported apart; a fix brings the exit status back to 0.
fn every_category(h: &Harness) -> Result<(), Failed> {
    let s = Setup::new(h, "categories")?;
    let r = s.run(&["drift"]);
    check(r.code == 0, "no drift right after loading the schema", &r)?;

    s.sql(&s.app, CHANGES)?;
    let r = s.run(&["drift", "--format", "json"]);
    check(r.code == 2, "drift exits 2", &r)?;
    let v = json(&r)?;
    check(
        service(&v, "clean")["drift"]["drift"] == false
            && service(&v, "clean")["status"] == "unchanged",
        "the clean service did not drift",
        &r,
    )?;
    let mut report = service(&v, "app")["drift"].clone();
    let got = codes(&report);
    let want: Vec<(String, String)> = [
        ("privilege.granted_unexpected", "table public.accounts"),
        ("privilege.revoked", "table public.accounts"),
        ("rls.disabled", "table public.accounts"),
        ("policy.unexpected", "policy no_deletes on public.accounts"),
        ("owner.changed", "table public.notes"),
        ("function.security_changed", "function public.whoami()"),
        ("column.missing", "column public.notes.legacy_flag"),
        ("index.unexpected", "index public.notes_body_idx"),
        ("column.type_changed", "column public.accounts.balance"),
        ("function.body_changed", "function public.total()"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    let sorted = |mut l: Vec<(String, String)>| {
        l.sort();
        l
    };
    check(
        sorted(got.clone()) == sorted(want.clone()),
        &format!("one finding per manual change:\n got {got:?}\nwant {want:?}"),
        &r,
    )?;
    let categories: Vec<&str> = report["findings"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["category"].as_str()).collect())
        .unwrap_or_default();
    let first_other = categories.iter().position(|c| *c != "security");
    check(
        categories.iter().filter(|c| **c == "security").count() == 6 && first_other == Some(6),
        &format!("security findings first: {categories:?}"),
        &r,
    )?;
    check(
        v["summary"]["findings"] == 10,
        "the fleet summary counts the findings",
        &r,
    )?;
    let unmanaged: Vec<String> = report["unmanaged"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|u| {
                    format!(
                        "{} {}",
                        u["kind"].as_str().unwrap_or(""),
                        u["identity"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    check(
        unmanaged == ["foreign table public.remote_events"],
        &format!("the foreign table is unmanaged, the ignored table's rule is not: {unmanaged:?}"),
        &r,
    )?;

    report["target"] = Value::String("<target>".into());
    insta::assert_snapshot!(
        "categories_json",
        serde_json::to_string_pretty(&report).expect("json")
    );

    let r = s.run(&["drift", "app"]);
    check(r.code == 2, "human drift exits 2", &r)?;
    let at = |what: &str| r.stdout.find(what);
    check(
        matches!(
            (at("security:"), at("missing:"), at("unexpected:"), at("changed:"), at("outside the managed scope (not drift):")),
            (Some(a), Some(b), Some(c), Some(d), Some(e)) if a < b && b < c && c < d && d < e
        ) && r
            .stdout
            .contains("schema legacy (not managed): 1 function, 1 table")
            && r.stdout
                .contains("ignored: 3 objects (*._prisma_migrations 1, ")
            && r.stdout.contains("public.nothing_* 0, public.tmp_* 2)")
            && r.stdout
                .contains("drift, 10 findings (6 security, 1 missing, 1 unexpected, 2 changed)"),
        "human report: security, missing, unexpected, changed, then outside the scope",
        &r,
    )?;
    let r = s.run(&["drift", "--format", "markdown"]);
    check(
        r.code == 2
            && r.stdout.contains("## app")
            && r.stdout.contains("## clean")
            && r.stdout.find("#### Security") < r.stdout.find("#### Missing")
            && r.stdout
                .contains("#### Outside the managed scope (not drift)")
            && r.stdout.contains(
                "| unexpected | `privilege.granted_unexpected` | `table public.accounts` |",
            ),
        "markdown: a section per service, security first",
        &r,
    )?;

    // Single mode: one database, no ignore patterns (so the scratch and Prisma tables are
    // drift there), the same codes otherwise.
    let url = h.cluster.url(&s.app.dbname());
    let schema = s.dir.path().join("schema/app");
    let schema = schema.to_str().expect("utf-8 path");
    let r = s.run(&[
        "drift",
        "--url",
        &url,
        "--schema",
        schema,
        "--managed-schema",
        "public",
        "--format",
        "json",
    ]);
    check(r.code == 2, "single drift exits 2", &r)?;
    let single = json(&r)?;
    let got = codes(&single);
    check(
        single["format_version"] == 2
            && got.contains(&("table.unexpected".into(), "table public.tmp_scratch".into()))
            && got.contains(&(
                "column.type_changed".into(),
                "column public.accounts.balance".into(),
            ))
            && single["out_of_scope"]["ignored"]
                .as_array()
                .is_some_and(|a| a.is_empty())
            && single["out_of_scope"]["schemas"][0]["schema"] == "legacy",
        "single mode reports the same drift, the ignore patterns being the fleet's",
        &r,
    )?;

    // Resolve: apply (which leaves owners alone), then apply managing owners; what is
    // outside the scope stays and the exit status is 0.
    let r = s.run(&["apply", "app", "--auto-approve", "--allow-hazards", "all"]);
    check(r.code == 0, "apply resolves the drift", &r)?;
    let r = s.run(&["drift", "app", "--format", "json"]);
    check(r.code == 2, "the owner is still drift after apply", &r)?;
    let v = json(&r)?;
    let report = &service(&v, "app")["drift"];
    check(
        codes(report)
            == [(
                "owner.changed".to_string(),
                "table public.notes".to_string(),
            )],
        "only the owner is left",
        &r,
    )?;
    let fix = report["findings"][0]["fix"].as_str().unwrap_or("");
    check(
        fix.contains("OWNER TO drift_owner"),
        "the finding's fix is the owner's ALTER",
        &r,
    )?;
    let r = s.run(&["plan", "app", "--format", "json", "--manage-ownership"]);
    let v = json(&r)?;
    let steps = service(&v, "app")["plan"]["steps"].clone();
    check(
        steps.as_array().is_some_and(|a| a.len() == 1)
            && steps[0]["sql"]
                .as_str()
                .is_some_and(|q| q.contains("OWNER TO drift_owner")),
        "plan --manage-ownership plans exactly the owner's ALTER",
        &r,
    )?;
    let r = s.run(&[
        "apply",
        "app",
        "--auto-approve",
        "--allow-hazards",
        "all",
        "--manage-ownership",
    ]);
    check(r.code == 0, "apply --manage-ownership sets the owner", &r)?;
    let r = s.run(&["drift", "--format", "json"]);
    check(r.code == 0, "no drift once fixed", &r)?;
    let v = json(&r)?;
    let report = &service(&v, "app")["drift"];
    check(
        report["drift"] == false
            && report["unmanaged"].as_array().is_some_and(|a| a.len() == 1)
            && report["out_of_scope"]["schemas"][0]["objects"]["table"] == 1,
        "what is outside the scope is still reported, and is not drift",
        &r,
    )?;

    let r = s.run(&[
        "drift",
        "--url",
        "postgresql://nobody@127.0.0.1:1/none",
        "--schema",
        schema,
    ]);
    check(r.code == 1, "an unreachable database exits 1", &r)?;
    let rt = support::runtime();
    rt.block_on(h.drop_db(&s.app));
    rt.block_on(h.drop_db(&s.clean));
    Ok(())
}

const WHOLE: &str = "\
CREATE TABLE public.accounts (id bigint PRIMARY KEY, email text NOT NULL);
ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON public.accounts FOR SELECT TO drift_reader USING (true);
GRANT SELECT ON public.accounts TO drift_reader;
CREATE TABLE public.notes (id bigint PRIMARY KEY, body text);
COMMENT ON TABLE public.notes IS 'declared';
CREATE UNIQUE INDEX notes_body_key ON public.notes (body);
";

/// A dropped table is one `table.missing` finding that recreates it with its row-level
/// security, policy and grant; default privileges, FORCE, a comment and an index left
/// INVALID by a failed concurrent build have their codes; and, read through the library,
/// every step of the drift plan is in exactly one finding.
fn whole_objects_and_every_step(h: &Harness) -> Result<(), Failed> {
    let rt = support::runtime();
    rt.block_on(support::roles::ensure_roles(
        h,
        &ROLES.iter().map(|r| r.to_string()).collect(),
    ))?;
    let db = rt.block_on(h.fresh_db("whole"));
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("schema.sql"), WHOLE)?;
    let run_sql = |sql: &str| -> Result<(), Failed> {
        rt.block_on(async {
            let c = db.connect().await.map_err(|e| e.to_string())?;
            c.batch_execute(sql)
                .await
                .map_err(|e| schemadiff::conn::describe_error(&e))
        })?;
        Ok(())
    };
    run_sql(WHOLE)?;
    run_sql(
        "DROP TABLE public.accounts;
         ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO drift_reader;
         ALTER TABLE public.notes FORCE ROW LEVEL SECURITY;
         COMMENT ON TABLE public.notes IS 'edited';
         DROP INDEX public.notes_body_key;
         INSERT INTO public.notes VALUES (1, 'same'), (2, 'same');",
    )?;
    let failed = run_sql("CREATE UNIQUE INDEX CONCURRENTLY notes_body_key ON public.notes (body)");
    if failed.is_ok() {
        return Err("the concurrent build over duplicates should have failed".into());
    }
    let url = h.cluster.url(&db.dbname());
    let schema = dir.path().join("schema.sql");
    let schema = schema.to_str().expect("utf-8 path");
    let r = schemadiff(
        dir.path(),
        &[
            "drift", "--url", &url, "--schema", schema, "--format", "json",
        ],
        &[],
    );
    check(r.code == 2, "drift exits 2", &r)?;
    let v = json(&r)?;
    let got = codes(&v);
    let want: Vec<(String, String)> = [
        ("default_privilege.granted_unexpected", "default privileges"),
        ("rls.forced_unexpected", "table public.notes"),
        ("table.missing", "table public.accounts"),
        ("index.invalid", "index public.notes_body_key"),
        ("comment.changed", "table public.notes"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    let shape: Vec<(String, String)> = got
        .iter()
        .map(|(c, o)| {
            let o = if o.starts_with("default privileges") {
                "default privileges".to_string()
            } else {
                o.clone()
            };
            (c.clone(), o)
        })
        .collect();
    check(
        shape == want,
        &format!("codes in report order:\n got {got:?}\nwant {want:?}"),
        &r,
    )?;
    let fix = v["findings"][2]["fix"].as_str().unwrap_or("");
    check(
        [
            "CREATE TABLE public.accounts",
            "ENABLE ROW LEVEL SECURITY",
            "CREATE POLICY own_rows",
            "GRANT SELECT ON TABLE public.accounts TO drift_reader",
        ]
        .iter()
        .all(|s| fix.contains(s)),
        "the missing table's fix recreates it whole",
        &r,
    )?;
    check(
        v["findings"][3]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("INVALID")),
        "the invalid index says so",
        &r,
    )?;

    let desired = schemadiff::workflow::Desired {
        paths: vec![dir.path().join("schema.sql")],
        dev: schemadiff::workflow::DevChoice::TargetServer,
        scope: Default::default(),
        cache: schemadiff::source::CacheOptions {
            enabled: false,
            dir: None,
        },
        seeds: None,
    };
    let planned = rt.block_on(schemadiff::workflow::plan_target(
        &db,
        &desired,
        &schemadiff::drift::plan_options(),
    ))?;
    let findings = schemadiff::drift::findings(&planned.plan, &planned.live, &planned.desired);
    let mut steps: Vec<usize> = findings.iter().flat_map(|f| f.steps.clone()).collect();
    steps.sort();
    if steps != (0..planned.plan.steps.len()).collect::<Vec<_>>() || planned.plan.steps.len() < 8 {
        return Err(format!(
            "every step in exactly one finding: {steps:?} of {} steps",
            planned.plan.steps.len()
        )
        .into());
    }
    rt.block_on(h.drop_db(&db));
    Ok(())
}

const TIMESCALE: &str = "\
CREATE EXTENSION IF NOT EXISTS timescaledb;
CREATE TABLE public.metrics (at timestamptz NOT NULL, v double precision);
SELECT create_hypertable('public.metrics', by_range('at', INTERVAL '7 days'));
SELECT add_retention_policy('public.metrics', drop_after => INTERVAL '30 days');
CREATE TABLE public.events (at timestamptz NOT NULL, kind text);
SELECT create_hypertable('public.events', by_range('at', INTERVAL '1 day'));
";

/// TimescaleDB: a removed retention policy is `timescale_policy.missing`; a dropped
/// hypertable is one `table.missing` whose fix makes it a hypertable again.
fn timescale_objects(h: &Harness) -> Result<(), Failed> {
    if !h.timescaledb {
        println!(
            "timescaledb: SKIPPED the drift case against the real extension: TimescaleDB is not \
             installed for this server, or SCHEMADIFF_NO_TIMESCALEDB is set"
        );
        return Ok(());
    }
    let rt = support::runtime();
    let db = rt.block_on(h.fresh_db("timescale"));
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("schema.sql"), TIMESCALE)?;
    rt.block_on(async {
        let c = db.connect().await.map_err(|e| e.to_string())?;
        c.batch_execute(TIMESCALE)
            .await
            .map_err(|e| schemadiff::conn::describe_error(&e))?;
        c.batch_execute(
            "SELECT remove_retention_policy('public.metrics'); DROP TABLE public.events;",
        )
        .await
        .map_err(|e| schemadiff::conn::describe_error(&e))
    })?;
    let url = h.cluster.url(&db.dbname());
    let schema = dir.path().join("schema.sql");
    let schema = schema.to_str().expect("utf-8 path");
    let r = schemadiff(
        dir.path(),
        &[
            "drift", "--url", &url, "--schema", schema, "--format", "json",
        ],
        &[],
    );
    check(r.code == 2, "drift exits 2", &r)?;
    let v = json(&r)?;
    let got: Vec<String> = codes(&v).into_iter().map(|(c, _)| c).collect();
    check(
        got == ["table.missing", "timescale_policy.missing"],
        &format!("codes: {got:?}"),
        &r,
    )?;
    check(
        v["findings"][0]["object"] == "table public.events"
            && v["findings"][0]["fix"]
                .as_str()
                .is_some_and(|f| f.contains("create_hypertable")),
        "the dropped hypertable is one finding that makes it a hypertable again",
        &r,
    )?;
    check(
        v["findings"][1]["object"]
            .as_str()
            .is_some_and(|o| o.contains("public.metrics"))
            && v["findings"][1]["fix"]
                .as_str()
                .is_some_and(|f| f.contains("add_retention_policy")),
        "the retention policy is missing on metrics",
        &r,
    )?;
    rt.block_on(h.drop_db(&db));
    Ok(())
}

/// The example systems: applied to an empty database, they show no drift (no false
/// findings from hypertables, policies, continuous aggregates, grants or owners).
fn examples_apply_then_no_drift(h: &Harness) -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec!["schema/predicthealth"];
    if h.timescaledb {
        dirs.extend(["schema/austa/health_journey", "schema/capsule/monitor"]);
    } else {
        println!(
            "timescaledb: SKIPPED the drift check of the TimescaleDB example schemas: \
             TimescaleDB is not installed for this server, or SCHEMADIFF_NO_TIMESCALEDB is set"
        );
    }
    let rt = support::runtime();
    for dir in dirs {
        let db = rt.block_on(h.fresh_db(dir));
        let url = h.cluster.url(&db.dbname());
        let schema = root.join(dir);
        let schema = schema.to_str().expect("utf-8 path");
        let r = schemadiff(
            root,
            &[
                "apply",
                "--url",
                &url,
                "--schema",
                schema,
                "--auto-approve",
                "--allow-hazards",
                "all",
            ],
            &[],
        );
        check(r.code == 0, &format!("apply {dir}"), &r)?;
        let r = schemadiff(
            root,
            &[
                "drift", "--url", &url, "--schema", schema, "--format", "json",
            ],
            &[],
        );
        check(r.code == 0, &format!("no drift in {dir} after apply"), &r)?;
        let v = json(&r)?;
        check(
            v["drift"] == false && v["summary"]["findings"] == 0,
            &format!("{dir}: a clean report"),
            &r,
        )?;
        rt.block_on(h.drop_db(&db));
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let harness = Arc::new(Harness::start_timescale());
    let h = |f: fn(&Harness) -> Result<(), Failed>| {
        let h = harness.clone();
        move || f(&h)
    };
    let trials = vec![
        Trial::test("every_category", h(every_category)),
        Trial::test(
            "whole_objects_and_every_step",
            h(whole_objects_and_every_step),
        ),
        Trial::test("timescale_objects", h(timescale_objects)),
        Trial::test(
            "examples_apply_then_no_drift",
            h(examples_apply_then_no_drift),
        ),
    ];
    let conclusion = libtest_mimic::run(&args, trials);
    drop(harness);
    let _ = std::fs::remove_dir_all(cache_dir());
    conclusion.exit();
}
