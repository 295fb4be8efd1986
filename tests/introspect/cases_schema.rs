//! Scope, extensions, unmanaged objects, dependencies, determinism and the snapshot.

use crate::{id, q, scope, Case, Ctx};
use libtest_mimic::Failed;
use schemadiff::catalog::{Catalog, ObjectId, Unmanaged};
use schemadiff::introspect::{introspect, Scope};
use std::collections::BTreeSet;
use std::time::Instant;

pub const CASES: &[Case] = &[
    ("scope_and_schemas", schemas),
    ("extensions_and_their_objects_are_excluded", extensions),
    ("unmanaged_kinds_are_reported", unmanaged),
    ("dependencies", dependencies),
    ("same_ddl_gives_identical_catalogs", identical),
    ("catalog_round_trips_through_json", json_round_trip),
    ("snapshot_leaves_the_session_clean", session_clean),
];

pub const IGNORED: &[Case] = &[("measure_1000_tables", measure_1000_tables)];

fn schemas(ctx: &Ctx) -> Result<(), Failed> {
    let ddl = r#"
        CREATE SCHEMA app;
        CREATE SCHEMA "Other";
        CREATE SCHEMA _timescaledb_internal;
        CREATE SCHEMA timescaledb_information;
        COMMENT ON SCHEMA app IS 'the app';
        CREATE TABLE app.t (a int);
        CREATE TABLE "Other".u (a int);
        CREATE TABLE public.p (a int);
        CREATE TABLE _timescaledb_internal.chunk (a int);
        CREATE TYPE app.e AS ENUM ('x');
        CREATE TYPE "Other".e AS ENUM ('y');
        CREATE VIEW "Other".v AS SELECT 1 AS one;
    "#;
    let all = ctx.catalog("scope_all", ddl);
    let names: Vec<&str> = all.schemas.keys().map(|s| s.as_str()).collect();
    assert_eq!(names, vec!["Other", "app", "public"]);
    assert_eq!(all.schemas[&id("app")].comment.as_deref(), Some("the app"));
    assert_eq!(
        all.schemas[&id("public")].comment.as_deref(),
        Some("standard public schema")
    );
    let tables: Vec<String> = all.tables.keys().map(|t| t.to_string()).collect();
    assert_eq!(tables, vec!["\"Other\".u", "app.t", "public.p"]);
    assert_eq!(all.enums.len(), 2);

    let only_app = ctx.catalog_with("scope_app", ddl, &scope(&["app", "missing"]));
    let names: Vec<&str> = only_app.schemas.keys().map(|s| s.as_str()).collect();
    assert_eq!(names, vec!["app"]);
    assert_eq!(
        only_app.tables.keys().cloned().collect::<Vec<_>>(),
        vec![q("app", "t")]
    );
    assert_eq!(
        only_app.enums.keys().cloned().collect::<Vec<_>>(),
        vec![q("app", "e")]
    );
    assert!(
        only_app.unmanaged.is_empty(),
        "the view is outside the scope: {:?}",
        only_app.unmanaged
    );
    assert!(
        only_app
            .depends
            .keys()
            .chain(only_app.depends.values().flatten())
            .all(|o| !o.to_string().contains("Other")),
        "nothing outside the scope appears in dependencies"
    );
    Ok(())
}

fn extensions(ctx: &Ctx) -> Result<(), Failed> {
    let cat = ctx.catalog(
        "extensions",
        r#"
        CREATE SCHEMA crypto;
        CREATE EXTENSION citext;
        CREATE EXTENSION pgcrypto SCHEMA crypto;
        COMMENT ON EXTENSION citext IS 'case-insensitive text';
        CREATE EXTENSION lo;
        CREATE EXTENSION pg_stat_statements;
        CREATE EXTENSION cube;
        CREATE EXTENSION earthdistance;
        CREATE TABLE users (email citext PRIMARY KEY, aliases citext[],
                            secret bytea DEFAULT crypto.gen_random_bytes(8), picture lo);
        -- Objects made members of an extension by hand: left out like the extension's own.
        CREATE SCHEMA ext_owned;
        CREATE TABLE ext_owned.inside (a int);
        CREATE TABLE member_table (a int PRIMARY KEY);
        CREATE SEQUENCE member_seq;
        CREATE TYPE member_enum AS ENUM ('a');
        CREATE DOMAIN member_domain AS int CHECK (VALUE > 0);
        CREATE TYPE member_comp AS (a int);
        CREATE VIEW member_view AS SELECT 1 AS one;
        CREATE FUNCTION member_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
        ALTER EXTENSION citext ADD SCHEMA ext_owned;
        ALTER EXTENSION citext ADD TABLE member_table;
        ALTER EXTENSION citext ADD SEQUENCE member_seq;
        ALTER EXTENSION citext ADD TYPE member_enum;
        ALTER EXTENSION citext ADD DOMAIN member_domain;
        ALTER EXTENSION citext ADD TYPE member_comp;
        ALTER EXTENSION citext ADD VIEW member_view;
        ALTER EXTENSION citext ADD FUNCTION member_fn();
        "#,
    );
    let names: Vec<&str> = cat.extensions.keys().map(|e| e.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "citext",
            "cube",
            "earthdistance",
            "lo",
            "pg_stat_statements",
            "pgcrypto"
        ],
        "plpgsql is left out"
    );
    let schemas: Vec<&str> = cat.schemas.keys().map(|s| s.as_str()).collect();
    assert_eq!(
        schemas,
        vec!["crypto", "public"],
        "ext_owned belongs to citext"
    );
    assert_eq!(
        cat.tables.keys().cloned().collect::<Vec<_>>(),
        vec![q("public", "users")],
        "member tables and tables in an extension's schema are left out"
    );
    assert!(cat.sequences.is_empty(), "{:?}", cat.sequences);
    assert!(cat.indexes.is_empty(), "{:?}", cat.indexes);
    let citext = &cat.extensions[&id("citext")];
    assert_eq!(citext.schema, id("public"));
    assert_eq!(citext.comment.as_deref(), Some("case-insensitive text"));
    assert!(!citext.version.is_empty());
    assert_eq!(cat.extensions[&id("pgcrypto")].schema, id("crypto"));
    assert!(
        cat.unmanaged.is_empty(),
        "extension functions, types and operators are not reported: {:?}",
        cat.unmanaged
    );
    assert!(cat.enums.is_empty() && cat.domains.is_empty() && cat.composites.is_empty());
    let users = &cat.tables[&q("public", "users")];
    assert_eq!(
        users.column(&id("email")).unwrap().data_type,
        "public.citext"
    );
    assert_eq!(
        users.column(&id("secret")).unwrap().default.as_deref(),
        Some("crypto.gen_random_bytes(8)")
    );
    let column = |c: &str| ObjectId::Column {
        table: q("public", "users"),
        column: id(c),
    };
    let ext = |e: &str| ObjectId::Extension { name: id(e) };
    for c in ["email", "aliases"] {
        assert!(
            cat.depends[&column(c)].contains(&ext("citext")),
            "{c} needs citext: {:?}",
            cat.depends.get(&column(c))
        );
    }
    assert!(cat.depends[&column("secret")].contains(&ext("pgcrypto")));
    assert!(
        cat.depends[&column("picture")].contains(&ext("lo")),
        "a domain of an extension"
    );
    assert!(cat.depends[&ext("pgcrypto")].contains(&ObjectId::Schema { name: id("crypto") }));
    Ok(())
}

fn unmanaged(ctx: &Ctx) -> Result<(), Failed> {
    let mut ddl = String::from(
        r#"
        CREATE TABLE t (a int, b int);
        CREATE VIEW v AS SELECT a FROM t;
        CREATE MATERIALIZED VIEW mv AS SELECT b FROM t;
        CREATE INDEX mv_b ON mv (b);
        CREATE TABLE measurements (at date, x int) PARTITION BY RANGE (at);
        CREATE TABLE measurements_2024 PARTITION OF measurements
            FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE FOREIGN DATA WRAPPER dummy;
        CREATE SERVER remote FOREIGN DATA WRAPPER dummy;
        CREATE FOREIGN TABLE ft (a int) SERVER remote;
        CREATE FUNCTION add1(i int) RETURNS int LANGUAGE sql AS 'SELECT i + 1';
        CREATE PROCEDURE noop() LANGUAGE sql AS 'SELECT 1';
        CREATE AGGREGATE total(int) (SFUNC = int4pl, STYPE = int);
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS
            'BEGIN RETURN NEW; END';
        CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
        ALTER TABLE t ENABLE ROW LEVEL SECURITY;
        CREATE POLICY own ON t USING (a > 0);
        CREATE RULE no_delete AS ON DELETE TO t DO INSTEAD NOTHING;
        CREATE COLLATION nocase (provider = libc, locale = 'C');
        CREATE TEXT SEARCH CONFIGURATION my_english (COPY = english);
        CREATE FUNCTION int_eq(int, int) RETURNS bool LANGUAGE sql AS 'SELECT $1 = $2';
        CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = int_eq);
        CREATE STATISTICS t_stats (dependencies) ON a, b FROM t;
        CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS
            'BEGIN END';
        CREATE EVENT TRIGGER log_ddl ON ddl_command_end EXECUTE FUNCTION on_ddl();
        CREATE PUBLICATION pub FOR TABLE t;
        CREATE TYPE floatrange AS RANGE (subtype = float8);
        CREATE TABLE base (id int);
        CREATE TABLE derived (extra int) INHERITS (base);
        "#,
    );
    let virtual_column = ctx.version() >= 180000;
    if virtual_column {
        ddl.push_str("CREATE TABLE g (a int, doubled int GENERATED ALWAYS AS (a * 2) VIRTUAL);");
    }
    let cat = ctx.catalog("unmanaged", &ddl);
    let got: BTreeSet<(String, String)> = cat
        .unmanaged
        .iter()
        .map(|u| (u.kind.clone(), u.identity.clone()))
        .collect();
    let mut expected: BTreeSet<(String, String)> = [
        ("foreign table", "public.ft"),
        ("rule", "no_delete on public.t"),
        ("collation", "public.nocase"),
        ("text search configuration", "public.my_english"),
        ("operator", "public.===(integer,integer)"),
        ("statistics object", "public.t_stats"),
        ("publication", "pub"),
        ("range type", "public.floatrange"),
        ("table inheritance", "public.derived inherits public.base"),
        (
            "function",
            "public.floatrange(double precision,double precision)",
        ),
        (
            "function",
            "public.floatrange(double precision,double precision,pg_catalog.text)",
        ),
    ]
    .into_iter()
    .map(|(k, i)| (k.to_string(), i.to_string()))
    .collect();
    // A range type comes with a multirange type (not listed: it goes with the range) and
    // constructor functions for both, which are the user's too.
    for f in [
        "public.floatmultirange()",
        "public.floatmultirange(public.floatrange)",
        "public.floatmultirange(public.floatrange[])",
    ] {
        expected.insert(("function".into(), f.into()));
    }
    if virtual_column {
        expected.insert(("virtual generated column".into(), "public.g.doubled".into()));
        let g = &cat.tables[&q("public", "g")];
        assert_eq!(g.columns.len(), 1, "the virtual column is left to the user");
    }
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}\nunexpected {extra:?}"
    );
    assert!(
        cat.policies[&q("public", "t")].contains_key(&"own".into()),
        "policies are modelled"
    );
    let tables: Vec<String> = cat.tables.keys().map(|t| t.to_string()).collect();
    let mut want = vec![
        "public.base",
        "public.derived",
        "public.measurements",
        "public.measurements_2024",
        "public.t",
    ];
    if virtual_column {
        want.insert(2, "public.g");
    }
    assert_eq!(tables, want, "only plain tables are tables");
    let indexes: Vec<(String, String)> = cat
        .indexes
        .values()
        .map(|i| (i.name.to_string(), i.table.to_string()))
        .collect();
    assert_eq!(
        indexes,
        [("public.mv_b".to_string(), "public.mv".to_string())],
        "the index of a materialized view is an index on it"
    );
    assert!(
        cat.views.contains_key(&q("public", "v"))
            && cat.materialized_views.contains_key(&q("public", "mv"))
    );
    assert_eq!(
        tables, want,
        "plain and partitioned tables and partitions are tables"
    );
    // A view's dependencies go through its _RETURN rule, recorded as the view's.
    let view = ObjectId::View {
        name: q("public", "v"),
    };
    assert!(cat.depends[&view].contains(&ObjectId::Column {
        table: q("public", "t"),
        column: id("a"),
    }));
    // Routines, triggers and event triggers are modelled, except a range type's
    // constructors (listed above with their type).
    let trigger = ObjectId::Trigger {
        table: q("public", "t"),
        name: id("t_touch"),
    };
    assert!(cat.depends[&trigger].contains(&ObjectId::Function {
        name: q("public", "touch"),
        args: String::new(),
    }));
    let routines: Vec<String> = cat.all_functions().map(|f| f.target()).collect();
    assert_eq!(
        routines,
        [
            "public.add1(i integer)",
            "public.int_eq(integer, integer)",
            "public.noop()",
            "public.on_ddl()",
            "public.total(integer)",
            "public.touch()",
        ]
    );
    assert!(cat.event_triggers.contains_key(&id("log_ddl")));
    assert!(cat.unmanaged.contains(&Unmanaged {
        kind: "publication".into(),
        identity: "pub".into()
    }));
    Ok(())
}

const DEPENDS_DDL: &str = r#"
CREATE SCHEMA app;
CREATE TYPE app.status AS ENUM ('new', 'done');
CREATE DOMAIN app.positive AS int CHECK (VALUE > 0);
CREATE TYPE app.pair AS (s app.status, n app.positive);
CREATE SEQUENCE app.ticket_no;
CREATE TABLE app.parent (id serial PRIMARY KEY, code text UNIQUE);
CREATE TABLE app.child (
    id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id int REFERENCES app.parent,
    parent_code text REFERENCES app.parent (code),
    status app.status NOT NULL DEFAULT 'new',
    history app.status[],
    ticket bigint DEFAULT nextval('app.ticket_no'),
    amount app.positive,
    pairs app.pair[]
);
CREATE INDEX child_status ON app.child (status);
"#;

fn dependencies(ctx: &Ctx) -> Result<(), Failed> {
    let cat = ctx.catalog("dependencies", DEPENDS_DDL);
    let deps = |o: &ObjectId| cat.depends.get(o).cloned().unwrap_or_default();
    let table = |n: &str| ObjectId::Table { name: q("app", n) };
    let column = |t: &str, c: &str| ObjectId::Column {
        table: q("app", t),
        column: id(c),
    };
    let constraint = |t: &str, c: &str| ObjectId::Constraint {
        table: q("app", t),
        name: id(c),
    };
    let ty = |n: &str| ObjectId::Type { name: q("app", n) };
    let seq = |n: &str| ObjectId::Sequence { name: q("app", n) };

    let fk = deps(&constraint("child", "child_parent_id_fkey"));
    assert!(fk.contains(&constraint("parent", "parent_pkey")), "{fk:?}");
    assert!(fk.contains(&table("parent")), "{fk:?}");
    assert!(fk.contains(&column("parent", "id")), "{fk:?}");
    assert!(fk.contains(&column("child", "parent_id")), "{fk:?}");
    let fk2 = deps(&constraint("child", "child_parent_code_fkey"));
    assert!(
        fk2.contains(&constraint("parent", "parent_code_key")),
        "{fk2:?}"
    );

    assert!(deps(&column("child", "status")).contains(&ty("status")));
    assert!(
        deps(&column("child", "history")).contains(&ty("status")),
        "array of enum"
    );
    assert!(deps(&column("child", "amount")).contains(&ty("positive")));
    assert!(deps(&column("child", "pairs")).contains(&ty("pair")));
    assert!(deps(&ty("pair")).contains(&ty("status")));
    assert!(deps(&ty("pair")).contains(&ty("positive")));
    assert!(deps(&column("child", "ticket")).contains(&seq("ticket_no")));
    assert!(deps(&column("parent", "id")).contains(&seq("parent_id_seq")));
    assert!(
        deps(&seq("parent_id_seq"))
            .iter()
            .all(|d| !matches!(d, ObjectId::Column { .. })),
        "OWNED BY is not a dependency: {:?}",
        deps(&seq("parent_id_seq"))
    );
    assert!(deps(&table("child")).contains(&ObjectId::Schema { name: id("app") }));
    assert!(deps(&ty("status")).contains(&ObjectId::Schema { name: id("app") }));
    let index = ObjectId::Index {
        name: q("app", "child_status"),
    };
    assert!(deps(&index).contains(&column("child", "status")));

    for (from, to) in &cat.depends {
        assert!(!to.contains(from), "self-dependency of {from}");
        if let ObjectId::Table { name } = from {
            assert!(
                to.iter()
                    .all(|d| !matches!(d, ObjectId::Column { table, .. } if table == name)),
                "{from} depends on its own column"
            );
        }
    }
    Ok(())
}

/// Everything at once, for the determinism and serialisation checks.
fn everything() -> String {
    [
        include_str!("everything.sql"),
        "CREATE EXTENSION citext;",
        DEPENDS_DDL,
    ]
    .concat()
}

fn identical(ctx: &Ctx) -> Result<(), Failed> {
    let a = ctx.catalog("identical_a", &everything());
    // Different OIDs and creation order of unrelated objects on the second database.
    let shifted = format!(
        "CREATE TABLE filler (a int); CREATE TYPE junk AS ENUM ('j'); DROP TABLE filler; \
         DROP TYPE junk; {}",
        everything()
    );
    let b = ctx.catalog("identical_b", &shifted);
    assert!(a.tables.len() == 5 && !a.depends.is_empty() && !a.unmanaged.is_empty());
    assert_eq!(a, b);
    Ok(())
}

fn json_round_trip(ctx: &Ctx) -> Result<(), Failed> {
    let cat = ctx.catalog("json", &everything());
    let json = serde_json::to_string_pretty(&cat)?;
    let back: Catalog = serde_json::from_str(&json)?;
    assert_eq!(back, cat);
    assert!(json.contains("\"object\": \"column\""));
    Ok(())
}

fn session_clean(ctx: &Ctx) -> Result<(), Failed> {
    ctx.rt.block_on(async {
        let target = ctx.h.fresh_db("session").await;
        let client = target.connect().await.expect("connect");
        client
            .batch_execute("CREATE TABLE t (a int)")
            .await
            .expect("ddl");
        let first = introspect(&client, &Scope::default()).await.expect("first");
        let path: String = client
            .query_one("SHOW search_path", &[])
            .await
            .expect("show")
            .get(0);
        assert_eq!(
            path, "\"$user\", public",
            "SET LOCAL ended with the snapshot"
        );
        let in_tx: String = client
            .query_one("SELECT current_setting('transaction_read_only')", &[])
            .await
            .expect("read only")
            .get(0);
        assert_eq!(in_tx, "off", "the read-only transaction is over");
        let second = introspect(&client, &Scope::default())
            .await
            .expect("second");
        assert_eq!(first, second);
        assert_eq!(first.tables.len(), 1);
        drop(client);
        ctx.h.drop_db(&target).await;
    });
    Ok(())
}

/// 1,000 tables, each with ~6 columns, a PK, a FK, a CHECK, an index and an enum column.
fn measure_1000_tables(ctx: &Ctx) -> Result<(), Failed> {
    let mut ddl = String::from("CREATE TYPE state AS ENUM ('a', 'b', 'c');\n");
    for i in 0..1000 {
        let parent = if i == 0 { 0 } else { i - 1 };
        ddl.push_str(&format!(
            "CREATE TABLE t{i} (id bigint PRIMARY KEY, parent_id bigint REFERENCES t{parent}, \
             name text NOT NULL DEFAULT '', qty int CHECK (qty >= 0), st state, \
             created timestamptz DEFAULT now());\n\
             CREATE INDEX t{i}_name ON t{i} (name);\n"
        ));
    }
    ctx.rt.block_on(async {
        let target = ctx.h.fresh_db("thousand").await;
        let client = target.connect().await.expect("connect");
        client.batch_execute(&ddl).await.expect("ddl");
        client.batch_execute("ANALYZE").await.expect("analyze");
        // Cold: a new connection each time, as a CLI run does (empty catalog caches).
        let mut cold = Vec::new();
        for _ in 0..5 {
            let fresh = target.connect().await.expect("connect");
            let start = Instant::now();
            let cat = introspect(&fresh, &Scope::default())
                .await
                .expect("introspect");
            cold.push(start.elapsed());
            assert_eq!(cat.tables.len(), 1000);
        }
        // Warm: the same connection again and again.
        let mut warm = Vec::new();
        let mut cat = Catalog::default();
        for _ in 0..5 {
            let start = Instant::now();
            cat = introspect(&client, &Scope::default())
                .await
                .expect("introspect");
            warm.push(start.elapsed());
        }
        assert_eq!(cat.tables.len(), 1000);
        assert_eq!(cat.indexes.len(), 1000);
        let constraints: usize = cat.tables.values().map(|t| t.constraints.len()).sum();
        assert_eq!(constraints, 3000);
        cold.sort();
        warm.sort();
        println!(
            "introspect 1000 tables (server {}): new connection min {:?} median {:?}; \
             same connection min {:?} median {:?}; {} dependency sources",
            ctx.version(),
            cold[0],
            cold[2],
            warm[0],
            warm[2],
            cat.depends.len()
        );
        drop(client);
        ctx.h.drop_db(&target).await;
    });
    Ok(())
}
