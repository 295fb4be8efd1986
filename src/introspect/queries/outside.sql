-- Schemas outside the managed scope ($1 text[]: the managed schemas), with how many objects
-- of each kind they hold. Reported apart from drift, never compared. Left out like in
-- managed.sql: system schemas, TimescaleDB's internal ones, schemas owned by an extension,
-- and objects that are members of an extension. Row types of tables and array types are
-- not counted as types. An empty schema has one row with a NULL kind.
WITH outside AS (
    SELECT n.oid, n.nspname
    FROM pg_namespace n
    WHERE NOT (n.nspname = ANY ($1::text[]))
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'timescaledb_information',
                            'timescaledb_experimental', 'toolkit_experimental')
      AND n.nspname NOT LIKE 'pg\_toast%'
      AND n.nspname NOT LIKE 'pg\_temp\_%'
      AND n.nspname NOT LIKE '\_timescaledb\_%'
      AND NOT EXISTS (
          SELECT FROM pg_depend e
          WHERE e.classid = 'pg_namespace'::regclass AND e.objid = n.oid AND e.deptype = 'e')
), objects (nsp, classid, objid, kind) AS (
    SELECT c.relnamespace, 'pg_class'::regclass, c.oid,
           CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                          WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                          WHEN 'f' THEN 'foreign table' ELSE 'index' END
    FROM pg_class c
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'i', 'I')
  UNION ALL
    SELECT p.pronamespace, 'pg_proc'::regclass, p.oid,
           CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
                          ELSE 'function' END
    FROM pg_proc p
  UNION ALL
    SELECT t.typnamespace, 'pg_type'::regclass, t.oid, 'type'
    FROM pg_type t
    WHERE t.typtype IN ('e', 'd', 'r', 'm', 'b', 'c')
      AND (t.typtype <> 'c'
           OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
      AND NOT EXISTS (SELECT FROM pg_type a WHERE a.typarray = t.oid)
)
SELECT o.nspname AS schema, x.kind, count(x.objid)::bigint AS objects
FROM outside o
LEFT JOIN objects x
       ON x.nsp = o.oid
      AND NOT EXISTS (
          SELECT FROM pg_depend e
          WHERE e.classid = x.classid AND e.objid = x.objid AND e.deptype = 'e')
GROUP BY o.nspname, x.kind
ORDER BY o.nspname, x.kind
