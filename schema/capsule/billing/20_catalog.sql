CREATE TYPE currency_code AS ENUM ('USD', 'EUR', 'GBP', 'BRL');
CREATE TYPE billing_interval AS ENUM ('month', 'year');
CREATE TYPE subscription_status AS ENUM ('trialing', 'active', 'past_due', 'canceled', 'unpaid');
CREATE TYPE invoice_status AS ENUM ('draft', 'open', 'paid', 'void', 'uncollectible');
CREATE TYPE payment_status AS ENUM ('pending', 'succeeded', 'failed', 'refunded');

-- Amounts are integers in the currency's minor unit (cents).
CREATE DOMAIN money_minor AS bigint CHECK (VALUE >= 0);

CREATE TABLE customers (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id uuid NOT NULL UNIQUE,
    email citext NOT NULL,
    name varchar(200),
    tax_id varchar(50),
    country char(2),
    default_currency currency_code NOT NULL DEFAULT 'USD',
    provider_customer_id varchar(100) UNIQUE,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP
);
COMMENT ON COLUMN customers.user_id IS 'users.id of the auth-service (no cross-database key)';
CREATE TRIGGER customers_updated_at BEFORE UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE plans (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    code varchar(50) NOT NULL,
    name varchar(100) NOT NULL,
    currency currency_code NOT NULL,
    amount money_minor NOT NULL,
    interval billing_interval NOT NULL,
    trial_days integer NOT NULL DEFAULT 0 CHECK (trial_days >= 0),
    limits jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_public boolean NOT NULL DEFAULT true,
    archived_at timestamptz,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT plans_code_currency_key UNIQUE (code, currency, interval)
);
CREATE TRIGGER plans_updated_at BEFORE UPDATE ON plans
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
