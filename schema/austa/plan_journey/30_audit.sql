-- Audit trail of every insurance-related change, written by trigger.
-- Append-only: rows are never updated or deleted, and a bigint identity keeps them in
-- write order at half the size of a uuid.
-- schemadiff:lint-ignore keys.uuid_primary_key, columns.timestamps
CREATE TABLE plan_audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name varchar(63) NOT NULL,
    record_id uuid NOT NULL,
    operation char(1) NOT NULL,
    actor_user_id uuid,
    old_values jsonb,
    new_values jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT plan_audit_log_operation_check CHECK (operation IN ('I', 'U', 'D'))
);
CREATE INDEX plan_audit_log_record_idx ON plan_audit_log (table_name, record_id, created_at DESC);
CREATE INDEX plan_audit_log_created_at_idx ON plan_audit_log USING brin (created_at);

CREATE FUNCTION plan_audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    INSERT INTO plan_audit_log (table_name, record_id, operation, actor_user_id, old_values, new_values)
    VALUES (TG_TABLE_NAME,
            CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
            left(TG_OP, 1),
            shared.current_user_id(),
            CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
            CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
    RETURN NULL;
END;
$$;

CREATE TRIGGER plan_enrollment_audit AFTER INSERT OR UPDATE OR DELETE ON plan_enrollment
    FOR EACH ROW EXECUTE FUNCTION plan_audit();
CREATE TRIGGER plan_claim_audit AFTER INSERT OR UPDATE OR DELETE ON plan_claim
    FOR EACH ROW EXECUTE FUNCTION plan_audit();
CREATE TRIGGER plan_coverage_audit AFTER INSERT OR UPDATE OR DELETE ON plan_coverage
    FOR EACH ROW EXECUTE FUNCTION plan_audit();
