//! Fleet runs through the real binary: `schemadiff.yaml` with three services on three
//! databases of one throwaway cluster; convergence, a one-service edit, one-service drift,
//! a broken service next to healthy ones, configuration errors, interpolation, ignore
//! patterns and per-service hazard policy.

mod support;

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::cli::{self, check, json, Run};
use support::Harness;

/// Run the binary in `dir` (where schemadiff.yaml is) with extra environment variables.
fn cache_dir() -> PathBuf {
    cli::cache_dir("fleet")
}

fn schemadiff(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    cli::run(
        dir,
        args,
        env,
        &["FLEET_AUTH_URL", "FLEET_SHOP_URL"],
        &cache_dir(),
    )
}

/// `service → status` of a JSON fleet report.
fn statuses(v: &Value) -> Vec<(String, String)> {
    v["services"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s["service"].as_str().unwrap_or("").to_string(),
                        s["status"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn service<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["services"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["service"] == name))
        .unwrap_or(&Value::Null)
}

const AUTH: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);\n";
const BILLING: &str =
    "CREATE TABLE invoices (id bigint PRIMARY KEY, amount numeric(12,2) NOT NULL);\n";
const SHOP: &str = "CREATE SCHEMA shop;\nCREATE TABLE shop.items (id bigint PRIMARY KEY, name text NOT NULL);\nCREATE INDEX items_name_idx ON shop.items (name);\n";

struct Fleet {
    dir: tempfile::TempDir,
    auth_url: String,
    shop_url: String,
    billing_url: String,
    dbs: Vec<schemadiff::conn::ConnTarget>,
}

impl Fleet {
    fn new(h: &Harness, label: &str) -> Fleet {
        let rt = support::runtime();
        let dbs: Vec<_> = ["auth", "billing", "shop"]
            .iter()
            .map(|n| rt.block_on(h.fresh_db(&format!("{label}_{n}"))))
            .collect();
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, sql) in [("auth", AUTH), ("billing", BILLING), ("shop", SHOP)] {
            let d = dir.path().join("schema").join(name);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("tables.sql"), sql).unwrap();
        }
        let url = |i: usize| h.cluster.url(&dbs[i].dbname());
        let fleet = Fleet {
            auth_url: url(0),
            billing_url: url(1),
            shop_url: url(2),
            dir,
            dbs,
        };
        fleet.write_config("");
        fleet
    }

    /// The configuration; `billing_extra` is appended to the billing service.
    fn write_config(&self, billing_extra: &str) {
        let yaml = format!(
            "\
services:
  auth:
    url: ${{FLEET_AUTH_URL}}
    schema: schema/auth
  billing:
    url: \"{billing}\"
    schema: schema/billing
{billing_extra}
  shop:
    url: ${{FLEET_SHOP_URL:-{shop}}}
    schema: schema/shop
    schemas: [shop]
    timeouts:
      lock_timeout: 2s
",
            billing = self.billing_url,
            shop = self.shop_url,
        );
        std::fs::write(self.dir.path().join("schemadiff.yaml"), yaml).unwrap();
    }

    fn run(&self, args: &[&str]) -> Run {
        schemadiff(
            self.dir.path(),
            args,
            &[("FLEET_AUTH_URL", self.auth_url.as_str())],
        )
    }

    fn sql(&self, db: usize, sql: &str) {
        let rt = support::runtime();
        rt.block_on(async {
            let c = self.dbs[db].connect().await.expect("connect");
            c.batch_execute(sql).await.expect("sql");
        });
    }

    fn count(&self, db: usize, sql: &str) -> i64 {
        let rt = support::runtime();
        rt.block_on(async {
            let c = self.dbs[db].connect().await.expect("connect");
            c.query_one(sql, &[]).await.expect("query").get(0)
        })
    }
}

/// Empty → desired for all three; the next plan is empty; an edit in one service plans
/// only that change; a manual ALTER shows as drift of that service only; a Flyway table is
/// never touched.
fn converge_edit_and_drift(h: &Harness) -> Result<(), Failed> {
    let f = Fleet::new(h, "conv");
    f.sql(
        0,
        "CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version text)",
    );

    let r = f.run(&[
        "plan",
        "--format",
        "json",
        "--detailed-exitcode",
        "--jobs",
        "2",
    ]);
    check(r.code == 2, "a plan with changes exits 2", &r)?;
    let v = json(&r)?;
    check(
        statuses(&v)
            == pairs(&[
                ("auth", "changes"),
                ("billing", "changes"),
                ("shop", "changes"),
            ]),
        "every service has changes",
        &r,
    )?;
    check(
        (1..=3).all(|n| r.stderr.contains(&format!("[{n}/3] ")))
            && r.stderr.contains("shop: changes ("),
        "stderr has a progress line per finished service",
        &r,
    )?;
    check(
        !r.stdout.contains("flyway_schema_history"),
        "the Flyway table is ignored by default",
        &r,
    )?;

    let r = f.run(&["apply", "--auto-approve"]);
    check(r.code == 0, "apply converges all services", &r)?;
    check(
        r.stdout.contains("== auth (") && r.stdout.contains("== shop ("),
        "one section per service",
        &r,
    )?;
    check(
        r.stdout
            .contains("3 services: 3 with changes, 0 unchanged, 0 failed"),
        "the summary counts the services",
        &r,
    )?;
    check(
        f.count(
            0,
            "SELECT count(*) FROM pg_class WHERE relname = 'flyway_schema_history'",
        ) == 1,
        "the Flyway table is still there",
        &r,
    )?;
    check(
        f.count(
            2,
            "SELECT count(*) FROM pg_class WHERE relname = 'items_name_idx'",
        ) == 1,
        "shop got its index",
        &r,
    )?;

    let r = f.run(&["plan", "--detailed-exitcode", "--format", "json"]);
    check(r.code == 0, "the next plan is empty everywhere", &r)?;
    check(
        statuses(&json(&r)?)
            == pairs(&[
                ("auth", "unchanged"),
                ("billing", "unchanged"),
                ("shop", "unchanged"),
            ]),
        "nothing left to do",
        &r,
    )?;

    std::fs::write(
        f.dir.path().join("schema/billing/tables.sql"),
        "CREATE TABLE invoices (id bigint PRIMARY KEY, amount numeric(12,2) NOT NULL, category text);\n",
    )?;
    let r = f.run(&["plan", "--detailed-exitcode", "--format", "json"]);
    check(r.code == 2, "the edit is a change", &r)?;
    let v = json(&r)?;
    check(
        statuses(&v)
            == pairs(&[
                ("auth", "unchanged"),
                ("billing", "changes"),
                ("shop", "unchanged"),
            ]),
        "only billing changes",
        &r,
    )?;
    let steps = service(&v, "billing")["plan"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    check(
        steps.len() == 1
            && steps[0]["sql"]
                .as_str()
                .is_some_and(|s| s.contains("ADD COLUMN category text")),
        "exactly the new column",
        &r,
    )?;

    let r = f.run(&["plan", "billing", "--format", "json"]);
    check(r.code == 0, "plan without --detailed-exitcode exits 0", &r)?;
    check(
        statuses(&json(&r)?) == pairs(&[("billing", "changes")]),
        "a selected service runs alone",
        &r,
    )?;

    let r = f.run(&["apply", "billing", "--auto-approve"]);
    check(r.code == 0, "apply billing", &r)?;
    let r = f.run(&["drift"]);
    check(r.code == 0, "no drift after apply", &r)?;

    f.sql(2, "ALTER TABLE shop.items ADD COLUMN extra integer");
    let r = f.run(&["drift", "--format", "json"]);
    check(r.code == 2, "drift exits 2", &r)?;
    let v = json(&r)?;
    check(
        statuses(&v)
            == pairs(&[
                ("auth", "unchanged"),
                ("billing", "unchanged"),
                ("shop", "changes"),
            ]),
        "only shop drifted",
        &r,
    )?;
    let findings = &service(&v, "shop")["drift"]["findings"];
    check(
        findings.as_array().map(|a| a.len()) == Some(1)
            && findings[0]["kind"] == "unexpected"
            && findings[0]["code"] == "column.unexpected"
            && findings[0]["object"]
                .as_str()
                .is_some_and(|o| o.contains("extra")),
        "the finding is the added column",
        &r,
    )?;
    check(
        service(&v, "auth")["drift"]["drift"] == false,
        "auth reports no drift",
        &r,
    )?;
    let r = f.run(&["drift", "--format", "markdown"]);
    check(
        r.code == 2 && r.stdout.contains("## shop") && r.stdout.contains("## auth"),
        "markdown has a section per service",
        &r,
    )?;
    Ok(())
}

/// A service whose database does not exist, and one whose variable is not set, are
/// reported with their errors next to the others' results; exit 1.
fn broken_service_does_not_hide_others(h: &Harness) -> Result<(), Failed> {
    let f = Fleet::new(h, "broken");
    let missing = h.cluster.url("no_such_database_here");
    let yaml = std::fs::read_to_string(f.dir.path().join("schemadiff.yaml"))?
        .replace(&f.billing_url, &missing);
    std::fs::write(f.dir.path().join("schemadiff.yaml"), yaml)?;

    let r = f.run(&["plan", "--format", "json"]);
    check(r.code == 1, "a failing service makes the run exit 1", &r)?;
    let v = json(&r)?;
    check(
        statuses(&v)
            == pairs(&[
                ("auth", "changes"),
                ("billing", "error"),
                ("shop", "changes"),
            ]),
        "the others still report",
        &r,
    )?;
    check(
        service(&v, "billing")["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no_such_database_here")),
        "the error names the database",
        &r,
    )?;
    check(v["summary"]["errors"] == 1, "one error counted", &r)?;

    let r = f.run(&["drift"]);
    check(r.code == 1, "drift with a failing service exits 1", &r)?;
    check(
        r.stdout.contains("== billing") && r.stdout.contains("error:"),
        "the human report shows the error",
        &r,
    )?;
    check(
        r.stdout.contains("drift, ") && r.stdout.contains("1 failed"),
        "and the others' drift",
        &r,
    )?;

    // Without FLEET_AUTH_URL, auth fails naming the variable and its line.
    let r = schemadiff(f.dir.path(), &["plan"], &[]);
    check(r.code == 1, "a missing variable is an error", &r)?;
    check(
        r.stdout.contains("FLEET_AUTH_URL") && r.stdout.contains("schemadiff.yaml:3:"),
        "it names the variable and points at line 3",
        &r,
    )?;
    check(
        r.stdout.contains("== shop (") && r.stdout.contains("CREATE TABLE shop.items"),
        "shop (with its ${VAR:-default}) still plans",
        &r,
    )?;
    Ok(())
}

/// Bad configuration points at the YAML line; unknown services list the known ones.
fn config_errors(h: &Harness) -> Result<(), Failed> {
    let f = Fleet::new(h, "cfg");
    let r = f.run(&["plan", "payments"]);
    check(
        r.code == 1 && r.stderr.contains("payments") && r.stderr.contains("auth, billing, shop"),
        "an unknown service lists the known ones",
        &r,
    )?;
    f.write_config("    allow_hazards: [data_loss, table_rewrit]");
    let r = f.run(&["plan"]);
    check(
        r.code == 1 && r.stderr.contains("table_rewrit") && r.stderr.contains("schemadiff.yaml:8:"),
        "an unknown hazard points at line 8",
        &r,
    )?;
    f.write_config("    seed: seeds/billing");
    let r = f.run(&["plan"]);
    check(
        r.code == 1 && r.stderr.contains("seed") && r.stderr.contains("schemadiff.yaml:8:"),
        "an unknown key points at its line",
        &r,
    )?;
    f.write_config("    environments:\n      prod: ${BILLING_PROD_URL}");
    let r = schemadiff(
        f.dir.path(),
        &[
            "plan",
            "billing",
            "--environment",
            "prod",
            "--format",
            "json",
        ],
        &[("BILLING_PROD_URL", f.shop_url.as_str())],
    );
    let v = json(&r)?;
    check(
        r.code == 0
            && service(&v, "billing")["target"]
                .as_str()
                .is_some_and(|t| t.contains(&f.dbs[2].dbname()))
            && r.stdout.contains("CREATE TABLE public.invoices"),
        "--environment takes the service's URL for it (interpolated)",
        &r,
    )?;
    let r = f.run(&["plan", "shop", "--environment", "prod"]);
    check(
        r.code == 1 && r.stdout.contains("no URL for environment `prod`"),
        "a service without that environment fails",
        &r,
    )?;
    let r = f.run(&["plan", "--config", "elsewhere.yaml"]);
    check(
        r.code == 1 && r.stderr.contains("elsewhere.yaml"),
        "a missing file is named",
        &r,
    )?;
    let r = f.run(&["config", "schema"]);
    check(
        r.code == 0 && r.stdout.contains("\"allow_hazards\""),
        "config schema prints the JSON Schema",
        &r,
    )?;
    Ok(())
}

/// `allow_hazards` of a service is its apply policy; `ignore` globs hide objects; with
/// `ignore_migration_tables: false` the Flyway table is managed like any other.
fn hazard_policy_and_ignore(h: &Harness) -> Result<(), Failed> {
    let f = Fleet::new(h, "policy");
    f.sql(
        1,
        "CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY);
         CREATE TABLE legacy_audit (id int)",
    );
    // legacy_audit is undeclared: its drop is data_loss, refused without the policy.
    let r = f.run(&["apply", "billing", "--auto-approve"]);
    check(
        r.code == 1 && r.stdout.contains("data_loss") && r.stdout.contains("legacy_audit"),
        "an unapproved hazard is refused for the service",
        &r,
    )?;
    check(
        !r.stdout.contains("flyway_schema_history"),
        "the Flyway table is not part of the plan",
        &r,
    )?;
    // ...hidden by an ignore glob...
    f.write_config("    ignore: [\"public.legacy_*\"]");
    let r = f.run(&["apply", "billing", "--auto-approve"]);
    check(r.code == 0, "an ignored table is not planned", &r)?;
    check(
        f.count(
            1,
            "SELECT count(*) FROM pg_class WHERE relname = 'legacy_audit'",
        ) == 1,
        "and left alone",
        &r,
    )?;
    // ...and dropped when the service allows data loss; the Flyway table is managed too
    // once the default is switched off.
    f.write_config(
        "    allow_hazards: [data_loss, backward_incompatible]\n    ignore_migration_tables: false",
    );
    let r = f.run(&["apply", "billing", "--auto-approve"]);
    check(r.code == 0, "the service's policy allows the drops", &r)?;
    check(
        f.count(
            1,
            "SELECT count(*) FROM pg_class WHERE relname IN ('legacy_audit', 'flyway_schema_history')",
        ) == 0,
        "both undeclared tables are gone",
        &r,
    )?;
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let harness = Arc::new(Harness::start());
    let h = |f: fn(&Harness) -> Result<(), Failed>| {
        let h = harness.clone();
        move || f(&h)
    };
    let trials = vec![
        Trial::test("converge_edit_and_drift", h(converge_edit_and_drift)),
        Trial::test(
            "broken_service_does_not_hide_others",
            h(broken_service_does_not_hide_others),
        ),
        Trial::test("config_errors", h(config_errors)),
        Trial::test("hazard_policy_and_ignore", h(hazard_policy_and_ignore)),
    ];
    let conclusion = libtest_mimic::run(&args, trials);
    drop(harness);
    let _ = std::fs::remove_dir_all(cache_dir());
    conclusion.exit();
}
