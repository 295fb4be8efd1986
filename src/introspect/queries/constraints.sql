-- PRIMARY KEY, UNIQUE, FOREIGN KEY, CHECK and EXCLUDE constraints of tables in managed
-- schemas. Version notes:
--   * PostgreSQL 18 also stores NOT NULL as pg_constraint rows (contype 'n'): the contype
--     filter leaves them out; NOT NULL stays a column property (attnotnull).
--   * PostgreSQL 18 adds NOT ENFORCED (conenforced). Such a constraint has convalidated
--     false but is not "waiting for VALIDATE": pg_get_constraintdef prints NOT ENFORCED
--     instead of NOT VALID. So `validated` is a placeholder filled in per version (see
--     queries.rs): convalidated before 18; from 18 also true when conenforced is false.
-- index_keys: the attnums of every column of the backing index (key and INCLUDE columns,
-- 0 for an expression), from which PostgreSQL derived the generated name.
-- inherited: a partition's constraint that comes from its parent (a CHECK with conislocal
-- false, a clone of the parent's key or foreign key with conparentid set).
-- referenced_side: the clones PostgreSQL adds on the referencing table of a foreign key to a
-- partitioned table, one per partition referenced (their confrelid is not their parent's).
SELECT c.oid, c.conrelid AS rel, c.conname::text AS name, c.contype::text AS kind,
       pg_get_constraintdef(c.oid) AS definition,
       coalesce(c.conkey, '{}') AS conkey,
       CASE WHEN c.contype IN ('p', 'u', 'x') THEN c.conindid END AS index_oid,
       coalesce(i.indkey::int2[], '{}') AS index_keys,
       rn.nspname::text AS ref_schema, r.relname::text AS ref_name,
       c.condeferrable AS deferrable, c.condeferred AS deferred,
       {{VALIDATED}} AS validated,
       (NOT c.conislocal OR c.conparentid <> 0) AS inherited,
       coalesce(c.contype = 'f' AND c.confrelid <> pc.confrelid, false) AS referenced_side,
       d.description AS comment
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN managed m ON m.oid = t.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = c.conindid AND c.contype IN ('p', 'u', 'x')
LEFT JOIN pg_class r ON r.oid = c.confrelid AND c.contype = 'f'
LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
LEFT JOIN pg_constraint pc ON pc.oid = c.conparentid AND c.conparentid <> 0
LEFT JOIN pg_description d
    ON d.classoid = 'pg_constraint'::regclass AND d.objoid = c.oid AND d.objsubid = 0
WHERE c.contype IN ('p', 'u', 'f', 'c', 'x')
  AND t.relkind IN ('r', 'p')
