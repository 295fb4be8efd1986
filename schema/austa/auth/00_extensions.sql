-- AUSTA SuperApp, auth database (PostgreSQL 14): users, roles, permissions and tokens of
-- every journey. The Auth Service's user id is the user id all other databases store.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS citext;

-- Shared reference schema: what every AUSTA database has in common.
CREATE SCHEMA shared;
COMMENT ON SCHEMA shared IS 'Reference data and helpers shared by the journeys';

CREATE FUNCTION shared.set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;
