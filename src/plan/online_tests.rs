//! Plan shapes of the online forms: which statements, in which order, alone or grouped,
//! with which budget and hazards; and how a plan resumes what an interrupted one left.

use crate::catalog::builder::{qn, CatalogBuilder, TableBuilder};
use crate::catalog::{Catalog, Ident};
use crate::plan::testkit::{plan, render};
use crate::plan::{Budget, Hazard, Plan, Step};

fn sqls(p: &Plan) -> Vec<&str> {
    p.steps.iter().map(|s| s.sql.as_str()).collect()
}

fn step<'a>(p: &'a Plan, sql: &str) -> &'a Step {
    p.steps
        .iter()
        .find(|s| s.sql == sql)
        .unwrap_or_else(|| panic!("no step {sql}:\n{}", render(p)))
}

fn kinds(s: &Step) -> Vec<Hazard> {
    s.hazards.iter().map(|h| h.kind).collect()
}

fn pos(p: &Plan, sql: &str) -> usize {
    p.steps
        .iter()
        .position(|s| s.sql == sql)
        .unwrap_or_else(|| panic!("no step {sql}:\n{}", render(p)))
}

fn sessions(f: impl FnOnce(TableBuilder) -> TableBuilder) -> CatalogBuilder {
    CatalogBuilder::new()
        .schema("public")
        .table("public.s", |t| {
            f(t.column("token", "text").column("n", "integer"))
        })
}

fn partitioned(f: impl FnOnce(TableBuilder) -> TableBuilder) -> CatalogBuilder {
    CatalogBuilder::new()
        .schema("public")
        .table("public.dev", |t| {
            t.column("id", "integer")
                .not_null()
                .primary_key("dev_pkey", &["id"])
        })
        .table("public.r", |t| {
            f(t.column("at", "date").column("device", "integer")).partition_by("RANGE (at)")
        })
}

#[test]
fn not_null_on_a_live_column_goes_through_a_validated_check() {
    let from = sessions(|t| t).build();
    let to = sessions(|t| t).build();
    let to = CatalogBuilder::from_catalog(to)
        .edit(|c| {
            let t = c.tables.get_mut(&qn("public.s")).unwrap();
            t.columns[0].not_null = true;
        })
        .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    assert_eq!(
        sqls(&p),
        [
            "ALTER TABLE public.s ADD CONSTRAINT schemadiff_tmp_nn_token CHECK (token IS NOT NULL) NOT VALID",
            "ALTER TABLE public.s VALIDATE CONSTRAINT schemadiff_tmp_nn_token",
            "ALTER TABLE public.s ALTER COLUMN token SET NOT NULL",
            "ALTER TABLE public.s DROP CONSTRAINT schemadiff_tmp_nn_token",
        ]
    );
    let [add, validate, set, drop] = &p.steps[..] else {
        unreachable!()
    };
    assert!(add.transactional && add.alone && add.budget == Budget::Metadata);
    assert!(kinds(add).is_empty());
    assert!(validate.transactional && validate.alone && validate.budget == Budget::Validation);
    assert_eq!(
        kinds(validate),
        [Hazard::ValidationScan, Hazard::DataDependent]
    );
    // the last two may share a transaction: both are brief catalog changes
    assert!(!set.alone && !drop.alone && kinds(set).is_empty() && kinds(drop).is_empty());
}

/// The live catalog as an interrupted NOT NULL recipe left it: the temporary check exists
/// (validated or not); the column may already be NOT NULL.
fn interrupted(validated: bool, column_not_null: bool) -> Catalog {
    sessions(|t| {
        let t = t.check(
            "schemadiff_tmp_nn_token",
            &["token"],
            "CHECK ((token IS NOT NULL))",
        );
        if validated {
            t
        } else {
            t.not_valid()
        }
    })
    .edit(|c| {
        c.tables.get_mut(&qn("public.s")).unwrap().columns[0].not_null = column_not_null;
    })
    .build()
}

fn token_not_null() -> Catalog {
    sessions(|t| t)
        .edit(|c| c.tables.get_mut(&qn("public.s")).unwrap().columns[0].not_null = true)
        .build()
}

#[test]
fn an_interrupted_not_null_recipe_is_taken_over() {
    // killed after the NOT VALID check committed: validate it, no second ADD, no DROP first
    let p = plan(&interrupted(false, false), &token_not_null());
    assert_eq!(
        sqls(&p),
        [
            "ALTER TABLE public.s VALIDATE CONSTRAINT schemadiff_tmp_nn_token",
            "ALTER TABLE public.s ALTER COLUMN token SET NOT NULL",
            "ALTER TABLE public.s DROP CONSTRAINT schemadiff_tmp_nn_token",
        ]
    );
    // killed after VALIDATE: the validated check is used as it is
    let p = plan(&interrupted(true, false), &token_not_null());
    assert_eq!(
        sqls(&p),
        [
            "ALTER TABLE public.s ALTER COLUMN token SET NOT NULL",
            "ALTER TABLE public.s DROP CONSTRAINT schemadiff_tmp_nn_token",
        ]
    );
    // killed after SET NOT NULL: only the check is left to drop
    let p = plan(&interrupted(true, true), &token_not_null());
    assert_eq!(
        sqls(&p),
        ["ALTER TABLE public.s DROP CONSTRAINT schemadiff_tmp_nn_token"]
    );
    // the column is no longer wanted NOT NULL: the leftover check simply goes
    let p = plan(&interrupted(false, false), &sessions(|t| t).build());
    assert_eq!(
        sqls(&p),
        ["ALTER TABLE public.s DROP CONSTRAINT schemadiff_tmp_nn_token"]
    );
}

#[test]
fn a_desired_constraint_under_the_temporary_name_keeps_the_plain_form() {
    let with_check = |t: TableBuilder| {
        t.check(
            "schemadiff_tmp_nn_token",
            &["token"],
            "CHECK ((length(token) > 0))",
        )
    };
    let from = sessions(with_check).build();
    let to = sessions(with_check)
        .edit(|c| c.tables.get_mut(&qn("public.s")).unwrap().columns[0].not_null = true)
        .build();
    let p = plan(&from, &to);
    assert_eq!(
        sqls(&p),
        ["ALTER TABLE public.s ALTER COLUMN token SET NOT NULL"]
    );
    assert_eq!(
        kinds(&p.steps[0]),
        [
            Hazard::ValidationScan,
            Hazard::DataDependent,
            Hazard::AccessExclusiveLock
        ]
    );
}

#[test]
fn a_primary_key_over_a_nullable_column_waits_for_its_not_null() {
    let from = sessions(|t| t).build();
    let to = sessions(|t| t.primary_key("s_pkey", &["token"]))
        .edit(|c| c.tables.get_mut(&qn("public.s")).unwrap().columns[0].not_null = true)
        .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    let set = pos(&p, "ALTER TABLE public.s ALTER COLUMN token SET NOT NULL");
    let build = pos(
        &p,
        "CREATE UNIQUE INDEX CONCURRENTLY s_pkey ON public.s USING btree (token)",
    );
    let attach = pos(
        &p,
        "ALTER TABLE public.s ADD CONSTRAINT s_pkey PRIMARY KEY USING INDEX s_pkey",
    );
    assert!(set < attach && build < attach, "{}", render(&p));
    let b = &p.steps[build];
    assert!(!b.transactional && b.alone && b.budget == Budget::Concurrent);
    assert_eq!(
        kinds(b),
        [
            Hazard::IndexBuild,
            Hazard::NonTransactional,
            Hazard::DataDependent
        ]
    );
    assert_eq!(kinds(&p.steps[attach]), [Hazard::BackwardIncompatible]);
}

#[test]
fn a_deferrable_unique_key_keeps_its_timing() {
    let from = sessions(|t| t).build();
    let to = sessions(|t| t.unique("s_n_key", &["n"]).deferrable()).build();
    let p = plan(&from, &to);
    assert_eq!(
        sqls(&p),
        [
            "CREATE UNIQUE INDEX CONCURRENTLY s_n_key ON public.s USING btree (n)",
            "ALTER TABLE public.s ADD CONSTRAINT s_n_key UNIQUE USING INDEX s_n_key DEFERRABLE",
        ]
    );
}

fn leftover_index(definition: &str, valid: bool) -> Catalog {
    sessions(|t| t)
        .index("public.s_n_key", "public.s", definition)
        .edit(|c| c.indexes.get_mut(&qn("public.s_n_key")).unwrap().valid = valid)
        .build()
}

#[test]
fn an_interrupted_key_build_is_taken_over() {
    let to = sessions(|t| t.unique("s_n_key", &["n"])).build();
    let built = "CREATE UNIQUE INDEX ON public.s USING btree (n)";
    // killed after the concurrent build: attach the index it left
    let p = plan(&leftover_index(built, true), &to);
    assert_eq!(
        sqls(&p),
        ["ALTER TABLE public.s ADD CONSTRAINT s_n_key UNIQUE USING INDEX s_n_key"]
    );
    // the build failed and left it INVALID: rebuild it in place, then attach
    let p = plan(&leftover_index(built, false), &to);
    assert_eq!(
        sqls(&p),
        [
            "REINDEX INDEX CONCURRENTLY public.s_n_key",
            "ALTER TABLE public.s ADD CONSTRAINT s_n_key UNIQUE USING INDEX s_n_key",
        ]
    );
    assert!(!p.steps[0].transactional && p.steps[0].budget == Budget::Concurrent);
    // an index of that name but another definition is not the one we built
    let p = plan(
        &leftover_index(
            "CREATE UNIQUE INDEX ON public.s USING btree (n, token)",
            true,
        ),
        &to,
    );
    assert_eq!(
        sqls(&p),
        [
            "DROP INDEX CONCURRENTLY public.s_n_key",
            "CREATE UNIQUE INDEX CONCURRENTLY s_n_key ON public.s USING btree (n)",
            "ALTER TABLE public.s ADD CONSTRAINT s_n_key UNIQUE USING INDEX s_n_key",
        ]
    );
}

#[test]
fn a_declared_not_valid_constraint_stays_not_valid() {
    let from = sessions(|t| t).build();
    let to = sessions(|t| t.check("s_n_check", &["n"], "CHECK ((n > 0))").not_valid()).build();
    let p = plan(&from, &to);
    assert_eq!(
        sqls(&p),
        ["ALTER TABLE public.s ADD CONSTRAINT s_n_check CHECK ((n > 0)) NOT VALID"]
    );
    assert!(p.steps[0].alone);
}

#[test]
fn a_not_enforced_constraint_is_added_as_is() {
    let from = sessions(|t| t).server_version(180000).build();
    let to = sessions(|t| t.check("s_n_check", &["n"], "CHECK ((n > 0)) NOT ENFORCED"))
        .server_version(180000)
        .build();
    let p = plan(&from, &to);
    assert_eq!(
        sqls(&p),
        ["ALTER TABLE public.s ADD CONSTRAINT s_n_check CHECK ((n > 0)) NOT ENFORCED"]
    );
    assert!(kinds(&p.steps[0]).is_empty());
}

#[test]
fn new_tables_keep_plain_forms_in_one_transaction() {
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.p", |t| {
            t.column("id", "integer")
                .not_null()
                .primary_key("p_pkey", &["id"])
        })
        .build();
    let to = CatalogBuilder::from_catalog(from.clone())
        .table("public.c", |t| {
            t.column("id", "integer")
                .not_null()
                .column("p", "integer")
                .primary_key("c_pkey", &["id"])
                .unique("c_p_key", &["p"])
                .check("c_p_check", &["p"], "CHECK ((p > 0))")
                .foreign_key("c_p_fkey", &["p"], "public.p", &["id"])
        })
        .index(
            "public.c_p_idx",
            "public.c",
            "CREATE INDEX ON public.c USING btree (p)",
        )
        .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    assert!(
        p.steps
            .iter()
            .all(|s| s.transactional && !s.alone && s.hazards.is_empty()),
        "{}",
        render(&p)
    );
    assert!(!sqls(&p)
        .iter()
        .any(|s| s.contains("CONCURRENTLY") || s.contains("NOT VALID")));
}

#[test]
fn partitioned_tables_keep_plain_forms_with_their_hazards() {
    let from = partitioned(|t| t).server_version(150000).build();
    let to = partitioned(|t| {
        t.check("r_device_check", &["device"], "CHECK ((device > 0))")
            .foreign_key("r_device_fkey", &["device"], "public.dev", &["id"])
            .unique("r_at_device_key", &["at", "device"])
    })
    .index(
        "public.r_device_idx",
        "public.r",
        "CREATE INDEX ON ONLY public.r USING btree (device)",
    )
    .server_version(150000)
    .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    // CHECK NOT VALID is allowed on a partitioned table
    assert!(
        step(
            &p,
            "ALTER TABLE public.r ADD CONSTRAINT r_device_check CHECK ((device > 0)) NOT VALID"
        )
        .alone
    );
    // a foreign key is not, before PostgreSQL 18
    let fk = step(
        &p,
        "ALTER TABLE public.r ADD CONSTRAINT r_device_fkey FOREIGN KEY (device) REFERENCES public.dev(id)",
    );
    assert_eq!(
        kinds(fk),
        [
            Hazard::ValidationScan,
            Hazard::DataDependent,
            Hazard::BackwardIncompatible
        ]
    );
    // no USING INDEX and no concurrent build on a partitioned table
    let key = step(
        &p,
        "ALTER TABLE public.r ADD CONSTRAINT r_at_device_key UNIQUE (at, device)",
    );
    assert_eq!(
        kinds(key),
        [
            Hazard::IndexBuild,
            Hazard::AccessExclusiveLock,
            Hazard::DataDependent,
            Hazard::BackwardIncompatible
        ]
    );
    let ix = step(
        &p,
        "CREATE INDEX r_device_idx ON public.r USING btree (device)",
    );
    assert!(ix.transactional && kinds(ix) == [Hazard::IndexBuild]);
    // and the reverse: a partitioned index has no concurrent drop
    let back = plan(&to, &from);
    assert!(sqls(&back).contains(&"DROP INDEX public.r_device_idx"));

    // PostgreSQL 18 takes a NOT VALID foreign key on a partitioned table
    let p = plan(
        &CatalogBuilder::from_catalog(from)
            .server_version(180000)
            .build(),
        &CatalogBuilder::from_catalog(to)
            .server_version(180000)
            .build(),
    );
    let add = step(
        &p,
        "ALTER TABLE public.r ADD CONSTRAINT r_device_fkey FOREIGN KEY (device) REFERENCES public.dev(id) NOT VALID",
    );
    assert!(add.alone);
    step(&p, "ALTER TABLE public.r VALIDATE CONSTRAINT r_device_fkey");
}

fn indexed(definition: &str, b_type: &str) -> Catalog {
    CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| t.column("a", "integer").column("b", b_type))
        .index("public.t_b_idx", "public.t", definition)
        .build()
}

#[test]
fn a_changed_index_is_built_before_the_old_one_goes() {
    let from = indexed("CREATE INDEX ON public.t USING btree (b)", "text");
    let to = indexed("CREATE INDEX ON public.t USING btree (b, a)", "text");
    let p = plan(&from, &to);
    assert_eq!(
        sqls(&p),
        [
            "ALTER INDEX public.t_b_idx RENAME TO schemadiff_old_t_b_idx",
            "CREATE INDEX CONCURRENTLY t_b_idx ON public.t USING btree (b, a)",
            "DROP INDEX CONCURRENTLY public.schemadiff_old_t_b_idx",
        ]
    );
    let rename = &p.steps[0];
    assert!(rename.transactional && kinds(rename).is_empty());
    assert!(p.steps[1..].iter().all(|s| !s.transactional && s.alone));

    // the old index is on a column whose type changes: it goes first, the new one after
    let to = indexed("CREATE INDEX ON public.t USING btree (b, a)", "bigint");
    let p = plan(&from, &to);
    let drop = pos(&p, "DROP INDEX CONCURRENTLY public.t_b_idx");
    let retype = p
        .steps
        .iter()
        .position(|s| s.sql.contains("ALTER COLUMN b TYPE bigint"))
        .unwrap();
    let build = pos(
        &p,
        "CREATE INDEX CONCURRENTLY t_b_idx ON public.t USING btree (b, a)",
    );
    assert!(drop < retype && retype < build, "{}", render(&p));

    // its column made NOT NULL in the same plan: still built beside the old one
    let mut nn = indexed("CREATE INDEX ON public.t USING btree (b, a)", "text");
    nn.tables.get_mut(&qn("public.t")).unwrap().columns[1].not_null = true;
    let p = plan(&from, &nn);
    let rename = pos(
        &p,
        "ALTER INDEX public.t_b_idx RENAME TO schemadiff_old_t_b_idx",
    );
    let build = pos(
        &p,
        "CREATE INDEX CONCURRENTLY t_b_idx ON public.t USING btree (b, a)",
    );
    let gone = pos(&p, "DROP INDEX CONCURRENTLY public.schemadiff_old_t_b_idx");
    assert!(rename < build && build < gone, "{}", render(&p));

    // an INVALID old index serves no query: dropped, then built
    let mut broken = indexed("CREATE INDEX ON public.t USING btree (b)", "text");
    broken.indexes.get_mut(&qn("public.t_b_idx")).unwrap().valid = false;
    let p = plan(
        &broken,
        &indexed("CREATE INDEX ON public.t USING btree (b, a)", "text"),
    );
    assert_eq!(
        sqls(&p),
        [
            "DROP INDEX CONCURRENTLY public.t_b_idx",
            "CREATE INDEX CONCURRENTLY t_b_idx ON public.t USING btree (b, a)",
        ]
    );
}

#[test]
fn the_name_an_old_index_steps_aside_to_fits_postgresql() {
    let long = "an_index_name_of_sixty_three_bytes_which_is_the_postgres_limit_";
    assert_eq!(long.len(), 63);
    let name = |n: &str| {
        CatalogBuilder::new()
            .schema("public")
            .table("public.t", |t| {
                t.column("a", "integer").column("b", "integer")
            })
            .index(
                &format!("public.{n}"),
                "public.t",
                "CREATE INDEX ON public.t USING btree (a)",
            )
            .build()
    };
    let mut to = name(long);
    to.indexes.values_mut().next().unwrap().definition =
        "CREATE INDEX ON public.t USING btree (b)".into();
    let p = plan(&name(long), &to);
    let rename = &p.steps[0].sql;
    let tmp = rename
        .strip_prefix(&format!("ALTER INDEX public.{long} RENAME TO "))
        .unwrap();
    assert!(
        tmp.len() <= 63 && tmp.starts_with("schemadiff_old_an_index"),
        "{tmp}"
    );
    assert_eq!(
        p.steps[2].sql,
        format!("DROP INDEX CONCURRENTLY public.{tmp}")
    );
    assert_eq!(Ident::from(tmp).to_string(), tmp, "needs no quotes");
}

#[test]
fn an_enum_label_commits_before_the_default_that_uses_it() {
    let cat = |labels: &[&str], default: Option<&str>| {
        CatalogBuilder::new()
            .schema("public")
            .enum_type("public.mood", labels)
            .table("public.t", |t| {
                let t = t.column("m", "public.mood");
                match default {
                    Some(d) => t.default(d),
                    None => t,
                }
            })
            .build()
    };
    let p = plan(
        &cat(&["sad"], None),
        &cat(&["sad", "ok"], Some("'ok'::public.mood")),
    );
    assert_eq!(
        sqls(&p),
        [
            "ALTER TYPE public.mood ADD VALUE 'ok' AFTER 'sad'",
            "ALTER TABLE public.t ALTER COLUMN m SET DEFAULT 'ok'::public.mood",
        ]
    );
    assert!(p.steps[0].transactional && p.steps[0].alone);
}
