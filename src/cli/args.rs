//! Argument groups shared by several commands.

use crate::conn::ConnTarget;
use crate::introspect::Scope;
use crate::render::Format;
use crate::source::CacheOptions;
use crate::workflow::{Desired, DevChoice, Error};
use clap::{Args, ValueEnum};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// One database and its desired schema (`--url` with `--schema`), or services of the
/// configuration file (without `--schema`).
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Connection string of the database (URL or key=value; PG* variables and ~/.pgpass apply).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub url: Option<String>,

    /// A .sql file or a directory of them holding the desired schema (repeatable). Without
    /// it, the services of the configuration file are run.
    #[arg(long = "schema", value_name = "PATH")]
    pub schema: Vec<PathBuf>,

    /// Services of the configuration file to run [default: all of them].
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,

    #[command(flatten)]
    pub fleet: FleetArgs,

    /// Report a service as skipped, instead of failing it, when its desired files create an
    /// extension that its server does not offer (TimescaleDB on a plain PostgreSQL).
    #[arg(long)]
    pub skip_unavailable_extensions: bool,

    /// A folder of reference data seed files (YAML or CSV, docs/seeds.md) for `--schema`
    /// runs; fleet runs take each service's `seeds` folder.
    #[arg(long, value_name = "PATH")]
    pub seeds: Option<PathBuf>,

    #[command(flatten)]
    pub dev: DevArgs,
}

/// The configuration file of a fleet run, how many services run at once, and which
/// environment's URLs they use.
#[derive(Debug, Clone, Args)]
pub struct FleetArgs {
    /// The configuration file of the fleet.
    #[arg(long, value_name = "FILE", default_value = crate::config::DEFAULT_PATH)]
    pub config: PathBuf,

    /// Services run at the same time.
    #[arg(long, short = 'j', default_value_t = 4, value_name = "N")]
    pub jobs: usize,

    /// Use each service's URL for this environment (its `environments` entry).
    #[arg(long, value_name = "NAME")]
    pub environment: Option<String>,
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

/// What a command runs on.
pub enum Mode {
    /// One database (`--url`) and its desired files (`--schema`).
    Single(Box<(ConnTarget, Desired)>),
    /// Services of the configuration file.
    Fleet,
}

impl TargetArgs {
    /// One database when `--schema` is given (then `--url` is required), else the fleet.
    pub fn mode(&self) -> Result<Mode, Error> {
        if self.schema.is_empty() {
            return Ok(Mode::Fleet);
        }
        if self.skip_unavailable_extensions {
            return Err(Error::Usage {
                message: "--skip-unavailable-extensions skips services of a fleet run".into(),
                help: "leave out --schema to run the services of schemadiff.yaml".into(),
            });
        }
        if !self.services.is_empty() {
            return Err(Error::Usage {
                message: format!(
                    "services ({}) are chosen from the configuration, not with --schema",
                    self.services.join(", ")
                ),
                help: "run either one database with --url and --schema, or services of schemadiff.yaml without --schema".into(),
            });
        }
        let Some(url) = &self.url else {
            return Err(Error::Usage {
                message: "--schema needs the database: pass --url (or set DATABASE_URL)".into(),
                help: "or leave out --schema to run the services of schemadiff.yaml".into(),
            });
        };
        let target = ConnTarget::parse(url)?;
        let mut desired = self.dev.resolve(self.schema.clone())?;
        desired.seeds = self.seeds.clone();
        Ok(Mode::Single(Box::new((target, desired))))
    }
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
            seeds: None,
        })
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PlanFormat {
    Human,
    Sql,
    Json,
    Markdown,
    /// GitHub Actions annotations: each hazard at the desired file and line.
    Github,
}

impl From<PlanFormat> for Format {
    fn from(f: PlanFormat) -> Format {
        match f {
            PlanFormat::Human => Format::Human,
            PlanFormat::Sql => Format::Sql,
            PlanFormat::Json => Format::Json,
            PlanFormat::Markdown => Format::Markdown,
            PlanFormat::Github => Format::Github,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Human,
    Json,
    Markdown,
}
