-- Columns of the relations of relations.sql (same filter), attnum > 0, not dropped. A
-- partition's columns are all listed, though they come from its parent.
-- default: pg_get_expr of a plain default ('' = not generated); generation: the expression
-- of a generated column with its kind ('s' stored; 'v' virtual exists from PostgreSQL 18).
-- A plain default cannot reference columns, so it is deparsed without its table (relid 0):
-- with a relid, pg_get_expr opens and locks the table, which costs a relcache build per
-- table on a fresh connection. The collation is returned only when it differs from the
-- default collation of the column's type. `attrdef` maps dependencies of the default back
-- to the column.
SELECT a.attrelid AS rel, a.attnum, a.attname::text AS name,
       format_type(a.atttypid, a.atttypmod) AS data_type,
       a.attnotnull AS not_null,
       a.attidentity::text AS identity,
       a.attgenerated::text AS generated,
       ad.oid AS attrdef,
       pg_get_expr(ad.adbin, CASE WHEN a.attgenerated = '' THEN 0 ELSE ad.adrelid END) AS expr,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
            THEN cn.nspname::text END AS collation_schema,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
            THEN co.collname::text END AS collation_name,
       d.description AS comment
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN managed m ON m.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_description d
    ON d.classoid = 'pg_class'::regclass AND d.objoid = a.attrelid AND d.objsubid = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('c', 'r', 'p')
ORDER BY a.attrelid, a.attnum
