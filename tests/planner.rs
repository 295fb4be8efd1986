//! Plans executed on a real PostgreSQL: every generated statement must run, in the emitted
//! order, with transactional steps grouped in transactions and the others alone (as apply
//! will run them), and the database must then hold what the desired catalog describes.

mod support;

use libtest_mimic::Failed;
use schemadiff::catalog::builder::{column_id, constraint_id, extension_id, qn, CatalogBuilder};
use schemadiff::catalog::{Catalog, Identity};
use schemadiff::conn::describe_error;
use schemadiff::plan::{build, Plan, PlanOptions};
use std::future::Future;
use support::suite::{Case, Env};
use tokio_postgres::Client;

fn main() {
    let cases: &[(&str, Case)] = &[
        (
            "create_and_drop_a_whole_schema",
            create_and_drop_a_whole_schema,
        ),
        ("alter_columns_with_rows", alter_columns_with_rows),
        (
            "enum_values_usable_by_later_steps",
            enum_values_usable_by_later_steps,
        ),
        ("constraints_and_indexes", constraints_and_indexes),
        ("types_and_sequences", types_and_sequences),
        ("names_reused_across_kinds", names_reused_across_kinds),
    ];
    support::suite::run(cases);
}

fn run<F: Future<Output = Result<(), Failed>>>(
    env: &Env,
    f: impl FnOnce(Client) -> F,
    label: &str,
) -> Result<(), Failed> {
    env.rt.block_on(async {
        let target = env.harness.fresh_db(label).await;
        let client = target.connect().await.map_err(|e| e.to_string())?;
        let result = f(client).await;
        env.harness.drop_db(&target).await;
        result
    })
}

fn plan(from: &Catalog, to: &Catalog) -> Result<Plan, Failed> {
    build(from, to, &PlanOptions::default()).map_err(|e| format!("planning failed: {e}").into())
}

/// Run the plan like apply will: consecutive transactional steps that are not `alone` in
/// one transaction, every other step in a transaction of its own (or none, when it is not
/// transactional).
async fn execute(client: &Client, plan: &Plan) -> Result<(), Failed> {
    let mut in_tx = false;
    for step in &plan.steps {
        if in_tx && (step.alone || !step.transactional) {
            client
                .batch_execute("COMMIT")
                .await
                .map_err(|e| describe_error(&e))?;
            in_tx = false;
        }
        if step.transactional && !in_tx {
            client
                .batch_execute("BEGIN")
                .await
                .map_err(|e| describe_error(&e))?;
            in_tx = true;
        }
        if let Err(e) = client.batch_execute(&step.sql).await {
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(format!(
                "step failed: {}\n  {}\nwhole plan:\n{}",
                step.sql,
                describe_error(&e),
                script(plan)
            )
            .into());
        }
        if in_tx && step.alone {
            client
                .batch_execute("COMMIT")
                .await
                .map_err(|e| describe_error(&e))?;
            in_tx = false;
        }
    }
    if in_tx {
        client
            .batch_execute("COMMIT")
            .await
            .map_err(|e| describe_error(&e))?;
    }
    Ok(())
}

fn script(plan: &Plan) -> String {
    plan.steps
        .iter()
        .map(|s| {
            format!(
                "{}{};",
                if s.transactional {
                    ""
                } else {
                    "-- outside a transaction\n"
                },
                s.sql
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first column of every row, as text (`NULL` for null).
async fn texts(client: &Client, sql: &str) -> Result<Vec<String>, Failed> {
    let rows = client
        .query(sql, &[])
        .await
        .map_err(|e| format!("{sql}: {}", describe_error(&e)))?;
    Ok(rows
        .iter()
        .map(|r| {
            r.get::<_, Option<String>>(0)
                .unwrap_or_else(|| "NULL".into())
        })
        .collect())
}

async fn text(client: &Client, sql: &str) -> Result<String, Failed> {
    let mut all = texts(client, sql).await?;
    if all.len() != 1 {
        return Err(format!("{sql}: expected one row, got {all:?}").into());
    }
    Ok(all.remove(0))
}

fn check_eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), Failed> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}").into())
    }
}

fn base() -> CatalogBuilder {
    CatalogBuilder::new().schema("public")
}

fn shop() -> Catalog {
    base()
        .schema("shop")
        .extension("citext", "public", "1.6")
        .extension("btree_gist", "public", "1.7")
        .enum_type("shop.status", &["new", "paid", "shipped"])
        .domain("shop.sku", "text", |d| d.check("sku_format", "CHECK ((VALUE ~ '^[A-Z0-9-]+$'::text))", true).comment("stock keeping unit"))
        .composite("shop.money", &[("amount", "numeric(12,2)"), ("currency", "character(3)")])
        .sequence("shop.order_id_seq", |s| s.data_type("integer").owned_by("shop.order", "id"))
        .sequence("shop.invoice_no", |s| s.start(1000).min_value(1000).cache(10).comment("invoice numbers"))
        .sequence("shop.customer_id_seq", |s| s.identity().owned_by("shop.customer", "id"))
        .table("shop.customer", |t| {
            t.column("id", "bigint")
                .identity(true)
                .column("email", "public.citext")
                .not_null()
                .column("name", "text")
                .collate("C")
                .column("created_at", "timestamp with time zone")
                .not_null()
                .default("now()")
                .column("favourite_order", "integer")
                .primary_key("customer_pkey", &["id"])
                .unique("customer_email_key", &["email"])
                .foreign_key("customer_favourite_order_fkey", &["favourite_order"], "shop.order", &["id"])
                .column("nickname", "text")
                .column_comment("what friends say")
                .comment("people who buy")
        })
        .table("shop.product", |t| {
            t.column("sku", "shop.sku")
                .not_null()
                .column("price", "shop.money")
                .column("tags", "text[]")
                .not_null()
                .default("'{}'::text[]")
                .primary_key("product_pkey", &["sku"])
        })
        .table("shop.order", |t| {
            t.column("id", "integer")
                .not_null()
                .default("nextval('shop.order_id_seq'::regclass)")
                .column("customer", "bigint")
                .not_null()
                .column("status", "shop.status")
                .not_null()
                .default("'new'::shop.status")
                .column("total", "numeric(12,2)")
                .column("total_cents", "bigint")
                .generated("((total * (100)::numeric))::bigint")
                .primary_key("order_pkey", &["id"])
                .foreign_key("order_customer_fkey", &["customer"], "shop.customer", &["id"])
                .with_clause("ON DELETE CASCADE")
                .check("order_total_check", &["total"], "CHECK ((total >= (0)::numeric))")
                .constraint_comment("no negative totals")
        })
        .table("shop.order_line", |t| {
            t.column("order_id", "integer")
                .not_null()
                .column("sku", "shop.sku")
                .not_null()
                .column("qty", "integer")
                .not_null()
                .default("1")
                .primary_key("order_line_pkey", &["order_id", "sku"])
                .foreign_key("order_line_order_id_fkey", &["order_id"], "shop.order", &["id"])
                .foreign_key("order_line_sku_fkey", &["sku"], "shop.product", &["sku"])
        })
        .table("shop.booking", |t| {
            t.column("room", "integer")
                .column("during", "tstzrange")
                .exclude("booking_room_during_excl", &["room", "during"], "EXCLUDE USING gist (room WITH =, during WITH &&)")
        })
        .index("shop.order_open_idx", "shop.order", "CREATE INDEX ON shop.\"order\" USING btree (status) WHERE (status <> 'shipped'::shop.status)")
        .index("shop.customer_lower_name_idx", "shop.customer", "CREATE INDEX ON shop.customer USING btree (lower(name))")
        .index("shop.product_tags_idx", "shop.product", "CREATE INDEX ON shop.product USING gin (tags)")
        .depends(column_id("shop.customer", "email"), extension_id("citext"))
        .depends(constraint_id("shop.booking", "booking_room_during_excl"), extension_id("btree_gist"))
        .edit(|c| {
            c.schemas.get_mut(&"shop".into()).unwrap().comment = Some("the shop".into());
            c.indexes.get_mut(&qn("shop.order_open_idx")).unwrap().comment = Some("orders still to ship".into());
        })
        .build()
}

fn create_and_drop_a_whole_schema(env: &Env) -> Result<(), Failed> {
    run(
        env,
        |c| async move {
            let empty = base().build();
            let desired = shop();
            let p = plan(&empty, &desired)?;
            execute(&c, &p).await?;

            check_eq(
            "relations",
            texts(&c, "SELECT relkind::text || ' ' || relname FROM pg_class WHERE relnamespace = 'shop'::regnamespace ORDER BY 1").await?,
            [
                "S customer_id_seq",
                "S invoice_no",
                "S order_id_seq",
                "c money",
                "i booking_room_during_excl",
                "i customer_email_key",
                "i customer_lower_name_idx",
                "i customer_pkey",
                "i order_line_pkey",
                "i order_open_idx",
                "i order_pkey",
                "i product_pkey",
                "i product_tags_idx",
                "r booking",
                "r customer",
                "r order",
                "r order_line",
                "r product",
            ]
            .map(String::from)
            .to_vec(),
        )?;
            check_eq(
            "constraints",
            texts(&c, "SELECT contype::text || ' ' || count(*) FROM pg_constraint WHERE connamespace = 'shop'::regnamespace GROUP BY contype ORDER BY 1").await?,
            ["c 2", "f 4", "p 4", "u 1", "x 1"].map(String::from).to_vec(),
        )?;
            check_eq(
                "serial sequence owned by its column",
                text(&c, "SELECT pg_get_serial_sequence('shop.\"order\"', 'id')").await?,
                "shop.order_id_seq".into(),
            )?;
            check_eq(
            "identity column",
            text(&c, "SELECT attidentity::text FROM pg_attribute WHERE attrelid = 'shop.customer'::regclass AND attname = 'id'").await?,
            "a".into(),
        )?;
            check_eq(
            "comments",
            text(&c, "SELECT count(*)::text FROM pg_description d JOIN pg_class k ON k.oid = d.objoid AND d.classoid = 'pg_class'::regclass WHERE k.relnamespace = 'shop'::regnamespace").await?,
            "4".into(),
        )?;
            // the schema really works: defaults, generated values, foreign keys in a cycle
            c.batch_execute(
                "INSERT INTO shop.customer (email, name) VALUES ('A@x.org', 'ann');
             INSERT INTO shop.\"order\" (customer, total) SELECT id, 12.5 FROM shop.customer;
             UPDATE shop.customer SET favourite_order = (SELECT id FROM shop.\"order\");",
            )
            .await
            .map_err(|e| describe_error(&e))?;
            check_eq(
                "row defaults",
                text(
                    &c,
                    "SELECT status::text || ' ' || total_cents FROM shop.\"order\"",
                )
                .await?,
                "new 1250".into(),
            )?;

            // and all of it goes away again, tables referencing each other included
            let back = plan(&desired, &empty)?;
            execute(&c, &back).await?;
            check_eq(
                "schema dropped",
                text(
                    &c,
                    "SELECT count(*)::text FROM pg_namespace WHERE nspname = 'shop'",
                )
                .await?,
                "0".into(),
            )?;
            check_eq(
                "extensions dropped",
                text(
                    &c,
                    "SELECT count(*)::text FROM pg_extension WHERE extname <> 'plpgsql'",
                )
                .await?,
                "0".into(),
            )?;
            Ok(())
        },
        "whole_schema",
    )
}

fn identity() -> Identity {
    Identity {
        always: false,
        start: 1,
        increment: 1,
        min_value: 1,
        max_value: i32::MAX as i64,
        cache: 1,
        cycle: false,
    }
}

fn alter_columns_with_rows(env: &Env) -> Result<(), Failed> {
    run(
        env,
        |c| async move {
            let before = base()
                .sequence("public.t_serial_id_seq", |s| {
                    s.data_type("integer").owned_by("public.t", "serial_id")
                })
                .sequence("public.t_ident_seq", |s| {
                    s.identity()
                        .data_type("integer")
                        .owned_by("public.t", "ident")
                })
                .table("public.t", |t| {
                    t.column("id", "integer")
                        .not_null()
                        .default("0")
                        .column("name", "character varying(10)")
                        .column("code", "text")
                        .collate("C")
                        .column("flag", "boolean")
                        .not_null()
                        .column("note", "text")
                        .column("serial_id", "integer")
                        .not_null()
                        .default("nextval('public.t_serial_id_seq'::regclass)")
                        .column("ident", "integer")
                        .identity_with(identity())
                        .column("g", "integer")
                        .generated("(id * 2)")
                        .column("legacy", "text")
                        .primary_key("t_pkey", &["id"])
                })
                .index(
                    "public.t_g_idx",
                    "public.t",
                    "CREATE INDEX ON public.t USING btree (g)",
                )
                .depends(column_id("public.t", "g"), column_id("public.t", "id"))
                .build();
            let after = base()
                .sequence("public.t_serial_id_seq", |s| {
                    s.identity()
                        .data_type("integer")
                        .owned_by("public.t", "serial_id")
                })
                .table("public.t", |t| {
                    t.column("id", "bigint")
                        .not_null()
                        .default("1")
                        .column("name", "character varying(20)")
                        .column("code", "text")
                        .collate("POSIX")
                        .column("flag", "boolean")
                        .column("note", "text")
                        .not_null()
                        .column("serial_id", "integer")
                        .identity_with(Identity {
                            always: true,
                            ..identity()
                        })
                        .column("ident", "integer")
                        .not_null()
                        .column("g", "bigint")
                        .generated("(id * 3)")
                        .column("created_at", "timestamp with time zone")
                        .not_null()
                        .default("now()")
                        .primary_key("t_pkey", &["id"])
                })
                .index(
                    "public.t_g_idx",
                    "public.t",
                    "CREATE INDEX ON public.t USING btree (g)",
                )
                .depends(column_id("public.t", "g"), column_id("public.t", "id"))
                .build();
            execute(&c, &plan(&base().build(), &before)?).await?;
            c.batch_execute(
            "INSERT INTO public.t (id, name, code, flag, note) VALUES (1, 'one', 'a', true, 'x'), (2, 'two', 'b', false, 'y')",
        )
        .await
        .map_err(|e| describe_error(&e))?;

            let p = plan(&before, &after)?;
            execute(&c, &p).await?;

            check_eq(
            "columns",
            texts(
                &c,
                "SELECT attname || ' ' || format_type(atttypid, atttypmod) || ' ' || attnotnull || ' ' || attidentity::text || ' ' || coalesce(collname, '-') || ' ' || coalesce(pg_get_expr(adbin, adrelid), '-')
                 FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                 LEFT JOIN pg_collation k ON k.oid = a.attcollation AND a.attcollation <> 100
                 WHERE attrelid = 'public.t'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attname",
            )
            .await?,
            [
                "code text false  POSIX -",
                "created_at timestamp with time zone true  - now()",
                "flag boolean false  - -",
                "g bigint false  - (id * 3)",
                "id bigint true  - 1",
                "ident integer true  - -",
                "name character varying(20) false  - -",
                "note text true  - -",
                "serial_id integer true a - -",
            ]
            .map(String::from)
            .to_vec(),
        )?;
            check_eq(
                "rows kept, generated values recomputed",
                texts(
                    &c,
                    "SELECT id || ' ' || name || ' ' || g FROM public.t ORDER BY id",
                )
                .await?,
                vec!["1 one 3".to_string(), "2 two 6".to_string()],
            )?;
            check_eq("index rebuilt on the new column", text(&c, "SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'public.t_g_idx'::regclass").await?, "true".into())?;
            check_eq(
                "sequences",
                texts(
                    &c,
                    "SELECT relname::text FROM pg_class WHERE relkind = 'S' ORDER BY 1",
                )
                .await?,
                vec!["t_serial_id_seq".to_string()],
            )?;
            // the serial column became an identity that hands out new values
            c.batch_execute(
                "INSERT INTO public.t (id, flag, note, ident) VALUES (3, true, 'z', 3)",
            )
            .await
            .map_err(|e| describe_error(&e))?;
            check_eq(
                "identity value",
                text(&c, "SELECT serial_id::text FROM public.t WHERE id = 3").await?,
                "1".into(),
            )?;
            Ok(())
        },
        "alter_columns",
    )
}

fn enum_values_usable_by_later_steps(env: &Env) -> Result<(), Failed> {
    run(
        env,
        |c| async move {
            let before = base()
                .enum_type("public.mood", &["sad", "happy"])
                .table("public.person", |t| {
                    t.column("id", "integer").column("m", "public.mood")
                })
                .build();
            let after = base()
                .enum_type(
                    "public.mood",
                    &["furious", "sad", "meh", "ok", "happy", "ecstatic"],
                )
                .table("public.person", |t| {
                    t.column("id", "integer")
                        .column("m", "public.mood")
                        .column("m2", "public.mood")
                        .not_null()
                        .default("'ok'::public.mood")
                })
                .build();
            execute(&c, &plan(&base().build(), &before)?).await?;
            c.batch_execute("INSERT INTO public.person VALUES (1, 'sad'), (2, 'happy')")
                .await
                .map_err(|e| describe_error(&e))?;
            // the new column's default uses a new label: if ADD VALUE ran in the same
            // transaction, PostgreSQL would refuse ("unsafe use of new value")
            execute(&c, &plan(&before, &after)?).await?;
            check_eq(
                "labels in order",
                text(&c, "SELECT enum_range(NULL::public.mood)::text").await?,
                "{furious,sad,meh,ok,happy,ecstatic}".into(),
            )?;
            check_eq(
                "existing rows",
                texts(&c, "SELECT m || ' ' || m2 FROM public.person ORDER BY id").await?,
                vec!["sad ok".to_string(), "happy ok".to_string()],
            )?;
            Ok(())
        },
        "enum_values",
    )
}

fn constraints_and_indexes(env: &Env) -> Result<(), Failed> {
    run(
        env,
        |c| async move {
            let parent = |pk_clause: &str| {
                let pk_clause = pk_clause.to_string();
                move |t: schemadiff::catalog::builder::TableBuilder| {
                    t.column("id", "integer")
                        .not_null()
                        .column("x", "integer")
                        .primary_key("parent_pkey", &["id"])
                        .with_clause(&pk_clause)
                }
            };
            let before = base()
                .table("public.parent", parent(""))
                .table("public.child", |t| {
                    t.column("parent", "integer")
                        .column("v", "integer")
                        .column("w", "integer")
                        .column("gone", "integer")
                        .foreign_key("child_parent_fkey", &["parent"], "public.parent", &["id"])
                        .not_valid()
                        .unique("legacy_unique", &["v"])
                        .check("v_positive", &["v"], "CHECK ((v > 0))")
                        .check("gone_check", &["gone"], "CHECK ((gone > 0))")
                })
                .table("public.other", |t| {
                    t.column("a", "integer")
                        .not_null()
                        .primary_key("other_pkey", &["a"])
                })
                .index(
                    "public.child_v_idx",
                    "public.child",
                    "CREATE INDEX ON public.child USING btree (v)",
                )
                .index(
                    "public.child_doomed_idx",
                    "public.child",
                    "CREATE INDEX ON public.child USING hash (w)",
                )
                .build();
            execute(&c, &plan(&base().build(), &before)?).await?;
            check_eq(
            "foreign key created NOT VALID",
            text(&c, "SELECT convalidated::text FROM pg_constraint WHERE conname = 'child_parent_fkey'").await?,
            "false".into(),
        )?;
            // a unique concurrent build that fails on duplicates leaves an INVALID index
            c.batch_execute(
                "INSERT INTO public.parent VALUES (1, 1);
             INSERT INTO public.child VALUES (1, 1, 7, NULL), (1, 2, 7, NULL);",
            )
            .await
            .map_err(|e| describe_error(&e))?;
            if c.batch_execute("CREATE UNIQUE INDEX CONCURRENTLY child_w_idx ON public.child (w)")
                .await
                .is_ok()
            {
                return Err("the concurrent build should fail on duplicates".into());
            }
            c.batch_execute("DELETE FROM public.child WHERE v = 2")
                .await
                .map_err(|e| describe_error(&e))?;
            let before = schemadiff::catalog::builder::CatalogBuilder::from_catalog(before)
                .index(
                    "public.child_w_idx",
                    "public.child",
                    "CREATE UNIQUE INDEX ON public.child USING btree (w)",
                )
                .edit(|cat| {
                    cat.indexes
                        .get_mut(&qn("public.child_w_idx"))
                        .unwrap()
                        .valid = false
                })
                .build();

            let after = base()
                .table("public.parent", parent("INCLUDE (x)"))
                .table("public.child", |t| {
                    t.column("parent", "integer")
                        .column("v", "integer")
                        .column("w", "integer")
                        .foreign_key("child_parent_fkey", &["parent"], "public.parent", &["id"])
                        .unique("child_v_unique", &["v"])
                        .check("child_v_check", &["v"], "CHECK ((v > 0))")
                })
                .table("public.other", |t| t.column("a", "integer"))
                .index(
                    "public.child_by_v",
                    "public.child",
                    "CREATE INDEX ON public.child USING btree (v)",
                )
                .index(
                    "public.child_w_idx",
                    "public.child",
                    "CREATE UNIQUE INDEX ON public.child USING btree (w)",
                )
                .build();
            let p = plan(&before, &after)?;
            execute(&c, &p).await?;
            check_eq(
            "constraints",
            texts(&c, "SELECT conrelid::regclass || ' ' || conname || ' ' || convalidated FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1").await?,
            [
                "child child_parent_fkey true",
                "child child_v_check true",
                "child child_v_unique true",
                "parent parent_pkey true",
            ]
            .map(String::from)
            .to_vec(),
        )?;
            check_eq(
            "primary key definition",
            text(&c, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'parent_pkey'").await?,
            "PRIMARY KEY (id) INCLUDE (x)".into(),
        )?;
            check_eq(
            "indexes",
            texts(&c, "SELECT indexrelid::regclass || ' ' || indisvalid FROM pg_index WHERE indrelid = 'public.child'::regclass ORDER BY 1").await?,
            ["child_by_v true", "child_v_unique true", "child_w_idx true"].map(String::from).to_vec(),
        )?;
            check_eq(
            "NOT NULL dropped after the primary key",
            text(&c, "SELECT attnotnull::text FROM pg_attribute WHERE attrelid = 'public.other'::regclass AND attname = 'a'").await?,
            "false".into(),
        )?;
            Ok(())
        },
        "constraints_indexes",
    )
}

fn types_and_sequences(env: &Env) -> Result<(), Failed> {
    run(
        env,
        |c| async move {
            let before = base()
                .domain("public.amount", "numeric(12,2)", |d| {
                    d.default("0")
                        .check("amount_small", "CHECK ((VALUE < (1000)::numeric))", true)
                })
                .composite(
                    "public.address",
                    &[("street", "text"), ("zip", "integer"), ("old", "text")],
                )
                .enum_type("public.letters", &["a", "b", "c"])
                .table("public.ledger", |t| {
                    t.column("id", "integer")
                        .column("other", "integer")
                        .column("x", "public.amount")
                })
                .sequence("public.counter", |s| s.owned_by("public.ledger", "id"))
                .sequence("public.gone", |s| s)
                .build();
            let after = base()
                .domain("public.amount", "numeric(12,2)", |d| {
                    d.not_null()
                        .check("amount_small", "CHECK ((VALUE < (10000)::numeric))", true)
                })
                .domain("public.code", "text", |d| {
                    d.collate("C")
                        .check("code_upper", "CHECK ((VALUE = upper(VALUE)))", true)
                        .check("code_short", "CHECK ((length(VALUE) < 10))", false)
                })
                .composite(
                    "public.address",
                    &[("street", "text"), ("zip", "text"), ("city", "text")],
                )
                .enum_type("public.letters", &["c", "b"])
                .table("public.ledger", |t| {
                    t.column("id", "integer")
                        .column("other", "integer")
                        .column("x", "public.amount")
                })
                .sequence("public.counter", |s| {
                    s.owned_by("public.ledger", "other").increment(5).cycle()
                })
                .build();
            execute(&c, &plan(&base().build(), &before)?).await?;
            c.batch_execute("INSERT INTO public.ledger VALUES (1, 2, 999)")
                .await
                .map_err(|e| describe_error(&e))?;
            execute(&c, &plan(&before, &after)?).await?;
            check_eq(
            "domain constraints",
            texts(&c, "SELECT conname || ' ' || convalidated || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE contypid <> 0 AND connamespace = 'public'::regnamespace ORDER BY 1").await?,
            [
                "amount_small true CHECK ((VALUE < (10000)::numeric))",
                "code_short false CHECK ((length(VALUE) < 10)) NOT VALID",
                "code_upper true CHECK ((VALUE = upper(VALUE)))",
            ]
            .map(String::from)
            .to_vec(),
        )?;
            check_eq("domain not null", text(&c, "SELECT typnotnull || ' ' || coalesce(typdefault, '-') FROM pg_type WHERE typname = 'amount'").await?, "true -".into())?;
            check_eq(
            "composite attributes",
            texts(&c, "SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'public.address'::regclass AND NOT attisdropped ORDER BY attnum").await?,
            ["street text", "zip text", "city text"].map(String::from).to_vec(),
        )?;
            check_eq(
                "enum recreated",
                text(&c, "SELECT enum_range(NULL::public.letters)::text").await?,
                "{c,b}".into(),
            )?;
            check_eq(
            "sequences",
            texts(&c, "SELECT seqrelid::regclass || ' ' || seqincrement || ' ' || seqcycle FROM pg_sequence ORDER BY 1").await?,
            vec!["counter 5 true".to_string()],
        )?;
            check_eq(
                "owned by",
                text(
                    &c,
                    "SELECT pg_get_serial_sequence('public.ledger', 'other')",
                )
                .await?,
                "public.counter".into(),
            )?;
            Ok(())
        },
        "types_sequences",
    )
}

fn names_reused_across_kinds(env: &Env) -> Result<(), Failed> {
    run(
        env,
        |c| async move {
            let before = base()
                .table("public.t", |t| t.column("a", "integer"))
                .index(
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
                .build();
            let after = base()
                .table("public.t", |t| t.column("a", "integer"))
                .table("public.thing", |t| t.column("b", "integer"))
                .enum_type("public.status", &["on", "off"])
                .table("public.u", |t| t.column("k", "integer"))
                .index(
                    "public.u_k",
                    "public.u",
                    "CREATE INDEX ON public.u USING hash (k)",
                )
                .build();
            execute(&c, &plan(&base().build(), &before)?).await?;
            execute(&c, &plan(&before, &after)?).await?;
            check_eq(
                "relations and types",
                texts(
                    &c,
                    "SELECT 'class ' || relkind::text || ' ' || relname FROM pg_class WHERE relnamespace = 'public'::regnamespace
                     UNION ALL SELECT 'type ' || typtype::text || ' ' || typname FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typname NOT LIKE '\\_%'
                     ORDER BY 1",
                )
                .await?,
                [
                    "class i u_k",
                    "class r t",
                    "class r thing",
                    "class r u",
                    "type c t",
                    "type c thing",
                    "type c u",
                    "type e status",
                ]
                .map(String::from)
                .to_vec(),
            )?;
            Ok(())
        },
        "names_reused",
    )
}
