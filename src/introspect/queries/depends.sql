-- Every normal ('n') and automatic ('a') dependency of a user object that is not an
-- extension member, of the catalogs whose objects can be mapped (modelled kinds and those
-- unmanaged.sql lists), raw; mapped to ObjectIds in Rust with the OIDs the other queries
-- return. References to system objects (OID below FirstNormalObjectId, 16384) are skipped,
-- except schemas, so that `public` (OID 2200) is recorded too. ref_extension: the
-- extension the referenced object belongs to (directly, or through the element type of an
-- array type).
SELECT d.classid, d.objid, d.objsubid, d.refclassid, d.refobjid, d.refobjsubid,
       coalesce(x.refobjid, xe.refobjid) AS ref_extension
FROM pg_depend d
LEFT JOIN pg_depend x
    ON x.classid = d.refclassid AND x.objid = d.refobjid AND x.deptype = 'e'
LEFT JOIN pg_type at
    ON d.refclassid = 'pg_type'::regclass AND at.oid = d.refobjid AND at.typelem <> 0
   AND x.refobjid IS NULL
LEFT JOIN pg_depend xe
    ON xe.classid = 'pg_type'::regclass AND xe.objid = at.typelem AND xe.deptype = 'e'
WHERE d.deptype IN ('n', 'a')
  AND d.objid >= 16384
  AND d.classid IN ('pg_class'::regclass, 'pg_type'::regclass, 'pg_constraint'::regclass,
                    'pg_attrdef'::regclass, 'pg_extension'::regclass, 'pg_proc'::regclass,
                    'pg_rewrite'::regclass, 'pg_trigger'::regclass, 'pg_policy'::regclass,
                    'pg_collation'::regclass, 'pg_conversion'::regclass, 'pg_ts_config'::regclass,
                    'pg_ts_dict'::regclass, 'pg_ts_parser'::regclass, 'pg_ts_template'::regclass,
                    'pg_operator'::regclass, 'pg_opclass'::regclass, 'pg_opfamily'::regclass,
                    'pg_statistic_ext'::regclass, 'pg_event_trigger'::regclass,
                    'pg_publication'::regclass)
  AND NOT EXISTS (
      SELECT FROM pg_depend e
      WHERE e.classid = d.classid AND e.objid = d.objid AND e.deptype = 'e')
  AND (d.refobjid >= 16384 OR d.refclassid = 'pg_namespace'::regclass)
