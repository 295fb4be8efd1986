-- AUSTA SuperApp, plan_journey database (PostgreSQL 14): insurance plans, benefits,
-- coverage, enrolments and claims. Every insurance-related change is written to an audit
-- log by trigger, and members' rows are protected by row-level security.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

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

-- The member a request acts for, set by the Plan Service on each transaction
-- (SET LOCAL app.current_user_id = '...'); NULL outside a member's request.
CREATE FUNCTION shared.current_user_id() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('app.current_user_id', true), '')::uuid $$;
