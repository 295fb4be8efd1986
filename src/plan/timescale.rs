//! TimescaleDB hypertables: conversion, dimensions, chunk intervals and compression
//! settings. Policies are in `timescale_policy`, continuous aggregates in
//! `timescale_cagg`. Every statement uses the API of the TimescaleDB version installed on
//! the target (the live catalog's, else the dev database's): the classic
//! `create_hypertable(rel, column, ...)` form before 2.13, `by_range`/`by_hash` from then.

use super::build::{unsupported, Ctx, Draft, Phase, PlanError, Steps};
use super::{Action, Hazard};
use crate::catalog::timescale::{
    ChunkInterval, Compression, Dimension, DimensionKind, Hypertable, TsVersion,
};
use crate::catalog::{quote_literal, ConstraintKind, Ident, ObjectId, QualName};

/// The version the plan writes for: the target's, else the dev database's, else the
/// oldest API (which every 2.x version accepts).
pub(crate) fn version(ctx: &Ctx) -> TsVersion {
    ctx.from
        .timescale
        .version_number()
        .or_else(|| ctx.to.timescale.version_number())
        .unwrap_or(TsVersion { major: 2, minor: 0 })
}

/// `schema.function` of a TimescaleDB API function (the extension's schema).
pub(crate) fn api(ctx: &Ctx, function: &str) -> String {
    let ext = Ident::new("timescaledb");
    let schema = ctx
        .from
        .extensions
        .get(&ext)
        .or_else(|| ctx.to.extensions.get(&ext))
        .map(|e| e.schema.clone())
        .unwrap_or_else(|| Ident::new("public"));
    format!("{schema}.{function}")
}

/// A relation as a `regclass` argument: `'public.conditions'`.
pub(crate) fn regclass(name: &QualName) -> String {
    quote_literal(&name.to_string())
}

/// What a hypertable step creates, so that dimensions, policies and continuous
/// aggregates come after it.
pub(crate) fn hypertable_id(name: &QualName) -> ObjectId {
    ObjectId::Other {
        kind: "hypertable".into(),
        identity: name.to_string(),
    }
}

/// Compression being on, which a compression policy needs.
pub(crate) fn compression_id(name: &QualName) -> ObjectId {
    ObjectId::Other {
        kind: "timescaledb compression".into(),
        identity: name.to_string(),
    }
}

pub(crate) fn extension_id() -> ObjectId {
    ObjectId::Extension {
        name: Ident::new("timescaledb"),
    }
}

fn table_id(name: &QualName) -> ObjectId {
    ObjectId::Table { name: name.clone() }
}

fn column_id(table: &QualName, column: &Ident) -> ObjectId {
    ObjectId::Column {
        table: table.clone(),
        column: column.clone(),
    }
}

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    let (from, to) = (&ctx.from.timescale, &ctx.to.timescale);
    for (name, h) in &to.hypertables {
        match from.hypertables.get(name) {
            None => create(ctx, h, out),
            Some(live) => alter(ctx, live, h, out)?,
        }
    }
    for (name, h) in &from.hypertables {
        if to.hypertables.contains_key(name) || !ctx.to.tables.contains_key(name) {
            continue; // kept, or dropped with its table
        }
        return Err(unsupported(
            format!("table {}", h.table),
            "TimescaleDB cannot turn a hypertable back into a plain table",
            format!(
                "keep the create_hypertable call in the schema files, or move the data yourself: \
                 CREATE TABLE a plain copy, INSERT INTO it SELECT * FROM {t}, DROP TABLE {t} and \
                 rename the copy (this rewrites every row and needs a maintenance window)",
                t = h.table
            ),
        ));
    }
    super::timescale_cagg::plan(ctx, out)?;
    super::timescale_policy::plan(ctx, out)?;
    Ok(())
}

/// `SELECT create_hypertable('t', by_range('ts', INTERVAL '1 day'), create_default_indexes
/// => false[, migrate_data => true])` (2.13+), or `SELECT create_hypertable('t', 'ts',
/// chunk_time_interval => INTERVAL '1 day', create_default_indexes => false[, migrate_data
/// => true])` before; then its dimensions, `integer_now_func` and compression. Default
/// indexes are not made: the desired indexes (the defaults among them when the files rely
/// on them) are planned as indexes.
fn create(ctx: &Ctx, h: &Hypertable, out: &mut Steps) {
    let t = &h.table;
    let existing = ctx.table_exists(t);
    let v = version(ctx);
    let mut args = if v.has_dimension_builders() {
        vec![
            regclass(t),
            format!(
                "{}({}, {})",
                api(ctx, "by_range"),
                quote_literal(h.time.column.as_str()),
                h.time.interval.sql()
            ),
        ]
    } else {
        vec![
            regclass(t),
            quote_literal(h.time.column.as_str()),
            format!("chunk_time_interval => {}", h.time.interval.sql()),
        ]
    };
    args.push("create_default_indexes => false".into());
    if existing {
        args.push("migrate_data => true".into());
    }
    let reason = if existing {
        format!(
            "becomes a hypertable on {} (chunks of {})",
            h.time.column, h.time.interval
        )
    } else {
        format!(
            "hypertable on {} (chunks of {})",
            h.time.column, h.time.interval
        )
    };
    let draft = Draft::new(
        Phase::AlterTable,
        table_id(t),
        Action::Alter,
        format!(
            "SELECT {}({})",
            api(ctx, "create_hypertable"),
            args.join(", ")
        ),
        reason,
    )
    .hazard_if(
        existing,
        Hazard::HypertableConversion,
        "migrate_data moves every row into chunks in one transaction",
    )
    .hazard_if(
        existing,
        Hazard::TableRewrite,
        "every row is copied into a chunk and the table truncated (about twice the disk)",
    )
    .hazard_if(
        existing,
        Hazard::AccessExclusiveLock,
        "the table is locked ACCESS EXCLUSIVE for the whole migration: no reads or writes",
    )
    .creates([hypertable_id(t)])
    .needs([table_id(t), extension_id(), column_id(t, &h.time.column)])
    .follows_drops(replaced_unique_keys(ctx, t));
    out.push(draft);
    if let Some(f) = &h.time.integer_now_func {
        out.push(integer_now(ctx, t, f, false));
    }
    for d in &h.dimensions {
        out.push(add_dimension(ctx, t, d, existing));
    }
    if let Some(c) = &h.compression {
        out.push(enable_compression(ctx, t, "TABLE", c, hypertable_id(t)));
    }
}

/// The unique keys of a table being converted that the plan drops or replaces: TimescaleDB
/// refuses to convert a table with a unique index that lacks the time column, and every
/// desired key includes it (the dev database made the table a hypertable), so any live key
/// not kept as is must be gone before `create_hypertable` runs (a primary key on `(id)`
/// becoming one on `(id, recorded_at)`).
fn replaced_unique_keys(ctx: &Ctx, t: &QualName) -> Vec<ObjectId> {
    let (Some(live), desired) = (ctx.from.tables.get(t), ctx.to.tables.get(t)) else {
        return Vec::new();
    };
    let mut out: Vec<ObjectId> = live
        .constraints
        .values()
        .filter(|c| {
            matches!(
                c.kind,
                ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclude
            )
        })
        .filter(|c| desired.and_then(|d| d.constraints.get(&c.name)) != Some(c))
        .map(|c| ObjectId::Constraint {
            table: t.clone(),
            name: c.name.clone(),
        })
        .collect();
    out.extend(
        ctx.from
            .indexes
            .values()
            .filter(|i| &i.table == t && i.unique)
            .filter(|i| ctx.to.indexes.get(&i.name) != Some(i))
            .map(|i| ObjectId::Index {
                name: i.name.clone(),
            }),
    );
    out
}

/// `SELECT set_integer_now_func('t', 'f'[, replace_if_exists => true])`.
fn integer_now(ctx: &Ctx, t: &QualName, f: &QualName, replace: bool) -> Draft {
    let replace_arg = if replace {
        ", replace_if_exists => true"
    } else {
        ""
    };
    Draft::new(
        Phase::AlterTable,
        table_id(t),
        Action::Alter,
        format!(
            "SELECT {}({}, {}{replace_arg})",
            api(ctx, "set_integer_now_func"),
            regclass(t),
            quote_literal(&f.to_string())
        ),
        format!("integer time column: now() is {f}()"),
    )
    .needs([hypertable_id(t), table_id(t)])
    .needs(
        ctx.to
            .functions
            .get(f)
            .into_iter()
            .flat_map(|m| m.keys())
            .map(|args| ObjectId::Function {
                name: f.clone(),
                args: args.clone(),
            }),
    )
}

/// `SELECT add_dimension('t', by_hash('c', 4))` / `by_range('c', interval)` (2.13+), or
/// `SELECT add_dimension('t', 'c', number_partitions => 4)` / `chunk_time_interval =>
/// interval` before.
fn add_dimension(ctx: &Ctx, t: &QualName, d: &Dimension, existing: bool) -> Draft {
    let col = quote_literal(d.column.as_str());
    let v = version(ctx);
    let spec = match (&d.kind, v.has_dimension_builders()) {
        (DimensionKind::Hash { partitions }, true) => {
            format!("{}({col}, {partitions})", api(ctx, "by_hash"))
        }
        (DimensionKind::Range { interval }, true) => {
            format!("{}({col}, {})", api(ctx, "by_range"), interval.sql())
        }
        (DimensionKind::Hash { partitions }, false) => {
            format!("{col}, number_partitions => {partitions}")
        }
        (DimensionKind::Range { interval }, false) => {
            format!("{col}, chunk_time_interval => {}", interval.sql())
        }
    };
    let what = match &d.kind {
        DimensionKind::Hash { partitions } => {
            format!("hash dimension on {} ({partitions} partitions)", d.column)
        }
        DimensionKind::Range { interval } => {
            format!("range dimension on {} (chunks of {interval})", d.column)
        }
    };
    let reason = if existing {
        format!("{what} added; only chunks created from now on are partitioned by it")
    } else {
        format!("{what} added")
    };
    Draft::new(
        Phase::AlterTable,
        table_id(t),
        Action::Alter,
        format!(
            "SELECT {}({}, {spec})",
            api(ctx, "add_dimension"),
            regclass(t)
        ),
        reason,
    )
    .needs([hypertable_id(t), column_id(t, &d.column)])
}

fn alter(ctx: &Ctx, live: &Hypertable, h: &Hypertable, out: &mut Steps) -> Result<(), PlanError> {
    let t = &h.table;
    if live.time.column != h.time.column {
        return Err(unsupported(
            format!("table {t}"),
            format!(
                "its time dimension moves from {} to {}; TimescaleDB cannot change a hypertable's time column",
                live.time.column, h.time.column
            ),
            "rebuild the hypertable by hand (create the new one, copy the rows in time ranges, swap names), or keep the time column",
        ));
    }
    if live.time.interval != h.time.interval {
        out.push(chunk_interval(
            ctx,
            t,
            &h.time.interval,
            &live.time.interval,
            &h.time.column,
        ));
    }
    if live.time.integer_now_func != h.time.integer_now_func {
        match &h.time.integer_now_func {
            Some(f) => out.push(integer_now(ctx, t, f, live.time.integer_now_func.is_some())),
            None => {
                return Err(unsupported(
                    format!("table {t}"),
                    "TimescaleDB has no way to unset a hypertable's integer_now_func",
                    "keep the set_integer_now_func call in the schema files",
                ))
            }
        }
    }
    for (i, d) in h.dimensions.iter().enumerate() {
        match live.dimensions.get(i) {
            None => out.push(add_dimension(ctx, t, d, true)),
            Some(l) if l.column != d.column => return Err(dimension_refusal(t, l, "replaced")),
            Some(l) => match (&l.kind, &d.kind) {
                (DimensionKind::Hash { partitions: a }, DimensionKind::Hash { partitions: b }) => {
                    if a != b {
                        out.push(
                            Draft::new(
                                Phase::AlterTable,
                                table_id(t),
                                Action::Alter,
                                format!(
                                    "SELECT {}({}, {b}, {})",
                                    api(ctx, "set_number_partitions"),
                                    regclass(t),
                                    quote_literal(d.column.as_str())
                                ),
                                format!(
                                    "hash partitions of {} {a} → {b}; only chunks created from now on use them, existing chunks keep their layout",
                                    d.column
                                ),
                            )
                            .needs([hypertable_id(t)]),
                        );
                    }
                }
                (DimensionKind::Range { interval: a }, DimensionKind::Range { interval: b }) => {
                    if a != b {
                        out.push(chunk_interval(ctx, t, b, a, &d.column));
                    }
                }
                _ => return Err(dimension_refusal(t, l, "changed between hash and range")),
            },
        }
    }
    if let Some(l) = live.dimensions.get(h.dimensions.len()) {
        return Err(dimension_refusal(t, l, "removed"));
    }
    compression_change(
        ctx,
        t,
        "TABLE",
        live.compression.as_ref(),
        h.compression.as_ref(),
        hypertable_id(t),
        out,
    );
    Ok(())
}

fn dimension_refusal(t: &QualName, d: &Dimension, what: &str) -> PlanError {
    unsupported(
        format!("table {t}"),
        format!(
            "its dimension on {} is {what}; TimescaleDB has no remove_dimension",
            d.column
        ),
        "keep the add_dimension call (dimensions are only ever added, in order), or rebuild the hypertable by hand: create the new one, copy the rows, swap names",
    )
}

/// `SELECT set_chunk_time_interval('t', INTERVAL '2 days', dimension_name => 'c')` (the name
/// is required once a hypertable has two open dimensions).
fn chunk_interval(
    ctx: &Ctx,
    t: &QualName,
    to: &ChunkInterval,
    from: &ChunkInterval,
    dimension: &Ident,
) -> Draft {
    Draft::new(
        Phase::AlterTable,
        table_id(t),
        Action::Alter,
        format!(
            "SELECT {}({}, {}, dimension_name => {})",
            api(ctx, "set_chunk_time_interval"),
            regclass(t),
            to.sql(),
            quote_literal(dimension.as_str())
        ),
        format!(
            "chunk interval of {dimension} {from} → {to}; only chunks created from now on use it, existing chunks keep theirs"
        ),
    )
    .needs([hypertable_id(t)])
}

/// The `SET (...)` list for compression settings: `timescaledb.compress_segmentby = 'a'`.
fn settings_list(c: &Compression, only_changed_from: Option<&Compression>) -> Vec<String> {
    let mut out = Vec::new();
    let changed = |f: fn(&Compression) -> Option<String>| match only_changed_from {
        Some(old) => f(old) != f(c),
        None => true,
    };
    if let Some(s) = c
        .segment_by_text()
        .filter(|_| changed(Compression::segment_by_text))
    {
        out.push(format!(
            "timescaledb.compress_segmentby = {}",
            quote_literal(&s)
        ));
    }
    if let Some(o) = c
        .order_by_text()
        .filter(|_| changed(Compression::order_by_text))
    {
        out.push(format!(
            "timescaledb.compress_orderby = {}",
            quote_literal(&o)
        ));
    }
    if let Some(i) = c
        .sparse_index_text()
        .filter(|_| changed(Compression::sparse_index_text))
    {
        out.push(format!(
            "timescaledb.compress_index = {}",
            quote_literal(&i)
        ));
    }
    out
}

/// `ALTER TABLE|MATERIALIZED VIEW r SET (timescaledb.compress[, timescaledb.compress_segmentby
/// = '...'][, timescaledb.compress_orderby = '...'][, timescaledb.compress_index = '...'])`.
pub(crate) fn enable_compression(
    ctx: &Ctx,
    r: &QualName,
    kind: &str,
    c: &Compression,
    after: ObjectId,
) -> Draft {
    let _ = ctx;
    let object = rel_object(r, kind);
    let mut list = vec!["timescaledb.compress".to_string()];
    list.extend(settings_list(c, None));
    Draft::new(
        Phase::AlterTable,
        object,
        Action::Alter,
        format!("ALTER {kind} {r} SET ({})", list.join(", ")),
        "compression (columnstore) enabled",
    )
    .creates([compression_id(r)])
    .needs([after])
}

/// The object a `kind` (`TABLE`, `MATERIALIZED VIEW`) statement on `r` touches.
/// `SELECT decompress_chunk(c, if_compressed => true) FROM show_chunks('r') c`: every
/// compressed chunk of `r` decompressed (chunks that are not compressed are skipped).
fn decompress_all(ctx: &Ctx, r: &QualName) -> String {
    format!(
        "SELECT {}(c, if_compressed => true) FROM {}({}) c",
        api(ctx, "decompress_chunk"),
        api(ctx, "show_chunks"),
        regclass(r)
    )
}

/// `SELECT decompress_chunk(c, if_compressed => true) FROM show_chunks('t') c` before a
/// column of the hypertable `t` changes type: TimescaleDB refuses `ALTER COLUMN ... TYPE`
/// while any chunk is compressed. Once per table in a plan; the compression policy
/// compresses the chunks again later.
pub(crate) fn decompress_before_retype(ctx: &Ctx, table: &QualName, out: &mut Steps) {
    let id = decompressed_id(table);
    if out.0.iter().any(|d| d.deps.creates.contains(&id)) {
        return;
    }
    out.push(
        Draft::new(
            Phase::AlterTable,
            ObjectId::Table {
                name: table.clone(),
            },
            Action::Alter,
            decompress_all(ctx, table),
            "a column changes type: TimescaleDB refuses that while a chunk is compressed, so \
             every compressed chunk is decompressed first (the compression policy compresses \
             them again)",
        )
        .alone()
        .hazard(
            Hazard::TableRewrite,
            "each compressed chunk is rewritten uncompressed under an exclusive lock; disk use \
             grows by the compression ratio until the chunks are compressed again",
        )
        .creates([id])
        .needs([hypertable_id(table)]),
    );
}

/// What [`decompress_before_retype`] provides: the type changes of the table need it.
pub(crate) fn decompressed_id(name: &QualName) -> ObjectId {
    ObjectId::Other {
        kind: "timescaledb decompressed chunks".into(),
        identity: name.to_string(),
    }
}

fn rel_object(r: &QualName, kind: &str) -> ObjectId {
    if kind == "TABLE" {
        ObjectId::Table { name: r.clone() }
    } else {
        ObjectId::MaterializedView { name: r.clone() }
    }
}

/// Compression turned on, off, or its settings changed.
pub(crate) fn compression_change(
    ctx: &Ctx,
    r: &QualName,
    kind: &str,
    from: Option<&Compression>,
    to: Option<&Compression>,
    after: ObjectId,
    out: &mut Steps,
) {
    let object = rel_object(r, kind);
    match (from, to) {
        (None, None) => {}
        (None, Some(c)) => out.push(enable_compression(ctx, r, kind, c, after)),
        (Some(_), None) => {
            out.push(
                Draft::new(
                    Phase::AlterTable,
                    object.clone(),
                    Action::Alter,
                    decompress_all(ctx, r),
                    "compression disabled: every compressed chunk is decompressed first",
                )
                .alone()
                .hazard(
                    Hazard::TableRewrite,
                    "each compressed chunk is rewritten uncompressed under an exclusive lock; disk use grows by the compression ratio",
                )
                .alters([compression_id(r)]),
            );
            out.push(
                Draft::new(
                    Phase::AlterTable,
                    object,
                    Action::Alter,
                    format!("ALTER {kind} {r} SET (timescaledb.compress = false)"),
                    "compression (columnstore) disabled",
                )
                .drops([compression_id(r)]),
            );
        }
        (Some(a), Some(b)) if a == b => {}
        (Some(a), Some(b)) => {
            let v = version(ctx);
            let set = settings_list(b, Some(a));
            let mut resets = Vec::new();
            if a.segment_by.is_some() && b.segment_by.is_none() {
                resets.push("timescaledb.compress_segmentby");
            }
            if a.order_by.is_some() && b.order_by.is_none() {
                resets.push("timescaledb.compress_orderby");
            }
            if a.sparse_index.is_some() && b.sparse_index.is_none() {
                resets.push("timescaledb.compress_index");
            }
            let reason = "compression settings changed; chunks compressed already keep the settings they were compressed with until recompressed (compress_chunk(c, recompress => true))";
            let mut drafts = Vec::new();
            if !set.is_empty() {
                drafts.push(format!("ALTER {kind} {r} SET ({})", set.join(", ")));
            }
            if !resets.is_empty() {
                drafts.push(format!("ALTER {kind} {r} RESET ({})", resets.join(", ")));
            }
            for sql in drafts {
                out.push(
                    Draft::new(Phase::AlterTable, object.clone(), Action::Alter, sql, reason)
                        .hazard_if(
                            !v.settings_change_with_compressed_chunks(),
                            Hazard::DataDependent,
                            format!(
                                "TimescaleDB {v} refuses the change while any chunk is compressed: decompress them first"
                            ),
                        )
                        .needs([compression_id(r)]),
                );
            }
        }
    }
}

#[cfg(test)]
#[path = "timescale_tests.rs"]
mod tests;
