//! One test per `fixtures/<area>/<case>/`: `before.sql` and `after.sql` must converge in
//! both directions against a real PostgreSQL, and the plans match their insta snapshots
//! (`plan.snap`, `reverse.snap`) beside the fixture. An optional `reference.sql` builds the
//! reference database when `after.sql` is in an order psql cannot load. Optional `case.yaml`:
//! `reverse: false`, `min_pg: 150000`, `max_pg: 169999`, `description: ...`.

mod support;

use libtest_mimic::{Arguments, Failed, Trial};
use schemadiff::render;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::converge::{converge, CaseError};
use support::Harness;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseSettings {
    #[serde(default)]
    description: Option<String>,
    #[serde(default = "yes")]
    reverse: bool,
    #[serde(default)]
    min_pg: Option<u32>,
    #[serde(default)]
    max_pg: Option<u32>,
}

fn yes() -> bool {
    true
}

fn fixture_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            // TimescaleDB cases need the extension: tests/timescale.rs runs them
            if p.is_dir() && p != root.join("timescale") {
                stack.push(p);
            }
        }
        if dir.join("after.sql").is_file() || dir.join("before.sql").is_file() {
            out.push(dir);
        }
    }
    out.sort();
    out
}

fn run_case(
    h: &Harness,
    rt: &tokio::runtime::Runtime,
    dir: &Path,
    name: &str,
) -> Result<(), Failed> {
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).map_err(|e| format!("{f}: {e}"));
    let before = read("before.sql")?;
    let after = read("after.sql")?;
    let reference = std::fs::read_to_string(dir.join("reference.sql")).ok();
    let settings: CaseSettings = match std::fs::read_to_string(dir.join("case.yaml")) {
        Ok(text) => serde_yaml_ng::from_str(&text).map_err(|e| format!("case.yaml: {e}"))?,
        Err(_) => CaseSettings {
            reverse: true,
            ..CaseSettings::default()
        },
    };
    if settings.min_pg.is_some_and(|v| h.server_version < v)
        || settings.max_pg.is_some_and(|v| h.server_version > v)
    {
        println!("{name}: not for server {}", h.server_version);
        return Ok(());
    }
    let converged = rt
        .block_on(converge(
            h,
            name,
            &before,
            &after,
            reference.as_deref(),
            settings.reverse,
        ))
        .map_err(|e| match e {
            CaseError::NotLoadable(m) => format!("fixture SQL does not load: {m}"),
            CaseError::Failed(m) => m,
        })?;
    let mut insta = insta::Settings::clone_current();
    insta.set_snapshot_path(dir);
    insta.set_prepend_module_to_snapshot(false);
    insta.set_omit_expression(true);
    insta.set_input_file(dir.join("after.sql"));
    if let Some(d) = &settings.description {
        insta.set_description(d.clone());
    }
    insta.bind(|| {
        insta::assert_snapshot!(
            "plan",
            render::sql(&converged.forward, "before.sql -> after.sql")
        );
        if let Some(rev) = &converged.reverse {
            insta::assert_snapshot!("reverse", render::sql(rev, "after.sql -> before.sql"));
        }
    });
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let dirs = fixture_dirs(&root);
    let harness = Arc::new(Harness::start());
    let rt = Arc::new(support::runtime());
    let trials: Vec<Trial> = dirs
        .into_iter()
        .map(|dir| {
            let name = dir
                .strip_prefix(&root)
                .unwrap_or(&dir)
                .display()
                .to_string();
            let h = harness.clone();
            let rt = rt.clone();
            Trial::test(name.clone(), move || run_case(&h, &rt, &dir, &name))
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    drop(harness);
    conclusion.exit();
}
