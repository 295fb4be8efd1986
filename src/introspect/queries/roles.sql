-- Every role of the server (roles are cluster-wide), and which one reads the catalog.
SELECT rolname::text AS name, rolname = current_user AS current
FROM pg_roles
