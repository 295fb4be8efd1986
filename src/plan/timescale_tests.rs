use crate::catalog::builder::{CatalogBuilder, TableBuilder};
use crate::catalog::timescale::Compression;
use crate::catalog::Catalog;
use crate::plan::testkit::{plan, render};

fn readings<'a>(pk: &'a [&'a str]) -> impl FnOnce(TableBuilder) -> TableBuilder + 'a {
    move |t| {
        t.column("id", "uuid")
            .not_null()
            .column("ts", "timestamp with time zone")
            .not_null()
            .column("v", "integer")
            .primary_key("readings_pkey", pk)
    }
}

fn base() -> CatalogBuilder {
    CatalogBuilder::new()
        .schema("public")
        .extension("timescaledb", "public", "2.28.3")
        .edit(|c| c.timescale.version = Some("2.28.3".into()))
}

/// `public.readings` a hypertable on `ts`, with columnstore, an index on `v` and a check.
fn converted() -> Catalog {
    base()
        .table("public.readings", |t| {
            readings(&["id", "ts"])(t).check("readings_v_check", &["v"], "CHECK ((v >= 0))")
        })
        .index(
            "public.readings_v_idx",
            "public.readings",
            "CREATE INDEX ON public.readings USING btree (v)",
        )
        .hypertable("public.readings", "ts", "7 days", |h| {
            h.compression = Some(Compression::default())
        })
        .build()
}

fn position(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the plan:\n{text}"))
}

#[test]
fn a_table_whose_primary_key_lacks_the_time_column_is_converted_after_the_key_is_replaced() {
    let live = base().table("public.readings", readings(&["id"])).build();
    let text = render(&plan(&live, &converted()));
    let drop_key = position(&text, "DROP CONSTRAINT readings_pkey");
    let convert = position(&text, "create_hypertable('public.readings'");
    let add_key = position(&text, "ADD CONSTRAINT readings_pkey PRIMARY KEY (id, ts)");
    let index = position(&text, "CREATE INDEX readings_v_idx");
    assert!(drop_key < convert, "{text}");
    assert!(drop_key < add_key, "{text}");
    assert!(
        convert < index,
        "the per-chunk index build needs the hypertable:\n{text}"
    );
    assert!(
        text[index..].starts_with(
            "CREATE INDEX readings_v_idx ON public.readings USING btree (v) WITH (timescaledb.transaction_per_chunk)"
        ),
        "{text}"
    );
}

#[test]
fn no_validate_step_when_the_plan_turns_columnstore_on() {
    let live = base()
        .table("public.readings", readings(&["id", "ts"]))
        .build();
    let text = render(&plan(&live, &converted()));
    assert!(
        !text.contains("VALIDATE CONSTRAINT readings_v_check"),
        "{text}"
    );
    assert!(!text.contains("NOT VALID;"), "{text}");
    assert!(
        text.contains("ADD CONSTRAINT readings_v_check CHECK ((v >= 0));"),
        "the check is added validated:\n{text}"
    );
}

#[test]
fn indexes_of_a_live_hypertable_are_never_concurrent() {
    let to = base()
        .table("public.readings", |t| {
            readings(&["id", "ts"])(t).check("readings_v_check", &["v"], "CHECK ((v >= 0))")
        })
        .index(
            "public.readings_ts_v_idx",
            "public.readings",
            "CREATE INDEX ON public.readings USING btree (ts, v)",
        )
        .edit(|c| {
            c.timescale.hypertables = converted().timescale.hypertables;
        })
        .build();
    let p = plan(&converted(), &to);
    let text = render(&p);
    assert!(!text.contains("CONCURRENTLY"), "{text}");
    let create = p
        .steps
        .iter()
        .find(|s| s.sql.starts_with("CREATE INDEX readings_ts_v_idx"))
        .unwrap_or_else(|| panic!("no build:\n{text}"));
    assert_eq!(
        create.sql,
        "CREATE INDEX readings_ts_v_idx ON public.readings USING btree (ts, v) WITH (timescaledb.transaction_per_chunk)"
    );
    let drop = p
        .steps
        .iter()
        .find(|s| s.sql.starts_with("DROP INDEX"))
        .unwrap_or_else(|| panic!("no drop:\n{text}"));
    assert_eq!(drop.sql, "DROP INDEX public.readings_v_idx");
    assert!(drop.transactional, "{text}");
    assert!(
        drop.hazards
            .iter()
            .all(|h| h.kind != crate::plan::Hazard::NonTransactional),
        "{text}"
    );
}
