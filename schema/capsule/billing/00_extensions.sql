-- Capsule Platform, billing-service database (PostgreSQL 15, port 7113): customers, plans, subscriptions, invoices and payments in USD, EUR, GBP and BRL.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS citext;
