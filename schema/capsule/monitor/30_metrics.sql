-- Samples of every metric, a hypertable declared with the TimescaleDB 2.20+ form: 1-hour
-- chunks, columnstore segmented by series, kept 30 days. This form also adds the
-- columnstore policy by itself (2.23+: chunks move to the columnstore once older than one
-- chunk interval), so no add_columnstore_policy call is written for it.
-- Samples are identified by series and time, stamped by `time` and never updated: no key
-- and no audit columns, as for any TimescaleDB metrics table.
-- schemadiff:lint-ignore risk.no_primary_key, columns.timestamps
CREATE TABLE metric_samples (
    time timestamptz NOT NULL,
    metric_definition_id uuid NOT NULL REFERENCES metric_definitions (id) ON DELETE CASCADE,
    instance text NOT NULL,
    labels jsonb NOT NULL DEFAULT '{}'::jsonb,
    value double precision NOT NULL
) WITH (
    tsdb.hypertable,
    tsdb.partition_column = 'time',
    tsdb.chunk_interval = '1 hour',
    tsdb.segmentby = 'metric_definition_id, instance',
    tsdb.orderby = 'time DESC'
);
CREATE INDEX metric_samples_definition_time_idx ON metric_samples (metric_definition_id, time DESC);
CREATE INDEX metric_samples_labels_idx ON metric_samples USING gin (labels);
SELECT add_retention_policy('metric_samples', drop_after => INTERVAL '30 days');

-- Alert firings and resolutions, a hypertable in 7-day chunks (by_range form), kept a year.
-- An event is written once (a state change is a new event): no updated_at.
-- schemadiff:lint-ignore columns.timestamps
CREATE TABLE alert_events (
    id uuid NOT NULL DEFAULT uuid_generate_v4(),
    alert_rule_id uuid NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    state text NOT NULL CHECK (state IN ('firing', 'resolved', 'acknowledged')),
    observed_value double precision,
    message text,
    occurred_at timestamptz NOT NULL,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id, occurred_at)
);
SELECT create_hypertable('alert_events', by_range('occurred_at', INTERVAL '7 days'));
CREATE INDEX alert_events_rule_occurred_idx ON alert_events (alert_rule_id, occurred_at DESC);
ALTER TABLE alert_events SET (timescaledb.enable_columnstore = true,
    timescaledb.segmentby = 'alert_rule_id', timescaledb.orderby = 'occurred_at DESC, id');
CALL add_columnstore_policy('alert_events', after => INTERVAL '30 days');
SELECT add_retention_policy('alert_events', drop_after => INTERVAL '1 year');
