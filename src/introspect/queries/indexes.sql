-- Indexes of tables, partitioned tables and materialized views in managed schemas that do
-- not back a PRIMARY KEY, UNIQUE or EXCLUDE constraint of their table. `quoted_name` is the
-- name as pg_get_indexdef prints it, so that it can be cut out of the definition.
-- `attached`: the index of a partition that PostgreSQL attached to an index of the parent
-- (pg_inherits between indexes).
SELECT c.oid, i.indrelid AS rel, m.nspname::text AS schema, c.relname::text AS name,
       quote_ident(c.relname) AS quoted_name,
       pg_get_indexdef(c.oid) AS definition,
       i.indisunique AS is_unique, i.indisvalid AS valid,
       EXISTS (SELECT FROM pg_inherits h WHERE h.inhrelid = c.oid) AS attached,
       d.description AS comment
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN managed m ON m.oid = c.relnamespace
LEFT JOIN pg_description d
    ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid AND d.objsubid = 0
WHERE t.relkind IN ('r', 'p', 'm')
  AND NOT EXISTS (
      SELECT FROM pg_constraint k
      WHERE k.conrelid = i.indrelid AND k.conindid = i.indexrelid
        AND k.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (
      SELECT FROM pg_depend e
      WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
