-- PredictHealth: one PostgreSQL 15 database shared by five services.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS pgcrypto;
