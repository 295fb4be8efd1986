//! The four example fleets of `schema/` end to end, through the real binary and their own
//! `schemadiff.yaml` (each service pointed at a fresh database of the test cluster by the
//! variables its config reads):
//!
//! - per platform, empty → desired converges: `apply`, then the next `plan` is empty, and
//!   every database equals, by `pg_dump --schema-only` (normalized), a reference database
//!   built straight from the service's files with `psql -f` in file order;
//! - RM Brain: a copy of the fleet with `documents.category` added plans exactly that column;
//! - per platform, a manual `ALTER` on one service is drift of that service only (exit 2);
//! - a service whose files create an extension its server lacks fails naming it, or is
//!   reported `skipped` with `--skip-unavailable-extensions`.
//!
//! TimescaleDB services run where it is installed and print a `SKIPPED` line where not
//! (`SCHEMADIFF_NO_TIMESCALEDB=1` shows that here).

mod support;

use libtest_mimic::{Arguments, Failed, Trial};
use schemadiff::embedded::{timescaledb_installed, ClusterOptions, EmbeddedCluster};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use support::cli::{self, check, json, Run};
use support::converge::unified;
use support::Harness;

/// A platform: its folder under `schema/`, and its services with the file of the manual
/// `ALTER` of the drift case.
struct Platform {
    dir: &'static str,
    services: &'static [&'static str],
    /// Services whose files create `timescaledb`.
    timescale: &'static [&'static str],
    /// The service changed by hand in the drift case, the statement, and the name the
    /// finding must mention.
    drift: (&'static str, &'static str, &'static str),
}

const PLATFORMS: &[Platform] = &[
    Platform {
        dir: "austa",
        services: &[
            "auth",
            "care_journey",
            "gamification",
            "health_journey",
            "plan_journey",
        ],
        timescale: &["health_journey"],
        drift: (
            "care_journey",
            "ALTER TABLE care_provider ADD COLUMN website text",
            "care_provider.website",
        ),
    },
    Platform {
        dir: "capsule",
        services: &["auth", "billing", "deploy", "monitor"],
        timescale: &["monitor"],
        drift: (
            "billing",
            "ALTER TABLE invoices DROP CONSTRAINT invoices_paid_check",
            "invoices_paid_check",
        ),
    },
    Platform {
        dir: "rmbrain",
        services: &[
            "cas_audit",
            "cds_client",
            "cds_document",
            "cds_product",
            "cds_task",
            "interaction_db",
            "relationship_db",
            "riskprofile_db",
            "rmbrain_mainapp",
        ],
        timescale: &[],
        drift: (
            "cds_task",
            "ALTER TABLE tasks ADD COLUMN escalated boolean",
            "tasks.escalated",
        ),
    },
    Platform {
        dir: "predicthealth",
        services: &["predicthealth"],
        timescale: &[],
        drift: (
            "predicthealth",
            "DROP INDEX patients_name_idx",
            "patients_name_idx",
        ),
    },
];

/// `(name, value)` pairs: services and their databases, or environment variables.
type Pairs = Vec<(String, String)>;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cache_dir() -> PathBuf {
    cli::cache_dir("examples")
}

fn schemadiff(args: &[&str], env: &[(String, String)]) -> Run {
    cli::run(&root(), args, env, &[], &cache_dir())
}

fn service<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["services"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["service"] == name))
        .unwrap_or(&Value::Null)
}

/// The variables that point `service` of `platform` at database `db` of the test cluster,
/// named as the platform's config reads them.
fn service_env(h: &Harness, platform: &str, service: &str, db: &str) -> Vec<(String, String)> {
    let url = h.cluster.url(db);
    let var = |name: String| vec![(name, url.clone())];
    match platform {
        "austa" => {
            let key = match service {
                "care_journey" => "CARE",
                "plan_journey" => "PLAN",
                "health_journey" => "HEALTH",
                other => return var(format!("AUSTA_{}_DATABASE_URL", other.to_uppercase())),
            };
            var(format!("AUSTA_{key}_DATABASE_URL"))
        }
        "capsule" => {
            let key = service.to_uppercase();
            let socket = h.cluster.socket_dir().display().to_string();
            vec![
                (format!("{key}_SERVICE_DB_HOST"), socket.replace('/', "%2F")),
                (
                    format!("{key}_SERVICE_DB_PORT"),
                    h.cluster.port().to_string(),
                ),
                (format!("{key}_SERVICE_DB_USER"), "postgres".into()),
                (format!("{key}_SERVICE_DB_NAME"), db.into()),
            ]
        }
        "rmbrain" => var(format!("RMBRAIN_{}_URL", service.to_uppercase())),
        "predicthealth" => var("PREDICTHEALTH_DATABASE_URL".into()),
        other => panic!("unknown platform {other}"),
    }
}

/// A fresh database per service of `p` and the variables that point the config at them.
fn fleet_dbs(h: &Harness, p: &Platform, label: &str) -> (Pairs, Pairs) {
    let rt = support::runtime();
    let mut dbs = Vec::new();
    let mut env = Vec::new();
    for s in p.services {
        let db = rt
            .block_on(h.fresh_db(&format!("{label}_{}_{s}", p.dir)))
            .dbname();
        env.extend(service_env(h, p.dir, s, &db));
        dbs.push((s.to_string(), db));
    }
    (dbs, env)
}

fn timescale_skipped(h: &Harness, p: &Platform, s: &str) -> bool {
    !h.timescaledb && p.timescale.contains(&s)
}

/// The `.sql` files of a folder, recursively, in path order.
fn sql_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read schema folder").flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "sql") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The reference: a database built from the service's files by `psql -f` in path order
/// (the example files are numbered in dependency order), with nothing of schemadiff.
fn psql_reference(h: &Harness, label: &str, dir: &Path) -> Result<String, Failed> {
    let db = support::runtime().block_on(h.fresh_db(label)).dbname();
    let psql = h.cluster.bin_dir().join("psql");
    let psql = if psql.is_file() {
        psql
    } else {
        PathBuf::from("psql")
    };
    for file in sql_files(dir) {
        let out = Command::new(&psql)
            .arg("--host")
            .arg(h.cluster.socket_dir())
            .arg("--port")
            .arg(h.cluster.port().to_string())
            .args(["--username", "postgres", "--no-psqlrc", "--quiet"])
            .args(["-v", "ON_ERROR_STOP=1", "--dbname", &db, "-f"])
            .arg(&file)
            .output()?;
        if !out.status.success() {
            return Err(format!(
                "psql -f {} failed: {}",
                file.display(),
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
    }
    Ok(db)
}

/// The reference data of the example seed files, as the apply wrote it.
fn seeded_rows(h: &Harness, p: &Platform, dbs: &Pairs) -> Result<(), Failed> {
    let expected: &[(&str, &str, &str)] = match p.dir {
        "austa" => &[
            ("auth", "SELECT count(*) FROM auth_role", "6"),
            ("auth", "SELECT count(*) FROM auth_permission", "13"),
            (
                "auth",
                "SELECT string_agg(p.name, ',' ORDER BY p.name) FROM auth_role_permission rp \
                 JOIN auth_role r ON r.id = rp.role_id JOIN auth_permission p ON p.id = rp.permission_id \
                 WHERE r.name = 'admin'",
                "auth:users:admin,gamification:catalog:write,plan:claims:review",
            ),
            ("care_journey", "SELECT count(*) FROM shared.specialty", "9"),
            (
                "gamification",
                "SELECT title || ':' || xp_reward FROM gamification_achievement WHERE code = 'journey_explorer'",
                "Journey Explorer:150",
            ),
            (
                "gamification",
                "SELECT jsonb_array_length(steps) FROM gamification_quest WHERE title = 'Know Your Coverage'",
                "2",
            ),
        ],
        "predicthealth" => &[
            ("predicthealth", "SELECT count(*) FROM doctor_specialties", "7"),
            (
                "predicthealth",
                "SELECT u.user_type || ':' || a.access_level FROM users u JOIN admins a ON a.id = u.reference_id \
                 WHERE u.email = 'admin@predicthealth.local'",
                "admin:5",
            ),
        ],
        _ => &[],
    };
    let rt = support::runtime();
    for (service, sql, want) in expected {
        let db = &dbs.iter().find(|(s, _)| s == service).expect("service").1;
        let got: String = rt.block_on(async {
            let c = h.cluster.target(db).connect().await?;
            let row = c.query_one(&format!("SELECT ({sql})::text"), &[]).await?;
            Ok::<_, Failed>(row.get::<_, Option<String>>(0).unwrap_or_default())
        })?;
        if got != *want {
            return Err(format!("{}/{service}: {sql} gave {got}, want {want}", p.dir).into());
        }
    }
    Ok(())
}

/// (a) apply from empty, the next plan is empty, and every database equals its psql-built
/// reference by pg_dump; TimescaleDB services are run or visibly skipped.
fn converges(h: &Harness, p: &Platform) -> Result<(), Failed> {
    let (dbs, env) = fleet_dbs(h, p, "conv");
    let config = format!("schema/{}/schemadiff.yaml", p.dir);
    let mut args = vec!["apply", "--config", &config, "--auto-approve"];
    if !h.timescaledb {
        args.push("--skip-unavailable-extensions");
    }
    let r = schemadiff(&args, &env);
    check(r.code == 0, "apply of the whole fleet succeeds", &r)?;

    let mut args = vec!["plan", "--config", &config, "--format", "json"];
    args.push("--detailed-exitcode");
    if !h.timescaledb {
        args.push("--skip-unavailable-extensions");
    }
    let r = schemadiff(&args, &env);
    check(
        r.code == 0,
        "the next plan of every service is empty (exit 0)",
        &r,
    )?;
    let report = json(&r)?;
    for (s, _) in &dbs {
        let want = if timescale_skipped(h, p, s) {
            println!("SKIPPED: {}/{s} (TimescaleDB is not installed)", p.dir);
            "skipped"
        } else {
            "unchanged"
        };
        check(
            service(&report, s)["status"] == want,
            &format!("{}/{s} is {want} after apply", p.dir),
            &r,
        )?;
    }
    check(
        report["summary"]["services"] == p.services.len(),
        "every service reported",
        &r,
    )?;

    seeded_rows(h, p, &dbs)?;

    for (s, db) in &dbs {
        if timescale_skipped(h, p, s) {
            continue;
        }
        let folder = root().join("schema").join(p.dir).join(match p.dir {
            "predicthealth" => "",
            _ => s,
        });
        let reference = psql_reference(h, &format!("ref_{}_{s}", p.dir), &folder)?;
        let got = support::oracle::dump_user_schema(h, db)?;
        let want = support::oracle::dump_user_schema(h, &reference)?;
        if !want.contains("CREATE TABLE public.") {
            return Err(format!("{}/{s}: the reference dump has no tables:\n{want}", p.dir).into());
        }
        if got != want {
            return Err(format!(
                "{}/{s}: applied database differs from psql -f of its files (- reference, + applied):\n{}",
                p.dir,
                unified(&want, &got)
            )
            .into());
        }
    }
    Ok(())
}

/// (c) a manual ALTER on one service is drift of that service only.
fn drift_of_one_service(h: &Harness, p: &Platform) -> Result<(), Failed> {
    let (dbs, env) = fleet_dbs(h, p, "drift");
    let config = format!("schema/{}/schemadiff.yaml", p.dir);
    let r = schemadiff(
        &[
            "apply",
            "--config",
            &config,
            "--auto-approve",
            "--skip-unavailable-extensions",
        ],
        &env,
    );
    check(r.code == 0, "apply", &r)?;
    let r = schemadiff(
        &[
            "drift",
            "--config",
            &config,
            "--skip-unavailable-extensions",
        ],
        &env,
    );
    check(r.code == 0, "no drift right after apply (exit 0)", &r)?;

    let (changed, sql, name) = p.drift;
    let db = &dbs.iter().find(|(s, _)| s == changed).expect("service").1;
    support::runtime().block_on(async {
        let c = h.cluster.target(db).connect().await.expect("connect");
        c.batch_execute(sql).await.expect("manual ALTER");
    });
    let r = schemadiff(
        &[
            "drift",
            "--config",
            &config,
            "--skip-unavailable-extensions",
            "--format",
            "json",
        ],
        &env,
    );
    check(r.code == 2, "drift exits 2", &r)?;
    let report = json(&r)?;
    for s in p.services {
        let status = &service(&report, s)["status"];
        let want = if *s == changed {
            "changes"
        } else if timescale_skipped(h, p, s) {
            "skipped"
        } else {
            "unchanged"
        };
        check(
            status == want,
            &format!("{}/{s} is {want} after `{sql}` on {changed}", p.dir),
            &r,
        )?;
    }
    let found = service(&report, changed)["drift"].to_string();
    check(
        found.contains(name),
        &format!("the drift of {changed} names {name}"),
        &r,
    )
}

/// (b) RM Brain: `documents.category` added to a copy of the fleet plans exactly that.
fn rmbrain_edit(h: &Harness) -> Result<(), Failed> {
    let p = PLATFORMS
        .iter()
        .find(|p| p.dir == "rmbrain")
        .expect("rmbrain");
    let (_, env) = fleet_dbs(h, p, "edit");
    let r = schemadiff(
        &[
            "apply",
            "--config",
            "schema/rmbrain/schemadiff.yaml",
            "--auto-approve",
        ],
        &env,
    );
    check(r.code == 0, "apply", &r)?;

    let copy = tempfile::tempdir()?;
    copy_dir(&root().join("schema/rmbrain"), copy.path())?;
    let file = copy.path().join("cds_document/10_documents.sql");
    let sql = std::fs::read_to_string(&file)?;
    let edited = sql.replacen(
        "    title varchar(255) NOT NULL,\n",
        "    title varchar(255) NOT NULL,\n    category varchar(50),\n",
        1,
    );
    if edited == sql {
        return Err("the documents table of the example changed: update this test".into());
    }
    std::fs::write(&file, edited)?;
    let config = copy.path().join("schemadiff.yaml").display().to_string();
    let r = schemadiff(
        &[
            "plan",
            "--config",
            &config,
            "--format",
            "json",
            "--detailed-exitcode",
        ],
        &env,
    );
    check(r.code == 2, "the edit has changes (exit 2)", &r)?;
    let report = json(&r)?;
    for s in p.services {
        let want = if *s == "cds_document" {
            "changes"
        } else {
            "unchanged"
        };
        check(
            service(&report, s)["status"] == want,
            &format!("{s} is {want}"),
            &r,
        )?;
    }
    let steps = service(&report, "cds_document")["plan"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    check(steps.len() == 1, "exactly one step", &r)?;
    let step = &steps[0];
    check(
        step["object"]["object"] == "column"
            && step["object"]["table"] == "public.documents"
            && step["object"]["column"] == "category"
            && step["action"] == "create"
            && step["sql"]
                == "ALTER TABLE public.documents ADD COLUMN category character varying(50)"
            && step["hazards"].as_array().is_some_and(|h| h.is_empty()),
        "the step adds documents.category, without hazards",
        &r,
    )
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// A two-service fleet: `lab` needs an extension no server has, `app` is plain.
fn missing_extension_fleet(h: &Harness) -> Result<(tempfile::TempDir, String, String), Failed> {
    let rt = support::runtime();
    let lab = rt.block_on(h.fresh_db("ext_lab")).dbname();
    let app = rt.block_on(h.fresh_db("ext_app")).dbname();
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("lab"))?;
    std::fs::create_dir_all(dir.path().join("app"))?;
    std::fs::write(
        dir.path().join("lab/00_extensions.sql"),
        "-- the lab service\nCREATE EXTENSION IF NOT EXISTS pgcrypto;\nCREATE EXTENSION IF NOT EXISTS \"no_such_extension\";\n",
    )?;
    std::fs::write(
        dir.path().join("lab/10_samples.sql"),
        "CREATE TABLE samples (id bigint PRIMARY KEY);\n",
    )?;
    std::fs::write(
        dir.path().join("app/10_users.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY);\n",
    )?;
    std::fs::write(
        dir.path().join("schemadiff.yaml"),
        format!(
            "services:\n  lab:\n    url: \"{}\"\n    schema: lab\n  app:\n    url: \"{}\"\n    schema: app\n",
            h.cluster.url(&lab),
            h.cluster.url(&app)
        ),
    )?;
    Ok((dir, lab, app))
}

/// Without the flag, the service fails naming the extension, its file and line and the
/// server; the other service is still planned.
fn unavailable_extension_fails(h: &Harness) -> Result<(), Failed> {
    let (dir, _, _) = missing_extension_fleet(h)?;
    let config = dir.path().join("schemadiff.yaml").display().to_string();
    let r = schemadiff(&["plan", "--config", &config, "--format", "json"], &[]);
    check(
        r.code == 1,
        "a service with a missing extension fails the run",
        &r,
    )?;
    let report = json(&r)?;
    let lab = service(&report, "lab");
    let message = lab["error"]["message"].as_str().unwrap_or("");
    check(
        lab["status"] == "error"
            && lab["error"]["code"] == "schemadiff::fleet::extension_unavailable"
            && message.contains("no_such_extension")
            && message.contains("lab/00_extensions.sql:3")
            && message.contains("is not installed on postgresql://"),
        "the error names the extension, its file:line and the server",
        &r,
    )?;
    check(
        service(&report, "app")["status"] == "changes",
        "the other service is planned",
        &r,
    )?;
    let r = schemadiff(
        &[
            "plan",
            "--url",
            &h.cluster.url("postgres"),
            "--schema",
            "schema/predicthealth",
            "--skip-unavailable-extensions",
        ],
        &[],
    );
    check(
        r.code == 1 && r.stderr.contains("skips services of a fleet run"),
        "the flag is refused for one database",
        &r,
    )?;
    let r = schemadiff(&["plan", "--config", &config], &[]);
    check(
        r.code == 1
            && r.stdout.contains("extension_unavailable")
            && r.stdout.contains("--skip-unavailable-extensions"),
        "the human report shows the diagnostic and its remedy",
        &r,
    )
}

/// With the flag, the service is `skipped` in every format, neither a failure nor a change,
/// and apply leaves its database alone.
fn unavailable_extension_skipped(h: &Harness) -> Result<(), Failed> {
    let (dir, lab, _) = missing_extension_fleet(h)?;
    let config = dir.path().join("schemadiff.yaml").display().to_string();
    let flag = "--skip-unavailable-extensions";
    let r = schemadiff(
        &["plan", "--config", &config, flag, "--format", "json"],
        &[],
    );
    check(r.code == 0, "a skipped service is not a failure", &r)?;
    let report = json(&r)?;
    let skipped = service(&report, "lab");
    check(
        skipped["status"] == "skipped"
            && skipped["skipped"]
                .as_str()
                .is_some_and(|s| s.contains("no_such_extension")),
        "lab is skipped, saying why",
        &r,
    )?;
    check(
        report["summary"]["skipped"] == 1
            && report["summary"]["errors"] == 0
            && report["summary"]["changes"] == 1,
        "summary counts it as skipped only",
        &r,
    )?;
    let r = schemadiff(&["drift", "--config", &config, flag, "lab"], &[]);
    check(
        r.code == 0 && r.stdout.contains("skipped: extension no_such_extension"),
        "drift of the skipped service alone: exit 0, shown as skipped",
        &r,
    )?;
    let r = schemadiff(
        &["lint", "--config", &config, "--format", "json", "lab"],
        &[],
    );
    check(
        r.code == 1
            && service(&json(&r)?, "lab")["error"]["code"]
                == "schemadiff::fleet::extension_unavailable",
        "lint without the flag fails the service, naming the extension",
        &r,
    )?;
    let r = schemadiff(
        &["lint", "--config", &config, flag, "--format", "json", "lab"],
        &[],
    );
    let report = json(&r)?;
    check(
        r.code == 0
            && service(&report, "lab")["status"] == "skipped"
            && service(&report, "lab")["skipped"]
                .as_str()
                .is_some_and(|s| s.contains("no_such_extension"))
            && report["summary"]["skipped"] == 1,
        "lint with the flag skips it: exit 0, shown as skipped",
        &r,
    )?;
    for (format, shown) in [
        ("markdown", "**skipped**: extension no_such_extension"),
        ("sql", "-- skipped: extension no_such_extension"),
        ("human", "skipped: extension no_such_extension"),
    ] {
        let r = schemadiff(
            &["plan", "--config", &config, flag, "--format", format],
            &[],
        );
        check(
            r.stdout.contains(shown) && r.stdout.contains("1 skipped"),
            &format!("{format} shows the skipped service"),
            &r,
        )?;
    }
    let r = schemadiff(
        &[
            "plan",
            "--config",
            &config,
            flag,
            "--dev-url",
            "embedded",
            "--format",
            "json",
        ],
        &[],
    );
    let report = json(&r)?;
    check(
        service(&report, "lab")["skipped"]
            .as_str()
            .is_some_and(|s| s.contains("on the embedded cluster of")),
        "with --dev-url embedded, the local installation is what counts",
        &r,
    )?;
    let r = schemadiff(&["apply", "--config", &config, flag, "--auto-approve"], &[]);
    check(r.code == 0, "apply with a skipped service succeeds", &r)?;
    let tables: i64 = support::runtime().block_on(async {
        let c = h.cluster.target(&lab).connect().await.expect("connect");
        c.query_one(
            "SELECT count(*) FROM pg_class WHERE relname = 'samples'",
            &[],
        )
        .await
        .expect("count")
        .get(0)
    });
    check(
        tables == 0,
        "the skipped service's database is untouched",
        &r,
    )
}

/// Capsule's monitor on a server without TimescaleDB preloaded (or installed): it fails
/// naming `timescaledb` and the line of `monitor/00_extensions.sql` that creates it, and is
/// skipped with the flag, while Capsule's other services are unaffected.
fn timescaledb_missing_on_server(h: &Harness) -> Result<(), Failed> {
    let bin = EmbeddedCluster::find_binaries()?;
    let plain = EmbeddedCluster::start_with(Some(&bin), &ClusterOptions::default())?;
    let rt = support::runtime();
    rt.block_on(async {
        let c = plain.target("postgres").connect().await.expect("connect");
        c.batch_execute("CREATE DATABASE monitor_service_db")
            .await
            .expect("create database");
    });
    let p = PLATFORMS
        .iter()
        .find(|p| p.dir == "capsule")
        .expect("capsule");
    let (_, mut env) = fleet_dbs(h, p, "plain");
    env.retain(|(k, _)| !k.starts_with("MONITOR_"));
    let socket = plain.socket_dir().display().to_string();
    env.push(("MONITOR_SERVICE_DB_HOST".into(), socket.replace('/', "%2F")));
    env.push(("MONITOR_SERVICE_DB_PORT".into(), plain.port().to_string()));
    env.push(("MONITOR_SERVICE_DB_USER".into(), "postgres".into()));
    let config = "schema/capsule/schemadiff.yaml";
    let r = schemadiff(&["plan", "--config", config, "--format", "json"], &env);
    check(r.code == 1, "monitor fails without TimescaleDB", &r)?;
    let report = json(&r)?;
    let monitor = service(&report, "monitor");
    let message = monitor["error"]["message"].as_str().unwrap_or("");
    let why = if timescaledb_installed(&bin) {
        "is installed but not in shared_preload_libraries"
    } else {
        "is not installed"
    };
    check(
        monitor["error"]["code"] == "schemadiff::fleet::extension_unavailable"
            && message.contains("extension timescaledb")
            && message.contains("schema/capsule/monitor/00_extensions.sql:2")
            && message.contains(why)
            && message.contains(&format!(":{}/monitor_service_db", plain.port())),
        "the error names timescaledb, its file:line, why, and the server",
        &r,
    )?;
    for s in ["auth", "billing", "deploy"] {
        check(
            service(&report, s)["status"] == "changes",
            &format!("{s} is planned"),
            &r,
        )?;
    }
    let r = schemadiff(
        &[
            "plan",
            "--config",
            config,
            "--format",
            "json",
            "--skip-unavailable-extensions",
        ],
        &env,
    );
    check(r.code == 0, "skipped with the flag", &r)?;
    let report = json(&r)?;
    check(
        service(&report, "monitor")["status"] == "skipped" && report["summary"]["skipped"] == 1,
        "monitor is skipped",
        &r,
    )
}

fn main() {
    let args = Arguments::from_args();
    let harness = Arc::new(Harness::start_timescale());
    support::runtime().block_on(async {
        let admin = harness
            .cluster
            .target("postgres")
            .connect()
            .await
            .expect("connect");
        let roles = std::fs::read_to_string(root().join("schema/austa/roles.sql"))
            .expect("schema/austa/roles.sql");
        admin.batch_execute(&roles).await.expect("AUSTA roles");
    });
    if !harness.timescaledb {
        println!("SKIPPED: TimescaleDB is not installed: austa/health_journey and capsule/monitor are checked as skipped");
    }
    let mut trials = Vec::new();
    for p in PLATFORMS {
        let h = harness.clone();
        trials.push(Trial::test(format!("{}::converges", p.dir), move || {
            converges(&h, p)
        }));
        let h = harness.clone();
        trials.push(Trial::test(
            format!("{}::drift_of_one_service", p.dir),
            move || drift_of_one_service(&h, p),
        ));
    }
    let h = harness.clone();
    trials.push(Trial::test(
        "rmbrain::edit_plans_only_the_new_column",
        move || rmbrain_edit(&h),
    ));
    let h = harness.clone();
    trials.push(Trial::test(
        "unavailable_extension::fails_by_default",
        move || unavailable_extension_fails(&h),
    ));
    let h = harness.clone();
    trials.push(Trial::test(
        "unavailable_extension::skipped_with_flag",
        move || unavailable_extension_skipped(&h),
    ));
    let h = harness.clone();
    trials.push(Trial::test(
        "unavailable_extension::timescaledb_missing_on_server",
        move || timescaledb_missing_on_server(&h),
    ));
    let conclusion = libtest_mimic::run(&args, trials);
    drop(harness);
    let _ = std::fs::remove_dir_all(cache_dir());
    conclusion.exit();
}
