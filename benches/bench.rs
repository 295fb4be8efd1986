//! The issue-2 benchmark: every cost of a plan, each beside its floor, on a throwaway
//! cluster.
//!
//! `cargo bench --bench bench [-- --tables 1000,10000]` (the default sizes). For each size
//! the schema of `common` (foreign keys, indexes, checks, enums, sequences, comments) is
//! written as `.sql` files and measured:
//!
//! 1. introspection of the live side vs the bulk catalog queries alone (same snapshot
//!    setup, pipelined, no catalog built);
//! 2. loading the desired files into a dev database vs `psql -f` of the same files, and
//!    the whole cold desired side (temporary database, load, introspect, drop);
//! 3. `plan::build` (pure CPU) from empty, with no change, and with a column added on 1%
//!    of the tables, vs comparing the two catalogs for equality;
//! 4. `schemadiff plan` of unchanged files, whole process, with a cold then a warm cache,
//!    vs the bulk queries alone (all a warm plan must do besides reading the files: the
//!    cache key is their text, so a hit never splits them);
//! 5. peak memory (max RSS, from `/usr/bin/time -v`) of those runs vs the binary doing
//!    nothing (`--help`).
//!
//! `SCHEMADIFF_BENCH_SAVE=DIR` also writes the catalogs planned in step 3 as JSON
//! (`empty-N.json`, `full-N.json`, `edited-N.json`), to profile the planner on them.
//!
//! Targets (issue 2) are for 1,000 tables and shown at that size only. Times are wall
//! clock, best of `SCHEMADIFF_BENCH_RUNS` (default 5 for reads and plans;
//! loads into the database run once). Nothing is asserted about time; correctness is
//! (plans of unchanged files are empty, loads produce every table).

mod common;

/// mimalloc: the planner allocates and frees many small object ids and strings; the
/// system allocator was a quarter of its time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use common::{best, count_tables, drop_db, fresh, psql, write_files, Shape};
use schemadiff::catalog::Catalog;
use schemadiff::embedded::EmbeddedCluster;
use schemadiff::introspect::{bulk_queries, introspect, Scope, SNAPSHOT_BEGIN};
use schemadiff::plan::{build, PlanOptions};
use schemadiff::source::{
    cache, desired_catalog, load, read_files, read_paths, CacheOptions, DevDb, LoadOptions,
};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use tokio_postgres::types::Type;
use tokio_postgres::Client;

const BIN: &str = env!("CARGO_BIN_EXE_schemadiff");
const TIME: &str = "/usr/bin/time";

/// One line of the report.
struct Figure {
    tables: usize,
    what: String,
    ours: String,
    floor_what: &'static str,
    floor: String,
    ratio: Option<f64>,
    target: &'static str,
    met: Option<bool>,
}

impl Figure {
    fn new(tables: usize, what: impl Into<String>) -> Figure {
        Figure {
            tables,
            what: what.into(),
            ours: String::new(),
            floor_what: "",
            floor: String::new(),
            ratio: None,
            target: "",
            met: None,
        }
    }

    fn times(mut self, ours: Duration, floor_what: &'static str, floor: Duration) -> Figure {
        self.ours = secs(ours);
        self.floor_what = floor_what;
        self.floor = secs(floor);
        self.ratio = Some(ours.as_secs_f64() / floor.as_secs_f64().max(1e-9));
        self
    }

    fn time(mut self, t: Duration) -> Figure {
        self.ours = secs(t);
        self
    }

    fn target(mut self, target: &'static str, met: bool) -> Figure {
        self.target = target;
        self.met = Some(met);
        self
    }

    /// A target set for 1,000 tables (the sizes): other sizes show none.
    fn target_at_1000(self, target: &'static str, met: bool) -> Figure {
        if self.tables == 1000 {
            self.target(target, met)
        } else {
            self
        }
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 0.01 {
        format!("{:.2} ms", s * 1000.0)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn print_table(rows: &[Figure]) {
    let header = [
        "tables",
        "figure",
        "schemadiff",
        "floor",
        "",
        "ratio",
        "target",
        "met",
    ];
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            [
                r.tables.to_string(),
                r.what.clone(),
                r.ours.clone(),
                r.floor_what.to_string(),
                r.floor.clone(),
                r.ratio.map(|x| format!("{x:.2}x")).unwrap_or_default(),
                r.target.to_string(),
                match r.met {
                    Some(true) => "yes",
                    Some(false) => "NO",
                    None => "",
                }
                .to_string(),
            ]
        })
        .collect();
    let mut width = header.map(str::len);
    for row in &cells {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let right = [true, false, true, false, true, true, false, false];
    let line = |row: &[String]| {
        let parts: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if right[i] {
                    format!("{c:>w$}", w = width[i])
                } else {
                    format!("{c:<w$}", w = width[i])
                }
            })
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(&header.map(String::from));
    for row in &cells {
        line(row);
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The introspection floor: the same snapshot setup, every bulk query pipelined on one
/// connection, `COMMIT`; rows are received and dropped. Returns the rows read.
async fn queries_alone(client: &Client) -> usize {
    let begin = client.simple_query(SNAPSHOT_BEGIN).await.unwrap();
    let version: u32 = begin
        .iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
            _ => None,
        })
        .unwrap()
        .parse()
        .unwrap();
    let queries = bulk_queries(version);
    let none: Option<Vec<String>> = None;
    let results = futures_util::future::try_join_all(queries.iter().map(|q| async {
        if q.scoped {
            client
                .query_typed(&q.text, &[(&none, Type::TEXT_ARRAY)])
                .await
        } else {
            client.query_typed(&q.text, &[]).await
        }
    }))
    .await
    .unwrap();
    client.batch_execute("COMMIT").await.unwrap();
    results.iter().map(Vec::len).sum()
}

/// A finished run of the binary under `/usr/bin/time -v` (or bare when it is missing).
struct BinRun {
    wall: Duration,
    max_rss_kib: Option<u64>,
    code: i32,
    stderr: String,
}

fn run_binary(args: &[&str], cache_dir: &Path) -> BinRun {
    let timed = Path::new(TIME).is_file();
    let mut cmd = if timed {
        let mut c = Command::new(TIME);
        c.arg("-v").arg(BIN);
        c
    } else {
        Command::new(BIN)
    };
    cmd.args(args)
        .env("SCHEMADIFF_CACHE_DIR", cache_dir)
        .env("NO_COLOR", "1");
    let start = Instant::now();
    let out = cmd.output().expect("the schemadiff binary runs");
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let max_rss_kib = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok());
    BinRun {
        wall,
        max_rss_kib,
        code: out.status.code().unwrap_or(-1),
        stderr,
    }
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Everything measured for one size.
fn bench_size(
    n: usize,
    cluster: &EmbeddedCluster,
    rt: &tokio::runtime::Runtime,
    work: &Path,
    rows: &mut Vec<Figure>,
) {
    let runs = common::runs(5);
    let full_dir = work.join(format!("t{n}/full"));
    let edited_dir = work.join(format!("t{n}/edited"));
    let full_files = write_files(
        &full_dir,
        Shape {
            tables: n,
            extra_column_every: None,
        },
    );
    write_files(
        &edited_dir,
        Shape {
            tables: n,
            extra_column_every: Some(100),
        },
    );
    let scope = Scope::default();
    let progress = |what: &str| eprintln!("[{n} tables] {what}");

    // 2. Loading: psql -f (this database is then the live side) vs our loader.
    progress("psql -f into the live database");
    let live_db = format!("bench_live_{n}");
    let live = fresh(cluster, rt, &live_db);
    let t_psql = psql(cluster, &live_db, &full_files);
    assert_eq!(count_tables(rt, &live), n as i64);

    progress("read, split and order the files");
    let mut statements = 0;
    let t_read = best(runs, &mut || {
        let start = Instant::now();
        let files = read_paths(std::slice::from_ref(&full_dir)).unwrap();
        statements = files.statements.len();
        start.elapsed()
    });
    let files = read_paths(std::slice::from_ref(&full_dir)).unwrap();
    let t_read_only = best(runs, &mut || {
        let start = Instant::now();
        let raw = read_files(std::slice::from_ref(&full_dir)).unwrap();
        assert_eq!(raw.len(), files.files.len());
        start.elapsed()
    });
    progress("load into a fresh database");
    let load_db = format!("bench_load_{n}");
    let loaded = fresh(cluster, rt, &load_db);
    let report = rt
        .block_on(load(&files, &loaded, &LoadOptions::default()))
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(count_tables(rt, &loaded), n as i64);

    // 1. Introspection of the live side vs the queries alone.
    progress("introspection");
    let empty_target = fresh(cluster, rt, "bench_empty");
    let (full, loaded_catalog, empty, t_intro, t_floor, floor_rows) = rt.block_on(async {
        let client = live.connect().await.unwrap();
        let full = introspect(&client, &scope).await.unwrap();
        let mut t_intro = Duration::MAX;
        let mut t_floor = Duration::MAX;
        let mut floor_rows = 0;
        for _ in 0..runs {
            let start = Instant::now();
            floor_rows = queries_alone(&client).await;
            t_floor = t_floor.min(start.elapsed());
            let start = Instant::now();
            let c = introspect(&client, &scope).await.unwrap();
            t_intro = t_intro.min(start.elapsed());
            assert_eq!(c.tables.len(), n);
        }
        let other = loaded.connect().await.unwrap();
        let loaded_catalog = introspect(&other, &scope).await.unwrap();
        let e = empty_target.connect().await.unwrap();
        let empty = introspect(&e, &scope).await.unwrap();
        (full, loaded_catalog, empty, t_intro, t_floor, floor_rows)
    });
    drop_db(cluster, rt, &load_db);
    assert!(
        build(&full, &loaded_catalog, &PlanOptions::default())
            .unwrap()
            .is_empty(),
        "the loader and psql built different schemas"
    );

    rows.push(
        Figure::new(n, "introspection of the live side")
            .times(t_intro, "bulk queries alone", t_floor)
            .target_at_1000("< 0.3 s", t_intro.as_secs_f64() < 0.3),
    );
    rows.push(Figure::new(
        n,
        format!(
            "  ({} objects, {floor_rows} catalog rows)",
            full.tables.len() + full.indexes.len() + full.sequences.len() + full.enums.len()
        ),
    ));
    let t_ours = t_read + report.elapsed;
    rows.push(
        Figure::new(n, format!("load desired files ({statements} statements)"))
            .times(t_ours, "psql -f of the same files", t_psql)
            .target(
                "within 10% of psql",
                t_ours.as_secs_f64() <= 1.10 * t_psql.as_secs_f64(),
            ),
    );
    rows.push(Figure::new(n, "  of which read + split + order").time(t_read));
    rows.push(Figure::new(
        n,
        format!(
            "  ({} batches, {} replayed, {} retried)",
            report.batches, report.fallbacks, report.retried
        ),
    ));

    // The whole cold desired side, on the edited files (its catalog is the edited one).
    progress("desired side without cache (edited files)");
    let edited_files = read_paths(std::slice::from_ref(&edited_dir)).unwrap();
    let dev = DevDb::Url(cluster.target("postgres"));
    let start = Instant::now();
    let edited: Catalog = rt
        .block_on(desired_catalog(
            &edited_files,
            &dev,
            &scope,
            &CacheOptions::default(),
        ))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let t_desired = start.elapsed() + t_read;
    rows.push(
        Figure::new(n, "desired side, no cache (create+load+read+drop)").times(
            t_desired,
            "psql -f + bulk queries",
            t_psql + t_floor,
        ),
    );

    if let Some(dir) = std::env::var_os("SCHEMADIFF_BENCH_SAVE") {
        let dir = Path::new(&dir);
        std::fs::create_dir_all(dir).unwrap();
        for (name, c) in [("empty", &empty), ("full", &full), ("edited", &edited)] {
            let path = dir.join(format!("{name}-{n}.json"));
            std::fs::write(path, serde_json::to_vec(c).unwrap()).unwrap();
        }
    }

    // 3. Diff and plan.
    progress("diff and plan");
    let opts = PlanOptions::default();
    let cases: [(&str, &Catalog, &Catalog); 3] = [
        ("plan: empty -> full", &empty, &full),
        ("plan: full -> full (no change)", &full, &full),
        ("plan: full -> 1% of tables + a column", &full, &edited),
    ];
    let mut t_nochange = Duration::ZERO;
    let full_copy = full.clone();
    let t_eq = best(runs, &mut || {
        let start = Instant::now();
        assert!(std::hint::black_box(&full) == std::hint::black_box(&full_copy));
        start.elapsed()
    });
    for (label, from, to) in cases {
        let mut steps = 0;
        let t_plan = best(runs, &mut || {
            let start = Instant::now();
            let plan = build(from, to, &opts).unwrap();
            let t = start.elapsed();
            steps = plan.steps.len();
            t
        });
        if std::ptr::eq(from, to) {
            assert_eq!(steps, 0, "a plan of unchanged catalogs has steps");
            t_nochange = t_plan;
        }
        if std::ptr::eq(to, &edited) {
            assert_eq!(steps, n.div_ceil(100), "one ADD COLUMN per edited table");
        }
        rows.push(
            Figure::new(n, format!("{label}, {steps} steps"))
                .times(t_plan, "deep compare of equal catalogs", t_eq)
                .target_at_1000("< 50 ms", t_plan.as_secs_f64() < 0.05),
        );
    }

    // 4 and 5. The release binary, cold then warm cache, on the live database.
    progress("schemadiff plan, cold then warm cache");
    let cache_dir = work.join(format!("t{n}/cache"));
    let url = cluster.url(&live_db);
    let full_arg = full_dir.display().to_string();
    let args = [
        "plan",
        "--url",
        &url,
        "--schema",
        &full_arg,
        "--detailed-exitcode",
    ];
    let cold = run_binary(&args, &cache_dir);
    assert_eq!(cold.code, 0, "cold plan: {}", cold.stderr);
    let warm = run_binary(&args, &cache_dir);
    assert_eq!(warm.code, 0, "warm plan: {}", warm.stderr);
    let mut t_warm = warm.wall;
    let mut warm_rss = warm.max_rss_kib;
    for _ in 1..runs {
        let again = run_binary(&args, &cache_dir);
        assert_eq!(again.code, 0, "warm plan: {}", again.stderr);
        if again.wall < t_warm {
            t_warm = again.wall;
            warm_rss = again.max_rss_kib;
        }
    }
    let idle = run_binary(&["--help"], &cache_dir);
    let (t_key, t_lookup) = rt.block_on(async {
        let mut t_key = Duration::MAX;
        let mut t_lookup = Duration::MAX;
        let dev = DevDb::TargetServer(live.clone());
        let entries = std::fs::read_dir(&cache_dir).unwrap().count();
        assert_eq!(entries, 1, "the cold run stored one cache entry");
        for _ in 0..runs {
            let start = Instant::now();
            let key = cache::key_of_files(
                &files.files,
                &cache::fingerprint(&dev).await.unwrap(),
                &scope,
            );
            t_key = t_key.min(start.elapsed());
            let start = Instant::now();
            let hit = cache::lookup(&cache_dir, &key);
            t_lookup = t_lookup.min(start.elapsed());
            let hit = hit.expect("the cold run stored the entry the warm runs read");
            assert!(
                build(&full, &hit, &PlanOptions::default())
                    .unwrap()
                    .is_empty(),
                "the cache holds the full catalog"
            );
        }
        (t_key, t_lookup)
    });
    rows.push(
        Figure::new(n, "no-change plan, warm cache (whole process)")
            .times(t_warm, "bulk queries alone", t_floor)
            .target_at_1000("< 0.5 s", t_warm.as_secs_f64() < 0.5),
    );
    for (what, t) in [
        (
            "  in-process: read files (a cache hit never splits them)",
            t_read_only,
        ),
        ("  in-process: dev server fingerprint + key", t_key),
        ("  in-process: read + decode the cache entry", t_lookup),
        ("  in-process: introspection of the live side", t_intro),
        ("  in-process: plan, no change", t_nochange),
    ] {
        rows.push(Figure::new(n, what).time(t));
    }
    rows.push(
        Figure::new(n, "no-change plan, cold cache (whole process)").times(
            cold.wall,
            "psql -f + bulk queries",
            t_psql + t_floor,
        ),
    );
    rows.push(Figure::new(
        n,
        format!("  (cache entry {})", mib(dir_bytes(&cache_dir) / 1024)),
    ));
    let rss = |label: &str, kib: Option<u64>| {
        let mut f = Figure::new(n, label);
        match (kib, idle.max_rss_kib) {
            (Some(k), Some(i)) => {
                f.ours = mib(k);
                f.floor_what = "the binary doing nothing (--help)";
                f.floor = mib(i);
                f.ratio = Some(k as f64 / i as f64);
            }
            _ => f.ours = "n/a (apt-get install time)".into(),
        }
        f
    };
    rows.push(rss("peak memory (max RSS), warm plan", warm_rss));
    rows.push(rss("peak memory (max RSS), cold plan", cold.max_rss_kib));
    drop_db(cluster, rt, &live_db);
}

fn main() {
    let sizes = common::sizes("1000,10000");
    let cluster = EmbeddedCluster::start(None).expect("cluster");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let version = rt.block_on(async {
        let c = cluster.target("postgres").connect().await.unwrap();
        let r = c.query_one("SELECT version()", &[]).await.unwrap();
        r.get::<_, String>(0)
    });
    let work = tempfile::tempdir().unwrap();
    let load_before = load_average();
    let mut rows = Vec::new();
    for n in sizes {
        bench_size(n, &cluster, &rt, work.path(), &mut rows);
    }
    println!();
    println!(
        "{version}\n{} cores, load average {load_before} before and {} after; \
         best of {} runs except loads into the database (once); wall clock",
        std::thread::available_parallelism().map_or(0, |p| p.get()),
        load_average(),
        common::runs(5)
    );
    print_table(&rows);
}
