//! Partitioned tables and partitions: keys, bounds, and what a partition inherits kept
//! apart from what it owns.

use super::{id, q, Case, Ctx};
use libtest_mimic::Failed;
use schemadiff::catalog::{ConstraintKind, ObjectId};

pub const CASES: &[Case] = &[
    (
        "partitions/keys_bounds_and_inherited_objects",
        keys_bounds_and_inherited,
    ),
    ("partitions/bounds_print_in_utc", bounds_print_in_utc),
];

fn keys_bounds_and_inherited(ctx: &Ctx) -> Result<(), Failed> {
    let cat = ctx.catalog(
        "partitions",
        r#"
        CREATE TABLE users (id int PRIMARY KEY);
        CREATE TABLE ev (
            id int NOT NULL,
            uid int REFERENCES users,
            kind text NOT NULL,
            at date NOT NULL,
            PRIMARY KEY (id, at, kind),
            CONSTRAINT ev_at_check CHECK (at > '2000-01-01')
        ) PARTITION BY RANGE (at);
        CREATE INDEX ev_uid_idx ON ev (uid);
        CREATE TABLE ev_2024 PARTITION OF ev (
            CONSTRAINT ev_2024_id_check CHECK (id > 0)
        ) FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY LIST (kind);
        CREATE TABLE ev_2024_click PARTITION OF ev_2024 FOR VALUES IN ('click', 'tap');
        CREATE INDEX ev_2024_click_kind_idx ON ev_2024_click (kind);
        CREATE TABLE ev_rest PARTITION OF ev DEFAULT;
        CREATE TABLE refs (
            id int,
            ev_id int,
            ev_at date,
            ev_kind text,
            FOREIGN KEY (ev_id, ev_at, ev_kind) REFERENCES ev
        );
        CREATE TABLE sess (id int GENERATED ALWAYS AS IDENTITY, uid int NOT NULL)
            PARTITION BY HASH (uid);
        CREATE TABLE sess_0 PARTITION OF sess FOR VALUES WITH (MODULUS 2, REMAINDER 0);
        CREATE TABLE base (id int, CONSTRAINT base_id_check CHECK (id > 0));
        CREATE TABLE derived (extra int) INHERITS (base);
        "#,
    );
    let ev = &cat.tables[&q("public", "ev")];
    assert_eq!(ev.partition_by.as_deref(), Some("RANGE (at)"));
    assert!(ev.partition_of.is_none());
    assert_eq!(ev.columns.len(), 4);
    assert_eq!(
        cat.indexes[&q("public", "ev_uid_idx")].definition,
        "CREATE INDEX ON ONLY public.ev USING btree (uid)"
    );

    let sub = &cat.tables[&q("public", "ev_2024")];
    assert_eq!(sub.partition_by.as_deref(), Some("LIST (kind)"));
    let p = sub.partition_of.as_ref().expect("ev_2024 is a partition");
    assert_eq!(p.parent, q("public", "ev"));
    assert_eq!(p.bound, "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
    assert_eq!(sub.columns.len(), 4, "a partition's columns are all listed");
    let own: Vec<&str> = sub.constraints.keys().map(|n| n.as_str()).collect();
    assert_eq!(own, ["ev_2024_id_check"], "only its own constraints");
    let inherited: Vec<(&str, ConstraintKind)> = p
        .inherited_constraints
        .values()
        .map(|c| (c.name.as_str(), c.kind))
        .collect();
    assert_eq!(
        inherited,
        [
            ("ev_2024_pkey", ConstraintKind::PrimaryKey),
            ("ev_at_check", ConstraintKind::Check),
            ("ev_uid_fkey", ConstraintKind::ForeignKey),
        ]
    );
    let attached: Vec<String> = p.attached_indexes.keys().map(|n| n.to_string()).collect();
    assert_eq!(attached, ["public.ev_2024_uid_idx"]);
    assert!(
        !cat.indexes.contains_key(&q("public", "ev_2024_uid_idx")),
        "an index made from the parent's is not an index of the catalog"
    );

    let leaf = &cat.tables[&q("public", "ev_2024_click")];
    let lp = leaf.partition_of.as_ref().expect("a partition");
    assert_eq!(lp.parent, q("public", "ev_2024"));
    assert_eq!(lp.bound, "FOR VALUES IN ('click', 'tap')");
    assert!(leaf.constraints.is_empty());
    assert!(lp
        .inherited_constraints
        .contains_key(&id("ev_2024_id_check")));
    assert!(cat
        .indexes
        .contains_key(&q("public", "ev_2024_click_kind_idx")));
    assert_eq!(
        cat.tables[&q("public", "ev_rest")]
            .partition_of
            .as_ref()
            .unwrap()
            .bound,
        "DEFAULT"
    );
    assert_eq!(
        cat.tables[&q("public", "sess_0")]
            .partition_of
            .as_ref()
            .unwrap()
            .bound,
        "FOR VALUES WITH (modulus 2, remainder 0)"
    );

    assert!(cat.tables[&q("public", "sess")].columns[0]
        .identity
        .is_some());
    assert!(
        cat.tables[&q("public", "sess_0")].columns[0]
            .identity
            .is_none(),
        "from PostgreSQL 17 a partition shares its parent's identity: it is the parent's"
    );

    let refs = &cat.tables[&q("public", "refs")];
    let fks: Vec<&str> = refs.constraints.keys().map(|n| n.as_str()).collect();
    assert_eq!(
        fks,
        ["refs_ev_id_ev_at_ev_kind_fkey"],
        "the per-partition clones of a foreign key to a partitioned table are PostgreSQL's"
    );

    let derived = &cat.tables[&q("public", "derived")];
    assert!(derived.partition_of.is_none());
    assert!(
        derived.constraints.contains_key(&id("base_id_check")),
        "inheritance children keep their inherited constraints"
    );
    assert!(cat
        .unmanaged
        .iter()
        .any(|u| u.kind == "table inheritance"
            && u.identity == "public.derived inherits public.base"));
    assert!(
        !cat.unmanaged.iter().any(|u| u.identity.contains("ev")),
        "{:?}",
        cat.unmanaged
    );

    let table = |n: &str| ObjectId::Table {
        name: q("public", n),
    };
    assert!(cat.depends[&table("ev_2024")].contains(&table("ev")));
    assert!(cat.depends[&table("ev_2024_click")].contains(&table("ev_2024")));
    Ok(())
}

fn bounds_print_in_utc(ctx: &Ctx) -> Result<(), Failed> {
    let cat = ctx.catalog(
        "partitions_tz",
        r#"
        DO $$ BEGIN
            EXECUTE format('ALTER DATABASE %I SET TimeZone = %L', current_database(), 'Asia/Tokyo');
            EXECUTE format('ALTER DATABASE %I SET DateStyle = %L', current_database(), 'SQL, DMY');
        END $$;
        CREATE TABLE m (at timestamptz NOT NULL DEFAULT '2024-01-01 00:00:00+00')
            PARTITION BY RANGE (at);
        CREATE TABLE m_2024 PARTITION OF m
            FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00');
        "#,
    );
    let m = &cat.tables[&q("public", "m_2024")];
    assert_eq!(
        m.partition_of.as_ref().unwrap().bound,
        "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00')"
    );
    assert_eq!(
        m.columns[0].default.as_deref(),
        Some("'2024-01-01 00:00:00+00'::timestamp with time zone")
    );
    Ok(())
}
