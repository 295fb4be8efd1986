use crate::catalog::builder::{
    column_id, constraint_id, sequence_id, table_id, type_id, CatalogBuilder,
};
use crate::catalog::{Catalog, Identity};
use crate::plan::testkit::{plan, render};
use crate::plan::{Action, Plan};

fn empty() -> Catalog {
    CatalogBuilder::new().schema("public").build()
}

fn position(p: &Plan, starts: &str) -> usize {
    p.steps
        .iter()
        .position(|s| s.sql.starts_with(starts))
        .unwrap_or_else(|| panic!("no step starts with {starts}:\n{}", render(p)))
}

#[test]
fn create_table_with_every_column_form() {
    let to = CatalogBuilder::new()
        .schema("public")
        .schema("app")
        .enum_type("app.mood", &["sad", "ok", "happy"])
        .table("app.person", |t| {
            t.column("id", "bigint")
                .identity_with(Identity {
                    always: true,
                    start: 1000,
                    increment: 1,
                    min_value: 1,
                    max_value: i64::MAX,
                    cache: 20,
                    cycle: false,
                })
                .column("Name", "character varying(80)")
                .collate("C")
                .not_null()
                .column_comment("display name")
                .column("mood", "app.mood")
                .default("'ok'::app.mood")
                .column("created_at", "timestamp with time zone")
                .not_null()
                .default("now()")
                .column("name_length", "integer")
                .generated("length((\"Name\")::text)")
                .primary_key("person_pkey", &["id"])
                .unique("person_Name_key", &["Name"])
                .check(
                    "name_not_empty",
                    &["Name"],
                    "CHECK (((\"Name\")::text <> ''::text))",
                )
                .constraint_comment("no empty names")
                .unlogged()
                .reloption("fillfactor=70")
                .reloption("autovacuum_enabled=false")
                .comment("people we know")
        })
        .sequence("app.person_id_seq", |s| {
            s.identity().owned_by("app.person", "id")
        })
        .depends(column_id("app.person", "mood"), type_id("app.mood"))
        .build();
    let p = plan(&empty(), &to);
    insta::assert_snapshot!(render(&p));
    assert!(
        p.steps.iter().all(|s| s.hazards.is_empty()),
        "a new table carries no hazards"
    );
    assert!(
        !p.steps.iter().any(|s| s.sql.contains("SEQUENCE")),
        "identity sequences are never created by hand"
    );
}

#[test]
fn foreign_key_cycle_between_new_tables() {
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.author", |t| {
            t.column("id", "integer")
                .not_null()
                .column("favourite_book", "integer")
                .primary_key("author_pkey", &["id"])
                .foreign_key(
                    "author_favourite_book_fkey",
                    &["favourite_book"],
                    "public.book",
                    &["id"],
                )
        })
        .table("public.book", |t| {
            t.column("id", "integer")
                .not_null()
                .column("author", "integer")
                .primary_key("book_pkey", &["id"])
                .foreign_key("book_author_fkey", &["author"], "public.author", &["id"])
                .with_clause("ON DELETE CASCADE")
        })
        .build();
    let p = plan(&empty(), &to);
    insta::assert_snapshot!(render(&p));
    let fk = position(&p, "ALTER TABLE public.author ADD CONSTRAINT");
    assert!(position(&p, "CREATE TABLE public.book") < fk);
    assert!(
        position(&p, "CREATE TABLE public.author")
            < position(&p, "ALTER TABLE public.book ADD CONSTRAINT")
    );
}

fn two_tables_referencing_each_other() -> Catalog {
    CatalogBuilder::new()
        .schema("public")
        .table("public.a", |t| {
            t.column("id", "integer")
                .not_null()
                .column("b_id", "integer")
                .primary_key("a_pkey", &["id"])
                .foreign_key("a_b_id_fkey", &["b_id"], "public.b", &["id"])
        })
        .table("public.b", |t| {
            t.column("id", "integer")
                .not_null()
                .column("a_id", "integer")
                .primary_key("b_pkey", &["id"])
                .foreign_key("b_a_id_fkey", &["a_id"], "public.a", &["id"])
        })
        .table("public.c", |t| {
            t.column("a_id", "integer")
                .foreign_key("c_a_id_fkey", &["a_id"], "public.a", &["id"])
        })
        .build()
}

#[test]
fn dropping_tables_that_reference_each_other() {
    let p = plan(&two_tables_referencing_each_other(), &empty());
    insta::assert_snapshot!(render(&p));
    // only the foreign keys of the cycle are dropped separately
    assert!(!p.steps.iter().any(|s| s.sql.contains("c_a_id_fkey")));
    assert!(
        position(&p, "ALTER TABLE public.a DROP CONSTRAINT a_b_id_fkey")
            < position(&p, "DROP TABLE public.b")
    );
    assert!(
        position(&p, "ALTER TABLE public.b DROP CONSTRAINT b_a_id_fkey")
            < position(&p, "DROP TABLE public.a")
    );
    assert!(position(&p, "DROP TABLE public.c") < position(&p, "DROP TABLE public.a"));
}

#[test]
fn serial_column_on_a_new_table() {
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.item", |t| {
            t.column("id", "integer")
                .not_null()
                .default("nextval('public.item_id_seq'::regclass)")
                .primary_key("item_pkey", &["id"])
        })
        .sequence("public.item_id_seq", |s| {
            s.data_type("integer").owned_by("public.item", "id")
        })
        // what pg_depend records for a serial: the default needs the sequence, the sequence
        // is owned by the column
        .depends(
            column_id("public.item", "id"),
            sequence_id("public.item_id_seq"),
        )
        .depends(
            sequence_id("public.item_id_seq"),
            column_id("public.item", "id"),
        )
        .build();
    let p = plan(&empty(), &to);
    insta::assert_snapshot!(render(&p));
    let kinds: Vec<&str> = p
        .steps
        .iter()
        .map(|s| s.sql.split(' ').take(2).last().unwrap())
        .collect();
    assert_eq!(kinds, ["SEQUENCE", "TABLE", "SEQUENCE"]);
    assert!(p.steps[2].sql.ends_with("OWNED BY public.item.id"));

    // and dropping it drops the sequence with the table
    let back = plan(&to, &empty());
    assert_eq!(back.steps.len(), 1, "{}", render(&back));
    assert_eq!(back.steps[0].sql, "DROP TABLE public.item");
}

#[test]
fn table_level_changes() {
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| {
            t.column("a", "integer")
                .unlogged()
                .reloption("fillfactor=70")
                .reloption("autovacuum_enabled=false")
                .comment("old")
        })
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| {
            t.column("a", "integer")
                .reloption("fillfactor=90")
                .reloption("toast.autovacuum_enabled=false")
        })
        .build();
    insta::assert_snapshot!(render(&plan(&from, &to)));
}

#[test]
fn dropping_a_table_before_the_type_and_schema_it_uses() {
    let from = CatalogBuilder::new()
        .schema("public")
        .schema("old")
        .enum_type("old.mood", &["a"])
        .table("old.t", |t| t.column("m", "old.mood"))
        .build();
    let p = plan(&from, &empty());
    insta::assert_snapshot!(render(&p));
    let order: Vec<Action> = p.steps.iter().map(|s| s.action).collect();
    assert_eq!(order, [Action::Drop, Action::Drop, Action::Drop]);
    assert_eq!(p.steps[0].object, table_id("old.t"));
    assert_eq!(p.steps[1].object, type_id("old.mood"));
}

fn desired() -> CatalogBuilder {
    CatalogBuilder::new()
        .schema("public")
        .schema("shop")
        .enum_type("shop.status", &["new", "paid"])
        .table("shop.customer", |t| {
            t.column("id", "bigint")
                .identity(false)
                .column("email", "text")
                .not_null()
                .primary_key("customer_pkey", &["id"])
                .unique("customer_email_key", &["email"])
        })
        .table("shop.order", |t| {
            t.column("id", "bigint")
                .identity(false)
                .column("customer", "bigint")
                .not_null()
                .column("status", "shop.status")
                .default("'new'::shop.status")
                .primary_key("order_pkey", &["id"])
                .foreign_key(
                    "order_customer_fkey",
                    &["customer"],
                    "shop.customer",
                    &["id"],
                )
        })
        .index(
            "shop.order_customer_idx",
            "shop.order",
            "CREATE INDEX ON shop.\"order\" USING btree (customer)",
        )
}

#[test]
fn plans_are_deterministic() {
    let to = desired().build();
    let a = plan(&empty(), &to);
    let b = plan(&empty(), &to);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );

    // the same catalog, its maps filled in another order, plans to the same bytes
    let mut shuffled = Catalog {
        server_version: to.server_version,
        ..Catalog::default()
    };
    for (k, v) in to.tables.iter().rev() {
        shuffled.tables.insert(k.clone(), v.clone());
    }
    for (k, v) in to.indexes.iter().rev() {
        shuffled.indexes.insert(k.clone(), v.clone());
    }
    for (k, v) in to.enums.iter().rev() {
        shuffled.enums.insert(k.clone(), v.clone());
    }
    for (k, v) in to.schemas.iter().rev() {
        shuffled.schemas.insert(k.clone(), v.clone());
    }
    for t in shuffled.tables.values_mut() {
        let cons: Vec<_> = t
            .constraints
            .iter()
            .rev()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        t.constraints.clear();
        t.constraints.extend(cons);
    }
    let c = plan(&empty(), &shuffled);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&c).unwrap()
    );
    assert_eq!(a.target_fingerprint, to.fingerprint());
    assert_eq!(a.source_fingerprint, empty().fingerprint());
}

#[test]
fn no_changes_no_steps() {
    let to = desired().build();
    assert!(plan(&to, &to).is_empty());
}

#[test]
fn constraint_of_a_new_table_is_commented_after_creation() {
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| {
            t.column("a", "integer")
                .check("t_a_check", &["a"], "CHECK ((a > 0))")
                .constraint_comment("positive")
        })
        .build();
    let p = plan(&empty(), &to);
    assert_eq!(p.steps.len(), 2);
    assert_eq!(p.steps[1].object, constraint_id("public.t", "t_a_check"));
    assert_eq!(
        p.steps[1].sql,
        "COMMENT ON CONSTRAINT t_a_check ON public.t IS 'positive'"
    );
}

fn reused_names(before: bool) -> Catalog {
    let b = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| t.column("a", "integer"));
    if before {
        b.index(
            "public.thing",
            "public.t",
            "CREATE INDEX ON public.t USING btree (a)",
        )
        .table("public.status", |t| t.column("x", "integer"))
        .table("public.u", |t| {
            t.column("k", "integer")
                .unique("u_k", &["k"])
                .generated_name(false)
        })
        .build()
    } else {
        b.table("public.thing", |t| t.column("b", "integer"))
            .enum_type("public.status", &["on", "off"])
            .table("public.u", |t| t.column("k", "integer"))
            .index(
                "public.u_k",
                "public.u",
                "CREATE INDEX ON public.u USING hash (k)",
            )
            .build()
    }
}

#[test]
fn a_name_is_freed_before_another_kind_takes_it() {
    let p = plan(&reused_names(true), &reused_names(false));
    insta::assert_snapshot!(render(&p));
    assert!(
        position(&p, "DROP INDEX CONCURRENTLY public.thing")
            < position(&p, "CREATE TABLE public.thing")
    );
    assert!(position(&p, "DROP TABLE public.status") < position(&p, "CREATE TYPE public.status"));
    assert!(
        position(&p, "ALTER TABLE public.u DROP CONSTRAINT u_k")
            < position(&p, "CREATE INDEX CONCURRENTLY u_k")
    );
}

#[test]
fn new_table_keeps_a_not_valid_check_not_valid() {
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| {
            t.column("a", "integer")
                .check("a_positive", &["a"], "CHECK ((a > 0))")
                .not_valid()
                .check("a_small", &["a"], "CHECK ((a < 100))")
        })
        .build();
    let p = plan(&empty(), &to);
    let create = &p.steps[position(&p, "CREATE TABLE")];
    assert!(
        create.sql.contains("a_small") && !create.sql.contains("a_positive"),
        "CREATE TABLE would validate a NOT VALID check:\n{}",
        render(&p)
    );
    let add = &p.steps[position(&p, "ALTER TABLE public.t ADD CONSTRAINT a_positive")];
    assert!(add.sql.ends_with(" NOT VALID"), "{}", render(&p));
    assert!(position(&p, "CREATE TABLE") < position(&p, "ALTER TABLE"));
    assert!(add.hazards.is_empty(), "the table is new and empty");
}
