-- Partitioned tables and partitions in managed schemas: the partition key of a partitioned
-- table (pg_get_partkeydef), the parent and bound of a partition. A bound holds only
-- constants, so it is deparsed without its table (relid 0: no lock, no relcache build).
SELECT c.oid,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_by,
       pn.nspname::text AS parent_schema, p.relname::text AS parent_name,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, 0) END AS bound
FROM pg_class c
JOIN managed m ON m.oid = c.relnamespace
LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
LEFT JOIN pg_class p ON p.oid = i.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = p.relnamespace
WHERE c.relkind IN ('r', 'p') AND (c.relkind = 'p' OR c.relispartition)
