-- Installed extensions except plpgsql (always present), wherever their objects live.
SELECT x.oid, x.extname::text AS name, n.nspname::text AS schema, x.extversion AS version,
       d.description AS comment
FROM pg_extension x
JOIN pg_namespace n ON n.oid = x.extnamespace
LEFT JOIN pg_description d
    ON d.classoid = 'pg_extension'::regclass AND d.objoid = x.oid AND d.objsubid = 0
WHERE x.extname <> 'plpgsql'
