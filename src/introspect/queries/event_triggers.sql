-- Event triggers (database-wide) whose function is in a managed schema, not members of
-- an extension.
SELECT e.oid, e.evtname::text AS name, e.evtevent::text AS event,
       coalesce(e.evttags, '{}') AS tags, e.evtenabled::text AS enabled,
       m.nspname::text AS function_schema, f.proname::text AS function_name,
       d.description AS comment
FROM pg_event_trigger e
JOIN pg_proc f ON f.oid = e.evtfoid
JOIN managed m ON m.oid = f.pronamespace
LEFT JOIN pg_description d
    ON d.classoid = 'pg_event_trigger'::regclass AND d.objoid = e.oid AND d.objsubid = 0
WHERE NOT EXISTS (
    SELECT FROM pg_depend x
    WHERE x.classid = 'pg_event_trigger'::regclass AND x.objid = e.oid AND x.deptype = 'e')
