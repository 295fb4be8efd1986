-- The Auth Service's own user reads and writes its tables; nothing else connects here.
GRANT USAGE ON SCHEMA shared TO auth_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO auth_service;
