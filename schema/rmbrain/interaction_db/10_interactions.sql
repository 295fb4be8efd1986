-- RM Brain, interaction_db (interaction service, asyncpg): every contact between a
-- relationship manager and a client: meetings, calls, e-mails, messages.
CREATE TABLE interactions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    client_id uuid NOT NULL,
    rm_id uuid NOT NULL,
    channel varchar(20) NOT NULL,
    direction varchar(10) NOT NULL DEFAULT 'outbound',
    subject varchar(255),
    summary text,
    occurred_at timestamptz NOT NULL,
    duration_seconds integer,
    sentiment varchar(10),
    follow_up_at timestamptz,
    attachments jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT interactions_pkey PRIMARY KEY (id),
    CONSTRAINT ck_interactions_channel CHECK (channel IN ('meeting', 'call', 'email', 'message', 'video')),
    CONSTRAINT ck_interactions_direction CHECK (direction IN ('inbound', 'outbound')),
    CONSTRAINT ck_interactions_duration CHECK (duration_seconds IS NULL OR duration_seconds >= 0),
    CONSTRAINT ck_interactions_sentiment CHECK (sentiment IN ('positive', 'neutral', 'negative'))
);
CREATE INDEX ix_interactions_client ON interactions (tenant_id, client_id, occurred_at DESC);
CREATE INDEX ix_interactions_rm ON interactions (tenant_id, rm_id, occurred_at DESC);
CREATE INDEX ix_interactions_follow_up ON interactions (rm_id, follow_up_at)
    WHERE follow_up_at IS NOT NULL;
CREATE INDEX ix_interactions_summary_fts ON interactions
    USING gin (to_tsvector('simple', coalesce(subject, '') || ' ' || coalesce(summary, '')));
