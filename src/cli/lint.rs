//! `schemadiff lint [SERVICE...]`: convention rules over each service's desired catalog
//! ([`crate::lint`]), loaded the usual way (dev database, cache in front). One database's
//! files with `--schema PATH` (the dev database is `--dev-url`, else the server of `--url`,
//! else an embedded cluster), else the services of `schemadiff.yaml`. Exit 1 when a
//! violation is an error (or a warning with `--strict`) or a service fails, else 0.

use super::args::{DevArgs, FleetArgs, TargetArgs};
use super::fleet::{self, Job};
use super::{Exit, Output};
use crate::config::{Config, LintFile};
use crate::conn::ConnTarget;
use crate::lint::{self, Report, Settings};
use crate::render::{escape_data, escape_property};
use crate::source;
use crate::workflow::{self, Desired, Error};
use clap::{Args, ValueEnum};
use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};
use std::path::PathBuf;

/// `schemadiff lint`: services of the configuration, or files with `--schema`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Services of the configuration file to lint [default: all of them].
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,

    /// A .sql/.yaml file or a directory of them to lint (repeatable), instead of the
    /// services of the configuration file; the file's top-level `lint` section applies.
    #[arg(long = "schema", value_name = "PATH")]
    pub schema: Vec<PathBuf>,

    /// With --schema: the server whose temporary database loads the files (when --dev-url
    /// is not given).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub url: Option<String>,

    #[command(flatten)]
    pub fleet: FleetArgs,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: LintFormat,

    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub strict: bool,

    /// Report a service as skipped, instead of failing it, when its desired files create an
    /// extension that its dev server does not offer (TimescaleDB on a plain PostgreSQL).
    #[arg(long)]
    pub skip_unavailable_extensions: bool,

    #[command(flatten)]
    pub dev: DevArgs,
}

/// How the violations are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    Human,
    Json,
    /// GitHub Actions annotations at the desired file and line.
    Github,
}

/// One linted service (or the one database of `--schema`).
struct Linted {
    name: String,
    result: Outcome,
}

/// How linting one service ended.
enum Outcome {
    Report(Report),
    /// Not linted: its files need an extension its server does not offer (the reason).
    Skipped(String),
    Failed(Error),
}

pub async fn run(args: LintArgs, out: &mut Output) -> Result<Exit, Error> {
    if !args.schema.is_empty() {
        return single(&args, out).await;
    }
    let target = TargetArgs {
        url: args.url.clone(),
        schema: Vec::new(),
        services: args.services.clone(),
        fleet: args.fleet.clone(),
        skip_unavailable_extensions: args.skip_unavailable_extensions,
        seeds: None,
        dev: DevArgs {
            dev_url: args.dev.dev_url.clone(),
            managed_schemas: args.dev.managed_schemas.clone(),
            no_cache: args.dev.no_cache,
        },
    };
    let resolved = fleet::jobs(&target)?;
    let skip = args.skip_unavailable_extensions;
    let tasks = resolved.into_iter().map(|r| async move {
        match r {
            Err(entry) => Linted {
                name: entry.name,
                result: Outcome::Failed(entry.result.err().unwrap_or_else(|| Error::Usage {
                    message: "the service could not be resolved".into(),
                    help: "check its entry in schemadiff.yaml".into(),
                })),
            },
            Ok(job) => lint_job(job, skip).await,
        }
    });
    let mut done: Vec<Linted> = stream::iter(tasks)
        .buffer_unordered(args.fleet.jobs.max(1))
        .collect()
        .await;
    done.sort_by(|a, b| a.name.cmp(&b.name));
    out.product(&match args.format {
        LintFormat::Human => fleet_human(&done),
        LintFormat::Json => pretty(&fleet_json(&done)),
        LintFormat::Github => fleet_github(&done),
    });
    Ok(exit(&done, args.strict))
}

/// Lint one service; with `skip`, a service whose files create an extension its server
/// does not offer is skipped, as `plan` and `apply` skip it.
async fn lint_job(job: Job, skip: bool) -> Linted {
    let name = job.service.name.clone();
    let result = async {
        let settings = settings(&job.service.lint)?;
        if let Some(missing) = fleet::extensions::unavailable(&job.target, &job.desired).await? {
            return if skip {
                Ok(Outcome::Skipped(missing.summary()))
            } else {
                Err(missing.into_error())
            };
        }
        Ok(Outcome::Report(
            lint_desired(&job.desired, Some(&job.target), &settings).await?,
        ))
    }
    .await;
    Linted {
        name,
        result: result.unwrap_or_else(Outcome::Failed),
    }
}

async fn single(args: &LintArgs, out: &mut Output) -> Result<Exit, Error> {
    if !args.services.is_empty() {
        return Err(Error::Usage {
            message: format!(
                "services ({}) are chosen from the configuration, not with --schema",
                args.services.join(", ")
            ),
            help: "lint either files with --schema, or services of schemadiff.yaml without it"
                .into(),
        });
    }
    let file = if args.fleet.config.exists() {
        Config::load(&args.fleet.config)?.file.lint
    } else {
        LintFile::default()
    };
    let settings = settings(&file)?;
    let server = args.url.as_deref().map(ConnTarget::parse).transpose()?;
    let desired = args.dev.resolve(args.schema.clone())?;
    let report = lint_desired(&desired, server.as_ref(), &settings).await?;
    let text = match args.format {
        LintFormat::Human => lint::human(&report),
        LintFormat::Json => pretty(&lint::json(&report)),
        LintFormat::Github => {
            let mut s = lint::github(&report, None);
            s.push_str(&notice(&lint::render_summary(&report)));
            s
        }
    };
    out.product(&text);
    let done = [Linted {
        name: String::new(),
        result: Outcome::Report(report),
    }];
    Ok(exit(&done, args.strict))
}

fn settings(file: &LintFile) -> Result<Settings, Error> {
    Settings::from_file(file).map_err(|message| Error::Usage {
        message,
        help: "name rules as docs/lint.md lists them".into(),
    })
}

/// Load the desired files (split, for the lines that declare each object) and their
/// catalog, and lint it.
async fn lint_desired(
    desired: &Desired,
    server: Option<&ConnTarget>,
    settings: &Settings,
) -> Result<Report, Error> {
    let files = source::read_paths(&desired.paths)?;
    let catalog = workflow::desired_catalog(desired, server).await?;
    Ok(lint::lint(&files, &catalog, settings)?)
}

/// 1 when a service failed or has an error (with `strict`, a warning too), else 0.
fn exit(done: &[Linted], strict: bool) -> Exit {
    let failing = done.iter().any(|d| match &d.result {
        Outcome::Failed(_) => true,
        Outcome::Skipped(_) => false,
        Outcome::Report(r) => r.errors() > 0 || (strict && r.warnings() > 0),
    });
    if failing {
        Exit::Failed
    } else {
        Exit::Success
    }
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("serializable");
    s.push('\n');
    s
}

fn notice(summary: &str) -> String {
    format!(
        "::notice title={}::{}\n",
        escape_property("schemadiff lint"),
        escape_data(summary)
    )
}

/// Errors, warnings, suppressed violations, failed and skipped services.
struct Totals {
    errors: usize,
    warnings: usize,
    suppressed: usize,
    failed: usize,
    skipped: usize,
}

fn totals(done: &[Linted]) -> Totals {
    let reports = || {
        done.iter().filter_map(|d| match &d.result {
            Outcome::Report(r) => Some(r),
            _ => None,
        })
    };
    let count = |f: fn(&Outcome) -> bool| done.iter().filter(|d| f(&d.result)).count();
    Totals {
        errors: reports().map(Report::errors).sum(),
        warnings: reports().map(Report::warnings).sum(),
        suppressed: reports().map(|r| r.suppressed).sum(),
        failed: count(|o| matches!(o, Outcome::Failed(_))),
        skipped: count(|o| matches!(o, Outcome::Skipped(_))),
    }
}

fn fleet_summary(done: &[Linted]) -> String {
    let t = totals(done);
    let skipped = if t.skipped > 0 {
        format!(", {} skipped", t.skipped)
    } else {
        String::new()
    };
    format!(
        "{}: {}, {}, {} suppressed, {} failed{skipped}",
        lint::plural(done.len(), "service"),
        lint::plural(t.errors, "error"),
        lint::plural(t.warnings, "warning"),
        t.suppressed,
        t.failed,
    )
}

fn fleet_human(done: &[Linted]) -> String {
    let mut s = String::new();
    for d in done {
        s.push_str(&format!("== {} ==\n", d.name));
        match &d.result {
            Outcome::Report(r) => s.push_str(&lint::human(r)),
            Outcome::Skipped(why) => s.push_str(&format!("skipped: {why}\n")),
            Outcome::Failed(e) => s.push_str(&format!("error: {}", fleet::diagnostic_text(e))),
        }
        s.push('\n');
    }
    s.push_str(&fleet_summary(done));
    s.push('\n');
    s
}

fn fleet_json(done: &[Linted]) -> Value {
    let services: Vec<Value> = done
        .iter()
        .map(|d| match &d.result {
            Outcome::Report(r) => {
                let mut v = lint::json(r);
                v["service"] = json!(d.name);
                v["status"] = json!(if r.violations.is_empty() {
                    "clean"
                } else {
                    "violations"
                });
                v
            }
            Outcome::Skipped(why) => json!({
                "service": d.name,
                "status": "skipped",
                "skipped": why,
            }),
            Outcome::Failed(e) => json!({
                "service": d.name,
                "status": "error",
                "error": fleet::error_json(e),
            }),
        })
        .collect();
    let t = totals(done);
    json!({
        "services": services,
        "summary": {
            "services": done.len(),
            "errors": t.errors,
            "warnings": t.warnings,
            "suppressed": t.suppressed,
            "failed": t.failed,
            "skipped": t.skipped,
        },
    })
}

fn fleet_github(done: &[Linted]) -> String {
    let mut s = String::new();
    for d in done {
        match &d.result {
            Outcome::Report(r) => s.push_str(&lint::github(r, Some(&d.name))),
            Outcome::Skipped(why) => s.push_str(&format!(
                "::notice title={}::{}\n",
                escape_property(&format!("schemadiff lint: {} skipped", d.name)),
                escape_data(why)
            )),
            Outcome::Failed(e) => s.push_str(&format!(
                "::error title={}::{}\n",
                escape_property(&format!("schemadiff lint: {} failed", d.name)),
                escape_data(&fleet::diagnostic_text(e))
            )),
        }
    }
    s.push_str(&notice(&fleet_summary(done)));
    s
}
