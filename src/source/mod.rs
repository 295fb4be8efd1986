//! Desired state: schema files are split into statements, ordered by their references,
//! loaded into a dev database and introspected there (PostgreSQL is the reference parser).
//!
//! - [`read_paths`] reads the files and splits and classifies their statements
//!   ([`read_files`] only reads them);
//! - [`load`] executes them into a database (batched, ordered, with a retry pass);
//! - [`DevDatabase`] is the temporary database they are loaded into;
//! - [`desired_catalog`] does all of it, with the [`cache`] in front;
//!   [`desired_catalog_of_files`] too, from files read but not split (a cache hit never
//!   splits them).

pub mod annotations;
pub mod cache;
mod classify;
mod devdb;
mod error;
mod files;
mod load;
mod order;
mod provenance;
mod split;
pub mod yaml;

pub use classify::{NameClass, ObjectKind, ObjectName, StatementKind};
pub use devdb::{pause_timescaledb_jobs, DevDatabase, DevDb};
pub use error::{SourceError, SqlSource};
pub use load::{load, LoadOptions, LoadReport};
pub use provenance::{shown as shown_path, Location, Provenance};

use miette::SourceSpan;
use std::ops::Range;
use std::path::PathBuf;

use crate::catalog::Catalog;
use crate::introspect::Scope;

/// The desired files and their statements, in file order.
#[derive(Debug, Clone, Default)]
pub struct DesiredFiles {
    pub files: Vec<SourceFile>,
    pub statements: Vec<Statement>,
}

/// One desired file as read (a leading UTF-8 byte order mark removed).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// One statement of a desired file.
#[derive(Debug, Clone)]
pub struct Statement {
    /// Index into [`DesiredFiles::files`].
    pub file: usize,
    /// Byte range in the file's text, from the first token to the last (no `;`); for a
    /// statement compiled from YAML, the YAML node it was made from.
    pub span: Range<usize>,
    /// The text that is executed: `files[file].text[span]` (for YAML, the compiled SQL).
    pub sql: String,
    pub kind: StatementKind,
    /// Names it defines.
    pub creates: Vec<ObjectName>,
    /// Names it refers to (relations wherever they appear; types, routines and schemas
    /// only when the files define them).
    pub references: Vec<ObjectName>,
    /// Whether sqlparser parsed it whole (otherwise it was classified by its leading
    /// keywords and keeps its place after the statement before it in its file).
    pub parsed: bool,
    /// Must run in a transaction of its own (`CREATE INDEX CONCURRENTLY`, `VACUUM`,
    /// `ALTER TYPE ... ADD VALUE`, `CALL`, `DO`).
    pub run_alone: bool,
    /// For settings (`SET x`, `RESET x`, `set_config('x', ...)`): the parameter.
    pub setting: Option<String>,
    /// For a statement compiled from a YAML file: the compiled SQL it is part of.
    pub origin: Option<Origin>,
}

/// Where a statement compiled from YAML sits in its file's compiled SQL, which maps its
/// fragments back to the YAML nodes.
#[derive(Debug, Clone)]
pub struct Origin {
    pub compiled: std::sync::Arc<yaml::Compiled>,
    /// Byte offset of the statement in `compiled.sql`.
    pub start: usize,
}

impl Statement {
    /// The byte range of the file to show for `len` bytes at `offset` of [`Statement::sql`].
    pub fn file_range(&self, text: &str, offset: usize, len: usize) -> Range<usize> {
        match &self.origin {
            Some(o) => o.compiled.locate(text, o.start + offset, len),
            None => self.span.start + offset..self.span.start + offset + len,
        }
    }
}

/// Cache of the normalized desired catalog.
#[derive(Debug, Clone, Default)]
pub struct CacheOptions {
    pub enabled: bool,
    /// Overrides `SCHEMADIFF_CACHE_DIR` / `$XDG_CACHE_HOME/schemadiff` / `~/.cache/schemadiff`.
    pub dir: Option<PathBuf>,
}

impl DesiredFiles {
    /// The named source of a file, for diagnostics.
    pub fn named_source(&self, file: usize) -> SqlSource {
        let f = &self.files[file];
        SqlSource::new(f.path.display().to_string(), f.text.clone())
    }

    /// The files as SQL: a YAML file as the SQL compiled from it (with its
    /// `-- schemadiff:renamed-from` lines), the others as they are. For readers of SQL text
    /// such as the rename annotation parser.
    pub fn sql_sources(&self) -> Vec<SourceFile> {
        let compiled = self.compiled();
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| match yaml::is_yaml(&f.path) {
                true => SourceFile {
                    path: f.path.clone(),
                    text: compiled.get(&i).map_or("", |c| c.sql.as_str()).to_string(),
                },
                false => f.clone(),
            })
            .collect()
    }

    /// For a position (1-based line, 1-based column in characters) of the SQL that
    /// [`DesiredFiles::sql_sources`] gives for a YAML file, the `path:line:column` of the
    /// YAML node it was compiled from; `None` for other files.
    pub fn yaml_location(&self, file: usize, line: usize, column: usize) -> Option<String> {
        let compiled = self.compiled();
        let c = compiled.get(&file)?;
        let start = c
            .sql
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum::<usize>();
        let offset = c.sql[start..]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(c.sql.len(), |(b, _)| start + b);
        let f = &self.files[file];
        let at = c.locate(&f.text, offset, 1).start;
        let before = &f.text[..at];
        let l = before.matches('\n').count() + 1;
        let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
            .chars()
            .count()
            + 1;
        Some(format!("{}:{l}:{col}", f.path.display()))
    }

    fn compiled(&self) -> std::collections::BTreeMap<usize, &yaml::Compiled> {
        let mut out = std::collections::BTreeMap::new();
        for s in &self.statements {
            if let Some(o) = &s.origin {
                out.insert(s.file, &*o.compiled);
            }
        }
        out
    }
}

/// Read `paths` (files, or directories searched recursively for `*.sql`, `*.yaml` and
/// `*.yml`, sorted by path), split every file into statements (YAML compiled to SQL first)
/// and classify them.
pub fn read_paths(paths: &[PathBuf]) -> Result<DesiredFiles, SourceError> {
    from_files(read_files(paths)?)
}

/// Read `paths` as [`read_paths`] does, without splitting the files.
pub fn read_files(paths: &[PathBuf]) -> Result<Vec<SourceFile>, SourceError> {
    files::read_files(paths)
}

/// Split and classify files already in memory.
pub fn from_files(files: Vec<SourceFile>) -> Result<DesiredFiles, SourceError> {
    let mut desired = DesiredFiles {
        files,
        statements: Vec::new(),
    };
    let mut pending: Vec<Option<Vec<sqlparser::tokenizer::TokenWithSpan>>> = Vec::new();
    let mut defined = classify::Defined::default();
    for (fi, file) in desired.files.iter().enumerate() {
        let compiled = if yaml::is_yaml(&file.path) {
            let name = file.path.display().to_string();
            Some(std::sync::Arc::new(yaml::compile(&name, &file.text)?))
        } else {
            None
        };
        let text = compiled
            .as_ref()
            .map_or(file.text.as_str(), |c| c.sql.as_str());
        let pieces = split::split(text).map_err(|e| {
            let src = desired.named_source(fi);
            let place = |at: Range<usize>| match &compiled {
                Some(c) => span(c.locate(&file.text, at.start, at.len())),
                None => span(at),
            };
            match e {
                split::SplitError::Unterminated { what, at } => SourceError::Split {
                    message: format!("unterminated {what}"),
                    src,
                    at: place(at),
                },
                split::SplitError::MetaCommand { command, at } => SourceError::MetaCommand {
                    command,
                    src,
                    at: place(at),
                },
            }
        })?;
        for piece in pieces {
            let sql = text[piece.span.clone()].to_string();
            let h = match &piece.tokens {
                Some(t) => classify::heading(t),
                None => classify::heading_from_text(&sql),
            };
            let origin = compiled.as_ref().map(|c| Origin {
                compiled: c.clone(),
                start: piece.span.start,
            });
            let file_span = match &compiled {
                Some(c) => c.statement(&piece.span),
                None => piece.span.clone(),
            };
            if let Some(what) = h.cluster_level {
                return Err(SourceError::ClusterLevel {
                    what,
                    src: desired.named_source(fi),
                    at: span(file_span.start..file_span.start + sql.find(' ').unwrap_or(1)),
                });
            }
            for c in &h.creates {
                defined.add(c);
            }
            desired.statements.push(Statement {
                file: fi,
                span: file_span,
                sql,
                kind: h.kind,
                creates: h.creates,
                references: h.references,
                parsed: false,
                run_alone: h.run_alone,
                setting: h.setting,
                origin,
            });
            pending.push(piece.tokens);
        }
    }
    for (stmt, tokens) in desired.statements.iter_mut().zip(pending) {
        let Some(tokens) = tokens else { continue };
        let mut refs = std::mem::take(&mut stmt.references);
        for body in classify::sql_body_tokens(&tokens) {
            classify::token_references(&body, &defined, false, &mut refs);
        }
        let parsed = if matches!(
            stmt.kind,
            StatementKind::Setting | StatementKind::Transaction
        ) {
            None
        } else {
            classify::token_references(&tokens, &defined, false, &mut refs);
            classify::parse(tokens)
        };
        match parsed {
            Some(ast) => {
                stmt.parsed = true;
                classify::ast_references(&ast, &mut refs);
            }
            None => {
                if let Some(t) = split::tokenize_piece(&stmt.sql) {
                    classify::token_references(&t, &defined, true, &mut refs);
                }
            }
        }
        refs.retain(|r| !stmt.creates.contains(r));
        refs.sort();
        refs.dedup();
        stmt.references = refs;
    }
    Ok(desired)
}

fn span(r: Range<usize>) -> SourceSpan {
    SourceSpan::new(r.start.into(), r.end.saturating_sub(r.start))
}

/// The normalized desired catalog: from the cache when the files, the dev server and the
/// scope are unchanged, else by loading the files into a temporary dev database and
/// introspecting it (the database is dropped afterwards, also on error or Ctrl-C).
pub async fn desired_catalog(
    files: &DesiredFiles,
    dev: &DevDb,
    scope: &Scope,
    cache: &CacheOptions,
) -> Result<Catalog, SourceError> {
    match probe(&files.files, dev, scope, cache).await? {
        Probe::Hit(catalog) => Ok(*catalog),
        Probe::Miss(miss) => miss.load(files, dev, scope).await,
    }
}

/// [`desired_catalog`] of files read but not split: the cache key is made of the files'
/// text, so a hit never splits them (an entry exists only for files that split and loaded).
pub async fn desired_catalog_of_files(
    files: Vec<SourceFile>,
    dev: &DevDb,
    scope: &Scope,
    cache: &CacheOptions,
) -> Result<Catalog, SourceError> {
    match probe(&files, dev, scope, cache).await? {
        Probe::Hit(catalog) => Ok(*catalog),
        Probe::Miss(miss) => miss.load(&from_files(files)?, dev, scope).await,
    }
}

/// What the cache says about some files.
enum Probe {
    Hit(Box<Catalog>),
    Miss(Miss),
}

/// A cache miss: where to store the catalog once loaded (none when the cache is off), and
/// the connection the server fingerprint was read on, to create the dev database with.
struct Miss {
    entry: Option<(PathBuf, String)>,
    admin: Option<tokio_postgres::Client>,
}

impl Miss {
    async fn load(
        self,
        files: &DesiredFiles,
        dev: &DevDb,
        scope: &Scope,
    ) -> Result<Catalog, SourceError> {
        let renames = renames_of(files)?;
        let mut catalog = devdb::load_and_introspect(files, dev, scope, self.admin).await?;
        catalog.renames = renames;
        if let Some((dir, key)) = &self.entry {
            cache::store(dir, key, &catalog);
        }
        Ok(catalog)
    }
}

/// The rename hints of the desired files: SQL comments, and the same comments compiled from
/// YAML `renamed_from:` keys, whose locations are turned back into the YAML's own.
fn renames_of(files: &DesiredFiles) -> Result<Vec<crate::catalog::RenameHint>, SourceError> {
    let sources = files.sql_sources();
    let mut renames = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        let mut hints = annotations::parse_files(std::slice::from_ref(source))?;
        if yaml::is_yaml(&source.path) {
            for h in &mut hints {
                let mut parts = h.location.rsplitn(3, ':');
                let col = parts.next().and_then(|c| c.parse().ok());
                let line = parts.next().and_then(|l| l.parse().ok());
                if let (Some(line), Some(col)) = (line, col) {
                    if let Some(at) = files.yaml_location(i, line, col) {
                        h.location = at;
                    }
                }
            }
        }
        renames.extend(hints);
    }
    Ok(renames)
}

async fn probe(
    files: &[SourceFile],
    dev: &DevDb,
    scope: &Scope,
    cache: &CacheOptions,
) -> Result<Probe, SourceError> {
    let dir = cache
        .enabled
        .then(|| cache.dir.clone().or_else(cache::default_dir))
        .flatten();
    let Some(dir) = dir else {
        return Ok(Probe::Miss(Miss {
            entry: None,
            admin: None,
        }));
    };
    let fingerprint = devdb::server_fingerprint(dev).await?;
    let key = cache::key_of_files(files, &fingerprint.text, scope);
    if let Some(catalog) = cache::lookup(&dir, &key) {
        return Ok(Probe::Hit(Box::new(catalog)));
    }
    Ok(Probe::Miss(Miss {
        entry: Some((dir, key)),
        admin: fingerprint.admin,
    }))
}
