//! TimescaleDB: five bulk queries, sent only when the extension is installed in the
//! database (pipelined with the others, in the same snapshot), that read hypertables,
//! dimensions, compression settings, policies and continuous aggregates into
//! [`Catalog::timescale`], and remove from the generic catalog what TimescaleDB makes for
//! itself (chunks, internal hypertables, a continuous aggregate's views).

use super::queries::read;
use super::IntrospectError;
use crate::catalog::timescale::{
    CaggIndex, ChunkInterval, Compression, ContinuousAggregate, Dimension, DimensionKind,
    Hypertable, JobPolicy, OrderBy, PolicyKind, SparseIndex, TimeDimension, Timescale, TsVersion,
};
use crate::catalog::{Catalog, Ident, ObjectId, QualName};
use crate::conn::describe_error;
use std::collections::{BTreeMap, BTreeSet};
use tokio_postgres::types::Type;
use tokio_postgres::{Client, Row};

const MANAGED: &str = include_str!("queries/managed.sql");

struct Query {
    name: &'static str,
    text: &'static str,
}

const HYPERTABLES: Query = Query {
    name: "TimescaleDB hypertables",
    text: include_str!("queries/timescale_hypertables.sql"),
};
const DIMENSIONS: Query = Query {
    name: "TimescaleDB dimensions",
    text: include_str!("queries/timescale_dimensions.sql"),
};
const JOBS: Query = Query {
    name: "TimescaleDB policies",
    text: include_str!("queries/timescale_jobs.sql"),
};
const CAGGS: Query = Query {
    name: "TimescaleDB continuous aggregates",
    text: include_str!("queries/timescale_caggs.sql"),
};
const INTERNAL: Query = Query {
    name: "TimescaleDB internal relations",
    text: include_str!("queries/timescale_internal.sql"),
};

const ALL: [&Query; 5] = [&HYPERTABLES, &DIMENSIONS, &JOBS, &CAGGS, &INTERNAL];

/// Compression settings per hypertable: the array catalog from 2.14 (with the sparse
/// index configuration from 2.22), the per-column one before.
fn compression_settings(v: TsVersion) -> &'static str {
    const V2_14: TsVersion = TsVersion {
        major: 2,
        minor: 14,
    };
    const V2_22: TsVersion = TsVersion {
        major: 2,
        minor: 22,
    };
    if v >= V2_22 {
        "SELECT h.id AS hypertable_id, s.segmentby, s.orderby, s.orderby_desc,\n\
         \x20      s.orderby_nullsfirst, s.index AS sparse_index\n\
         FROM _timescaledb_catalog.compression_settings s\n\
         JOIN _timescaledb_catalog.hypertable h\n\
         \x20 ON s.relid = to_regclass(format('%I.%I', h.schema_name, h.table_name))"
    } else if v >= V2_14 {
        "SELECT h.id AS hypertable_id, s.segmentby, s.orderby, s.orderby_desc,\n\
         \x20      s.orderby_nullsfirst, NULL::jsonb AS sparse_index\n\
         FROM _timescaledb_catalog.compression_settings s\n\
         JOIN _timescaledb_catalog.hypertable h\n\
         \x20 ON s.relid = to_regclass(format('%I.%I', h.schema_name, h.table_name))"
    } else {
        "SELECT c.hypertable_id,\n\
         \x20      array_agg(c.attname ORDER BY c.segmentby_column_index)\n\
         \x20          FILTER (WHERE c.segmentby_column_index IS NOT NULL) AS segmentby,\n\
         \x20      array_agg(c.attname ORDER BY c.orderby_column_index)\n\
         \x20          FILTER (WHERE c.orderby_column_index IS NOT NULL) AS orderby,\n\
         \x20      array_agg(NOT c.orderby_asc ORDER BY c.orderby_column_index)\n\
         \x20          FILTER (WHERE c.orderby_column_index IS NOT NULL) AS orderby_desc,\n\
         \x20      array_agg(c.orderby_nullsfirst ORDER BY c.orderby_column_index)\n\
         \x20          FILTER (WHERE c.orderby_column_index IS NOT NULL) AS orderby_nullsfirst,\n\
         \x20      NULL::jsonb AS sparse_index\n\
         FROM _timescaledb_catalog.hypertable_compression c\n\
         GROUP BY c.hypertable_id"
    }
}

/// Every chunk relation: by name before 2.29, by `relid` after (when compressed chunks
/// also stopped being chunk rows).
fn chunk_relids(v: TsVersion) -> &'static str {
    if v >= (TsVersion {
        major: 2,
        minor: 29,
    }) {
        "SELECT relid FROM _timescaledb_catalog.chunk\n\
         \x20 UNION ALL\n\
         \x20   SELECT compress_relid FROM _timescaledb_catalog.compression_settings\n\
         \x20   WHERE compress_relid IS NOT NULL"
    } else {
        "SELECT to_regclass(format('%I.%I', schema_name, table_name))\n\
         \x20   FROM _timescaledb_catalog.chunk"
    }
}

fn text_for(q: &Query, v: TsVersion) -> String {
    let body = q
        .text
        .replace("{{COMPRESSION_SETTINGS}}", compression_settings(v))
        .replace("{{CHUNK_RELIDS}}", chunk_relids(v));
    format!("{MANAGED}{body}")
}

/// The text of the TimescaleDB bulk queries for an extension version (all take the
/// managed schemas as `$1`).
pub fn query_texts(version: &str) -> Vec<(&'static str, String)> {
    let v = TsVersion::parse(version).unwrap_or(TsVersion {
        major: 2,
        minor: 28,
    });
    ALL.iter().map(|q| (q.name, text_for(q, v))).collect()
}

/// The rows of the TimescaleDB queries.
pub(super) struct TsRows {
    version: String,
    hypertables: Vec<Row>,
    dimensions: Vec<Row>,
    jobs: Vec<Row>,
    caggs: Vec<Row>,
    internal: Vec<Row>,
}

/// Run the queries when `version` (the installed extension's) is known; pipelined on
/// `client` like the other bulk queries.
pub(super) async fn run_all(
    client: &Client,
    version: Option<&str>,
    schemas: Option<Vec<String>>,
) -> Result<Option<TsRows>, IntrospectError> {
    let Some(version) = version else {
        return Ok(None);
    };
    let v = TsVersion::parse(version).ok_or_else(|| IntrospectError::Decode {
        what: "the TimescaleDB version",
        column: "extversion",
        reason: format!("not a version: {version:?}"),
    })?;
    let run = |q: &'static Query| {
        let text = text_for(q, v);
        let schemas = schemas.clone();
        async move {
            client
                .query_typed(&text, &[(&schemas, Type::TEXT_ARRAY)])
                .await
                .map_err(|e| IntrospectError::Query {
                    what: q.name,
                    reason: describe_error(&e),
                })
        }
    };
    let (hypertables, dimensions, jobs, caggs, internal) = futures_util::try_join!(
        run(&HYPERTABLES),
        run(&DIMENSIONS),
        run(&JOBS),
        run(&CAGGS),
        run(&INTERNAL)
    )?;
    Ok(Some(TsRows {
        version: version.to_string(),
        hypertables,
        dimensions,
        jobs,
        caggs,
        internal,
    }))
}

/// Fill [`Catalog::timescale`] and take TimescaleDB's own relations out of the catalog.
pub(super) fn apply(rows: &TsRows, cat: &mut Catalog) -> Result<(), IntrospectError> {
    remove_internal(rows, cat)?;
    let mut ts = Timescale {
        version: Some(rows.version.clone()),
        ..Timescale::default()
    };
    let mut compression: BTreeMap<QualName, Option<Compression>> = BTreeMap::new();
    for r in read(&rows.hypertables, HYPERTABLES.name) {
        let name = QualName::new(r.get::<String>("schema")?, r.get::<String>("name")?);
        let settings = if r.get::<bool>("compressed")? {
            let segment_by: Option<Vec<String>> = r.get("segmentby")?;
            let order_by: Option<Vec<String>> = r.get("orderby")?;
            let desc: Option<Vec<bool>> = r.get("orderby_desc")?;
            let nulls: Option<Vec<bool>> = r.get("orderby_nullsfirst")?;
            let sparse: Option<serde_json::Value> = r.get("sparse_index")?;
            Some(Compression {
                segment_by: segment_by.map(|v| v.into_iter().map(Ident).collect()),
                order_by: order_by.map(|cols| {
                    cols.into_iter()
                        .enumerate()
                        .map(|(i, c)| OrderBy {
                            column: Ident(c),
                            desc: desc.as_ref().and_then(|d| d.get(i).copied()) == Some(true),
                            nulls_first: nulls.as_ref().and_then(|n| n.get(i).copied())
                                == Some(true),
                        })
                        .collect()
                }),
                sparse_index: sparse.and_then(|j| configured_sparse_indexes(&j)),
            })
        } else {
            None
        };
        compression.insert(name, settings);
    }
    let mut policies: BTreeMap<QualName, BTreeMap<PolicyKind, JobPolicy>> = BTreeMap::new();
    for r in read(&rows.jobs, JOBS.name) {
        let name = QualName::new(r.get::<String>("schema")?, r.get::<String>("name")?);
        let proc: String = r.get("proc_name")?;
        let Some(kind) = PolicyKind::from_proc_name(&proc) else {
            continue;
        };
        let config: serde_json::Value = r.get("config")?;
        let config = match config {
            serde_json::Value::Object(m) => m.into_iter().collect(),
            _ => BTreeMap::new(),
        };
        policies.entry(name).or_default().insert(
            kind,
            JobPolicy {
                kind,
                schedule_interval: r.get("schedule_interval")?,
                config,
            },
        );
    }
    dimensions(rows, &mut ts, &mut compression, &mut policies)?;
    let mut uses: Vec<(QualName, QualName, String)> = Vec::new();
    for r in read(&rows.caggs, CAGGS.name) {
        let name = QualName::new(r.get::<String>("schema")?, r.get::<String>("name")?);
        let schemas: Vec<String> = r.get("uses_schemas")?;
        let names: Vec<String> = r.get("uses_names")?;
        let columns: Vec<String> = r.get("uses_columns")?;
        for ((schema, rel), column) in schemas.into_iter().zip(names).zip(columns) {
            uses.push((name.clone(), QualName::new(schema, rel), column));
        }
        let query: String = r.get("query")?;
        let cagg = ContinuousAggregate {
            name: name.clone(),
            query: query.trim().to_string(),
            materialized_only: r.get("materialized_only")?,
            source: QualName::new(
                r.get::<String>("source_schema")?,
                r.get::<String>("source_name")?,
            ),
            compression: compression.remove(&name).flatten(),
            policies: policies.remove(&name).unwrap_or_default(),
            indexes: cagg_indexes(&r)?,
        };
        as_continuous_aggregate(cat, &name);
        ts.continuous_aggregates.insert(name, cagg);
    }
    for (cagg, rel, column) in uses {
        let on = if ts.continuous_aggregates.contains_key(&rel) {
            ObjectId::MaterializedView { name: rel }
        } else if !cat.tables.contains_key(&rel) {
            continue;
        } else if column.is_empty() {
            ObjectId::Table { name: rel }
        } else {
            ObjectId::Column {
                table: rel,
                column: Ident(column),
            }
        };
        cat.depends
            .entry(ObjectId::MaterializedView { name: cagg })
            .or_default()
            .insert(on);
    }
    cat.timescale = ts;
    Ok(())
}

fn dimensions(
    rows: &TsRows,
    ts: &mut Timescale,
    compression: &mut BTreeMap<QualName, Option<Compression>>,
    policies: &mut BTreeMap<QualName, BTreeMap<PolicyKind, JobPolicy>>,
) -> Result<(), IntrospectError> {
    for r in read(&rows.dimensions, DIMENSIONS.name) {
        let name = QualName::new(r.get::<String>("schema")?, r.get::<String>("name")?);
        let column = Ident(r.get("column_name")?);
        let slices: Option<i16> = r.get("num_slices")?;
        let interval = if r.get::<bool>("integer_time")? {
            r.get::<Option<i64>>("interval_length")?
                .map(ChunkInterval::Integer)
        } else {
            r.get::<Option<String>>("time_interval")?
                .map(ChunkInterval::Time)
        };
        let now = match (
            r.get::<Option<String>>("now_schema")?,
            r.get::<Option<String>>("now_name")?,
        ) {
            (Some(s), Some(n)) => Some(QualName::new(s, n)),
            _ => None,
        };
        if let Some(h) = ts.hypertables.get_mut(&name) {
            let kind = match (slices, interval) {
                (Some(partitions), _) => DimensionKind::Hash { partitions },
                (None, Some(interval)) => DimensionKind::Range { interval },
                (None, None) => return Err(inconsistent(&name, &column)),
            };
            h.dimensions.push(Dimension { column, kind });
            continue;
        }
        let Some(interval) = interval.filter(|_| slices.is_none()) else {
            return Err(inconsistent(&name, &column));
        };
        let h = Hypertable {
            table: name.clone(),
            time: TimeDimension {
                column,
                interval,
                integer_now_func: now,
            },
            dimensions: Vec::new(),
            compression: compression.remove(&name).flatten(),
            policies: policies.remove(&name).unwrap_or_default(),
        };
        ts.hypertables.insert(name, h);
    }
    Ok(())
}

fn cagg_indexes(
    r: &super::queries::Reader<'_>,
) -> Result<BTreeMap<Ident, CaggIndex>, IntrospectError> {
    let schemas: Vec<String> = r.get("index_schemas")?;
    let names: Vec<String> = r.get("index_names")?;
    let definitions: Vec<String> = r.get("index_definitions")?;
    Ok(names
        .into_iter()
        .zip(schemas)
        .zip(definitions)
        .map(|((name, schema), definition)| {
            (
                Ident(name),
                CaggIndex {
                    schema: Ident(schema),
                    definition,
                },
            )
        })
        .collect())
}

/// The entries of a `compression_settings.index` array the user configured (`source`
/// `config`); a bare `{"source": "config"}` is an explicit empty setting. `None` when
/// nothing is configured (only derived `orderby` / `default` entries).
fn configured_sparse_indexes(index: &serde_json::Value) -> Option<Vec<SparseIndex>> {
    let entries = index.as_array()?;
    let mut configured = false;
    let mut out = Vec::new();
    for e in entries {
        if e.get("source").and_then(|s| s.as_str()) != Some("config") {
            continue;
        }
        configured = true;
        let Some(kind) = e.get("type").and_then(|t| t.as_str()) else {
            continue;
        };
        let columns = match e.get("column") {
            Some(serde_json::Value::String(c)) => vec![Ident::new(c.as_str())],
            Some(serde_json::Value::Array(cs)) => cs
                .iter()
                .filter_map(|c| c.as_str().map(Ident::new))
                .collect(),
            _ => Vec::new(),
        };
        out.push(SparseIndex {
            kind: kind.to_string(),
            columns,
        });
    }
    configured.then_some(out)
}

fn inconsistent(table: &QualName, column: &Ident) -> IntrospectError {
    IntrospectError::Inconsistent {
        detail: format!(
            "TimescaleDB dimension {column} of {table} has neither partitions nor an interval, or the first dimension is a hash"
        ),
    }
}

/// A continuous aggregate's user view is the aggregate: it leaves `views`, and what
/// referred to the view (dependencies, privileges) refers to the aggregate.
fn as_continuous_aggregate(cat: &mut Catalog, name: &QualName) {
    cat.views.remove(name);
    let view = ObjectId::View { name: name.clone() };
    let cagg = ObjectId::MaterializedView { name: name.clone() };
    let remap = |id: ObjectId| if id == view { cagg.clone() } else { id };
    let depends = std::mem::take(&mut cat.depends);
    for (k, v) in depends {
        let k = remap(k);
        let v: BTreeSet<ObjectId> = v.into_iter().map(remap).filter(|d| *d != k).collect();
        if !v.is_empty() {
            cat.depends.entry(k).or_default().extend(v);
        }
    }
    if let Some(p) = cat.privileges.objects.remove(&view) {
        cat.privileges.objects.insert(cagg, p);
    }
}

/// Chunks and the other relations TimescaleDB keeps in a managed schema.
fn remove_internal(rows: &TsRows, cat: &mut Catalog) -> Result<(), IntrospectError> {
    let mut gone: BTreeSet<QualName> = BTreeSet::new();
    for r in read(&rows.internal, INTERNAL.name) {
        gone.insert(QualName::new(
            r.get::<String>("schema")?,
            r.get::<String>("name")?,
        ));
    }
    for name in &gone {
        cat.tables.remove(name);
        cat.views.remove(name);
        cat.triggers.remove(name);
        cat.policies.remove(name);
        cat.row_security.remove(name);
        for id in [
            ObjectId::Table { name: name.clone() },
            ObjectId::View { name: name.clone() },
        ] {
            cat.privileges.objects.remove(&id);
            cat.depends.remove(&id);
        }
    }
    if !gone.is_empty() {
        cat.indexes.retain(|_, ix| !gone.contains(&ix.table));
        let prefixes: Vec<String> = gone.iter().map(|n| format!("{n} inherits ")).collect();
        cat.unmanaged.retain(|u| {
            !(u.kind == "table inheritance" && prefixes.iter().any(|p| u.identity.starts_with(p)))
        });
    }
    for triggers in cat.triggers.values_mut() {
        triggers.retain(|name, t| {
            !(name.as_str() == "ts_insert_blocker" && t.function.name.as_str() == "insert_blocker")
        });
    }
    cat.triggers.retain(|_, t| !t.is_empty());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_for_every_version() {
        for v in ["2.11.2", "2.13.0", "2.14.0", "2.28.3", "2.29.0"] {
            for (name, text) in query_texts(v) {
                assert!(!text.contains("{{"), "{name} for {v}: {text}");
                assert!(text.contains("$1"), "{name}");
            }
        }
        let old = text_for(&HYPERTABLES, TsVersion::parse("2.13.1").unwrap());
        assert!(old.contains("hypertable_compression"));
        let new = text_for(&INTERNAL, TsVersion::parse("2.29.0").unwrap());
        assert!(new.contains("compress_relid"));
    }
}
