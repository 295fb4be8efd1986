//! The issue 6 fleet benchmark: the nine RM Brain databases (schema/rmbrain) on one
//! throwaway server, run as one fleet (`--jobs N`) and as nine single-service runs one after
//! the other. Each figure is the whole `schemadiff` process (the release binary), the median
//! of `--runs` runs:
//!
//! - `apply` from empty databases (cold desired cache: every service loads its files),
//! - `plan` with nothing to do, warm cache (the PR-review and deploy case),
//! - `plan` with nothing to do, `--no-cache` (every service loads its files again),
//! - `drift`, warm cache (the nightly cron).
//!
//! `cargo bench --bench fleet [-- --runs N --jobs 1,4,9]` (or `scripts/bench.sh fleet`).

use schemadiff::embedded::EmbeddedCluster;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SERVICES: [&str; 9] = [
    "cas_audit",
    "cds_client",
    "cds_document",
    "cds_product",
    "cds_task",
    "interaction_db",
    "relationship_db",
    "riskprofile_db",
    "rmbrain_mainapp",
];

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

struct Bench {
    cluster: EmbeddedCluster,
    rt: tokio::runtime::Runtime,
    config: PathBuf,
    cache: PathBuf,
}

impl Bench {
    /// One `schemadiff` process; panics unless it exits with one of `ok` codes.
    fn run(&self, args: &[&str], ok: &[i32]) -> Duration {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_schemadiff"))
            .args(args)
            .arg("--config")
            .arg(&self.config)
            .env("PGHOST", self.cluster.socket_dir())
            .env("PGPORT", self.cluster.port().to_string())
            .env("PGUSER", "postgres")
            .env("SCHEMADIFF_CACHE_DIR", &self.cache)
            .env("NO_COLOR", "1")
            .output()
            .expect("run schemadiff");
        let took = started.elapsed();
        let code = out.status.code().unwrap_or(-1);
        assert!(
            ok.contains(&code),
            "schemadiff {args:?} exited {code}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        took
    }

    fn recreate_databases(&self) {
        let admin = self.cluster.target("postgres");
        self.rt.block_on(async {
            let client = admin.connect().await.expect("connect");
            for s in SERVICES {
                for sql in [
                    format!("DROP DATABASE IF EXISTS {s} WITH (FORCE)"),
                    format!("CREATE DATABASE {s}"),
                ] {
                    client.batch_execute(&sql).await.expect("recreate database");
                }
            }
        });
    }

    fn clear_cache(&self) {
        let _ = std::fs::remove_dir_all(&self.cache);
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = root.join("schema/rmbrain/schemadiff.yaml");
    assert!(config.exists(), "{} is missing", config.display());
    let runs: usize = arg("--runs").and_then(|v| v.parse().ok()).unwrap_or(5);
    let jobs: Vec<usize> = arg("--jobs")
        .unwrap_or_else(|| "1,4,9".into())
        .split(',')
        .filter_map(|j| j.trim().parse().ok())
        .collect();
    let cluster = EmbeddedCluster::start(None).expect("cluster");
    let bench = Bench {
        cluster,
        rt: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime"),
        config,
        cache: std::env::temp_dir().join(format!("schemadiff-fleet-bench-{}", std::process::id())),
    };
    println!(
        "fleet benchmark: the 9 RM Brain databases, {} cores, median of {runs} runs, whole processes",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // apply from empty, cold cache: singles one after the other, then the fleet at each --jobs
    let mut single_apply = Vec::new();
    for _ in 0..runs {
        bench.recreate_databases();
        bench.clear_cache();
        single_apply.push(
            SERVICES
                .iter()
                .map(|s| bench.run(&["apply", s, "--auto-approve"], &[0]))
                .sum::<Duration>(),
        );
    }
    let mut rows = vec![(
        "apply from empty (cold cache)".to_string(),
        median(single_apply),
        Vec::new(),
    )];
    for &j in &jobs {
        let mut t = Vec::new();
        for _ in 0..runs {
            bench.recreate_databases();
            bench.clear_cache();
            t.push(bench.run(&["apply", "--auto-approve", "--jobs", &j.to_string()], &[0]));
        }
        rows[0].2.push((j, median(t)));
    }

    // the databases are now applied and the cache warm
    let cases: [(&str, &[&str], &[i32]); 3] = [
        (
            "plan, no change (warm cache)",
            &["plan", "--detailed-exitcode"],
            &[0],
        ),
        (
            "plan, no change (--no-cache)",
            &["plan", "--detailed-exitcode", "--no-cache"],
            &[0],
        ),
        ("drift, clean (warm cache)", &["drift"], &[0]),
    ];
    for (label, args, ok) in cases {
        let singles: Vec<Duration> = (0..runs)
            .map(|_| {
                SERVICES
                    .iter()
                    .map(|s| {
                        let mut a = args.to_vec();
                        a.push(s);
                        bench.run(&a, ok)
                    })
                    .sum()
            })
            .collect();
        let mut per_jobs = Vec::new();
        for &j in &jobs {
            let js = j.to_string();
            let t: Vec<Duration> = (0..runs)
                .map(|_| {
                    let mut a = args.to_vec();
                    a.extend(["--jobs", js.as_str()]);
                    bench.run(&a, ok)
                })
                .collect();
            per_jobs.push((j, median(t)));
        }
        rows.push((label.to_string(), median(singles), per_jobs));
    }

    let mut header = "| run | 9 single runs, summed |".to_string();
    let mut rule = "|---|---|".to_string();
    for j in &jobs {
        header.push_str(&format!(" fleet --jobs {j} |"));
        rule.push_str("---|");
    }
    println!("{header}\n{rule}");
    for (label, single, per_jobs) in rows {
        let mut line = format!("| {label} | {} |", secs(single));
        for (_, t) in per_jobs {
            line.push_str(&format!(
                " {} ({:.1}x) |",
                secs(t),
                single.as_secs_f64() / t.as_secs_f64()
            ));
        }
        println!("{line}");
    }
    bench.clear_cache();
}
