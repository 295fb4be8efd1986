//! Reference data against a real PostgreSQL: seed files converge (the second plan is
//! empty), an edited row updates exactly its changed column, deletion only with
//! `delete: true`, lookups, CSV and YAML, rows that survive a schema change, bad seed files
//! as diagnostics at file:line that change nothing, and drift of a changed row.

mod support;

use libtest_mimic::Failed;
use schemadiff::apply::ApplyOptions;
use schemadiff::conn::ConnTarget;
use schemadiff::plan::{Action, PlanOptions};
use schemadiff::seeds::SeedError;
use schemadiff::workflow::{self, Desired, Error};
use support::suite::{Case, Env};

fn main() {
    let cases: &[(&str, Case)] = &[
        (
            "yaml_csv_and_lookups_converge_from_an_empty_database",
            converge,
        ),
        ("an_edited_row_updates_exactly_that_column", edited_row),
        (
            "a_removed_row_is_deleted_only_with_delete_true",
            removed_row,
        ),
        ("reference_data_survives_a_schema_change", schema_change),
        ("bad_seed_files_are_diagnostics_at_file_line", bad_files),
        ("drift_reports_a_manually_changed_row", drift_row),
        ("postgres_normalizes_values_before_comparing", normalized),
        ("the_cli_plans_applies_and_drifts_with_seeds", cli),
        (
            "a_renamed_column_keeps_its_reference_values",
            renamed_column,
        ),
        ("a_row_leaving_out_a_column_keeps_its_value", partial_row),
        ("a_dry_run_proves_the_schema_and_leaves_rows_alone", dry_run),
        (
            "a_reviewed_plan_is_refused_when_its_rows_changed",
            reviewed_plan,
        ),
    ];
    support::suite::run(cases);
}

const SCHEMA: &str = "
CREATE SCHEMA auth;
CREATE TABLE auth.role (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL UNIQUE,
    description text,
    level integer NOT NULL DEFAULT 0
);
CREATE TABLE auth.permission (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL UNIQUE,
    description text
);
CREATE TABLE auth.role_permission (
    role_id uuid NOT NULL REFERENCES auth.role (id),
    permission_id uuid NOT NULL REFERENCES auth.permission (id),
    PRIMARY KEY (role_id, permission_id)
);
";

const ROLES: &str = "table: auth.role
key: [name]
rows:
  - {name: admin, description: Administrator, level: 10}
  - {name: user, description: Regular user, level: 1}
  - name: guest
    description: null
    level: 0
";

const PERMISSIONS: &str = "# key: name
# delete: true
name,description
users.read,Read users
users.write,\"Write users, including \"\"admins\"\"\"
reports.read,
";

const ROLE_PERMISSIONS: &str = "table: auth.role_permission
key: [role_id, permission_id]
delete: true
rows:
  - role_id: {lookup: auth.role, by: {name: admin}}
    permission_id: {lookup: auth.permission, by: {name: users.write}}
  - role_id: {lookup: auth.role, by: {name: admin}}
    permission_id: {lookup: auth.permission, by: {name: users.read}}
  - role_id: {lookup: auth.role, by: {name: user}}
    permission_id: {lookup: auth.permission, by: {name: users.read}}
";

struct Files {
    schema: tempfile::TempDir,
    seeds: tempfile::TempDir,
}

impl Files {
    fn new(schema: &str, seeds: &[(&str, &str)]) -> Files {
        let f = Files {
            schema: tempfile::tempdir().expect("tempdir"),
            seeds: tempfile::tempdir().expect("tempdir"),
        };
        f.schema_sql(schema);
        for (name, text) in seeds {
            f.seed(name, text);
        }
        f
    }

    fn schema_sql(&self, sql: &str) {
        std::fs::write(self.schema.path().join("schema.sql"), sql).expect("write");
    }

    fn seed(&self, name: &str, text: &str) {
        std::fs::write(self.seeds.path().join(name), text).expect("write");
    }

    fn desired(&self) -> Desired {
        support::suite::desired(
            vec![self.schema.path().to_path_buf()],
            Some(self.seeds.path().to_path_buf()),
        )
    }
}

fn standard() -> Files {
    Files::new(
        SCHEMA,
        &[
            ("auth.role.yaml", ROLES),
            ("auth.permission.csv", PERMISSIONS),
            ("auth.role_permission.yaml", ROLE_PERMISSIONS),
        ],
    )
}

async fn apply(target: &ConnTarget, files: &Files) -> Result<workflow::Applied, Error> {
    workflow::apply_target(
        target,
        &files.desired(),
        &PlanOptions::default(),
        &ApplyOptions::default(),
        None,
        &mut |_| {},
    )
    .await
}

async fn apply_allowing_all(
    target: &ConnTarget,
    files: &Files,
) -> Result<workflow::Applied, Error> {
    support::suite::apply_allowing_all(target, &files.desired()).await
}

/// The plan to `files`, a failure showing the error otherwise.
async fn planned(target: &ConnTarget, files: &Files) -> Result<workflow::Planned, Failed> {
    workflow::plan_target(target, &files.desired(), &PlanOptions::default())
        .await
        .map_err(|e| format!("plan: {e:?}").into())
}

async fn plan_sql(target: &ConnTarget, files: &Files) -> Result<Vec<String>, Failed> {
    let planned = planned(target, files).await?;
    Ok(planned.plan.steps.into_iter().map(|s| s.sql).collect())
}

/// [`apply`] that must succeed.
async fn applied(target: &ConnTarget, files: &Files) -> Result<workflow::Applied, Failed> {
    apply(target, files)
        .await
        .map_err(|e| format!("apply: {e:?}").into())
}

async fn rows(target: &ConnTarget, sql: &str) -> Result<Vec<String>, Failed> {
    let c = target.connect().await.map_err(|e| e.to_string())?;
    let rows = c.query(sql, &[]).await.map_err(|e| e.to_string())?;
    Ok(rows
        .iter()
        .map(|r| {
            r.get::<_, Option<String>>(0)
                .unwrap_or_else(|| "NULL".into())
        })
        .collect())
}

const ROLE_ROWS: &str =
    "SELECT concat_ws('|', name, coalesce(description, 'NULL'), level) FROM auth.role ORDER BY name";
const GRANTS: &str = "SELECT r.name || ':' || p.name FROM auth.role_permission rp
    JOIN auth.role r ON r.id = rp.role_id JOIN auth.permission p ON p.id = rp.permission_id
    ORDER BY 1";

fn check(cond: bool, what: impl Into<String>) -> Result<(), Failed> {
    if cond {
        Ok(())
    } else {
        Err(what.into().into())
    }
}

fn converge(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let target = env.harness.fresh_db("seeds_converge").await;
        let files = standard();
        let first = plan_sql(&target, &files).await?;
        let inserts = first.iter().filter(|s| s.starts_with("INSERT")).count();
        check(inserts == 9, format!("9 inserts expected: {first:#?}"))?;
        let pos = |p: &str| first.iter().position(|s| s.starts_with(p));
        check(
            pos("CREATE TABLE").unwrap_or(usize::MAX) < pos("INSERT").unwrap_or(0),
            "schema steps come first",
        )?;
        let role = pos("INSERT INTO auth.role ").expect("role insert");
        let grant = pos("INSERT INTO auth.role_permission").expect("grant insert");
        check(role < grant, "parents are inserted first")?;
        check(
            first.iter().any(|s| s.contains(
                "(SELECT id FROM auth.role WHERE name = 'admin')"
            )),
            format!("lookups are subqueries: {first:#?}"),
        )?;
        apply(&target, &files)
            .await
            .map_err(|e| format!("apply: {e:?}"))?;
        check(
            rows(&target, ROLE_ROWS).await?
                == ["admin|Administrator|10", "guest|NULL|0", "user|Regular user|1"],
            "roles as declared",
        )?;
        check(
            rows(
                &target,
                "SELECT name || '=' || coalesce(description, 'NULL') FROM auth.permission ORDER BY 1",
            )
            .await?
                == [
                    "reports.read=NULL",
                    "users.read=Read users",
                    "users.write=Write users, including \"admins\"",
                ],
            "permissions from the CSV",
        )?;
        check(
            rows(&target, GRANTS).await?
                == ["admin:users.read", "admin:users.write", "user:users.read"],
            "role_permission rows by lookup",
        )?;
        let second = plan_sql(&target, &files).await?;
        check(second.is_empty(), format!("second plan not empty: {second:#?}"))?;
        let again = apply(&target, &files)
            .await
            .map_err(|e| format!("second apply: {e:?}"))?;
        check(again.plan.is_empty(), "second apply ran steps")?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

fn edited_row(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let target = env.harness.fresh_db("seeds_edit").await;
        let files = standard();
        applied(&target, &files).await?;
        files.seed(
            "auth.role.yaml",
            &ROLES.replace("description: Regular user", "description: Ordinary user"),
        );
        let planned = planned(&target, &files).await?;
        let steps = &planned.plan.steps;
        check(steps.len() == 1, format!("one step: {steps:#?}"))?;
        check(
            steps[0].sql
                == "UPDATE auth.role SET description = 'Ordinary user' WHERE name = 'user'",
            format!("the update: {}", steps[0].sql),
        )?;
        check(
            steps[0].action == Action::Update,
            "the step's action is update",
        )?;
        check(
            steps[0].reason.contains("differs in description")
                && steps[0].reason.contains("auth.role.yaml:5"),
            format!("reason: {}", steps[0].reason),
        )?;
        applied(&target, &files).await?;
        check(
            rows(&target, ROLE_ROWS).await?[2] == "user|Ordinary user|1",
            "updated",
        )?;
        check(plan_sql(&target, &files).await?.is_empty(), "converged")?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

fn removed_row(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let target = env.harness.fresh_db("seeds_remove").await;
        let files = standard();
        applied(&target, &files).await?;
        // auth.role has `delete: false` (the default): a removed row stays.
        files.seed(
            "auth.role.yaml",
            &ROLES.replace("  - name: guest\n    description: null\n    level: 0\n", ""),
        );
        check(
            plan_sql(&target, &files).await?.is_empty(),
            "no delete without delete: true",
        )?;
        // auth.role_permission has `delete: true`.
        let fewer: String = ROLE_PERMISSIONS
            .lines()
            .take(8)
            .map(|l| format!("{l}\n"))
            .collect();
        files.seed("auth.role_permission.yaml", &fewer);
        let sql = plan_sql(&target, &files).await?;
        check(
            sql.len() == 1
                && sql[0].starts_with("DELETE FROM auth.role_permission WHERE role_id = '"),
            format!("one delete: {sql:#?}"),
        )?;
        let refused = apply(&target, &files).await;
        check(
            matches!(
                &refused,
                Err(Error::Apply(schemadiff::apply::ApplyError::HazardsNotAllowed { kinds, .. }))
                    if kinds == "data_loss"
            ),
            format!("a delete is data_loss, refused unless allowed: {refused:?}"),
        )?;
        check(
            rows(&target, GRANTS).await?.len() == 3,
            "refused: nothing deleted",
        )?;
        apply_allowing_all(&target, &files)
            .await
            .map_err(|e| format!("{e:?}"))?;
        check(
            rows(&target, GRANTS).await? == ["admin:users.read", "admin:users.write"],
            "the undeclared grant is gone",
        )?;
        check(rows(&target, ROLE_ROWS).await?.len() == 3, "guest stays")?;
        check(plan_sql(&target, &files).await?.is_empty(), "converged")?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

fn schema_change(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let target = env.harness.fresh_db("seeds_schema_change").await;
        let files = standard();
        applied(&target, &files).await?;
        let with_column = SCHEMA.replace(
            "level integer NOT NULL DEFAULT 0\n",
            "level integer NOT NULL DEFAULT 0,\n    active boolean NOT NULL DEFAULT true\n",
        );
        files.schema_sql(&with_column);
        let sql = plan_sql(&target, &files).await?;
        check(
            sql.len() == 1 && sql[0].contains("ADD COLUMN active"),
            format!("only the new column: {sql:#?}"),
        )?;
        // The seeds name the new column in the same run: every existing row is updated
        // after the column is added.
        files.seed(
            "auth.role.yaml",
            &ROLES
                .replace("level: 10}", "level: 10, active: true}")
                .replace("level: 1}", "level: 1, active: true}")
                .replace("    level: 0\n", "    level: 0\n    active: false\n"),
        );
        let sql = plan_sql(&target, &files).await?;
        check(
            sql[0].contains("ADD COLUMN active")
                && sql[1..]
                    .iter()
                    .all(|s| s.starts_with("UPDATE auth.role SET active = ")),
            format!("column, then updates: {sql:#?}"),
        )?;
        applied(&target, &files).await?;
        check(
            rows(
                &target,
                "SELECT name || '=' || active FROM auth.role ORDER BY name",
            )
            .await?
                == ["admin=true", "guest=false", "user=true"],
            "active as declared",
        )?;
        check(rows(&target, GRANTS).await?.len() == 3, "grants kept")?;
        check(plan_sql(&target, &files).await?.is_empty(), "converged")?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

fn invalid_at(e: &Error) -> Option<(String, usize, String)> {
    match e {
        Error::Seeds(SeedError::Invalid {
            file,
            line,
            message,
        }) => Some((file.clone(), *line, message.clone())),
        _ => None,
    }
}

fn bad_files(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let target = env.harness.fresh_db("seeds_bad").await;
        let files = standard();
        applied(&target, &files).await?;
        let before = rows(&target, ROLE_ROWS).await?;
        let narrower = SCHEMA.replace(
            "    description text,\n    level",
            "    description varchar(20),\n    level",
        );
        check(
            narrower != SCHEMA,
            "the schema narrows auth.role.description",
        )?;
        files.schema_sql(&format!("{narrower}\nCREATE TABLE auth.extra (id int);\n"));
        let cases: [(&str, &str, usize, &str); 5] = [
            (
                "auth.role.yaml",
                &ROLES.replace(
                    "description: Administrator",
                    "description: Administrator of everything",
                ),
                4,
                "column description: value too long for type character varying(20)",
            ),
            (
                "auth.role.yaml",
                &ROLES.replace("level: 1}", "level: 1, colour: red}"),
                5,
                "no column colour",
            ),
            (
                "auth.role.yaml",
                &ROLES.replace("level: 1}", "level: lots}"),
                5,
                "invalid input syntax for type integer",
            ),
            (
                "auth.role.yaml",
                &ROLES.replace("table: auth.role", "table: auth.rolez"),
                1,
                "not in the desired schema",
            ),
            (
                "auth.permission.csv",
                &PERMISSIONS.replace("reports.read,", "reports.read"),
                6,
                "1 fields, the header has 2",
            ),
        ];
        for (name, text, line, message) in cases {
            let original = if name.ends_with(".csv") {
                PERMISSIONS
            } else {
                ROLES
            };
            files.seed(name, text);
            let err = apply(&target, &files)
                .await
                .err()
                .ok_or_else(|| format!("{message}: apply succeeded"))?;
            let (file, l, m) = invalid_at(&err).ok_or_else(|| format!("{err:?}"))?;
            check(
                file.ends_with(name) && l == line && m.contains(message),
                format!("{file}:{l}: {m} (expected line {line}, {message})"),
            )?;
            let shown = err.to_string();
            check(
                shown.contains(&format!("{name}:{line}:")),
                format!("file:line shown: {shown}"),
            )?;
            files.seed(name, original);
        }
        check(rows(&target, ROLE_ROWS).await? == before, "rows unchanged")?;
        check(
            rows(
                &target,
                "SELECT count(*)::text FROM pg_tables WHERE tablename = 'extra'",
            )
            .await?
                == ["0"],
            "the schema step did not run either",
        )?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

fn drift_row(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let target = env.harness.fresh_db("seeds_drift").await;
        let files = standard();
        applied(&target, &files).await?;
        let clean = schemadiff::drift::drift_target(&target, &files.desired())
            .await
            .map_err(|e| format!("{e:?}"))?;
        check(!clean.drift, format!("no drift: {:#?}", clean.findings))?;
        let c = target.connect().await.map_err(|e| e.to_string())?;
        c.batch_execute("UPDATE auth.role SET level = 99 WHERE name = 'admin'")
            .await
            .map_err(|e| e.to_string())?;
        let report = schemadiff::drift::drift_target(&target, &files.desired())
            .await
            .map_err(|e| format!("{e:?}"))?;
        check(
            report.drift && report.findings.len() == 1 && report.summary.changed == 1,
            format!("{:#?}", report.findings),
        )?;
        let f = &report.findings[0];
        check(
            f.code.as_str() == "reference_row.changed"
                && f.category.as_str() == "data"
                && f.object == "reference row auth.role (name)=('admin')"
                && f.detail.starts_with("level differs from ")
                && f.fix == "UPDATE auth.role SET level = '10' WHERE name = 'admin';",
            format!("{f:#?}"),
        )?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

fn normalized(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let target = env.harness.fresh_db("seeds_normalize").await;
        let files = Files::new(
            "CREATE TABLE public.setting (
                key text PRIMARY KEY,
                doc jsonb,
                at timestamptz,
                tags text[],
                ratio real
            );",
            &[(
                "public.setting.yaml",
                "table: public.setting\nkey: [key]\nrows:\n  - {key: a, doc: '{\"x\": 1, \"y\": [1, 2]}', at: '2024-01-01 00:00:00+00', tags: '{b,c}', ratio: 1.50}\n",
            )],
        );
        applied(&target, &files).await?;
        let c = target.connect().await.map_err(|e| e.to_string())?;
        c.batch_execute(
            "UPDATE public.setting SET doc = '{\"y\":[1,2],\"x\":1}', at = '2024-01-01T01:00:00+01:00', ratio = 1.5",
        )
        .await
        .map_err(|e| e.to_string())?;
        let sql = plan_sql(&target, &files).await?;
        check(sql.is_empty(), format!("equal values, no diff: {sql:#?}"))?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_schemadiff"))
        .args(args)
        .env("NO_COLOR", "1")
        .env(
            "SCHEMADIFF_CACHE_DIR",
            std::env::temp_dir().join("schemadiff-seeds-cache"),
        )
        .output()
        .expect("run schemadiff");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn cli(env: &Env) -> Result<(), Failed> {
    let target = env.rt.block_on(env.harness.fresh_db("seeds_cli"));
    let url = env.harness.cluster.url(&target.dbname());
    let files = standard();
    let schema = files.schema.path().display().to_string();
    let seeds = files.seeds.path().display().to_string();
    let common = [
        "--url",
        &url,
        "--schema",
        &schema,
        "--seeds",
        &seeds,
        "--no-cache",
    ];
    let with = |cmd: &str, extra: &[&str]| {
        let mut a = vec![cmd];
        a.extend(common);
        a.extend(extra);
        run(&a)
    };
    let (code, out, err) = with("plan", &["--format", "json"]);
    check(code == 0, format!("plan json: {err}"))?;
    let plan: serde_json::Value = serde_json::from_str(&out).map_err(|e| e.to_string())?;
    let steps = plan["steps"].as_array().ok_or("steps")?;
    let inserts: Vec<&serde_json::Value> =
        steps.iter().filter(|s| s["action"] == "insert").collect();
    check(inserts.len() == 9, format!("9 insert steps: {out}"))?;
    let tables: Vec<String> = inserts
        .iter()
        .map(|s| format!("{}:{}", s["object"]["object"], s["object"]["name"]))
        .collect();
    check(
        tables[..6].iter().all(|t| !t.contains("role_permission"))
            && tables[6..]
                .iter()
                .all(|t| t == "\"table\":\"auth.role_permission\""),
        format!("objects are the tables, parents first: {tables:?}"),
    )?;
    let (code, out, err) = with("plan", &["--format", "sql"]);
    check(
        code == 0 && out.contains("INSERT INTO auth.role (description, level, name) VALUES ('Administrator', '10', 'admin');"),
        format!("plan sql: {out}{err}"),
    )?;
    let (code, out, _) = with("plan", &["--format", "markdown"]);
    check(
        code == 0 && out.contains("INSERT INTO auth.permission"),
        format!("markdown: {out}"),
    )?;
    let (code, out, _) = with("plan", &[]);
    check(
        code == 0 && out.contains("reference row (name)=('admin') is missing"),
        format!("human: {out}"),
    )?;
    let (code, out, err) = with("apply", &["--auto-approve"]);
    check(code == 0, format!("apply: {out}{err}"))?;
    let (code, out, err) = with("plan", &["--detailed-exitcode"]);
    check(code == 0, format!("second plan empty: {out}{err}"))?;
    env.rt.block_on(async {
        let c = target.connect().await.map_err(|e| e.to_string())?;
        c.batch_execute("DELETE FROM auth.role_permission; UPDATE auth.permission SET description = 'x' WHERE name = 'users.read'")
            .await
            .map_err(|e| e.to_string())
    })?;
    let (code, out, err) = with("drift", &["--format", "json"]);
    check(code == 2, format!("drift exit 2: {out}{err}"))?;
    let report: serde_json::Value = serde_json::from_str(&out).map_err(|e| e.to_string())?;
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .ok_or("findings")?
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    check(
        codes
            .iter()
            .filter(|c| **c == "reference_row.missing")
            .count()
            == 3
            && codes
                .iter()
                .filter(|c| **c == "reference_row.changed")
                .count()
                == 1
            && codes.len() == 4,
        format!("drift codes: {codes:?}"),
    )?;
    let (code, out, err) = with("apply", &["--auto-approve"]);
    check(code == 0, format!("apply again: {out}{err}"))?;
    let (code, out, _) = with("drift", &[]);
    check(code == 0, format!("no drift after apply: {out}"))?;
    env.rt.block_on(env.harness.drop_db(&target));
    Ok(())
}

fn renamed_column(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let target = env.harness.fresh_db("seeds_rename").await;
        let files = standard();
        applied(&target, &files).await?;
        files.schema_sql(&SCHEMA.replace(
            "    description text,\n    level",
            "    -- schemadiff:renamed-from description\n    summary text,\n    level",
        ));
        files.seed("auth.role.yaml", &ROLES.replace("description:", "summary:"));
        let sql = plan_sql(&target, &files).await?;
        check(
            sql[0] == "ALTER TABLE auth.role RENAME COLUMN description TO summary"
                && sql[1..].iter().all(|s| s.starts_with("UPDATE auth.role SET summary = ")),
            format!("the rename, then the column written: {sql:#?}"),
        )?;
        apply_allowing_all(&target, &files).await.map_err(|e| format!("{e:?}"))?;
        check(
            rows(
                &target,
                "SELECT concat_ws('|', name, coalesce(summary, 'NULL')) FROM auth.role ORDER BY name",
            )
            .await?
                == ["admin|Administrator", "guest|NULL", "user|Regular user"],
            "values kept under the new name",
        )?;
        check(rows(&target, GRANTS).await?.len() == 3, "grants kept")?;
        check(plan_sql(&target, &files).await?.is_empty(), "converged")?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

fn partial_row(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let target = env.harness.fresh_db("seeds_partial").await;
        let files = standard();
        applied(&target, &files).await?;
        let c = target.connect().await.map_err(|e| e.to_string())?;
        c.batch_execute("UPDATE auth.role SET level = 42 WHERE name = 'guest'")
            .await
            .map_err(|e| e.to_string())?;
        files.seed("auth.role.yaml", &ROLES.replace("    level: 0\n", ""));
        check(
            plan_sql(&target, &files).await?.is_empty(),
            "a column the row leaves out is not compared",
        )?;
        let text = "table: auth.role\nkey: [name]\nrows:\n  - {name: newcomer, description: x}\n";
        files.seed("auth.role.yaml", text);
        let sql = plan_sql(&target, &files).await?;
        check(
            sql == ["INSERT INTO auth.role (description, name) VALUES ('x', 'newcomer')"],
            format!("the insert leaves level to its default: {sql:#?}"),
        )?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

fn dry_run(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let target = env.harness.fresh_db("seeds_dry_run").await;
        let files = standard();
        applied(&target, &files).await?;
        files.schema_sql(&format!("{SCHEMA}\nCREATE INDEX role_level_idx ON auth.role (level);\n"));
        files.seed(
            "auth.role_permission.yaml",
            &format!("{ROLE_PERMISSIONS}  - role_id: {{lookup: auth.role, by: {{name: guest}}}}\n    permission_id: {{lookup: auth.permission, by: {{name: reports.read}}}}\n"),
        );
        let dry = workflow::dry_run(
            &target,
            &files.desired(),
            &PlanOptions::default(),
            &ApplyOptions::default(),
            None,
            &mut |_| {},
        )
        .await
        .map_err(|e| format!("dry run: {e:?}"))?;
        let actions: Vec<&str> = dry.plan.steps.iter().map(|s| s.action.as_str()).collect();
        check(
            actions == ["create", "insert"],
            format!("the index, then the grant of live rows: {actions:?}"),
        )?;
        check(rows(&target, GRANTS).await?.len() == 3, "the target is untouched")?;
        apply_allowing_all(&target, &files).await.map_err(|e| format!("{e:?}"))?;
        check(
            rows(&target, GRANTS).await?.contains(&"guest:reports.read".to_string()),
            "the real apply writes the row",
        )?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

/// `apply --plan`: the reviewed plan's data steps must be the ones the rows need now. A row
/// written between plan and apply refuses the plan (schema fingerprint unchanged) and
/// nothing runs, not even its schema steps; an unchanged database takes the plan.
fn reviewed_plan(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let target = env.harness.fresh_db("seeds_reviewed").await;
        let files = standard();
        let reviewed = |planned: &workflow::Planned| Some(planned.plan.clone());
        let with = |plan: Option<schemadiff::plan::Plan>| {
            let desired = files.desired();
            let target = target.clone();
            async move {
                workflow::apply_target(
                    &target,
                    &desired,
                    &PlanOptions::default(),
                    &ApplyOptions::default(),
                    plan,
                    &mut |_| {},
                )
                .await
            }
        };
        let first = planned(&target, &files).await?;
        with(reviewed(&first)).await.map_err(|e| format!("{e:?}"))?;
        check(plan_sql(&target, &files).await?.is_empty(), "converged")?;

        files.schema_sql(&SCHEMA.replace(
            "    level integer NOT NULL DEFAULT 0\n",
            "    level integer NOT NULL DEFAULT 0,\n    note text\n",
        ));
        files.seed(
            "auth.role.yaml",
            &ROLES.replace("description: Regular user", "description: Ordinary user"),
        );
        let second = planned(&target, &files).await?;
        let c = target.connect().await.map_err(|e| e.to_string())?;
        c.batch_execute("UPDATE auth.role SET description = 'Ordinary user' WHERE name = 'user'")
            .await
            .map_err(|e| e.to_string())?;
        let refused = with(reviewed(&second)).await;
        match &refused {
            Err(Error::StaleData {
                planned: 1,
                now: 0,
                example,
            }) => check(
                example.contains("UPDATE auth.role SET description = 'Ordinary user'"),
                format!("the stale step is named: {example}"),
            )?,
            other => return Err(format!("refused as stale data: {other:?}").into()),
        }
        let columns = rows(
            &target,
            "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM \
             information_schema.columns WHERE table_schema = 'auth' AND table_name = 'role'",
        )
        .await?;
        check(
            columns == ["id,name,description,level"],
            format!("the schema step did not run either: {columns:?}"),
        )?;
        let third = planned(&target, &files).await?;
        check(
            third.plan.steps.iter().all(|s| !s.action.is_data()),
            "the new plan has no data step",
        )?;
        with(reviewed(&third)).await.map_err(|e| format!("{e:?}"))?;
        check(
            plan_sql(&target, &files).await?.is_empty(),
            "converged again",
        )?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}
