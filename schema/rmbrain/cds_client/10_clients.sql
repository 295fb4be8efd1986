-- RM Brain, cds_client (client service): the clients a relationship manager looks after,
-- per tenant, and the links between them (household, company and its directors, ...).
CREATE TABLE clients (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    external_ref varchar(100),
    client_type varchar(20) NOT NULL,
    full_name varchar(255) NOT NULL,
    email varchar(255),
    phone varchar(50),
    date_of_birth date,
    nationality char(2),
    segment varchar(50),
    status varchar(20) NOT NULL DEFAULT 'prospect',
    kyc_status varchar(20) NOT NULL DEFAULT 'pending',
    kyc_reviewed_at timestamptz,
    attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT clients_pkey PRIMARY KEY (id),
    CONSTRAINT uq_clients_tenant_external_ref UNIQUE (tenant_id, external_ref),
    CONSTRAINT ck_clients_client_type CHECK (client_type IN ('individual', 'joint', 'corporate', 'trust')),
    CONSTRAINT ck_clients_status CHECK (status IN ('prospect', 'active', 'dormant', 'closed')),
    CONSTRAINT ck_clients_kyc_status CHECK (kyc_status IN ('pending', 'in_review', 'approved', 'rejected', 'expired'))
);
CREATE INDEX ix_clients_tenant_id ON clients (tenant_id);
CREATE INDEX ix_clients_tenant_name ON clients (tenant_id, lower(full_name));
CREATE INDEX ix_clients_kyc_due ON clients (tenant_id, kyc_status)
    WHERE kyc_status IN ('pending', 'expired');
CREATE INDEX ix_clients_attributes ON clients USING gin (attributes);

CREATE TABLE client_links (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    client_id uuid NOT NULL,
    linked_client_id uuid NOT NULL,
    link_type varchar(30) NOT NULL,
    ownership_pct numeric(5, 2),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT client_links_pkey PRIMARY KEY (id),
    CONSTRAINT client_links_client_id_fkey FOREIGN KEY (client_id)
        REFERENCES clients (id) ON DELETE CASCADE,
    CONSTRAINT client_links_linked_client_id_fkey FOREIGN KEY (linked_client_id)
        REFERENCES clients (id) ON DELETE CASCADE,
    CONSTRAINT uq_client_links UNIQUE (client_id, linked_client_id, link_type),
    CONSTRAINT ck_client_links_not_self CHECK (client_id <> linked_client_id),
    CONSTRAINT ck_client_links_link_type
        CHECK (link_type IN ('spouse', 'household', 'director', 'shareholder', 'beneficiary', 'guarantor')),
    CONSTRAINT ck_client_links_ownership CHECK (ownership_pct IS NULL OR ownership_pct BETWEEN 0 AND 100)
);
CREATE INDEX ix_client_links_linked_client_id ON client_links (linked_client_id);
