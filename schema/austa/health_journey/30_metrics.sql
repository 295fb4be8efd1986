-- Health metrics: one row per measurement, a hypertable in 7-day chunks. Its primary key
-- includes the time column (TimescaleDB requires it of every unique index). Chunks older
-- than 30 days are compressed per user and metric type; measurements are kept five years.
CREATE TABLE health_metric (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    metric_type_id uuid NOT NULL,
    device_connection_id uuid,
    value numeric(10, 2) NOT NULL,
    source varchar(20) NOT NULL DEFAULT 'manual',
    is_abnormal boolean NOT NULL DEFAULT false,
    notes text,
    recorded_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT health_metric_pkey PRIMARY KEY (id, recorded_at),
    CONSTRAINT health_metric_health_metric_type_fk FOREIGN KEY (metric_type_id)
        REFERENCES health_metric_type (id) ON DELETE RESTRICT,
    CONSTRAINT health_metric_health_device_connection_fk FOREIGN KEY (device_connection_id)
        REFERENCES health_device_connection (id) ON DELETE SET NULL,
    CONSTRAINT health_metric_source_check CHECK (source IN ('manual', 'device', 'integration'))
);
SELECT create_hypertable('health_metric', 'recorded_at', chunk_time_interval => INTERVAL '7 days');
CREATE INDEX health_metric_metric_type_id_idx ON health_metric (metric_type_id);
CREATE INDEX health_metric_device_connection_id_idx ON health_metric (device_connection_id);
CREATE INDEX health_metric_user_type_recorded_idx
    ON health_metric (user_id, metric_type_id, recorded_at DESC);
CREATE INDEX health_metric_abnormal_idx ON health_metric (user_id, recorded_at DESC)
    WHERE is_abnormal;
ALTER TABLE health_metric SET (timescaledb.compress,
    timescaledb.compress_segmentby = 'user_id, metric_type_id',
    timescaledb.compress_orderby = 'recorded_at DESC, id');
SELECT add_compression_policy('health_metric', INTERVAL '30 days');
SELECT add_retention_policy('health_metric', INTERVAL '5 years');

-- Synchronisation runs of connected devices, for support and diagnostics: a hypertable in
-- 1-day chunks kept 90 days.
CREATE TABLE health_device_sync (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    device_connection_id uuid NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    status varchar(20) NOT NULL,
    records_received integer NOT NULL DEFAULT 0,
    error_message text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT health_device_sync_pkey PRIMARY KEY (id, started_at),
    CONSTRAINT health_device_sync_health_device_connection_fk FOREIGN KEY (device_connection_id)
        REFERENCES health_device_connection (id) ON DELETE CASCADE,
    CONSTRAINT health_device_sync_status_check CHECK (status IN ('running', 'succeeded', 'failed')),
    CONSTRAINT health_device_sync_records_check CHECK (records_received >= 0)
);
SELECT create_hypertable('health_device_sync', 'started_at', chunk_time_interval => INTERVAL '1 day');
CREATE INDEX health_device_sync_device_connection_id_idx
    ON health_device_sync (device_connection_id, started_at DESC);
ALTER TABLE health_device_sync SET (timescaledb.compress,
    timescaledb.compress_segmentby = 'device_connection_id');
SELECT add_compression_policy('health_device_sync', INTERVAL '7 days');
SELECT add_retention_policy('health_device_sync', INTERVAL '90 days',
    schedule_interval => INTERVAL '12 hours');
