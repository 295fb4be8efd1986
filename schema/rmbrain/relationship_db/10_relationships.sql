-- RM Brain, relationship_db (relationship service): which relationship managers look after
-- which clients, in which role, over time. A client has at most one current primary RM.
CREATE TABLE relationships (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    client_id uuid NOT NULL,
    rm_id uuid NOT NULL,
    role varchar(20) NOT NULL DEFAULT 'primary',
    status varchar(20) NOT NULL DEFAULT 'active',
    started_on date NOT NULL DEFAULT CURRENT_DATE,
    ended_on date,
    end_reason varchar(100),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT relationships_pkey PRIMARY KEY (id),
    CONSTRAINT ck_relationships_role CHECK (role IN ('primary', 'secondary', 'specialist', 'assistant')),
    CONSTRAINT ck_relationships_status CHECK (status IN ('active', 'pending_transfer', 'ended')),
    CONSTRAINT ck_relationships_dates CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE UNIQUE INDEX uq_relationships_primary_rm ON relationships (tenant_id, client_id)
    WHERE role = 'primary' AND ended_on IS NULL;
CREATE INDEX ix_relationships_rm_book ON relationships (tenant_id, rm_id) WHERE ended_on IS NULL;
CREATE INDEX ix_relationships_client ON relationships (tenant_id, client_id);
