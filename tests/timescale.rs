//! TimescaleDB: one case per `fixtures/timescale/<case>/` (`before.sql`, `after.sql`,
//! optional `case.yaml`), run two ways.
//!
//! * Against the real extension (when it is installed; otherwise the cases are listed as
//!   ignored and a `timescaledb: SKIPPED` line says why): the plan from `before` to `after`
//!   is applied to a database built from `before` and must converge (apply re-reads the
//!   database and fails unless the next plan is empty); then the database must equal one
//!   built directly from `after` by two oracles that are not our introspection: the
//!   `timescaledb_information` views and a `pg_dump` of the user schemas. Then the reverse
//!   direction, or the refusal the case expects. The live and desired catalogs the forward
//!   plan was made from are recorded under `fixtures/timescale/snapshots/<case>/` (when
//!   missing or with `SCHEMADIFF_RECORD_TSDB=1`), and otherwise must have the recorded
//!   fingerprints.
//! * The example schemas with TimescaleDB converge from empty and from their earlier
//!   version with data (`timescale/examples.rs`).
//! * Offline, always: the planner runs on the recorded catalogs and must produce the same
//!   plans (the same insta snapshots), so CI without TimescaleDB still checks the planner.

mod support;

#[path = "timescale/examples.rs"]
mod examples;
#[path = "timescale/live.rs"]
mod live;
#[path = "timescale/offline.rs"]
mod offline;

use libtest_mimic::{Arguments, Failed, Trial};
use schemadiff::apply::ApplyOptions;
use schemadiff::catalog::Catalog;
use schemadiff::conn::ConnTarget;
use schemadiff::introspect::Scope;
use schemadiff::plan::{build, Hazard, Plan, PlanError, PlanOptions};
use schemadiff::render;
use schemadiff::source::{CacheOptions, SourceFile};
use schemadiff::workflow::{self, Desired, DevChoice};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::converge::unified;
use support::Harness;

#[derive(Debug, Default, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Reverse {
    /// `after` back to `before` converges too.
    #[default]
    Converges,
    /// The reverse plan is refused with a PlanError::Unsupported.
    Refused,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaseSettings {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    reverse: Reverse,
}

struct Case {
    pub name: String,
    pub dir: PathBuf,
    settings: CaseSettings,
}

impl Case {
    pub fn read(&self, file: &str) -> Result<String, Failed> {
        std::fs::read_to_string(self.dir.join(file)).map_err(|e| format!("{file}: {e}").into())
    }
    fn snapshot_dir(&self) -> PathBuf {
        root().join("snapshots").join(&self.name)
    }
}

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/timescale")
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(root())
        .expect("fixtures/timescale")
        .flatten()
    {
        let dir = e.path();
        if !dir.join("after.sql").is_file() {
            continue;
        }
        let settings = std::fs::read_to_string(dir.join("case.yaml"))
            .map(|t| serde_yaml_ng::from_str(&t).expect("case.yaml parses"))
            .unwrap_or_default();
        out.push(Case {
            name: e.file_name().to_string_lossy().into_owned(),
            dir,
            settings,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

pub(crate) struct Env {
    pub harness: Harness,
    pub rt: tokio::runtime::Runtime,
}

fn main() {
    let args = Arguments::from_args();
    let env = Arc::new(Env {
        harness: Harness::start_timescale(),
        rt: support::runtime(),
    });
    let cases: Vec<Arc<Case>> = cases().into_iter().map(Arc::new).collect();
    let available = env.harness.timescaledb;
    if available {
        let version = env.rt.block_on(available_version(&env.harness));
        println!(
            "timescaledb: RUNNING {} cases and {} example schemas against TimescaleDB {version} (preloaded in the test cluster)",
            cases.len(),
            examples::EXAMPLES.len()
        );
    } else {
        println!(
            "timescaledb: SKIPPED {} cases and {} example schemas against the real extension: TimescaleDB is not installed \
             for this server (no timescaledb.control and timescaledb.so where its pg_config says), \
             or SCHEMADIFF_NO_TIMESCALEDB is set; the offline planner checks on recorded catalogs \
             still run",
            cases.len(),
            examples::EXAMPLES.len()
        );
    }
    let mut trials = Vec::new();
    for case in &cases {
        let (e, c) = (env.clone(), case.clone());
        trials.push(
            Trial::test(format!("live::{}", case.name), move || live_case(&e, &c))
                .with_ignored_flag(!available),
        );
        let c = case.clone();
        trials.push(Trial::test(format!("offline::{}", case.name), move || {
            offline_case(&c)
        }));
    }
    trials.push(Trial::test(
        "offline::classic_api_before_2_13",
        offline::classic_api_before_2_13,
    ));
    trials.push(Trial::test(
        "offline::changes_timescaledb_cannot_make_are_refused",
        offline::changes_timescaledb_cannot_make_are_refused,
    ));
    trials.push(Trial::test(
        "offline::policy_definitions",
        offline::policy_definitions,
    ));
    let e = env.clone();
    trials.push(
        Trial::test("live::conversion_keeps_every_row", move || {
            live::conversion_keeps_every_row(&e)
        })
        .with_ignored_flag(!available),
    );
    let e = env.clone();
    trials.push(
        Trial::test("live::dev_database_jobs_are_paused", move || {
            live::dev_database_jobs_are_paused(&e)
        })
        .with_ignored_flag(!available),
    );
    let e = env.clone();
    let all = cases.clone();
    trials.push(
        Trial::test("live::creation_plans_rebuild_each_database", move || {
            live::creation_plans_rebuild_each_database(&e, &all)
        })
        .with_ignored_flag(!available),
    );
    trials.push(
        Trial::test(
            "live::embedded_dev_database_preloads_timescaledb",
            live::embedded_dev_database_preloads_timescaledb,
        )
        .with_ignored_flag(!available),
    );
    for ex in examples::EXAMPLES {
        let e = env.clone();
        trials.push(
            Trial::test(
                format!("live::example::{}::from_empty", ex.name),
                move || examples::from_empty(&e, ex),
            )
            .with_ignored_flag(!available),
        );
        let e = env.clone();
        trials.push(
            Trial::test(
                format!("live::example::{}::from_earlier", ex.name),
                move || examples::from_earlier(&e, ex),
            )
            .with_ignored_flag(!available),
        );
        trials.push(Trial::test(
            format!("offline::example::{}", ex.name),
            move || examples::offline(ex),
        ));
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(env);
    conclusion.exit();
}

async fn available_version(h: &Harness) -> String {
    let c = h
        .cluster
        .target("postgres")
        .connect()
        .await
        .expect("connect");
    c.query_one(
        "SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'",
        &[],
    )
    .await
    .map(|r| r.get::<_, String>(0))
    .unwrap_or_else(|_| "?".into())
}

/// A database built from `sql` one statement at a time, in file order (as psql runs a
/// file: some TimescaleDB statements refuse a transaction block).
async fn build_db(h: &Harness, label: &str, sql: &str) -> Result<ConnTarget, String> {
    let files = schemadiff::source::from_files(vec![SourceFile {
        path: format!("{label}.sql").into(),
        text: sql.to_string(),
    }])
    .map_err(|e| e.to_string())?;
    let target = h.fresh_db(label).await;
    let client = target.connect().await.map_err(|e| e.to_string())?;
    for s in &files.statements {
        if let Err(e) = client.batch_execute(&s.sql).await {
            return Err(format!(
                "{}: {}",
                s.sql,
                schemadiff::conn::describe_error(&e)
            ));
        }
    }
    Ok(target)
}

pub(crate) fn desired(path: &Path) -> Desired {
    Desired {
        paths: vec![path.to_path_buf()],
        dev: DevChoice::TargetServer,
        scope: Scope::default(),
        cache: CacheOptions {
            enabled: false,
            dir: None,
        },
        seeds: None,
    }
}

pub(crate) fn apply_options() -> ApplyOptions {
    ApplyOptions {
        allowed: Hazard::ALL.into_iter().collect(),
        ..ApplyOptions::default()
    }
}

/// TimescaleDB's own account of a database, from its information views: hypertables,
/// dimensions, compression settings, policies and continuous aggregates.
const TS_ORACLE: &str = "
SELECT line FROM (
  SELECT format('hypertable %s.%s compression=%s', hypertable_schema, hypertable_name,
                compression_enabled) AS line
  FROM timescaledb_information.hypertables
UNION ALL
  SELECT format('dimension %s.%s #%s %s %s %s %s %s now=%s', hypertable_schema, hypertable_name,
                dimension_number, column_name, dimension_type, justify_hours(time_interval),
                integer_interval, num_partitions, integer_now_func)
  FROM timescaledb_information.dimensions WHERE hypertable_schema NOT LIKE '\\_timescaledb%'
UNION ALL
  SELECT format('compression %s segmentby=%s orderby=%s', hypertable,
                coalesce(segmentby, '<auto>'), coalesce(orderby, '<auto>'))
  FROM timescaledb_information.hypertable_compression_settings
  WHERE hypertable::text NOT LIKE '\\_timescaledb%'
UNION ALL
  SELECT format('job %s on %s every %s %s', proc_name,
                coalesce(c.user_view_schema || '.' || c.user_view_name,
                         h.schema_name || '.' || h.table_name),
                justify_hours(j.schedule_interval),
                j.config - 'hypertable_id' - 'mat_hypertable_id')
  FROM _timescaledb_config.bgw_job j
  JOIN _timescaledb_catalog.hypertable h ON h.id = j.hypertable_id
  LEFT JOIN _timescaledb_catalog.continuous_agg c ON c.mat_hypertable_id = h.id
  WHERE j.id >= 1000
UNION ALL
  SELECT format('cagg %s.%s materialized_only=%s compression=%s %s', view_schema, view_name,
                materialized_only, compression_enabled, view_definition)
  FROM timescaledb_information.continuous_aggregates
) o ORDER BY line";

async fn ts_oracle(target: &ConnTarget) -> Result<String, String> {
    let c = target.connect().await.map_err(|e| e.to_string())?;
    let installed = c
        .query_opt(
            "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'",
            &[],
        )
        .await
        .map_err(|e| schemadiff::conn::describe_error(&e))?;
    if installed.is_none() {
        return Ok("no timescaledb extension".into());
    }
    let rows = c
        .query(TS_ORACLE, &[])
        .await
        .map_err(|e| schemadiff::conn::describe_error(&e))?;
    Ok(rows
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// `pg_dump --schema-only` of everything but TimescaleDB's schemas and chunks, normalized.
fn user_dump(h: &Harness, target: &ConnTarget) -> Result<String, String> {
    support::oracle::dump_user_schema(h, &target.dbname())
}

/// Apply `desired_file` to `db` and compare with `reference` by both oracles.
async fn converge_onto(
    h: &Harness,
    db: &ConnTarget,
    desired_file: &Path,
    reference: &ConnTarget,
    what: &str,
) -> Result<Plan, String> {
    let applied = workflow::apply_target(
        db,
        &desired(desired_file),
        &PlanOptions::default(),
        &apply_options(),
        None,
        &mut |_| {},
    )
    .await
    .map_err(|e| format!("{what}: {}", render_error(e)))?;
    let (got, want) = (ts_oracle(db).await?, ts_oracle(reference).await?);
    if got != want {
        return Err(format!(
            "{what}: converged by our catalog but TimescaleDB's views differ (- reference, + migrated):\n{}",
            unified(&want, &got)
        ));
    }
    let (got, want) = (user_dump(h, db)?, user_dump(h, reference)?);
    if got != want {
        return Err(format!(
            "{what}: converged by our catalog but pg_dump differs (- reference, + migrated):\n{}",
            unified(&want, &got)
        ));
    }
    Ok(applied.plan)
}

pub(crate) fn render_error(e: workflow::Error) -> String {
    let mut out = String::new();
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(120);
    if handler.render_report(&mut out, &e).is_err() {
        out = e.to_string();
    }
    out
}

fn insta_settings(case: &Case) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(&case.dir);
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s.set_input_file(case.dir.join("after.sql"));
    if let Some(d) = &case.settings.description {
        s.set_description(d.clone());
    }
    s
}

fn refusal_text(e: &PlanError) -> String {
    match e {
        PlanError::Unsupported {
            object,
            reason,
            help,
        } => format!("refused: {object}: {reason}\nhelp: {help}\n"),
        other => format!("unexpected error: {other}\n"),
    }
}

/// Record catalogs under `dir` as `(file name, catalog)`, or check that this TimescaleDB
/// still gives the recorded ones (`SCHEMADIFF_RECORD_TSDB=1` records them again).
fn record_or_check(dir: &Path, catalogs: [(&str, &Catalog); 2]) -> Result<(), String> {
    let record = std::env::var_os("SCHEMADIFF_RECORD_TSDB").is_some();
    for (file, cat) in catalogs {
        let path = dir.join(file);
        let recorded = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<Catalog>(&t).ok());
        match recorded {
            Some(r) if !record => {
                if r.fingerprint() != cat.fingerprint() {
                    return Err(format!(
                        "{}: the recorded catalog differs from what this TimescaleDB gives; \
                         re-record with SCHEMADIFF_RECORD_TSDB=1 and review the diff",
                        path.display()
                    ));
                }
            }
            _ => {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                let mut text = serde_json::to_string_pretty(cat).map_err(|e| e.to_string())?;
                text.push('\n');
                std::fs::write(&path, text).map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}

fn live_case(env: &Env, case: &Case) -> Result<(), Failed> {
    let before = case.read("before.sql")?;
    let after = case.read("after.sql")?;
    let h = &env.harness;
    let (forward, reverse) = env.rt.block_on(Box::pin(async {
        let db = build_db(h, &case.name, &before)
            .await
            .map_err(|e| format!("before.sql does not load: {e}"))?;
        let reference = build_db(h, &format!("{}_ref", case.name), &after)
            .await
            .map_err(|e| format!("after.sql does not load: {e}"))?;
        let planned = workflow::plan_target(
            &db,
            &desired(&case.dir.join("after.sql")),
            &PlanOptions::default(),
        )
        .await
        .map_err(|e| format!("forward plan: {}", render_error(e)))?;
        record_or_check(
            &case.snapshot_dir(),
            [
                ("before.json", &planned.live),
                ("after.json", &planned.desired),
            ],
        )?;
        let forward =
            converge_onto(h, &db, &case.dir.join("after.sql"), &reference, "forward").await?;
        let reverse = match case.settings.reverse {
            Reverse::Converges => {
                let reference_before = build_db(h, &format!("{}_refb", case.name), &before)
                    .await
                    .map_err(|e| format!("before.sql does not load: {e}"))?;
                let plan = converge_onto(
                    h,
                    &db,
                    &case.dir.join("before.sql"),
                    &reference_before,
                    "reverse",
                )
                .await?;
                h.drop_db(&reference_before).await;
                render::sql(&plan, "after.sql -> before.sql")
            }
            Reverse::Refused => {
                match workflow::plan_target(
                    &db,
                    &desired(&case.dir.join("before.sql")),
                    &PlanOptions::default(),
                )
                .await
                {
                    Err(workflow::Error::Plan(e)) => refusal_text(&e),
                    Err(e) => return Err(format!("reverse: {}", render_error(e))),
                    Ok(p) => {
                        return Err(format!(
                            "reverse: expected a refusal, got a plan:\n{}",
                            render::sql(&p.plan, "after.sql -> before.sql")
                        ))
                    }
                }
            }
        };
        h.drop_db(&db).await;
        h.drop_db(&reference).await;
        Ok::<_, String>((render::sql(&forward, "before.sql -> after.sql"), reverse))
    }))?;
    insta_settings(case).bind(|| {
        insta::assert_snapshot!("plan", forward);
        insta::assert_snapshot!("reverse", reverse);
    });
    Ok(())
}

fn offline_case(case: &Case) -> Result<(), Failed> {
    let dir = case.snapshot_dir();
    let load = |f: &str| -> Result<Catalog, Failed> {
        let text = std::fs::read_to_string(dir.join(f)).map_err(|e| {
            format!(
                "{}: {e} (record it by running the live cases where TimescaleDB is installed)",
                dir.join(f).display()
            )
        })?;
        serde_json::from_str(&text).map_err(|e| format!("{f}: {e}").into())
    };
    let (before, after) = (load("before.json")?, load("after.json")?);
    if before.timescale.version.is_none() && after.timescale.version.is_none() {
        return Err("the recorded catalogs were not read from a database with TimescaleDB".into());
    }
    let opts = PlanOptions::default();
    let forward = build(&before, &after, &opts).map_err(|e| format!("forward: {e}"))?;
    let reverse = match (case.settings.reverse, build(&after, &before, &opts)) {
        (Reverse::Converges, Ok(p)) => render::sql(&p, "after.sql -> before.sql"),
        (Reverse::Refused, Err(e)) => refusal_text(&e),
        (Reverse::Converges, Err(e)) => return Err(format!("reverse: {e}").into()),
        (Reverse::Refused, Ok(p)) => {
            return Err(format!(
                "reverse: expected a refusal, got:\n{}",
                render::sql(&p, "after.sql -> before.sql")
            )
            .into())
        }
    };
    let again = build(&after, &after, &opts).map_err(|e| format!("no-op: {e}"))?;
    if !again.is_empty() {
        return Err(format!(
            "the desired catalog against itself is not an empty plan:\n{}",
            render::sql(&again, "after -> after")
        )
        .into());
    }
    insta_settings(case).bind(|| {
        insta::assert_snapshot!("plan", render::sql(&forward, "before.sql -> after.sql"));
        insta::assert_snapshot!("reverse", reverse);
    });
    Ok(())
}
