CREATE TYPE environment_tier AS ENUM ('development', 'preview', 'staging', 'production');
CREATE TYPE build_status AS ENUM ('queued', 'running', 'succeeded', 'failed', 'canceled');
CREATE TYPE deployment_status AS ENUM ('pending', 'in_progress', 'live', 'failed', 'rolled_back', 'superseded');

-- Container registries images are pushed to; credentials live in the secret store.
CREATE TABLE container_registries (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    name citext NOT NULL UNIQUE,
    url text NOT NULL,
    credentials_ref varchar(200),
    is_default boolean NOT NULL DEFAULT false,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX container_registries_one_default ON container_registries (is_default) WHERE is_default;
CREATE TRIGGER container_registries_updated_at BEFORE UPDATE ON container_registries
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE environments (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    project_id uuid NOT NULL,
    name citext NOT NULL,
    tier environment_tier NOT NULL DEFAULT 'development',
    region varchar(30) NOT NULL,
    registry_id uuid REFERENCES container_registries (id) ON DELETE SET NULL,
    config jsonb NOT NULL DEFAULT '{}'::jsonb,
    env_vars_encrypted bytea,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT environments_project_name_key UNIQUE (project_id, name)
);
CREATE INDEX environments_registry_id_idx ON environments (registry_id);
CREATE INDEX environments_config_idx ON environments USING gin (config);
CREATE TRIGGER environments_updated_at BEFORE UPDATE ON environments
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE resource_quotas (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    environment_id uuid NOT NULL UNIQUE REFERENCES environments (id) ON DELETE CASCADE,
    cpu_millicores integer NOT NULL CHECK (cpu_millicores > 0),
    memory_mb integer NOT NULL CHECK (memory_mb > 0),
    storage_gb integer NOT NULL DEFAULT 10 CHECK (storage_gb > 0),
    max_replicas smallint NOT NULL DEFAULT 3 CHECK (max_replicas BETWEEN 1 AND 100),
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP
);
CREATE TRIGGER resource_quotas_updated_at BEFORE UPDATE ON resource_quotas
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
