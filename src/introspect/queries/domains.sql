-- Domains in managed schemas, not members of an extension. The default is deparsed from
-- typdefaultbin now (typdefault was deparsed under the creator's search_path), and the
-- collation is returned only when it differs from the base type's.
SELECT t.oid, t.typarray AS array_oid, m.nspname::text AS schema, t.typname::text AS name,
       format_type(t.typbasetype, t.typtypmod) AS base_type,
       CASE WHEN t.typcollation <> 0 AND t.typcollation <> b.typcollation
            THEN cn.nspname::text END AS collation_schema,
       CASE WHEN t.typcollation <> 0 AND t.typcollation <> b.typcollation
            THEN co.collname::text END AS collation_name,
       pg_get_expr(t.typdefaultbin, 0) AS "default",
       t.typnotnull AS not_null,
       d.description AS comment
FROM pg_type t
JOIN managed m ON m.oid = t.typnamespace
JOIN pg_type b ON b.oid = t.typbasetype
LEFT JOIN pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_description d
    ON d.classoid = 'pg_type'::regclass AND d.objoid = t.oid AND d.objsubid = 0
WHERE t.typtype = 'd'
  AND NOT EXISTS (
      SELECT FROM pg_depend x
      WHERE x.classid = 'pg_type'::regclass AND x.objid = t.oid AND x.deptype = 'e')
