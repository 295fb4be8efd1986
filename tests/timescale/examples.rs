//! The example schemas with TimescaleDB (`schema/austa/health_journey`,
//! `schema/capsule/monitor`) converge against the real extension: from an empty database,
//! and from the realistic earlier version under `fixtures/examples/<example>/earlier/`
//! loaded with the rows of its `data.sql`, every row still there afterwards. Both are
//! judged like the fixtures: the next plan is empty and the database equals one built
//! straight from the schema files by TimescaleDB's information views and `pg_dump`. The
//! plan from the earlier version is the `from_earlier` insta snapshot of each example.
//! The catalogs that plan is made from are recorded in `fixtures/examples/<example>/
//! catalogs/` (like the fixtures' catalogs: when missing or with `SCHEMADIFF_RECORD_TSDB=1`),
//! and the offline trial plans from them to the same snapshot where TimescaleDB is absent.

use super::{build_db, converge_onto, desired, record_or_check, render_error, Env};
use libtest_mimic::Failed;
use schemadiff::catalog::{Catalog, QualName};
use schemadiff::conn::ConnTarget;
use schemadiff::plan::{build, Plan, PlanOptions};
use schemadiff::render;
use schemadiff::workflow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One example service and what its data must look like once migrated.
pub struct Example {
    /// `fixtures/examples/<name>/` holds `earlier/`, `data.sql` and the plan snapshot.
    pub name: &'static str,
    /// Its desired schema directory, relative to the repository.
    pub schema: &'static str,
    /// Tables that are hypertables in the desired schema (their rows must sit in chunks).
    pub hypertables: &'static [&'static str],
    /// Continuous aggregates and the query that counts the groups each must hold once
    /// refreshed.
    pub caggs: &'static [(&'static str, &'static str)],
}

pub const EXAMPLES: &[Example] = &[
    Example {
        name: "austa_health_journey",
        schema: "schema/austa/health_journey",
        hypertables: &["health_metric", "health_device_sync"],
        caggs: &[(
            "health_metric_daily",
            "SELECT count(*) FROM (SELECT DISTINCT time_bucket(INTERVAL '1 day', recorded_at),
                    user_id, metric_type_id FROM public.health_metric WHERE deleted_at IS NULL) g",
        )],
    },
    Example {
        name: "capsule_monitor",
        schema: "schema/capsule/monitor",
        hypertables: &["metric_samples", "alert_events"],
        caggs: &[(
            "metric_samples_hourly",
            "SELECT count(*) FROM (SELECT DISTINCT time_bucket(INTERVAL '1 hour', time),
                    metric_definition_id, instance FROM public.metric_samples) g",
        )],
    },
];

impl Example {
    fn schema_dir(&self) -> PathBuf {
        repo().join(self.schema)
    }
    fn fixture_dir(&self) -> PathBuf {
        repo().join("fixtures/examples").join(self.name)
    }
    fn catalogs_dir(&self) -> PathBuf {
        self.fixture_dir().join("catalogs")
    }
    fn title(&self) -> String {
        format!("fixtures/examples/{}/earlier -> {}", self.name, self.schema)
    }
    fn snapshot(&self, plan: &Plan) {
        let mut s = insta::Settings::clone_current();
        s.set_snapshot_path(self.fixture_dir());
        s.set_prepend_module_to_snapshot(false);
        s.set_omit_expression(true);
        s.set_description(format!(
            "plan from fixtures/examples/{}/earlier (with data.sql) to {}",
            self.name, self.schema
        ));
        let text = render::sql(plan, &self.title());
        s.bind(|| insta::assert_snapshot!("from_earlier", text));
    }
}

/// Without a database: the plan from the recorded catalogs is the `from_earlier` snapshot,
/// and the desired catalog against itself plans nothing.
pub fn offline(ex: &Example) -> Result<(), Failed> {
    let dir = ex.catalogs_dir();
    let load = |f: &str| -> Result<Catalog, Failed> {
        let text = std::fs::read_to_string(dir.join(f)).map_err(|e| {
            format!(
                "{}: {e} (record it by running the live trials where TimescaleDB is installed)",
                dir.join(f).display()
            )
        })?;
        serde_json::from_str(&text).map_err(|e| format!("{f}: {e}").into())
    };
    let (earlier, want) = (load("earlier.json")?, load("desired.json")?);
    let opts = PlanOptions::default();
    let plan = build(&earlier, &want, &opts).map_err(|e| format!("plan: {e}"))?;
    let again = build(&want, &want, &opts).map_err(|e| format!("no-op: {e}"))?;
    if !again.is_empty() {
        return Err(format!(
            "the desired catalog against itself is not an empty plan:\n{}",
            render::sql(&again, "desired -> desired")
        )
        .into());
    }
    ex.snapshot(&plan);
    Ok(())
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The `.sql` files of `dir` in name order, one text (as `psql -f` would run them).
fn sql_of_dir(dir: &Path) -> Result<String, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    let mut out = String::new();
    for f in files {
        out.push_str(&std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?);
        out.push('\n');
    }
    Ok(out)
}

/// Rows of every ordinary table of `public` (a hypertable counts the rows of its chunks).
async fn table_counts(target: &ConnTarget) -> Result<BTreeMap<String, i64>, String> {
    let c = target.connect().await.map_err(|e| e.to_string())?;
    let names = c
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1",
            &[],
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for row in names {
        let name: String = row.get(0);
        let sql = format!("SELECT count(*) FROM {}", QualName::new("public", &name));
        let n: i64 = c
            .query_one(&sql, &[])
            .await
            .map_err(|e| e.to_string())?
            .get(0);
        out.insert(name, n);
    }
    Ok(out)
}

async fn count(target: &ConnTarget, sql: &str) -> Result<i64, String> {
    let c = target.connect().await.map_err(|e| e.to_string())?;
    c.query_one(sql, &[])
        .await
        .map(|r| r.get(0))
        .map_err(|e| format!("{sql}: {}", schemadiff::conn::describe_error(&e)))
}

/// The next plan against `db` is empty.
async fn replans_to_empty(db: &ConnTarget, schema: &Path, what: &str) -> Result<(), String> {
    let again = workflow::plan_target(db, &desired(schema), &PlanOptions::default())
        .await
        .map_err(|e| format!("{what}: second plan: {}", render_error(e)))?;
    if !again.plan.is_empty() {
        return Err(format!(
            "{what}: the plan after applying is not empty:\n{}",
            render::sql(&again.plan, "second plan")
        ));
    }
    Ok(())
}

/// Empty database → desired schema.
pub fn from_empty(env: &Env, ex: &Example) -> Result<(), Failed> {
    let h = &env.harness;
    env.rt.block_on(Box::pin(async {
        let schema = ex.schema_dir();
        let reference = build_db(h, &format!("{}_ref", ex.name), &sql_of_dir(&schema)?)
            .await
            .map_err(|e| format!("{} does not load: {e}", ex.schema))?;
        let db = h.fresh_db(&format!("{}_empty", ex.name)).await;
        let plan = converge_onto(h, &db, &schema, &reference, "from empty").await?;
        if plan.is_empty() {
            return Err("the plan from an empty database is empty".to_string());
        }
        replans_to_empty(&db, &schema, "from empty").await?;
        h.drop_db(&db).await;
        h.drop_db(&reference).await;
        Ok::<_, String>(())
    }))?;
    Ok(())
}

/// Earlier version with rows → desired schema: every row kept, hypertables' rows in
/// chunks, continuous aggregates refreshed; the plan is snapshotted.
pub fn from_earlier(env: &Env, ex: &Example) -> Result<(), Failed> {
    let h = &env.harness;
    let plan = env.rt.block_on(Box::pin(async {
        let schema = ex.schema_dir();
        let fixture = ex.fixture_dir();
        let reference = build_db(h, &format!("{}_ref", ex.name), &sql_of_dir(&schema)?)
            .await
            .map_err(|e| format!("{} does not load: {e}", ex.schema))?;
        let earlier = sql_of_dir(&fixture.join("earlier"))?;
        let data = std::fs::read_to_string(fixture.join("data.sql")).map_err(|e| e.to_string())?;
        let db = build_db(
            h,
            &format!("{}_earlier", ex.name),
            &format!("{earlier}\n{data}"),
        )
        .await
        .map_err(|e| format!("earlier version with data does not load: {e}"))?;
        let before = table_counts(&db).await?;
        if before.values().sum::<i64>() < 1000 {
            return Err(format!("data.sql loaded too few rows: {before:?}"));
        }
        let planned = workflow::plan_target(&db, &desired(&schema), &PlanOptions::default())
            .await
            .map_err(|e| format!("from earlier: {}", render_error(e)))?;
        record_or_check(
            &ex.catalogs_dir(),
            [
                ("earlier.json", &planned.live),
                ("desired.json", &planned.desired),
            ],
        )?;
        let plan = converge_onto(h, &db, &schema, &reference, "from earlier").await?;
        replans_to_empty(&db, &schema, "from earlier").await?;
        let after = table_counts(&db).await?;
        for (table, n) in &before {
            let now = after.get(table).copied();
            if now != Some(*n) {
                return Err(format!("{table}: {n} rows before, {now:?} after"));
            }
        }
        for table in ex.hypertables {
            let name = QualName::new("public", *table);
            let in_parent = count(&db, &format!("SELECT count(*) FROM ONLY {name}")).await?;
            if in_parent != 0 {
                return Err(format!("{name}: {in_parent} rows left in the parent table"));
            }
            let literal = format!("'{}'", name.to_string().replace('\'', "''"));
            let chunks = count(
                &db,
                &format!("SELECT count(*) FROM public.show_chunks({literal}::regclass)"),
            )
            .await?;
            if chunks < 2 {
                return Err(format!("{name}: its rows sit in {chunks} chunk(s)"));
            }
        }
        for (cagg, groups) in ex.caggs {
            let name = QualName::new("public", *cagg);
            let got = count(&db, &format!("SELECT count(*) FROM {name}")).await?;
            let want = count(&db, groups).await?;
            if got != want || got == 0 {
                return Err(format!(
                    "{name}: {got} materialized rows, the source has {want} groups"
                ));
            }
        }
        h.drop_db(&db).await;
        h.drop_db(&reference).await;
        Ok::<_, String>(plan)
    }))?;
    ex.snapshot(&plan);
    Ok(())
}
