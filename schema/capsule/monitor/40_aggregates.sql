-- Hourly rollup per series for the dashboards, refreshed every 30 minutes over the last
-- two days, with its own columnstore after a week.
CREATE MATERIALIZED VIEW metric_samples_hourly WITH (timescaledb.continuous) AS
    SELECT time_bucket(INTERVAL '1 hour', time) AS bucket,
           metric_definition_id,
           instance,
           count(*) AS samples,
           avg(value) AS avg_value,
           min(value) AS min_value,
           max(value) AS max_value
    FROM metric_samples
    GROUP BY 1, 2, 3
    WITH NO DATA;
SELECT add_continuous_aggregate_policy('metric_samples_hourly',
    start_offset => INTERVAL '2 days', end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '30 minutes');
ALTER MATERIALIZED VIEW metric_samples_hourly SET (timescaledb.enable_columnstore = true,
    timescaledb.segmentby = 'metric_definition_id');
CALL add_columnstore_policy('metric_samples_hourly', after => INTERVAL '7 days');
