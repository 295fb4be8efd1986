-- Policy jobs (compression, retention, reorder, continuous aggregate refresh) of
-- hypertables and continuous aggregates in managed schemas, named after the relation the
-- user created (a cagg's policies act on its materialization hypertable). System jobs
-- (ids below 1000) and user-defined actions are left out. The config loses the internal
-- hypertable ids; the schedule is justified so that `24:00:00` and `1 day` agree.
SELECT coalesce(ca.user_view_schema, h.schema_name)::text AS schema,
       coalesce(ca.user_view_name, h.table_name)::text AS name,
       j.proc_name::text AS proc_name,
       justify_hours(j.schedule_interval)::text AS schedule_interval,
       coalesce(j.config, '{}'::jsonb) - 'hypertable_id' - 'mat_hypertable_id' AS config
FROM _timescaledb_config.bgw_job j
JOIN _timescaledb_catalog.hypertable h ON h.id = j.hypertable_id
LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = h.id
JOIN managed m ON m.nspname = coalesce(ca.user_view_schema, h.schema_name)
WHERE j.id >= 1000
  AND j.proc_schema IN ('_timescaledb_functions', '_timescaledb_internal')
  AND j.proc_name IN ('policy_compression', 'policy_retention', 'policy_reorder',
                      'policy_refresh_continuous_aggregate')
ORDER BY 1, 2, 3
