-- Objects of kinds schemadiff does not model yet, in managed schemas (publications belong
-- to no schema and are all listed), not members of an extension. Routines are modelled
-- except those that are part of another object (the constructors of a range type);
-- triggers except those on foreign tables.
-- `listed` is false for rows that only map an OID for dependencies (none at the moment).
-- `identity` is pg_identify_object's, except for table inheritance, which is no object of
-- its own: `child inherits parent`, listed under pg_inherits and the child's OID.
, objects (classid, objid, kind, listed, identity) AS (
    SELECT 'pg_class'::regclass, c.oid,
           'foreign table',
           true, NULL::text
    FROM pg_class c JOIN managed m ON m.oid = c.relnamespace
    WHERE c.relkind = 'f'
  UNION ALL
    SELECT 'pg_inherits'::regclass, c.oid, 'table inheritance', true,
           (pg_identify_object('pg_class'::regclass, c.oid, 0)).identity || ' inherits '
           || (pg_identify_object('pg_class'::regclass, i.inhparent, 0)).identity
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid JOIN managed m ON m.oid = c.relnamespace
    WHERE NOT c.relispartition
      AND NOT EXISTS (
          SELECT FROM pg_depend e
          WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
  UNION ALL
    SELECT 'pg_rewrite'::regclass, r.oid, 'rule', true, NULL::text
    FROM pg_rewrite r
    JOIN pg_class c ON c.oid = r.ev_class JOIN managed m ON m.oid = c.relnamespace
    WHERE r.rulename <> '_RETURN'
  UNION ALL
    SELECT 'pg_proc'::regclass, p.oid, 'function', true, NULL::text
    FROM pg_proc p JOIN managed m ON m.oid = p.pronamespace
    WHERE EXISTS (
        SELECT FROM pg_depend i
        WHERE i.classid = 'pg_proc'::regclass AND i.objid = p.oid AND i.deptype = 'i')
  UNION ALL
    SELECT 'pg_trigger'::regclass, g.oid, 'trigger', true, NULL::text
    FROM pg_trigger g
    JOIN pg_class c ON c.oid = g.tgrelid JOIN managed m ON m.oid = c.relnamespace
    WHERE NOT g.tgisinternal AND c.relkind = 'f'
  UNION ALL
    SELECT 'pg_type'::regclass, t.oid,
           CASE t.typtype WHEN 'r' THEN 'range type' WHEN 'p' THEN 'shell type'
                          ELSE 'base type' END,
           true, NULL::text
    FROM pg_type t JOIN managed m ON m.oid = t.typnamespace
    WHERE t.typtype IN ('b', 'r', 'p')
      AND NOT EXISTS (SELECT FROM pg_type a WHERE a.typarray = t.oid)
  UNION ALL
    SELECT 'pg_collation'::regclass, o.oid, 'collation', true, NULL::text
    FROM pg_collation o JOIN managed m ON m.oid = o.collnamespace
  UNION ALL
    SELECT 'pg_conversion'::regclass, o.oid, 'conversion', true, NULL::text
    FROM pg_conversion o JOIN managed m ON m.oid = o.connamespace
  UNION ALL
    SELECT 'pg_ts_config'::regclass, o.oid, 'text search configuration', true, NULL::text
    FROM pg_ts_config o JOIN managed m ON m.oid = o.cfgnamespace
  UNION ALL
    SELECT 'pg_ts_dict'::regclass, o.oid, 'text search dictionary', true, NULL::text
    FROM pg_ts_dict o JOIN managed m ON m.oid = o.dictnamespace
  UNION ALL
    SELECT 'pg_ts_parser'::regclass, o.oid, 'text search parser', true, NULL::text
    FROM pg_ts_parser o JOIN managed m ON m.oid = o.prsnamespace
  UNION ALL
    SELECT 'pg_ts_template'::regclass, o.oid, 'text search template', true, NULL::text
    FROM pg_ts_template o JOIN managed m ON m.oid = o.tmplnamespace
  UNION ALL
    SELECT 'pg_operator'::regclass, o.oid, 'operator', true, NULL::text
    FROM pg_operator o JOIN managed m ON m.oid = o.oprnamespace
  UNION ALL
    SELECT 'pg_opclass'::regclass, o.oid, 'operator class', true, NULL::text
    FROM pg_opclass o JOIN managed m ON m.oid = o.opcnamespace
  UNION ALL
    SELECT 'pg_opfamily'::regclass, o.oid, 'operator family', true, NULL::text
    FROM pg_opfamily o JOIN managed m ON m.oid = o.opfnamespace
  UNION ALL
    SELECT 'pg_statistic_ext'::regclass, o.oid, 'statistics object', true, NULL::text
    FROM pg_statistic_ext o JOIN managed m ON m.oid = o.stxnamespace
  UNION ALL
    SELECT 'pg_publication'::regclass, o.oid, 'publication', true, NULL::text
    FROM pg_publication o
)
SELECT o.classid::oid AS classid, o.objid, o.kind, o.listed,
       coalesce(o.identity, (pg_identify_object(o.classid, o.objid, 0)).identity) AS identity
FROM objects o
WHERE NOT EXISTS (
    SELECT FROM pg_depend e
    WHERE e.classid = o.classid AND e.objid = o.objid AND e.deptype = 'e')
