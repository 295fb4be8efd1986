-- RM Brain, riskprofile_db (risk profile service): each client's questionnaire-based risk
-- profile and the suitability assessments of products against it.
CREATE TABLE risk_profiles (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    client_id uuid NOT NULL,
    questionnaire_version varchar(20) NOT NULL,
    answers jsonb NOT NULL,
    risk_score smallint NOT NULL,
    risk_category varchar(20) NOT NULL,
    investment_horizon_years smallint,
    knowledge_level varchar(20),
    assessed_by varchar(255) NOT NULL,
    assessed_at timestamptz NOT NULL DEFAULT now(),
    valid_until date NOT NULL,
    is_current boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT risk_profiles_pkey PRIMARY KEY (id),
    CONSTRAINT ck_risk_profiles_score CHECK (risk_score BETWEEN 0 AND 100),
    CONSTRAINT ck_risk_profiles_category
        CHECK (risk_category IN ('conservative', 'moderate', 'balanced', 'growth', 'aggressive')),
    CONSTRAINT ck_risk_profiles_knowledge CHECK (knowledge_level IN ('basic', 'informed', 'advanced', 'expert'))
);
CREATE UNIQUE INDEX uq_risk_profiles_current ON risk_profiles (tenant_id, client_id) WHERE is_current;
CREATE INDEX ix_risk_profiles_client ON risk_profiles (tenant_id, client_id, assessed_at DESC);
CREATE INDEX ix_risk_profiles_expiring ON risk_profiles (valid_until) WHERE is_current;

CREATE TABLE suitability_assessments (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    risk_profile_id uuid NOT NULL,
    product_id uuid NOT NULL,
    product_risk_rating smallint NOT NULL,
    outcome varchar(20) NOT NULL,
    reasons jsonb NOT NULL DEFAULT '[]'::jsonb,
    override_by varchar(255),
    override_reason text,
    assessed_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT suitability_assessments_pkey PRIMARY KEY (id),
    CONSTRAINT suitability_assessments_risk_profile_id_fkey FOREIGN KEY (risk_profile_id)
        REFERENCES risk_profiles (id) ON DELETE CASCADE,
    CONSTRAINT ck_suitability_assessments_outcome
        CHECK (outcome IN ('suitable', 'suitable_with_warning', 'unsuitable', 'overridden')),
    CONSTRAINT ck_suitability_assessments_override
        CHECK (outcome <> 'overridden' OR (override_by IS NOT NULL AND override_reason IS NOT NULL))
);
CREATE INDEX ix_suitability_assessments_risk_profile_id ON suitability_assessments (risk_profile_id);
CREATE INDEX ix_suitability_assessments_product ON suitability_assessments (tenant_id, product_id);
