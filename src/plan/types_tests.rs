use crate::catalog::builder::{column_id, type_id, CatalogBuilder};
use crate::plan::testkit::{plan, render};
use crate::plan::{build, Hazard, PlanError, PlanOptions};

fn enum_cat(labels: &[&str]) -> CatalogBuilder {
    CatalogBuilder::new()
        .schema("public")
        .enum_type("public.mood", labels)
}

#[test]
fn enum_labels_added_in_the_middle_and_at_both_ends() {
    let from = enum_cat(&["sad", "happy"]).build();
    let to = enum_cat(&["furious", "sad", "meh", "ok", "happy", "ecstatic"]).build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    // each label commits in a transaction of its own, before anything can use it
    assert!(p.steps.iter().all(|s| s.transactional && s.alone));
}

#[test]
fn enum_labels_into_an_empty_enum() {
    let p = plan(&enum_cat(&[]).build(), &enum_cat(&["a", "b"]).build());
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            "ALTER TYPE public.mood ADD VALUE 'a'",
            "ALTER TYPE public.mood ADD VALUE 'b' AFTER 'a'"
        ]
    );
}

#[test]
fn enum_reordered_unused_is_recreated() {
    let from = enum_cat(&["a", "b", "c"]).build();
    let to = enum_cat(&["c", "b"]).build();
    insta::assert_snapshot!(render(&plan(&from, &to)));
}

#[test]
fn enum_reordered_in_use_is_rebuilt() {
    let with_table = |labels: &[&str]| {
        enum_cat(labels)
            .table("public.t", |t| t.column("m", "public.mood"))
            .depends(column_id("public.t", "m"), type_id("public.mood"))
            .build()
    };
    let p = plan(&with_table(&["a", "b", "c"]), &with_table(&["b", "a"]));
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert!(sql[0].starts_with("DO $schemadiff$"), "{sql:#?}");
    assert!(sql[0].contains("WHERE m::text IN ('c')"), "{}", sql[0]);
    assert_eq!(
        sql[1..],
        [
            "ALTER TYPE public.mood RENAME TO mood__schemadiff_old",
            "CREATE TYPE public.mood AS ENUM ('b', 'a')",
            "ALTER TABLE public.t ALTER COLUMN m TYPE public.mood USING m::text::public.mood",
            "DROP TYPE public.mood__schemadiff_old",
        ]
    );
    let kinds = &p.steps[1].hazards;
    for k in [
        Hazard::DataLoss,
        Hazard::TableRewrite,
        Hazard::AccessExclusiveLock,
    ] {
        assert!(kinds.iter().any(|h| h.kind == k), "{kinds:?}");
    }
    // a domain over the type is not moved: refused, with the way out
    let with_domain = |labels: &[&str]| {
        enum_cat(labels)
            .domain("public.d", "public.mood", |d| d)
            .table("public.t", |t| t.column("m", "public.mood"))
            .build()
    };
    let err = build(
        &with_domain(&["a", "b"]),
        &with_domain(&["b", "a"]),
        &PlanOptions::default(),
    )
    .unwrap_err();
    match &err {
        PlanError::Unsupported { object, reason, .. } => {
            assert_eq!(object, "type public.mood");
            assert!(reason.contains("domain public.d"), "{reason}");
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
    // a column that leaves the type in the same plan does not hold it
    let to = enum_cat(&["b", "a"])
        .table("public.t", |t| t.column("m", "text"))
        .build();
    let p = plan(&with_table(&["a", "b"]), &to);
    let pos = |sql: &str| p.steps.iter().position(|s| s.sql.starts_with(sql)).unwrap();
    assert!(pos("ALTER TABLE public.t ALTER COLUMN m TYPE text") < pos("DROP TYPE public.mood"));
    assert!(pos("DROP TYPE public.mood") < pos("CREATE TYPE public.mood"));
}

#[test]
fn domain_changes() {
    let from = CatalogBuilder::new()
        .schema("public")
        .domain("public.amount", "numeric(12,2)", |d| {
            d.default("0")
                .check("amount_positive", "CHECK ((VALUE >= (0)::numeric))", false)
                .check("amount_small", "CHECK ((VALUE < (1000)::numeric))", true)
        })
        .domain("public.gone", "text", |d| d)
        .table("public.t", |t| t.column("x", "public.amount"))
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .domain("public.amount", "numeric(12,2)", |d| {
            d.not_null()
                .check("amount_positive", "CHECK ((VALUE >= (0)::numeric))", true)
                .check("amount_small", "CHECK ((VALUE < (10000)::numeric))", true)
                .comment("money")
        })
        .domain("public.code", "text", |d| {
            d.collate("C")
                .default("'x'::text")
                .not_null()
                .check("code_upper", "CHECK ((VALUE = upper(VALUE)))", true)
                .check("code_short", "CHECK ((length(VALUE) < 10))", false)
        })
        .table("public.t", |t| t.column("x", "public.amount"))
        .build();
    insta::assert_snapshot!(render(&plan(&from, &to)));
}

#[test]
fn domain_base_type_change() {
    let cat = |base: &str, used: bool| {
        let b = CatalogBuilder::new()
            .schema("public")
            .domain("public.d", base, |d| d);
        if used {
            b.table("public.t", |t| t.column("x", "public.d")).build()
        } else {
            b.build()
        }
    };
    let p = plan(&cat("integer", false), &cat("bigint", false));
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        ["DROP DOMAIN public.d", "CREATE DOMAIN public.d AS bigint"]
    );
    let err = build(
        &cat("integer", true),
        &cat("bigint", true),
        &PlanOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, PlanError::Unsupported { .. }), "{err:?}");
}

#[test]
fn composite_changes() {
    let from = CatalogBuilder::new()
        .schema("public")
        .composite(
            "public.address",
            &[("street", "text"), ("zip", "integer"), ("old", "text")],
        )
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .composite(
            "public.address",
            &[("street", "text"), ("zip", "text"), ("city", "text")],
        )
        .composite(
            "public.point3",
            &[
                ("x", "double precision"),
                ("y", "double precision"),
                ("z", "double precision"),
            ],
        )
        .build();
    insta::assert_snapshot!(render(&plan(&from, &to)));
}
