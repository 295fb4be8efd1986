//! The planner alone, on catalogs saved by the issue-2 benchmark, for profiling:
//! `SCHEMADIFF_BENCH_SAVE=DIR cargo bench --bench bench -- --tables 1000` writes them, then
//! `cargo bench --bench plan_saved -- DIR/empty-1000.json DIR/full-1000.json [RUNS]` plans
//! from the first to the second RUNS times (default 20) and prints every time and the best.
//! `SCHEMADIFF_PLAN_OUT=FILE` also writes the plan's JSON there.

/// mimalloc: the planner allocates and frees many small object ids and strings; the
/// system allocator was a quarter of its time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use schemadiff::catalog::Catalog;
use schemadiff::plan::{build, PlanOptions};
use std::time::{Duration, Instant};

fn read(path: &str) -> Catalog {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let [from, to, rest @ ..] = args.as_slice() else {
        eprintln!("usage: plan_saved FROM.json TO.json [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = rest.first().and_then(|r| r.parse().ok()).unwrap_or(20);
    let (from, to) = (read(from), read(to));
    let opts = PlanOptions::default();
    let mut best = Duration::MAX;
    let mut steps = 0;
    for run in 0..runs {
        let start = Instant::now();
        let plan = build(&from, &to, &opts).expect("a plan");
        let t = start.elapsed();
        steps = plan.steps.len();
        best = best.min(t);
        eprintln!("{t:?}");
        if let Some(path) = std::env::var_os("SCHEMADIFF_PLAN_OUT").filter(|_| run == 0) {
            std::fs::write(path, serde_json::to_vec_pretty(&plan).expect("JSON")).expect("write");
        }
    }
    println!("{steps} steps, best of {runs}: {best:?}");
}
