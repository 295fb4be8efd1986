//! PostgreSQL versions and the pg_dump oracle.
//!
//! - `cluster::pgNN`: an [`EmbeddedCluster`] starts from the binaries of each major that
//!   `scripts/pg-install.sh` installed (under `$SCHEMADIFF_PG_HOME`, default
//!   `/opt/schemadiff-pg`) and from Debian's, answers `SELECT version()` with that major and
//!   loads the contrib extensions the example systems use. A major that is not installed
//!   is reported as ignored.
//! - `normalize::*`: the dump normalizer on literal pg_dump text.
//! - `oracle::*`: `dump_schema` against the harness cluster (`SCHEMADIFF_PG_BIN` picks it).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use schemadiff::embedded::EmbeddedCluster;
use support::oracle::{self, normalize_dump, DumpOptions};
use support::Harness;

const MAJORS: [u32; 5] = [14, 15, 16, 17, 18];
const EXTENSIONS: [&str; 6] = [
    "pgcrypto",
    "uuid-ossp",
    "citext",
    "btree_gist",
    "pg_trgm",
    "hstore",
];

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for major in MAJORS {
        let name = format!("cluster::pg{major}");
        match installed_bin(major) {
            Some(bin) => trials.push(Trial::test(name, move || cluster_works(major, &bin))),
            None => trials.push(Trial::test(name, || Ok(())).with_ignored_flag(true)),
        }
    }
    trials.extend([
        Trial::test("normalize::drops_headers_and_sorts", normalize_shape),
        Trial::test("normalize::column_order_is_ignored", normalize_column_order),
        Trial::test(
            "normalize::different_default_differs",
            normalize_default_differs,
        ),
        Trial::test("normalize::quoted_text_is_kept", normalize_quoted_text),
        Trial::test(
            "normalize::storage_parameter_order_is_ignored",
            normalize_storage_parameters,
        ),
    ]);
    let harness = (!args.list).then(|| std::sync::Arc::new(Harness::start()));
    for (name, case) in [
        (
            "oracle::equal_schemas_dump_equal",
            oracle_equal as fn(&Harness) -> Result<(), Failed>,
        ),
        ("oracle::different_schemas_differ", oracle_differs),
        ("oracle::privileges_parameter", oracle_privileges),
        ("oracle::pg_dump_is_new_enough", oracle_pg_dump_choice),
    ] {
        match &harness {
            Some(h) => {
                let h = h.clone();
                trials.push(Trial::test(name, move || case(&h)));
            }
            None => trials.push(Trial::test(name, || Ok(())).with_ignored_flag(true)),
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(harness);
    conclusion.exit();
}

/// The bin directory of an installed major: `$SCHEMADIFF_PG_HOME/<major>/bin`, else Debian's.
fn installed_bin(major: u32) -> Option<PathBuf> {
    let home =
        std::env::var_os("SCHEMADIFF_PG_HOME").unwrap_or_else(|| "/opt/schemadiff-pg".into());
    [
        Path::new(&home).join(major.to_string()).join("bin"),
        PathBuf::from(format!("/usr/lib/postgresql/{major}/bin")),
    ]
    .into_iter()
    .find(|d| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| d.join(b).is_file())
    })
}

fn cluster_works(major: u32, bin: &Path) -> Result<(), Failed> {
    let reported = Command::new(bin.join("postgres"))
        .arg("--version")
        .output()
        .map_err(|e| format!("{}/postgres --version: {e}", bin.display()))?;
    let reported = String::from_utf8_lossy(&reported.stdout).trim().to_owned();
    let cluster = EmbeddedCluster::start(Some(bin)).map_err(|e| format!("{e}"))?;
    let rt = support::runtime();
    rt.block_on(async {
        let c = cluster
            .target("postgres")
            .connect()
            .await
            .map_err(|e| format!("{e}"))?;
        let row = c
            .query_one(
                "SELECT version(), current_setting('server_version_num')::int",
                &[],
            )
            .await
            .map_err(|e| format!("{e}"))?;
        let version: String = row.get(0);
        let num: i32 = row.get(1);
        eprintln!("pg{major} ({}): {version}", bin.display());
        if num as u32 / 10000 != major {
            return Err(
                format!("server_version_num {num} is not major {major} ({reported})").into(),
            );
        }
        for ext in EXTENSIONS {
            c.batch_execute(&format!("CREATE EXTENSION \"{ext}\""))
                .await
                .map_err(|e| format!("CREATE EXTENSION {ext} on pg{major}: {e:?}"))?;
        }
        let row = c
            .query_one(
                "SELECT gen_random_uuid() IS NOT NULL, uuid_generate_v4() IS NOT NULL, \
                 'ABC'::citext = 'abc'::citext, similarity('abc', 'abd') > 0, \
                 (now() AT TIME ZONE 'Europe/Paris') IS NOT NULL",
                &[],
            )
            .await
            .map_err(|e| format!("extension functions on pg{major}: {e:?}"))?;
        for i in 0..5 {
            if !row.get::<_, bool>(i) {
                return Err(format!("check {i} returned false on pg{major}").into());
            }
        }
        Ok::<(), Failed>(())
    })
}

/// A pg_dump 18 text (abridged from a real dump), with the column order and the
/// `\restrict` key as parameters.
fn dump_text(columns: &[&str], key: &str, default: &str) -> String {
    let columns = columns
        .iter()
        .map(|c| match *c {
            "id" => "    id integer NOT NULL".to_owned(),
            "b" => format!("    b public.citext DEFAULT '{default}'::public.citext"),
            "c" => "    c public.mood".to_owned(),
            "d" => "    d text".to_owned(),
            other => other.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",\n");
    format!(
        r#"--
-- PostgreSQL database dump
--

\restrict {key}

-- Dumped from database version 18.4
-- Dumped by pg_dump version 18.6

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;

--
-- Name: mood; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.mood AS ENUM (
    'a',
    'b'
);


--
-- Name: f(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.f() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN

  -- hi; there
  RETURN NEW;
END $$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: t; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.t (
{columns},
    CONSTRAINT t_d_check CHECK ((d <> ''::text)),
    CONSTRAINT x CHECK ((id > 0))
);


--
-- Name: TABLE t; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.t IS 'it''s;
-- not a comment';


--
-- Name: t t_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.t
    ADD CONSTRAINT t_pkey PRIMARY KEY (id);


--
-- Name: TABLE t; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.t TO PUBLIC;


--
-- PostgreSQL database dump complete
--

\unrestrict {key}

"#
    )
}

fn ensure(cond: bool, what: &str) -> Result<(), Failed> {
    if cond {
        Ok(())
    } else {
        Err(what.into())
    }
}

fn normalize_shape() -> Result<(), Failed> {
    let got = normalize_dump(&dump_text(&["id", "b", "c", "d"], "KEY1", "x;y"));
    let want = r#"ALTER TABLE ONLY public.t
    ADD CONSTRAINT t_pkey PRIMARY KEY (id);
COMMENT ON TABLE public.t IS 'it''s;
-- not a comment';
CREATE FUNCTION public.f() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN

  -- hi; there
  RETURN NEW;
END $$;
CREATE TABLE public.t (
    CONSTRAINT t_d_check CHECK ((d <> ''::text))
    CONSTRAINT x CHECK ((id > 0))
    b public.citext DEFAULT 'x;y'::public.citext
    c public.mood
    d text
    id integer NOT NULL
);
CREATE TYPE public.mood AS ENUM (
    'a',
    'b'
);
GRANT SELECT ON TABLE public.t TO PUBLIC;
"#;
    if got != want {
        return Err(format!("normalized dump:\n{got}\nexpected:\n{want}").into());
    }
    Ok(())
}

fn normalize_column_order() -> Result<(), Failed> {
    let a = normalize_dump(&dump_text(&["id", "b", "c", "d"], "KEY1", "x;y"));
    let b = normalize_dump(&dump_text(&["d", "c", "id", "b"], "OTHERKEY2", "x;y"));
    ensure(
        a == b,
        &format!("dumps differing only in column order and restrict key differ:\n{a}\n---\n{b}"),
    )
}

fn normalize_storage_parameters() -> Result<(), Failed> {
    let dump = |with: &str| {
        normalize_dump(&format!(
            "CREATE TABLE public.t (\n    id integer\n)\nWITH ({with});\n"
        ))
    };
    let a = dump("fillfactor='70', autovacuum_vacuum_scale_factor='0.05'");
    let b = dump("autovacuum_vacuum_scale_factor='0.05', fillfactor='70'");
    ensure(
        a == b,
        &format!("storage parameter order matters:\n{a}\n---\n{b}"),
    )?;
    let c = dump("autovacuum_vacuum_scale_factor='0.05', fillfactor='80'");
    ensure(
        a != c,
        "a different storage parameter value normalizes equal",
    )
}

fn normalize_default_differs() -> Result<(), Failed> {
    let a = normalize_dump(&dump_text(&["id", "b", "c", "d"], "KEY1", "x;y"));
    let b = normalize_dump(&dump_text(&["id", "b", "c", "d"], "KEY1", "x;z"));
    ensure(a != b, "dumps with different defaults normalize equal")
}

fn normalize_quoted_text() -> Result<(), Failed> {
    let dump = "CREATE FUNCTION public.g(a text) RETURNS text\n    LANGUAGE sql\n    AS $body$\nSELECT $1 || ';' || E'\\';\n\n-- x'\n$body$;\n\nCREATE TABLE public.\"odd;\"\"name\" (\n    \"a,\" text DEFAULT ')'::text,\n    b text DEFAULT E'\\'\n),'::text\n);\n";
    let got = normalize_dump(dump);
    let want = "CREATE FUNCTION public.g(a text) RETURNS text\n    LANGUAGE sql\n    AS $body$\nSELECT $1 || ';' || E'\\';\n\n-- x'\n$body$;\nCREATE TABLE public.\"odd;\"\"name\" (\n    \"a,\" text DEFAULT ')'::text\n    b text DEFAULT E'\\'\n),'::text\n);\n";
    ensure(
        got == want,
        &format!("normalized:\n{got}\nexpected:\n{want}"),
    )
}

fn run<T>(f: impl std::future::Future<Output = Result<T, Failed>>) -> Result<T, Failed> {
    support::runtime().block_on(f)
}

async fn exec(h: &Harness, label: &str, sql: &str) -> Result<String, Failed> {
    let target = h.fresh_db(label).await;
    let c = target.connect().await.map_err(|e| format!("{e}"))?;
    c.batch_execute(sql)
        .await
        .map_err(|e| format!("{label}: {e:?}"))?;
    Ok(target.dbname())
}

const SCHEMA_A: &str = "
    CREATE TYPE mood AS ENUM ('a', 'b');
    CREATE TABLE t (id int PRIMARY KEY, b text DEFAULT 'x', c mood, CHECK (id > 0));
    CREATE INDEX t_b ON t (lower(b));
    CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
    CREATE VIEW v AS SELECT id, b FROM t;
";

const SCHEMA_A_REORDERED: &str = "
    CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
    CREATE TYPE mood AS ENUM ('a', 'b');
    CREATE TABLE t (c mood, b text DEFAULT 'x', id int, CHECK (id > 0));
    ALTER TABLE t ADD PRIMARY KEY (id);
    CREATE VIEW v AS SELECT id, b FROM t;
    CREATE INDEX t_b ON t (lower(b));
";

fn oracle_equal(h: &Harness) -> Result<(), Failed> {
    run(async {
        let a = exec(h, "oracle_a", SCHEMA_A).await?;
        let b = exec(h, "oracle_b", SCHEMA_A_REORDERED).await?;
        let da = oracle::dump_schema(h, &a)?;
        let db = oracle::dump_schema(h, &b)?;
        ensure(
            da == db,
            &format!("same schema, different dumps:\n{da}\n---\n{db}"),
        )?;
        ensure(
            da.contains("CREATE TABLE public.t (") && da.contains("CREATE VIEW public.v AS"),
            &format!("dump lacks the table or the view:\n{da}"),
        )?;
        ensure(
            !da.contains("\\restrict") && !da.contains("\nSET ") && !da.contains("\n--"),
            &format!("dump not normalized:\n{da}"),
        )
    })
}

fn oracle_differs(h: &Harness) -> Result<(), Failed> {
    run(async {
        let a = exec(h, "oracle_c", SCHEMA_A).await?;
        let b = exec(
            h,
            "oracle_d",
            &SCHEMA_A.replace("DEFAULT 'x'", "DEFAULT 'y'"),
        )
        .await?;
        let da = oracle::dump_schema(h, &a)?;
        let db = oracle::dump_schema(h, &b)?;
        ensure(da != db, "schemas with different defaults dump equal")
    })
}

fn oracle_privileges(h: &Harness) -> Result<(), Failed> {
    run(async {
        let a = exec(
            h,
            "oracle_e",
            &format!("{SCHEMA_A} GRANT SELECT ON t TO PUBLIC;"),
        )
        .await?;
        let b = exec(h, "oracle_f", SCHEMA_A).await?;
        let with_a = oracle::dump_schema(h, &a)?;
        let with_b = oracle::dump_schema(h, &b)?;
        ensure(
            with_a.contains("GRANT SELECT ON TABLE public.t TO PUBLIC;"),
            &format!("the grant is missing from the dump:\n{with_a}"),
        )?;
        ensure(with_a != with_b, "a grant does not change the default dump")?;
        let off = DumpOptions { privileges: false };
        let without_a = oracle::dump_schema_with(h, &a, off)?;
        let without_b = oracle::dump_schema_with(h, &b, off)?;
        ensure(!without_a.contains("GRANT"), "--no-privileges kept a GRANT")?;
        ensure(
            without_a == without_b,
            "dumps without privileges differ although only a grant does",
        )
    })
}

fn oracle_pg_dump_choice(h: &Harness) -> Result<(), Failed> {
    let path = oracle::find_pg_dump(h)?;
    let out = Command::new(&path)
        .arg("--version")
        .output()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    eprintln!(
        "server {} dumped with {} ({text})",
        h.server_version,
        path.display()
    );
    let major: u32 = text
        .split_whitespace()
        .nth(2)
        .and_then(|v| v.split('.').next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("cannot read a version from {text:?}"))?;
    ensure(
        major >= h.server_version / 10000,
        &format!("pg_dump {major} is older than server {}", h.server_version),
    )
}
