-- Financial audit trail: every change of a subscription, invoice or payment, by trigger.
-- Append-only: rows are never updated, and a bigint identity keeps them in write order.
-- schemadiff:lint-ignore keys.uuid_primary_key, columns.timestamps
CREATE TABLE financial_audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_type varchar(30) NOT NULL,
    entity_id uuid NOT NULL,
    action varchar(10) NOT NULL CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
    changed_by text NOT NULL DEFAULT current_user,
    old_row jsonb,
    new_row jsonb,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX financial_audit_log_entity_idx ON financial_audit_log (entity_type, entity_id, created_at);

CREATE FUNCTION log_financial_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO financial_audit_log (entity_type, entity_id, action, old_row, new_row)
    VALUES (TG_TABLE_NAME,
            CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END,
            TG_OP,
            CASE TG_OP WHEN 'INSERT' THEN NULL ELSE to_jsonb(OLD) END,
            CASE TG_OP WHEN 'DELETE' THEN NULL ELSE to_jsonb(NEW) END);
    RETURN NULL;
END;
$$;
CREATE TRIGGER subscriptions_audit AFTER INSERT OR UPDATE OR DELETE ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION log_financial_change();
CREATE TRIGGER invoices_audit AFTER INSERT OR UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION log_financial_change();
CREATE TRIGGER payments_audit AFTER INSERT OR UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION log_financial_change();
