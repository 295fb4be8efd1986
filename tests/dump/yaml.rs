//! `dump --format yaml`: the YAML files carry the tables, enums, schemas and extensions,
//! the SQL beside them keeps everything YAML cannot say (grants, owned sequences, triggers,
//! policies, row security), nothing of the SQL dump is lost, and `--force` knows the YAML
//! files a dump wrote.

use super::layout::{load, statements};
use super::{check, examples, paths, read_tree, round_trip, schemadiff, Format, Source};
use libtest_mimic::{Failed, Trial};
use std::sync::Arc;
use support::Harness;

use crate::support;

pub fn trials(harness: &Arc<Harness>) -> Vec<Trial> {
    let h = |f: fn(&Harness) -> Result<(), Failed>| {
        let h = harness.clone();
        move || f(&h)
    };
    vec![
        Trial::test("yaml::keeps_what_yaml_cannot_say", h(keeps_the_rest)),
        Trial::test(
            "yaml::carries_the_tables_of_care_journey",
            h(carries_tables),
        ),
        Trial::test("yaml::force_and_formats", h(force)),
    ]
}

/// A table with an owned serial, grants (on it, its sequence, its schema and its enum), a
/// trigger, row-level security and a policy.
const KEPT: &str = "
DO $$ BEGIN CREATE ROLE yaml_reader; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SCHEMA shop;
COMMENT ON SCHEMA shop IS 'the shop';
CREATE TYPE shop.state AS ENUM ('new', 'paid');
CREATE TABLE shop.orders (
    id serial PRIMARY KEY,
    state shop.state NOT NULL DEFAULT 'new',
    owner_name text NOT NULL DEFAULT current_user,
    updated_at timestamptz
);
COMMENT ON TABLE shop.orders IS 'what was bought';
CREATE INDEX orders_state_idx ON shop.orders (state);
CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON shop.orders
    FOR EACH ROW EXECUTE FUNCTION shop.touch();
ALTER TABLE shop.orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE shop.orders FORCE ROW LEVEL SECURITY;
COMMENT ON COLUMN shop.orders.state IS 'where it is';
CREATE POLICY own_orders ON shop.orders USING (owner_name = current_user);
GRANT SELECT, INSERT ON shop.orders TO yaml_reader;
GRANT UPDATE (state) ON shop.orders TO yaml_reader;
GRANT USAGE ON SEQUENCE shop.orders_id_seq TO yaml_reader;
GRANT USAGE ON SCHEMA shop TO yaml_reader;
GRANT USAGE ON TYPE shop.state TO yaml_reader;
";

/// The statements of the `.sql` files of a dump (header lines left out).
fn sql_statements(files: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = files
        .iter()
        .filter(|(p, _)| p.ends_with(".sql"))
        .flat_map(|(_, text)| statements(text))
        .collect();
    out.sort();
    out
}

/// What the YAML format stands for: statements a `.sql` file of a YAML dump need not hold.
fn yaml_kind(stmt: &str) -> bool {
    [
        "CREATE TABLE ",
        "CREATE INDEX ",
        "CREATE UNIQUE INDEX ",
        "CREATE TYPE ",
        "CREATE SCHEMA ",
        "CREATE EXTENSION ",
        "COMMENT ON TABLE ",
        "COMMENT ON COLUMN ",
        "COMMENT ON TYPE ",
        "COMMENT ON SCHEMA ",
        "COMMENT ON INDEX ",
        "COMMENT ON CONSTRAINT ",
    ]
    .iter()
    .any(|p| stmt.starts_with(p))
        || (stmt.starts_with("ALTER TABLE ") && stmt.contains(" ADD CONSTRAINT "))
}

/// Dump `url` as SQL and as YAML into `dir/sql` and `dir/yaml`.
type Dumps = (Vec<(String, String)>, Vec<(String, String)>);
fn dump_both(url: &str, dir: &std::path::Path, extra: &[&str]) -> Result<Dumps, Failed> {
    let mut trees = Vec::new();
    for format in ["sql", "yaml"] {
        let out = dir.join(format).display().to_string();
        let mut args = vec!["dump", "--url", url, "--out", &out, "--format", format];
        args.extend(extra);
        let r = schemadiff(&args);
        check(r.code == 0, &format!("dump --format {format}"), &r)?;
        trees.push(read_tree(&dir.join(format)));
    }
    let yaml = trees.pop().unwrap_or_default();
    let sql = trees.pop().unwrap_or_default();
    Ok((sql, yaml))
}

/// Every statement of the SQL dump that is not in the YAML dump's `.sql` files is of a kind
/// the YAML says, and the YAML dump's `.sql` files hold nothing the SQL dump lacks.
fn nothing_lost(sql: &[(String, String)], yaml: &[(String, String)]) -> Result<(), Failed> {
    let (all, kept) = (sql_statements(sql), sql_statements(yaml));
    let extra: Vec<&String> = kept.iter().filter(|s| !all.contains(s)).collect();
    if !extra.is_empty() {
        return Err(
            format!("the YAML dump's SQL holds statements the SQL dump lacks: {extra:?}").into(),
        );
    }
    let lost: Vec<&String> = all
        .iter()
        .filter(|s| !kept.contains(s) && !yaml_kind(s))
        .collect();
    if !lost.is_empty() {
        return Err(format!("statements neither in YAML nor in SQL: {lost:?}").into());
    }
    Ok(())
}

fn keeps_the_rest(h: &Harness) -> Result<(), Failed> {
    round_trip(h, "yaml_kept", &Source::Sql(KEPT.into()), Format::Yaml)?;
    let rt = support::runtime();
    let db = rt.block_on(h.fresh_db("yaml_kept_files"));
    load(h, &db.dbname(), KEPT)?;
    let tmp = tempfile::tempdir()?;
    let (sql, yaml) = dump_both(&h.cluster.url(&db.dbname()), tmp.path(), &[])?;
    nothing_lost(&sql, &yaml)?;
    let file = |p: &str| {
        yaml.iter()
            .find(|(path, _)| path == p)
            .map(|(_, t)| t.clone())
            .ok_or_else(|| {
                format!(
                    "no {p} in {:?}",
                    yaml.iter().map(|f| &f.0).collect::<Vec<_>>()
                )
            })
    };
    let paths: Vec<&str> = yaml.iter().map(|(p, _)| p.as_str()).collect();
    let want = [
        "01_schemas.sql",
        "01_schemas.yaml",
        "shop/functions/touch.sql",
        "shop/tables/orders.sql",
        "shop/tables/orders.yaml",
        "shop/types/state.sql",
        "shop/types/state.yaml",
    ];
    if paths != want {
        return Err(format!("files {paths:?}, want {want:?}").into());
    }
    let table = file("shop/tables/orders.yaml")?;
    for want in [
        "# schemadiff dump: table shop.orders\n",
        "schema: shop\ntables:\n  orders:\n",
        "\n    columns:\n      id:\n        type: integer\n",
        "default: nextval('shop.orders_id_seq'::regclass)",
        "comment: what was bought",
        "comment: where it is",
        "name: orders_state_idx",
    ] {
        if !table.contains(want) {
            return Err(format!("orders.yaml lacks `{want}`:\n{table}").into());
        }
    }
    let rest = file("shop/tables/orders.sql")?;
    for want in [
        "CREATE SEQUENCE shop.orders_id_seq",
        "ALTER SEQUENCE shop.orders_id_seq OWNED BY shop.orders.id;",
        "GRANT USAGE ON SEQUENCE shop.orders_id_seq TO yaml_reader;",
        "GRANT SELECT, INSERT ON TABLE shop.orders TO yaml_reader;",
        "CREATE TRIGGER orders_touch BEFORE UPDATE ON shop.orders",
        "CREATE POLICY own_orders ON shop.orders",
        "ALTER TABLE shop.orders ENABLE ROW LEVEL SECURITY;",
        "ALTER TABLE shop.orders FORCE ROW LEVEL SECURITY;",
        "GRANT UPDATE (state) ON TABLE shop.orders TO yaml_reader;",
    ] {
        if !rest.contains(want) {
            return Err(format!("orders.sql lacks `{want}`:\n{rest}").into());
        }
    }
    for said in [
        "CREATE TABLE",
        "CREATE INDEX",
        "COMMENT ON",
        "ADD CONSTRAINT",
    ] {
        if rest.contains(said) {
            return Err(format!("orders.sql repeats the YAML's `{said}`:\n{rest}").into());
        }
    }
    let state = file("shop/types/state.sql")?;
    let schemas = file("01_schemas.sql")?;
    if !state.contains("GRANT USAGE ON TYPE shop.state TO yaml_reader")
        || state.contains("CREATE TYPE")
        || !schemas.contains("GRANT USAGE ON SCHEMA shop TO yaml_reader")
        || schemas.contains("CREATE SCHEMA")
        || !file("shop/types/state.yaml")?
            .contains("enums:\n  state:\n    values:\n    - new\n    - paid\n")
        || !file("01_schemas.yaml")?.contains("  shop:\n    comment: the shop\n")
    {
        return Err(format!(
            "the enum's and the schema's grants stay in SQL, their definitions in YAML:\n{}",
            yaml.iter()
                .map(|(p, t)| format!("== {p}\n{t}"))
                .collect::<String>()
        )
        .into());
    }
    rt.block_on(h.drop_db(&db));
    Ok(())
}

fn carries_tables(h: &Harness) -> Result<(), Failed> {
    let (examples, _) = examples();
    let ex = examples
        .into_iter()
        .find(|e| e.name == "austa/care_journey")
        .ok_or("no example austa/care_journey")?;
    let rt = support::runtime();
    let db = rt.block_on(h.fresh_db("yaml_care_journey"));
    let url = h.cluster.url(&db.dbname());
    let mut scope: Vec<&str> = Vec::new();
    for s in &ex.schemas {
        scope.extend(["--managed-schema", s.as_str()]);
    }
    let dir = ex.dir.display().to_string();
    let mut args = vec!["apply", "--url", &url, "--schema", &dir, "--auto-approve"];
    args.extend(&scope);
    let r = schemadiff(&args);
    check(r.code == 0, "care_journey applies", &r)?;
    let tmp = tempfile::tempdir()?;
    let (sql, yaml) = dump_both(&url, tmp.path(), &scope)?;
    nothing_lost(&sql, &yaml)?;
    let tables_sql: Vec<&str> = sql
        .iter()
        .filter(|(p, t)| p.contains("/tables/") && t.contains("\nCREATE TABLE "))
        .map(|(p, _)| p.trim_end_matches(".sql"))
        .collect();
    let tables_yaml: Vec<&str> = yaml
        .iter()
        .filter(|(p, t)| p.ends_with(".yaml") && t.contains("\ntables:\n"))
        .map(|(p, _)| p.trim_end_matches(".yaml"))
        .collect();
    let want = [
        "public/tables/care_appointment",
        "public/tables/care_medication",
        "public/tables/care_provider",
        "public/tables/care_telemedicine_session",
        "public/tables/care_treatment",
        "shared/tables/specialty",
    ];
    if tables_sql != want || tables_yaml != want {
        return Err(format!(
            "every table of care_journey is in YAML: SQL dump {tables_sql:?}, YAML dump {tables_yaml:?}, want {want:?}"
        )
        .into());
    }
    let definitions: Vec<String> = sql_statements(&yaml)
        .into_iter()
        .filter(|s| yaml_kind(s))
        .collect();
    if !definitions.is_empty() {
        return Err(format!("definitions left in SQL: {definitions:?}").into());
    }
    let count = |text: &str, key: &str| text.matches(key).count();
    let (mut indexes, mut foreign_keys) = (0, 0);
    for (p, t) in yaml.iter().filter(|(p, _)| p.ends_with(".yaml")) {
        if p.contains("/tables/") {
            indexes += count(t, "\n    indexes:\n");
            foreign_keys += count(t, "\n    foreign_keys:\n");
        }
    }
    if indexes < 4 || foreign_keys < 5 {
        return Err(format!(
            "the YAML carries the indexes and foreign keys ({indexes} tables with indexes, {foreign_keys} with foreign keys)"
        )
        .into());
    }
    rt.block_on(h.drop_db(&db));
    Ok(())
}

fn force(h: &Harness) -> Result<(), Failed> {
    let rt = support::runtime();
    let db = rt.block_on(h.fresh_db("yaml_force"));
    load(
        h,
        &db.dbname(),
        "CREATE TABLE t1 (id int PRIMARY KEY); CREATE TABLE t2 (id int);",
    )?;
    let url = h.cluster.url(&db.dbname());
    let r = schemadiff(&["dump", "--url", &url, "--format", "yaml"]);
    check(
        r.code == 1 && r.stderr.contains("--out"),
        "--format yaml without --out is refused and names --out",
        &r,
    )?;
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("schema");
    let dir = out.display().to_string();
    let dump = |extra: &[&str]| {
        let mut args = vec!["dump", "--url", &url, "--out", &dir];
        args.extend(extra);
        schemadiff(&args)
    };
    let r = dump(&["--format", "yaml"]);
    check(r.code == 0, "dump --format yaml", &r)?;
    check(
        r.stderr.contains("2 files: 2 tables"),
        "a summary line on stderr",
        &r,
    )?;
    let first = paths(&out);
    if first != ["public/tables/t1.yaml", "public/tables/t2.yaml"] {
        return Err(format!("files {first:?}").into());
    }
    std::fs::write(out.join("notes.yaml"), "tables: {}\n")?;
    let r = dump(&["--format", "yaml", "--force"]);
    check(
        r.code == 1 && r.stderr.contains("notes.yaml") && r.stderr.contains("did not write"),
        "--force refuses a .yaml file a dump did not write (it would be loaded), and names it",
        &r,
    )?;
    std::fs::remove_file(out.join("notes.yaml"))?;
    std::fs::write(out.join("README.md"), "notes")?;
    load(h, &db.dbname(), "DROP TABLE t2;")?;
    let r = dump(&["--format", "yaml", "--force"]);
    check(r.code == 0, "--force over an earlier YAML dump", &r)?;
    let after: Vec<String> = paths(&out);
    if after != ["README.md", "public/tables/t1.yaml"] {
        return Err(format!("after --force: {after:?}").into());
    }
    let r = dump(&["--force"]);
    check(r.code == 0, "--force --format sql over a YAML dump", &r)?;
    let after: Vec<String> = paths(&out);
    if after != ["README.md", "public/tables/t1.sql"] {
        return Err(format!("the SQL dump replaces the YAML one: {after:?}").into());
    }
    rt.block_on(h.drop_db(&db));
    Ok(())
}
