//! `schemadiff dump [SERVICE...]`: each service of `schemadiff.yaml` into its schema folder,
//! with its managed schemas and ignore patterns applied (so the bookkeeping tables of
//! Prisma, Flyway and Alembic stay out), at most `--jobs` at a time, one line per service.

use super::layout::DumpFile;
use super::write::write_dir;
use super::{summary, DumpArgs, Format};
use crate::cli::{Exit, Output};
use crate::config::{Config, Service};
use crate::conn::ConnTarget;
use crate::plan::Plan;
use crate::workflow::{self, Error};
use futures_util::stream::{self, StreamExt};
use std::path::PathBuf;

/// What one service's dump did.
struct Dumped {
    target: String,
    dir: PathBuf,
    files: Vec<DumpFile>,
    plan: Plan,
}

pub(super) async fn run(args: &DumpArgs, out: &mut Output) -> Result<Exit, Error> {
    if args.out.is_some() {
        return Err(Error::Usage {
            message: "--out is the folder of one database's dump".into(),
            help: "pass --url with --out, or leave out --out: each service is dumped into its `schema` folder of schemadiff.yaml".into(),
        });
    }
    if !args.fleet.config.exists() {
        return Err(Error::Usage {
            message: format!(
                "nothing to dump: no --url, and no {}",
                args.fleet.config.display()
            ),
            help: "pass --url URL (and --out DIR for a folder), or write schemadiff.yaml to dump its services".into(),
        });
    }
    let config = Config::load(&args.fleet.config)?;
    let names = config.select(&args.services)?;
    let var = |name: &str| std::env::var(name).ok();
    let mut resolved: Vec<(String, Result<Service, Error>)> = Vec::new();
    for name in names {
        let service = config
            .service(&name, args.fleet.environment.as_deref(), &var)
            .map_err(Error::from)
            .map(|mut s| {
                if !args.dev.managed_schemas.is_empty() {
                    s.scope.schemas = Some(args.dev.managed_schemas.iter().cloned().collect());
                }
                s
            });
        resolved.push((name, service));
    }
    let total = resolved.len();
    let (force, format) = (args.force, args.format);
    let tasks = resolved.into_iter().map(|(name, service)| async move {
        let result = match service {
            Err(e) => Err(e),
            Ok(service) => match tokio::spawn(dump_service(service, force, format)).await {
                Ok(r) => r,
                Err(e) => Err(Error::Io {
                    what: "running the service".into(),
                    reason: e.to_string(),
                }),
            },
        };
        (name, result)
    });
    let mut running = stream::iter(tasks).buffer_unordered(args.fleet.jobs.max(1));
    let mut done = Vec::with_capacity(total);
    while let Some((name, result)) = running.next().await {
        if out.stderr_tty {
            let status = if result.is_ok() { "dumped" } else { "failed" };
            out.note(&format!("[{}/{total}] {name}: {status}", done.len() + 1));
        }
        done.push((name, result));
    }
    done.sort_by(|a, b| a.0.cmp(&b.0));
    let mut report = String::new();
    let mut failed = 0;
    for (name, result) in &done {
        match result {
            Ok(d) => {
                report.push_str(&format!(
                    "{name}: {} → {} ({})\n",
                    summary(&d.files),
                    d.dir.display(),
                    d.target
                ));
                super::warn_unmanaged(&d.plan, out, &format!("{name}: "));
            }
            Err(e) => {
                failed += 1;
                report.push_str(&format!("{name}: error: {}\n", diagnostic_text(e)));
            }
        }
    }
    report.push_str(&format!(
        "{total} services: {} dumped, {failed} failed\n",
        total - failed
    ));
    out.product(&report);
    Ok(if failed > 0 {
        Exit::Failed
    } else {
        Exit::Success
    })
}

async fn dump_service(service: Service, force: bool, format: Format) -> Result<Dumped, Error> {
    let target = ConnTarget::parse(&service.url)?;
    let catalog = workflow::live_catalog(&target, &service.scope).await?;
    let (files, plan) = format.files(&catalog)?;
    let dir = service.schema.clone();
    let at = dir.clone();
    let files = tokio::task::spawn_blocking(move || write_dir(&at, &files, force).map(|_| files))
        .await
        .map_err(|e| Error::Io {
            what: format!("writing {}", dir.display()),
            reason: e.to_string(),
        })??;
    Ok(Dumped {
        target: target.shown,
        dir,
        files,
        plan,
    })
}

fn diagnostic_text(err: &Error) -> String {
    let mut s = String::new();
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
    if handler.render_report(&mut s, err).is_err() {
        s = err.to_string();
    }
    s.trim_end().to_string()
}
