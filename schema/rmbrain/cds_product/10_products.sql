-- RM Brain, cds_product (product service): the shelf of investment and banking products a
-- manager may propose, with the risk rating suitability checks compare against.
CREATE TABLE products (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    code varchar(50) NOT NULL,
    isin char(12),
    name varchar(255) NOT NULL,
    product_type varchar(30) NOT NULL,
    asset_class varchar(30),
    currency char(3) NOT NULL,
    risk_rating smallint NOT NULL,
    min_investment numeric(18, 2),
    complex_product boolean NOT NULL DEFAULT false,
    is_active boolean NOT NULL DEFAULT true,
    launched_on date,
    retired_on date,
    attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT products_pkey PRIMARY KEY (id),
    CONSTRAINT uq_products_tenant_code UNIQUE (tenant_id, code),
    CONSTRAINT ck_products_product_type
        CHECK (product_type IN ('fund', 'equity', 'bond', 'structured', 'deposit', 'insurance', 'loan')),
    CONSTRAINT ck_products_risk_rating CHECK (risk_rating BETWEEN 1 AND 7),
    CONSTRAINT ck_products_currency CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT ck_products_min_investment CHECK (min_investment IS NULL OR min_investment >= 0),
    CONSTRAINT ck_products_dates CHECK (retired_on IS NULL OR launched_on IS NULL OR retired_on >= launched_on)
);
CREATE UNIQUE INDEX uq_products_isin ON products (tenant_id, isin) WHERE isin IS NOT NULL;
CREATE INDEX ix_products_shelf ON products (tenant_id, product_type, risk_rating) WHERE is_active;
