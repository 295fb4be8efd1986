-- AUSTA SuperApp, health_journey database (PostgreSQL 14, TimescaleDB <= 2.19).
CREATE EXTENSION IF NOT EXISTS timescaledb;
