-- RM Brain, cds_document (document service): files attached to clients (statements, KYC
-- evidence, signed mandates), stored in object storage and described here.
CREATE TABLE documents (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    client_id uuid NOT NULL,
    title varchar(255) NOT NULL,
    file_name varchar(255) NOT NULL,
    mime_type varchar(100) NOT NULL,
    size_bytes bigint NOT NULL,
    storage_uri text NOT NULL,
    checksum_sha256 char(64) NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'uploaded',
    uploaded_by varchar(255) NOT NULL,
    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    expires_at date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT documents_pkey PRIMARY KEY (id),
    CONSTRAINT ck_documents_size CHECK (size_bytes >= 0),
    CONSTRAINT ck_documents_status CHECK (status IN ('uploaded', 'scanning', 'available', 'quarantined', 'archived'))
);
CREATE INDEX ix_documents_tenant_client ON documents (tenant_id, client_id, created_at DESC);
CREATE INDEX ix_documents_checksum ON documents (tenant_id, checksum_sha256);
CREATE INDEX ix_documents_tags ON documents USING gin (tags);
CREATE INDEX ix_documents_expiring ON documents (expires_at) WHERE expires_at IS NOT NULL AND status = 'available';
