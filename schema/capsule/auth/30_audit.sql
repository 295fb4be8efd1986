-- Security audit log: sign-ins, password and MFA changes, token revocations.
-- Append-only: rows are never updated, and a bigint identity keeps them in write order.
-- schemadiff:lint-ignore keys.uuid_primary_key, columns.timestamps
CREATE TABLE security_audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    event_type varchar(50) NOT NULL,
    success boolean NOT NULL,
    ip_address inet,
    user_agent text,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX security_audit_log_user_id_idx ON security_audit_log (user_id, created_at DESC);
CREATE INDEX security_audit_log_created_at_idx ON security_audit_log USING brin (created_at);
CREATE INDEX security_audit_log_failures_idx ON security_audit_log (ip_address, created_at DESC)
    WHERE NOT success;
