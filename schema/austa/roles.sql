-- AUSTA SuperApp service users (create-users.sql): cluster-wide, so created once per server
-- by the platform's provisioning, not by a service's schema files; the grants and policies
-- of each database name them. Passwords are set outside (AWS Secrets Manager in production).
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['health_service', 'care_service', 'plan_service',
                             'gamification_service', 'auth_service'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', r);
        END IF;
    END LOOP;
END
$$;
