-- Row-level security on members' insurance data: the Plan Service sees the rows of the
-- member it acts for (shared.current_user_id()); back-office work runs as another role.
ALTER TABLE plan_enrollment ENABLE ROW LEVEL SECURITY;
ALTER TABLE plan_claim ENABLE ROW LEVEL SECURITY;
ALTER TABLE plan_claim_document ENABLE ROW LEVEL SECURITY;

CREATE POLICY plan_enrollment_member ON plan_enrollment TO plan_service
    USING (user_id = shared.current_user_id() OR holder_user_id = shared.current_user_id());
CREATE POLICY plan_claim_member ON plan_claim TO plan_service
    USING (user_id = shared.current_user_id())
    WITH CHECK (user_id = shared.current_user_id() AND status = 'submitted');
CREATE POLICY plan_claim_document_member ON plan_claim_document TO plan_service
    USING (EXISTS (SELECT 1 FROM plan_claim c
                   WHERE c.id = plan_claim_document.claim_id
                     AND c.user_id = shared.current_user_id()));

GRANT USAGE ON SCHEMA shared TO plan_service;
GRANT EXECUTE ON FUNCTION shared.current_user_id() TO plan_service;
GRANT SELECT ON plan_insurance_plan, plan_benefit, plan_coverage TO plan_service;
GRANT SELECT, INSERT, UPDATE ON plan_enrollment, plan_claim, plan_claim_document TO plan_service;
GRANT SELECT ON plan_audit_log TO plan_service;
