-- Continuous aggregates whose view is in a managed schema. `query` is the direct view's
-- definition (the user's query; the user view itself only reads the materialization
-- table). The source is a hypertable, or for a hierarchical aggregate the parent's view.
-- Indexes created on the aggregate live on its materialization hypertable: they are
-- listed with their definition as if on the view (name removed), leaving out the ones
-- TimescaleDB makes itself (named after the materialization table). `uses_*` are the
-- relations and columns (0 for the whole relation) the user's query reads, from the
-- direct view's rule: what the aggregate depends on, since its user view only reads the
-- materialization table.
SELECT ca.user_view_schema::text AS schema, ca.user_view_name::text AS name,
       ca.materialized_only,
       pg_get_viewdef(format('%I.%I', ca.direct_view_schema, ca.direct_view_name)::regclass)
           AS query,
       coalesce(p.user_view_schema, rh.schema_name)::text AS source_schema,
       coalesce(p.user_view_name, rh.table_name)::text AS source_name,
       ix.schemas AS index_schemas, ix.names AS index_names, ix.definitions AS index_definitions,
       uses.schemas AS uses_schemas, uses.names AS uses_names, uses.columns AS uses_columns
FROM _timescaledb_catalog.continuous_agg ca
JOIN _timescaledb_catalog.hypertable mh ON mh.id = ca.mat_hypertable_id
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(n.nspname::text ORDER BY c.relname), '{}') AS schemas,
           coalesce(array_agg(c.relname::text ORDER BY c.relname), '{}') AS names,
           coalesce(array_agg(replace(pg_get_indexdef(i.indexrelid),
                        ' ' || quote_ident(c.relname) || ' ON '
                            || format('%I.%I', mh.schema_name, mh.table_name) || ' ',
                        ' ON ' || format('%I.%I', ca.user_view_schema, ca.user_view_name) || ' ')
                    ORDER BY c.relname), '{}') AS definitions
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE i.indrelid = format('%I.%I', mh.schema_name, mh.table_name)::regclass
      AND NOT starts_with(c.relname::text, mh.table_name::text || '_')
) ix
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(un.nspname::text ORDER BY u.refobjid, u.refobjsubid), '{}') AS schemas,
           coalesce(array_agg(uc.relname::text ORDER BY u.refobjid, u.refobjsubid), '{}') AS names,
           coalesce(array_agg(coalesce(ua.attname::text, '') ORDER BY u.refobjid, u.refobjsubid),
                    '{}') AS columns
    FROM (SELECT DISTINCT d.refobjid, d.refobjsubid
          FROM pg_rewrite r
          JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
          WHERE r.ev_class = format('%I.%I', ca.direct_view_schema, ca.direct_view_name)::regclass
            AND d.refclassid = 'pg_class'::regclass
            AND d.refobjid <> r.ev_class) u
    JOIN pg_class uc ON uc.oid = u.refobjid
    JOIN pg_namespace un ON un.oid = uc.relnamespace
    LEFT JOIN pg_attribute ua ON ua.attrelid = u.refobjid AND ua.attnum = u.refobjsubid
                              AND u.refobjsubid > 0
) uses
JOIN managed m ON m.nspname = ca.user_view_schema
JOIN _timescaledb_catalog.hypertable rh ON rh.id = ca.raw_hypertable_id
LEFT JOIN _timescaledb_catalog.continuous_agg p ON p.mat_hypertable_id = ca.raw_hypertable_id
ORDER BY 1, 2
