//! Plans in pull-request review, through the real binary against real PostgreSQL: the
//! markdown comment and the GitHub annotations of a plan with hazards, a created, a dropped
//! and an altered object (insta snapshots), annotations at the desired file and line that
//! declare each object, the service policy deciding error or warning in a fleet run, the
//! before/after diff in human output, and the comment limit on a big plan.

mod support;

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::cli::{self, check, Run};
use support::Harness;

fn cache_dir() -> PathBuf {
    cli::cache_dir("review")
}

fn schemadiff(dir: &Path, args: &[&str]) -> Run {
    cli::run(dir, args, &[] as &[(&str, &str)], &[], &cache_dir())
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh database holding `tests/review/live.sql`, and its URL.
fn live_db(h: &Harness, label: &str) -> Result<String, Failed> {
    let rt = support::runtime();
    let live = std::fs::read_to_string(root().join("tests/review/live.sql"))?;
    let db = rt.block_on(h.fresh_db(label));
    rt.block_on(async {
        let c = db.connect().await.map_err(|e| e.to_string())?;
        c.batch_execute(&live).await.map_err(|e| e.to_string())
    })
    .map_err(|e| format!("loading live.sql: {e}"))?;
    Ok(h.cluster.url(&db.dbname()))
}

/// The output with the target's connection string replaced by `TARGET`.
fn normalized(text: &str, url: &str) -> String {
    let shown = schemadiff::conn::redact(url);
    text.replace(&schemadiff::render::escape_property(&shown), "TARGET")
        .replace(&shown, "TARGET")
        .replace(url, "TARGET")
}

/// One database: markdown and github snapshots, the annotations' files and lines, the
/// human diff.
fn single_database(h: &Harness) -> Result<(), Failed> {
    let url = live_db(h, "review")?;
    let dir = root();
    let plan = |format: &str, extra: &[&str]| {
        let mut args = vec![
            "plan",
            "--url",
            &url,
            "--schema",
            "tests/review/schema",
            "--format",
            format,
        ];
        args.extend_from_slice(extra);
        schemadiff(&dir, &args)
    };

    let r = plan("github", &[]);
    check(r.code == 0, "plan --format github exits 0", &r)?;
    let lines: Vec<&str> = r.stdout.lines().collect();
    let find = |needle: &str| lines.iter().find(|l| l.contains(needle)).copied();
    let rewrite = find("table_rewrite%2C access_exclusive_lock%2C backward_incompatible%3A column public.orders.quantity")
        .ok_or("no table_rewrite annotation for orders.quantity")?;
    check(
        rewrite.starts_with("::error file=tests/review/schema/orders.sql,line=5,"),
        "the type change points at the column's line in orders.sql",
        &r,
    )?;
    let index = find("title=index_build%2C non_transactional%3A index public.orders_customer_idx")
        .ok_or("no index_build annotation")?;
    check(
        index.starts_with("::error file=tests/review/schema/orders.sql,line=9,"),
        "the index build points at its CREATE INDEX",
        &r,
    )?;
    let fk = find("title=validation_scan%2C data_dependent%3A constraint orders_customer_fk")
        .ok_or("no validation_scan annotation")?;
    check(
        fk.contains("file=tests/review/schema/orders.sql,line=4,"),
        "the foreign key points at its CONSTRAINT line",
        &r,
    )?;
    let dropped_column =
        find("title=data_loss%2C backward_incompatible%3A column public.customers.legacy_code")
            .ok_or("no data_loss annotation for the dropped column")?;
    check(
        dropped_column.contains("file=tests/review/schema/customers.sql,line=2,"),
        "a dropped column points at its table's statement",
        &r,
    )?;
    let dropped_table = find("title=data_loss%2C backward_incompatible%3A table public.audit_log")
        .ok_or("no annotation for audit_log")?;
    check(
        dropped_table.starts_with("::error title="),
        "a dropped table has no file",
        &r,
    )?;
    check(
        lines
            .last()
            .is_some_and(|l| l.starts_with("::notice title=schemadiff plan%3A ")),
        "a notice closes the output",
        &r,
    )?;
    check(
        lines.iter().all(|l| l.starts_with("::")),
        "every line is a workflow command (messages are escaped)",
        &r,
    )?;
    insta::assert_snapshot!("github", normalized(&r.stdout, &url));

    // `diff` with files on the desired side reviews the same way.
    let diff = |format: &str| {
        schemadiff(
            &dir,
            &[
                "diff",
                "--from",
                &url,
                "--to",
                "tests/review/schema",
                "--format",
                format,
            ],
        )
    };
    let r = diff("github");
    check(
        r.code == 0
            && r.stdout.lines().any(|l| {
                l.starts_with("::error file=tests/review/schema/orders.sql,line=5,")
                    && l.contains("column public.orders.quantity")
            }),
        "diff --format github points at the desired file and line too",
        &r,
    )?;
    let r = diff("human");
    check(
        r.code == 0 && r.stdout.contains("--- before") && r.stdout.contains("+++ after"),
        "diff's human output shows the before/after definitions",
        &r,
    )?;

    let r = plan(
        "github",
        &["--allow-hazards", "index_build,non_transactional"],
    );
    let index = r
        .stdout
        .lines()
        .find(|l| l.contains("title=index_build%2C"))
        .unwrap_or_default();
    check(
        index.starts_with("::warning file="),
        "an allowed hazard is a warning",
        &r,
    )?;

    let r = plan("markdown", &[]);
    check(r.code == 0, "plan --format markdown exits 0", &r)?;
    let hazards_at = r.stdout.find("#### Hazards").unwrap_or(usize::MAX);
    let changes_at = r.stdout.find("#### Changes").unwrap_or(0);
    check(
        hazards_at < changes_at,
        "hazards come before the changes",
        &r,
    )?;
    check(
        r.stdout
            .contains("##### `table public.orders` (altered) ⚠️\n\n```diff\n"),
        "the altered table has a diff",
        &r,
    )?;
    check(
        r.stdout.contains("\n-  quantity integer NOT NULL")
            || r.stdout.contains("-    quantity integer NOT NULL"),
        "the diff shows the old column",
        &r,
    )?;
    check(
        r.stdout.contains("##### `table public.invoices` (created)")
            && r.stdout
                .contains("##### `table public.audit_log` (dropped)"),
        "created and dropped objects are named so",
        &r,
    )?;
    insta::assert_snapshot!("markdown", normalized(&r.stdout, &url));

    let r = plan("human", &[]);
    check(
        r.stdout.contains("--- before") && r.stdout.contains("+++ after"),
        "human output shows the definitions' diff",
        &r,
    )?;
    check(
        r.stdout.contains("column legacy_code: "),
        "steps on a column name it under their table",
        &r,
    )?;
    insta::assert_snapshot!("human", normalized(&r.stdout, &url));
    Ok(())
}

/// A fleet: the same change on two services, one whose policy allows index builds.
fn fleet_policy(h: &Harness) -> Result<(), Failed> {
    let strict = live_db(h, "review_strict")?;
    let relaxed = live_db(h, "review_relaxed")?;
    let dir = tempfile::tempdir()?;
    let schema = dir.path().join("schema/shop");
    std::fs::create_dir_all(&schema)?;
    for f in ["customers.sql", "orders.sql"] {
        std::fs::copy(root().join("tests/review/schema").join(f), schema.join(f))?;
    }
    std::fs::write(
        dir.path().join("schemadiff.yaml"),
        format!(
            "services:\n  strict:\n    url: \"{strict}\"\n    schema: schema/shop\n  relaxed:\n    url: \"{relaxed}\"\n    schema: schema/shop\n    allow_hazards: [index_build, non_transactional]\n"
        ),
    )?;
    let r = schemadiff(dir.path(), &["plan", "--format", "github"]);
    check(r.code == 0, "fleet plan --format github exits 0", &r)?;
    let index = |service: &str| {
        r.stdout
            .lines()
            .find(|l| l.contains(&format!("title={service}%3A index_build%2C")))
            .unwrap_or_default()
            .to_string()
    };
    check(
        index("strict").starts_with("::error file=schema/shop/orders.sql,line=9,"),
        "strict: the index build is an error at its line",
        &r,
    )?;
    check(
        index("relaxed").starts_with("::warning file=schema/shop/orders.sql,line=9,"),
        "relaxed: the allowed index build is a warning",
        &r,
    )?;
    check(
        r.stdout.lines().last().unwrap_or_default()
            == "::notice title=schemadiff plan::2 services: 2 with changes, 0 unchanged, 0 skipped, 0 failed",
        "a fleet notice closes the output",
        &r,
    )?;

    let r = schemadiff(dir.path(), &["plan", "--format", "markdown"]);
    check(
        r.stdout.contains("## relaxed") && r.stdout.contains("## strict"),
        "a section per service",
        &r,
    )?;
    check(
        r.stdout.contains("| allowed |") && r.stdout.contains("| **needs approval** |"),
        "the hazard table says what the service's policy allows",
        &r,
    )?;
    check(
        r.stdout.matches("```diff").count() >= 4,
        "diffs per service",
        &r,
    )
}

/// A plan far over GitHub's comment limit is trimmed to fit, and says so.
fn comment_limit(h: &Harness) -> Result<(), Failed> {
    let rt = support::runtime();
    let db = rt.block_on(h.fresh_db("review_big"));
    let url = h.cluster.url(&db.dbname());
    let dir = tempfile::tempdir()?;
    let mut sql = String::new();
    for t in 0..300 {
        sql.push_str(&format!(
            "CREATE TABLE public.wide_{t:03} (\n  id bigint PRIMARY KEY"
        ));
        for c in 0..12 {
            sql.push_str(&format!(",\n  column_with_a_long_name_{c:02} text"));
        }
        sql.push_str("\n);\n");
        sql.push_str(&format!(
            "CREATE INDEX wide_{t:03}_idx ON public.wide_{t:03} (column_with_a_long_name_00);\n"
        ));
    }
    std::fs::write(dir.path().join("wide.sql"), sql)?;
    let r = schemadiff(
        dir.path(),
        &[
            "plan", "--url", &url, "--schema", "wide.sql", "--format", "markdown",
        ],
    );
    check(r.code == 0, "plan exits 0", &r)?;
    let full = schemadiff(
        dir.path(),
        &[
            "plan", "--url", &url, "--schema", "wide.sql", "--format", "sql",
        ],
    );
    check(
        full.stdout.len() > 65_536,
        "the plan itself is over the limit",
        &full,
    )?;
    check(
        r.stdout.len() <= 65_536,
        &format!("the comment fits ({} bytes)", r.stdout.len()),
        &r,
    )?;
    check(
        r.stdout
            .starts_with("> [!NOTE]\n> Trimmed to fit a GitHub comment"),
        "the comment says it was trimmed",
        &r,
    )?;
    check(
        r.stdout.contains("`table public.wide_299`"),
        "every object is still listed",
        &r,
    )
}

/// Fixture plans that change an object in a way its definition does not show: attaching or
/// detaching a partition is a step on the parent table, whose definition lists no
/// partitions.
const KNOWN_SAME: &[(&str, &str)] = &[
    ("partitions/referenced-by-foreign-key", "forward"),
    ("partitions/referenced-by-foreign-key", "reverse"),
];

/// Every fixture case (`fixtures/<area>/<case>/`, TimescaleDB ones aside) in both
/// directions: the definitions of each plan's objects are written, every object has a side,
/// and an object both sides hold differs where the plan changes it (not where it only
/// rebuilds or renames it).
fn definitions_over_fixtures(h: &Harness) -> Result<(), Failed> {
    let rt = support::runtime();
    let root = root().join("fixtures");
    let mut dirs = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir)?.flatten() {
            let p = e.path();
            if p.is_dir() && p != root.join("timescale") {
                stack.push(p);
            }
        }
        if dir.join("after.sql").is_file() && dir.join("before.sql").is_file() {
            dirs.push(dir);
        }
    }
    dirs.sort();
    let (mut cases, mut objects, mut altered) = (0, 0, 0);
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.strip_prefix(&root).unwrap_or(dir).display().to_string();
        let before = std::fs::read_to_string(dir.join("before.sql"))?;
        let after = std::fs::read_to_string(dir.join("after.sql"))?;
        let roles = support::roles::roles_named(&format!("{before}\n{after}"));
        let result: Result<(), String> = rt.block_on(async {
            support::roles::ensure_roles(h, &roles).await?;
            let (Ok(a), Ok(b)) = (
                support::converge::build_db(h, "defs_a", &before).await,
                support::converge::build_db(h, "defs_b", &after).await,
            ) else {
                return Ok(());
            };
            let scope = schemadiff::introspect::Scope::default();
            let ca = schemadiff::workflow::live_catalog(&a, &scope).await.map_err(|e| e.to_string())?;
            let cb = schemadiff::workflow::live_catalog(&b, &scope).await.map_err(|e| e.to_string())?;
            h.drop_db(&a).await;
            h.drop_db(&b).await;
            cases += 1;
            for (from, to, way) in [(&ca, &cb, "forward"), (&cb, &ca, "reverse")] {
                let opts = schemadiff::plan::PlanOptions::default();
                let Ok(plan) = schemadiff::plan::build(from, to, &opts) else {
                    continue;
                };
                let defs = schemadiff::render::definitions(&plan, from, to)
                    .map_err(|e| format!("{way}: {e}"))?;
                for (id, d) in &defs.objects {
                    objects += 1;
                    if d.before.is_none() && d.after.is_none() {
                        return Err(format!("{way}: {id} has no definition on either side"));
                    }
                    if d.before.is_some() && d.after.is_some() {
                        altered += 1;
                        let rebuilt_or_renamed = plan.steps.iter().any(|s| {
                            schemadiff::render::owner(&s.object) == *id
                                && (s.action == schemadiff::plan::Action::Rename
                                    || s.reason.contains("again")
                                    || s.reason.contains("recreate"))
                        });
                        let known_gap = KNOWN_SAME.contains(&(name.as_str(), way));
                        if d.diff().is_empty() && !rebuilt_or_renamed && !known_gap {
                            return Err(format!(
                                "{way}: {id} is changed by the plan but its definition is the same:\n{}",
                                d.before.as_deref().unwrap_or_default()
                            ));
                        }
                    }
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            failures.push(format!("{name}: {e}"));
        }
    }
    println!("definitions: {cases} fixture cases, {objects} objects, {altered} altered");
    if failures.is_empty() && cases > 20 {
        Ok(())
    } else {
        Err(format!("{cases} cases loaded; failures:\n{}", failures.join("\n")).into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let h = Arc::new(Harness::start());
    type Case = fn(&Harness) -> Result<(), Failed>;
    let cases: [(&str, Case); 4] = [
        ("single_database", single_database),
        ("definitions_over_fixtures", definitions_over_fixtures),
        ("fleet_policy", fleet_policy),
        ("comment_limit", comment_limit),
    ];
    let trials = cases
        .into_iter()
        .map(|(name, f)| {
            let h = h.clone();
            Trial::test(name, move || f(&h))
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    let _ = std::fs::remove_dir_all(cache_dir());
    drop(h);
    conclusion.exit();
}
