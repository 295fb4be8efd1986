CREATE TABLE builds (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    environment_id uuid NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    commit_sha char(40) NOT NULL CHECK (commit_sha ~ '^[0-9a-f]{40}$'),
    branch varchar(255),
    status build_status NOT NULL DEFAULT 'queued',
    image_ref text,
    image_digest varchar(71),
    logs_url text,
    started_at timestamptz,
    finished_at timestamptz,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT builds_timing_check CHECK (finished_at IS NULL OR finished_at >= started_at),
    CONSTRAINT builds_image_check CHECK (status <> 'succeeded' OR image_ref IS NOT NULL)
);
CREATE INDEX builds_environment_id_idx ON builds (environment_id, created_at DESC);
CREATE INDEX builds_pending_idx ON builds (created_at) WHERE status IN ('queued', 'running');
CREATE TRIGGER builds_updated_at BEFORE UPDATE ON builds
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE deployments (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    environment_id uuid NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    build_id uuid NOT NULL REFERENCES builds (id) ON DELETE RESTRICT,
    status deployment_status NOT NULL DEFAULT 'pending',
    replicas smallint NOT NULL DEFAULT 1 CHECK (replicas >= 0),
    triggered_by uuid,
    rollback_of_id uuid REFERENCES deployments (id) ON DELETE SET NULL,
    started_at timestamptz,
    finished_at timestamptz,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX deployments_environment_id_idx ON deployments (environment_id, created_at DESC);
CREATE INDEX deployments_build_id_idx ON deployments (build_id);
CREATE INDEX deployments_rollback_of_id_idx ON deployments (rollback_of_id);
CREATE UNIQUE INDEX deployments_one_live_per_environment ON deployments (environment_id)
    WHERE status = 'live';
CREATE TRIGGER deployments_updated_at BEFORE UPDATE ON deployments
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
