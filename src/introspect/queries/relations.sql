-- Tables (relkind 'r'), partitioned tables ('p') and composite types ('c') in managed schemas,
-- not members of an extension. `rowtype`/`rowtype_array` let dependencies on the row type
-- map back to the relation. The comment of a composite type is on its pg_type row.
SELECT c.oid, c.reltype AS rowtype, t.typarray AS rowtype_array,
       m.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS kind,
       c.relpersistence = 'u' AS unlogged,
       coalesce(c.reloptions, '{}')::text[] AS reloptions,
       CASE c.relkind WHEN 'c' THEN dt.description ELSE dc.description END AS comment
FROM pg_class c
JOIN managed m ON m.oid = c.relnamespace
JOIN pg_type t ON t.oid = c.reltype
LEFT JOIN pg_description dc
    ON dc.classoid = 'pg_class'::regclass AND dc.objoid = c.oid AND dc.objsubid = 0
LEFT JOIN pg_description dt
    ON dt.classoid = 'pg_type'::regclass AND dt.objoid = c.reltype AND dt.objsubid = 0
WHERE c.relkind IN ('c', 'r', 'p')
  AND NOT EXISTS (
      SELECT FROM pg_depend e
      WHERE e.deptype = 'e'
        AND ((e.classid = 'pg_class'::regclass AND e.objid = c.oid)
          OR (e.classid = 'pg_type'::regclass AND e.objid = c.reltype)))
