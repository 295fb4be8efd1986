//! Connections: libpq-style connection strings (URLs and `key=value`), the `PG*`
//! environment variables and `~/.pgpass`, and redaction of passwords for display.

use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, NoTls};

/// Errors while resolving or opening a connection. Messages never contain a password.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConnError {
    #[error("invalid connection string `{shown}`: {reason}")]
    #[diagnostic(
        code(schemadiff::conn::invalid),
        help("use a URL such as postgresql://user@host:5432/db or key=value pairs such as `host=/run/postgresql dbname=app`")
    )]
    Invalid { shown: String, reason: String },

    #[error("cannot connect to {shown}: {reason}")]
    #[diagnostic(
        code(schemadiff::conn::unreachable),
        help("check that the server is running and reachable, and that host, port, user and database are right")
    )]
    Connect { shown: String, reason: String },

    #[error("login refused by {shown}: {reason}")]
    #[diagnostic(
        code(schemadiff::conn::refused),
        help(
            "check the user name and password (PGPASSWORD, ~/.pgpass or the URL) and pg_hba.conf"
        )
    )]
    Refused { shown: String, reason: String },
}

/// A resolved connection target: the driver config plus a display form without password.
#[derive(Clone)]
pub struct ConnTarget {
    pub config: Config,
    /// The connection string as the user gave it, with any password replaced by `****`.
    pub shown: String,
}

impl std::fmt::Debug for ConnTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnTarget")
            .field("shown", &self.shown)
            .finish()
    }
}

impl ConnTarget {
    /// Parse a libpq connection string and complete it from the environment like `psql`:
    /// `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGCONNECT_TIMEOUT`,
    /// `PGAPPNAME`, then `PGPASSFILE` / `~/.pgpass`.
    pub fn parse(conn: &str) -> Result<ConnTarget, ConnError> {
        let shown = redact(conn);
        let mut config: Config =
            conn.parse()
                .map_err(|e: tokio_postgres::Error| ConnError::Invalid {
                    shown: shown.clone(),
                    reason: redact(&e.to_string()),
                })?;
        apply_env(&mut config);
        if config.get_password().is_none() {
            if let Some(pw) = pgpass_lookup(&config) {
                config.password(pw);
            }
        }
        if config.get_application_name().is_none() {
            config.application_name("schemadiff");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        Ok(ConnTarget { config, shown })
    }

    /// The same server, another database.
    pub fn with_dbname(&self, dbname: &str) -> ConnTarget {
        let mut config = self.config.clone();
        config.dbname(dbname);
        ConnTarget {
            config,
            shown: format!("{} (database {dbname})", self.shown),
        }
    }

    pub fn dbname(&self) -> String {
        self.config
            .get_dbname()
            .map(str::to_string)
            .or_else(|| self.config.get_user().map(str::to_string))
            .unwrap_or_else(|| "postgres".into())
    }

    /// Open a connection; the connection task runs on the current tokio runtime.
    pub async fn connect(&self) -> Result<Client, ConnError> {
        let (client, connection) = self.config.connect(NoTls).await.map_err(|e| {
            let reason = describe_error(&e);
            let refused = e.as_db_error().is_some_and(|db| {
                matches!(db.code().code(), "28P01" | "28000" | "3D000" | "42501")
            });
            if refused {
                ConnError::Refused {
                    shown: self.shown.clone(),
                    reason,
                }
            } else {
                ConnError::Connect {
                    shown: self.shown.clone(),
                    reason,
                }
            }
        })?;
        tokio::spawn(async move {
            // Errors surface on the client's next call; nothing to report here.
            let _ = connection.await;
        });
        Ok(client)
    }
}

/// A driver error as one line, with the server's message and detail when there is one.
pub fn describe_error(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(d) = db.detail() {
            s.push_str(": ");
            s.push_str(d);
        }
        return redact(&s);
    }
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    redact(&s)
}

fn apply_env(config: &mut Config) {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if config.get_hosts().is_empty() {
        match env("PGHOST") {
            Some(h) => {
                for part in h.split(',') {
                    config.host(part);
                }
            }
            None => {
                // libpq's default: the unix socket directory, else localhost.
                let sock = ["/var/run/postgresql", "/run/postgresql", "/tmp"]
                    .into_iter()
                    .find(|d| Path::new(d).is_dir());
                match sock {
                    Some(d) => config.host_path(d),
                    None => config.host("localhost"),
                };
            }
        }
    }
    if config.get_ports().is_empty() {
        if let Some(p) = env("PGPORT").and_then(|p| p.parse::<u16>().ok()) {
            config.port(p);
        }
    }
    if config.get_user().is_none() {
        let user = env("PGUSER")
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "postgres".into());
        config.user(&user);
    }
    if config.get_password().is_none() {
        if let Some(pw) = env("PGPASSWORD") {
            config.password(pw);
        }
    }
    if config.get_dbname().is_none() {
        if let Some(db) = env("PGDATABASE") {
            config.dbname(&db);
        }
    }
    if config.get_connect_timeout().is_none() {
        if let Some(t) = env("PGCONNECT_TIMEOUT").and_then(|t| t.parse::<u64>().ok()) {
            config.connect_timeout(Duration::from_secs(t.max(2)));
        }
    }
    if config.get_application_name().is_none() {
        if let Some(a) = env("PGAPPNAME") {
            config.application_name(&a);
        }
    }
}

fn pgpass_path() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("PGPASSFILE") {
        return Some(PathBuf::from(p));
    }
    dirs::home_dir().map(|h| h.join(".pgpass"))
}

/// Look the connection up in the password file (`host:port:database:user:password`,
/// `*` wildcards, `\:` and `\\` escapes), as libpq does.
fn pgpass_lookup(config: &Config) -> Option<String> {
    let text = std::fs::read_to_string(pgpass_path()?).ok()?;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(_)) | None => "localhost".to_string(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let user = config.get_user().unwrap_or("").to_string();
    let db = config
        .get_dbname()
        .map(str::to_string)
        .unwrap_or_else(|| user.clone());
    pgpass_match(&text, &host, &port, &db, &user)
}

fn pgpass_match(text: &str, host: &str, port: &str, db: &str, user: &str) -> Option<String> {
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() < 5 {
            continue;
        }
        let ok = |pat: &str, val: &str| pat == "*" || pat == val;
        if ok(&fields[0], host)
            && ok(&fields[1], port)
            && ok(&fields[2], db)
            && ok(&fields[3], user)
        {
            return Some(fields[4].clone());
        }
    }
    None
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    fields.last_mut().unwrap().push(n);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            _ => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// Replace any password in a connection string or message by `****`: the userinfo part of
/// a URL, `password=` pairs, and `password` query parameters.
pub fn redact(s: &str) -> String {
    let mut out = s.to_string();
    // URL userinfo: scheme://user:password@host
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let rest = &out[rest_start..];
        let end = rest.find(['/', '?', ' ']).unwrap_or(rest.len());
        if let Some(at) = rest[..end].rfind('@') {
            if let Some(colon) = rest[..at].find(':') {
                let range = rest_start + colon + 1..rest_start + at;
                out.replace_range(range, "****");
            }
        }
    }
    // key=value and ?password=... forms
    let lower = out.to_ascii_lowercase();
    let mut result = String::with_capacity(out.len());
    let mut i = 0;
    while let Some(pos) = lower[i..].find("password=") {
        let start = i + pos + "password=".len();
        result.push_str(&out[i..start]);
        let bytes = out.as_bytes();
        let mut end = start;
        if bytes.get(start) == Some(&b'\'') {
            end += 1;
            while end < bytes.len() && bytes[end] != b'\'' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            end = (end + 1).min(bytes.len());
        } else {
            while end < bytes.len() && !matches!(bytes[end], b' ' | b'&' | b'\n') {
                end += 1;
            }
        }
        result.push_str("****");
        i = end;
    }
    result.push_str(&out[i..]);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_password_form() {
        assert_eq!(
            redact("postgresql://app:s3cret@db:5432/x?sslmode=require"),
            "postgresql://app:****@db:5432/x?sslmode=require"
        );
        assert_eq!(
            redact("host=db password=s3cret user=app"),
            "host=db password=**** user=app"
        );
        assert_eq!(
            redact("host=db password='s3 cret' user=app"),
            "host=db password=**** user=app"
        );
        assert_eq!(
            redact("postgres://db/x?user=a&password=s3cret&x=1"),
            "postgres://db/x?user=a&password=****&x=1"
        );
        assert_eq!(
            redact("postgresql:///db?host=/run/pg"),
            "postgresql:///db?host=/run/pg"
        );
        assert!(!redact("postgresql://u:p%40ss@h/db").contains("p%40ss"));
    }

    #[test]
    fn pgpass_matches_like_libpq() {
        let file = "# comment\nother:5432:*:app:no\ndb:5432:*:app:pa\\:ss\n*:*:*:*:fallback\n";
        assert_eq!(
            pgpass_match(file, "db", "5432", "x", "app").as_deref(),
            Some("pa:ss")
        );
        assert_eq!(
            pgpass_match(file, "h", "1", "x", "y").as_deref(),
            Some("fallback")
        );
    }

    #[test]
    fn parses_urls_and_keyword_strings() {
        let t = ConnTarget::parse("postgresql://app:pw@localhost:6543/orders").unwrap();
        assert_eq!(t.dbname(), "orders");
        assert_eq!(t.config.get_ports(), &[6543]);
        assert!(!t.shown.contains("pw"));
        let t = ConnTarget::parse("host=/tmp port=5999 dbname=x user=u").unwrap();
        assert_eq!(t.dbname(), "x");
        let err = ConnTarget::parse("postgresql://app:pw@host:notaport/db").unwrap_err();
        assert!(!err.to_string().contains("pw@"), "{err}");
    }
}
