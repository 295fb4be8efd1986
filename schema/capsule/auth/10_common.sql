-- Audit columns are kept current by one trigger function shared by every table.
CREATE FUNCTION update_updated_at_column() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at = CURRENT_TIMESTAMP;
    RETURN NEW;
END;
$$;

-- Service configuration: schema version, settings and runtime switches of the auth
-- service, one row per key.
CREATE TABLE service_configuration (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    key citext NOT NULL UNIQUE,
    value jsonb NOT NULL,
    description text,
    is_secret boolean NOT NULL DEFAULT false,
    initialized_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP
);
CREATE TRIGGER service_configuration_updated_at BEFORE UPDATE ON service_configuration
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
