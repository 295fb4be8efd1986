//! `schemadiff lint` against a real PostgreSQL:
//!
//! - every rule has `fixtures/lint/<rule>/{pass,fail}.sql` (and an optional `lint.yaml`, the
//!   `lint:` section it runs with), loaded through the dev database path; `fail.sql` marks
//!   each expected violation with a trailing `-- expect: OBJECT` on the line it must be
//!   reported at, and the rule must report exactly those (object, file, line); `pass.sql`
//!   must give the rule nothing (and, where TimescaleDB is installed, a hypertable's key
//!   may hold its time column next to `id`);
//! - the binary: exit statuses (error, warnings, `--strict`), `lint-ignore` comments, a
//!   fleet configuration whose service overrides the top level, the JSON and GitHub formats,
//!   YAML definitions placed at the line of their node;
//! - the four example fleets of `schema/` lint clean (exit 0) with their own configuration.

mod support;

use libtest_mimic::{Arguments, Failed, Trial};
use schemadiff::config::LintFile;
use schemadiff::introspect::Scope;
use schemadiff::lint::{self, Rule, Settings};
use schemadiff::source::{self, CacheOptions};
use schemadiff::workflow::{self, Desired, DevChoice};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::cli::{self, check, json, Run};
use support::Harness;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `(object, line)` pairs a fail fixture expects.
fn expected(text: &str) -> BTreeSet<(String, usize)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let at = l.find("-- expect: ")?;
            Some((l[at + "-- expect: ".len()..].trim().to_string(), i + 1))
        })
        .collect()
}

/// Lint one fixture file through a temporary database on the test cluster.
async fn lint_file(h: &Harness, path: &Path, settings: &Settings) -> Result<lint::Report, Failed> {
    let desired = Desired {
        paths: vec![path.to_path_buf()],
        dev: DevChoice::Url(Box::new(h.cluster.target("postgres"))),
        scope: Scope::default(),
        cache: CacheOptions::default(),
        seeds: None,
    };
    let files = source::read_paths(&desired.paths).map_err(|e| format!("{e:?}"))?;
    let catalog = workflow::desired_catalog(&desired, None)
        .await
        .map_err(|e| format!("{}: {e:?}", path.display()))?;
    Ok(lint::lint(&files, &catalog, settings).map_err(|e| e.to_string())?)
}

/// The `lint.yaml` settings of a rule's fixture folder (the defaults without one).
fn fixture_settings(dir: &Path) -> Result<Settings, Failed> {
    let file = match std::fs::read_to_string(dir.join("lint.yaml")) {
        Ok(text) => serde_yaml_ng::from_str::<LintFile>(&text).map_err(|e| e.to_string())?,
        Err(_) => LintFile::default(),
    };
    Ok(Settings::from_file(&file)?)
}

/// `rule` reports exactly what `path` expects (nothing, when it has no `-- expect:`), each
/// in `path` at its line, with the rule's default level, a message and a help.
async fn expect_case(h: &Harness, rule: Rule, path: &Path, s: &Settings) -> Result<(), Failed> {
    let want = expected(&std::fs::read_to_string(path)?);
    let report = lint_file(h, path, s).await?;
    let mut got = BTreeSet::new();
    for v in report.violations.iter().filter(|v| v.rule == rule) {
        if v.file.as_deref() != Some(path) {
            return Err(format!("{v:?} is not placed in {}", path.display()).into());
        }
        if v.level != rule.default_level() || v.message.is_empty() || v.help.is_empty() {
            return Err(format!("{v:?}: level, message or help").into());
        }
        got.insert((v.object.clone(), v.line.unwrap_or(0)));
    }
    if got != want {
        return Err(format!(
            "{}: {rule} reported {got:#?}\nexpected {want:#?}",
            path.display()
        )
        .into());
    }
    Ok(())
}

fn rule_case(h: &Harness, rule: Rule) -> Result<(), Failed> {
    let dir = Path::new("fixtures/lint").join(rule.id());
    let settings = fixture_settings(&dir)?;
    let fail = dir.join("fail.sql");
    if expected(&std::fs::read_to_string(&fail)?).is_empty() {
        return Err(format!("{} expects nothing", fail.display()).into());
    }
    support::runtime().block_on(async {
        expect_case(h, rule, &dir.join("pass.sql"), &settings).await?;
        expect_case(h, rule, &fail, &settings).await
    })
}

/// A hypertable may have its time column next to `id` in the primary key.
fn hypertable_key(h: &Harness) -> Result<(), Failed> {
    if !h.timescaledb {
        println!("SKIPPED: TimescaleDB is not installed");
        return Ok(());
    }
    let rule = Rule::UuidPrimaryKey;
    let path = Path::new("fixtures/lint")
        .join(rule.id())
        .join("hypertable.sql");
    let settings = Settings::default();
    support::runtime().block_on(expect_case(h, rule, &path, &settings))
}

fn cache() -> PathBuf {
    cli::cache_dir("lint")
}

fn schemadiff(dir: &Path, args: &[&str]) -> Run {
    cli::run(dir, args, &[] as &[(&str, &str)], &[], &cache())
}

fn lint_schema(h: &Harness, file: &str, extra: &[&str]) -> Run {
    let url = h.cluster.url("postgres");
    let path = format!("fixtures/lint/cli/{file}");
    let mut args = vec!["lint", "--schema", &path, "--dev-url", &url];
    args.extend_from_slice(extra);
    schemadiff(&root(), &args)
}

fn exit_statuses(h: &Harness) -> Result<(), Failed> {
    let clean = lint_schema(h, "clean.sql", &[]);
    check(
        clean.code == 0 && clean.stdout.contains("no violations"),
        "a clean schema exits 0",
        &clean,
    )?;
    let warn = lint_schema(h, "warnings.sql", &[]);
    check(
        warn.code == 0
            && warn.stdout.contains(
                "fixtures/lint/cli/warnings.sql:5: risk.timestamp_without_time_zone (warning): column public.app_user.last_seen",
            )
            && warn.stdout.contains("0 errors, 1 warning"),
        "warnings alone exit 0, shown at file:line",
        &warn,
    )?;
    let strict = lint_schema(h, "warnings.sql", &["--strict"]);
    check(strict.code == 1, "--strict fails on a warning", &strict)?;
    let bad = lint_schema(h, "bad_ignore.sql", &[]);
    check(
        bad.code == 1
            && bad.stderr.contains("fixtures/lint/cli/bad_ignore.sql:1")
            && bad.stderr.contains("unknown lint rule")
            && bad.stderr.contains("`naming.plural_table`")
            && bad.stderr.contains("schemadiff::lint::ignore"),
        "an unknown rule in lint-ignore is an error at its line",
        &bad,
    )?;
    Ok(())
}

/// `(rule, v[field], line)` of each violation of a `--format json` report.
fn triples(doc: &serde_json::Value, field: &str) -> Vec<(String, String, u64)> {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    doc["violations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            (
                text(&v["rule"]),
                text(&v[field]),
                v["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn suppression(h: &Harness) -> Result<(), Failed> {
    let run = lint_schema(h, "suppressed.sql", &["--format", "json"]);
    check(run.code == 1, "the unsuppressed column fails", &run)?;
    let doc = json(&run)?;
    let got: Vec<(String, String, u64)> = triples(&doc, "object");
    let want = vec![(
        "naming.snake_case".to_string(),
        "column public.app_session.\"Device\"".to_string(),
        19,
    )];
    check(
        got == want,
        &format!("only \"Device\" is reported: {got:?}"),
        &run,
    )?;
    check(
        doc["summary"]["suppressed"] == 4 && doc["summary"]["errors"] == 1,
        "the pair key, two timestamps and \"Token\" are suppressed",
        &run,
    )
}

/// YAML definitions go the same way, each violation at the line of its YAML node, and
/// `# schemadiff:lint-ignore` comments silence a key with its nested keys.
fn yaml_lines(h: &Harness) -> Result<(), Failed> {
    let url = h.cluster.url("postgres");
    let args = [
        "lint",
        "--schema",
        "fixtures/lint/yaml",
        "--dev-url",
        &url,
        "--format",
        "json",
    ];
    let run = schemadiff(&root(), &args);
    check(run.code == 1, "errors in YAML fail", &run)?;
    let doc = json(&run)?;
    let got: BTreeSet<(String, String, u64)> = triples(&doc, "file").into_iter().collect();
    let file = "fixtures/lint/yaml/plan.yaml".to_string();
    let want: BTreeSet<(String, String, u64)> = [
        ("naming.singular_table", 3),
        ("naming.snake_case", 6),
        ("risk.float_for_money", 7),
    ]
    .into_iter()
    .map(|(r, l)| (r.to_string(), file.clone(), l))
    .collect();
    check(got == want, &format!("YAML lines: {got:?}"), &run)?;
    check(
        doc["summary"]["suppressed"] == 2,
        "a YAML lint-ignore comment covers its key and the keys under it",
        &run,
    )
}

/// A fleet whose top level makes timestamps without time zone errors, and whose second
/// service turns that rule off and sets a table prefix.
fn fleet_config(h: &Harness) -> Result<(), Failed> {
    let dir = std::env::temp_dir().join(format!("schemadiff-lint-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let schema = root().join("fixtures/lint/cli/warnings.sql");
    let url = h.cluster.url("postgres");
    let config = format!(
        "lint:\n  rules:\n    risk.timestamp_without_time_zone: error\n\
         services:\n  relaxed:\n    url: {url}\n    schema: {s}\n    lint:\n      rules:\n        risk.timestamp_without_time_zone: off\n      table_prefix: crm_\n\
         \x20 strict:\n    url: {url}\n    schema: {s}\n",
        s = schema.display()
    );
    std::fs::write(dir.join("schemadiff.yaml"), config)?;
    let run = schemadiff(&dir, &["lint", "--format", "json"]);
    check(
        run.code == 1,
        "an error in one service fails the fleet",
        &run,
    )?;
    let doc = json(&run)?;
    let rules = |name: &str| -> Vec<(String, String)> {
        doc["services"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["service"] == name)
            .flat_map(|s| s["violations"].as_array().cloned().unwrap_or_default())
            .map(|v| {
                (
                    v["rule"].as_str().unwrap_or_default().to_string(),
                    v["level"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    check(
        rules("strict") == [("risk.timestamp_without_time_zone".into(), "error".into())],
        &format!(
            "strict: the top level raises the rule to error: {:?}",
            rules("strict")
        ),
        &run,
    )?;
    check(
        rules("relaxed") == [("naming.table_prefix".into(), "error".into())],
        &format!(
            "relaxed: its own rules and prefix win: {:?}",
            rules("relaxed")
        ),
        &run,
    )?;
    let gh = schemadiff(&dir, &["lint", "--format", "github"]);
    check(
        gh.code == 1
            && gh.stdout.contains(&format!(
                "::error file={},line=5,title=strict%3A risk.timestamp_without_time_zone%3A column public.app_user.last_seen::",
                schema.display()
            ))
            && gh.stdout.contains("::notice title=schemadiff lint::2 services: 2 errors, 0 warnings, 0 suppressed, 0 failed"),
        "github annotations at file and line, and a notice",
        &gh,
    )?;
    let unknown = std::fs::read_to_string(dir.join("schemadiff.yaml"))?
        .replace("risk.timestamp_without_time_zone: off", "naming.camel: off");
    std::fs::write(dir.join("schemadiff.yaml"), unknown)?;
    let bad = schemadiff(&dir, &["lint"]);
    check(
        bad.code == 1
            && bad.stderr.contains("unknown lint rule")
            && bad.stderr.contains("`naming.camel`"),
        "an unknown rule in the configuration is an error",
        &bad,
    )?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

const PLATFORMS: [&str; 4] = ["austa", "capsule", "predicthealth", "rmbrain"];

/// Services whose files create `timescaledb`.
const TIMESCALE: &[(&str, &str)] = &[("austa", "health_journey"), ("capsule", "monitor")];

fn example_fleet(h: &Harness, platform: &str) -> Result<(), Failed> {
    let config = format!("schema/{platform}/schemadiff.yaml");
    let url = h.cluster.url("postgres");
    let mut args = vec!["lint", "--config", &config, "--dev-url", &url];
    let names: Vec<String>;
    if !h.timescaledb {
        let text = std::fs::read_to_string(root().join(&config))?;
        let parsed = schemadiff::config::Config::parse(Path::new(&config), text)?;
        names = parsed
            .names()
            .into_iter()
            .filter(|n| !TIMESCALE.contains(&(platform, n.as_str())))
            .collect();
        args.extend(names.iter().map(String::as_str));
    }
    let run = schemadiff(&root(), &args);
    check(
        run.code == 0 && run.stdout.contains(" 0 errors, ") && run.stdout.contains(" 0 failed"),
        &format!("schemadiff lint over {platform} passes"),
        &run,
    )
}

fn main() {
    let args = Arguments::from_args();
    let harness = Arc::new(Harness::start_timescale());
    let mut named = BTreeSet::new();
    for platform in PLATFORMS {
        for file in source::read_files(&[root().join("schema").join(platform)]).expect("read") {
            named.extend(support::roles::roles_named(&file.text));
        }
    }
    support::runtime()
        .block_on(support::roles::ensure_roles(&harness, &named))
        .expect("the roles the example fleets grant to");
    if !harness.timescaledb {
        println!("SKIPPED: TimescaleDB is not installed: austa/health_journey and capsule/monitor are not linted");
    }
    let mut trials = Vec::new();
    for rule in Rule::ALL {
        let h = harness.clone();
        trials.push(Trial::test(format!("rule::{}", rule.id()), move || {
            rule_case(&h, rule)
        }));
    }
    let h = harness.clone();
    trials.push(Trial::test(
        "rule::keys.uuid_primary_key::hypertable",
        move || hypertable_key(&h),
    ));
    let h = harness.clone();
    trials.push(Trial::test("cli::exit_statuses", move || exit_statuses(&h)));
    let h = harness.clone();
    trials.push(Trial::test("cli::suppression", move || suppression(&h)));
    let h = harness.clone();
    trials.push(Trial::test("cli::fleet_config", move || fleet_config(&h)));
    let h = harness.clone();
    trials.push(Trial::test("cli::yaml_lines", move || yaml_lines(&h)));
    for platform in PLATFORMS {
        let h = harness.clone();
        trials.push(Trial::test(format!("examples::{platform}"), move || {
            example_fleet(&h, platform)
        }));
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(harness);
    let _ = std::fs::remove_dir_all(cache());
    conclusion.exit();
}
