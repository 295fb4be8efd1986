-- Every journey event the engine processed: high volume, kept as history, partitioned by
-- month (old months are detached and archived). The primary key includes the partition
-- key, as PostgreSQL requires.
CREATE TABLE gamification_event (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    journey varchar(20) NOT NULL,
    event_type varchar(100) NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    xp_awarded integer NOT NULL DEFAULT 0,
    occurred_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT gamification_event_pkey PRIMARY KEY (id, occurred_at),
    CONSTRAINT gamification_event_journey_check CHECK (journey IN ('health', 'care', 'plan', 'cross'))
) PARTITION BY RANGE (occurred_at);
CREATE INDEX gamification_event_user_occurred_idx ON gamification_event (user_id, occurred_at DESC);
CREATE INDEX gamification_event_payload_idx ON gamification_event USING gin (payload);

CREATE TABLE gamification_event_2026_10 PARTITION OF gamification_event
    FOR VALUES FROM ('2026-10-01 00:00:00+00') TO ('2026-11-01 00:00:00+00');
CREATE TABLE gamification_event_2026_11 PARTITION OF gamification_event
    FOR VALUES FROM ('2026-11-01 00:00:00+00') TO ('2026-12-01 00:00:00+00');
CREATE TABLE gamification_event_2026_12 PARTITION OF gamification_event
    FOR VALUES FROM ('2026-12-01 00:00:00+00') TO ('2027-01-01 00:00:00+00');
CREATE TABLE gamification_event_default PARTITION OF gamification_event DEFAULT;
