-- One of each modelled and unmanaged kind, for the determinism and JSON round-trip cases.
CREATE SCHEMA billing;
COMMENT ON SCHEMA billing IS 'money';
CREATE TYPE billing.mood AS ENUM ('sad', 'ok', 'happy');
CREATE COLLATION billing.mycoll (provider = libc, locale = 'C');
CREATE DOMAIN billing.email AS varchar(255) COLLATE "C" DEFAULT 'x@y' NOT NULL
    CONSTRAINT email_at CHECK (VALUE LIKE '%@%');
CREATE TYPE billing.address AS (street text COLLATE "C", feeling billing.mood);
CREATE SEQUENCE billing.counter AS smallint START 5 CACHE 2 CYCLE;
CREATE TABLE billing.customer (
    id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100) PRIMARY KEY,
    email billing.email UNIQUE,
    name varchar(40) NOT NULL DEFAULT 'anon' COLLATE billing.mycoll,
    feeling billing.mood,
    home billing.address,
    tags text[],
    score numeric(6,2) CHECK (score >= 0),
    doubled numeric GENERATED ALWAYS AS (score * 2) STORED,
    during tsrange,
    EXCLUDE USING gist (during WITH &&)
) WITH (fillfactor = 80);
CREATE TABLE billing.invoice (
    no serial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES billing.customer ON DELETE CASCADE,
    ticket int DEFAULT nextval('billing.counter'),
    total numeric CONSTRAINT positive_total CHECK (total > 0) 
);
ALTER TABLE billing.invoice ADD CONSTRAINT invoice_ticket_check CHECK (ticket > 0) NOT VALID;
CREATE UNLOGGED TABLE billing.scratch (x int);
CREATE INDEX invoice_customer ON billing.invoice (customer_id) INCLUDE (total);
CREATE INDEX customer_tags ON billing.customer USING gin (tags);
CREATE INDEX customer_lower ON billing.customer (lower(name)) WHERE score > 0;
CREATE VIEW billing.big_invoices AS SELECT * FROM billing.invoice WHERE total > 1000;
CREATE FUNCTION billing.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER touch BEFORE UPDATE ON billing.invoice FOR EACH ROW
    EXECUTE FUNCTION billing.touch();
COMMENT ON TABLE billing.customer IS 'who pays';
COMMENT ON COLUMN billing.customer.email IS 'where invoices go';
COMMENT ON CONSTRAINT positive_total ON billing.invoice IS 'no credit notes';
COMMENT ON INDEX billing.invoice_customer IS 'lookup';
COMMENT ON SEQUENCE billing.counter IS 'tickets';
COMMENT ON TYPE billing.mood IS 'feelings';
COMMENT ON DOMAIN billing.email IS 'an address';
COMMENT ON TYPE billing.address IS 'postal';
