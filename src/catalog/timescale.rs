//! TimescaleDB objects: hypertables with their dimensions, compression (columnstore)
//! settings and policies, and continuous aggregates.
//!
//! A hypertable is also an ordinary [`Table`](super::Table) in [`Catalog::tables`](super::Catalog):
//! this model holds only what TimescaleDB adds to it. A continuous aggregate is not a view
//! in [`Catalog::views`](super::Catalog): it lives here only. Policies are identified by
//! their procedure and the relation they act on, never by job id (ids differ between
//! databases).

use super::{Ident, QualName};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything TimescaleDB-specific in a database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timescale {
    /// `extversion` of the `timescaledb` extension in the database; `None` when it is not
    /// installed there.
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub hypertables: BTreeMap<QualName, Hypertable>,
    #[serde(default)]
    pub continuous_aggregates: BTreeMap<QualName, ContinuousAggregate>,
}

impl Timescale {
    /// True when the database has no TimescaleDB objects and no extension.
    pub fn is_empty(&self) -> bool {
        self.version.is_none()
            && self.hypertables.is_empty()
            && self.continuous_aggregates.is_empty()
    }

    /// The installed version as `(major, minor)`, if known and well-formed.
    pub fn version_number(&self) -> Option<TsVersion> {
        self.version.as_deref().and_then(TsVersion::parse)
    }
}

/// A TimescaleDB version, for choosing the API a statement uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TsVersion {
    pub major: u32,
    pub minor: u32,
}

impl TsVersion {
    /// `2.28.3` → 2.28; `2.14.0-dev` → 2.14.
    pub fn parse(s: &str) -> Option<TsVersion> {
        let mut parts = s.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor_text: String = parts
            .next()?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        Some(TsVersion {
            major,
            minor: minor_text.parse().ok()?,
        })
    }

    /// `by_range`/`by_hash` dimension builders and `create_hypertable(rel, dimension)`.
    pub fn has_dimension_builders(self) -> bool {
        self >= TsVersion {
            major: 2,
            minor: 13,
        }
    }

    /// Compression settings can change while compressed chunks exist.
    pub fn settings_change_with_compressed_chunks(self) -> bool {
        self >= TsVersion {
            major: 2,
            minor: 14,
        }
    }
}

impl std::fmt::Display for TsVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// What TimescaleDB adds to a table: `create_hypertable(...)`, `add_dimension(...)`,
/// `ALTER TABLE ... SET (timescaledb.compress ...)` and `add_*_policy(...)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hypertable {
    pub table: QualName,
    /// The primary (first, open) dimension.
    pub time: TimeDimension,
    /// Further dimensions, in the order they were added.
    pub dimensions: Vec<Dimension>,
    /// `None` when compression (columnstore) is off.
    pub compression: Option<Compression>,
    pub policies: BTreeMap<PolicyKind, JobPolicy>,
}

/// The primary dimension of a hypertable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeDimension {
    pub column: Ident,
    pub interval: ChunkInterval,
    /// `set_integer_now_func` of an integer time column.
    pub integer_now_func: Option<QualName>,
}

/// The chunk interval of an open dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChunkInterval {
    /// A time column: the interval as PostgreSQL prints it with `IntervalStyle = postgres`
    /// after `justify_hours` (`1 day`, `12:00:00`, `7 days`).
    Time(String),
    /// An integer column: in the column's units.
    Integer(i64),
}

impl ChunkInterval {
    /// The SQL literal: `INTERVAL '1 day'` or `1000`.
    pub fn sql(&self) -> String {
        match self {
            ChunkInterval::Time(t) => format!("INTERVAL {}", super::quote_literal(t)),
            ChunkInterval::Integer(n) => n.to_string(),
        }
    }
}

impl std::fmt::Display for ChunkInterval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChunkInterval::Time(t) => f.write_str(t),
            ChunkInterval::Integer(n) => write!(f, "{n}"),
        }
    }
}

/// A secondary dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimension {
    pub column: Ident,
    pub kind: DimensionKind,
}

/// How a secondary dimension partitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DimensionKind {
    /// Closed ("space") dimension: `by_hash(column, partitions)`.
    Hash { partitions: i16 },
    /// Another open dimension: `by_range(column, interval)`.
    Range { interval: ChunkInterval },
}

/// Compression (columnstore) settings of a hypertable or continuous aggregate. `None`
/// lists mean "not set": TimescaleDB chooses per chunk at compression time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compression {
    /// `compress_segmentby`; `Some(vec![])` is an explicit empty setting.
    pub segment_by: Option<Vec<Ident>>,
    /// `compress_orderby`.
    pub order_by: Option<Vec<OrderBy>>,
    /// `compress_index` (2.22+): the sparse indexes the user configured (not the ones
    /// TimescaleDB derives from `orderby` or adds by default); `Some(vec![])` is an
    /// explicit empty setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sparse_index: Option<Vec<SparseIndex>>,
}

/// One configured sparse index: `bloom(location)`, `minmax(temperature)`, `bloom(a, b)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SparseIndex {
    /// `bloom`, `minmax`, ...
    pub kind: String,
    pub columns: Vec<Ident>,
}

impl std::fmt::Display for SparseIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cols: Vec<String> = self.columns.iter().map(Ident::to_string).collect();
        write!(f, "{}({})", self.kind, cols.join(", "))
    }
}

impl Compression {
    /// `a,b` as `compress_segmentby` takes it.
    pub fn segment_by_text(&self) -> Option<String> {
        self.segment_by
            .as_ref()
            .map(|v| v.iter().map(Ident::to_string).collect::<Vec<_>>().join(","))
    }

    /// `bloom(a), minmax(b)` as `compress_index` takes it.
    pub fn sparse_index_text(&self) -> Option<String> {
        self.sparse_index.as_ref().map(|v| {
            v.iter()
                .map(SparseIndex::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        })
    }

    /// `"time" DESC,v` as `compress_orderby` takes it.
    pub fn order_by_text(&self) -> Option<String> {
        self.order_by.as_ref().map(|v| {
            v.iter()
                .map(OrderBy::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })
    }
}

/// One `compress_orderby` column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderBy {
    pub column: Ident,
    pub desc: bool,
    pub nulls_first: bool,
}

impl std::fmt::Display for OrderBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.column)?;
        match (self.desc, self.nulls_first) {
            (false, false) => Ok(()),
            (false, true) => f.write_str(" NULLS FIRST"),
            (true, true) => f.write_str(" DESC"),
            (true, false) => f.write_str(" DESC NULLS LAST"),
        }
    }
}

/// The policy procedures TimescaleDB schedules as jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// `policy_compression`: `add_compression_policy` / `add_columnstore_policy`.
    Compression,
    /// `policy_retention`: `add_retention_policy`.
    Retention,
    /// `policy_reorder`: `add_reorder_policy`.
    Reorder,
    /// `policy_refresh_continuous_aggregate`: `add_continuous_aggregate_policy`.
    Refresh,
}

impl PolicyKind {
    pub const ALL: [PolicyKind; 4] = [
        PolicyKind::Compression,
        PolicyKind::Retention,
        PolicyKind::Reorder,
        PolicyKind::Refresh,
    ];

    /// The job's `proc_name`.
    pub fn proc_name(self) -> &'static str {
        match self {
            PolicyKind::Compression => "policy_compression",
            PolicyKind::Retention => "policy_retention",
            PolicyKind::Reorder => "policy_reorder",
            PolicyKind::Refresh => "policy_refresh_continuous_aggregate",
        }
    }

    pub fn from_proc_name(s: &str) -> Option<PolicyKind> {
        PolicyKind::ALL.into_iter().find(|k| k.proc_name() == s)
    }

    /// A short name for plans: `compression policy`.
    pub fn label(self) -> &'static str {
        match self {
            PolicyKind::Compression => "compression policy",
            PolicyKind::Retention => "retention policy",
            PolicyKind::Reorder => "reorder policy",
            PolicyKind::Refresh => "refresh policy",
        }
    }
}

/// A policy job. Identified by its kind and relation (the key it is stored under).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobPolicy {
    pub kind: PolicyKind,
    /// `schedule_interval` as PostgreSQL prints it (`1 day`, `12:00:00`).
    pub schedule_interval: String,
    /// The job's `config` without the internal `hypertable_id` / `mat_hypertable_id`.
    pub config: BTreeMap<String, serde_json::Value>,
}

/// `CREATE MATERIALIZED VIEW name WITH (timescaledb.continuous, ...) AS query`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContinuousAggregate {
    pub name: QualName,
    /// The user's query as TimescaleDB keeps it (`pg_get_viewdef` of the direct view, read
    /// with `search_path = pg_catalog` so every name is qualified).
    pub query: String,
    /// `timescaledb.materialized_only`: false means real-time aggregation.
    pub materialized_only: bool,
    /// The relation it reads: a hypertable, or another continuous aggregate.
    pub source: QualName,
    pub compression: Option<Compression>,
    pub policies: BTreeMap<PolicyKind, JobPolicy>,
    /// Indexes created on the aggregate (`CREATE INDEX name ON cagg (...)`), which live on
    /// its materialization hypertable; the ones TimescaleDB makes itself are left out.
    #[serde(default)]
    pub indexes: BTreeMap<Ident, CaggIndex>,
}

/// An index created on a continuous aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaggIndex {
    /// The schema it lives in: the materialization hypertable's (`_timescaledb_internal`).
    /// Not compared: only the definition is.
    pub schema: Ident,
    /// `pg_get_indexdef` as if on the aggregate, name removed:
    /// `CREATE INDEX ON public.cagg USING btree (device_id, bucket)`.
    pub definition: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_gate_the_api() {
        let v = TsVersion::parse("2.28.3").unwrap();
        assert_eq!(
            v,
            TsVersion {
                major: 2,
                minor: 28
            }
        );
        assert!(v.has_dimension_builders());
        let old = TsVersion::parse("2.11.2-dev").unwrap();
        assert!(!old.has_dimension_builders());
        assert!(!old.settings_change_with_compressed_chunks());
        assert_eq!(TsVersion::parse("garbage"), None);
    }

    #[test]
    fn catalog_answers_hypertable_questions() {
        let t = QualName::new("public", "m");
        let mut cat = crate::catalog::Catalog::default();
        assert!(!cat.is_hypertable(&t));
        cat.timescale.hypertables.insert(
            t.clone(),
            Hypertable {
                table: t.clone(),
                time: TimeDimension {
                    column: Ident::new("ts"),
                    interval: ChunkInterval::Time("1 day".into()),
                    integer_now_func: None,
                },
                dimensions: Vec::new(),
                compression: None,
                policies: BTreeMap::new(),
            },
        );
        assert!(cat.is_hypertable(&t));
        assert!(!cat.hypertable_has_columnstore(&t));
        cat.timescale.hypertables.get_mut(&t).unwrap().compression = Some(Compression::default());
        assert!(cat.hypertable_has_columnstore(&t));
        assert!(!cat.is_empty());
    }

    #[test]
    fn order_by_prints_as_timescaledb_takes_it() {
        let c = Compression {
            segment_by: Some(vec![Ident::new("device_id"), Ident::new("Loc")]),
            order_by: Some(vec![
                OrderBy {
                    column: Ident::new("time"),
                    desc: true,
                    nulls_first: true,
                },
                OrderBy {
                    column: Ident::new("v"),
                    desc: true,
                    nulls_first: false,
                },
                OrderBy {
                    column: Ident::new("w"),
                    desc: false,
                    nulls_first: false,
                },
            ]),
            sparse_index: Some(vec![SparseIndex {
                kind: "bloom".into(),
                columns: vec![Ident::new("a"), Ident::new("B")],
            }]),
        };
        assert_eq!(c.sparse_index_text().unwrap(), "bloom(a, \"B\")");
        assert_eq!(c.segment_by_text().unwrap(), "device_id,\"Loc\"");
        assert_eq!(
            c.order_by_text().unwrap(),
            "\"time\" DESC,v DESC NULLS LAST,w"
        );
    }
}
