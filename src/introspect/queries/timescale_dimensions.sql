-- Dimensions of the hypertables in managed schemas (not of materialization hypertables),
-- in the order they were added. `time_interval` is justify_hours of the interval in
-- microseconds, printed under the snapshot's IntervalStyle; integer dimensions keep
-- `interval_length` in the column's units. Hash dimensions have `num_slices`.
SELECT d.id, h.schema_name::text AS schema, h.table_name::text AS name,
       d.column_name::text AS column_name,
       d.num_slices,
       d.interval_length,
       d.column_type IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) AS integer_time,
       CASE WHEN d.interval_length IS NOT NULL
            THEN justify_hours(d.interval_length * interval '1 microsecond')::text END
           AS time_interval,
       d.integer_now_func_schema::text AS now_schema,
       d.integer_now_func::text AS now_name
FROM _timescaledb_catalog.dimension d
JOIN _timescaledb_catalog.hypertable h ON h.id = d.hypertable_id
JOIN managed m ON m.nspname = h.schema_name
WHERE h.compression_state <> 2
  AND NOT EXISTS (SELECT FROM _timescaledb_catalog.continuous_agg ca
                  WHERE ca.mat_hypertable_id = h.id)
ORDER BY h.id, d.id
