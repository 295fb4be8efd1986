-- TimescaleDB hypertables in managed schemas and the materialization hypertables of
-- continuous aggregates (named after the aggregate's view), with compression settings.
-- Internal compressed hypertables (compression_state 2) are left out.
-- The COMPRESSION_SETTINGS placeholder yields one row per hypertable with settings: (hypertable_id,
-- segmentby, orderby, orderby_desc, orderby_nullsfirst, sparse_index), NULL meaning "not
-- set"; sparse_index is the `index` jsonb of 2.22+.
, settings AS (
{{COMPRESSION_SETTINGS}}
)
SELECT h.id,
       coalesce(ca.user_view_schema, h.schema_name)::text AS schema,
       coalesce(ca.user_view_name, h.table_name)::text AS name,
       ca.mat_hypertable_id IS NOT NULL AS is_cagg,
       h.compression_state = 1 AS compressed,
       s.segmentby::text[] AS segmentby,
       s.orderby::text[] AS orderby,
       s.orderby_desc,
       s.orderby_nullsfirst,
       s.sparse_index
FROM _timescaledb_catalog.hypertable h
LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = h.id
JOIN managed m ON m.nspname = coalesce(ca.user_view_schema, h.schema_name)
LEFT JOIN settings s ON s.hypertable_id = h.id
WHERE h.compression_state <> 2
ORDER BY h.id
