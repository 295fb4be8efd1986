-- Owners and ACLs of every managed schema, relation (table, partitioned table, view,
-- materialized view, sequence), routine and type (enum, domain, range, standalone
-- composite), and of every column with an ACL of its own; not members of an extension.
-- When the ACL is not NULL, `grantees`/`privileges`/`grantable` explode it and
-- `default_grantees`/`default_privileges` explode `acldefault()` for the object's kind and
-- owner (a NULL grantee is PUBLIC); a NULL ACL is the default and explodes to nothing.
-- What differs from the defaults is kept in Rust (introspect/security.rs).
, objects (classid, objid, kind, schema, name, column_name, args, owner, acl, deftype) AS (
    SELECT 'pg_namespace'::regclass, n.oid, 'schema', n.nspname, NULL::name, NULL::name,
           NULL::text, n.nspowner, n.nspacl, 'n'::"char"
    FROM managed m JOIN pg_namespace n ON n.oid = m.oid
  UNION ALL
    SELECT 'pg_class'::regclass, c.oid,
           CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                          WHEN 'S' THEN 'sequence' ELSE 'table' END,
           m.nspname, c.relname, NULL::name, NULL::text, c.relowner, c.relacl,
           CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char"
    FROM pg_class c JOIN managed m ON m.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')
  UNION ALL
    SELECT 'pg_class'::regclass, c.oid, 'column', m.nspname, c.relname, a.attname,
           NULL::text, c.relowner, a.attacl, 'c'::"char"
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid JOIN managed m ON m.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attacl IS NOT NULL
  UNION ALL
    SELECT 'pg_proc'::regclass, p.oid, 'routine', m.nspname, p.proname, NULL::name,
           pg_get_function_identity_arguments(p.oid), p.proowner, p.proacl, 'f'::"char"
    FROM pg_proc p JOIN managed m ON m.oid = p.pronamespace
  UNION ALL
    SELECT 'pg_type'::regclass, t.oid, 'type', m.nspname, t.typname, NULL::name, NULL::text,
           t.typowner, t.typacl, 'T'::"char"
    FROM pg_type t JOIN managed m ON m.oid = t.typnamespace
    WHERE t.typtype IN ('e', 'd', 'r')
       OR (t.typtype = 'c' AND EXISTS (
               SELECT FROM pg_class r WHERE r.oid = t.typrelid AND r.relkind = 'c'))
)
SELECT o.kind, o.schema::text AS schema, o.name::text AS name, o.column_name::text AS column,
       o.args, pg_get_userbyid(o.owner)::text AS owner, o.acl IS NULL AS is_default,
       e.grantees, e.privileges, e.grantable,
       d.grantees AS default_grantees, d.privileges AS default_privileges
FROM objects o
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(CASE x.grantee WHEN 0 THEN NULL
                              ELSE pg_get_userbyid(x.grantee)::text END), '{}') AS grantees,
           coalesce(array_agg(x.privilege_type), '{}') AS privileges,
           coalesce(array_agg(x.is_grantable), '{}') AS grantable
    FROM aclexplode(o.acl) x
) e
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(CASE x.grantee WHEN 0 THEN NULL
                              ELSE pg_get_userbyid(x.grantee)::text END), '{}') AS grantees,
           coalesce(array_agg(x.privilege_type), '{}') AS privileges
    FROM aclexplode(CASE WHEN o.acl IS NULL THEN NULL
                         ELSE acldefault(o.deftype, o.owner) END) x
) d
WHERE NOT EXISTS (
    SELECT FROM pg_depend x
    WHERE x.classid = o.classid AND x.objid = o.objid AND x.deptype = 'e')
