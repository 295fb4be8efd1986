//! Loading desired files versus `psql -f` of the same file, on a throwaway cluster.
//!
//! `cargo bench --bench source_load [-- SIZES]` (default `1000,5000` tables). Each table
//! has a primary key, foreign keys, a check, a unique constraint, an enum column, two more
//! indexes and a comment. Times are wall clock, best of `SCHEMADIFF_BENCH_RUNS` (default 2);
//! `SCHEMADIFF_BENCH_BATCH` overrides the statements per batch.

use schemadiff::conn::ConnTarget;
use schemadiff::embedded::EmbeddedCluster;
use schemadiff::source::{load, read_paths, LoadOptions};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn generate(n: usize) -> String {
    let mut sql = String::new();
    sql.push_str("CREATE SCHEMA app;\n");
    sql.push_str("CREATE TYPE app.status AS ENUM ('new', 'active', 'archived');\n");
    sql.push_str("CREATE TYPE app.priority AS ENUM ('low', 'normal', 'high');\n");
    for i in 0..n {
        let mut fks = String::new();
        if i > 0 {
            fks.push_str(&format!(
                ",\n  parent_id bigint NOT NULL REFERENCES app.t{} (id)",
                i / 2
            ));
        }
        if i > 10 {
            fks.push_str(&format!(
                ",\n  owner_id bigint REFERENCES app.t{} (id) ON DELETE SET NULL",
                i % 10
            ));
        }
        sql.push_str(&format!(
            "CREATE TABLE app.t{i} (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  \
             code text NOT NULL UNIQUE,\n  status app.status NOT NULL DEFAULT 'new',\n  \
             prio app.priority,\n  amount numeric(12,2) CHECK (amount >= 0),\n  \
             created_at timestamptz NOT NULL DEFAULT now(),\n  payload jsonb{fks}\n);\n\
             CREATE INDEX t{i}_created_idx ON app.t{i} (created_at DESC);\n\
             CREATE INDEX t{i}_status_idx ON app.t{i} (status) WHERE status <> 'archived';\n\
             COMMENT ON TABLE app.t{i} IS 'table {i}';\n"
        ));
    }
    sql
}

fn fresh(cluster: &EmbeddedCluster, rt: &tokio::runtime::Runtime, name: &str) -> ConnTarget {
    rt.block_on(async {
        let admin = cluster.target("postgres").connect().await.unwrap();
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name} TEMPLATE template0"),
        ] {
            admin.batch_execute(&sql).await.unwrap();
        }
    });
    cluster.target(name)
}

fn count_tables(rt: &tokio::runtime::Runtime, target: &ConnTarget) -> i64 {
    rt.block_on(async {
        let c = target.connect().await.unwrap();
        c.query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'app'",
            &[],
        )
        .await
        .unwrap()
        .get(0)
    })
}

fn psql(cluster: &EmbeddedCluster, db: &str, file: &Path) -> Duration {
    let start = Instant::now();
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", "postgres"])
        .arg("-h")
        .arg(cluster.socket_dir())
        .args(["-p", &cluster.port().to_string(), "-d", db, "-f"])
        .arg(file)
        .output()
        .expect("psql runs");
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

fn secs(d: Duration) -> String {
    format!("{:.2}s", d.as_secs_f64())
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "1000,5000".into())
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect();
    let runs: usize = std::env::var("SCHEMADIFF_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(2);
    let cluster = EmbeddedCluster::start(None).expect("cluster");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    println!("tables  statements  psql -f  read+split+order  load  total  total, reversed file");
    for n in sizes {
        let sql = generate(n);
        let file = dir.path().join(format!("gen{n}.sql"));
        std::fs::write(&file, &sql).unwrap();
        let mut reversed: Vec<&str> = sql.split_inclusive(";\n").collect();
        reversed.reverse();
        let rev_file = dir.path().join(format!("rev{n}.sql"));
        std::fs::write(&rev_file, reversed.concat()).unwrap();

        let best = |f: &mut dyn FnMut() -> Duration| (0..runs).map(|_| f()).min().unwrap();
        let t_psql = best(&mut || {
            fresh(&cluster, &rt, "bench_psql");
            psql(&cluster, "bench_psql", &file)
        });
        let mut statements = 0;
        let t_read = best(&mut || {
            let start = Instant::now();
            let files = read_paths(std::slice::from_ref(&file)).unwrap();
            statements = files.statements.len();
            start.elapsed()
        });
        let files = read_paths(std::slice::from_ref(&file)).unwrap();
        let load_with = |files: &schemadiff::source::DesiredFiles| {
            best(&mut || {
                let target = fresh(&cluster, &rt, "bench_ours");
                let mut opts = LoadOptions::default();
                if let Some(b) = std::env::var("SCHEMADIFF_BENCH_BATCH")
                    .ok()
                    .and_then(|b| b.parse().ok())
                {
                    opts.batch_statements = b;
                }
                let start = Instant::now();
                let report = rt
                    .block_on(load(files, &target, &opts))
                    .unwrap_or_else(|e| panic!("{e:?}"));
                let elapsed = start.elapsed();
                assert_eq!(report.retried, 0);
                assert_eq!(count_tables(&rt, &target), n as i64);
                elapsed
            })
        };
        let t_one = load_with(&files);
        let rev = read_paths(std::slice::from_ref(&rev_file)).unwrap();
        let t_rev_read = {
            let start = Instant::now();
            let _ = read_paths(std::slice::from_ref(&rev_file)).unwrap();
            start.elapsed()
        };
        let t_rev = load_with(&rev) + t_rev_read;
        println!(
            "{n:>6}  {statements:>10}  {:>7}  {:>16}  {:>4}  {:>5}  {:>19}",
            secs(t_psql),
            secs(t_read),
            secs(t_one),
            secs(t_read + t_one),
            secs(t_rev),
        );
    }
}
