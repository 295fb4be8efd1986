//! sqldef's public psqldef test cases as a conformance suite, read from
//! `../shared/conformance/sqldef/` (or `$SCHEMADIFF_CONFORMANCE_DIR`), never copied here.
//!
//! Every case runs both directions through the convergence check (apply, re-plan empty,
//! pg_dump equal to a database built straight from the desired side). Cases whose SQL does
//! not load on this server do not count. A failing case must be listed, with its reason, in
//! `tests/conformance/expected-failures.txt`; at least 95% of loadable cases must converge.
//! The summary is written to `target/conformance-pg<major>.txt`.

mod support;

use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use support::converge::{converge, CaseError};
use support::roles::{ensure_roles, roles_named};
use support::Harness;

/// The sqldef files in the scope of the core engine.
const FILES: &[&str] = &[
    "tables",
    "constraints",
    "datatypes",
    "indices",
    "identity",
    "domains",
    "types",
    "extensions",
    "schemas",
    "set",
    "comments",
    "fk_deps",
    "dependency_ordering",
    "enable_drop",
    "preserve_quotes",
    "views",
    "functions",
    "triggers",
    "manage_function",
    "partition",
    "policies",
    "manage_privilege",
    "managed_roles",
];

#[derive(Debug, Clone)]
struct Case {
    name: String,
    current: String,
    desired: String,
    /// Why the case is skipped before running, if it is.
    skip: Option<String>,
    /// Roles the case's SQL names (or `managed_roles` lists): created before it runs.
    roles: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Passed,
    Failed(String),
    NotLoadable(String),
    Skipped(String),
}

fn conformance_dir() -> PathBuf {
    std::env::var_os("SCHEMADIFF_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/sqldef")
        })
}

fn version_num(v: &str) -> u32 {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    major * 10000 + minor
}

fn load_cases(dir: &Path, file: &str, server_version: u32) -> Vec<Case> {
    let path = dir.join(format!("tests_{file}.yml"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: BTreeMap<String, serde_yaml_ng::Value> = serde_yaml_ng::from_str(&text)
        .unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()));
    let s =
        |v: &serde_yaml_ng::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    doc.into_iter()
        .map(|(name, v)| {
            let mut skip = None;
            if let Some(err) = s(&v, "error") {
                skip = Some(format!(
                    "expects sqldef to reject the input ({})",
                    err.trim()
                ));
            }
            if let Some(min) = s(&v, "min_version") {
                if server_version < version_num(&min) {
                    skip = Some(format!("needs PostgreSQL {min}"));
                }
            }
            if let Some(max) = s(&v, "max_version") {
                if server_version >= version_num(&max) + 10000 {
                    skip = Some(format!("only up to PostgreSQL {max}"));
                }
            }
            if let Some(flavor) = s(&v, "flavor") {
                if !flavor.starts_with('!') {
                    skip = Some(format!("needs the {flavor} flavor"));
                }
            }
            if let Some(user) = s(&v, "user") {
                skip = Some(format!(
                    "runs as role {user}, whose own default schema sqldef's harness creates; \
                     the desired SQL does not create it, so a dev database cannot load it"
                ));
            }
            let current = s(&v, "current").unwrap_or_default();
            let desired = s(&v, "desired").unwrap_or_default();
            let mut roles = roles_named(&current);
            roles.extend(roles_named(&desired));
            if let Some(list) = v.get("managed_roles").and_then(|l| l.as_sequence()) {
                roles.extend(
                    list.iter()
                        .filter_map(|r| r.as_str())
                        .filter(|r| !r.eq_ignore_ascii_case("public"))
                        .map(str::to_string),
                );
            }
            Case {
                name: format!("{file}/{name}"),
                current,
                desired,
                skip,
                roles,
            }
        })
        .collect()
}

/// `file/case: reason` lines; `#` comments and blank lines ignored.
fn expected_failures() -> BTreeMap<String, String> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/expected-failures.txt");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let (k, v) = l.split_once(": ")?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

fn first_line(s: &str, max: usize) -> String {
    let line = s
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    line.chars().take(max).collect()
}

fn main() {
    let mut args = Arguments::from_args();
    if args.test_threads.is_none() {
        // Mostly waiting on the server: more threads than cores keeps both cores busy.
        args.test_threads = Some(4);
    }
    let dir = conformance_dir();
    if !dir.is_dir() {
        eprintln!(
            "conformance cases not found at {} (set SCHEMADIFF_CONFORMANCE_DIR)",
            dir.display()
        );
        std::process::exit(1);
    }
    let harness = Arc::new(Harness::start());
    let rt = Arc::new(support::runtime());
    let expected = Arc::new(expected_failures());
    let results: Arc<Mutex<BTreeMap<String, Outcome>>> = Arc::default();

    let mut trials = Vec::new();
    for file in FILES {
        for case in load_cases(&dir, file, harness.server_version) {
            let (h, rt, expected, results) = (
                harness.clone(),
                rt.clone(),
                expected.clone(),
                results.clone(),
            );
            let name = case.name.clone();
            trials.push(Trial::test(name, move || {
                let outcome = match &case.skip {
                    Some(why) => Outcome::Skipped(why.clone()),
                    None => match rt.block_on(async {
                        ensure_roles(&h, &case.roles)
                            .await
                            .map_err(CaseError::Failed)?;
                        converge(&h, &case.name, &case.current, &case.desired, None, true).await
                    }) {
                        Ok(_) => Outcome::Passed,
                        Err(CaseError::NotLoadable(m)) => Outcome::NotLoadable(m),
                        Err(CaseError::Failed(m)) => Outcome::Failed(m),
                    },
                };
                results
                    .lock()
                    .unwrap()
                    .insert(case.name.clone(), outcome.clone());
                match outcome {
                    Outcome::Failed(m) if !expected.contains_key(&case.name) => Err(Failed::from(
                        format!("{m}\n(not in tests/conformance/expected-failures.txt)"),
                    )),
                    _ => Ok(()),
                }
            }));
        }
    }
    trials.push(Trial::test("support/roles_named", || {
        support::roles::self_test().map_err(Failed::from)
    }));
    let filtered = args.filter.is_some() || !args.skip.is_empty();
    let conclusion = libtest_mimic::run(&args, trials);
    let results = results.lock().unwrap().clone();
    let mut passed = 0;
    let mut failed = 0;
    let mut not_loadable = 0;
    let mut skipped = 0;
    let mut report = String::new();
    for (name, outcome) in &results {
        match outcome {
            Outcome::Passed => {
                passed += 1;
                if expected.contains_key(name) {
                    report.push_str(&format!(
                        "FIXED {name} (remove it from expected-failures.txt)\n"
                    ));
                }
            }
            Outcome::Failed(m) => {
                failed += 1;
                report.push_str(&format!("FAIL {name}: {}\n", first_line(m, 300)));
            }
            Outcome::NotLoadable(m) => {
                not_loadable += 1;
                report.push_str(&format!("NOT LOADABLE {name}: {}\n", first_line(m, 200)));
            }
            Outcome::Skipped(m) => {
                skipped += 1;
                report.push_str(&format!("SKIP {name}: {m}\n"));
            }
        }
    }
    let loadable = passed + failed;
    let rate = if loadable == 0 {
        0.0
    } else {
        100.0 * passed as f64 / loadable as f64
    };
    let major = harness.server_version / 10000;
    let summary = format!(
        "conformance on PostgreSQL {major}: {passed} of {loadable} loadable cases converge ({rate:.1}%); \
         {not_loadable} do not load on this server, {skipped} skipped"
    );
    let out =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/conformance-pg{major}.txt"));
    let _ = std::fs::write(&out, format!("{summary}\n{report}"));
    println!("\n{summary}\n(details: {})", out.display());
    drop(harness);
    if !filtered && loadable > 0 && rate < 95.0 {
        eprintln!("conformance below 95%");
        std::process::exit(101);
    }
    conclusion.exit();
}
