CREATE TABLE subscriptions (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    plan_id uuid NOT NULL REFERENCES plans (id) ON DELETE RESTRICT,
    status subscription_status NOT NULL DEFAULT 'trialing',
    quantity integer NOT NULL DEFAULT 1 CHECK (quantity > 0),
    current_period_start timestamptz NOT NULL,
    current_period_end timestamptz NOT NULL,
    cancel_at_period_end boolean NOT NULL DEFAULT false,
    canceled_at timestamptz,
    provider_subscription_id varchar(100) UNIQUE,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT subscriptions_period_check CHECK (current_period_end > current_period_start)
);
CREATE INDEX subscriptions_customer_id_idx ON subscriptions (customer_id);
CREATE INDEX subscriptions_plan_id_idx ON subscriptions (plan_id);
CREATE UNIQUE INDEX subscriptions_one_live_per_customer ON subscriptions (customer_id)
    WHERE status IN ('trialing', 'active', 'past_due');
CREATE INDEX subscriptions_renewal_idx ON subscriptions (current_period_end)
    WHERE status IN ('trialing', 'active');
CREATE TRIGGER subscriptions_updated_at BEFORE UPDATE ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE invoices (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    subscription_id uuid REFERENCES subscriptions (id) ON DELETE SET NULL,
    number varchar(30) NOT NULL UNIQUE,
    status invoice_status NOT NULL DEFAULT 'draft',
    currency currency_code NOT NULL,
    subtotal money_minor NOT NULL,
    tax money_minor NOT NULL DEFAULT 0,
    total money_minor GENERATED ALWAYS AS (subtotal + tax) STORED,
    amount_paid money_minor NOT NULL DEFAULT 0,
    due_at timestamptz,
    paid_at timestamptz,
    lines jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT invoices_paid_check CHECK (status <> 'paid' OR paid_at IS NOT NULL)
);
CREATE INDEX invoices_customer_id_idx ON invoices (customer_id, created_at DESC);
CREATE INDEX invoices_subscription_id_idx ON invoices (subscription_id);
CREATE INDEX invoices_open_due_idx ON invoices (due_at) WHERE status = 'open';
CREATE TRIGGER invoices_updated_at BEFORE UPDATE ON invoices
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE payments (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    invoice_id uuid NOT NULL REFERENCES invoices (id) ON DELETE RESTRICT,
    provider varchar(30) NOT NULL,
    provider_payment_id varchar(100) NOT NULL,
    status payment_status NOT NULL DEFAULT 'pending',
    currency currency_code NOT NULL,
    amount money_minor NOT NULL,
    failure_code varchar(50),
    processed_at timestamptz,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT payments_provider_payment_key UNIQUE (provider, provider_payment_id)
);
CREATE INDEX payments_invoice_id_idx ON payments (invoice_id);
CREATE TRIGGER payments_updated_at BEFORE UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
