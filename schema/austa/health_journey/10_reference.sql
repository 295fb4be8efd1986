-- Reference data of the health journey: the kinds of metric a user can record, with the
-- unit they are stored in and the range considered normal.
CREATE TABLE health_metric_type (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code varchar(50) NOT NULL,
    name varchar(100) NOT NULL,
    unit varchar(20) NOT NULL,
    normal_range_min numeric(10, 2),
    normal_range_max numeric(10, 2),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT health_metric_type_code_key UNIQUE (code),
    CONSTRAINT health_metric_type_range_check
        CHECK (normal_range_min IS NULL OR normal_range_max IS NULL
               OR normal_range_min <= normal_range_max)
);
COMMENT ON TABLE health_metric_type IS 'Kinds of health metric (heart rate, blood glucose, steps, ...)';
