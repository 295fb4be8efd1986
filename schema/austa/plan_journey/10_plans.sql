CREATE TABLE plan_insurance_plan (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code varchar(30) NOT NULL,
    name varchar(200) NOT NULL,
    type varchar(20) NOT NULL,
    ans_registration varchar(20),
    monthly_premium numeric(12, 2) NOT NULL,
    coverage_area varchar(20) NOT NULL DEFAULT 'state',
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT plan_insurance_plan_code_key UNIQUE (code),
    CONSTRAINT plan_insurance_plan_type_check CHECK (type IN ('individual', 'family', 'corporate')),
    CONSTRAINT plan_insurance_plan_premium_check CHECK (monthly_premium >= 0),
    CONSTRAINT plan_insurance_plan_area_check CHECK (coverage_area IN ('municipal', 'state', 'national'))
);
CREATE TRIGGER plan_insurance_plan_set_updated_at BEFORE UPDATE ON plan_insurance_plan
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();

CREATE TABLE plan_benefit (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    plan_id uuid NOT NULL,
    name varchar(200) NOT NULL,
    description text,
    usage_limit integer,
    conditions jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT plan_benefit_plan_insurance_plan_fk FOREIGN KEY (plan_id)
        REFERENCES plan_insurance_plan (id) ON DELETE CASCADE,
    CONSTRAINT plan_benefit_usage_limit_check CHECK (usage_limit IS NULL OR usage_limit > 0)
);
CREATE INDEX plan_benefit_plan_id_idx ON plan_benefit (plan_id);
CREATE INDEX plan_benefit_conditions_idx ON plan_benefit USING gin (conditions);
CREATE TRIGGER plan_benefit_set_updated_at BEFORE UPDATE ON plan_benefit
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();

CREATE TABLE plan_coverage (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    plan_id uuid NOT NULL,
    procedure_type varchar(50) NOT NULL,
    coverage_percent numeric(5, 2) NOT NULL,
    copay_amount numeric(10, 2) NOT NULL DEFAULT 0,
    waiting_period_days integer NOT NULL DEFAULT 0,
    requires_authorization boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT plan_coverage_plan_insurance_plan_fk FOREIGN KEY (plan_id)
        REFERENCES plan_insurance_plan (id) ON DELETE CASCADE,
    CONSTRAINT plan_coverage_procedure_key UNIQUE (plan_id, procedure_type),
    CONSTRAINT plan_coverage_percent_check CHECK (coverage_percent BETWEEN 0 AND 100),
    CONSTRAINT plan_coverage_copay_check CHECK (copay_amount >= 0),
    CONSTRAINT plan_coverage_waiting_check CHECK (waiting_period_days >= 0)
);
CREATE TRIGGER plan_coverage_set_updated_at BEFORE UPDATE ON plan_coverage
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();
