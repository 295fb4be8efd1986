-- Managed schemas with their comments.
SELECT m.oid, m.nspname::text AS name, d.description AS comment
FROM managed m
LEFT JOIN pg_description d
    ON d.classoid = 'pg_namespace'::regclass AND d.objoid = m.oid AND d.objsubid = 0
