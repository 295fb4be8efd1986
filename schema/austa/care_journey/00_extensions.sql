-- AUSTA SuperApp, care_journey database (PostgreSQL 14): providers, appointments,
-- treatments, medications and telemedicine sessions. btree_gist backs the constraint that
-- keeps a provider's appointments from overlapping.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS btree_gist;

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

-- Cross-journey reference data in the `shared` schema (001): it belongs to no journey, so
-- it carries no journey prefix.
-- schemadiff:lint-ignore naming.table_prefix
CREATE TABLE shared.specialty (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code varchar(20) NOT NULL,
    name varchar(100) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT specialty_code_key UNIQUE (code)
);
COMMENT ON TABLE shared.specialty IS 'Medical specialties (reference data, seeded)';
