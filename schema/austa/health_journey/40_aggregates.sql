-- Daily summary per user and metric type, behind the health dashboard and the goal
-- checks; refreshed every hour over the last 7 days (data older than that is final).
CREATE MATERIALIZED VIEW health_metric_daily WITH (timescaledb.continuous) AS
    SELECT time_bucket(INTERVAL '1 day', recorded_at) AS day,
           user_id,
           metric_type_id,
           count(*) AS sample_count,
           avg(value) AS avg_value,
           min(value) AS min_value,
           max(value) AS max_value
    FROM health_metric
    WHERE deleted_at IS NULL
    GROUP BY 1, 2, 3
    WITH NO DATA;
CREATE INDEX health_metric_daily_user_day_idx ON health_metric_daily (user_id, day DESC);
SELECT add_continuous_aggregate_policy('health_metric_daily',
    start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '1 hour');
