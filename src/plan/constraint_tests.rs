use crate::catalog::builder::{CatalogBuilder, TableBuilder};
use crate::plan::testkit::{plan, render};
use crate::plan::{Action, Budget, Hazard};

fn with_table(f: impl FnOnce(TableBuilder) -> TableBuilder) -> CatalogBuilder {
    CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| {
            f(t.column("a", "integer").not_null().column("b", "integer"))
        })
}

#[test]
fn matched_by_definition_under_another_generated_name_is_a_plain_rename() {
    let from = with_table(|t| t.unique("t_a_key1", &["a"]).generated_name(true)).build();
    let to = with_table(|t| t.unique("t_a_key", &["a"])).build();
    let p = plan(&from, &to);
    assert_eq!(p.steps.len(), 1, "{}", render(&p));
    assert_eq!(p.steps[0].action, Action::Rename);
    assert_eq!(
        p.steps[0].sql,
        "ALTER TABLE public.t RENAME CONSTRAINT t_a_key1 TO t_a_key"
    );
    assert!(
        p.steps[0].hazards.is_empty(),
        "a generated name is nobody's handle"
    );
    // an explicit live name is renamed too, never dropped and added, but it may be in use
    let from = with_table(|t| t.unique("legacy_unique_a", &["a"])).build();
    let p = plan(&from, &to);
    assert_eq!(p.steps.len(), 1, "{}", render(&p));
    assert_eq!(p.steps[0].hazards[0].kind, Hazard::BackwardIncompatible);
}

#[test]
fn explicit_name_is_a_rename() {
    let from = with_table(|t| {
        t.check("t_b_check", &["b"], "CHECK ((b > 0))")
            .constraint_comment("positive")
    })
    .build();
    let to = with_table(|t| {
        t.check("b_positive", &["b"], "CHECK ((b > 0))")
            .constraint_comment("strictly positive")
    })
    .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    assert_eq!(p.steps[0].action, Action::Rename);
    assert_eq!(
        p.steps[1].sql,
        "COMMENT ON CONSTRAINT b_positive ON public.t IS 'strictly positive'"
    );
}

#[test]
fn constraint_changes_on_an_existing_table() {
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.parent", |t| {
            t.column("id", "integer")
                .not_null()
                .primary_key("parent_pkey", &["id"])
        })
        .table("public.t", |t| {
            t.column("a", "integer")
                .not_null()
                .column("b", "integer")
                .column("p", "integer")
                .check("b_small", &["b"], "CHECK ((b < 100))")
                .check("b_positive", &["b"], "CHECK ((b > 0))")
                .not_valid()
                .foreign_key("t_p_fkey", &["p"], "public.parent", &["id"])
                .not_valid()
                .unique("t_b_key", &["b"])
        })
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.parent", |t| {
            t.column("id", "integer")
                .not_null()
                .primary_key("parent_pkey", &["id"])
        })
        .table("public.t", |t| {
            t.column("a", "integer")
                .not_null()
                .column("b", "integer")
                .column("p", "integer")
                .check("b_small", &["b"], "CHECK ((b < 1000))")
                .check("b_positive", &["b"], "CHECK ((b > 0))")
                .foreign_key("t_p_fkey", &["p"], "public.parent", &["id"])
                .primary_key("t_pkey", &["a"])
                .check("t_a_check", &["a"], "CHECK ((a <> 0))")
                .not_valid()
                .exclude("t_b_excl", &["b"], "EXCLUDE USING btree (b WITH =)")
        })
        .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    let kinds = |sql: &str| -> Vec<Hazard> {
        p.steps
            .iter()
            .find(|s| s.sql.starts_with(sql))
            .unwrap()
            .hazards
            .iter()
            .map(|h| h.kind)
            .collect()
    };
    assert_eq!(
        kinds("ALTER TABLE public.t ADD CONSTRAINT t_a_check"),
        [Hazard::BackwardIncompatible]
    );
    // a primary key on a live table: its unique index is built concurrently, then attached
    assert_eq!(
        kinds("CREATE UNIQUE INDEX CONCURRENTLY t_pkey ON public.t USING btree (a)"),
        [
            Hazard::IndexBuild,
            Hazard::NonTransactional,
            Hazard::DataDependent
        ]
    );
    assert_eq!(
        kinds("ALTER TABLE public.t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_pkey"),
        [Hazard::BackwardIncompatible]
    );
    // no online form for an exclusion constraint
    assert_eq!(
        kinds("ALTER TABLE public.t ADD CONSTRAINT t_b_excl"),
        [
            Hazard::IndexBuild,
            Hazard::AccessExclusiveLock,
            Hazard::DataDependent,
            Hazard::BackwardIncompatible
        ]
    );
    // a check on a live table: NOT VALID alone, then VALIDATE alone, without the exclusive lock
    let b_small = |sql: &str| p.steps.iter().find(|s| s.sql == sql).unwrap();
    let add = b_small("ALTER TABLE public.t ADD CONSTRAINT b_small CHECK ((b < 1000)) NOT VALID");
    assert!(add.transactional && add.alone && add.budget == Budget::Metadata);
    let validate = b_small("ALTER TABLE public.t VALIDATE CONSTRAINT b_small");
    assert!(validate.transactional && validate.alone && validate.budget == Budget::Validation);
    assert_eq!(
        kinds("ALTER TABLE public.t VALIDATE CONSTRAINT b_small"),
        [Hazard::ValidationScan, Hazard::DataDependent]
    );
    assert_eq!(
        kinds("ALTER TABLE public.t VALIDATE CONSTRAINT t_p_fkey"),
        [Hazard::ValidationScan, Hazard::DataDependent]
    );
    // the old check goes before the new one of the same name is added
    let pos = |sql: &str| p.steps.iter().position(|s| s.sql.starts_with(sql)).unwrap();
    assert!(
        pos("ALTER TABLE public.t DROP CONSTRAINT b_small")
            < pos("ALTER TABLE public.t ADD CONSTRAINT b_small")
    );
}

#[test]
fn foreign_keys_follow_a_replaced_key() {
    let cat = |pk: &str| {
        CatalogBuilder::new()
            .schema("public")
            .table("public.parent", |t| {
                t.column("id", "integer")
                    .not_null()
                    .column("x", "integer")
                    .primary_key("parent_pkey", &["id"])
                    .with_clause(pk)
            })
            .table("public.child", |t| {
                t.column("parent", "integer").foreign_key(
                    "child_parent_fkey",
                    &["parent"],
                    "public.parent",
                    &["id"],
                )
            })
            .build()
    };
    let from = cat("");
    let to = cat("INCLUDE (x)");
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            "ALTER TABLE public.child DROP CONSTRAINT child_parent_fkey",
            "ALTER TABLE public.parent DROP CONSTRAINT parent_pkey",
            "CREATE UNIQUE INDEX CONCURRENTLY parent_pkey ON public.parent USING btree (id) INCLUDE (x)",
            "ALTER TABLE public.parent ADD CONSTRAINT parent_pkey PRIMARY KEY USING INDEX parent_pkey",
            "ALTER TABLE public.child ADD CONSTRAINT child_parent_fkey FOREIGN KEY (parent) REFERENCES public.parent(id) NOT VALID",
            "ALTER TABLE public.child VALIDATE CONSTRAINT child_parent_fkey",
        ]
    );
}

#[test]
fn primary_key_dropped_before_not_null_is() {
    let from = with_table(|t| t.primary_key("t_pkey", &["a"])).build();
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| {
            t.column("a", "integer").column("b", "integer")
        })
        .build();
    let p = plan(&from, &to);
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            "ALTER TABLE public.t DROP CONSTRAINT t_pkey",
            "ALTER TABLE public.t ALTER COLUMN a DROP NOT NULL",
        ]
    );
}

#[test]
fn constraint_on_a_dropped_column_goes_first() {
    let from = with_table(|t| {
        t.column("c", "integer")
            .check("c_positive", &["c"], "CHECK ((c > 0))")
    })
    .build();
    let to = with_table(|t| t).build();
    let p = plan(&from, &to);
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            "ALTER TABLE public.t DROP CONSTRAINT c_positive",
            "ALTER TABLE public.t DROP COLUMN c"
        ]
    );
}

#[test]
fn foreign_key_to_a_new_table_from_an_existing_one() {
    let from = with_table(|t| t).build();
    let to = with_table(|t| t.foreign_key("t_b_fkey", &["b"], "public.other", &["id"]))
        .table("public.other", |t| {
            t.column("id", "integer")
                .not_null()
                .primary_key("other_pkey", &["id"])
        })
        .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    assert!(p.steps[0].sql.starts_with("CREATE TABLE public.other"));
}

#[test]
fn swapped_names_are_reported_as_a_cycle() {
    // Two explicit names trade definitions: each rename waits for the other. There is no
    // temporary-name rename yet, so the planner says so instead of emitting a broken plan.
    let from = with_table(|t| {
        t.check("first", &["a"], "CHECK ((a > 0))")
            .check("second", &["b"], "CHECK ((b > 0))")
    })
    .build();
    let to = with_table(|t| {
        t.check("second", &["a"], "CHECK ((a > 0))")
            .check("first", &["b"], "CHECK ((b > 0))")
    })
    .build();
    match crate::plan::build(&from, &to, &crate::plan::PlanOptions::default()) {
        Err(crate::plan::PlanError::Cycle { steps, dot }) => {
            assert_eq!(
                steps,
                [
                    "ALTER TABLE public.t RENAME CONSTRAINT second TO first",
                    "ALTER TABLE public.t RENAME CONSTRAINT first TO second",
                ]
            );
            assert!(dot.starts_with("digraph plan {"));
        }
        other => panic!("expected a cycle, got {other:?}"),
    }
}
