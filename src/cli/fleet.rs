//! Fleet runs: `plan | apply | drift [SERVICE...]` over the services of `schemadiff.yaml`,
//! at most `--jobs` at a time, with one aggregated report and one exit status. A service
//! that fails is reported with its diagnostic next to the others' results.

use super::apply::ApplyArgs;
use super::args::{ReportFormat, TargetArgs};
use super::drift::DriftArgs;
use super::plan::PlanArgs;
use super::{Exit, Output};
use crate::apply::ApplyReport;
use crate::config::{Config, Service};
use crate::conn::ConnTarget;
use crate::drift::{self, DriftReport};
use crate::plan::Plan;
use crate::render::{self, Format, Review, Style};
use crate::workflow::{self, Desired, DevChoice, Error};
use futures_util::stream::{self, StreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(super) mod extensions;

/// What one service produced.
pub(super) enum Done {
    /// A plan with what its format shows beside it, and notes for stderr.
    Planned(Plan, Box<Review>, Vec<String>),
    Drift(DriftReport),
    Applied(Plan, ApplyReport),
    DryRun(workflow::DryRun),
    /// Not run: its desired files create an extension its server lacks
    /// (`--skip-unavailable-extensions`).
    Skipped(String),
}

impl Done {
    fn changes(&self) -> bool {
        match self {
            Done::Planned(p, ..) | Done::Applied(p, _) => !p.is_empty(),
            Done::Drift(r) => r.drift,
            Done::DryRun(d) => !d.plan.is_empty(),
            Done::Skipped(_) => false,
        }
    }
}

/// One service's entry in the report: its shown target (when it got that far) and result.
pub(super) struct Entry {
    pub(super) name: String,
    target: Option<String>,
    pub(super) result: Result<Done, Error>,
}

pub(super) struct Job {
    pub(super) service: Service,
    pub(super) target: ConnTarget,
    pub(super) desired: Desired,
}

/// Load the configuration and resolve each selected service; a service that cannot be
/// resolved (a missing variable, a bad URL) is an entry of its own.
pub(super) fn jobs(args: &TargetArgs) -> Result<Vec<Result<Job, Entry>>, Error> {
    if args.url.is_some() && !args.fleet.config.exists() {
        return Err(Error::Usage {
            message: "--url needs --schema (the desired files of that database)".into(),
            help: format!(
                "pass --schema PATH, or write {} to run services",
                args.fleet.config.display()
            ),
        });
    }
    let config = Config::load(&args.fleet.config)?;
    let names = config.select(&args.services)?;
    let var = |name: &str| std::env::var(name).ok();
    let mut out = Vec::new();
    for name in names {
        let resolved = config
            .service(&name, args.fleet.environment.as_deref(), &var)
            .map_err(Error::from)
            .and_then(|service| {
                let target = ConnTarget::parse(&service.url)?;
                let mut desired = args.dev.resolve(vec![service.schema.clone()])?;
                if args.dev.managed_schemas.is_empty() {
                    desired.scope.schemas = service.scope.schemas.clone();
                }
                desired.scope.ignore = service.scope.ignore.clone();
                desired.seeds = service.seeds.clone();
                if args.dev.dev_url.is_none() {
                    desired.dev = match config.file.dev_url.as_deref() {
                        None => DevChoice::TargetServer,
                        Some("embedded") => DevChoice::Embedded,
                        Some(url) => DevChoice::Url(Box::new(ConnTarget::parse(url)?)),
                    };
                }
                Ok(Job {
                    service,
                    target,
                    desired,
                })
            });
        out.push(resolved.map_err(|e| Entry {
            name: name.clone(),
            target: None,
            result: Err(e),
        }));
    }
    Ok(out)
}

/// Run `work` on every job as a task of its own (so services also use several cores), at
/// most `jobs` at a time, showing progress on stderr (a bar naming the running services on a
/// terminal, a line per finished service otherwise); the entries come back in service order.
async fn run_all<F, Fut>(
    resolved: Vec<Result<Job, Entry>>,
    args: &TargetArgs,
    out: &Output,
    work: F,
) -> Vec<Entry>
where
    F: Fn(Job) -> Fut,
    Fut: Future<Output = Entry> + Send + 'static,
{
    let total = resolved.len();
    let mut entries = Vec::with_capacity(total);
    let mut ready = Vec::new();
    for r in resolved {
        match r {
            Ok(job) => ready.push(job),
            Err(entry) => entries.push(entry),
        }
    }
    let progress = Arc::new(FleetProgress::new(out.stderr_tty, total));
    for entry in &entries {
        progress.finished(entry, Duration::ZERO);
    }
    let skip = args.skip_unavailable_extensions;
    let tasks = ready.into_iter().map(|job| {
        let name = job.service.name.clone();
        let (target, desired) = (job.target.clone(), job.desired.clone());
        let service = name.clone();
        let task = work(job);
        let progress = progress.clone();
        let gated = async move {
            match extensions::unavailable(&target, &desired).await {
                Ok(None) => task.await,
                Ok(Some(missing)) => Entry {
                    name: service,
                    target: Some(target.shown.clone()),
                    result: if skip {
                        Ok(Done::Skipped(missing.summary()))
                    } else {
                        Err(missing.into_error())
                    },
                },
                Err(e) => Entry {
                    name: service,
                    target: Some(target.shown.clone()),
                    result: Err(e),
                },
            }
        };
        async move {
            progress.started(&name);
            let began = Instant::now();
            let entry = match tokio::spawn(gated).await {
                Ok(entry) => entry,
                Err(e) => Entry {
                    name: name.clone(),
                    target: None,
                    result: Err(Error::Io {
                        what: "running the service".into(),
                        reason: e.to_string(),
                    }),
                },
            };
            progress.finished(&entry, began.elapsed());
            entry
        }
    });
    let mut running = stream::iter(tasks).buffer_unordered(args.fleet.jobs.max(1));
    while let Some(entry) = running.next().await {
        entries.push(entry);
    }
    progress.done();
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
}

/// Progress of a fleet run on stderr.
struct FleetProgress {
    bar: Option<ProgressBar>,
    running: Mutex<BTreeSet<String>>,
    total: usize,
    finished: Mutex<usize>,
}

impl FleetProgress {
    fn new(tty: bool, total: usize) -> FleetProgress {
        let bar = tty.then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{bar:20}] {pos}/{len} services {elapsed:>4} {wide_msg}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        FleetProgress {
            bar,
            running: Mutex::new(BTreeSet::new()),
            total,
            finished: Mutex::new(0),
        }
    }

    fn show_running(&self, running: &BTreeSet<String>) {
        if let Some(bar) = &self.bar {
            let names: Vec<&str> = running.iter().map(String::as_str).collect();
            bar.set_message(format!("running: {}", names.join(", ")));
        }
    }

    fn started(&self, name: &str) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.insert(name.to_owned());
        self.show_running(&running);
    }

    fn finished(&self, entry: &Entry, took: Duration) {
        let status = match &entry.result {
            Ok(Done::Skipped(_)) => "skipped",
            Ok(d) if d.changes() => "changes",
            Ok(_) => "no changes",
            Err(_) => "failed",
        };
        let n = {
            let mut finished = self.finished.lock().unwrap_or_else(|e| e.into_inner());
            *finished += 1;
            *finished
        };
        let line = format!(
            "[{n}/{}] {}: {status} ({:.1} s)",
            self.total,
            entry.name,
            took.as_secs_f64()
        );
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.remove(&entry.name);
        match &self.bar {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
                self.show_running(&running);
            }
            None => eprintln!("{line}"),
        }
    }

    fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `plan` over the fleet.
pub(super) async fn plan(args: &PlanArgs, out: &mut Output) -> Result<Exit, Error> {
    if args.out.is_some() {
        return Err(Error::Usage {
            message: "--out saves the plan of one database".into(),
            help: "run `schemadiff plan SERVICE --out PLAN.json` with --url and --schema, or use --format json for the fleet".into(),
        });
    }
    let flag_allowed = args.allowed()?;
    let format: Format = args.format.into();
    let resolved = jobs(&args.target)?;
    let entries = run_all(resolved, &args.target, out, |job| {
        let mut allowed = flag_allowed.clone();
        allowed.extend(job.service.allowed.iter().copied());
        let plan_opts =
            super::plan::plan_options(args.manage_ownership || job.service.manage_ownership);
        async move {
            let result = async {
                let planned = workflow::plan_target(&job.target, &job.desired, &plan_opts).await?;
                let (review, notes) = super::plan::review(&planned, &job.desired, format, allowed)?;
                Ok(Done::Planned(planned.plan, Box::new(review), notes))
            }
            .await;
            Entry {
                name: job.service.name,
                target: Some(job.target.shown),
                result,
            }
        }
    })
    .await;
    for e in &entries {
        if let Ok(Done::Planned(_, _, notes)) = &e.result {
            for n in notes {
                out.note(&format!("{}: {n}", e.name));
            }
        }
    }
    out.product(&report(&entries, format, out.style()));
    Ok(exit(&entries, args.detailed_exitcode))
}

/// `drift` over the fleet.
pub(super) async fn drift(args: &DriftArgs, out: &mut Output) -> Result<Exit, Error> {
    let resolved = jobs(&args.target)?;
    let entries = run_all(resolved, &args.target, out, |job| async move {
        let result = drift::drift_target(&job.target, &job.desired)
            .await
            .map(Done::Drift);
        Entry {
            name: job.service.name,
            target: Some(job.target.shown),
            result,
        }
    })
    .await;
    let format = match args.format {
        ReportFormat::Human => Format::Human,
        ReportFormat::Json => Format::Json,
        ReportFormat::Markdown => Format::Markdown,
    };
    out.product(&report(&entries, format, out.style()));
    Ok(exit(&entries, true))
}

/// `apply` over the fleet: non-interactive (`--auto-approve` or `--dry-run`), each service
/// with its own hazard policy and timeouts.
pub(super) async fn apply(args: &ApplyArgs, out: &mut Output) -> Result<Exit, Error> {
    if args.plan.is_some() {
        return Err(Error::Usage {
            message: "--plan applies a reviewed plan to one database".into(),
            help: "use --url and --schema with --plan".into(),
        });
    }
    if !args.auto_approve && !args.dry_run {
        return Err(Error::Usage {
            message: "a fleet apply does not ask for confirmation".into(),
            help: "review `schemadiff plan` first, then pass --auto-approve (or --dry-run)".into(),
        });
    }
    super::apply::options(args, &Default::default(), &Default::default())?;
    let resolved = jobs(&args.target)?;
    let dry_run = args.dry_run;
    let entries = run_all(resolved, &args.target, out, |job| {
        let opts = super::apply::options(args, &job.service.timeouts, &job.service.allowed);
        let plan_opts =
            super::plan::plan_options(args.manage_ownership || job.service.manage_ownership);
        async move {
            let result = async {
                let opts = opts?;
                if dry_run {
                    let dry = workflow::dry_run(
                        &job.target,
                        &job.desired,
                        &plan_opts,
                        &opts,
                        None,
                        &mut |_| {},
                    )
                    .await?;
                    Ok(Done::DryRun(dry))
                } else {
                    let applied = workflow::apply_target(
                        &job.target,
                        &job.desired,
                        &plan_opts,
                        &opts,
                        None,
                        &mut |_| {},
                    )
                    .await?;
                    Ok(Done::Applied(applied.plan, applied.report))
                }
            }
            .await;
            Entry {
                name: job.service.name,
                target: Some(job.target.shown),
                result,
            }
        }
    })
    .await;
    out.product(&report(&entries, Format::Human, out.style()));
    Ok(exit(&entries, false))
}

/// 1 when any service failed, else 2 when `changes_count` and any service has changes,
/// else 0.
fn exit(entries: &[Entry], changes_count: bool) -> Exit {
    if entries.iter().any(|e| e.result.is_err()) {
        Exit::Failed
    } else if changes_count
        && entries
            .iter()
            .any(|e| matches!(&e.result, Ok(d) if d.changes()))
    {
        Exit::Changes
    } else {
        Exit::Success
    }
}

pub(super) fn diagnostic_text(err: &Error) -> String {
    let mut s = String::new();
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
    if handler.render_report(&mut s, err).is_err() {
        s = err.to_string();
    }
    s
}

pub(super) fn error_json(err: &Error) -> Value {
    use miette::Diagnostic;
    json!({
        "code": err.code().map(|c| c.to_string()),
        "message": err.to_string(),
        "help": err.help().map(|h| h.to_string()),
    })
}

fn status(result: &Result<Done, Error>) -> &'static str {
    match result {
        Err(_) => "error",
        Ok(Done::Skipped(_)) => "skipped",
        Ok(Done::Applied(p, _)) if !p.is_empty() => "applied",
        Ok(d) if d.changes() => "changes",
        Ok(_) => "unchanged",
    }
}

/// The aggregated report of a fleet run.
fn report(entries: &[Entry], format: Format, style: Style) -> String {
    match format {
        Format::Json => json_report(entries),
        Format::Github => github_report(entries),
        Format::Markdown => render::fit_comment(|trim| text_report(entries, format, style, trim)),
        _ => text_report(entries, format, style, render::Trim::Full),
    }
}

fn json_report(entries: &[Entry]) -> String {
    let services: Vec<Value> = entries
        .iter()
        .map(|e| {
            let mut v = json!({
                "service": e.name,
                "target": e.target,
                "status": status(&e.result),
            });
            match &e.result {
                Err(err) => v["error"] = error_json(err),
                Ok(Done::Planned(p, ..)) => v["plan"] = serde_json::to_value(p).expect("plan"),
                Ok(Done::Drift(r)) => v["drift"] = serde_json::to_value(r).expect("report"),
                Ok(Done::Applied(p, r)) => {
                    v["plan"] = serde_json::to_value(p).expect("plan");
                    v["apply"] = serde_json::to_value(r).expect("report");
                }
                Ok(Done::DryRun(d)) => {
                    v["plan"] = serde_json::to_value(&d.plan).expect("plan");
                    v["apply"] = serde_json::to_value(&d.report).expect("report");
                }
                Ok(Done::Skipped(why)) => v["skipped"] = json!(why),
            }
            v
        })
        .collect();
    let count = |s: &str| entries.iter().filter(|e| status(&e.result) == s).count();
    let mut doc = json!({
        "services": services,
        "summary": {
            "services": entries.len(),
            "changes": count("changes") + count("applied"),
            "unchanged": count("unchanged"),
            "skipped": count("skipped"),
            "errors": count("error"),
        },
    });
    if let Some(n) = drift_findings(entries) {
        doc["summary"]["findings"] = json!(n);
    }
    let mut s = serde_json::to_string_pretty(&doc).expect("serializable");
    s.push('\n');
    s
}

/// The number of drift findings over the services that reported drift, when the run is a
/// drift run.
fn drift_findings(entries: &[Entry]) -> Option<usize> {
    let reports: Vec<&DriftReport> = entries
        .iter()
        .filter_map(|e| match &e.result {
            Ok(Done::Drift(r)) => Some(r),
            _ => None,
        })
        .collect();
    (!reports.is_empty()).then(|| reports.iter().map(|r| r.findings.len()).sum())
}

/// Annotations of every service, a failed service as an error of its own, and a notice
/// with the fleet's counts.
fn github_report(entries: &[Entry]) -> String {
    let mut s = String::new();
    for e in entries {
        match &e.result {
            Ok(Done::Planned(p, review, _)) => {
                s.push_str(&render::github(p, &e.name, Some(&e.name), review))
            }
            Ok(_) => {}
            Err(err) => s.push_str(&format!(
                "::error title={}::{}\n",
                render::escape_property(&format!("schemadiff plan: {} failed", e.name)),
                render::escape_data(&diagnostic_text(err))
            )),
        }
    }
    let count = |st: &str| entries.iter().filter(|e| status(&e.result) == st).count();
    s.push_str(&format!(
        "::notice title=schemadiff plan::{}\n",
        render::escape_data(&format!(
            "{} services: {} with changes, {} unchanged, {} skipped, {} failed",
            entries.len(),
            count("changes"),
            count("unchanged"),
            count("skipped"),
            count("error")
        ))
    ));
    s
}

fn text_report(entries: &[Entry], format: Format, style: Style, trim: render::Trim) -> String {
    let mut s = String::new();
    for e in entries {
        let title = match &e.target {
            Some(t) => format!("{} ({t})", e.name),
            None => e.name.clone(),
        };
        match format {
            Format::Markdown => s.push_str(&format!("## {}\n\n", e.name)),
            Format::Sql => s.push_str(&format!("-- service {}\n", e.name)),
            _ => s.push_str(&format!("== {title} ==\n")),
        }
        match &e.result {
            Err(err) => match format {
                Format::Markdown => s.push_str(&format!("**error**\n\n```\n{}\n```\n", err)),
                Format::Sql => s.push_str(&format!("-- error: {}\n", one_line(err))),
                _ => s.push_str(&format!("error: {}", diagnostic_text(err))),
            },
            Ok(Done::Planned(p, review, _)) => s.push_str(&match format {
                Format::Markdown => render::markdown_review(p, &title, review, trim),
                _ => render::render_review(p, &title, format, style, review),
            }),
            Ok(Done::Drift(r)) => s.push_str(&match format {
                Format::Markdown => drift::markdown(r),
                _ => drift::human(r),
            }),
            Ok(Done::Applied(p, r)) => {
                s.push_str(&render::render(p, &title, Format::Human, style));
                if !p.is_empty() {
                    s.push_str(&format!(
                        "applied {} steps in {} ms; the database matches the desired schema\n",
                        r.applied,
                        r.elapsed.as_millis()
                    ));
                }
            }
            Ok(Done::Skipped(why)) => s.push_str(&match format {
                Format::Markdown => format!("**skipped**: {why}\n"),
                Format::Sql => format!("-- skipped: {why}\n"),
                _ => format!("skipped: {why}\n"),
            }),
            Ok(Done::DryRun(d)) => {
                s.push_str(&render::render(&d.plan, &title, Format::Human, style));
                if !d.plan.is_empty() {
                    s.push_str(&render::dry_run(
                        &d.plan,
                        &d.report,
                        d.setup_steps,
                        d.setup_elapsed,
                    ));
                }
            }
        }
        s.push('\n');
    }
    let count = |st: &str| entries.iter().filter(|e| status(&e.result) == st).count();
    let mut summary = format!(
        "{} services: {} with changes, {} unchanged, {} failed",
        entries.len(),
        count("changes") + count("applied"),
        count("unchanged"),
        count("error")
    );
    if count("skipped") > 0 {
        summary.push_str(&format!(", {} skipped", count("skipped")));
    }
    match format {
        Format::Sql => s.push_str(&format!("-- {summary}\n")),
        Format::Markdown => s.push_str(&format!("**{summary}**\n")),
        _ => s.push_str(&format!("{summary}\n")),
    }
    s
}

fn one_line(err: &Error) -> String {
    err.to_string().replace('\n', " ")
}
