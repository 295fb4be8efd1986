-- One or more of every kind the catalog models, for the dump round trip and the layout test.
-- Loaded with psql semantics (statements in order) into the source database.
DO $$ BEGIN
    CREATE ROLE dump_reader NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN
    CREATE ROLE dump_writer NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;

-- a hardened public schema: the dump says so with a REVOKE (a fresh database grants USAGE)
REVOKE USAGE ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA billing;
COMMENT ON SCHEMA billing IS 'money';
GRANT USAGE ON SCHEMA billing TO dump_reader;
CREATE SCHEMA "Audit Trail";

CREATE TYPE billing.mood AS ENUM ('sad', 'ok', 'happy');
COMMENT ON TYPE billing.mood IS 'feelings';
CREATE DOMAIN billing.email AS varchar(255) COLLATE "C" DEFAULT 'x@y' NOT NULL
    CONSTRAINT email_at CHECK (VALUE LIKE '%@%');
CREATE TYPE billing.address AS (street text COLLATE "C", feeling billing.mood);
GRANT USAGE ON TYPE billing.mood TO dump_reader;

CREATE SEQUENCE billing.counter AS smallint START 5 CACHE 2 CYCLE;
COMMENT ON SEQUENCE billing.counter IS 'tickets';
GRANT USAGE ON SEQUENCE billing.counter TO dump_writer;

CREATE TABLE billing.customer (
    id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100) PRIMARY KEY,
    email billing.email UNIQUE,
    name varchar(40) NOT NULL DEFAULT 'anon' COLLATE "C",
    feeling billing.mood,
    home billing.address,
    tags text[],
    score numeric(6,2) CHECK (score >= 0),
    doubled numeric GENERATED ALWAYS AS (score * 2) STORED,
    during tsrange,
    EXCLUDE USING gist (during WITH &&)
) WITH (fillfactor = 80);
COMMENT ON TABLE billing.customer IS 'who pays';
COMMENT ON COLUMN billing.customer.email IS 'where invoices go';

CREATE TABLE billing.invoice (
    no serial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES billing.customer ON DELETE CASCADE,
    ticket int DEFAULT nextval('billing.counter'),
    total numeric CONSTRAINT positive_total CHECK (total > 0),
    owner_name name DEFAULT current_user
);
ALTER TABLE billing.invoice ADD CONSTRAINT invoice_ticket_check CHECK (ticket > 0) NOT VALID;
COMMENT ON CONSTRAINT positive_total ON billing.invoice IS 'no credit notes';
CREATE INDEX invoice_customer ON billing.invoice (customer_id) INCLUDE (total);
COMMENT ON INDEX billing.invoice_customer IS 'lookup';
CREATE INDEX customer_lower ON billing.customer (lower(name)) WHERE score > 0;
GRANT SELECT ON billing.invoice TO dump_reader;
GRANT SELECT (total), UPDATE (total) ON billing.invoice TO dump_writer;
ALTER TABLE billing.invoice ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing.invoice FORCE ROW LEVEL SECURITY;
CREATE POLICY own_invoices ON billing.invoice FOR SELECT TO dump_reader
    USING (owner_name = current_user);

CREATE UNLOGGED TABLE billing.scratch (x int);

CREATE TABLE billing.payment (
    id bigint NOT NULL,
    paid_on date NOT NULL,
    amount numeric NOT NULL,
    PRIMARY KEY (id, paid_on)
) PARTITION BY RANGE (paid_on);
CREATE TABLE billing.payment_2025 PARTITION OF billing.payment
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE billing.payment_2026 PARTITION OF billing.payment
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');

-- Names that need quoting, or encoding in a file name, or differ only in letter case.
CREATE TABLE billing."Order Items" (id int PRIMARY KEY, "Qty" int NOT NULL);
CREATE TABLE billing."Users" (id int PRIMARY KEY);
CREATE TABLE billing.users (id int PRIMARY KEY);
CREATE TABLE "Audit Trail".".log" (at timestamptz NOT NULL DEFAULT now(), what text);

CREATE VIEW billing.big_invoices AS SELECT no, total FROM billing.invoice WHERE total > 1000;
COMMENT ON COLUMN billing.big_invoices.total IS 'over a thousand';
GRANT SELECT ON billing.big_invoices TO dump_reader;
CREATE MATERIALIZED VIEW billing.customer_totals AS
    SELECT customer_id, sum(total) AS total FROM billing.invoice GROUP BY customer_id
    WITH NO DATA;
CREATE UNIQUE INDEX customer_totals_customer ON billing.customer_totals (customer_id);

CREATE FUNCTION billing.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER touch BEFORE UPDATE ON billing.invoice FOR EACH ROW
    EXECUTE FUNCTION billing.touch();
CREATE FUNCTION billing.tax(amount numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE RETURN amount * 0.2;
CREATE FUNCTION billing.tax(amount numeric, rate numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE RETURN amount * rate;
COMMENT ON FUNCTION billing.tax(numeric, numeric) IS 'with a rate';
REVOKE EXECUTE ON FUNCTION billing.tax(numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION billing.tax(numeric) TO dump_reader;
CREATE PROCEDURE billing.close_books(upto date) LANGUAGE sql
    BEGIN ATOMIC DELETE FROM billing.scratch; END;
CREATE AGGREGATE billing.total_of(numeric) (SFUNC = numeric_add, STYPE = numeric, INITCOND = '0');

CREATE FUNCTION billing.on_ddl() RETURNS event_trigger LANGUAGE plpgsql
    AS 'BEGIN NULL; END';
CREATE EVENT TRIGGER billing_ddl ON ddl_command_end EXECUTE FUNCTION billing.on_ddl();

ALTER DEFAULT PRIVILEGES IN SCHEMA billing GRANT SELECT ON TABLES TO dump_reader;
