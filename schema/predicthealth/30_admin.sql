CREATE TABLE admins (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    first_name varchar(100) NOT NULL,
    last_name varchar(100) NOT NULL,
    email email NOT NULL UNIQUE,
    department varchar(100),
    access_level smallint NOT NULL DEFAULT 1 CHECK (access_level BETWEEN 1 AND 5),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Append-only: rows are never updated, and a bigint identity keeps them in write order.
-- schemadiff:lint-ignore keys.uuid_primary_key, columns.timestamps
CREATE TABLE admin_audit_logs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    admin_id uuid NOT NULL REFERENCES admins (id) ON DELETE RESTRICT,
    action varchar(50) NOT NULL,
    target_table varchar(100),
    target_id uuid,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    ip_address inet,
    user_agent text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admin_audit_logs_admin_id_idx ON admin_audit_logs (admin_id, created_at DESC);
CREATE INDEX admin_audit_logs_created_at_idx ON admin_audit_logs USING brin (created_at);
COMMENT ON TABLE admin_audit_logs IS 'Audit trail of administrative actions, with IP and user agent';
