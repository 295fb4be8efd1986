//! What PR review adds to `plan`, at the size of the issue-2 benchmark: before/after
//! definitions of the changed objects (human and markdown formats) and provenance of the
//! desired objects (github format), against the plan itself.
//!
//! `SCHEMADIFF_BENCH_SAVE=DIR cargo bench --bench bench -- --tables 1000` writes the
//! catalogs, then `cargo bench --bench review -- DIR 1000 [RUNS]` plans empty -> full and
//! full -> edited (1% of tables gain a column), times the definitions of each plan's objects,
//! the markdown and github renderings, and splitting plus indexing the generated desired
//! files (1,000 tables) for provenance, and `schemadiff lint`'s rules over the edited
//! catalog with and without placing the violations in those files. Prints the best of RUNS
//! (default 5).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;

use common::{write_files, Shape};
use schemadiff::catalog::{Catalog, ObjectId};
use schemadiff::lint;
use schemadiff::plan::{build, PlanOptions};
use schemadiff::render::{self, Review};
use schemadiff::source::{read_paths, Provenance};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn read(path: &std::path::Path) -> Catalog {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn best<T>(runs: usize, f: &mut dyn FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let v = f();
        best = best.min(start.elapsed());
        last = Some(v);
    }
    (best, last.expect("at least one run"))
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let [dir, n, rest @ ..] = args.as_slice() else {
        eprintln!(
            "usage: review DIR N [RUNS]  (DIR holds empty-N.json, full-N.json, edited-N.json)"
        );
        std::process::exit(2);
    };
    let runs: usize = rest.first().and_then(|r| r.parse().ok()).unwrap_or(5);
    let dir = std::path::Path::new(dir);
    let cat = |name: &str| read(&dir.join(format!("{name}-{n}.json")));
    let (empty, full, edited) = (cat("empty"), cat("full"), cat("edited"));
    let opts = PlanOptions::default();
    for (label, from, to) in [
        ("empty -> full", &empty, &full),
        ("full -> edited", &full, &edited),
    ] {
        let (t_plan, plan) = best(runs, &mut || build(from, to, &opts).expect("plan"));
        let (t_defs, defs) = best(runs, &mut || {
            render::definitions(&plan, from, to).expect("definitions")
        });
        let review = Review {
            definitions: Some(defs),
            ..Review::default()
        };
        let (t_md, md) = best(runs, &mut || {
            render::render_review(
                &plan,
                "bench",
                render::Format::Markdown,
                render::Style { color: false },
                &review,
            )
        });
        println!(
            "{label}: {} steps, {} objects; plan {t_plan:?}, definitions {t_defs:?} ({:.0}% of the plan), markdown {t_md:?} ({} bytes)",
            plan.steps.len(),
            review.definitions.as_ref().map_or(0, |d| d.objects.len()),
            100.0 * t_defs.as_secs_f64() / t_plan.as_secs_f64(),
            md.len()
        );
    }

    let tables: usize = n.parse().expect("N is a number");
    let files_dir = tempfile::tempdir().expect("temp dir");
    let paths = write_files(
        files_dir.path(),
        Shape {
            tables,
            extra_column_every: Some(100),
        },
    );
    let (t_split, files) = best(runs, &mut || read_paths(&paths).expect("split"));
    let (t_index_all, _) = best(runs, &mut || Provenance::of_files(&files));
    let plan = build(&full, &edited, &opts).expect("plan");
    let wanted: std::collections::BTreeSet<String> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.object {
            ObjectId::Table { name } => Some(name.name.as_str().to_string()),
            ObjectId::Column { table, .. } | ObjectId::Constraint { table, .. } => {
                Some(table.name.as_str().to_string())
            }
            _ => None,
        })
        .collect();
    let (t_index, provenance) = best(runs, &mut || Provenance::of_files_for(&files, &wanted));
    let (t_locate, located) = best(runs, &mut || {
        plan.steps
            .iter()
            .filter_map(|s| Some((s.object.clone(), provenance.locate(&s.object, &edited)?)))
            .collect::<BTreeMap<ObjectId, _>>()
    });
    println!(
        "provenance of {tables} tables' files: read + split {t_split:?}, index every table's parts {t_index_all:?}, index the plan's tables' parts {t_index:?}, locate {} of {} step objects {t_locate:?}",
        located.len(),
        plan.steps.len()
    );

    let settings = lint::Settings::default();
    let (t_rules, findings) = best(runs, &mut || lint::check(&edited, &settings));
    let (t_lint, report) = best(runs, &mut || {
        lint::lint(&files, &edited, &settings).expect("lint")
    });
    println!(
        "lint of {tables} tables (every rule at its default level): rules {t_rules:?} ({} findings), rules + placing at file:line + lint-ignore {t_lint:?} ({} violations)",
        findings.len(),
        report.violations.len()
    );
}
