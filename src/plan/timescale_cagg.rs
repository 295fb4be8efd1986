//! Continuous aggregates: created `WITH NO DATA` and refreshed in a step of their own
//! (a refresh cannot run in a transaction block), `materialized_only` and compression
//! changed in place, and dropped and created again when the query or its source changes
//! (TimescaleDB cannot alter a continuous aggregate's query).

use super::build::{Ctx, Draft, Phase, PlanError, Steps};
use super::deps::relation_name;
use super::timescale::{
    api, compression_change, enable_compression, extension_id, hypertable_id, regclass,
};
use super::{Action, Budget, Hazard};
use crate::catalog::timescale::{CaggIndex, ContinuousAggregate, PolicyKind};
use crate::catalog::{Catalog, Ident, ObjectId, QualName};
use std::collections::BTreeSet;

fn mv_id(name: &QualName) -> ObjectId {
    ObjectId::MaterializedView { name: name.clone() }
}

/// Continuous aggregates kept by name but dropped and created again: their query or
/// source changed, or the aggregate they read is created again.
pub(crate) fn recreated(ctx: &Ctx) -> BTreeSet<QualName> {
    let (from, to) = (&ctx.from.timescale, &ctx.to.timescale);
    let mut out: BTreeSet<QualName> = to
        .continuous_aggregates
        .values()
        .filter(|c| {
            from.continuous_aggregates.get(&c.name).is_some_and(|l| {
                l.query != c.query || l.source != c.source || ctx.rebuild.contains(&mv_id(&c.name))
            })
        })
        .map(|c| c.name.clone())
        .collect();
    loop {
        let more: Vec<QualName> = to
            .continuous_aggregates
            .values()
            .filter(|c| {
                !out.contains(&c.name)
                    && from.continuous_aggregates.contains_key(&c.name)
                    && out.contains(&c.source)
            })
            .map(|c| c.name.clone())
            .collect();
        if more.is_empty() {
            return out;
        }
        out.extend(more);
    }
}

/// What the aggregate reads, as the ids its creation needs and its drop releases.
fn source_ids(cat: &Catalog, source: &QualName) -> Vec<ObjectId> {
    if cat.timescale.continuous_aggregates.contains_key(source) {
        vec![mv_id(source)]
    } else {
        vec![
            ObjectId::Table {
                name: source.clone(),
            },
            hypertable_id(source),
        ]
    }
}

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    let recreated = recreated(ctx);
    let (from, to) = (&ctx.from.timescale, &ctx.to.timescale);
    for (name, live) in &from.continuous_aggregates {
        if !to.continuous_aggregates.contains_key(name) {
            out.push(drop(ctx, live, "continuous aggregate removed"));
        } else if recreated.contains(name) {
            let why = match ctx.rebuild.reason(&mv_id(name)) {
                Some(r) => format!("{r}: dropped to be created again"),
                None => {
                    "its query changed, which TimescaleDB cannot alter: dropped to be created again"
                        .into()
                }
            };
            out.push(drop(ctx, live, &why));
        }
    }
    for (name, c) in &to.continuous_aggregates {
        match from.continuous_aggregates.get(name) {
            Some(live) if !recreated.contains(name) => alter(ctx, live, c, out),
            live => create(ctx, c, live.is_some(), out),
        }
    }
    Ok(())
}

/// `DROP MATERIALIZED VIEW name` (its materialization hypertable and policies go with it).
fn drop(ctx: &Ctx, c: &ContinuousAggregate, reason: &str) -> Draft {
    let id = mv_id(&c.name);
    Draft::new(
        Phase::DropView,
        id.clone(),
        Action::Drop,
        format!("DROP MATERIALIZED VIEW {}", c.name),
        reason,
    )
    .hazard(
        Hazard::DataLoss,
        "its materialized rows are dropped; rows whose source chunks are gone (retention) cannot be computed again",
    )
    .drops([id.clone()])
    .frees([relation_name(&c.name)])
    .releases(source_ids(ctx.from, &c.source))
    .releases(ctx.rests_on_in_from(&id))
}

/// `CREATE MATERIALIZED VIEW name WITH (timescaledb.continuous, timescaledb.materialized_only
/// = b) AS query WITH NO DATA`, its compression, then `CALL refresh_continuous_aggregate('name',
/// NULL, NULL)` when its source already holds rows.
fn create(ctx: &Ctx, c: &ContinuousAggregate, again: bool, out: &mut Steps) {
    let id = mv_id(&c.name);
    let query = c.query.trim().trim_end_matches(';').trim();
    let reason = match (again, ctx.rebuild.reason(&id)) {
        (true, Some(r)) => format!("{r}: created again"),
        (true, None) => "its query changed: created again".to_string(),
        (false, _) => "continuous aggregate added".to_string(),
    };
    out.push(
        Draft::new(
            Phase::CreateView,
            id.clone(),
            Action::Create,
            format!(
                "CREATE MATERIALIZED VIEW {} WITH (timescaledb.continuous, timescaledb.materialized_only = {}) AS {query} WITH NO DATA",
                c.name, c.materialized_only
            ),
            reason,
        )
        .creates([id.clone()])
        .claims([relation_name(&c.name)])
        .needs(source_ids(ctx.to, &c.source))
        .needs(ctx.needs_in_to(&id))
        .needs([extension_id()]),
    );
    if let Some(comp) = &c.compression {
        out.push(enable_compression(
            ctx,
            &c.name,
            "MATERIALIZED VIEW",
            comp,
            id.clone(),
        ));
    }
    for (name, ix) in &c.indexes {
        out.push(create_index(
            c,
            name,
            ix,
            false,
            "index added with its continuous aggregate",
        ));
    }
    if !reads_existing_rows(ctx, &c.source) {
        return;
    }
    let lost = ctx
        .from
        .timescale
        .hypertables
        .get(&c.source)
        .is_some_and(|h| h.policies.contains_key(&PolicyKind::Retention));
    out.push(
        Draft::new(
            Phase::Comment,
            id.clone(),
            Action::Alter,
            format!(
                "CALL {}({}, NULL, NULL)",
                api(ctx, "refresh_continuous_aggregate"),
                regclass(&c.name)
            ),
            "materialized from the rows of its source",
        )
        .non_transactional()
        .budget(Budget::Concurrent)
        .creates([refreshed_id(&c.name)])
        .needs([refreshed_id(&c.source)])
        .hazard(
            Hazard::MaterializedViewRecompute,
            format!("every bucket is computed again from {}", c.source),
        )
        .hazard_if(
            again && lost,
            Hazard::DataLoss,
            format!(
                "{} has a retention policy: buckets over chunks it already dropped come back empty",
                c.source
            ),
        )
        .needs([id]),
    );
}

/// True when `source` has rows on the live side, directly or through the continuous
/// aggregates it is built on (a new aggregate over a new one over an existing hypertable
/// is refreshed after its parent).
fn reads_existing_rows(ctx: &Ctx, source: &QualName) -> bool {
    let mut at = source.clone();
    for _ in 0..=ctx.to.timescale.continuous_aggregates.len() {
        if ctx.from.tables.contains_key(&at)
            || ctx.from.timescale.continuous_aggregates.contains_key(&at)
        {
            return true;
        }
        match ctx.to.timescale.continuous_aggregates.get(&at) {
            Some(parent) => at = parent.source.clone(),
            None => return false,
        }
    }
    false
}

/// A continuous aggregate's refresh, which the refresh of one built on it follows.
fn refreshed_id(name: &QualName) -> ObjectId {
    ObjectId::Other {
        kind: "continuous aggregate refresh".into(),
        identity: name.to_string(),
    }
}

/// `ALTER MATERIALIZED VIEW name SET (timescaledb.materialized_only = b)` and compression.
fn alter(ctx: &Ctx, live: &ContinuousAggregate, c: &ContinuousAggregate, out: &mut Steps) {
    let id = mv_id(&c.name);
    if live.materialized_only != c.materialized_only {
        let reason = if c.materialized_only {
            "real-time aggregation turned off: only materialized buckets are read"
        } else {
            "real-time aggregation turned on: buckets not yet materialized are computed at query time"
        };
        out.push(
            Draft::new(
                Phase::AlterView,
                id.clone(),
                Action::Alter,
                format!(
                    "ALTER MATERIALIZED VIEW {} SET (timescaledb.materialized_only = {})",
                    c.name, c.materialized_only
                ),
                reason,
            )
            .needs([id.clone()]),
        );
    }
    compression_change(
        ctx,
        &c.name,
        "MATERIALIZED VIEW",
        live.compression.as_ref(),
        c.compression.as_ref(),
        id,
        out,
    );
    for (name, ix) in &live.indexes {
        match c.indexes.get(name) {
            Some(d) if d.definition == ix.definition => {}
            Some(_) => out.push(drop_index(
                c,
                name,
                ix,
                "index definition changed: dropped to be built again",
            )),
            None => out.push(drop_index(c, name, ix, "index removed")),
        }
    }
    for (name, ix) in &c.indexes {
        match live.indexes.get(name) {
            Some(l) if l.definition == ix.definition => {}
            Some(_) => out.push(create_index(
                c,
                name,
                ix,
                true,
                "index definition changed: built again",
            )),
            None => out.push(create_index(c, name, ix, true, "index added")),
        }
    }
}

fn index_id(schema: &Ident, name: &Ident) -> ObjectId {
    ObjectId::Index {
        name: QualName {
            schema: schema.clone(),
            name: name.clone(),
        },
    }
}

/// `CREATE INDEX name ON cagg USING ...` (TimescaleDB puts it on the materialization
/// hypertable).
fn create_index(
    c: &ContinuousAggregate,
    name: &Ident,
    ix: &CaggIndex,
    existing: bool,
    reason: &str,
) -> Draft {
    let id = index_id(&ix.schema, name);
    let sql = match ix.definition.find("INDEX ON ") {
        Some(at) => format!(
            "{}INDEX {name} ON {}",
            &ix.definition[..at],
            &ix.definition[at + "INDEX ON ".len()..]
        ),
        None => ix.definition.clone(),
    };
    Draft::new(Phase::CreateIndex, id.clone(), Action::Create, sql, reason)
        .hazard_if(
            existing,
            Hazard::IndexBuild,
            format!(
                "built over every materialized row of {}; refreshes wait for the build",
                c.name
            ),
        )
        .creates([id])
        .claims([relation_name(&QualName {
            schema: ix.schema.clone(),
            name: name.clone(),
        })])
        .needs([mv_id(&c.name)])
}

/// `DROP INDEX _timescaledb_internal.name`: an aggregate's index lives beside its
/// materialization hypertable.
fn drop_index(c: &ContinuousAggregate, name: &Ident, ix: &CaggIndex, reason: &str) -> Draft {
    let id = index_id(&ix.schema, name);
    Draft::new(
        Phase::DropIndex,
        id.clone(),
        Action::Drop,
        format!("DROP INDEX {}.{name}", ix.schema),
        format!("{reason} (on {})", c.name),
    )
    .drops([id])
    .frees([relation_name(&QualName {
        schema: ix.schema.clone(),
        name: name.clone(),
    })])
}
