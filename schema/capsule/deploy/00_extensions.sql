-- Capsule Platform, deploy-service database (PostgreSQL 15, port 7111): environments, builds, deployments, container registries and resource quotas.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS citext;
