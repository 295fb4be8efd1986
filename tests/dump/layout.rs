//! The files `dump --out` writes: the documented layout, their shape, the stdout stream
//! holding the same statements, no password anywhere, and `--force`.

use super::{check, read_tree, schemadiff};
use libtest_mimic::{Failed, Trial};
use std::path::Path;
use std::sync::Arc;
use support::Harness;

use crate::support;

pub fn trials(harness: &Arc<Harness>) -> Vec<Trial> {
    let h = |f: fn(&Harness) -> Result<(), Failed>| {
        let h = harness.clone();
        move || f(&h)
    };
    vec![
        Trial::test("layout::every_kind_files", h(every_kind_files)),
        Trial::test("layout::force_replaces_only_a_dump", h(force)),
        Trial::test("layout::unmodelled_objects_are_named", h(unmodelled)),
    ]
}

/// The layout documented in the README, for `tests/dump/every_kind.sql`.
const EVERY_KIND_FILES: &[&str] = &[
    "00_extensions.sql",
    "01_schemas.sql",
    "Audit%20Trail/tables/%2Elog.sql",
    "billing/functions/close_books.sql",
    "billing/functions/on_ddl.sql",
    "billing/functions/tax.sql",
    "billing/functions/total_of.sql",
    "billing/functions/touch.sql",
    "billing/materialized_views/customer_totals.sql",
    "billing/sequences/counter.sql",
    "billing/tables/Order%20Items.sql",
    "billing/tables/Users.sql",
    "billing/tables/customer.sql",
    "billing/tables/invoice.sql",
    "billing/tables/payment.sql",
    "billing/tables/payment_2025.sql",
    "billing/tables/payment_2026.sql",
    "billing/tables/scratch.sql",
    "billing/tables/users~2.sql",
    "billing/types/address.sql",
    "billing/types/email.sql",
    "billing/types/mood.sql",
    "billing/views/big_invoices.sql",
    "zz_default_privileges.sql",
    "zz_event_triggers.sql",
];

/// Run `sql` (psql semantics) in database `dbname`.
pub fn load(h: &Harness, dbname: &str, sql: &str) -> Result<(), Failed> {
    let rt = support::runtime();
    let target = h.cluster.target(dbname);
    rt.block_on(async {
        let client = target.connect().await.map_err(|e| e.to_string())?;
        client
            .batch_execute(sql)
            .await
            .map_err(|e| schemadiff::conn::describe_error(&e))
    })?;
    Ok(())
}

/// The statements of a file: its text without the header line, split at blank lines
/// between statements.
pub fn statements(text: &str) -> Vec<String> {
    text.split_once('\n')
        .map(|(_, rest)| rest)
        .unwrap_or("")
        .split(";\n\n")
        .map(|s| s.trim().trim_end_matches(';').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn every_kind_files(h: &Harness) -> Result<(), Failed> {
    let rt = support::runtime();
    let db = rt.block_on(h.fresh_db("layout_every_kind"));
    load(h, &db.dbname(), include_str!("every_kind.sql"))?;
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("dump");
    // a password in the URL (the test cluster trusts local connections, so it is unused)
    let url = h
        .cluster
        .url(&db.dbname())
        .replace("postgres@", "postgres:hunter2@");
    let r = schemadiff(&["dump", "--url", &url, "--out", &out.display().to_string()]);
    check(r.code == 0, "dump --out", &r)?;
    check(
        r.stderr.contains(
            "25 files: 3 types, 1 sequence, 10 tables, 1 view, 1 materialized view, 5 functions",
        ),
        "a summary line on stderr",
        &r,
    )?;
    let files = read_tree(&out);
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    if paths != EVERY_KIND_FILES {
        return Err(format!(
            "the files are not the documented layout:\n got  {paths:?}\n want {EVERY_KIND_FILES:?}"
        )
        .into());
    }
    for (path, text) in &files {
        let header = text.lines().next().unwrap_or("");
        if !header.starts_with("-- schemadiff dump: ")
            || !text.starts_with(&format!("{header}\n\n"))
        {
            return Err(format!("{path}: no header line then a blank line:\n{text}").into());
        }
        if text.contains("\n\n\n") || !text.ends_with(";\n") || text.contains("hunter2") {
            return Err(format!("{path}: statements are not separated by one blank line, or the file does not end with `;`:\n{text}").into());
        }
    }
    let file = |p: &str| {
        files
            .iter()
            .find(|(path, _)| path == p)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };
    let invoice = file("billing/tables/invoice.sql");
    for want in [
        "-- schemadiff dump: table billing.invoice\n",
        "CREATE SEQUENCE billing.invoice_no_seq",
        "CREATE TABLE billing.invoice (",
        "ADD CONSTRAINT invoice_ticket_check CHECK ((ticket > 0)) NOT VALID;",
        "ADD CONSTRAINT invoice_customer_id_fkey FOREIGN KEY",
        "CREATE INDEX invoice_customer ON billing.invoice",
        "CREATE TRIGGER touch BEFORE UPDATE ON billing.invoice",
        "ALTER SEQUENCE billing.invoice_no_seq OWNED BY billing.invoice.no;",
        "GRANT SELECT (total), UPDATE (total) ON TABLE billing.invoice TO dump_writer;",
        "GRANT SELECT ON TABLE billing.invoice TO dump_reader;",
        "CREATE POLICY own_invoices ON billing.invoice",
        "ALTER TABLE billing.invoice ENABLE ROW LEVEL SECURITY;",
        "ALTER TABLE billing.invoice FORCE ROW LEVEL SECURITY;",
        "COMMENT ON CONSTRAINT positive_total ON billing.invoice",
        "COMMENT ON INDEX billing.invoice_customer IS 'lookup';",
    ] {
        if !invoice.contains(want) {
            return Err(format!("invoice.sql lacks `{want}`:\n{invoice}").into());
        }
    }
    let position = |text: &str, s: &str| text.find(s).unwrap_or(usize::MAX);
    if position(&invoice, "CREATE SEQUENCE") > position(&invoice, "CREATE TABLE")
        || position(&invoice, "CREATE TABLE") > position(&invoice, "CREATE INDEX")
    {
        return Err(format!("invoice.sql is not in plan order:\n{invoice}").into());
    }
    let tax = file("billing/functions/tax.sql");
    if !(tax.contains("billing.tax(amount numeric)\n")
        && tax.contains("billing.tax(amount numeric, rate numeric)\n")
        && tax.contains("GRANT EXECUTE ON ROUTINE billing.tax(amount numeric) TO dump_reader"))
    {
        return Err(format!("tax.sql does not hold both overloads and the grant:\n{tax}").into());
    }
    for (path, want) in [
        ("billing/materialized_views/customer_totals.sql", "CREATE UNIQUE INDEX customer_totals_customer ON billing.customer_totals"),
        ("billing/views/big_invoices.sql", "COMMENT ON COLUMN billing.big_invoices.total"),
        ("billing/tables/payment_2025.sql", "CREATE TABLE billing.payment_2025 PARTITION OF billing.payment"),
        ("billing/tables/Order%20Items.sql", "CREATE TABLE billing.\"Order Items\""),
        ("billing/tables/users~2.sql", "CREATE TABLE billing.users"),
        ("Audit%20Trail/tables/%2Elog.sql", "CREATE TABLE \"Audit Trail\".\".log\""),
        ("billing/sequences/counter.sql", "GRANT USAGE ON SEQUENCE billing.counter TO dump_writer"),
        ("billing/types/mood.sql", "GRANT USAGE ON TYPE billing.mood TO dump_reader"),
        ("01_schemas.sql", "COMMENT ON SCHEMA billing IS 'money'"),
        ("01_schemas.sql", "REVOKE USAGE ON SCHEMA public FROM PUBLIC"),
        ("zz_default_privileges.sql", "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA billing GRANT SELECT ON TABLES TO dump_reader"),
        ("zz_event_triggers.sql", "CREATE EVENT TRIGGER billing_ddl"),
    ] {
        if !file(path).contains(want) {
            return Err(format!("{path} lacks `{want}`:\n{}", file(path)).into());
        }
    }

    // without --out: one stream holding the same statements
    let r = schemadiff(&["dump", "--url", &url]);
    check(
        r.code == 0 && !r.stdout.contains("hunter2") && !r.stderr.contains("hunter2"),
        "dump to stdout",
        &r,
    )?;
    let mut streamed = statements(&r.stdout);
    let mut in_files: Vec<String> = files.iter().flat_map(|(_, t)| statements(t)).collect();
    streamed.sort();
    in_files.sort();
    if streamed != in_files {
        return Err(format!(
            "stdout and the files hold different statements:\n{}",
            support::converge::unified(&streamed.join("\n"), &in_files.join("\n"))
        )
        .into());
    }
    rt.block_on(h.drop_db(&db));
    Ok(())
}

fn force(h: &Harness) -> Result<(), Failed> {
    let rt = support::runtime();
    let db = rt.block_on(h.fresh_db("layout_force"));
    load(
        h,
        &db.dbname(),
        "CREATE TABLE t1 (id int PRIMARY KEY); CREATE TABLE t2 (id int);
         CREATE SCHEMA extra; CREATE TABLE extra.x (id int);",
    )?;
    let url = h.cluster.url(&db.dbname());
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("schema");
    let dir = out.display().to_string();
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join(".gitkeep"), "")?;
    let r = schemadiff(&["dump", "--url", &url, "--out", &dir]);
    check(
        r.code == 0,
        "a folder holding only .gitkeep counts as empty",
        &r,
    )?;
    let first = read_tree(&out);

    let r = schemadiff(&["dump", "--url", &url, "--out", &dir]);
    check(
        r.code == 1 && r.stderr.contains("is not empty") && r.stderr.contains("--force"),
        "a second dump without --force is refused and names --force",
        &r,
    )?;
    if read_tree(&out) != first {
        return Err("a refused dump changed the folder".into());
    }

    std::fs::write(out.join("README.md"), "notes")?;
    std::fs::write(
        out.join("public/tables/custom.sql"),
        "CREATE TABLE mine (x int);\n",
    )?;
    let r = schemadiff(&["dump", "--url", &url, "--out", &dir, "--force"]);
    check(
        r.code == 1 && r.stderr.contains("custom.sql") && r.stderr.contains("did not write"),
        "--force refuses a .sql file a dump did not write, and names it",
        &r,
    )?;
    let mut expected = first.clone();
    expected.push(("README.md".into(), "notes".into()));
    expected.push((
        "public/tables/custom.sql".into(),
        "CREATE TABLE mine (x int);\n".into(),
    ));
    expected.sort();
    if read_tree(&out) != expected {
        return Err("a refused --force removed files".into());
    }

    std::fs::remove_file(out.join("public/tables/custom.sql"))?;
    load(h, &db.dbname(), "DROP TABLE t2; DROP SCHEMA extra CASCADE;")?;
    let r = schemadiff(&["dump", "--url", &url, "--out", &dir, "--force"]);
    check(r.code == 0, "--force over an earlier dump", &r)?;
    let after: Vec<String> = read_tree(&out).into_iter().map(|(p, _)| p).collect();
    let want = [".gitkeep", "README.md", "public/tables/t1.sql"];
    if after != want {
        return Err(format!(
            "after --force: {after:?}, want {want:?} (t2 and the extra schema gone, README and .gitkeep kept)"
        )
        .into());
    }
    if out.join("extra").exists() {
        return Err("the folder of the dropped schema is left behind".into());
    }
    let r = schemadiff(&[
        "dump",
        "--url",
        &url,
        "--out",
        &Path::new(&dir).join("README.md").display().to_string(),
    ]);
    check(r.code == 1, "--out naming a file is an error", &r)?;
    rt.block_on(h.drop_db(&db));
    Ok(())
}

fn unmodelled(h: &Harness) -> Result<(), Failed> {
    let rt = support::runtime();
    let db = rt.block_on(h.fresh_db("layout_unmodelled"));
    load(
        h,
        &db.dbname(),
        "CREATE COLLATION mycoll (provider = libc, locale = 'C');
         CREATE TABLE t (a int);
         CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING;",
    )?;
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("dump");
    let url = h.cluster.url(&db.dbname());
    let r = schemadiff(&["dump", "--url", &url, "--out", &out.display().to_string()]);
    check(
        r.code == 0
            && r.stderr
                .contains("2 objects of kinds schemadiff does not model are not in the dump")
            && r.stderr.contains("collation public.mycoll")
            && r.stderr.contains("rule r on public.t"),
        "objects the dump leaves out are named on stderr",
        &r,
    )?;
    let r = schemadiff(&["dump", "--url", &url]);
    check(
        r.code == 0
            && r.stderr.contains("collation public.mycoll")
            && r.stdout.contains("CREATE TABLE public.t")
            && !r.stdout.contains("warning"),
        "without --out too, on stderr only",
        &r,
    )?;
    let paths: Vec<String> = read_tree(&out).into_iter().map(|(p, _)| p).collect();
    if paths != ["public/tables/t.sql"] {
        return Err(format!("unexpected files {paths:?}").into());
    }
    rt.block_on(h.drop_db(&db));
    Ok(())
}
