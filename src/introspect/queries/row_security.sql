-- Tables in managed schemas with row-level security enabled or forced, not members of an
-- extension.
SELECT m.nspname::text AS schema, c.relname::text AS name,
       c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced
FROM pg_class c
JOIN managed m ON m.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND (c.relrowsecurity OR c.relforcerowsecurity)
  AND NOT EXISTS (
      SELECT FROM pg_depend e
      WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
