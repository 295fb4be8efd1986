-- Enum types in managed schemas, labels in enumsortorder, not members of an extension.
-- `array_oid` lets dependencies on the array type map to the enum.
SELECT t.oid, t.typarray AS array_oid, m.nspname::text AS schema, t.typname::text AS name,
       coalesce(array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                FILTER (WHERE e.oid IS NOT NULL), '{}') AS labels,
       d.description AS comment
FROM pg_type t
JOIN managed m ON m.oid = t.typnamespace
LEFT JOIN pg_enum e ON e.enumtypid = t.oid
LEFT JOIN pg_description d
    ON d.classoid = 'pg_type'::regclass AND d.objoid = t.oid AND d.objsubid = 0
WHERE t.typtype = 'e'
  AND NOT EXISTS (
      SELECT FROM pg_depend x
      WHERE x.classid = 'pg_type'::regclass AND x.objid = t.oid AND x.deptype = 'e')
GROUP BY t.oid, t.typarray, m.nspname, t.typname, d.description
