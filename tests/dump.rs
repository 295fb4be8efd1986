//! `schemadiff dump` through the real binary against a real PostgreSQL.
//!
//! - `round_trip::*`: a source database A is built (the example services under `schema/`,
//!   found by walking it: the services of each `schemadiff.yaml` with their managed schemas,
//!   after the `.sql` files beside it (roles) ran on the cluster, and any other folder of
//!   `.sql` files; with `schemadiff apply`; every fixture's desired side and
//!   `tests/dump/every_kind.sql` with psql semantics), dumped with `dump --out`, the dump is
//!   applied to an empty database B; then the plan of B against the dump and the plan of A
//!   against the dump are both empty, `pg_dump --schema-only` of A and B are equal once
//!   normalized, and dumping B writes the same files, byte for byte, as dumping A.
//!   TimescaleDB schemas and fixtures are SKIPPED (and say so) where the extension is not
//!   installed. `round_trip::yaml::*` does the same with `dump --format yaml`.
//! - `layout::*`: the files of a dump are the documented layout (README "Adopting an
//!   existing database"), and `--force` replaces only what a dump wrote.
//! - `fleet::*`: `dump [SERVICE...]` over schemadiff.yaml leaves out the bookkeeping tables of
//!   Flyway, Prisma and Alembic and the service's ignore globs, reports one line per service
//!   (a broken one next to the others), never prints a password, and the fleet's plan of the
//!   dumped folders is empty, also once they are dumped again as YAML.
//! - `yaml::*`: `dump --format yaml` writes the tables as YAML (every table of AUSTA
//!   care_journey), keeps grants, owned sequences, triggers, policies and row security in
//!   the SQL beside them, loses no statement of the SQL dump, and `--force` knows its files.

mod support;

#[path = "dump/fleet.rs"]
mod fleet;
#[path = "dump/layout.rs"]
mod layout;
#[path = "dump/yaml.rs"]
mod yaml;

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::converge::unified;
use support::Harness;

pub use support::cli::{check, Run};

/// Run the binary in `dir` with extra environment variables.
pub fn schemadiff_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    support::cli::run(dir, args, env, &[], &support::cli::cache_dir("dump"))
}

pub fn schemadiff(args: &[&str]) -> Run {
    schemadiff_in(&repo(), args, &[])
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` (relative path → contents), sorted.
pub fn read_tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dump folder").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap_or(&p);
                let text = std::fs::read_to_string(&p).expect("read dump file");
                out.push((rel.display().to_string(), text));
            }
        }
    }
    out.sort();
    out
}

/// The relative paths of the files under `dir`, sorted.
pub fn paths(dir: &Path) -> Vec<String> {
    read_tree(dir).into_iter().map(|(p, _)| p).collect()
}

/// How the source database of a round trip is built.
#[derive(Clone)]
enum Source {
    /// `schemadiff apply` of a desired-schema folder, managing these schemas (all when
    /// empty): an example service.
    Schema(PathBuf, Vec<String>),
    /// SQL executed as it is (psql semantics).
    Sql(String),
}

/// An example service of `schema/`.
struct Example {
    /// `system/service`.
    name: String,
    dir: PathBuf,
    /// Its managed schemas (`schemas:` in the system's schemadiff.yaml); empty: all.
    schemas: Vec<String>,
    /// A `CREATE EXTENSION ... timescaledb` in one of its files.
    timescale: bool,
}

/// The example services under `schema/`: the services of each system's `schemadiff.yaml`
/// (with their managed schemas), and any other folder that holds `.sql` files itself. The
/// `.sql` files beside a `schemadiff.yaml` (cluster-wide roles) are returned apart, to be
/// run once on the test cluster.
fn examples() -> (Vec<Example>, Vec<PathBuf>) {
    let root = repo().join("schema");
    let mut out = Vec::new();
    let mut setup = Vec::new();
    let mut stack = vec![root.clone()];
    let name_of = |dir: &Path| dir.strip_prefix(&root).unwrap_or(dir).display().to_string();
    while let Some(dir) = stack.pop() {
        let mut sql = Vec::new();
        let mut dirs = Vec::new();
        for e in std::fs::read_dir(&dir).expect("read schema/").flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "sql") {
                sql.push(p);
            }
        }
        let config = dir.join("schemadiff.yaml");
        if config.is_file() {
            let config = schemadiff::config::Config::load(&config).expect("schemadiff.yaml");
            for service in config.file.services.values() {
                let sdir = dir.join(&service.schema);
                out.push(Example {
                    name: name_of(&sdir),
                    timescale: needs_timescale(&sdir),
                    dir: sdir,
                    schemas: service.schemas.clone(),
                });
            }
            setup.extend(sql);
        } else if !sql.is_empty() {
            out.push(Example {
                name: name_of(&dir),
                timescale: needs_timescale(&dir),
                dir,
                schemas: Vec::new(),
            });
        } else {
            stack.extend(dirs);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    setup.sort();
    (out, setup)
}

fn needs_timescale(dir: &Path) -> bool {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "sql") {
                let t = std::fs::read_to_string(&p)
                    .unwrap_or_default()
                    .to_lowercase();
                if t.contains("create extension") && t.contains("timescaledb") {
                    return true;
                }
            }
        }
    }
    false
}

#[derive(Debug, Default, serde::Deserialize)]
struct CaseVersions {
    #[serde(default)]
    min_pg: Option<u32>,
    #[serde(default)]
    max_pg: Option<u32>,
}

/// Every fixture's desired side (`reference.sql` when `after.sql` is in an order only
/// schemadiff can load), with whether it needs TimescaleDB and the server versions it is for.
fn fixture_cases() -> Vec<(String, String, bool, CaseVersions)> {
    let root = repo().join("fixtures");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read fixtures/").flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            }
        }
        let sql = std::fs::read_to_string(dir.join("reference.sql"))
            .or_else(|_| std::fs::read_to_string(dir.join("after.sql")));
        let Ok(sql) = sql else { continue };
        let versions = std::fs::read_to_string(dir.join("case.yaml"))
            .ok()
            .and_then(|t| serde_yaml_ng::from_str(&t).ok())
            .unwrap_or_default();
        let name = dir
            .strip_prefix(&root)
            .unwrap_or(&dir)
            .display()
            .to_string();
        let timescale = name.starts_with("timescale/") || name.starts_with("examples/");
        out.push((name, sql, timescale, versions));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// `pg_dump --schema-only` of the database without TimescaleDB's own schemas and chunks,
/// normalized (column order aside); the internal ids in a continuous aggregate's view
/// are replaced by `N`.
fn schema_dump(h: &Harness, dbname: &str) -> Result<String, String> {
    let text = support::oracle::raw_user_schema(h, dbname)?;
    let text = if h.server_version >= 180000 {
        unnamed_not_null(&text)
    } else {
        text
    };
    Ok(support::oracle::normalize_dump(&text))
}

/// `CONSTRAINT name NOT NULL` as `NOT NULL`: the names PostgreSQL 18 gives NOT NULL
/// constraints are not modelled (a table attached as a partition keeps the names it was
/// created with, one created `PARTITION OF` takes its parent's), so a dump does not keep them.
fn unnamed_not_null(text: &str) -> String {
    text.lines()
        .map(
            |line| match (line.find(" CONSTRAINT "), line.find(" NOT NULL")) {
                (Some(at), Some(nn)) if at < nn && !line[at + 12..nn].trim().contains(' ') => {
                    format!("{}{}", &line[..at], &line[nn..])
                }
                _ => line.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}

/// How a round trip dumps: `dump --format sql` or `--format yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Sql,
    Yaml,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Sql => "sql",
            Format::Yaml => "yaml",
        }
    }
}

/// Build A from `source`, dump it to files in `format`, apply the files to an empty B, and
/// judge.
fn round_trip(h: &Harness, label: &str, source: &Source, format: Format) -> Result<(), Failed> {
    let rt = support::runtime();
    let label = format!("{label}_{}", format.name());
    let a = rt.block_on(h.fresh_db(&format!("{label}_a")));
    let b = rt.block_on(h.fresh_db(&format!("{label}_b")));
    let result = round_trip_on(h, &rt, &a.dbname(), &b.dbname(), source, format);
    rt.block_on(async {
        h.drop_db(&a).await;
        h.drop_db(&b).await;
    });
    result
}

fn round_trip_on(
    h: &Harness,
    rt: &tokio::runtime::Runtime,
    a: &str,
    b: &str,
    source: &Source,
    format: Format,
) -> Result<(), Failed> {
    let (url_a, url_b) = (h.cluster.url(a), h.cluster.url(b));
    let scope: &[String] = match source {
        Source::Schema(_, schemas) => schemas,
        Source::Sql(_) => &[],
    };
    // every command of the round trip manages the same schemas
    let schemadiff = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        for s in scope {
            all.extend(["--managed-schema", s.as_str()]);
        }
        schemadiff(&all)
    };
    match source {
        Source::Schema(dir, _) => {
            let r = schemadiff(&[
                "apply",
                "--url",
                &url_a,
                "--schema",
                &dir.display().to_string(),
                "--auto-approve",
            ]);
            check(
                r.code == 0,
                "the example applies to the empty source database",
                &r,
            )?;
        }
        Source::Sql(sql) => {
            let target = h.cluster.target(a);
            let batch = rt.block_on(async {
                let client = target.connect().await.map_err(|e| e.to_string())?;
                client
                    .batch_execute(sql)
                    .await
                    .map_err(|e| schemadiff::conn::describe_error(&e))
            });
            if let Err(e) = batch {
                // statements that refuse a transaction block (`CREATE MATERIALIZED VIEW ...
                // WITH DATA` of a continuous aggregate): let schemadiff load the file
                let tmp = tempfile::tempdir()?;
                let file = tmp.path().join("source.sql");
                std::fs::write(&file, sql)?;
                let r = schemadiff(&[
                    "apply",
                    "--url",
                    &url_a,
                    "--schema",
                    &file.display().to_string(),
                    "--auto-approve",
                    "--allow-hazards",
                    "all",
                ]);
                check(
                    r.code == 0,
                    &format!("the source SQL does not load as one batch ({e}), nor with apply"),
                    &r,
                )?;
            }
        }
    }
    let tmp = tempfile::tempdir()?;
    let dump_a = tmp.path().join("a");
    let dump_b = tmp.path().join("b");
    let dir_a = dump_a.display().to_string();
    let dump_args = |url: &str, out: &Path| -> Vec<String> {
        let mut v: Vec<String> = ["dump", "--url", url, "--out"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.push(out.display().to_string());
        v.extend(["--format".into(), format.name().into()]);
        v
    };
    let args = dump_args(&url_a, &dump_a);
    let r = schemadiff(&args.iter().map(String::as_str).collect::<Vec<_>>());
    check(r.code == 0, "dump of the source database", &r)?;
    check(
        !r.stderr.contains("not model"),
        "every object of the source is of a kind the dump writes",
        &r,
    )?;
    // B is empty: the hazards of creating objects (a REVOKE from PUBLIC) are expected
    let r = schemadiff(&[
        "apply",
        "--url",
        &url_b,
        "--schema",
        &dir_a,
        "--auto-approve",
        "--allow-hazards",
        "all",
    ]);
    check(r.code == 0, "the dump applies to an empty database", &r)?;
    for (url, what) in [(&url_b, "the loaded copy"), (&url_a, "the source")] {
        let r = schemadiff(&[
            "plan",
            "--url",
            url,
            "--schema",
            &dir_a,
            "--detailed-exitcode",
        ]);
        check(
            r.code == 0,
            &format!("the plan of {what} against the dump is empty"),
            &r,
        )?;
    }
    let (got, want) = (schema_dump(h, b)?, schema_dump(h, a)?);
    if got != want {
        return Err(format!(
            "pg_dump of the copy differs from the source (- source, + copy):\n{}",
            unified(&want, &got)
        )
        .into());
    }
    let args = dump_args(&url_b, &dump_b);
    let r = schemadiff(&args.iter().map(String::as_str).collect::<Vec<_>>());
    check(r.code == 0, "dump of the copy", &r)?;
    let (files_a, files_b) = (read_tree(&dump_a), read_tree(&dump_b));
    if files_a != files_b {
        let list = |f: &[(String, String)]| {
            f.iter()
                .map(|(p, t)| format!("== {p}\n{t}"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        return Err(format!(
            "dumping the copy does not write the source's files (- source, + copy):\n{}",
            unified(&list(&files_a), &list(&files_b))
        )
        .into());
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let harness = Arc::new(Harness::start_timescale());
    let timescale = harness.timescaledb;
    let mut trials = Vec::new();
    let mut skipped = Vec::new();
    let (examples, setup) = examples();
    for file in &setup {
        let sql = std::fs::read_to_string(file).expect("read a system's setup SQL");
        let rt = support::runtime();
        let admin = harness.cluster.target("postgres");
        rt.block_on(async {
            let client = admin.connect().await.expect("connect");
            client.batch_execute(&sql).await
        })
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
    // (trial name after `round_trip::`, database label, the source; None: not for this
    // cluster, and whether that is for want of TimescaleDB)
    let mut cases: Vec<(String, String, Option<Source>, bool)> = Vec::new();
    for ex in examples {
        let name = format!("schema::{}", ex.name);
        let label = ex.name.replace('/', "_");
        if ex.timescale && !timescale {
            cases.push((name, label, None, true));
        } else {
            cases.push((name, label, Some(Source::Schema(ex.dir, ex.schemas)), false));
        }
    }
    let every_kind = include_str!("dump/every_kind.sql").to_string();
    cases.push((
        "every_kind".into(),
        "every_kind".into(),
        Some(Source::Sql(every_kind)),
        false,
    ));
    for (name, sql, needs_tsdb, versions) in fixture_cases() {
        let wrong_version = versions.min_pg.is_some_and(|v| harness.server_version < v)
            || versions.max_pg.is_some_and(|v| harness.server_version > v);
        let label = name.replace('/', "_");
        let name = format!("fixture::{name}");
        if (needs_tsdb && !timescale) || wrong_version {
            cases.push((name, label, None, needs_tsdb && !timescale));
        } else {
            cases.push((name, label, Some(Source::Sql(sql)), false));
        }
    }
    for format in [Format::Sql, Format::Yaml] {
        for (name, label, source, no_tsdb) in &cases {
            let trial_name = match format {
                Format::Sql => format!("round_trip::{name}"),
                Format::Yaml => format!("round_trip::yaml::{name}"),
            };
            let Some(source) = source.clone() else {
                if *no_tsdb {
                    skipped.push(trial_name.clone());
                }
                trials.push(Trial::test(trial_name, || Ok(())).with_ignored_flag(true));
                continue;
            };
            let h = harness.clone();
            let label = label.clone();
            trials.push(Trial::test(trial_name, move || {
                round_trip(&h, &label, &source, format)
            }));
        }
    }
    trials.extend(layout::trials(&harness));
    trials.extend(fleet::trials(&harness));
    trials.extend(yaml::trials(&harness));
    if skipped.is_empty() {
        println!(
            "timescaledb: RUNNING the TimescaleDB round trips (preloaded in the test cluster)"
        );
    } else {
        println!(
            "timescaledb: SKIPPED {} round trips: TimescaleDB is not installed for this server: {}",
            skipped.len(),
            skipped.join(", ")
        );
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(harness);
    let _ = std::fs::remove_dir_all(support::cli::cache_dir("dump"));
    conclusion.exit();
}
