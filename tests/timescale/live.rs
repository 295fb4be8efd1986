//! Live checks beyond the fixtures: rows survive a conversion, the dev database pauses
//! jobs, the embedded dev cluster preloads the extension, and creation plans rebuild each
//! case's database.

use super::{apply_options, build_db, desired, render_error, Case, Env};
use libtest_mimic::Failed;
use schemadiff::catalog::Catalog;
use schemadiff::introspect::Scope;
use schemadiff::plan::{build, Hazard, PlanOptions};
use schemadiff::render;
use schemadiff::source::{CacheOptions, SourceFile};
use schemadiff::workflow;
use std::sync::Arc;

/// A plain table with rows becomes a hypertable: every row is still there, now in chunks.
pub fn conversion_keeps_every_row(env: &Env) -> Result<(), Failed> {
    let h = &env.harness;
    env.rt.block_on(Box::pin(async {
        let before = "CREATE EXTENSION timescaledb;
            CREATE TABLE public.readings (ts timestamptz NOT NULL, device int, v float8);
            INSERT INTO public.readings
              SELECT now() - i * interval '1 hour', i % 7, i FROM generate_series(1, 500) i;";
        let db = build_db(h, "conversion_rows", before).await?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let file = dir.path().join("after.sql");
        std::fs::write(
            &file,
            "CREATE EXTENSION timescaledb;
             CREATE TABLE public.readings (ts timestamptz NOT NULL, device int, v float8);
             SELECT create_hypertable('public.readings', 'ts', chunk_time_interval => INTERVAL '1 day');",
        )
        .map_err(|e| e.to_string())?;
        let applied = workflow::apply_target(
            &db,
            &desired(&file),
            &PlanOptions::default(),
            &apply_options(),
            None,
            &mut |_| {},
        )
        .await
        .map_err(render_error)?;
        let convert = applied
            .plan
            .steps
            .iter()
            .find(|s| s.sql.contains("create_hypertable"))
            .ok_or("no create_hypertable step")?;
        assert!(convert.sql.contains("migrate_data => true"), "{}", convert.sql);
        for k in [
            Hazard::HypertableConversion,
            Hazard::TableRewrite,
            Hazard::AccessExclusiveLock,
        ] {
            assert!(
                convert.hazards.iter().any(|n| n.kind == k),
                "{k} missing on {}",
                convert.sql
            );
        }
        let c = db.connect().await.map_err(|e| e.to_string())?;
        let rows: i64 = c
            .query_one("SELECT count(*) FROM public.readings", &[])
            .await
            .map_err(|e| e.to_string())?
            .get(0);
        assert_eq!(rows, 500);
        let in_parent: i64 = c
            .query_one("SELECT count(*) FROM ONLY public.readings", &[])
            .await
            .map_err(|e| e.to_string())?
            .get(0);
        assert_eq!(in_parent, 0, "rows were moved into chunks");
        let chunks: i64 = c
            .query_one("SELECT count(*) FROM public.show_chunks('public.readings')", &[])
            .await
            .map_err(|e| e.to_string())?
            .get(0);
        assert!(chunks >= 20, "{chunks} chunks for 500 hours of 1-day chunks");
        h.drop_db(&db).await;
        Ok::<_, String>(())
    }))?;
    Ok(())
}

/// The policies of the desired files are paused in the dev database, so they do no work
/// there: a plain load leaves the policy scheduled, the dev database's pause stops it, and
/// the desired catalog still has the policy.
pub fn dev_database_jobs_are_paused(env: &Env) -> Result<(), Failed> {
    let h = &env.harness;
    env.rt.block_on(Box::pin(async {
        let files = schemadiff::source::from_files(vec![SourceFile {
            path: "s.sql".into(),
            text: "CREATE EXTENSION timescaledb;
                   CREATE TABLE public.m (ts timestamptz NOT NULL, v int);
                   SELECT create_hypertable('public.m', 'ts');
                   SELECT add_retention_policy('public.m', INTERVAL '30 days');"
                .into(),
        }])
        .map_err(|e| e.to_string())?;
        let target = h.fresh_db("paused_jobs").await;
        schemadiff::source::load(&files, &target, &Default::default())
            .await
            .map_err(|e| e.to_string())?;
        let c = target.connect().await.map_err(|e| e.to_string())?;
        let scheduled = || async {
            c.query_one(
                "SELECT count(*) FROM _timescaledb_config.bgw_job WHERE id >= 1000 AND scheduled",
                &[],
            )
            .await
            .map(|r| r.get::<_, i64>(0))
            .map_err(|e| e.to_string())
        };
        assert_eq!(
            scheduled().await?,
            1,
            "a plain load leaves the policy scheduled"
        );
        schemadiff::source::pause_timescaledb_jobs(&c)
            .await
            .map_err(|e| e.to_string())?;
        assert_eq!(scheduled().await?, 0, "paused");
        let catalog = schemadiff::source::desired_catalog(
            &files,
            &schemadiff::source::DevDb::Url(target.clone()),
            &Scope::default(),
            &CacheOptions {
                enabled: false,
                dir: None,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        let m = &catalog.timescale.hypertables[&schemadiff::catalog::QualName::new("public", "m")];
        assert!(m
            .policies
            .contains_key(&schemadiff::catalog::timescale::PolicyKind::Retention));
        h.drop_db(&target).await;
        Ok::<_, String>(())
    }))?;
    Ok(())
}

/// `--dev-url embedded` starts its own cluster: with TimescaleDB installed it preloads it,
/// so desired files with hypertables load there too.
pub fn embedded_dev_database_preloads_timescaledb() -> Result<(), Failed> {
    let rt = crate::support::runtime();
    rt.block_on(Box::pin(async {
        let files = schemadiff::source::from_files(vec![SourceFile {
            path: "s.sql".into(),
            text: "CREATE EXTENSION timescaledb;
                   CREATE TABLE public.m (ts timestamptz NOT NULL, v int);
                   SELECT create_hypertable('public.m', by_range('ts', INTERVAL '1 hour'));"
                .into(),
        }])
        .map_err(|e| e.to_string())?;
        let catalog = schemadiff::source::desired_catalog(
            &files,
            &schemadiff::source::DevDb::Embedded,
            &Scope::default(),
            &CacheOptions {
                enabled: false,
                dir: None,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        let m = &catalog.timescale.hypertables[&schemadiff::catalog::QualName::new("public", "m")];
        assert_eq!(
            m.time.interval,
            schemadiff::catalog::timescale::ChunkInterval::Time("01:00:00".into())
        );
        Ok::<_, String>(())
    }))?;
    Ok(())
}

/// The plan that creates each case's `after` database from nothing (what `schemadiff dump`
/// prints), loaded as desired files, describes that same database: its plan against it is
/// empty. This checks every create form against the introspection of what it creates.
pub fn creation_plans_rebuild_each_database(env: &Env, cases: &[Arc<Case>]) -> Result<(), Failed> {
    let h = &env.harness;
    env.rt.block_on(Box::pin(async {
        for case in cases {
            let after = case.read("after.sql").map_err(|e| format!("{e:?}"))?;
            let db = build_db(h, &format!("{}_dump", case.name), &after).await?;
            let live = workflow::live_catalog(&db, &Scope::default())
                .await
                .map_err(render_error)?;
            let mut base = Catalog {
                server_version: live.server_version,
                ..Catalog::default()
            };
            let public = schemadiff::catalog::Ident::new("public");
            base.schemas.insert(
                public.clone(),
                schemadiff::catalog::Schema {
                    name: public,
                    comment: Some("standard public schema".into()),
                },
            );
            let create = build(&base, &live, &PlanOptions::default())
                .map_err(|e| format!("{}: {e}", case.name))?;
            let sql: String = create
                .steps
                .iter()
                .map(|s| format!("{};\n", s.sql))
                .collect();
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let file = dir.path().join("schema.sql");
            std::fs::write(&file, &sql).map_err(|e| e.to_string())?;
            let planned = workflow::plan_target(&db, &desired(&file), &PlanOptions::default())
                .await
                .map_err(|e| format!("{}: {}\n{sql}", case.name, render_error(e)))?;
            if !planned.plan.is_empty() {
                return Err(format!(
                    "{}: the database built from its own creation plan differs:\n{}\n{sql}",
                    case.name,
                    render::sql(&planned.plan, "creation plan -> database")
                ));
            }
            h.drop_db(&db).await;
        }
        Ok::<_, String>(())
    }))?;
    Ok(())
}
