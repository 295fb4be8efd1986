-- A member's enrolment in a plan (user_id is the Auth Service's user id).
CREATE TABLE plan_enrollment (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    plan_id uuid NOT NULL,
    policy_number varchar(30) NOT NULL,
    holder_user_id uuid,
    valid_from date NOT NULL,
    valid_until date,
    status varchar(20) NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT plan_enrollment_policy_number_key UNIQUE (policy_number),
    CONSTRAINT plan_enrollment_plan_insurance_plan_fk FOREIGN KEY (plan_id)
        REFERENCES plan_insurance_plan (id) ON DELETE RESTRICT,
    CONSTRAINT plan_enrollment_status_check CHECK (status IN ('active', 'suspended', 'cancelled')),
    CONSTRAINT plan_enrollment_dates_check CHECK (valid_until IS NULL OR valid_until > valid_from)
);
CREATE INDEX plan_enrollment_plan_id_idx ON plan_enrollment (plan_id);
CREATE UNIQUE INDEX plan_enrollment_active_user_key ON plan_enrollment (user_id, plan_id)
    WHERE status = 'active' AND deleted_at IS NULL;
CREATE TRIGGER plan_enrollment_set_updated_at BEFORE UPDATE ON plan_enrollment
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();

CREATE TABLE plan_claim (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    enrollment_id uuid NOT NULL,
    claim_number varchar(30) NOT NULL,
    procedure_type varchar(50) NOT NULL,
    provider_name varchar(200),
    service_date date NOT NULL,
    amount numeric(12, 2) NOT NULL,
    approved_amount numeric(12, 2),
    status varchar(20) NOT NULL DEFAULT 'submitted',
    submitted_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    rejection_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT plan_claim_claim_number_key UNIQUE (claim_number),
    CONSTRAINT plan_claim_plan_enrollment_fk FOREIGN KEY (enrollment_id)
        REFERENCES plan_enrollment (id) ON DELETE RESTRICT,
    CONSTRAINT plan_claim_status_check
        CHECK (status IN ('submitted', 'in_review', 'approved', 'partially_approved', 'rejected', 'paid')),
    CONSTRAINT plan_claim_amount_check CHECK (amount > 0),
    CONSTRAINT plan_claim_approved_check CHECK (approved_amount IS NULL OR approved_amount BETWEEN 0 AND amount),
    CONSTRAINT plan_claim_rejection_check CHECK (status <> 'rejected' OR rejection_reason IS NOT NULL)
);
CREATE INDEX plan_claim_enrollment_id_idx ON plan_claim (enrollment_id);
CREATE INDEX plan_claim_user_status_idx ON plan_claim (user_id, status, submitted_at DESC);
CREATE INDEX plan_claim_open_idx ON plan_claim (submitted_at)
    WHERE status IN ('submitted', 'in_review');
CREATE TRIGGER plan_claim_set_updated_at BEFORE UPDATE ON plan_claim
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();

CREATE TABLE plan_claim_document (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    claim_id uuid NOT NULL,
    document_type varchar(30) NOT NULL,
    file_key varchar(500) NOT NULL,
    mime_type varchar(100) NOT NULL,
    size_bytes bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT plan_claim_document_plan_claim_fk FOREIGN KEY (claim_id)
        REFERENCES plan_claim (id) ON DELETE CASCADE,
    CONSTRAINT plan_claim_document_size_check CHECK (size_bytes > 0)
);
CREATE INDEX plan_claim_document_claim_id_idx ON plan_claim_document (claim_id);
