-- Functions, procedures and aggregates in managed schemas, neither members of an extension
-- nor part of another object (deptype 'i': the constructors of a range type).
-- `definition` is pg_get_functiondef, except for aggregates (which it refuses): their
-- `CREATE OR REPLACE AGGREGATE` is built here from pg_aggregate, naming only what differs
-- from the defaults, as pg_dump does. With search_path = pg_catalog every type, function
-- and operator outside pg_catalog comes out qualified.
SELECT p.oid, m.nspname::text AS schema, p.proname::text AS name,
       pg_get_function_identity_arguments(p.oid) AS args,
       oidvectortypes(p.proargtypes) AS signature,
       p.prokind::text AS kind,
       CASE WHEN p.prokind = 'a' THEN
           'CREATE OR REPLACE AGGREGATE ' || quote_ident(m.nspname) || '.' || quote_ident(p.proname)
           || '(' || CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_get_function_arguments(p.oid) END
           || ') (' || array_to_string(ARRAY[
               'SFUNC = ' || a.aggtransfn::regproc::text,
               'STYPE = ' || format_type(a.aggtranstype, NULL),
               CASE WHEN a.aggtransspace <> 0 THEN 'SSPACE = ' || a.aggtransspace END,
               CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC = ' || a.aggfinalfn::regproc::text END,
               CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END,
               CASE WHEN a.aggfinalmodify <> CASE a.aggkind WHEN 'n' THEN 'r' ELSE 'w' END
                    THEN 'FINALFUNC_MODIFY = ' || CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY'
                         WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
               CASE WHEN a.aggcombinefn <> 0 THEN 'COMBINEFUNC = ' || a.aggcombinefn::regproc::text END,
               CASE WHEN a.aggserialfn <> 0 THEN 'SERIALFUNC = ' || a.aggserialfn::regproc::text END,
               CASE WHEN a.aggdeserialfn <> 0 THEN 'DESERIALFUNC = ' || a.aggdeserialfn::regproc::text END,
               CASE WHEN a.agginitval IS NOT NULL THEN 'INITCOND = ' || quote_literal(a.agginitval) END,
               CASE WHEN a.aggmtransfn <> 0 THEN 'MSFUNC = ' || a.aggmtransfn::regproc::text END,
               CASE WHEN a.aggminvtransfn <> 0 THEN 'MINVFUNC = ' || a.aggminvtransfn::regproc::text END,
               CASE WHEN a.aggmtranstype <> 0 THEN 'MSTYPE = ' || format_type(a.aggmtranstype, NULL) END,
               CASE WHEN a.aggmtransspace <> 0 THEN 'MSSPACE = ' || a.aggmtransspace END,
               CASE WHEN a.aggmfinalfn <> 0 THEN 'MFINALFUNC = ' || a.aggmfinalfn::regproc::text END,
               CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END,
               CASE WHEN a.aggmtransfn <> 0
                         AND a.aggmfinalmodify <> CASE a.aggkind WHEN 'n' THEN 'r' ELSE 'w' END
                    THEN 'MFINALFUNC_MODIFY = ' || CASE a.aggmfinalmodify WHEN 'r' THEN 'READ_ONLY'
                         WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
               CASE WHEN a.aggminitval IS NOT NULL THEN 'MINITCOND = ' || quote_literal(a.aggminitval) END,
               CASE WHEN a.aggsortop <> 0 THEN 'SORTOP = OPERATOR('
                    || quote_ident(opn.nspname) || '.' || op.oprname || ')' END,
               CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE'
                                  WHEN 'r' THEN 'PARALLEL = RESTRICTED' END,
               CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END
           ], ', ') || ')'
       ELSE pg_get_functiondef(p.oid) END AS definition,
       pg_get_function_result(p.oid) AS result,
       coalesce(p.proargnames, '{}') AS arg_names,
       coalesce(p.proargmodes::text[], '{}') AS arg_modes,
       p.pronargdefaults AS arg_defaults,
       l.lanname::text AS language,
       CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable'
                          ELSE 'volatile' END AS volatility,
       p.prosecdef AS security_definer, p.proisstrict AS strict,
       CASE p.proparallel WHEN 's' THEN 'safe' WHEN 'r' THEN 'restricted'
                          ELSE 'unsafe' END AS parallel,
       p.proleakproof AS leakproof,
       p.procost::text AS cost, p.prorows::text AS rows,
       coalesce(p.proconfig, '{}') AS config,
       p.prosqlbody IS NOT NULL AS sql_body,
       d.description AS comment
FROM pg_proc p
JOIN managed m ON m.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
LEFT JOIN pg_operator op ON op.oid = a.aggsortop
LEFT JOIN pg_namespace opn ON opn.oid = op.oprnamespace
LEFT JOIN pg_description d
    ON d.classoid = 'pg_proc'::regclass AND d.objoid = p.oid AND d.objsubid = 0
WHERE NOT EXISTS (
    SELECT FROM pg_depend e
    WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype IN ('e', 'i'))
