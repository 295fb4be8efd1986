-- Row-level security policies on tables in managed schemas, not members of an extension.
-- `roles` holds NULL for PUBLIC.
SELECT p.oid, m.nspname::text AS schema, c.relname::text AS table, p.polname::text AS name,
       p.polpermissive AS permissive, p.polcmd::text AS command,
       ARRAY(SELECT CASE r WHEN 0 THEN NULL ELSE pg_get_userbyid(r)::text END
             FROM unnest(p.polroles) r) AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr,
       d.description AS comment
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN managed m ON m.oid = c.relnamespace
LEFT JOIN pg_description d
    ON d.classoid = 'pg_policy'::regclass AND d.objoid = p.oid AND d.objsubid = 0
WHERE NOT EXISTS (
    SELECT FROM pg_depend e
    WHERE e.classid = 'pg_policy'::regclass AND e.objid = p.oid AND e.deptype = 'e')
