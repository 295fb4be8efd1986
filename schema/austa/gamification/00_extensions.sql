-- AUSTA SuperApp, gamification database (PostgreSQL 14): achievements, quests, rewards,
-- rules, user profiles and leaderboards, fed by the events every journey emits (Kafka).
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
