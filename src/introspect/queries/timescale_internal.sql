-- Relations TimescaleDB makes for itself that sit in a managed schema (chunks follow a
-- hypertable's associated schema, which can be a user schema): chunks, compressed chunks,
-- compressed and materialization hypertables, a cagg's partial and direct views. Generic
-- introspection sees them as tables and views; they are removed from the catalog.
-- The CHUNK_RELIDS placeholder yields the regclass of every chunk row.
, internal (relid) AS (
    {{CHUNK_RELIDS}}
  UNION ALL
    SELECT to_regclass(format('%I.%I', h.schema_name, h.table_name))
    FROM _timescaledb_catalog.hypertable h
    WHERE h.compression_state = 2
       OR h.id IN (SELECT mat_hypertable_id FROM _timescaledb_catalog.continuous_agg)
  UNION ALL
    SELECT to_regclass(format('%I.%I', partial_view_schema, partial_view_name))
    FROM _timescaledb_catalog.continuous_agg
  UNION ALL
    SELECT to_regclass(format('%I.%I', direct_view_schema, direct_view_name))
    FROM _timescaledb_catalog.continuous_agg
)
SELECT m.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS kind
FROM internal i
JOIN pg_class c ON c.oid = i.relid
JOIN managed m ON m.oid = c.relnamespace
ORDER BY 1, 2
