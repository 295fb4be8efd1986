//! TimescaleDB policies (compression, retention, reorder, continuous aggregate refresh),
//! identified by procedure and relation. Added with `add_*_policy`, changed in place with
//! `alter_job` on the job found by procedure and relation (ids differ between databases),
//! removed with `remove_*_policy`.

use super::build::{Ctx, Draft, Phase, PlanError, Steps};
use super::timescale::{api, compression_id, hypertable_id, regclass};
use super::{Action, Hazard};
use crate::catalog::timescale::{JobPolicy, PolicyKind};
use crate::catalog::{quote_literal, Ident, ObjectId, QualName};
use std::collections::{BTreeMap, BTreeSet};

/// The relation a policy acts on.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rel {
    Hypertable,
    ContinuousAggregate,
}

type Policies = BTreeMap<PolicyKind, JobPolicy>;

/// The policies of one relation on the live and on the desired side.
type Sides<'a> = (Option<&'a Policies>, Option<&'a Policies>);

const POLICY: &str = "timescaledb policy";

/// The object id of a policy: one per procedure and relation.
pub(crate) fn policy_id(rel: &QualName, kind: PolicyKind) -> ObjectId {
    ObjectId::Other {
        kind: POLICY.into(),
        identity: format!("{} on {rel}", kind.proc_name()),
    }
}

/// The relation and kind of a policy's object id (the inverse of [`policy_id`]); `None` for
/// any other object.
pub fn policy_of(id: &ObjectId) -> Option<(QualName, PolicyKind)> {
    let ObjectId::Other { kind, identity } = id else {
        return None;
    };
    if kind != POLICY {
        return None;
    }
    let (proc, rel) = identity.split_once(" on ")?;
    Some((QualName::parse(rel)?, PolicyKind::from_proc_name(proc)?))
}

/// Config keys the `add_*_policy` functions take as named arguments, per policy.
fn arguments(kind: PolicyKind) -> &'static [&'static str] {
    match kind {
        PolicyKind::Compression => &["compress_after", "compress_created_before"],
        PolicyKind::Retention => &["drop_after", "drop_created_before"],
        PolicyKind::Reorder => &["index_name"],
        PolicyKind::Refresh => &[
            "start_offset",
            "end_offset",
            "buckets_per_batch",
            "max_batches_per_execution",
            "refresh_newest_first",
            "include_tiered_data",
        ],
    }
}

const INTERVAL_KEYS: [&str; 6] = [
    "compress_after",
    "compress_created_before",
    "drop_after",
    "drop_created_before",
    "start_offset",
    "end_offset",
];

/// A config value as an argument: intervals as `INTERVAL '7 days'`, integers as they are.
fn literal(key: &str, v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) if INTERVAL_KEYS.contains(&key) => {
            format!("INTERVAL {}", quote_literal(s))
        }
        serde_json::Value::String(s) => quote_literal(s),
        serde_json::Value::Null => "NULL".into(),
        other => other.to_string(),
    }
}

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    let recreated = super::timescale_cagg::recreated(ctx);
    let (from, to) = (&ctx.from.timescale, &ctx.to.timescale);
    let mut sides: BTreeMap<(QualName, Rel), Sides> = BTreeMap::new();
    for (n, h) in &from.hypertables {
        sides.entry((n.clone(), Rel::Hypertable)).or_default().0 = Some(&h.policies);
    }
    for (n, h) in &to.hypertables {
        sides.entry((n.clone(), Rel::Hypertable)).or_default().1 = Some(&h.policies);
    }
    for (n, c) in &from.continuous_aggregates {
        if !recreated.contains(n) {
            sides
                .entry((n.clone(), Rel::ContinuousAggregate))
                .or_default()
                .0 = Some(&c.policies);
        }
    }
    for (n, c) in &to.continuous_aggregates {
        sides
            .entry((n.clone(), Rel::ContinuousAggregate))
            .or_default()
            .1 = Some(&c.policies);
    }
    let empty = BTreeMap::new();
    for ((name, rel), (live, desired)) in &sides {
        let relation_gone = desired.is_none();
        let existing = match rel {
            Rel::Hypertable => ctx.table_exists(name),
            Rel::ContinuousAggregate => live.is_some(),
        };
        let live = live.unwrap_or(&empty);
        let desired = desired.unwrap_or(&empty);
        for (kind, p) in desired {
            match live.get(kind) {
                None => out.push(add(ctx, name, *rel, p, existing)),
                Some(l) if l != p => out.push(alter(ctx, name, *rel, l, p)),
                Some(_) => {}
            }
        }
        if relation_gone {
            continue; // dropped with its table or continuous aggregate
        }
        for kind in live.keys() {
            if !desired.contains_key(kind) {
                out.push(remove(ctx, name, *kind));
            }
        }
    }
    Ok(())
}

fn relation_object(name: &QualName, rel: Rel) -> ObjectId {
    match rel {
        Rel::Hypertable => ObjectId::Table { name: name.clone() },
        Rel::ContinuousAggregate => ObjectId::MaterializedView { name: name.clone() },
    }
}

fn function_name(kind: PolicyKind, verb: &str) -> String {
    let what = match kind {
        PolicyKind::Compression => "compression",
        PolicyKind::Retention => "retention",
        PolicyKind::Reorder => "reorder",
        PolicyKind::Refresh => "continuous_aggregate",
    };
    format!("{verb}_{what}_policy")
}

/// `SELECT add_compression_policy('t', compress_after => INTERVAL '7 days',
/// schedule_interval => INTERVAL '12:00:00')` (likewise retention and refresh);
/// `SELECT alter_job(add_reorder_policy('t', 'idx'), schedule_interval => ...)` for a
/// reorder policy, whose add function takes no schedule.
fn add(ctx: &Ctx, name: &QualName, rel: Rel, p: &JobPolicy, existing: bool) -> Draft {
    let mut args = vec![regclass(name)];
    for key in arguments(p.kind) {
        if let Some(v) = p.config.get(*key) {
            args.push(format!("{key} => {}", literal(key, v)));
        }
    }
    let schedule = format!(
        "schedule_interval => INTERVAL {}",
        quote_literal(&p.schedule_interval)
    );
    let add_fn = api(ctx, &function_name(p.kind, "add"));
    let sql = if p.kind == PolicyKind::Reorder {
        format!(
            "SELECT {}({add_fn}({}), {schedule})",
            api(ctx, "alter_job"),
            args.join(", ")
        )
    } else {
        args.push(schedule);
        format!("SELECT {add_fn}({})", args.join(", "))
    };
    let mut needs = vec![relation_object(name, rel)];
    if rel == Rel::Hypertable {
        needs.push(hypertable_id(name));
    }
    if p.kind == PolicyKind::Compression {
        needs.push(compression_id(name));
    }
    if let Some(serde_json::Value::String(ix)) = p.config.get("index_name") {
        needs.push(ObjectId::Index {
            name: QualName {
                schema: name.schema.clone(),
                name: Ident::new(ix.as_str()),
            },
        });
    }
    let id = policy_id(name, p.kind);
    Draft::new(
        Phase::CreateTrigger,
        id.clone(),
        Action::Create,
        sql,
        format!("{} added (every {})", p.kind.label(), p.schedule_interval),
    )
    .hazard_if(
        existing && p.kind == PolicyKind::Retention,
        Hazard::DataLoss,
        format!(
            "the policy drops the chunks of {name} older than {} as soon as it first runs",
            describe(&p.config)
        ),
    )
    .creates([id])
    .needs(needs)
}

/// `SELECT alter_job(j.id, schedule_interval => ..., config => (j.config - 'old') ||
/// '{...}'::jsonb) FROM _timescaledb_config.bgw_job j WHERE j.proc_name = '...' AND
/// j.hypertable_id = (...)`: the job is found by procedure and relation, and its internal
/// ids stay as they are.
fn alter(ctx: &Ctx, name: &QualName, rel: Rel, live: &JobPolicy, p: &JobPolicy) -> Draft {
    let mut args = Vec::new();
    let mut what = Vec::new();
    if live.schedule_interval != p.schedule_interval {
        args.push(format!(
            "schedule_interval => INTERVAL {}",
            quote_literal(&p.schedule_interval)
        ));
        what.push(format!(
            "schedule {} → {}",
            live.schedule_interval, p.schedule_interval
        ));
    }
    if live.config != p.config {
        let removed: String = live
            .config
            .keys()
            .filter(|k| !p.config.contains_key(*k))
            .map(|k| format!(" - {}", quote_literal(k)))
            .collect();
        let json = serde_json::to_string(&p.config).expect("a JSON map serializes");
        args.push(format!(
            "config => (j.config{removed}) || {}::jsonb",
            quote_literal(&json)
        ));
        what.push(format!(
            "config {} → {}",
            describe(&live.config),
            describe(&p.config)
        ));
    }
    let owner = match rel {
        Rel::Hypertable => format!(
            "SELECT h.id FROM _timescaledb_catalog.hypertable h WHERE h.schema_name = {} AND h.table_name = {}",
            quote_literal(name.schema.as_str()),
            quote_literal(name.name.as_str())
        ),
        Rel::ContinuousAggregate => format!(
            "SELECT c.mat_hypertable_id FROM _timescaledb_catalog.continuous_agg c WHERE c.user_view_schema = {} AND c.user_view_name = {}",
            quote_literal(name.schema.as_str()),
            quote_literal(name.name.as_str())
        ),
    };
    let sql = format!(
        "SELECT {}(j.id, {}) FROM _timescaledb_config.bgw_job j WHERE j.proc_name = {} AND j.hypertable_id = ({owner})",
        api(ctx, "alter_job"),
        args.join(", "),
        quote_literal(p.kind.proc_name())
    );
    let id = policy_id(name, p.kind);
    let shrinks_retention = p.kind == PolicyKind::Retention
        && live.config != p.config
        && !keeps_at_least_as_much(&live.config, &p.config);
    Draft::new(
        Phase::AlterTrigger,
        id.clone(),
        Action::Alter,
        sql,
        format!("{} changed: {}", p.kind.label(), what.join(", ")),
    )
    .hazard_if(
        shrinks_retention,
        Hazard::DataLoss,
        format!(
            "the retention policy now drops the chunks of {name} older than {} when it runs",
            describe(&p.config)
        ),
    )
    .alters([id])
    .needs([relation_object(name, rel)])
}

/// True when a retention policy's new config only moves `drop_after` later (the same
/// other keys, a longer interval or a larger integer): it then drops nothing the live
/// policy would have kept. Anything not understood counts as possibly dropping more.
fn keeps_at_least_as_much(
    live: &BTreeMap<String, serde_json::Value>,
    new: &BTreeMap<String, serde_json::Value>,
) -> bool {
    let others = |c: &BTreeMap<String, serde_json::Value>| {
        c.iter()
            .filter(|(k, _)| k.as_str() != "drop_after")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    if others(live) != others(new) {
        return false;
    }
    match (live.get("drop_after"), new.get("drop_after")) {
        (Some(serde_json::Value::Number(a)), Some(serde_json::Value::Number(b))) => {
            matches!((a.as_i64(), b.as_i64()), (Some(a), Some(b)) if b >= a)
        }
        (Some(serde_json::Value::String(a)), Some(serde_json::Value::String(b))) => {
            matches!((interval_seconds(a), interval_seconds(b)), (Some(a), Some(b)) if b >= a)
        }
        _ => false,
    }
}

/// Seconds in an interval as PostgreSQL prints it (`1 year 2 mons 3 days 04:05:06`),
/// counted as PostgreSQL compares intervals (a month is 30 days, a day 24 hours); `None`
/// for any other text.
fn interval_seconds(text: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut words = text.split_whitespace().peekable();
    while let Some(w) = words.next() {
        if w.contains(':') {
            let (sign, hms) = match w.strip_prefix('-') {
                Some(rest) => (-1.0, rest),
                None => (1.0, w),
            };
            let mut unit = 3600.0;
            for part in hms.split(':') {
                total += sign * unit * part.parse::<f64>().ok()?;
                unit /= 60.0;
            }
            continue;
        }
        let n: f64 = w.parse().ok()?;
        let per = match words.next()?.trim_end_matches('s') {
            "year" => 360.0 * 86400.0,
            "mon" => 30.0 * 86400.0,
            "day" => 86400.0,
            _ => return None,
        };
        total += n * per;
    }
    Some(total)
}

/// `SELECT remove_compression_policy('t')` (likewise the others).
fn remove(ctx: &Ctx, name: &QualName, kind: PolicyKind) -> Draft {
    let id = policy_id(name, kind);
    let mut releases: BTreeSet<ObjectId> = BTreeSet::new();
    if kind == PolicyKind::Compression {
        releases.insert(compression_id(name));
    }
    Draft::new(
        Phase::DropPolicy,
        id.clone(),
        Action::Drop,
        format!(
            "SELECT {}({})",
            api(ctx, &function_name(kind, "remove")),
            regclass(name)
        ),
        format!("{} removed", kind.label()),
    )
    .drops([id])
    .releases(releases)
}

/// `compress_after 7 days`, for reasons.
fn describe(config: &BTreeMap<String, serde_json::Value>) -> String {
    if config.is_empty() {
        return "{}".into();
    }
    config
        .iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k} {s}"),
            other => format!("{k} {other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod retention_tests {
    use super::{interval_seconds, keeps_at_least_as_much};
    use serde_json::json;
    use std::collections::BTreeMap;

    fn config(drop_after: serde_json::Value) -> BTreeMap<String, serde_json::Value> {
        BTreeMap::from([("drop_after".to_string(), drop_after)])
    }

    #[test]
    fn intervals_read_as_postgresql_prints_them() {
        assert_eq!(interval_seconds("01:00:00"), Some(3600.0));
        assert_eq!(interval_seconds("14 days"), Some(14.0 * 86400.0));
        assert_eq!(interval_seconds("1 year"), Some(360.0 * 86400.0));
        assert_eq!(
            interval_seconds("1 mon 2 days 00:30:00"),
            Some(32.0 * 86400.0 + 1800.0)
        );
        assert_eq!(interval_seconds("1 fortnight"), None);
    }

    #[test]
    fn only_a_later_drop_after_keeps_everything() {
        let keeps = |a, b| keeps_at_least_as_much(&config(a), &config(b));
        assert!(keeps(json!("14 days"), json!("30 days")));
        assert!(keeps(json!("30 days"), json!("1 year")));
        assert!(!keeps(json!("90 days"), json!("30 days")));
        assert!(keeps(json!(1000), json!(5000)));
        assert!(!keeps(json!(5000), json!(1000)));
        assert!(!keeps(json!("30 days"), json!(5000)));
        let mut created = config(json!("30 days"));
        created.insert("drop_created_before".into(), json!("7 days"));
        assert!(!keeps_at_least_as_much(&config(json!("14 days")), &created));
    }
}
