//! The command line as a user meets it: the real binary, real PostgreSQL, exit codes,
//! stdout/stderr separation, diagnostics for bad input, and the example schema end to end.

mod support;

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use support::Harness;

use support::cli::{check, Run};

fn schemadiff(args: &[&str]) -> Run {
    support::cli::run(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        args,
        &[] as &[(&str, &str)],
        &[],
        &support::cli::cache_dir("cli"),
    )
}

fn example() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schema/predicthealth")
        .display()
        .to_string()
}

fn help_and_usage() -> Result<(), Failed> {
    let r = schemadiff(&["--help"]);
    check(
        r.code == 0 && r.stdout.contains("plan"),
        "--help exits 0",
        &r,
    )?;
    for cmd in ["plan", "apply", "drift", "diff", "dump"] {
        let r = schemadiff(&[cmd, "--help"]);
        check(r.code == 0, &format!("{cmd} --help exits 0"), &r)?;
    }
    let r = schemadiff(&["plan", "--bogus"]);
    check(r.code == 1, "an unparsable command line exits 1", &r)?;
    let r = schemadiff(&["plan", "--schema", "x.sql"]);
    check(
        r.code == 1 && r.stderr.contains("--url"),
        "a missing --url is named",
        &r,
    )?;
    Ok(())
}

fn unreachable_server_keeps_password_secret() -> Result<(), Failed> {
    let r = schemadiff(&[
        "plan",
        "--url",
        "postgresql://app:hunter2@127.0.0.1:1/db?connect_timeout=2",
        "--schema",
        &example(),
    ]);
    check(r.code == 1, "unreachable server exits 1", &r)?;
    check(
        r.stderr.contains("cannot connect"),
        "says it cannot connect",
        &r,
    )?;
    check(
        !r.stderr.contains("hunter2") && !r.stdout.contains("hunter2"),
        "never prints the password",
        &r,
    )?;
    Ok(())
}

fn refused_login(h: &Harness) -> Result<(), Failed> {
    let rt = support::runtime();
    rt.block_on(async {
        let admin = h.cluster.target("postgres").connect().await.unwrap();
        admin
            .batch_execute("DROP ROLE IF EXISTS nologin_role; CREATE ROLE nologin_role NOLOGIN")
            .await
            .unwrap();
    });
    let url = format!(
        "host={} port={} user=nologin_role password=s3cret dbname=postgres",
        h.cluster.socket_dir().display(),
        h.cluster.port()
    );
    let r = schemadiff(&["plan", "--url", &url, "--schema", &example()]);
    check(r.code == 1, "refused login exits 1", &r)?;
    check(
        r.stderr.contains("refused"),
        "says the login was refused",
        &r,
    )?;
    check(
        !r.stderr.contains("s3cret"),
        "never prints the password",
        &r,
    )
}

fn bad_desired_sql_points_at_file(h: &Harness) -> Result<(), Failed> {
    let rt = support::runtime();
    let db = rt.block_on(h.fresh_db("badsql"));
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("broken.sql");
    std::fs::write(
        &file,
        "CREATE TABLE ok (id int);\n\nCREATE TABLE bad (\n  id int,\n  name txet\n);\n",
    )?;
    let url = h.cluster.url(&db.dbname());
    let r = schemadiff(&[
        "plan",
        "--url",
        &url,
        "--schema",
        &file.display().to_string(),
    ]);
    check(r.code == 1, "malformed desired SQL exits 1", &r)?;
    check(r.stderr.contains("broken.sql"), "names the file", &r)?;
    check(r.stderr.contains("txet"), "quotes the offending text", &r)?;
    check(r.stderr.contains(":5:"), "points at line 5", &r)?;
    let r = schemadiff(&["plan", "--url", &url, "--schema", "/nonexistent/schema"]);
    check(
        r.code == 1 && r.stderr.contains("/nonexistent/schema"),
        "missing path is named",
        &r,
    )?;
    // nothing was created in the target
    let n: i64 = rt.block_on(async {
        let c = db.connect().await.unwrap();
        c.query_one(
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace",
            &[],
        )
        .await
        .unwrap()
        .get(0)
    });
    check(n == 0, "the target is untouched", &r)
}

fn dev_database_needs_privilege(h: &Harness) -> Result<(), Failed> {
    let rt = support::runtime();
    let db = rt.block_on(h.fresh_db("noprivdev"));
    rt.block_on(async {
        let admin = h.cluster.target("postgres").connect().await.unwrap();
        admin
            .batch_execute(
                "DROP ROLE IF EXISTS plain_user; CREATE ROLE plain_user LOGIN NOCREATEDB",
            )
            .await
            .unwrap();
    });
    let url = format!(
        "host={} port={} user=plain_user dbname={}",
        h.cluster.socket_dir().display(),
        h.cluster.port(),
        db.dbname()
    );
    let r = schemadiff(&["plan", "--url", &url, "--schema", &example(), "--no-cache"]);
    check(r.code == 1, "no CREATEDB exits 1", &r)?;
    check(r.stderr.contains("--dev-url"), "suggests --dev-url", &r)
}

/// plan → apply → drift → edit → saved plan → stale plan → hazards → dump round trip.
fn example_end_to_end(h: &Harness) -> Result<(), Failed> {
    let rt = support::runtime();
    let db = rt.block_on(h.fresh_db("e2e"));
    let url = h.cluster.url(&db.dbname());
    let schema = example();

    let r = schemadiff(&[
        "plan",
        "--url",
        &url,
        "--schema",
        &schema,
        "--detailed-exitcode",
    ]);
    check(
        r.code == 2,
        "plan of an empty database has changes (exit 2)",
        &r,
    )?;
    check(
        r.stdout.contains("CREATE TABLE public.patients"),
        "plan shows the tables",
        &r,
    )?;

    let r = schemadiff(&[
        "plan", "--url", &url, "--schema", &schema, "--format", "json",
    ]);
    let plan: serde_json::Value = serde_json::from_str(&r.stdout)?;
    check(
        plan["format_version"] == 1 && plan["steps"].is_array(),
        "json plan",
        &r,
    )?;

    let r = schemadiff(&[
        "apply",
        "--url",
        &url,
        "--schema",
        &schema,
        "--auto-approve",
    ]);
    check(r.code == 0, "apply succeeds", &r)?;
    let r = schemadiff(&[
        "plan",
        "--url",
        &url,
        "--schema",
        &schema,
        "--detailed-exitcode",
    ]);
    check(
        r.code == 0 && r.stdout.contains("no changes"),
        "converged: next plan empty",
        &r,
    )?;
    let r = schemadiff(&["drift", "--url", &url, "--schema", &schema]);
    check(r.code == 0, "no drift after apply", &r)?;

    // Manual change → drift, with exit 2 and JSON.
    rt.block_on(async {
        let c = db.connect().await.unwrap();
        c.batch_execute("INSERT INTO doctor_specialties (code, name) VALUES ('CARD', 'Cardiology'); ALTER TABLE doctors ADD COLUMN pager text")
            .await
            .unwrap();
    });
    let r = schemadiff(&[
        "drift", "--url", &url, "--schema", &schema, "--format", "json",
    ]);
    check(r.code == 2, "drift exits 2", &r)?;
    let report: serde_json::Value = serde_json::from_str(&r.stdout)?;
    check(
        report["findings"][0]["kind"] == "unexpected"
            && report["findings"][0]["code"] == "column.unexpected"
            && report["findings"][0]["object"]
                .as_str()
                .is_some_and(|o| o.contains("pager")),
        "drift names the unexpected column",
        &r,
    )?;

    // Dropping the column is a data_loss hazard: refused without approval, nothing changed.
    let r = schemadiff(&[
        "apply",
        "--url",
        &url,
        "--schema",
        &schema,
        "--auto-approve",
    ]);
    check(
        r.code == 1 && r.stderr.contains("data_loss"),
        "unapproved hazard refused",
        &r,
    )?;
    let r = schemadiff(&["drift", "--url", &url, "--schema", &schema]);
    check(r.code == 2, "still drifted after the refusal", &r)?;

    // Saved plan, then the database changes: the plan is refused as stale.
    let dir = tempfile::tempdir()?;
    let plan_file = dir.path().join("plan.json").display().to_string();
    let r = schemadiff(&[
        "plan", "--url", &url, "--schema", &schema, "--out", &plan_file,
    ]);
    check(r.code == 0, "plan --out", &r)?;
    rt.block_on(async {
        let c = db.connect().await.unwrap();
        c.batch_execute("ALTER TABLE admins ADD COLUMN nickname text")
            .await
            .unwrap();
    });
    let r = schemadiff(&[
        "apply",
        "--url",
        &url,
        "--schema",
        &schema,
        "--plan",
        &plan_file,
        "--auto-approve",
        "--allow-hazards",
        "all",
    ]);
    check(
        r.code == 1 && r.stderr.contains("changed since the plan"),
        "stale plan refused",
        &r,
    )?;

    // A fresh reviewed plan applies exactly, with the hazards allowed, and keeps the rows.
    let r = schemadiff(&[
        "plan", "--url", &url, "--schema", &schema, "--out", &plan_file,
    ]);
    check(r.code == 0, "plan --out again", &r)?;
    let r = schemadiff(&[
        "apply",
        "--url",
        &url,
        "--schema",
        &schema,
        "--plan",
        &plan_file,
        "--auto-approve",
        "--allow-hazards",
        "data_loss,backward_incompatible,access_exclusive_lock",
    ]);
    check(r.code == 0, "reviewed plan applies", &r)?;
    let rows: i64 = rt.block_on(async {
        let c = db.connect().await.unwrap();
        c.query_one("SELECT count(*) FROM doctor_specialties", &[])
            .await
            .unwrap()
            .get(0)
    });
    check(rows == 1, "rows survive", &r)?;

    // dump, load the dump elsewhere, and it plans to nothing against the dumped database.
    let r = schemadiff(&["dump", "--url", &url]);
    check(r.code == 0, "dump", &r)?;
    let dump_file = dir.path().join("dump.sql");
    std::fs::write(&dump_file, &r.stdout)?;
    let r = schemadiff(&[
        "plan",
        "--url",
        &url,
        "--schema",
        &dump_file.display().to_string(),
        "--detailed-exitcode",
    ]);
    check(
        r.code == 0,
        "the dump plans to nothing against its source",
        &r,
    )?;
    let r = schemadiff(&[
        "diff",
        "--from",
        &schema,
        "--to",
        &dump_file.display().to_string(),
        "--dev-url",
        &h.cluster.url("postgres"),
        "--detailed-exitcode",
    ]);
    check(
        r.code == 0,
        "file-to-file diff of the example and its dump is empty",
        &r,
    )?;
    Ok(())
}

/// What bash offers after `words` (the last one being completed), through the script that
/// `schemadiff completions bash` prints.
fn bash_completes(words: &[&str]) -> Result<Vec<String>, Failed> {
    let script = schemadiff(&["completions", "bash"]);
    if script.code != 0 {
        return Err(format!("completions bash exits {}: {}", script.code, script.stderr).into());
    }
    let dir = tempfile_dir("completion");
    let file = dir.join("schemadiff.bash");
    std::fs::write(&file, &script.stdout)?;
    let line = words.join(" ");
    let last = words.len() - 1;
    let prev = if last > 0 { words[last - 1] } else { "" };
    let driver = format!(
        "source {file}; COMP_WORDS=({line}); COMP_CWORD={last}; COMP_LINE='{line}'; \
         COMP_POINT=${{#COMP_LINE}}; _schemadiff schemadiff '{cur}' '{prev}'; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file = file.display(),
        cur = words[last],
    );
    let out = Command::new("bash").arg("-c").arg(&driver).output()?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect())
}

fn tempfile_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schemadiff-{label}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The completion script really completes commands and flags in bash, and the man pages
/// render with `man`.
fn completions_and_man_pages() -> Result<(), Failed> {
    let commands = bash_completes(&["schemadiff", "dr"])?;
    if commands != ["drift"] {
        return Err(format!("`schemadiff dr<TAB>` offers {commands:?}").into());
    }
    let flags = bash_completes(&["schemadiff", "apply", "--validation-t"])?;
    if flags != ["--validation-timeout"] {
        return Err(format!("`apply --validation-t<TAB>` offers {flags:?}").into());
    }
    let dir = tempfile_dir("man");
    let r = schemadiff(&["man", "--out", &dir.display().to_string()]);
    check(r.code == 0, "man --out exits 0", &r)?;
    let page = dir.join("schemadiff-drift.1");
    let text = std::fs::read_to_string(&page)?;
    let _ = std::fs::remove_dir_all(&dir);
    check(
        text.contains(".TH schemadiff-drift 1") && text.contains("\\-\\-format"),
        "schemadiff-drift.1 is a man page with the drift flags",
        &Run {
            code: 0,
            stdout: text.clone(),
            stderr: String::new(),
        },
    )
}

fn main() {
    let args = Arguments::from_args();
    let harness = Arc::new(Harness::start());
    let h = |f: fn(&Harness) -> Result<(), Failed>| {
        let h = harness.clone();
        move || f(&h)
    };
    let trials = vec![
        Trial::test("help_and_usage", help_and_usage),
        Trial::test("completions_and_man_pages", completions_and_man_pages),
        Trial::test(
            "unreachable_server_keeps_password_secret",
            unreachable_server_keeps_password_secret,
        ),
        Trial::test("refused_login", h(refused_login)),
        Trial::test(
            "bad_desired_sql_points_at_file",
            h(bad_desired_sql_points_at_file),
        ),
        Trial::test(
            "dev_database_needs_privilege",
            h(dev_database_needs_privilege),
        ),
        Trial::test("example_end_to_end", h(example_end_to_end)),
    ];
    let conclusion = libtest_mimic::run(&args, trials);
    drop(harness);
    let _ = std::fs::remove_dir_all(support::cli::cache_dir("cli"));
    conclusion.exit();
}
