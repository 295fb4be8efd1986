-- RM Brain, cas_audit (CAS audit service): an append-only log of what every user and
-- service did, per tenant. Rows are never updated; BRIN keeps the time index small.
-- Stamped by occurred_at and recorded_at instead of created_at.
-- schemadiff:lint-ignore columns.timestamps
CREATE TABLE audit_events (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    actor_id varchar(255) NOT NULL,
    actor_type varchar(20) NOT NULL DEFAULT 'user',
    action varchar(100) NOT NULL,
    resource_type varchar(100) NOT NULL,
    resource_id varchar(255),
    outcome varchar(20) NOT NULL DEFAULT 'success',
    correlation_id varchar(255),
    ip_address inet,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT audit_events_pkey PRIMARY KEY (id),
    CONSTRAINT ck_audit_events_actor_type CHECK (actor_type IN ('user', 'service', 'system')),
    CONSTRAINT ck_audit_events_outcome CHECK (outcome IN ('success', 'failure', 'denied'))
);
CREATE INDEX ix_audit_events_tenant_occurred ON audit_events (tenant_id, occurred_at DESC);
CREATE INDEX ix_audit_events_resource ON audit_events (resource_type, resource_id);
CREATE INDEX ix_audit_events_actor ON audit_events (actor_id, occurred_at DESC);
CREATE INDEX ix_audit_events_correlation_id ON audit_events (correlation_id)
    WHERE correlation_id IS NOT NULL;
CREATE INDEX ix_audit_events_occurred_at_brin ON audit_events USING brin (occurred_at);
CREATE INDEX ix_audit_events_details ON audit_events USING gin (details jsonb_path_ops);

-- Append-only: updates and deletes are refused.
CREATE FUNCTION audit_events_immutable() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP;
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_immutable();
