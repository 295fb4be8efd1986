-- `ALTER DEFAULT PRIVILEGES` entries (pg_default_acl): those for a managed schema, and
-- those for the whole database when every schema is managed ($1 NULL). Exploded as in
-- privileges.sql; the defaults an entry for the whole database is relative to are
-- `acldefault()` of its kind for its role, while an entry for one schema only adds.
SELECT pg_get_userbyid(a.defaclrole)::text AS role, n.nspname::text AS schema,
       a.defaclobjtype::text AS objtype,
       e.grantees, e.privileges, e.grantable,
       d.grantees AS default_grantees, d.privileges AS default_privileges
FROM pg_default_acl a
LEFT JOIN pg_namespace n ON n.oid = a.defaclnamespace
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(CASE x.grantee WHEN 0 THEN NULL
                              ELSE pg_get_userbyid(x.grantee)::text END), '{}') AS grantees,
           coalesce(array_agg(x.privilege_type), '{}') AS privileges,
           coalesce(array_agg(x.is_grantable), '{}') AS grantable
    FROM aclexplode(a.defaclacl) x
) e
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(CASE x.grantee WHEN 0 THEN NULL
                              ELSE pg_get_userbyid(x.grantee)::text END), '{}') AS grantees,
           coalesce(array_agg(x.privilege_type), '{}') AS privileges
    FROM aclexplode(CASE WHEN a.defaclnamespace <> 0 THEN NULL
                         ELSE acldefault(CASE a.defaclobjtype WHEN 'S' THEN 's'
                                         ELSE a.defaclobjtype END, a.defaclrole) END) x
) d
WHERE (a.defaclnamespace = 0 AND $1::text[] IS NULL)
   OR a.defaclnamespace IN (SELECT oid FROM managed)
