//! Desired-state loading against a real PostgreSQL: splitting, ordering, loading, dev
//! databases, diagnostics and the cache.

#[path = "source/corpus.rs"]
mod corpus;
mod support;

use libtest_mimic::{Arguments, Trial};
use miette::{GraphicalReportHandler, GraphicalTheme};
use schemadiff::catalog::Catalog;
use schemadiff::conn::ConnTarget;
use schemadiff::introspect::Scope;
use schemadiff::source::{
    cache, desired_catalog, load, read_paths, CacheOptions, DesiredFiles, DevDatabase, DevDb,
    LoadOptions, SourceError,
};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::Harness;

type TestFn = fn(&Harness);

fn main() {
    let mut args = Arguments::from_args();
    // Several tests look at the databases of the whole cluster.
    args.test_threads = Some(1);
    let h = Arc::new(Harness::start());
    let tests: Vec<(&str, TestFn)> = vec![
        ("split_edge_cases_load", split_edge_cases_load),
        (
            "reverse_dependency_order_loads",
            reverse_dependency_order_loads,
        ),
        (
            "retry_pass_catches_hidden_dependencies",
            retry_pass_catches_hidden_dependencies,
        ),
        ("settings_apply_to_their_file", settings_apply_to_their_file),
        (
            "statements_that_must_run_alone",
            statements_that_must_run_alone,
        ),
        ("many_small_batches", many_small_batches),
        (
            "errors_point_at_file_line_column",
            errors_point_at_file_line_column,
        ),
        ("bad_input_diagnostics", bad_input_diagnostics),
        (
            "dev_database_dropped_after_success",
            dev_database_dropped_after_success,
        ),
        (
            "dev_database_dropped_after_failure",
            dev_database_dropped_after_failure,
        ),
        (
            "dev_database_dropped_on_ctrl_c",
            dev_database_dropped_on_ctrl_c,
        ),
        ("dev_database_privilege_error", dev_database_privilege_error),
        ("embedded_dev_database", embedded_dev_database),
        (
            "cache_hit_miss_and_invalidation",
            cache_hit_miss_and_invalidation,
        ),
        (
            "conformance_corpus_loads_reversed",
            corpus::conformance_corpus_loads_reversed,
        ),
    ];
    let trials = tests
        .into_iter()
        .map(|(name, f)| {
            let h = Arc::clone(&h);
            Trial::test(name, move || {
                f(&h);
                Ok(())
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    drop(h);
    conclusion.exit();
}

fn block_on<F: Future>(f: F) -> F::Output {
    support::runtime().block_on(f)
}

/// Write `files` into a fresh temporary directory.
fn write_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn desired(dir: &Path) -> DesiredFiles {
    read_paths(&[dir.to_path_buf()]).unwrap_or_else(|e| panic!("{}", render(&e)))
}

async fn query_strings(target: &ConnTarget, sql: &str) -> Vec<String> {
    let c = target.connect().await.unwrap();
    c.query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect()
}

async fn count(target: &ConnTarget, sql: &str) -> i64 {
    let c = target.connect().await.unwrap();
    c.query_one(sql, &[]).await.unwrap().get(0)
}

fn render(e: &dyn miette::Diagnostic) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(200)
        .render_report(&mut out, e)
        .unwrap();
    out
}

async fn load_ok(files: &DesiredFiles, target: &ConnTarget) -> schemadiff::source::LoadReport {
    load(files, target, &LoadOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{}", render(&e)))
}

fn split_edge_cases_load(h: &Harness) {
    let dir = write_dir(&[(
        "edge.sql",
        "/* a comment /* nested; */ still; comment */\n\
         CREATE TABLE \"Odd;Name\" (\"semi;colon\" text DEFAULT 'a;b', e text DEFAULT E'it\\'s;\\n', \
         x text DEFAULT E'\\xZZ');\n\
         CREATE FUNCTION f_dollar() RETURNS text LANGUAGE plpgsql AS $fn$\n\
         BEGIN\n  RETURN $$semi;colon$$ || ';';\nEND\n$fn$;\n\
         CREATE FUNCTION f_atomic(a int) RETURNS int LANGUAGE sql\n\
         BEGIN ATOMIC\n  SELECT CASE WHEN a > 0 THEN a ELSE 0 END;\nEND;\n\
         -- a comment; with a semicolon\n;;\n\
         COMMENT ON TABLE \"Odd;Name\" IS 'it''s; here';\n",
    )]);
    let files = desired(dir.path());
    assert_eq!(files.statements.len(), 4, "{:#?}", files.statements);
    block_on(async {
        let db = h.fresh_db("split edge cases").await;
        let report = load_ok(&files, &db).await;
        assert_eq!(report.statements, 4);
        let defaults = query_strings(
            &db,
            "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef \
             WHERE adrelid = '\"Odd;Name\"'::regclass ORDER BY adnum",
        )
        .await;
        assert_eq!(
            defaults,
            vec!["'a;b'::text", "'it''s;\n'::text", "'xZZ'::text"]
        );
        let c = db.connect().await.unwrap();
        let row = c
            .query_one(
                "SELECT f_dollar(), f_atomic(5)::text, obj_description('\"Odd;Name\"'::regclass)",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<_, String>(0), "semi;colon;");
        assert_eq!(row.get::<_, String>(1), "5");
        assert_eq!(row.get::<_, String>(2), "it's; here");
        h.drop_db(&db).await;
    });
}

fn reverse_dependency_order_loads(h: &Harness) {
    // Sorted by name, every file comes before the files it depends on.
    let dir = write_dir(&[
        (
            "01_comments_and_indexes.sql",
            "COMMENT ON TABLE shop.orders IS 'orders';\n\
             COMMENT ON COLUMN shop.orders.status IS 'lifecycle';\n\
             CREATE INDEX orders_customer_idx ON shop.orders (customer_id);\n\
             CREATE UNIQUE INDEX customers_email_key ON shop.customers (lower(email));\n",
        ),
        (
            "02_orders.sql",
            "CREATE TABLE shop.orders (\n  id bigint PRIMARY KEY DEFAULT nextval('shop.order_ids'),\n  \
             customer_id bigint NOT NULL REFERENCES shop.customers (id),\n  \
             status shop.order_status NOT NULL DEFAULT 'new',\n  \
             total shop.money_amount CHECK (total >= 0)\n);\n\
             ALTER SEQUENCE shop.order_ids OWNED BY shop.orders.id;\n\
             CREATE VIEW shop.open_orders AS SELECT o.id, c.email FROM shop.orders o, shop.customers c \
             WHERE o.customer_id = c.id AND o.status = 'new';\n",
        ),
        (
            "sub/03_customers.sql",
            "CREATE TABLE shop.customers (id bigint PRIMARY KEY, email text NOT NULL);\n",
        ),
        (
            "sub/04_types.sql",
            "CREATE SEQUENCE shop.order_ids;\n\
             CREATE TYPE shop.order_status AS ENUM ('new', 'paid', 'shipped');\n\
             CREATE DOMAIN shop.money_amount AS numeric(12,2);\n",
        ),
        ("z_schema.sql", "CREATE SCHEMA shop;\n"),
    ]);
    let files = desired(dir.path());
    block_on(async {
        let db = h.fresh_db("reverse order").await;
        let report = load_ok(&files, &db).await;
        assert_eq!(report.statements, 12);
        assert_eq!(report.retried, 0, "the order alone should be right");
        assert_eq!(report.fallbacks, 0);
        let rels = query_strings(
            &db,
            "SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = relnamespace \
             WHERE nspname = 'shop' ORDER BY 1",
        )
        .await;
        assert_eq!(
            rels,
            vec![
                "customers",
                "customers_email_key",
                "customers_pkey",
                "open_orders",
                "order_ids",
                "orders",
                "orders_customer_idx",
                "orders_pkey"
            ]
        );
        assert_eq!(
            count(
                &db,
                "SELECT count(*) FROM pg_description WHERE objoid = 'shop.orders'::regclass"
            )
            .await,
            2
        );
        assert_eq!(
            count(&db, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'shop.orders'::regclass").await,
            1
        );
        h.drop_db(&db).await;
    });
}

fn retry_pass_catches_hidden_dependencies(h: &Harness) {
    // The parent table is created by dynamic SQL the classifier cannot see into.
    let dir = write_dir(&[
        (
            "a.sql",
            "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id));\n\
             CREATE TABLE other (id int);\n",
        ),
        (
            "b.sql",
            "DO $$ BEGIN EXECUTE 'CREATE TABLE parent (id int PRIMARY KEY)'; END $$;\n",
        ),
    ]);
    let files = desired(dir.path());
    block_on(async {
        let db = h.fresh_db("retry").await;
        let report = load_ok(&files, &db).await;
        assert_eq!(report.statements, 3);
        assert_eq!(report.retried, 1);
        assert_eq!(report.fallbacks, 1);
        assert_eq!(
            count(
                &db,
                "SELECT count(*) FROM pg_class WHERE relname IN ('child', 'parent', 'other')"
            )
            .await,
            3
        );
        h.drop_db(&db).await;
    });
}

fn settings_apply_to_their_file(h: &Harness) {
    let dir = write_dir(&[
        (
            "a_app.sql",
            "SELECT pg_catalog.set_config('search_path', '', false);\nSET search_path = app;\n\
             CREATE TABLE t (id int);\nCREATE TABLE u (id int);\n",
        ),
        ("b_public.sql", "CREATE TABLE t (id int);\n"),
        ("c_schema.sql", "CREATE SCHEMA app;\n"),
    ]);
    let files = desired(dir.path());
    block_on(async {
        let db = h.fresh_db("settings").await;
        load_ok(&files, &db).await;
        let tables = query_strings(
            &db,
            "SELECT schemaname || '.' || tablename FROM pg_tables \
             WHERE schemaname IN ('app', 'public') ORDER BY 1",
        )
        .await;
        assert_eq!(tables, vec!["app.t", "app.u", "public.t"]);
        h.drop_db(&db).await;
    });
}

fn statements_that_must_run_alone(h: &Harness) {
    let dir = write_dir(&[(
        "a.sql",
        "CREATE TYPE mood AS ENUM ('sad');\nALTER TYPE mood ADD VALUE 'happy';\n\
         CREATE TABLE people (name text, m mood DEFAULT 'happy');\n\
         CREATE INDEX CONCURRENTLY people_name_idx ON people (name);\n\
         VACUUM people;\n",
    )]);
    let files = desired(dir.path());
    assert!(files.statements[1].run_alone && files.statements[3].run_alone);
    block_on(async {
        let db = h.fresh_db("run alone").await;
        load_ok(&files, &db).await;
        assert_eq!(
            count(
                &db,
                "SELECT count(*) FROM pg_index WHERE indrelid = 'people'::regclass AND indisvalid"
            )
            .await,
            1
        );
        h.drop_db(&db).await;
    });
}

/// A generated schema: `n` tables in `n/10` groups, each referencing the group's first.
fn generated(n: usize) -> String {
    let mut sql = String::from("CREATE TYPE state AS ENUM ('on', 'off');\n");
    for i in 0..n {
        let parent = (i / 10) * 10;
        sql.push_str(&format!(
            "CREATE TABLE t{i} (id bigint PRIMARY KEY, parent_id bigint{}, s state NOT NULL, \
             n int CHECK (n > 0), label text UNIQUE);\nCREATE INDEX t{i}_s ON t{i} (s);\n",
            if i == parent {
                String::new()
            } else {
                format!(" REFERENCES t{parent} (id)")
            }
        ));
    }
    sql
}

fn many_small_batches(h: &Harness) {
    let dir = write_dir(&[("gen.sql", &generated(60))]);
    let files = desired(dir.path());
    block_on(async {
        let db = h.fresh_db("small batches").await;
        let opts = LoadOptions {
            batch_statements: 10,
            ..LoadOptions::default()
        };
        let report = load(&files, &db, &opts)
            .await
            .unwrap_or_else(|e| panic!("{}", render(&e)));
        assert_eq!(report.statements, 121);
        assert_eq!(report.batches, 13);
        assert_eq!(report.fallbacks, 0);
        assert_eq!(
            count(
                &db,
                "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
            )
            .await,
            54
        );
        h.drop_db(&db).await;
    });
}

fn errors_point_at_file_line_column(h: &Harness) {
    let dir = write_dir(&[
        ("good.sql", "CREATE TABLE fine (id int);\n"),
        (
            "bad.sql",
            "-- header\nCREATE TABLE broken (\n    id int,\n    note text DEFAULT 'ünïcödé', n intt\n);\n\
             CREATE TABLE syntax (id int,, x int);\n",
        ),
    ]);
    let files = desired(dir.path());
    block_on(async {
        let db = h.fresh_db("errors").await;
        let err = load(&files, &db, &LoadOptions::default())
            .await
            .expect_err("must fail");
        let text = render(&err);
        let SourceError::Failed {
            count: n, errors, ..
        } = &err
        else {
            panic!("{text}");
        };
        assert_eq!(*n, 2, "{text}");
        // Column in characters: `n intt` starts after the non-ASCII default.
        assert!(text.contains("bad.sql:4:36"), "{text}");
        assert!(text.contains("type \"intt\" does not exist"), "{text}");
        assert!(text.contains("42704"), "{text}");
        assert!(text.contains("bad.sql:6:29"), "{text}");
        assert!(text.contains("syntax error at or near \",\""), "{text}");
        assert!(matches!(errors[0], SourceError::Rejected { ref code, .. } if code == "42601"));
        // The good file still loaded.
        assert_eq!(
            count(&db, "SELECT count(*) FROM pg_class WHERE relname = 'fine'").await,
            1
        );
        h.drop_db(&db).await;
    });
}

fn bad_input_diagnostics(_h: &Harness) {
    let missing = PathBuf::from("/nonexistent/schema/dir");
    let err = read_paths(&[missing]).expect_err("missing path");
    let text = render(&err);
    assert!(text.contains("/nonexistent/schema/dir"), "{text}");
    assert!(text.contains("no such file or directory"), "{text}");

    let dir = write_dir(&[("m.sql", "CREATE TABLE a (id int);\n\\i other.sql\n")]);
    let text = render(&read_paths(&[dir.path().to_path_buf()]).expect_err("meta command"));
    assert!(text.contains("psql meta-command `\\i`"), "{text}");
    assert!(text.contains("m.sql:2:1"), "{text}");

    let dir = write_dir(&[("u.sql", "CREATE TABLE a (id int);\nSELECT 'unterminated;\n")]);
    let text = render(&read_paths(&[dir.path().to_path_buf()]).expect_err("unterminated"));
    assert!(text.contains("unterminated string"), "{text}");
    assert!(text.contains("u.sql:2:8"), "{text}");

    let dir = write_dir(&[("r.sql", "CREATE ROLE app_rw LOGIN;\n")]);
    let text = render(&read_paths(&[dir.path().to_path_buf()]).expect_err("role"));
    assert!(text.contains("CREATE ROLE"), "{text}");

    let dir = write_dir(&[("notes.txt", "not sql")]);
    let text = render(&read_paths(&[dir.path().to_path_buf()]).expect_err("no sql"));
    assert!(text.contains("no .sql files"), "{text}");
}

async fn dev_databases(h: &Harness) -> Vec<String> {
    query_strings(
        &h.cluster.target("postgres"),
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'schemadiff_dev_%'",
    )
    .await
}

fn dev_database_dropped_after_success(h: &Harness) {
    let dir = write_dir(&[(
        "a.sql",
        "CREATE TABLE a (id int);\nCREATE TABLE b (a_id int);\n",
    )]);
    let files = desired(dir.path());
    let dev = DevDb::Url(h.cluster.target("postgres"));
    block_on(async {
        let db = DevDatabase::create(&dev).await.unwrap();
        assert!(db
            .name()
            .starts_with(&format!("schemadiff_dev_{}_", std::process::id())));
        assert_eq!(dev_databases(h).await, vec![db.name().to_string()]);
        load_ok(&files, db.target()).await;
        assert_eq!(
            count(
                db.target(),
                "SELECT count(*) FROM pg_class WHERE relname IN ('a', 'b')"
            )
            .await,
            2
        );
        // A session still open in it does not prevent the drop.
        let lingering = db.target().connect().await.unwrap();
        db.drop().await.unwrap();
        assert!(lingering.simple_query("SELECT 1").await.is_err());
        assert!(dev_databases(h).await.is_empty());

        // Through desired_catalog: loading succeeds; whatever introspection returns, the
        // database is gone afterwards.
        let scope = Scope::default();
        let _ = desired_catalog(&files, &dev, &scope, &CacheOptions::default()).await;
        assert!(dev_databases(h).await.is_empty());
    });
}

fn dev_database_dropped_after_failure(h: &Harness) {
    let dir = write_dir(&[(
        "a.sql",
        "CREATE TABLE a (id int);\nCREATE TABLE b (x nosuchtype);\n",
    )]);
    let files = desired(dir.path());
    let dev = DevDb::TargetServer(h.cluster.target("postgres"));
    block_on(async {
        let err = desired_catalog(&files, &dev, &Scope::default(), &CacheOptions::default())
            .await
            .expect_err("load fails");
        let text = render(&err);
        assert!(matches!(err, SourceError::Rejected { .. }), "{text}");
        assert!(text.contains("nosuchtype"), "{text}");
        assert!(dev_databases(h).await.is_empty());
    });
}

fn dev_database_dropped_on_ctrl_c(h: &Harness) {
    let dir = write_dir(&[("gen.sql", &generated(3000))]);
    let files = desired(dir.path());
    let dev = DevDb::Url(h.cluster.target("postgres"));
    block_on(async {
        let pid = std::process::id().to_string();
        let interrupt = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(1500));
            std::process::Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
        });
        let started = std::time::Instant::now();
        let result =
            desired_catalog(&files, &dev, &Scope::default(), &CacheOptions::default()).await;
        assert!(interrupt.join().unwrap().success());
        assert!(
            matches!(result, Err(SourceError::Interrupted)),
            "after {:?}: {:?}",
            started.elapsed(),
            result.map(|_| ())
        );
        assert!(dev_databases(h).await.is_empty());
    });
}

async fn nocreatedb_target(h: &Harness) -> ConnTarget {
    let admin = h.cluster.target("postgres").connect().await.unwrap();
    admin
        .batch_execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'no_createdb') \
             THEN CREATE ROLE no_createdb LOGIN NOCREATEDB; END IF; END $$",
        )
        .await
        .unwrap();
    ConnTarget::parse(&format!(
        "host={} port={} user=no_createdb dbname=postgres",
        h.cluster.socket_dir().display(),
        h.cluster.port()
    ))
    .unwrap()
}

fn dev_database_privilege_error(h: &Harness) {
    block_on(async {
        let dev = DevDb::Url(nocreatedb_target(h).await);
        let err = DevDatabase::create(&dev).await.err().expect("refused");
        let text = render(&err);
        assert!(matches!(err, SourceError::DevPrivilege { .. }), "{text}");
        assert!(text.contains("42501"), "{text}");
        assert!(text.contains("--dev-url URL"), "{text}");
        assert!(text.contains("--dev-url embedded"), "{text}");
    });
}

fn embedded_dev_database(_h: &Harness) {
    let dir = write_dir(&[(
        "a.sql",
        "CREATE TABLE b (a_id int REFERENCES a);\nCREATE TABLE a (id int PRIMARY KEY);\n",
    )]);
    let files = desired(dir.path());
    block_on(async {
        let db = DevDatabase::create(&DevDb::Embedded).await.unwrap();
        let report = load_ok(&files, db.target()).await;
        assert_eq!(report.statements, 2);
        assert_eq!(report.retried, 0);
        let version = count(
            db.target(),
            "SELECT current_setting('server_version_num')::bigint",
        )
        .await;
        assert!(version >= 140000);
        db.drop().await.unwrap();
    });
}

fn cache_hit_miss_and_invalidation(h: &Harness) {
    let dir = write_dir(&[("a.sql", "CREATE TABLE a (id int);\n")]);
    let cache_dir = tempfile::tempdir().unwrap();
    let options = CacheOptions {
        enabled: true,
        dir: Some(cache_dir.path().to_path_buf()),
    };
    let scope = Scope::default();
    block_on(async {
        // This dev server refuses CREATE DATABASE: only a cache hit can succeed.
        let dev = DevDb::Url(nocreatedb_target(h).await);
        let files = desired(dir.path());
        let miss = desired_catalog(&files, &dev, &scope, &options).await;
        assert!(matches!(miss, Err(SourceError::DevPrivilege { .. })));

        let fingerprint = cache::fingerprint(&dev).await.unwrap();
        assert!(
            fingerprint.contains(&format!("server {}", h.server_version)),
            "{fingerprint}"
        );
        assert!(fingerprint.contains("plpgsql="), "{fingerprint}");
        let key = cache::cache_key(&files, &fingerprint, &scope);
        let stored = Catalog {
            server_version: h.server_version,
            ..Catalog::default()
        };
        cache::store(cache_dir.path(), &key, &stored);
        let hit = desired_catalog(&files, &dev, &scope, &options)
            .await
            .unwrap_or_else(|e| panic!("{}", render(&e)));
        assert_eq!(hit, stored);

        // Another scope, or a changed file, misses.
        let narrow = Scope {
            schemas: Some(["app".to_string()].into_iter().collect()),
            ..Scope::default()
        };
        assert!(desired_catalog(&files, &dev, &narrow, &options)
            .await
            .is_err());
        std::fs::write(dir.path().join("a.sql"), "CREATE TABLE a (id bigint);\n").unwrap();
        let changed = desired(dir.path());
        let miss = desired_catalog(&changed, &dev, &scope, &options).await;
        assert!(matches!(miss, Err(SourceError::DevPrivilege { .. })));

        // A corrupt entry is a miss, not an error of its own.
        std::fs::write(cache_dir.path().join(format!("{key}.json")), "{ truncated").unwrap();
        let miss = desired_catalog(&files, &dev, &scope, &options).await;
        assert!(matches!(miss, Err(SourceError::DevPrivilege { .. })));

        // Disabled cache: always the dev database.
        cache::store(cache_dir.path(), &key, &stored);
        let off = CacheOptions {
            enabled: false,
            ..options.clone()
        };
        assert!(desired_catalog(&files, &dev, &scope, &off).await.is_err());
    });
}
