//! Roles a test case's SQL names, and creating them on the test cluster. Roles are
//! cluster-wide and cases run concurrently: roles are created idempotently and never
//! dropped (the cluster is thrown away at the end).

use super::Harness;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// A token of SQL as far as finding role names goes.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An unquoted word, lower-cased.
    Word(String),
    /// A quoted identifier, as written between the quotes.
    Quoted(String),
    Punct(char),
}

fn tokenize(sql: &str) -> Vec<Tok> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '\'' {
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' && chars.get(i + 1) == Some(&'\'') {
                    i += 2;
                } else if chars[i] == '\'' {
                    break;
                } else {
                    i += 1;
                }
            }
            i += 1;
        } else if c == '"' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == '"' && chars.get(i + 1) == Some(&'"') {
                    s.push('"');
                    i += 2;
                } else if chars[i] == '"' {
                    break;
                } else {
                    s.push(chars[i]);
                    i += 1;
                }
            }
            i += 1;
            out.push(Tok::Quoted(s));
        } else if c == '$' {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j < chars.len() && chars[j] == '$' {
                let tag: String = chars[i..=j].iter().collect();
                let rest: String = chars[j + 1..].iter().collect();
                let end = rest.find(&tag).map(|p| rest[..p].chars().count());
                i = match end {
                    Some(n) => j + 1 + n + tag.chars().count(),
                    None => chars.len(),
                };
            } else {
                out.push(Tok::Punct('$'));
                i += 1;
            }
        } else if c.is_alphanumeric() || c == '_' {
            let mut s = String::new();
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                s.push(chars[i].to_ascii_lowercase());
                i += 1;
            }
            out.push(Tok::Word(s));
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

fn is_word(t: Option<&Tok>, w: &str) -> bool {
    matches!(t, Some(Tok::Word(x)) if x == w)
}

/// Role names in a comma-separated list starting at `i`, up to a word in `stop` or the end.
fn name_list(toks: &[Tok], mut i: usize, stop: &[&str], out: &mut BTreeSet<String>) {
    const NOT_ROLES: &[&str] = &[
        "public",
        "current_user",
        "session_user",
        "current_role",
        "group",
    ];
    while i < toks.len() {
        match &toks[i] {
            Tok::Word(w) if stop.contains(&w.as_str()) => return,
            Tok::Word(w) if NOT_ROLES.contains(&w.as_str()) => {}
            Tok::Word(w) => {
                out.insert(w.clone());
            }
            Tok::Quoted(q) => {
                out.insert(q.clone());
            }
            Tok::Punct(',') => {}
            Tok::Punct(_) => return,
        }
        i += 1;
    }
}

/// Index of the first word `w` at parenthesis depth 0, from `start`.
fn find_top(toks: &[Tok], start: usize, w: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (k, t) in toks.iter().enumerate().skip(start) {
        match t {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => depth -= 1,
            Tok::Word(x) if depth == 0 && x == w => return Some(k),
            _ => {}
        }
    }
    None
}

/// The roles a statement list names: grantees of GRANT and REVOKE (and the roles of a
/// membership grant), `FOR ROLE` of default privileges, `OWNER TO`, the roles of CREATE and
/// ALTER POLICY, and `AUTHORIZATION` of CREATE SCHEMA.
pub fn roles_named(sql: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let toks = tokenize(sql);
    for stmt in toks.split(|t| *t == Tok::Punct(';')) {
        for k in 0..stmt.len() {
            if is_word(stmt.get(k), "owner") && is_word(stmt.get(k + 1), "to") {
                name_list(stmt, k + 2, &[], &mut out);
            }
            if is_word(stmt.get(k), "authorization") {
                name_list(stmt, k + 1, &["create"], &mut out);
            }
            if is_word(stmt.get(k), "for")
                && (is_word(stmt.get(k + 1), "role") || is_word(stmt.get(k + 1), "user"))
            {
                name_list(stmt, k + 2, &["in", "grant", "revoke"], &mut out);
            }
        }
        let first = match stmt.first() {
            Some(Tok::Word(w)) => w.as_str(),
            _ => continue,
        };
        let policy = (first == "create" || first == "alter") && is_word(stmt.get(1), "policy");
        if policy {
            if let Some(to) = find_top(stmt, 2, "to") {
                name_list(stmt, to + 1, &["using", "with"], &mut out);
            }
            continue;
        }
        let verb = if first == "grant" || first == "revoke" {
            Some(0)
        } else if first == "alter" && is_word(stmt.get(1), "default") {
            stmt.iter()
                .position(|t| *t == Tok::Word("grant".into()) || *t == Tok::Word("revoke".into()))
        } else {
            None
        };
        let Some(v) = verb else { continue };
        let (kw, stop): (&str, &[&str]) = if is_word(stmt.get(v), "grant") {
            ("to", &["with", "granted"])
        } else {
            ("from", &["cascade", "restrict", "granted"])
        };
        let Some(at) = find_top(stmt, v + 1, kw) else {
            continue;
        };
        name_list(stmt, at + 1, stop, &mut out);
        if find_top(&stmt[..at], v + 1, "on").is_none() && first != "alter" {
            name_list(
                &stmt[..at],
                v + 1,
                &["admin", "inherit", "set", "option"],
                &mut out,
            );
        }
    }
    out
}

static CREATED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Create each role (NOLOGIN) on the harness cluster unless it exists.
pub async fn ensure_roles(h: &Harness, roles: &BTreeSet<String>) -> Result<(), String> {
    let missing: Vec<String> = {
        let created = CREATED.lock().unwrap_or_else(|e| e.into_inner());
        roles
            .iter()
            .filter(|r| !created.contains(*r))
            .cloned()
            .collect()
    };
    if missing.is_empty() {
        return Ok(());
    }
    let admin = h
        .cluster
        .target("postgres")
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    for role in missing {
        let sql = format!(
            "DO $$ BEGIN CREATE ROLE {} NOLOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
            schemadiff::catalog::Ident::new(&role)
        );
        admin.batch_execute(&sql).await.map_err(|e| {
            format!(
                "creating role {role}: {}",
                schemadiff::conn::describe_error(&e)
            )
        })?;
        CREATED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(role);
    }
    Ok(())
}

/// Checks [`roles_named`] on statements of every form it reads; run as a test by the
/// conformance binary.
pub fn self_test() -> Result<(), String> {
    let sql = r#"
        CREATE TABLE users (id bigint);
        GRANT SELECT, INSERT ON TABLE users TO user1, "User-2" WITH GRANT OPTION;
        REVOKE UPDATE ON users FROM user3 CASCADE;
        GRANT SELECT ON users TO PUBLIC;
        ALTER TABLE users OWNER TO app_user;
        CREATE POLICY p ON users AS PERMISSIVE FOR ALL TO postgres, reader USING (id > (SELECT 1));
        ALTER DEFAULT PRIVILEGES FOR ROLE owner1 IN SCHEMA s GRANT SELECT ON TABLES TO reader2;
        GRANT member1 TO member2;
        CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; GRANT x TO nobody $$ LANGUAGE sql;
        COMMENT ON TABLE users IS 'grant select on t to quoted';
    "#;
    let got: Vec<String> = roles_named(sql).into_iter().collect();
    let want = [
        "User-2", "app_user", "member1", "member2", "owner1", "postgres", "reader", "reader2",
        "user1", "user3",
    ];
    if got == want {
        Ok(())
    } else {
        Err(format!("roles_named found {got:?}, expected {want:?}"))
    }
}
