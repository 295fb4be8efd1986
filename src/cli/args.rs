//! Argument groups shared by several commands.

use crate::conn::ConnTarget;
use crate::introspect::Scope;
use crate::render::Format;
use crate::source::CacheOptions;
use crate::workflow::{Desired, DevChoice, Error};
use clap::{Args, ValueEnum};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// One database and its desired schema.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Connection string of the database (URL or key=value; PG* variables and ~/.pgpass apply).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub url: String,

    /// A .sql file or a directory of them holding the desired schema (repeatable).
    #[arg(long = "schema", required = true, value_name = "PATH")]
    pub schema: Vec<PathBuf>,

    #[command(flatten)]
    pub dev: DevArgs,
}

/// Where desired SQL is loaded to be normalized, and which schemas are managed.
#[derive(Debug, Args)]
pub struct DevArgs {
    /// Dev database: a connection string, or `embedded` for a private throwaway cluster
    /// [default: a temporary database on the target's server].
    #[arg(long, value_name = "URL|embedded")]
    pub dev_url: Option<String>,

    /// Manage only these PostgreSQL schemas (repeatable) [default: all non-system schemas].
    #[arg(long = "managed-schema", value_name = "NAME")]
    pub managed_schemas: Vec<String>,

    /// Do not read or write the cache of normalized desired catalogs.
    #[arg(long)]
    pub no_cache: bool,
}

impl DevArgs {
    pub fn resolve(&self, paths: Vec<PathBuf>) -> Result<Desired, Error> {
        let dev = match self.dev_url.as_deref() {
            None => DevChoice::TargetServer,
            Some("embedded") => DevChoice::Embedded,
            Some(url) => DevChoice::Url(Box::new(ConnTarget::parse(url)?)),
        };
        let scope = Scope {
            schemas: if self.managed_schemas.is_empty() {
                None
            } else {
                Some(
                    self.managed_schemas
                        .iter()
                        .cloned()
                        .collect::<BTreeSet<_>>(),
                )
            },
            ignore: Default::default(),
        };
        Ok(Desired {
            paths,
            dev,
            scope,
            cache: CacheOptions {
                enabled: !self.no_cache,
                dir: None,
            },
        })
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PlanFormat {
    Human,
    Sql,
    Json,
    Markdown,
}

impl From<PlanFormat> for Format {
    fn from(f: PlanFormat) -> Format {
        match f {
            PlanFormat::Human => Format::Human,
            PlanFormat::Sql => Format::Sql,
            PlanFormat::Json => Format::Json,
            PlanFormat::Markdown => Format::Markdown,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Human,
    Json,
    Markdown,
}
