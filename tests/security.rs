//! Privileges, default privileges, policies and row-level security against a real
//! PostgreSQL: what introspection reads (relative to PostgreSQL's defaults), that a fresh
//! object costs no spurious GRANT or REVOKE, how missing roles are reported (and created
//! when asked), and ownership only when asked.

mod support;

use libtest_mimic::Failed;
use schemadiff::apply::ApplyOptions;
use schemadiff::catalog::security::{Acl, DefaultAclKey, DefaultObjectType, Grant};
use schemadiff::catalog::{Catalog, Grantee, Ident, ObjectId, PolicyCommand, QualName};
use schemadiff::conn::ConnTarget;
use schemadiff::introspect::{introspect, Scope};
use schemadiff::plan::{Hazard, PlanError, PlanOptions};
use schemadiff::source::SourceError;
use schemadiff::workflow::{self, Desired, DevChoice, Error};
use support::suite::{Case, Env};

fn main() {
    let cases: &[(&str, Case)] = &[
        ("introspection_is_relative_to_defaults", introspection),
        (
            "a_fresh_table_costs_no_spurious_grant_or_revoke",
            fresh_table,
        ),
        (
            "missing_roles_on_the_target_are_reported",
            missing_role_target,
        ),
        (
            "missing_roles_in_the_dev_database_are_explained",
            missing_role_dev,
        ),
        (
            "missing_roles_created_when_the_plan_manages_roles",
            managed_roles,
        ),
        ("ownership_only_when_asked", ownership),
    ];
    support::suite::run(cases);
}

fn q(schema: &str, name: &str) -> QualName {
    QualName::new(schema, name)
}

fn role(name: &str) -> Grantee {
    Grantee::Role(Ident::new(name))
}

fn grant(grantee: Grantee, privilege: &str, grantable: bool) -> Grant {
    Grant {
        grantee,
        privilege: privilege.into(),
        grantable,
    }
}

/// `CREATE ROLE` for each role unless it exists (roles are cluster-wide).
fn roles_sql(roles: &[&str]) -> String {
    roles
        .iter()
        .map(|r| {
            format!(
                "DO $$ BEGIN CREATE ROLE {} NOLOGIN; \
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;\n",
                Ident::new(*r)
            )
        })
        .collect()
}

async fn db_with(env: &Env, label: &str, sql: &str) -> Result<ConnTarget, Failed> {
    let target = env.harness.fresh_db(label).await;
    let client = target.connect().await.map_err(|e| e.to_string())?;
    client
        .batch_execute(sql)
        .await
        .map_err(|e| format!("{label}: {}", schemadiff::conn::describe_error(&e)))?;
    Ok(target)
}

async fn catalog_of(target: &ConnTarget) -> Result<Catalog, Failed> {
    let client = target.connect().await.map_err(|e| e.to_string())?;
    Ok(introspect(&client, &Scope::default())
        .await
        .map_err(|e| e.to_string())?)
}

/// Desired files in a temporary directory, loaded as `dev` says.
fn desired(dir: &tempfile::TempDir, sql: &str, dev: DevChoice) -> Desired {
    std::fs::write(dir.path().join("schema.sql"), sql).expect("write desired file");
    Desired {
        dev,
        ..support::suite::desired(vec![dir.path().to_path_buf()], None)
    }
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), Failed> {
    if ok {
        Ok(())
    } else {
        Err(what().into())
    }
}

const INTROSPECTION_DDL: &str = r#"
CREATE SCHEMA app;
CREATE TABLE app.plain (id int PRIMARY KEY, secret text, public_note text);
CREATE TABLE app.regranted (id int);
GRANT SELECT ON app.regranted TO sd_i_reader;
REVOKE SELECT ON app.regranted FROM sd_i_reader;
GRANT SELECT, UPDATE ON app.plain TO sd_i_reader WITH GRANT OPTION;
GRANT SELECT (public_note), UPDATE (public_note) ON app.plain TO sd_i_writer;
GRANT USAGE ON SCHEMA app TO sd_i_reader;
REVOKE TRUNCATE ON app.plain FROM CURRENT_USER;
CREATE SEQUENCE app.counter;
GRANT USAGE ON SEQUENCE app.counter TO PUBLIC;
CREATE FUNCTION app.open_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION app.closed_fn(a int, VARIADIC b text[]) RETURNS int LANGUAGE sql AS 'SELECT 1';
REVOKE EXECUTE ON FUNCTION app.closed_fn(int, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.closed_fn(int, text[]) TO sd_i_writer;
CREATE DOMAIN app.amount AS numeric;
REVOKE USAGE ON DOMAIN app.amount FROM PUBLIC;
CREATE TYPE app.mood AS ENUM ('ok');
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO sd_i_reader;
ALTER TABLE app.plain ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.plain FORCE ROW LEVEL SECURITY;
CREATE POLICY readers ON app.plain AS RESTRICTIVE FOR SELECT TO sd_i_reader, sd_i_writer
    USING (id > 0);
CREATE POLICY everyone ON app.plain FOR INSERT WITH CHECK (secret IS NULL);
COMMENT ON POLICY everyone ON app.plain IS 'anyone may insert public rows';
"#;

fn introspection(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let sql = roles_sql(&["sd_i_reader", "sd_i_writer"]) + INTROSPECTION_DDL;
        let target = db_with(env, "introspection", &sql).await?;
        let cat = catalog_of(&target).await?;
        env.harness.drop_db(&target).await;
        let p = &cat.privileges;
        let me = p.creator.clone().ok_or("no creator")?;
        check(me.as_str() == "postgres", || format!("creator {me}"))?;
        check(
            p.roles
                .as_ref()
                .is_some_and(|r| r.contains(&Ident::new("sd_i_reader"))),
            || "roles not read".into(),
        )?;
        let obj = |id: ObjectId| {
            p.objects
                .get(&id)
                .cloned()
                .ok_or_else(|| format!("{id} has no privileges entry"))
        };

        let plain = obj(ObjectId::Table {
            name: q("app", "plain"),
        })?;
        check(plain.owner == me, || format!("owner {}", plain.owner))?;
        let want = Acl {
            granted: [
                grant(role("sd_i_reader"), "SELECT", true),
                grant(role("sd_i_reader"), "UPDATE", true),
            ]
            .into(),
            public_revoked: Default::default(),
            owner_revoked: ["TRUNCATE".to_string()].into(),
        };
        check(plain.acl == want, || format!("app.plain: {:?}", plain.acl))?;

        let regranted = obj(ObjectId::Table {
            name: q("app", "regranted"),
        })?;
        check(regranted.acl.is_default(), || {
            format!("an ACL equal to the default: {:?}", regranted.acl)
        })?;
        let pk_free = obj(ObjectId::Column {
            table: q("app", "plain"),
            column: "public_note".into(),
        })?;
        check(
            pk_free.acl.granted
                == [
                    grant(role("sd_i_writer"), "SELECT", false),
                    grant(role("sd_i_writer"), "UPDATE", false),
                ]
                .into(),
            || format!("column: {:?}", pk_free.acl),
        )?;
        check(
            !p.objects.contains_key(&ObjectId::Column {
                table: q("app", "plain"),
                column: "secret".into(),
            }),
            || "a column without an ACL is not listed".into(),
        )?;
        let schema = obj(ObjectId::Schema { name: "app".into() })?;
        check(
            schema.acl.granted == [grant(role("sd_i_reader"), "USAGE", false)].into(),
            || format!("schema: {:?}", schema.acl),
        )?;
        let public_schema = obj(ObjectId::Schema {
            name: "public".into(),
        })?;
        check(public_schema.owner.as_str() == "pg_database_owner", || {
            format!("public owned by {}", public_schema.owner)
        })?;
        let seq = obj(ObjectId::Sequence {
            name: q("app", "counter"),
        })?;
        check(
            seq.acl.granted == [grant(Grantee::Public, "USAGE", false)].into(),
            || format!("sequence: {:?}", seq.acl),
        )?;
        let open = obj(ObjectId::Function {
            name: q("app", "open_fn"),
            args: String::new(),
        })?;
        check(open.acl.is_default(), || format!("open_fn: {:?}", open.acl))?;
        let closed = obj(ObjectId::Function {
            name: q("app", "closed_fn"),
            args: "a integer, VARIADIC b text[]".into(),
        })?;
        check(
            closed.acl.public_revoked == ["EXECUTE".to_string()].into()
                && closed.acl.granted == [grant(role("sd_i_writer"), "EXECUTE", false)].into(),
            || format!("closed_fn: {:?}", closed.acl),
        )?;
        let amount = obj(ObjectId::Type {
            name: q("app", "amount"),
        })?;
        check(
            amount.acl.public_revoked == ["USAGE".to_string()].into(),
            || format!("domain: {:?}", amount.acl),
        )?;
        check(
            obj(ObjectId::Type {
                name: q("app", "mood"),
            })?
            .acl
            .is_default(),
            || "enum".into(),
        )?;

        let global = DefaultAclKey {
            role: me.clone(),
            schema: None,
            objtype: DefaultObjectType::Functions,
        };
        check(
            p.defaults.get(&global).map(|a| &a.public_revoked)
                == Some(&["EXECUTE".to_string()].into()),
            || format!("global default privileges: {:?}", p.defaults),
        )?;
        let in_app = DefaultAclKey {
            role: me.clone(),
            schema: Some("app".into()),
            objtype: DefaultObjectType::Tables,
        };
        check(
            p.defaults.get(&in_app).map(|a| &a.granted)
                == Some(&[grant(role("sd_i_reader"), "SELECT", false)].into()),
            || format!("schema default privileges: {:?}", p.defaults),
        )?;

        let rls = cat.row_security.get(&q("app", "plain")).ok_or("no RLS")?;
        check(rls.enabled && rls.forced, || format!("{rls:?}"))?;
        let policies = cat.policies.get(&q("app", "plain")).ok_or("no policies")?;
        let readers = &policies[&Ident::new("readers")];
        check(
            !readers.permissive
                && readers.command == PolicyCommand::Select
                && readers.roles == [role("sd_i_reader"), role("sd_i_writer")].into()
                && readers.using.as_deref() == Some("(id > 0)")
                && readers.with_check.is_none(),
            || format!("{readers:?}"),
        )?;
        let everyone = &policies[&Ident::new("everyone")];
        check(
            everyone.permissive
                && everyone.command == PolicyCommand::Insert
                && everyone.roles == [Grantee::Public].into()
                && everyone.using.is_none()
                && everyone.with_check.as_deref() == Some("(secret IS NULL)")
                && everyone.comment.as_deref() == Some("anyone may insert public rows"),
            || format!("{everyone:?}"),
        )?;
        let pid = ObjectId::Policy {
            table: q("app", "plain"),
            name: "everyone".into(),
        };
        check(
            cat.dependencies_of(&pid).any(|d| {
                d == &ObjectId::Column {
                    table: q("app", "plain"),
                    column: "secret".into(),
                }
            }),
            || format!("policy dependencies: {:?}", cat.depends.get(&pid)),
        )?;
        check(!cat.unmanaged.iter().any(|u| u.kind == "policy"), || {
            "policies are no longer unmanaged".into()
        })
    })
}

/// Many tables with grants and default privileges, then one table more: the plan creates it
/// and grants nothing it does not declare, revokes nothing.
fn fresh_table(env: &Env) -> Result<(), Failed> {
    let mut sql = roles_sql(&["sd_f_svc", "sd_f_ro"]);
    sql.push_str("CREATE SCHEMA svc;\n");
    sql.push_str("GRANT USAGE ON SCHEMA svc TO sd_f_svc, sd_f_ro;\n");
    sql.push_str(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA svc GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sd_f_svc;\n",
    );
    sql.push_str("ALTER DEFAULT PRIVILEGES IN SCHEMA svc GRANT SELECT ON TABLES TO sd_f_ro;\n");
    sql.push_str("ALTER DEFAULT PRIVILEGES IN SCHEMA svc GRANT USAGE ON SEQUENCES TO sd_f_svc;\n");
    for i in 0..40 {
        sql.push_str(&format!(
            "CREATE TABLE svc.t{i} (id bigserial PRIMARY KEY, v text);\n\
             CREATE FUNCTION svc.f{i}() RETURNS int LANGUAGE sql AS 'SELECT {i}';\n"
        ));
    }
    let mut after = sql.clone();
    after.push_str("CREATE TABLE svc.fresh (id bigserial PRIMARY KEY, v text);\n");
    env.rt.block_on(async {
        let target = db_with(env, "fresh table", &sql).await?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let want = desired(&dir, &after, DevChoice::TargetServer);
        let planned = workflow::plan_target(&target, &want, &PlanOptions::default())
            .await
            .map_err(|e| e.to_string());
        env.harness.drop_db(&target).await;
        let planned = planned?;
        let sql: Vec<&str> = planned.plan.steps.iter().map(|s| s.sql.as_str()).collect();
        let expected = [
            "CREATE SEQUENCE svc.fresh_id_seq",
            "CREATE TABLE svc.fresh",
            "ALTER SEQUENCE svc.fresh_id_seq OWNED BY svc.fresh.id",
        ];
        check(
            sql.len() == expected.len() && sql.iter().zip(expected).all(|(s, e)| s.starts_with(e)),
            || format!("the plan should only create the table: {sql:#?}"),
        )?;
        check(planned.plan.hazard_kinds().is_empty(), || {
            format!("hazards: {:?}", planned.plan.hazard_kinds())
        })
    })
}

fn missing_role_target(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let target = db_with(env, "missing role", "CREATE TABLE t (id int);").await?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let want = desired(
            &dir,
            "CREATE TABLE t (id int);\nGRANT SELECT ON t TO sd_only_in_dev;\n",
            DevChoice::Embedded,
        );
        let got = workflow::plan_target(&target, &want, &PlanOptions::default()).await;
        env.harness.drop_db(&target).await;
        match got {
            Err(Error::Plan(PlanError::MissingRoles { roles })) => check(
                roles.len() == 1 && roles[0].starts_with("sd_only_in_dev (needed by `GRANT SELECT ON TABLE public.t TO sd_only_in_dev`)"),
                || format!("{roles:?}"),
            ),
            Err(e) => Err(format!("expected missing roles, got {e}").into()),
            Ok(p) => Err(format!("expected an error, got {} steps", p.plan.steps.len()).into()),
        }
    })
}

fn missing_role_dev(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let target = db_with(env, "missing role dev", "CREATE TABLE t (id int);").await?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let want = desired(
            &dir,
            "CREATE TABLE t (id int);\nGRANT SELECT ON t TO sd_nowhere;\n",
            DevChoice::TargetServer,
        );
        let got = workflow::plan_target(&target, &want, &PlanOptions::default()).await;
        env.harness.drop_db(&target).await;
        match got {
            Err(Error::Source(SourceError::Rejected { message, help, .. })) => check(
                message.contains("sd_nowhere") && help.contains("CREATE ROLE sd_nowhere NOLOGIN"),
                || format!("{message}\n{help}"),
            ),
            Err(e) => Err(format!("expected a rejected statement, got {e}").into()),
            Ok(_) => Err("expected an error".into()),
        }
    })
}

fn managed_roles(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let target = db_with(env, "managed roles", "CREATE TABLE t (id int);").await?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let want = desired(
            &dir,
            "CREATE TABLE t (id int);\n\
             GRANT SELECT ON t TO sd_made_by_plan;\n\
             ALTER TABLE t ENABLE ROW LEVEL SECURITY;\n\
             CREATE POLICY mine ON t TO sd_made_by_plan USING (id > 0);\n",
            DevChoice::Embedded,
        );
        let opts = PlanOptions {
            manage_roles: true,
            ..PlanOptions::default()
        };
        let apply = ApplyOptions {
            allowed: Hazard::ALL.into_iter().collect(),
            ..ApplyOptions::default()
        };
        let applied =
            workflow::apply_target(&target, &want, &opts, &apply, None, &mut |_| {}).await;
        let after = catalog_of(&target).await;
        env.harness.drop_db(&target).await;
        let applied = applied.map_err(|e| e.to_string())?;
        let first = &applied.plan.steps[0].sql;
        check(first == "CREATE ROLE sd_made_by_plan NOLOGIN", || {
            format!("first step: {first}")
        })?;
        let after = after?;
        check(
            after
                .privileges
                .roles
                .as_ref()
                .is_some_and(|r| r.contains(&Ident::new("sd_made_by_plan"))),
            || "the role was not created".into(),
        )
    })
}

fn ownership(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let base = roles_sql(&["sd_o_owner"]) + "CREATE TABLE t (id int);\nCREATE SCHEMA s;\n";
        let target = db_with(env, "ownership", &base).await?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let want = desired(
            &dir,
            "CREATE TABLE t (id int);\nCREATE SCHEMA s;\nALTER TABLE t OWNER TO sd_o_owner;\n\
             GRANT SELECT ON t TO postgres;\n",
            DevChoice::TargetServer,
        );
        let result = async {
            let plain = workflow::plan_target(&target, &want, &PlanOptions::default())
                .await
                .map_err(|e| e.to_string())?;
            check(plain.plan.is_empty(), || {
                format!(
                    "owners are not managed by default: {:?}",
                    plain.plan.steps.iter().map(|s| &s.sql).collect::<Vec<_>>()
                )
            })?;
            let opts = PlanOptions {
                manage_ownership: true,
                ..PlanOptions::default()
            };
            let apply = ApplyOptions {
                allowed: Hazard::ALL.into_iter().collect(),
                ..ApplyOptions::default()
            };
            let applied = workflow::apply_target(&target, &want, &opts, &apply, None, &mut |_| {})
                .await
                .map_err(|e| e.to_string())?;
            let sql: Vec<&str> = applied.plan.steps.iter().map(|s| s.sql.as_str()).collect();
            check(
                sql == [
                    "ALTER TABLE public.t OWNER TO sd_o_owner",
                    "GRANT SELECT ON TABLE public.t TO postgres",
                ],
                || format!("steps: {sql:?}"),
            )?;
            let after = catalog_of(&target).await?;
            let owner = &after.privileges.objects[&ObjectId::Table {
                name: q("public", "t"),
            }]
                .owner;
            check(owner.as_str() == "sd_o_owner", || format!("owner {owner}"))
        }
        .await;
        env.harness.drop_db(&target).await;
        result
    })
}
