-- Prefix of every per-schema query: the managed schemas.
-- $1 (text[]): the schemas named by the scope, or NULL for "every user schema", which
-- leaves out system schemas, TimescaleDB's internal ones and schemas owned by an extension
-- (pg_depend deptype 'e').
WITH managed AS (
    SELECT n.oid, n.nspname
    FROM pg_namespace n
    WHERE CASE
        WHEN $1::text[] IS NOT NULL THEN n.nspname = ANY ($1::text[])
        ELSE n.nspname NOT IN ('pg_catalog', 'information_schema', 'timescaledb_information',
                               'timescaledb_experimental', 'toolkit_experimental')
            AND n.nspname NOT LIKE 'pg\_toast%'
            AND n.nspname NOT LIKE 'pg\_temp\_%'
            AND n.nspname NOT LIKE '\_timescaledb\_%'
            AND NOT EXISTS (
                SELECT FROM pg_depend e
                WHERE e.classid = 'pg_namespace'::regclass AND e.objid = n.oid AND e.deptype = 'e')
    END
)
