CREATE TYPE metric_kind AS ENUM ('counter', 'gauge', 'histogram', 'summary');
CREATE TYPE alert_severity AS ENUM ('info', 'warning', 'critical');

-- Metric definition registry: every series a service may report.
CREATE TABLE metric_definitions (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    name citext NOT NULL UNIQUE,
    kind metric_kind NOT NULL,
    unit varchar(32),
    description text,
    source_service varchar(64) NOT NULL,
    labels jsonb NOT NULL DEFAULT '{}'::jsonb,
    retention_days integer NOT NULL DEFAULT 30 CHECK (retention_days > 0),
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX metric_definitions_source_service_idx ON metric_definitions (source_service);
CREATE TRIGGER metric_definitions_updated_at BEFORE UPDATE ON metric_definitions
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- Alert configuration and thresholds over a metric.
CREATE TABLE alert_rules (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    metric_definition_id uuid NOT NULL REFERENCES metric_definitions (id) ON DELETE CASCADE,
    name varchar(200) NOT NULL,
    comparison varchar(2) NOT NULL CHECK (comparison IN ('>', '>=', '<', '<=', '=', '!=')),
    threshold double precision NOT NULL,
    for_duration interval NOT NULL DEFAULT INTERVAL '5 minutes',
    severity alert_severity NOT NULL DEFAULT 'warning',
    notify_channels text[] NOT NULL DEFAULT '{}',
    is_enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT alert_rules_name_key UNIQUE (metric_definition_id, name)
);
CREATE INDEX alert_rules_enabled_idx ON alert_rules (metric_definition_id) WHERE is_enabled;
CREATE TRIGGER alert_rules_updated_at BEFORE UPDATE ON alert_rules
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
