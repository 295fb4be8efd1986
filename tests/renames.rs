//! Declared renames and the guided enum rebuild applied over tables that hold rows: a
//! renamed column keeps its values, a stale declaration plans nothing and says so, an enum
//! label removal keeps every row whose value is still valid, and refuses, changing
//! nothing, while rows still use the removed label.

mod support;

use libtest_mimic::Failed;
use schemadiff::apply::ApplyError;
use schemadiff::conn::ConnTarget;
use schemadiff::introspect::Scope;
use schemadiff::plan::{Action, Hazard, PlanOptions};
use schemadiff::source::CacheOptions;
use schemadiff::workflow::{self, Desired};
use support::suite::{apply_allowing_all as apply, expect_eq as check, rows, setup, Case, Env};

fn main() {
    let cases: &[(&str, Case)] = &[
        ("a_renamed_column_keeps_its_data", renamed_column_keeps_data),
        (
            "a_serial_keeps_counting_after_renames",
            serial_keeps_counting,
        ),
        ("declarations_survive_the_warm_cache", warm_cache),
        (
            "a_stale_annotation_plans_nothing_and_says_so",
            stale_annotation,
        ),
        (
            "an_enum_label_removal_keeps_valid_rows",
            enum_removal_keeps_rows,
        ),
        (
            "an_enum_label_removal_refuses_while_rows_use_it",
            enum_removal_refuses,
        ),
        ("yaml_renamed_from_renames_and_points_at_yaml", yaml_renames),
        (
            "a_malformed_annotation_names_file_line_column",
            malformed_annotation,
        ),
    ];
    support::suite::run(cases);
}

async fn second_plan_is_empty(target: &ConnTarget, desired: &Desired) -> Result<(), Failed> {
    let again = workflow::plan_target(target, desired, &PlanOptions::default())
        .await
        .map_err(|e| format!("second plan: {e}"))?;
    let sql: Vec<&str> = again.plan.steps.iter().map(|s| s.sql.as_str()).collect();
    check("second plan", sql, vec![])
}

fn renamed_column_keeps_data(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let before = "CREATE TABLE person (id int PRIMARY KEY, name text NOT NULL);
            INSERT INTO person SELECT g, 'name ' || g FROM generate_series(1, 100) g;";
        let after = "-- schemadiff:renamed-from person
CREATE TABLE patient (
    id int PRIMARY KEY,
    -- schemadiff:renamed-from name
    full_name text NOT NULL
);";
        let (target, client, desired) = setup(env, "rename_data", before, after, &dir).await?;
        let applied = apply(&target, &desired)
            .await
            .map_err(|e| format!("apply: {e}"))?;
        let steps: Vec<(&str, Action, Vec<Hazard>)> = applied
            .plan
            .steps
            .iter()
            .map(|s| {
                (
                    s.sql.as_str(),
                    s.action,
                    s.hazards.iter().map(|h| h.kind).collect(),
                )
            })
            .collect();
        check(
            "steps",
            steps[..2].to_vec(),
            vec![
                (
                    "ALTER TABLE public.person RENAME TO patient",
                    Action::Rename,
                    vec![Hazard::BackwardIncompatible],
                ),
                (
                    "ALTER TABLE public.patient RENAME COLUMN name TO full_name",
                    Action::Rename,
                    vec![Hazard::BackwardIncompatible],
                ),
            ],
        )?;
        if steps.iter().any(|s| s.1 == Action::Drop || s.1 == Action::Create) {
            return Err(format!("drops or creates: {steps:#?}").into());
        }
        check(
            "rows",
            rows(
                &client,
                "SELECT count(*)::text || ' ' || min(full_name) || ' ' || max(id)::text FROM patient \
                 WHERE full_name = 'name ' || id",
            )
            .await?,
            vec!["100 name 1 100".to_string()],
        )?;
        second_plan_is_empty(&target, &desired).await?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

/// `renamed_from:` in a YAML definition renames like the SQL comment, and a stale one is
/// reported at the YAML file's own line.
fn yaml_renames(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let before = "CREATE TABLE person (id int PRIMARY KEY, name text NOT NULL, age int);
            INSERT INTO person SELECT g, 'name ' || g, g FROM generate_series(1, 10) g;";
        let (target, client, mut desired) = setup(env, "rename_yaml", before, "", &dir).await?;
        let yaml = dir.path().join("schema.yaml");
        std::fs::write(
            &yaml,
            "schema: public
tables:
  patient:
    renamed_from: person
    columns:
      id: { type: int, nullable: false }
      full_name: { type: text, nullable: false, renamed_from: name }
      years: { type: int, renamed_from: no_such_column }
    primary_key: [id]
",
        )
        .map_err(|e| e.to_string())?;
        desired.paths = vec![yaml.clone()];
        let applied = apply(&target, &desired)
            .await
            .map_err(|e| format!("apply: {e}"))?;
        let renames: Vec<&str> = applied
            .plan
            .steps
            .iter()
            .filter(|s| s.action == Action::Rename)
            .map(|s| s.sql.as_str())
            .collect();
        check(
            "renames",
            renames,
            vec![
                "ALTER TABLE public.person RENAME TO patient",
                "ALTER TABLE public.patient RENAME COLUMN name TO full_name",
                "ALTER TABLE public.patient RENAME CONSTRAINT person_pkey TO patient_pkey",
            ],
        )?;
        let note = applied.plan.notes.join("\n");
        let at = format!("{}:8:", yaml.display());
        if !note.contains(&at) || !note.contains("no_such_column") {
            return Err(format!("the stale rename's note should point at {at}: {note}").into());
        }
        check(
            "rows",
            rows(
                &client,
                "SELECT count(*)::text FROM patient WHERE full_name = 'name ' || id",
            )
            .await?,
            vec!["10".to_string()],
        )?;
        second_plan_is_empty(&target, &desired).await?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

fn stale_annotation(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let before = "CREATE TABLE t (a int); INSERT INTO t VALUES (1);";
        let after = "CREATE TABLE t (
    -- schemadiff:renamed-from long_gone
    a int
);";
        let (target, _client, desired) = setup(env, "rename_stale", before, after, &dir).await?;
        let planned = workflow::plan_target(&target, &desired, &PlanOptions::default())
            .await
            .map_err(|e| format!("plan: {e}"))?;
        check("steps", planned.plan.steps.len(), 0)?;
        check("notes", planned.plan.notes.len(), 1)?;
        let note = &planned.plan.notes[0];
        for part in [
            "schema.sql:2:5",
            "long_gone",
            "planned nothing",
            "already exists",
        ] {
            if !note.contains(part) {
                return Err(format!("note {note:?} lacks {part:?}").into());
            }
        }
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

const TICKETS: &str = "CREATE TYPE status AS ENUM ('draft', 'obsolete', 'active', 'closed');
CREATE TABLE ticket (
    id int PRIMARY KEY,
    status status NOT NULL DEFAULT 'draft',
    history status[] NOT NULL DEFAULT '{}'
);
CREATE VIEW open_tickets AS SELECT id, status FROM ticket WHERE status <> 'closed';";

const TICKETS_AFTER: &str = "CREATE TYPE status AS ENUM ('active', 'draft', 'closed');
CREATE TABLE ticket (
    id int PRIMARY KEY,
    status status NOT NULL DEFAULT 'draft',
    history status[] NOT NULL DEFAULT '{}'
);
CREATE VIEW open_tickets AS SELECT id, status FROM ticket WHERE status <> 'closed';";

const TICKET_ROWS: &str = "SELECT format('%s:%s:%s', id, status, history) FROM ticket ORDER BY id";

fn enum_removal_keeps_rows(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let before = format!(
            "{TICKETS}\nINSERT INTO ticket SELECT g, (ARRAY['draft','active','closed'])[g % 3 + 1]::status, \
             ARRAY['draft', 'closed']::status[] FROM generate_series(1, 30) g;"
        );
        let (target, client, desired) =
            setup(env, "enum_keep", &before, TICKETS_AFTER, &dir).await?;
        let want = rows(&client, TICKET_ROWS).await?;
        apply(&target, &desired)
            .await
            .map_err(|e| format!("apply: {e}"))?;
        check("rows", rows(&client, TICKET_ROWS).await?, want)?;
        check(
            "labels",
            rows(
                &client,
                "SELECT string_agg(enumlabel::text, ',' ORDER BY enumsortorder) FROM pg_enum \
                 WHERE enumtypid = 'status'::regtype",
            )
            .await?,
            vec!["active,draft,closed".to_string()],
        )?;
        check(
            "the view answers",
            rows(&client, "SELECT count(*)::text FROM open_tickets").await?,
            vec!["20".to_string()],
        )?;
        second_plan_is_empty(&target, &desired).await?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

fn enum_removal_refuses(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let before = format!(
            "{TICKETS}\nINSERT INTO ticket VALUES (1, 'obsolete', '{{obsolete,draft}}'), \
             (2, 'obsolete', '{{}}'), (3, 'active', '{{obsolete}}'), (4, 'draft', '{{}}');"
        );
        let (target, client, desired) =
            setup(env, "enum_refuse", &before, TICKETS_AFTER, &dir).await?;
        let rows_before = rows(&client, TICKET_ROWS).await?;
        let live_before = workflow::live_catalog(&target, &Scope::default())
            .await
            .map_err(|e| e.to_string())?;
        let reason = match apply(&target, &desired).await {
            Err(workflow::Error::Apply(ApplyError::DataDependent {
                reason, applied, ..
            })) => {
                check("steps applied", applied, 0)?;
                reason
            }
            other => return Err(format!("expected a data-dependent failure, got {other:?}").into()),
        };
        for part in [
            "public.ticket.status = 'obsolete': 2 rows",
            "public.ticket.history = 'obsolete': 2 values",
            "nothing was changed",
        ] {
            if !reason.contains(part) {
                return Err(format!("message {reason:?} lacks {part:?}").into());
            }
        }
        check("rows", rows(&client, TICKET_ROWS).await?, rows_before)?;
        let live_after = workflow::live_catalog(&target, &Scope::default())
            .await
            .map_err(|e| e.to_string())?;
        check(
            "schema unchanged",
            live_after.fingerprint(),
            live_before.fingerprint(),
        )?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

fn malformed_annotation(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let after =
            "CREATE TABLE t (\n    a int,\n    -- schemadiff:renamed-from x y\n    b int\n);";
        let (target, _client, desired) = setup(
            env,
            "rename_malformed",
            "CREATE TABLE t (a int);",
            after,
            &dir,
        )
        .await?;
        let err = match workflow::plan_target(&target, &desired, &PlanOptions::default()).await {
            Err(e) => e,
            Ok(p) => return Err(format!("planned {:?}", p.plan.steps).into()),
        };
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .render_report(&mut out, &err)
            .map_err(|e| e.to_string())?;
        for part in [
            "schema.sql:3:5",
            "unexpected `y`",
            "schemadiff::source::annotation",
        ] {
            if !out.contains(part) {
                return Err(format!("diagnostic lacks {part:?}:\n{out}").into());
            }
        }
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

fn serial_keeps_counting(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let before = "CREATE TABLE person (id serial PRIMARY KEY, name text);
            INSERT INTO person (name) SELECT 'p' || g FROM generate_series(1, 10) g;";
        let after = "-- schemadiff:renamed-from person
CREATE TABLE patient (
    -- schemadiff:renamed-from id
    patient_no serial PRIMARY KEY,
    name text
);";
        let (target, client, desired) = setup(env, "rename_serial", before, after, &dir).await?;
        let applied = apply(&target, &desired)
            .await
            .map_err(|e| format!("apply: {e}"))?;
        let sql: Vec<&str> = applied.plan.steps.iter().map(|s| s.sql.as_str()).collect();
        if !sql.contains(&"ALTER SEQUENCE public.person_id_seq RENAME TO patient_patient_no_seq") {
            return Err(format!("no sequence rename: {sql:#?}").into());
        }
        check(
            "next value",
            rows(
                &client,
                "INSERT INTO patient (name) VALUES ('new') RETURNING patient_no::text",
            )
            .await?,
            vec!["11".to_string()],
        )?;
        second_plan_is_empty(&target, &desired).await?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}

fn warm_cache(env: &Env) -> Result<(), Failed> {
    env.rt.block_on(async {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let cache = tempfile::tempdir().map_err(|e| e.to_string())?;
        let before = "CREATE TABLE t (a int); INSERT INTO t VALUES (7);";
        let after = "CREATE TABLE t (\n    -- schemadiff:renamed-from a\n    b int\n);";
        let (target, client, mut desired) = setup(env, "rename_cache", before, after, &dir).await?;
        desired.cache = CacheOptions {
            enabled: true,
            dir: Some(cache.path().into()),
        };
        let want = vec!["ALTER TABLE public.t RENAME COLUMN a TO b".to_string()];
        for round in ["cold", "warm"] {
            let planned = workflow::plan_target(&target, &desired, &PlanOptions::default())
                .await
                .map_err(|e| format!("{round} plan: {e}"))?;
            let sql: Vec<String> = planned.plan.steps.iter().map(|s| s.sql.clone()).collect();
            check(&format!("{round} plan"), sql, want.clone())?;
            let entries = std::fs::read_dir(cache.path())
                .map_err(|e| e.to_string())?
                .count();
            check(&format!("cache entries after the {round} plan"), entries, 1)?;
        }
        apply(&target, &desired)
            .await
            .map_err(|e| format!("apply: {e}"))?;
        check(
            "value",
            rows(&client, "SELECT b::text FROM t").await?,
            vec!["7".to_string()],
        )?;
        env.harness.drop_db(&target).await;
        Ok(())
    })
}
