//! Synthetic desired schemas shared by the benchmarks, and small helpers around a
//! throwaway cluster.
//!
//! Table `app.t{i}` has an identity primary key, a unique code, two enum columns (one with
//! a default), a checked numeric, a timestamp with a default, jsonb, a foreign key to
//! `t{i/2}` (all but the first) and one to `t{i%10}` (from the twelfth on, `ON DELETE SET
//! NULL`), two more indexes (one descending, one partial) and a table comment. One table in
//! a hundred also takes its `ref_no` default from a standalone sequence and has a column
//! comment. Everything lives in schema `app`.

#![allow(dead_code)]

use schemadiff::conn::ConnTarget;
use schemadiff::embedded::EmbeddedCluster;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Tables per generated file.
pub const TABLES_PER_FILE: usize = 250;

/// Which variant of the schema to generate.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub tables: usize,
    /// Add a nullable `note text` column to every table whose number is a multiple of
    /// this (100: one table in a hundred).
    pub extra_column_every: Option<usize>,
}

/// The types and sequences file: schema, enums, standalone sequences.
fn types_sql(shape: Shape) -> String {
    let mut sql = String::from(
        "CREATE SCHEMA app;\n\
         CREATE TYPE app.status AS ENUM ('new', 'active', 'archived');\n\
         CREATE TYPE app.priority AS ENUM ('low', 'normal', 'high');\n\
         COMMENT ON TYPE app.status IS 'lifecycle of a row';\n",
    );
    for i in (0..shape.tables).step_by(100) {
        sql.push_str(&format!(
            "CREATE SEQUENCE app.t{i}_ref_seq AS integer START 1000 CACHE 10;\n"
        ));
    }
    sql
}

fn table_sql(i: usize, shape: Shape, sql: &mut String) {
    let mut extra = String::new();
    if i > 0 {
        extra.push_str(&format!(
            ",\n  parent_id bigint NOT NULL REFERENCES app.t{} (id)",
            i / 2
        ));
    }
    if i > 10 {
        extra.push_str(&format!(
            ",\n  owner_id bigint REFERENCES app.t{} (id) ON DELETE SET NULL",
            i % 10
        ));
    }
    if i % 100 == 0 {
        extra.push_str(&format!(
            ",\n  ref_no integer NOT NULL DEFAULT nextval('app.t{i}_ref_seq')"
        ));
    }
    if shape.extra_column_every.is_some_and(|k| i % k == 0) {
        extra.push_str(",\n  note text");
    }
    sql.push_str(&format!(
        "CREATE TABLE app.t{i} (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  \
         code text NOT NULL UNIQUE,\n  status app.status NOT NULL DEFAULT 'new',\n  \
         prio app.priority,\n  amount numeric(12,2) CHECK (amount >= 0),\n  \
         created_at timestamptz NOT NULL DEFAULT now(),\n  payload jsonb{extra}\n);\n\
         CREATE INDEX t{i}_created_idx ON app.t{i} (created_at DESC);\n\
         CREATE INDEX t{i}_status_idx ON app.t{i} (status) WHERE status <> 'archived';\n\
         COMMENT ON TABLE app.t{i} IS 'table {i}';\n"
    ));
    if i % 100 == 0 {
        sql.push_str(&format!(
            "COMMENT ON COLUMN app.t{i}.ref_no IS 'from app.t{i}_ref_seq';\n"
        ));
    }
}

/// The schema as files `(name, text)`: `000_types.sql`, then tables in files of
/// [`TABLES_PER_FILE`], so that the files in name order are in dependency order (for
/// `psql -f`).
pub fn generate_files(shape: Shape) -> Vec<(String, String)> {
    let mut files = vec![("000_types.sql".to_string(), types_sql(shape))];
    for (k, start) in (0..shape.tables).step_by(TABLES_PER_FILE).enumerate() {
        let mut sql = String::new();
        for i in start..(start + TABLES_PER_FILE).min(shape.tables) {
            table_sql(i, shape, &mut sql);
        }
        files.push((format!("{:03}_tables.sql", k + 1), sql));
    }
    files
}

/// The whole schema as one script.
pub fn generate(tables: usize) -> String {
    generate_files(Shape {
        tables,
        extra_column_every: None,
    })
    .into_iter()
    .map(|(_, text)| text)
    .collect()
}

/// Write the files of `shape` into a new directory `dir`; the paths in name order.
pub fn write_files(dir: &Path, shape: Shape) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    generate_files(shape)
        .into_iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

/// Drop and create database `name` on the cluster; its connection target.
pub fn fresh(cluster: &EmbeddedCluster, rt: &tokio::runtime::Runtime, name: &str) -> ConnTarget {
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

/// Drop database `name` on the cluster.
pub fn drop_db(cluster: &EmbeddedCluster, rt: &tokio::runtime::Runtime, name: &str) {
    rt.block_on(async {
        let admin = cluster.target("postgres").connect().await.unwrap();
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .unwrap();
    });
}

/// Tables in schema `app` of the database of `target`.
pub fn count_tables(rt: &tokio::runtime::Runtime, target: &ConnTarget) -> i64 {
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

/// `psql -X -q -v ON_ERROR_STOP=1 -f FILE...` into `db`, in one process; its wall time.
pub fn psql(cluster: &EmbeddedCluster, db: &str, files: &[PathBuf]) -> Duration {
    let mut cmd = Command::new("psql");
    cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", "postgres"])
        .arg("-h")
        .arg(cluster.socket_dir())
        .args(["-p", &cluster.port().to_string(), "-d", db]);
    for f in files {
        cmd.arg("-f").arg(f);
    }
    let start = Instant::now();
    let out = cmd.output().expect("psql runs");
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

/// Sizes from the first argument that is not an option (`1000,10000`), or from
/// `--tables N,M`, else `default`.
pub fn sizes(default: &str) -> Vec<usize> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut chosen: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if let Some(v) = a.strip_prefix("--tables=") {
            chosen = Some(v.to_string());
        } else if a == "--tables" {
            chosen = args.get(i + 1).cloned();
            i += 1;
        } else if !a.starts_with('-') && chosen.is_none() {
            chosen = Some(a.clone());
        }
        i += 1;
    }
    chosen
        .unwrap_or_else(|| default.to_string())
        .split(',')
        .filter_map(|s| s.trim().replace('_', "").parse().ok())
        .collect()
}

/// `SCHEMADIFF_BENCH_RUNS`, else `default`.
pub fn runs(default: usize) -> usize {
    std::env::var("SCHEMADIFF_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(default)
}

/// The best (shortest) of `runs` calls.
pub fn best(runs: usize, f: &mut dyn FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| f()).min().unwrap()
}
