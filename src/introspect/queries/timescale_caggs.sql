-- Continuous aggregates whose view is in a managed schema. `query` is the direct view's
-- definition (the user's query; the user view itself only reads the materialization
-- table). The source is a hypertable, or for a hierarchical aggregate the parent's view.
SELECT ca.user_view_schema::text AS schema, ca.user_view_name::text AS name,
       ca.materialized_only,
       pg_get_viewdef(format('%I.%I', ca.direct_view_schema, ca.direct_view_name)::regclass)
           AS query,
       coalesce(p.user_view_schema, rh.schema_name)::text AS source_schema,
       coalesce(p.user_view_name, rh.table_name)::text AS source_name
FROM _timescaledb_catalog.continuous_agg ca
JOIN managed m ON m.nspname = ca.user_view_schema
JOIN _timescaledb_catalog.hypertable rh ON rh.id = ca.raw_hypertable_id
LEFT JOIN _timescaledb_catalog.continuous_agg p ON p.mat_hypertable_id = ca.raw_hypertable_id
ORDER BY 1, 2
