-- Sequences in managed schemas with their options. owner_*: the column the sequence
-- belongs to, from its pg_depend row on that column: deptype 'a' for OWNED BY (serial),
-- 'i' for the sequence behind an identity column.
SELECT c.oid, m.nspname::text AS schema, c.relname::text AS name,
       format_type(s.seqtypid, NULL) AS data_type,
       s.seqstart AS start, s.seqincrement AS increment, s.seqmin AS min_value,
       s.seqmax AS max_value, s.seqcache AS cache, s.seqcycle AS cycle,
       o.refobjid AS owner_rel, o.refobjsubid AS owner_attnum,
       o.deptype::text AS owner_deptype,
       d.description AS comment
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN managed m ON m.oid = c.relnamespace
LEFT JOIN pg_depend o
    ON o.classid = 'pg_class'::regclass AND o.objid = c.oid AND o.objsubid = 0
   AND o.refclassid = 'pg_class'::regclass AND o.refobjsubid > 0 AND o.deptype IN ('a', 'i')
LEFT JOIN pg_description d
    ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid AND d.objsubid = 0
WHERE NOT EXISTS (
    SELECT FROM pg_depend e
    WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
