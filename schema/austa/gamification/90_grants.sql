GRANT USAGE ON SCHEMA shared TO gamification_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO gamification_service;
