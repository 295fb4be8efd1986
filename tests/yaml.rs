//! YAML definitions against a real PostgreSQL: a YAML definition and an SQL definition of
//! the same schema load into identical catalogs and identical `pg_dump --schema-only`
//! (`fixtures/yaml/<case>/mixed/` against `fixtures/yaml/<case>/equivalent.sql`); load
//! errors and YAML errors point at the YAML line and column; a folder mixing `.sql` and
//! `.yaml` is planned, applied and re-planned to empty through the CLI, and the cache
//! notices a YAML edit. The hypertable case needs TimescaleDB and says `SKIPPED` without it.

mod support;

use libtest_mimic::{Arguments, Failed, Trial};
use schemadiff::catalog::Catalog;
use schemadiff::conn::ConnTarget;
use schemadiff::introspect::{introspect, Scope};
use schemadiff::source::yaml::YamlError;
use schemadiff::source::{load, read_paths, DesiredFiles, LoadOptions, SourceError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::Harness;

type TestFn = fn(&Harness) -> Result<(), Failed>;

fn main() {
    let mut args = Arguments::from_args();
    args.test_threads = Some(1);
    let h = Arc::new(Harness::start_timescale());
    let tests: Vec<(&str, TestFn)> = vec![
        (
            "yaml_and_sql_load_identical_catalogs",
            yaml_and_sql_load_identical_catalogs,
        ),
        ("hypertable_with_compression", hypertable_with_compression),
        (
            "load_errors_point_at_the_yaml_node",
            load_errors_point_at_the_yaml_node,
        ),
        (
            "yaml_errors_point_at_line_and_column",
            yaml_errors_point_at_line_and_column,
        ),
        (
            "mixed_folder_plan_apply_converges_through_the_cli",
            mixed_folder_plan_apply_converges_through_the_cli,
        ),
        ("catalog_to_yaml_round_trips", catalog_to_yaml_round_trips),
    ];
    let trials = tests
        .into_iter()
        .map(|(name, f)| {
            let h = Arc::clone(&h);
            Trial::test(name, move || f(&h))
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    drop(h);
    conclusion.exit();
}

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/yaml")
        .join(case)
}

/// `fixtures/yaml/<case>` as the test server can load it: on PostgreSQL 14, a copy without
/// `NULLS NOT DISTINCT` (PostgreSQL 15 syntax, `nulls_not_distinct: true` in YAML), said on
/// stdout; the fixture itself on 15 and later.
fn fixture_on(h: &Harness, case: &str) -> Result<PathBuf, Failed> {
    let original = fixture(case);
    if h.server_version >= 150000 {
        return Ok(original);
    }
    let copy = std::env::temp_dir()
        .join(format!("schemadiff-yaml-pg14-{}", std::process::id()))
        .join(case);
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        std::fs::create_dir_all(copy.join(&rel))?;
        for entry in std::fs::read_dir(original.join(&rel))? {
            let entry = entry?;
            let name = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                stack.push(name);
                continue;
            }
            let text = std::fs::read_to_string(entry.path())?;
            let text: String = text
                .lines()
                .filter(|l| l.trim() != "nulls_not_distinct: true")
                .map(|l| format!("{}\n", l.replace("UNIQUE NULLS NOT DISTINCT", "UNIQUE")))
                .collect();
            std::fs::write(copy.join(&name), text)?;
        }
    }
    println!(
        "PostgreSQL {}: fixtures/yaml/{case} is loaded without NULLS NOT DISTINCT (PostgreSQL 15 and later)",
        h.server_version / 10000
    );
    Ok(copy)
}

fn read(path: &Path) -> Result<DesiredFiles, Failed> {
    read_paths(&[path.to_path_buf()]).map_err(|e| render(&e).into())
}

fn render(e: &dyn miette::Diagnostic) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(200)
        .render_report(&mut out, e)
        .unwrap();
    out
}

/// Load `path` (a file or folder of desired files) into a fresh database and read it back.
async fn build(h: &Harness, label: &str, path: &Path) -> Result<(ConnTarget, Catalog), Failed> {
    let files = read(path)?;
    let db = h.fresh_db(label).await;
    load(&files, &db, &LoadOptions::default())
        .await
        .map_err(|e| render(&e))?;
    let client = db.connect().await?;
    let catalog = introspect(&client, &Scope::default())
        .await
        .map_err(|e| render(&e))?;
    Ok((db, catalog))
}

/// Compare two catalogs, naming the first part that differs.
fn same_catalogs(yaml: &Catalog, sql: &Catalog) -> Result<(), Failed> {
    if yaml == sql {
        return Ok(());
    }
    let a = serde_json::to_string_pretty(yaml)?;
    let b = serde_json::to_string_pretty(sql)?;
    let diff = similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .header("yaml", "sql")
        .to_string();
    Err(format!("the catalogs differ:\n{diff}").into())
}

fn same_dumps(what: &str, yaml: &str, sql: &str) -> Result<(), Failed> {
    if yaml == sql {
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(yaml, sql)
        .unified_diff()
        .header("yaml", "sql")
        .to_string();
    Err(format!("{what} differ:\n{diff}").into())
}

fn yaml_and_sql_load_identical_catalogs(h: &Harness) -> Result<(), Failed> {
    let case = fixture_on(h, "everything")?;
    let files = read(&case.join("mixed"))?;
    let compiled = files
        .sql_sources()
        .into_iter()
        .find(|f| f.path.ends_with("10_goals.yaml"))
        .expect("the YAML file");
    for line in [
        "-- schemadiff:renamed-from goals\nCREATE TABLE app.goal (",
        "-- schemadiff:renamed-from created\n    created_at timestamptz",
        "-- schemadiff:renamed-from goal_target_positive\n    CONSTRAINT goal_target_check",
        "-- schemadiff:renamed-from goal_live_idx\nCREATE INDEX goal_active_idx",
        "-- schemadiff:renamed-from 'deleted'\n    'closed'",
        "-- schemadiff:renamed-from status\nCREATE TYPE app.account_status",
    ] {
        if !compiled.text.contains(line) {
            return Err(format!("the compiled SQL lacks {line:?}:\n{}", compiled.text).into());
        }
    }
    let fi = files
        .files
        .iter()
        .position(|f| f.path.ends_with("10_goals.yaml"))
        .expect("the YAML file");
    let at = compiled
        .text
        .find("-- schemadiff:renamed-from goals")
        .expect("the table's annotation");
    let line = compiled.text[..at].matches('\n').count() + 1;
    let place = files.yaml_location(fi, line, 1).unwrap_or_default();
    if !place.ends_with("10_goals.yaml:18:19") {
        return Err(format!("the annotation maps to {place}, not to `renamed_from: goals`").into());
    }
    support::runtime().block_on(async {
        let (ydb, yaml) = build(h, "yaml everything", &case.join("mixed")).await?;
        let (sdb, sql) = build(h, "sql everything", &case.join("equivalent.sql")).await?;
        let goal = yaml
            .tables
            .keys()
            .find(|k| k.name.as_str() == "goal")
            .ok_or("no table goal in the YAML catalog")?;
        let t = &yaml.tables[goal];
        let indexes = yaml.indexes.values().filter(|i| &i.table == goal).count();
        if t.columns.len() != 13 || t.constraints.len() < 7 || indexes < 4 {
            return Err(format!("unexpected goal table ({indexes} indexes): {t:#?}").into());
        }
        same_catalogs(&yaml, &sql)?;
        let a = support::oracle::dump_schema(h, &ydb.dbname())?;
        let b = support::oracle::dump_schema(h, &sdb.dbname())?;
        same_dumps("the pg_dumps", &a, &b)?;
        h.drop_db(&ydb).await;
        h.drop_db(&sdb).await;
        Ok(())
    })
}

fn hypertable_with_compression(h: &Harness) -> Result<(), Failed> {
    if !h.timescaledb {
        println!(
            "timescaledb: SKIPPED hypertable_with_compression: TimescaleDB is not installed for this server"
        );
        return Ok(());
    }
    println!("timescaledb: RUNNING hypertable_with_compression against the installed extension");
    let case = fixture_on(h, "hypertable")?;
    support::runtime().block_on(async {
        let (ydb, yaml) = build(h, "yaml hypertable", &case.join("mixed")).await?;
        let (sdb, sql) = build(h, "sql hypertable", &case.join("equivalent.sql")).await?;
        let ht = yaml
            .timescale
            .hypertables
            .values()
            .next()
            .ok_or("no hypertable in the YAML catalog")?;
        let text = format!("{ht:?}");
        for needle in ["device_id", "recorded_at"] {
            if !text.contains(needle) {
                return Err(format!("hypertable lacks {needle}: {text}").into());
            }
        }
        same_catalogs(&yaml, &sql)?;
        same_dumps(
            "the user-schema pg_dumps",
            &user_dump(h, &ydb)?,
            &user_dump(h, &sdb)?,
        )?;
        let jobs = |db: ConnTarget| async move {
            let c = db.connect().await.unwrap();
            c.query(
                "SELECT proc_name || ' ' || schedule_interval::text || ' ' || coalesce(config::text, '') \
                 FROM timescaledb_information.jobs WHERE hypertable_name = 'metric' ORDER BY 1",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
        };
        let (a, b) = (jobs(ydb.clone()).await, jobs(sdb.clone()).await);
        if a != b || a.len() != 2 {
            return Err(format!("policies differ: yaml {a:?}, sql {b:?}").into());
        }
        h.drop_db(&ydb).await;
        h.drop_db(&sdb).await;
        Ok(())
    })
}

/// `pg_dump --schema-only` of the user schemas, normalized (the shared oracle).
fn user_dump(h: &Harness, target: &ConnTarget) -> Result<String, Failed> {
    Ok(support::oracle::dump_user_schema(h, &target.dbname())?)
}

/// Line and column (1-based, in characters) of a byte offset.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line, col)
}

fn write_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn load_errors_point_at_the_yaml_node(h: &Harness) -> Result<(), Failed> {
    let dir = write_dir(&[
        (
            "a.sql",
            "CREATE TABLE parent (id int PRIMARY KEY);\n",
        ),
        (
            "b.yaml",
            "tables:\n  child:\n    columns:\n      id: int\n      \"é\": { type: nosuchtype, default: \"1\" }\n",
        ),
    ]);
    let files = read(dir.path())?;
    let err = support::runtime().block_on(async {
        let db = h.fresh_db("yaml load error").await;
        let r = load(&files, &db, &LoadOptions::default()).await;
        h.drop_db(&db).await;
        r
    });
    let err = err.err().ok_or("the load should fail")?;
    let text = render(&err);
    let SourceError::Rejected { src, at, .. } = &err else {
        return Err(format!("expected one rejected statement, got:\n{text}").into());
    };
    if !src.name().ends_with("b.yaml") {
        return Err(format!("the error names {}:\n{text}", src.name()).into());
    }
    let got = line_col(src.text(), at.offset());
    if got != (5, 20) || &src.text()[at.offset()..at.offset() + at.len()] != "nosuchtype" {
        return Err(format!("expected b.yaml:5:20 at `nosuchtype`, got {got:?}:\n{text}").into());
    }
    if !text.contains("b.yaml:5:20") {
        return Err(format!("the report does not name b.yaml:5:20:\n{text}").into());
    }
    Ok(())
}

fn yaml_errors_point_at_line_and_column(_: &Harness) -> Result<(), Failed> {
    let cases: [(&str, &str, &str); 5] = [
        ("tables:\n  t:\n    columns: [a\n", "syntax", "t.yaml:4:1"),
        (
            "tables:\n  t:\n    colums:\n      id: int\n",
            "unknown_key",
            "t.yaml:3:5",
        ),
        (
            "tables:\n  t:\n    columns:\n      id: { type: int, nullable: maybe }\n",
            "wrong_type",
            "t.yaml:4:34",
        ),
        (
            "enums:\n  e: { comment: no values }\n",
            "missing_key",
            "t.yaml:2:3",
        ),
        (
            "tables:\n  t:\n    indexes:\n      - { columns: [a], using: gin, where: \"a > (1\" }\n",
            "invalid",
            "t.yaml:4:44",
        ),
    ];
    for (text, code, place) in cases {
        let dir = write_dir(&[("t.yaml", text)]);
        let err = match read_paths(&[dir.path().to_path_buf()]) {
            Ok(_) => return Err(format!("no error for {text:?}").into()),
            Err(e) => e,
        };
        let got_code = match &err {
            SourceError::Yaml(YamlError::Syntax { .. }) => "syntax",
            SourceError::Yaml(YamlError::UnknownKey { .. }) => "unknown_key",
            SourceError::Yaml(YamlError::WrongType { .. }) => "wrong_type",
            SourceError::Yaml(YamlError::MissingKey { .. }) => "missing_key",
            SourceError::Yaml(YamlError::Invalid { .. }) => "invalid",
            _ => "other",
        };
        let report = render(&err);
        if got_code != code || !report.contains(place) {
            return Err(
                format!("{text:?}: expected {code} at {place}, got {got_code}:\n{report}").into(),
            );
        }
    }
    Ok(())
}

use support::cli::{check, Run};

fn schemadiff(args: &[&str], cache: &Path) -> Run {
    support::cli::run(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        args,
        &[] as &[(&str, &str)],
        &[],
        cache,
    )
}

fn mixed_folder_plan_apply_converges_through_the_cli(h: &Harness) -> Result<(), Failed> {
    let work = tempfile::tempdir()?;
    let cache = work.path().join("cache");
    let schema = work.path().join("schema");
    std::fs::create_dir_all(&schema)?;
    for entry in std::fs::read_dir(fixture_on(h, "everything")?.join("mixed"))? {
        let entry = entry?;
        std::fs::copy(entry.path(), schema.join(entry.file_name()))?;
    }
    std::fs::write(
        work.path().join("schemadiff.yaml"),
        "this is a configuration file, never a definitions file: [",
    )?;
    let db = support::runtime().block_on(h.fresh_db("yaml cli"));
    let url = h.cluster.url(&db.dbname());
    let s = schema.display().to_string();
    let plan = |extra: &[&str]| {
        let mut args = vec!["plan", "--url", &url, "--schema", &s, "--detailed-exitcode"];
        args.extend_from_slice(extra);
        schemadiff(&args, &cache)
    };
    let r = plan(&[]);
    check(r.code == 2, "the first plan has changes (exit 2)", &r)?;
    for needle in [
        "CREATE TABLE app.goal",
        "CREATE TABLE app.account",
        "goal_metadata_gin",
    ] {
        check(r.stdout.contains(needle), needle, &r)?;
    }
    let r = schemadiff(
        &["apply", "--url", &url, "--schema", &s, "--auto-approve"],
        &cache,
    );
    check(r.code == 0, "apply succeeds", &r)?;
    let r = plan(&[]);
    check(
        r.code == 0 && r.stdout.contains("no changes"),
        "converged: the next plan is empty",
        &r,
    )?;
    let cached = std::fs::read_dir(&cache)?.count();
    check(cached >= 1, "the desired catalog was cached", &r)?;

    let path = schema.join("10_goals.yaml");
    let text = std::fs::read_to_string(&path)?;
    std::fs::write(
        &path,
        text.replace(
            "      deleted_at: timestamptz\n",
            "      deleted_at: timestamptz\n      note: text\n",
        ),
    )?;
    let r = plan(&[]);
    check(
        r.code == 2 && r.stdout.contains("note"),
        "a YAML edit misses the cache and plans the new column",
        &r,
    )?;
    std::fs::write(&path, text.replace("type: jsonb", "type: jsonbb"))?;
    let r = plan(&[]);
    check(
        r.code == 1 && r.stderr.contains("10_goals.yaml:") && r.stderr.contains("jsonbb"),
        "a load error names the YAML file",
        &r,
    )?;
    support::runtime().block_on(h.drop_db(&db));
    Ok(())
}

fn catalog_to_yaml_round_trips(h: &Harness) -> Result<(), Failed> {
    round_trip(h, "everything")?;
    if h.timescaledb {
        println!("timescaledb: RUNNING the hypertable round trip");
        round_trip(h, "hypertable")
    } else {
        println!("timescaledb: SKIPPED the hypertable round trip: TimescaleDB is not installed for this server");
        Ok(())
    }
}

/// The catalog of `<case>/equivalent.sql` written as YAML and loaded back: the same catalog
/// and the same `pg_dump`.
fn round_trip(h: &Harness, case: &str) -> Result<(), Failed> {
    let case = fixture_on(h, case)?;
    support::runtime().block_on(async {
        let (sdb, sql) = build(h, "sql round trip", &case.join("equivalent.sql")).await?;
        let dump = schemadiff::source::yaml::catalog_to_yaml(&sql);
        if !dump.rest.tables.is_empty()
            || !dump.rest.enums.is_empty()
            || !dump.rest.indexes.is_empty()
            || !dump.rest.timescale.hypertables.is_empty()
        {
            return Err(format!(
                "left out of the YAML: tables {:?}, enums {:?}, indexes {:?}",
                dump.rest.tables.keys().collect::<Vec<_>>(),
                dump.rest.enums.keys().collect::<Vec<_>>(),
                dump.rest.indexes.keys().collect::<Vec<_>>()
            )
            .into());
        }
        let dir = tempfile::tempdir()?;
        let mut all = String::new();
        for (name, text) in &dump.files {
            std::fs::write(dir.path().join(name), text)?;
            all.push_str(&format!("--- {name}\n{text}"));
        }
        let (ydb, yaml) = build(h, "yaml round trip", dir.path())
            .await
            .map_err(|e| format!("{}\n{all}", e.message().unwrap_or("")))?;
        same_catalogs(&yaml, &sql).map_err(|e| format!("{}\n{all}", e.message().unwrap_or("")))?;
        same_dumps(
            "the user-schema pg_dumps",
            &user_dump(h, &ydb)?,
            &user_dump(h, &sdb)?,
        )?;
        h.drop_db(&ydb).await;
        h.drop_db(&sdb).await;
        Ok(())
    })
}
