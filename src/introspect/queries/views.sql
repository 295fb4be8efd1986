-- Views (relkind 'v') and materialized views ('m') in managed schemas, not members of an
-- extension, with their output columns as parallel arrays in attnum order. `rule` is the
-- `_RETURN` rule, through which pg_depend records what the view reads; `rowtype` and
-- `rowtype_array` let dependencies on the view's row type map back to it. The definition is
-- deparsed under the snapshot's `search_path = pg_catalog`, so it qualifies every user
-- object, identically on any two databases. A column's collation is returned only when it
-- differs from its type's default collation.
SELECT c.oid, c.relkind::text AS kind, m.nspname::text AS schema, c.relname::text AS name,
       c.reltype AS rowtype, t.typarray AS rowtype_array, r.oid AS rule,
       pg_get_viewdef(c.oid) AS definition,
       coalesce(c.reloptions, '{}')::text[] AS options,
       c.relispopulated AS populated,
       d.description AS comment,
       cols.names, cols.types, cols.collation_schemas, cols.collation_names, cols.comments
FROM pg_class c
JOIN managed m ON m.oid = c.relnamespace
JOIN pg_type t ON t.oid = c.reltype
LEFT JOIN pg_rewrite r ON r.ev_class = c.oid AND r.rulename = '_RETURN'
LEFT JOIN pg_description d
    ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid AND d.objsubid = 0
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(a.attname::text ORDER BY a.attnum), '{}') AS names,
           coalesce(array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum), '{}')
               AS types,
           coalesce(array_agg(CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation
                                   THEN cn.nspname::text END ORDER BY a.attnum), '{}')
               AS collation_schemas,
           coalesce(array_agg(CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation
                                   THEN co.collname::text END ORDER BY a.attnum), '{}')
               AS collation_names,
           coalesce(array_agg(ad.description ORDER BY a.attnum), '{}') AS comments
    FROM pg_attribute a
    JOIN pg_type at ON at.oid = a.atttypid
    LEFT JOIN pg_collation co ON co.oid = a.attcollation
    LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
    LEFT JOIN pg_description ad
        ON ad.classoid = 'pg_class'::regclass AND ad.objoid = a.attrelid
       AND ad.objsubid = a.attnum
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
) cols
WHERE c.relkind IN ('v', 'm')
  AND NOT EXISTS (
      SELECT FROM pg_depend e
      WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
