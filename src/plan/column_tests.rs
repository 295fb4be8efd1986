use crate::catalog::builder::{
    column_id, index_id, sequence_id, type_id, CatalogBuilder, TableBuilder,
};
use crate::catalog::Catalog;
use crate::plan::testkit::{plan, render};
use crate::plan::{Hazard, Plan};

fn with_table(f: impl FnOnce(TableBuilder) -> TableBuilder) -> CatalogBuilder {
    CatalogBuilder::new().schema("public").table("public.t", f)
}

fn hazards_of(p: &Plan, starts: &str) -> Vec<Hazard> {
    let s = p
        .steps
        .iter()
        .find(|s| s.sql.starts_with(starts))
        .unwrap_or_else(|| panic!("no step starts with {starts}:\n{}", render(p)));
    s.hazards.iter().map(|h| h.kind).collect()
}

#[test]
fn adding_columns_to_an_existing_table() {
    let from = with_table(|t| t.column("id", "integer")).build();
    let to = with_table(|t| {
        t.column("id", "integer")
            .column("note", "text")
            .column_comment("free text")
            .column("created_at", "timestamp with time zone")
            .not_null()
            .default("now()")
            .column("token", "uuid")
            .default("gen_random_uuid()")
            .column("seq", "bigint")
            .identity(true)
            .column("double_id", "integer")
            .generated("(id * 2)")
            .column("required", "text")
            .not_null()
            .column("counter", "integer")
            .not_null()
            .default("nextval('public.t_counter_seq'::regclass)")
    })
    .sequence("public.t_counter_seq", |s| {
        s.data_type("integer").owned_by("public.t", "counter")
    })
    .sequence("public.t_seq_seq", |s| {
        s.identity().owned_by("public.t", "seq")
    })
    .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    assert!(hazards_of(&p, "ALTER TABLE public.t ADD COLUMN note").is_empty());
    assert!(
        hazards_of(&p, "ALTER TABLE public.t ADD COLUMN created_at").is_empty(),
        "now() is not volatile"
    );
    assert_eq!(
        hazards_of(&p, "ALTER TABLE public.t ADD COLUMN token"),
        [Hazard::TableRewrite]
    );
    assert_eq!(
        hazards_of(&p, "ALTER TABLE public.t ADD COLUMN seq"),
        [Hazard::TableRewrite]
    );
    assert_eq!(
        hazards_of(&p, "ALTER TABLE public.t ADD COLUMN double_id"),
        [Hazard::TableRewrite]
    );
    assert_eq!(
        hazards_of(&p, "ALTER TABLE public.t ADD COLUMN counter"),
        [Hazard::TableRewrite],
        "a serial column: nextval() is volatile"
    );
    assert_eq!(
        hazards_of(&p, "ALTER TABLE public.t ADD COLUMN required"),
        [Hazard::DataDependent, Hazard::BackwardIncompatible]
    );
}

#[test]
fn dropping_a_serial_column_drops_its_sequence_with_it() {
    let from = with_table(|t| {
        t.column("id", "integer")
            .not_null()
            .default("nextval('public.t_id_seq'::regclass)")
            .column("a", "text")
    })
    .sequence("public.t_id_seq", |s| {
        s.data_type("integer").owned_by("public.t", "id")
    })
    .build();
    let to = with_table(|t| t.column("a", "text")).build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    assert_eq!(p.steps.len(), 1);
}

#[test]
fn type_change_of_a_column_with_a_default() {
    let from = with_table(|t| {
        t.column("n", "integer")
            .not_null()
            .default("0")
            .column_comment("count")
    })
    .build();
    let to = with_table(|t| {
        t.column("n", "bigint")
            .not_null()
            .default("'0'::bigint")
            .column_comment("count")
    })
    .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            "ALTER TABLE public.t ALTER COLUMN n DROP DEFAULT",
            "ALTER TABLE public.t ALTER COLUMN n TYPE bigint USING n::bigint",
            "ALTER TABLE public.t ALTER COLUMN n SET DEFAULT '0'::bigint",
        ]
    );
}

#[test]
fn binary_coercible_type_change_does_not_rewrite() {
    let from = with_table(|t| t.column("s", "character varying(10)")).build();
    let to = with_table(|t| t.column("s", "character varying(20)")).build();
    let p = plan(&from, &to);
    assert_eq!(
        hazards_of(&p, "ALTER TABLE public.t ALTER COLUMN s TYPE"),
        [Hazard::AccessExclusiveLock, Hazard::BackwardIncompatible]
    );
    let back = plan(&to, &from);
    assert_eq!(
        hazards_of(&back, "ALTER TABLE public.t ALTER COLUMN s TYPE"),
        [
            Hazard::TableRewrite,
            Hazard::DataLoss,
            Hazard::AccessExclusiveLock,
            Hazard::BackwardIncompatible
        ]
    );
}

#[test]
fn defaults_nullability_collation_and_comments() {
    let from = with_table(|t| {
        t.column("a", "text")
            .default("'x'::text")
            .column("b", "text")
            .not_null()
            .column("c", "text")
            .column("d", "text")
            .collate("C")
            .column_comment("old")
    })
    .build();
    let to = with_table(|t| {
        t.column("a", "text")
            .column("b", "text")
            .default("'y'::text")
            .column("c", "text")
            .not_null()
            .column("d", "text")
            .collate("en_US")
    })
    .build();
    insta::assert_snapshot!(render(&plan(&from, &to)));
}

#[test]
fn identity_changes() {
    let from = with_table(|t| {
        t.column("a", "integer")
            .identity(false)
            .column("b", "integer")
            .identity(true)
            .column("c", "integer")
            .column("d", "integer")
            .identity(true)
    })
    .sequence("public.t_a_seq", |s| {
        s.identity().data_type("integer").owned_by("public.t", "a")
    })
    .sequence("public.t_b_seq", |s| {
        s.identity().data_type("integer").owned_by("public.t", "b")
    })
    .sequence("public.t_d_seq", |s| {
        s.identity().data_type("integer").owned_by("public.t", "d")
    })
    .build();
    let to = with_table(|t| {
        t.column("a", "integer")
            .identity(true)
            .column("b", "integer")
            .column("c", "integer")
            .identity(false)
            .column("d", "bigint")
            .identity(true)
    })
    .sequence("public.t_a_seq", |s| {
        s.identity().data_type("integer").owned_by("public.t", "a")
    })
    .sequence("public.t_c_seq", |s| {
        s.identity().data_type("integer").owned_by("public.t", "c")
    })
    .sequence("public.t_d_seq", |s| s.identity().owned_by("public.t", "d"))
    .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    assert!(!p.steps.iter().any(|s| s.sql.contains("SEQUENCE")));
    assert!(
        !p.steps.iter().any(|s| s.sql.contains("SET MAXVALUE")),
        "the maximum follows the type change"
    );
}

#[test]
fn serial_to_identity() {
    let from = with_table(|t| {
        t.column("id", "integer")
            .not_null()
            .default("nextval('public.t_id_seq'::regclass)")
    })
    .sequence("public.t_id_seq", |s| {
        s.data_type("integer").owned_by("public.t", "id")
    })
    .depends(column_id("public.t", "id"), sequence_id("public.t_id_seq"))
    .depends(sequence_id("public.t_id_seq"), column_id("public.t", "id"))
    .build();
    let to = with_table(|t| t.column("id", "integer").identity(false))
        .sequence("public.t_id_seq", |s| {
            s.identity().data_type("integer").owned_by("public.t", "id")
        })
        .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(sql[0], "ALTER TABLE public.t ALTER COLUMN id DROP DEFAULT");
    assert_eq!(sql[1], "DROP SEQUENCE public.t_id_seq");
    assert!(sql[2]
        .starts_with("ALTER TABLE public.t ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY"));
}

fn generated(expr: &str, version: u32) -> Catalog {
    with_table(|t| {
        t.column("a", "integer")
            .column("g", "integer")
            .generated(expr)
    })
    .server_version(version)
    .index(
        "public.t_g_idx",
        "public.t",
        "CREATE INDEX ON public.t USING btree (g)",
    )
    .build()
}

#[test]
fn generated_expression_changes() {
    // before 17: drop and add the column again, and rebuild the index on it
    let p = plan(&generated("(a * 2)", 150000), &generated("(a * 3)", 150000));
    insta::assert_snapshot!("generated_before_17", render(&p));
    assert!(!p
        .steps
        .iter()
        .any(|s| s.hazards.iter().any(|h| h.kind == Hazard::DataLoss)));
    let pos = |sql: &str| p.steps.iter().position(|s| s.sql.starts_with(sql)).unwrap();
    assert!(
        pos("DROP INDEX CONCURRENTLY public.t_g_idx") < pos("ALTER TABLE public.t DROP COLUMN g")
    );
    assert!(pos("ALTER TABLE public.t ADD COLUMN g") < pos("CREATE INDEX CONCURRENTLY t_g_idx"));
    assert_eq!(
        p.steps
            .iter()
            .filter(|s| s.object == index_id("public.t_g_idx"))
            .count(),
        2
    );
    // 17 and later: SET EXPRESSION
    let p = plan(&generated("(a * 2)", 170000), &generated("(a * 3)", 170000));
    insta::assert_snapshot!("generated_from_17", render(&p));
    // no longer generated
    let plain = with_table(|t| t.column("a", "integer").column("g", "integer"))
        .index(
            "public.t_g_idx",
            "public.t",
            "CREATE INDEX ON public.t USING btree (g)",
        )
        .build();
    let p = plan(&generated("(a * 2)", 150000), &plain);
    assert_eq!(p.steps.len(), 1);
    assert_eq!(
        p.steps[0].sql,
        "ALTER TABLE public.t ALTER COLUMN g DROP EXPRESSION"
    );
    // becomes generated: its stored values are lost
    let p = plan(&plain, &generated("(a * 2)", 150000));
    assert!(
        p.steps
            .iter()
            .any(|s| s.hazards.iter().any(|h| h.kind == Hazard::DataLoss)),
        "{}",
        render(&p)
    );
}

#[test]
fn column_moves_between_types() {
    let from = CatalogBuilder::new()
        .schema("public")
        .enum_type("public.old_status", &["a", "b"])
        .table("public.t", |t| t.column("s", "public.old_status"))
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .enum_type("public.status", &["a", "b", "c"])
        .table("public.t", |t| t.column("s", "public.status"))
        .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    let pos = |o| p.steps.iter().position(|s| s.object == o).unwrap();
    assert!(pos(type_id("public.status")) < pos(column_id("public.t", "s")));
    assert!(pos(column_id("public.t", "s")) < pos(type_id("public.old_status")));
}

#[test]
fn generated_column_replaced_around_a_type_change_it_depends_on() {
    // pg_depend records that g reads id: g must go before id changes type, and come back after
    let cat = |ty: &str, expr: &str| {
        with_table(|t| t.column("id", ty).column("g", ty).generated(expr))
            .depends(column_id("public.t", "g"), column_id("public.t", "id"))
            .build()
    };
    let p = plan(&cat("integer", "(id * 2)"), &cat("bigint", "(id * 3)"));
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            "ALTER TABLE public.t DROP COLUMN g",
            "ALTER TABLE public.t ALTER COLUMN id TYPE bigint USING id::bigint",
            "ALTER TABLE public.t ADD COLUMN g bigint GENERATED ALWAYS AS ((id * 3)) STORED",
        ]
    );
}

#[test]
fn unchanged_generated_column_replaced_when_its_source_changes_type() {
    let cat = |ty: &str| {
        with_table(|t| {
            t.column("id", ty)
                .column("g", "bigint")
                .generated("(id * 2)")
        })
        .depends(column_id("public.t", "g"), column_id("public.t", "id"))
        .build()
    };
    let p = plan(&cat("integer"), &cat("bigint"));
    insta::assert_snapshot!(render(&p));
    assert_eq!(p.steps.len(), 3);
    assert!(p.steps[0].sql.ends_with("DROP COLUMN g"));
    assert!(p.steps[2].sql.contains("ADD COLUMN g"));
}
