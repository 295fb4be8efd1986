-- Wearables and apps a user has connected; user_id is the Auth Service's user id (no
-- cross-database foreign key).
CREATE TABLE health_device_connection (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    device_type varchar(30) NOT NULL,
    device_identifier varchar(200) NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'connected',
    last_sync_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT health_device_connection_status_check
        CHECK (status IN ('connected', 'disconnected', 'paused', 'error')),
    CONSTRAINT health_device_connection_device_key UNIQUE (user_id, device_type, device_identifier)
);
CREATE INDEX health_device_connection_active_idx ON health_device_connection (user_id)
    WHERE deleted_at IS NULL;

CREATE TABLE health_goal (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    metric_type_id uuid NOT NULL,
    target_value numeric(10, 2) NOT NULL,
    period varchar(10) NOT NULL DEFAULT 'daily',
    status varchar(20) NOT NULL DEFAULT 'active',
    start_date date NOT NULL DEFAULT CURRENT_DATE,
    end_date date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT health_goal_health_metric_type_fk FOREIGN KEY (metric_type_id)
        REFERENCES health_metric_type (id) ON DELETE RESTRICT,
    CONSTRAINT health_goal_period_check CHECK (period IN ('daily', 'weekly', 'monthly')),
    CONSTRAINT health_goal_status_check
        CHECK (status IN ('active', 'completed', 'abandoned', 'expired')),
    CONSTRAINT health_goal_dates_check CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX health_goal_metric_type_id_idx ON health_goal (metric_type_id);
CREATE INDEX health_goal_active_user_idx ON health_goal (user_id) WHERE status = 'active' AND deleted_at IS NULL;

CREATE TABLE health_medical_event (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    event_type varchar(50) NOT NULL,
    description text,
    occurred_at timestamptz NOT NULL,
    provider_name varchar(200),
    attachments jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX health_medical_event_user_occurred_idx ON health_medical_event (user_id, occurred_at DESC);
CREATE INDEX health_medical_event_attachments_idx ON health_medical_event USING gin (attachments);
