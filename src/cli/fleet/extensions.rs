//! Services whose desired files create an extension that the server they are loaded on does
//! not offer (TimescaleDB on a plain PostgreSQL): found before anything is loaded, so that a
//! fleet run can fail them with a diagnostic naming the extension, or report them skipped
//! (`--skip-unavailable-extensions`).

use crate::conn::{describe_error, ConnTarget};
use crate::embedded::{timescaledb_installed, EmbeddedCluster};
use crate::source::{self, NameClass, ObjectKind, SqlSource, StatementKind};
use crate::workflow::{Desired, DevChoice, Error};
use miette::SourceSpan;
use std::collections::BTreeSet;

/// The first extension a service's desired files create that its dev server lacks.
#[derive(Debug, Clone)]
pub(in crate::cli) struct Unavailable {
    pub extension: String,
    /// `path:line` of the `CREATE EXTENSION` statement.
    pub at: String,
    /// The server the desired files would be loaded on, as shown (password redacted).
    pub server: String,
    /// Why it counts as unavailable (not installed, or installed but not preloaded).
    pub why: String,
    src: SqlSource,
    span: SourceSpan,
}

impl Unavailable {
    /// One line for reports: `extension timescaledb (file.sql:2) is not installed on ...`.
    pub fn summary(&self) -> String {
        format!(
            "extension {} ({}) {} on {}",
            self.extension, self.at, self.why, self.server
        )
    }

    /// The service's failure when skipping was not asked for.
    pub fn into_error(self) -> Error {
        Error::ExtensionUnavailable {
            extension: self.extension,
            at: self.at,
            server: self.server,
            why: self.why,
            src: self.src,
            span: self.span,
        }
    }
}

/// What a server offers: `pg_available_extensions`, less `timescaledb` when it is not in
/// `shared_preload_libraries` (it cannot be created there).
struct Offered {
    names: BTreeSet<String>,
    preloaded: BTreeSet<String>,
}

/// The first `CREATE EXTENSION` of `desired`'s files (in file order) whose extension the dev
/// server of `desired` (the target's own server by default) does not offer; `None` when
/// every one is there. The files are split and classified here; a file that does not split
/// fails as loading it would.
pub(in crate::cli) async fn unavailable(
    target: &ConnTarget,
    desired: &Desired,
) -> Result<Option<Unavailable>, Error> {
    let files = source::read_paths(&desired.paths)?;
    let wanted: Vec<_> = files
        .statements
        .iter()
        .filter(|s| s.kind == StatementKind::Create(ObjectKind::Extension))
        .filter_map(|s| {
            let name = s.creates.iter().find(|n| n.class == NameClass::Extension)?;
            Some((name.name.clone(), s))
        })
        .collect();
    if wanted.is_empty() {
        return Ok(None);
    }
    let (offered, server) = match &desired.dev {
        DevChoice::TargetServer => (server_offers(target).await?, target.shown.clone()),
        DevChoice::Url(dev) => (server_offers(dev).await?, dev.shown.clone()),
        DevChoice::Embedded => embedded_offers()?,
    };
    for (name, stmt) in wanted {
        let why = if !offered.names.contains(&name) {
            "is not installed"
        } else if name == "timescaledb" && !offered.preloaded.contains(&name) {
            "is installed but not in shared_preload_libraries"
        } else {
            continue;
        };
        let file = &files.files[stmt.file];
        let line = file.text[..stmt.span.start].matches('\n').count() + 1;
        return Ok(Some(Unavailable {
            extension: name,
            at: format!("{}:{line}", file.path.display()),
            server,
            why: why.into(),
            src: files.named_source(stmt.file),
            span: SourceSpan::new(stmt.span.start.into(), stmt.span.len()),
        }));
    }
    Ok(None)
}

async fn server_offers(server: &ConnTarget) -> Result<Offered, Error> {
    let client = server.connect().await?;
    let rows = client
        .query(
            "SELECT name::text, current_setting('shared_preload_libraries') \
             FROM pg_available_extensions",
            &[],
        )
        .await
        .map_err(|e| Error::Io {
            what: format!("reading the available extensions of {}", server.shown),
            reason: describe_error(&e),
        })?;
    let mut offered = Offered {
        names: BTreeSet::new(),
        preloaded: BTreeSet::new(),
    };
    for row in rows {
        offered.names.insert(row.get(0));
        let preload: String = row.get(1);
        offered.preloaded.extend(
            preload
                .split(',')
                .map(|l| l.trim().trim_matches('"').to_string())
                .filter(|l| !l.is_empty()),
        );
    }
    Ok(offered)
}

/// The embedded cluster offers the control files of the local installation and preloads
/// TimescaleDB when its library is installed too (as [`EmbeddedCluster::start`] does).
fn embedded_offers() -> Result<(Offered, String), Error> {
    let bin = EmbeddedCluster::find_binaries().map_err(|e| Error::Io {
        what: "finding the PostgreSQL binaries for --dev-url embedded".into(),
        reason: e.to_string(),
    })?;
    let names: BTreeSet<String> = source::cache::embedded_fingerprint(&bin)
        .lines()
        .filter_map(|l| l.split_once(".control ").map(|(n, _)| n.to_string()))
        .collect();
    let preloaded = if timescaledb_installed(&bin) {
        ["timescaledb".to_string()].into()
    } else {
        BTreeSet::new()
    };
    let server = format!("the embedded cluster of {}", bin.display());
    Ok((Offered { names, preloaded }, server))
}
