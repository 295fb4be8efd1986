-- Triggers on tables and views in managed schemas. Left out: internal triggers (foreign
-- keys), the clones PostgreSQL makes on partitions (tgparentid), triggers on relations an
-- extension owns, and triggers on foreign tables (unmanaged.sql reports those).
SELECT g.oid, m.nspname::text AS schema, c.relname::text AS table_name,
       c.relkind::text AS relkind, g.tgname::text AS name,
       pg_get_triggerdef(g.oid) AS definition,
       g.tgenabled::text AS enabled,
       g.tgconstraint <> 0 AS is_constraint,
       fn.nspname::text AS function_schema, f.proname::text AS function_name,
       d.description AS comment
FROM pg_trigger g
JOIN pg_class c ON c.oid = g.tgrelid
JOIN managed m ON m.oid = c.relnamespace
JOIN pg_proc f ON f.oid = g.tgfoid
JOIN pg_namespace fn ON fn.oid = f.pronamespace
LEFT JOIN pg_description d
    ON d.classoid = 'pg_trigger'::regclass AND d.objoid = g.oid AND d.objsubid = 0
WHERE NOT g.tgisinternal
  AND g.tgparentid = 0
  AND c.relkind IN ('r', 'p', 'v')
  AND NOT EXISTS (
      SELECT FROM pg_depend e
      WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
