//! Shared test harness: one throwaway PostgreSQL cluster per test binary, started from the
//! local binaries (or `SCHEMADIFF_PG_BIN`), and a fresh database per case.

#![allow(dead_code)]

pub mod cli;
pub mod converge;
pub mod oracle;
pub mod roles;
pub mod suite;
use schemadiff::conn::ConnTarget;
use schemadiff::embedded::{ClusterOptions, EmbeddedCluster};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The cluster of this test binary. Owned by `main` (all our integration tests use a
/// custom harness), so it is stopped when the tests end.
pub struct Harness {
    pub cluster: EmbeddedCluster,
    counter: AtomicUsize,
    pub server_version: u32,
    /// True when the cluster preloads TimescaleDB (installed on this machine and asked for
    /// with [`Harness::start_timescale`]).
    pub timescaledb: bool,
}

impl Harness {
    /// A plain cluster (no preloaded libraries).
    pub fn start() -> Harness {
        Self::start_with(&ClusterOptions::default())
    }

    /// A cluster that preloads TimescaleDB when the server has it installed (and
    /// `SCHEMADIFF_NO_TIMESCALEDB` is not set, which shows what a machine without it
    /// sees); check [`Harness::timescaledb`] before running TimescaleDB cases.
    pub fn start_timescale() -> Harness {
        if std::env::var_os("SCHEMADIFF_NO_TIMESCALEDB").is_some() {
            return Self::start();
        }
        let bin = EmbeddedCluster::find_binaries()
            .unwrap_or_else(|e| panic!("cannot find the PostgreSQL server binaries: {e}"));
        Self::start_with(&ClusterOptions::detect(&bin))
    }

    fn start_with(options: &ClusterOptions) -> Harness {
        let cluster = EmbeddedCluster::start_with(None, options).unwrap_or_else(|e| {
            panic!("cannot start the test PostgreSQL cluster: {e}\n(install the server or set SCHEMADIFF_PG_BIN)")
        });
        let rt = runtime();
        let server_version = rt.block_on(async {
            let c = cluster.target("postgres").connect().await.expect("connect");
            let row = c
                .query_one("SELECT current_setting('server_version_num')::int", &[])
                .await
                .expect("version");
            row.get::<_, i32>(0) as u32
        });
        Harness {
            cluster,
            counter: AtomicUsize::new(0),
            server_version,
            timescaledb: options.preload.iter().any(|l| l == "timescaledb"),
        }
    }

    /// Create an empty database with a unique name and return its connection target.
    pub async fn fresh_db(&self, label: &str) -> ConnTarget {
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        let clean: String = label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(40)
            .collect();
        let name = format!("t{n}_{clean}");
        let admin = self
            .cluster
            .target("postgres")
            .connect()
            .await
            .expect("connect admin");
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE template0"))
            .await
            .expect("create database");
        self.cluster.target(&name)
    }

    /// Drop a database made by `fresh_db` (best effort).
    pub async fn drop_db(&self, target: &ConnTarget) {
        let name = target.dbname();
        if let Ok(admin) = self.cluster.target("postgres").connect().await {
            let _ = admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}
