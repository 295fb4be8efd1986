//! The README's main job, on the four example fleets of `schema/` (AUSTA, Capsule, RM Brain,
//! PredictHealth: 19 databases): one throwaway PostgreSQL cluster with a database per
//! service, then for each fleet `plan`, `apply` and `drift` through its `schemadiff.yaml`;
//! then an edit of RM Brain's desired files (a new `documents.category` column) planned
//! alone, a manual `ALTER` reported as drift of that one service, and a hand-edited
//! reference row of AUSTA's auth (seeds/austa/auth) reported as drift. Services that need
//! TimescaleDB run when it is installed and are reported skipped when it is not.
//!
//! Run with `./scripts/demo.sh` (which builds the `schemadiff` binary this runs).

use schemadiff::embedded::{timescaledb_installed, ClusterOptions, EmbeddedCluster};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

type Error = Box<dyn std::error::Error>;

/// The fleets, each with the databases its services use (the defaults of its config).
const FLEETS: &[(&str, &[&str])] = &[
    (
        "austa",
        &[
            "auth",
            "care_journey",
            "gamification",
            "health_journey",
            "plan_journey",
        ],
    ),
    (
        "capsule",
        &[
            "auth_service_db",
            "billing_service_db",
            "deploy_service_db",
            "monitor_service_db",
        ],
    ),
    (
        "rmbrain",
        &[
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
    ),
    ("predicthealth", &["predicthealth"]),
];

/// Runs the `schemadiff` binary with the environment that points every service of the
/// example configs at the throwaway cluster.
struct Runner {
    root: PathBuf,
    bin: PathBuf,
    env: Vec<(String, String)>,
}

impl Runner {
    fn run(&self, args: &[&str]) -> Result<Output, Error> {
        let mut cmd = Command::new(&self.bin);
        cmd.current_dir(&self.root).args(args).env("NO_COLOR", "1");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        Ok(cmd.output()?)
    }
}

fn banner(text: &str) {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        println!("\n\x1b[1m$ {text}\x1b[0m");
    } else {
        println!("\n$ {text}");
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One line per service of a JSON fleet plan: steps and hazards, or why it did not run.
fn plan_summary(out: &Output) -> Result<(), Error> {
    let report: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("plan output is not JSON ({e}): {}", text(&out.stderr)))?;
    for s in report["services"].as_array().into_iter().flatten() {
        let name = s["service"].as_str().unwrap_or("?");
        let line = match s["status"].as_str().unwrap_or("?") {
            "skipped" => format!("SKIPPED: {}", s["skipped"].as_str().unwrap_or("")),
            "error" => format!("error: {}", s["error"]["message"].as_str().unwrap_or("")),
            _ => {
                let steps = s["plan"]["steps"].as_array().map_or(0, |a| a.len());
                let hazardous = s["plan"]["steps"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|st| st["hazards"].as_array().is_some_and(|h| !h.is_empty()))
                    .count();
                format!("{steps:>3} steps, {hazardous} with hazards")
            }
        };
        println!("  {name:<16} {line}");
    }
    let sum = &report["summary"];
    println!(
        "  {} services: {} with changes, {} unchanged, {} skipped, {} failed",
        sum["services"], sum["changes"], sum["unchanged"], sum["skipped"], sum["errors"]
    );
    Ok(())
}

/// The lines of a fleet apply report that say what happened to each service.
fn apply_summary(out: &Output) {
    let stdout = text(&out.stdout);
    let mut service = "";
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("== ") {
            service = rest.split(' ').next().unwrap_or("");
        } else if line.starts_with("applied ") {
            println!("  {service:<16} {line}");
        } else if line.ends_with(": no changes") {
            println!("  {service:<16} no changes");
        } else if let Some(why) = line.strip_prefix("skipped: ") {
            println!("  {service:<16} SKIPPED: {why}");
        } else if line.starts_with("error: ") {
            println!("  {service:<16} {line}");
        } else if line.contains(" services: ") && !line.starts_with(' ') {
            println!("  {line}");
        }
    }
}

/// A fleet drift report without its section headers; a skipped service is named.
fn drift_summary(out: &Output) {
    let stdout = text(&out.stdout);
    let mut service = "";
    for line in stdout.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("== ") {
            service = rest.split(' ').next().unwrap_or("");
        } else if let Some(why) = line.strip_prefix("skipped: ") {
            println!("  {service}: SKIPPED: {why}");
        } else {
            println!("  {line}");
        }
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), Error> {
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

/// The `schemadiff` binary beside this example (`target/<profile>/schemadiff`), or
/// `$SCHEMADIFF_BIN`.
fn binary() -> Result<PathBuf, Error> {
    if let Some(p) = std::env::var_os("SCHEMADIFF_BIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe()?;
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("schemadiff"))
        .ok_or("cannot locate the schemadiff binary")?;
    if !bin.is_file() {
        return Err(format!(
            "{} is missing: run ./scripts/demo.sh (it builds the binary first)",
            bin.display()
        )
        .into());
    }
    Ok(bin)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let started = Instant::now();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = binary()?;
    let pg_bin = EmbeddedCluster::find_binaries()?;
    // SCHEMADIFF_NO_TIMESCALEDB shows what a machine without TimescaleDB sees.
    let timescale =
        timescaledb_installed(&pg_bin) && std::env::var_os("SCHEMADIFF_NO_TIMESCALEDB").is_none();
    println!(
        "starting a throwaway PostgreSQL cluster from {} ({})",
        pg_bin.display(),
        if timescale {
            "TimescaleDB installed: preloaded"
        } else {
            "without TimescaleDB: its services are reported SKIPPED"
        }
    );
    let options = if timescale {
        ClusterOptions::detect(&pg_bin)
    } else {
        ClusterOptions::default()
    };
    let cluster = EmbeddedCluster::start_with(Some(&pg_bin), &options)?;
    let admin = cluster.target("postgres").connect().await?;
    let mut count = 0;
    for (_, dbs) in FLEETS {
        for db in *dbs {
            admin
                .batch_execute(&format!("CREATE DATABASE {db}"))
                .await?;
            count += 1;
        }
    }
    admin
        .batch_execute(&std::fs::read_to_string(
            root.join("schema/austa/roles.sql"),
        )?)
        .await?;
    println!("created {count} databases, one per service, and AUSTA's service roles (schema/austa/roles.sql)");

    // Every example config reads libpq's defaults or the variables its platform documents.
    let socket = cluster.socket_dir().display().to_string();
    let port = cluster.port().to_string();
    let mut env = vec![
        ("PGHOST".to_string(), socket.clone()),
        ("PGPORT".to_string(), port.clone()),
        ("PGUSER".to_string(), "postgres".to_string()),
    ];
    let encoded = socket.replace('/', "%2F");
    for svc in ["AUTH", "BILLING", "DEPLOY", "MONITOR"] {
        env.push((format!("{svc}_SERVICE_DB_HOST"), encoded.clone()));
        env.push((format!("{svc}_SERVICE_DB_PORT"), port.clone()));
        env.push((format!("{svc}_SERVICE_DB_USER"), "postgres".to_string()));
    }
    let cache = tempfile::tempdir()?;
    env.push((
        "SCHEMADIFF_CACHE_DIR".to_string(),
        cache.path().display().to_string(),
    ));
    let runner = Runner {
        root: root.to_path_buf(),
        bin,
        env,
    };

    for (fleet, _) in FLEETS {
        let shown = format!("schema/{fleet}/schemadiff.yaml");
        let config = shown.as_str();

        banner(&format!(
            "schemadiff lint --config {shown} --skip-unavailable-extensions"
        ));
        let t = Instant::now();
        let out = runner.run(&["lint", "--config", config, "--skip-unavailable-extensions"])?;
        let shown_out = text(&out.stdout);
        println!("  {}", shown_out.lines().last().unwrap_or(""));
        println!(
            "  (exit {}, {:.1} s)",
            code(&out),
            t.elapsed().as_secs_f64()
        );
        if code(&out) != 0 {
            eprint!("{shown_out}{}", text(&out.stderr));
            return Err(format!("lint of {fleet} failed").into());
        }

        banner(&format!(
            "schemadiff plan --config {shown} --skip-unavailable-extensions --format json"
        ));
        let t = Instant::now();
        let out = runner.run(&[
            "plan",
            "--config",
            config,
            "--skip-unavailable-extensions",
            "--format",
            "json",
        ])?;
        plan_summary(&out)?;
        println!("  ({:.1} s)", t.elapsed().as_secs_f64());

        banner(&format!(
            "schemadiff apply --config {shown} --skip-unavailable-extensions --auto-approve"
        ));
        let t = Instant::now();
        let out = runner.run(&[
            "apply",
            "--config",
            config,
            "--skip-unavailable-extensions",
            "--auto-approve",
        ])?;
        apply_summary(&out);
        println!(
            "  (exit {}, {:.1} s)",
            code(&out),
            t.elapsed().as_secs_f64()
        );
        if code(&out) != 0 {
            eprint!("{}{}", text(&out.stdout), text(&out.stderr));
            return Err(format!("apply of {fleet} failed").into());
        }

        banner(&format!(
            "schemadiff drift --config {shown} --skip-unavailable-extensions"
        ));
        let t = Instant::now();
        let out = runner.run(&["drift", "--config", config, "--skip-unavailable-extensions"])?;
        drift_summary(&out);
        println!(
            "  (exit {}: 0 means no drift; {:.1} s, the desired side from the cache)",
            code(&out),
            t.elapsed().as_secs_f64()
        );
    }

    // An edit of the desired files, planned for the one service it touches.
    let edited = tempfile::tempdir()?;
    copy_dir(&root.join("schema/rmbrain"), edited.path())?;
    let documents = edited.path().join("cds_document/10_documents.sql");
    let sql = std::fs::read_to_string(&documents)?;
    let sql = sql.replacen(
        "    title varchar(255) NOT NULL,\n",
        "    title varchar(255) NOT NULL,\n    category varchar(50),\n",
        1,
    );
    std::fs::write(&documents, sql)?;
    let config = edited.path().join("schemadiff.yaml");
    banner("# schema/rmbrain/cds_document/10_documents.sql: documents gets `category varchar(50)`");
    banner("schemadiff plan --config schema/rmbrain/schemadiff.yaml --detailed-exitcode");
    let out = runner.run(&[
        "plan",
        "--config",
        config.to_str().ok_or("non-UTF-8 path")?,
        "--detailed-exitcode",
    ])?;
    let stdout = text(&out.stdout);
    let mut in_changed = false;
    for line in stdout.lines() {
        if line.starts_with("== ") {
            in_changed = line.starts_with("== cds_document ");
        }
        if in_changed || (line.contains(" services: ") && !line.starts_with(' ')) {
            println!("  {line}");
        }
    }
    println!("  (exit {}: 2 means there are changes)", code(&out));

    // A manual change on one service is drift of that service only.
    let db = cluster.target("cds_task").connect().await?;
    db.batch_execute("ALTER TABLE tasks ADD COLUMN escalated boolean")
        .await?;
    banner("psql -d cds_task -c 'ALTER TABLE tasks ADD COLUMN escalated boolean'");
    banner("schemadiff drift --config schema/rmbrain/schemadiff.yaml");
    let out = runner.run(&["drift", "--config", "schema/rmbrain/schemadiff.yaml"])?;
    drift_summary(&out);
    println!("  (exit {}: 2 means drift)", code(&out));

    // Reference data (seeds/austa/auth) is desired state too: a hand-edited row is drift.
    let db = cluster.target("auth").connect().await?;
    db.batch_execute(
        "UPDATE auth_permission SET description = 'anyone' WHERE name = 'plan:claims:review'",
    )
    .await?;
    banner("psql -d auth -c \"UPDATE auth_permission SET description = 'anyone' WHERE name = 'plan:claims:review'\"");
    banner("schemadiff drift --config schema/austa/schemadiff.yaml auth");
    let out = runner.run(&["drift", "--config", "schema/austa/schemadiff.yaml", "auth"])?;
    drift_summary(&out);
    println!("  (exit {}: 2 means drift)", code(&out));
    println!(
        "\ndemo finished in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
