-- Capsule Platform, auth-service database (PostgreSQL 15, port 7110): users, sessions, OAuth accounts and the security audit log.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS citext;
