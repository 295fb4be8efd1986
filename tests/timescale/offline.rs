//! Offline checks of the TimescaleDB planner on the catalogs recorded from the real
//! extension (`fixtures/timescale/snapshots/`), beyond the fixtures' own plans.

use super::root;
use libtest_mimic::Failed;
use schemadiff::catalog::Catalog;
use schemadiff::plan::{build, Hazard, PlanError, PlanOptions};
use schemadiff::render;

/// The recorded catalogs planned as if the target ran TimescaleDB 2.11 (the last series
/// PostgreSQL 14 fleets may be on): the classic `create_hypertable(rel, column, ...)` and
/// `add_dimension(rel, column, number_partitions => n)` forms, no `by_range`/`by_hash`,
/// and a warning that settings cannot change while chunks are compressed.
pub fn classic_api_before_2_13() -> Result<(), Failed> {
    let load = |case: &str, f: &str| -> Result<Catalog, Failed> {
        let path = root().join("snapshots").join(case).join(f);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut cat: Catalog = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        cat.timescale.version = Some("2.11.2".into());
        Ok(cat)
    };
    let opts = PlanOptions::default();
    let plans = [
        ("convert_table", "create_hypertable('public.readings', 'created', chunk_time_interval => 50000, create_default_indexes => false, migrate_data => true)"),
        ("add_dimension", "add_dimension('public.metrics', 'device_id', number_partitions => 4)"),
        ("from_empty", "create_hypertable('public.metrics', 'ts', chunk_time_interval => INTERVAL '7 days', create_default_indexes => false)"),
    ];
    for (case, want) in plans {
        let plan = build(
            &load(case, "before.json")?,
            &load(case, "after.json")?,
            &opts,
        )
        .map_err(|e| format!("{case}: {e}"))?;
        let text = render::sql(&plan, case);
        if !text.contains(want) || text.contains("by_range") || text.contains("by_hash") {
            return Err(format!("{case}: expected the classic API ({want}):\n{text}").into());
        }
    }
    let plan = build(
        &load("alter_in_place", "before.json")?,
        &load("alter_in_place", "after.json")?,
        &opts,
    )
    .map_err(|e| e.to_string())?;
    let settings = plan
        .steps
        .iter()
        .find(|s| s.sql.contains("compress_segmentby"))
        .ok_or("no compression settings step")?;
    if !settings
        .hazards
        .iter()
        .any(|h| h.kind == Hazard::DataDependent)
    {
        return Err(format!(
            "no data_dependent hazard before 2.14: {:?}",
            settings.hazards
        )
        .into());
    }
    Ok(())
}

/// What TimescaleDB cannot do in place is refused with a typed error that says what to do
/// instead: a new time column, a dimension changed between hash and range, unsetting
/// `integer_now_func` (dimension removal and hypertable → table are the reverse cases of
/// `add_dimension` and `convert_table`).
pub fn changes_timescaledb_cannot_make_are_refused() -> Result<(), Failed> {
    use schemadiff::catalog::timescale::{ChunkInterval, DimensionKind};
    use schemadiff::catalog::{Ident, QualName};
    let load = |case: &str, f: &str| -> Result<Catalog, Failed> {
        let path = root().join("snapshots").join(case).join(f);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| e.to_string().into())
    };
    let opts = PlanOptions::default();
    let refused = |from: &Catalog, to: &Catalog, says: &str| -> Result<(), Failed> {
        match build(from, to, &opts) {
            Err(e @ PlanError::Unsupported { .. }) if e.to_string().contains(says) => Ok(()),
            Err(e) => Err(format!("expected a refusal saying {says:?}, got: {e}").into()),
            Ok(p) => Err(format!(
                "expected a refusal saying {says:?}, got a plan:\n{}",
                render::sql(&p, "refusal")
            )
            .into()),
        }
    };
    let metrics = QualName::new("public", "metrics");
    let live = load("add_dimension", "after.json")?;

    let mut moved = live.clone();
    moved
        .timescale
        .hypertables
        .get_mut(&metrics)
        .unwrap()
        .time
        .column = Ident::new("device_id");
    refused(&live, &moved, "time column")?;

    let mut range = live.clone();
    range
        .timescale
        .hypertables
        .get_mut(&metrics)
        .unwrap()
        .dimensions[0]
        .kind = DimensionKind::Range {
        interval: ChunkInterval::Integer(100),
    };
    refused(&live, &range, "changed between hash and range")?;

    let readings = QualName::new("public", "readings");
    let live = load("convert_table", "after.json")?;
    let mut unset = live.clone();
    unset
        .timescale
        .hypertables
        .get_mut(&readings)
        .unwrap()
        .time
        .integer_now_func = None;
    refused(&live, &unset, "integer_now_func")?;
    Ok(())
}

/// Review definitions of TimescaleDB policies on the recorded catalogs of `alter_in_place`:
/// every policy the plan touches has one, a changed policy shows its `add_*_policy` call
/// before and after, and an added one only after.
pub fn policy_definitions() -> Result<(), Failed> {
    let load = |f: &str| -> Result<Catalog, Failed> {
        let path = root().join("snapshots/alter_in_place").join(f);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(serde_json::from_str(&text).map_err(|e| e.to_string())?)
    };
    let (live, desired) = (load("before.json")?, load("after.json")?);
    let plan = build(&live, &desired, &PlanOptions::default()).map_err(|e| e.to_string())?;
    let defs = render::definitions(&plan, &live, &desired).map_err(|e| e.to_string())?;
    let policies: Vec<_> = plan
        .steps
        .iter()
        .filter_map(|s| Some((schemadiff::plan::policy_of(&s.object)?, &s.object)))
        .collect();
    if policies.is_empty() {
        return Err("the plan changes no policy".into());
    }
    let find = |rel: &str, proc: &str| {
        policies
            .iter()
            .find(|((r, k), _)| r.to_string() == rel && k.proc_name() == proc)
            .and_then(|(_, id)| defs.of(id))
            .ok_or_else(|| format!("no definition of {proc} on {rel}: {policies:?}"))
    };
    for (_, id) in &policies {
        if defs.of(id).is_none() {
            return Err(format!("no definition of {id}").into());
        }
    }
    let compression = find("public.conditions", "policy_compression")?;
    let (before, after) = (
        compression.before.as_deref().unwrap_or(""),
        compression.after.as_deref().unwrap_or(""),
    );
    let changed = before.contains("add_compression_policy")
        && before.contains("7 days")
        && after.contains("add_compression_policy")
        && after.contains("3 days");
    if !changed {
        return Err(format!("compression policy:\n{before}\n---\n{after}").into());
    }
    let retention = find("public.metrics", "policy_retention")?;
    if retention.before.is_some()
        || !retention
            .after
            .as_deref()
            .is_some_and(|a| a.contains("add_retention_policy") && a.contains("365 days"))
    {
        return Err(format!("added retention policy: {retention:?}").into());
    }
    Ok(())
}
