//! Errors of desired-state loading. Errors inside a schema file carry the file as a
//! `NamedSource` and a label at the exact position, so the report names file, line and
//! column.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use std::path::PathBuf;

use crate::conn::ConnError;
use crate::embedded::EmbeddedError;
use crate::introspect::IntrospectError;

/// Everything that can go wrong between reading the desired files and the desired catalog.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SourceError {
    #[error("cannot read {}: {reason}", path.display())]
    #[diagnostic(
        code(schemadiff::source::read),
        help("check that the path exists and is readable; a schema path is a .sql or .yaml file or a directory searched recursively for *.sql, *.yaml and *.yml")
    )]
    Read { path: PathBuf, reason: String },

    #[error("no .sql files (or .yaml definitions) found under {}", path.display())]
    #[diagnostic(
        code(schemadiff::source::no_files),
        help("point --schema at a .sql or .yaml file or at a directory that holds them; an empty desired state would drop everything")
    )]
    NoSqlFiles { path: PathBuf },

    #[error("{message}")]
    #[diagnostic(
        code(schemadiff::source::split),
        help("close the string, quoted identifier, dollar quote or comment that starts here")
    )]
    Split {
        message: String,
        #[source_code]
        src: SqlSource,
        #[label("starts here")]
        at: SourceSpan,
    },

    #[error("psql meta-command `{command}` in a schema file")]
    #[diagnostic(
        code(schemadiff::source::meta_command),
        help("schema files are plain SQL: replace \\i/\\ir includes by listing the files or their directory with --schema, and remove \\connect, \\set and other psql commands")
    )]
    MetaCommand {
        command: String,
        #[source_code]
        src: SqlSource,
        #[label("psql command")]
        at: SourceSpan,
    },

    #[error("{message}")]
    #[diagnostic(code(schemadiff::source::annotation), help("{help}"))]
    Annotation {
        message: String,
        #[source_code]
        src: SqlSource,
        #[label("this annotation")]
        at: SourceSpan,
        help: String,
    },

    #[error("`{what}` acts on the whole server, not on one database")]
    #[diagnostic(
        code(schemadiff::source::cluster_level),
        help("schema files describe the objects inside one database; create roles, databases and tablespaces outside them (they would otherwise be created on the dev server while planning)")
    )]
    ClusterLevel {
        what: String,
        #[source_code]
        src: SqlSource,
        #[label("not allowed here")]
        at: SourceSpan,
    },

    #[error("PostgreSQL rejected this statement: {message} (SQLSTATE {code})")]
    #[diagnostic(code(schemadiff::source::rejected))]
    Rejected {
        message: String,
        code: String,
        #[source_code]
        src: SqlSource,
        #[label("{label}")]
        at: SourceSpan,
        label: String,
        #[help]
        help: String,
    },

    #[error("{count} statement(s) of the schema files failed to load")]
    #[diagnostic(
        code(schemadiff::source::failed),
        help("each error below points at its statement (the first {shown} are shown)")
    )]
    Failed {
        count: usize,
        shown: usize,
        #[related]
        errors: Vec<SourceError>,
    },

    #[error("not allowed to create a dev database on {shown}: {reason}")]
    #[diagnostic(
        code(schemadiff::source::dev_privilege),
        help("desired SQL is loaded into a temporary database, which needs the CREATEDB privilege; grant it, or use `--dev-url URL` (a server where you may create databases) or `--dev-url embedded` (a private cluster from the local PostgreSQL binaries)")
    )]
    DevPrivilege { shown: String, reason: String },

    #[error("dev database on {shown}: {reason}")]
    #[diagnostic(
        code(schemadiff::source::dev_database),
        help("check that the dev server is reachable and accepts CREATE DATABASE / DROP DATABASE, or use `--dev-url embedded`")
    )]
    DevDatabase { shown: String, reason: String },

    #[error("loading into the dev database failed: {reason}")]
    #[diagnostic(
        code(schemadiff::source::load),
        help("the connection to the dev database broke while loading; check the dev server's log")
    )]
    Load { reason: String },

    #[error("interrupted; the temporary dev database was dropped")]
    #[diagnostic(code(schemadiff::source::interrupted))]
    Interrupted,

    #[error(transparent)]
    #[diagnostic(transparent)]
    Yaml(#[from] super::yaml::YamlError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Conn(#[from] ConnError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Embedded(#[from] EmbeddedError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Introspect(#[from] IntrospectError),
}

/// The role a `role "x" does not exist` error names.
pub(crate) fn missing_role(code: &str, message: &str) -> Option<String> {
    if code != "42704" {
        return None;
    }
    let rest = message.strip_prefix("role \"")?;
    Some(rest.strip_suffix("\" does not exist")?.to_string())
}

/// A remedy for a statement PostgreSQL rejected, by SQLSTATE (and, for a missing role, by
/// message).
pub(crate) fn remedy(code: &str, message: &str) -> String {
    if let Some(role) = missing_role(code, message) {
        return format!(
            "role {} does not exist on the dev server; roles are cluster-wide and schema files cannot create them: create it there (`CREATE ROLE {} NOLOGIN`) and on the target server, or use `--dev-url embedded`, where missing roles are created",
            crate::catalog::Ident::new(&role),
            crate::catalog::Ident::new(&role)
        );
    }
    let s = match code {
        "42601" => "fix the syntax at the marked position",
        "42P01" | "42704" | "42883" | "3F000" | "42P10" | "42703" => {
            "the statement refers to something no schema file creates (or misspells it): add its definition, or create the extension that provides it"
        }
        "42P07" | "42710" | "42723" | "42P06" | "42P16" => {
            "the object is defined twice: keep a single definition in the schema files"
        }
        "58P01" | "0A000" => {
            "the dev server lacks this feature or extension: install it there, or point --dev-url at a server that has it"
        }
        "42501" => "the dev database's user lacks a privilege this statement needs",
        "22P02" | "22023" | "42804" | "42846" => "fix the value or type at the marked position",
        _ => "fix the statement: the desired files are loaded by PostgreSQL itself, so they must be valid SQL for the dev server",
    };
    s.to_string()
}

/// A schema file as a diagnostic's source: like miette's `NamedSource`, but the reported
/// column counts characters (as editors and PostgreSQL do), not bytes.
#[derive(Debug, Clone)]
pub struct SqlSource(std::sync::Arc<(String, String)>);

impl SqlSource {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SqlSource(std::sync::Arc::new((name.into(), text.into())))
    }

    pub fn name(&self) -> &str {
        &self.0 .0
    }

    pub fn text(&self) -> &str {
        &self.0 .1
    }
}

impl SourceCode for SqlSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = self.text();
        let inner = text.read_span(span, context_lines_before, context_lines_after)?;
        let start = inner.span().offset().min(text.len());
        let prefix = text.get(..start).unwrap_or("");
        let line_start = prefix.rfind('\n').map_or(0, |i| i + 1);
        let column = prefix[line_start..].chars().count();
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.name().to_string(),
                inner.data(),
                *inner.span(),
                inner.line(),
                column,
                inner.line_count(),
            )
            .with_language("sql"),
        ))
    }
}
