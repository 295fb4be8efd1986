//! `schemadiff apply`

use super::args::{Mode, TargetArgs};
use super::progress::Reporter;
use super::{Exit, Output};
use crate::apply::{ApplyOptions, Budgets, Progress, Timeouts};
use crate::plan::{Hazard, Plan};
use crate::render;
use crate::workflow::{self, Error};
use clap::Args;
use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::time::Duration;

/// Durations take a unit as PostgreSQL settings do (`500ms`, `3s`, `10min`, `1h`); a bare
/// number is milliseconds; `0` means no limit.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Apply exactly this reviewed plan (from `plan --out`); refused if the database changed.
    #[arg(long, value_name = "PLAN.json")]
    pub plan: Option<PathBuf>,

    /// Do not ask for confirmation (required when not on a terminal).
    #[arg(long)]
    pub auto_approve: bool,

    /// Hazard kinds to allow, comma-separated, or `all`.
    #[arg(long, value_delimiter = ',', value_name = "KIND,...|all")]
    pub allow_hazards: Vec<String>,

    /// Apply the owners the desired files declare (`ALTER ... OWNER TO`; also the service's
    /// `manage_ownership` in schemadiff.yaml). Default: owners are left alone.
    #[arg(long)]
    pub manage_ownership: bool,

    /// Prove the plan on a scratch database that holds the live schema (not its rows) on the
    /// dev server, and report each step's timing; the target is not touched.
    #[arg(long)]
    pub dry_run: bool,

    /// lock_timeout of catalog (metadata) steps: how long one attempt waits for its lock
    /// while every later query on the table queues behind it.
    /// [default: 3s, or the service's `timeouts` in schemadiff.yaml]
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub lock_timeout: Option<Duration>,

    /// statement_timeout of catalog (metadata) steps.
    /// [default: 10min, or the service's `timeouts` in schemadiff.yaml]
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub statement_timeout: Option<Duration>,

    /// lock_timeout of VALIDATE CONSTRAINT steps (they wait only behind DDL and VACUUM).
    /// [default: 3s, or the service's `timeouts` in schemadiff.yaml]
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub validation_lock_timeout: Option<Duration>,

    /// statement_timeout of VALIDATE CONSTRAINT steps (a full read of the table; DML goes on).
    /// [default: 0, or the service's `timeouts` in schemadiff.yaml]
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub validation_timeout: Option<Duration>,

    /// lock_timeout of concurrent index builds and drops. Keep it long: a build cancelled
    /// while it waits for older transactions leaves an INVALID index.
    /// [default: 30min, or the service's `timeouts` in schemadiff.yaml]
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub concurrent_lock_timeout: Option<Duration>,

    /// statement_timeout of concurrent index builds and drops.
    /// [default: 0, or the service's `timeouts` in schemadiff.yaml]
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub concurrent_timeout: Option<Duration>,

    /// Attempts per step when it hits its lock timeout or a deadlock.
    /// [default: 5, or the service's `timeouts` in schemadiff.yaml]
    #[arg(long, value_name = "N")]
    pub lock_attempts: Option<u32>,

    /// How long to wait for another schemadiff apply on the same database to finish.
    /// [default: 60s, or the service's `timeouts` in schemadiff.yaml]
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub lock_wait: Option<Duration>,
}

use crate::config::{parse_duration, TimeoutSettings};

/// The apply options of a run: each budget from its flag, else from the service's
/// configuration, else the built-in default; the hazards allowed on the command line and
/// by the service.
pub(super) fn options(
    args: &ApplyArgs,
    service: &TimeoutSettings,
    service_allowed: &BTreeSet<Hazard>,
) -> Result<ApplyOptions, Error> {
    let mut allowed =
        crate::config::parse_hazards(&args.allow_hazards).map_err(|e| Error::Usage {
            message: e,
            help: "pass hazard ids as listed by `schemadiff plan`, or `all`".into(),
        })?;
    allowed.extend(service_allowed.iter().copied());
    let base = ApplyOptions::default();
    let b = base.budgets;
    let pick = |flag: Option<Duration>, conf: Option<Duration>, default: Duration| {
        flag.or(conf).unwrap_or(default)
    };
    Ok(ApplyOptions {
        allowed,
        budgets: Budgets {
            metadata: Timeouts {
                lock: pick(args.lock_timeout, service.lock_timeout, b.metadata.lock),
                statement: pick(
                    args.statement_timeout,
                    service.statement_timeout,
                    b.metadata.statement,
                ),
            },
            validation: Timeouts {
                lock: pick(
                    args.validation_lock_timeout,
                    service.validation_lock_timeout,
                    b.validation.lock,
                ),
                statement: pick(
                    args.validation_timeout,
                    service.validation_timeout,
                    b.validation.statement,
                ),
            },
            concurrent: Timeouts {
                lock: pick(
                    args.concurrent_lock_timeout,
                    service.concurrent_lock_timeout,
                    b.concurrent.lock,
                ),
                statement: pick(
                    args.concurrent_timeout,
                    service.concurrent_timeout,
                    b.concurrent.statement,
                ),
            },
        },
        lock_attempts: args
            .lock_attempts
            .or(service.lock_attempts)
            .unwrap_or(base.lock_attempts)
            .max(1),
        advisory_wait: pick(args.lock_wait, service.lock_wait, base.advisory_wait),
        ..base
    })
}

fn read_plan(path: &PathBuf) -> Result<Plan, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        what: format!("reading the plan {}", path.display()),
        reason: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Usage {
        message: format!("{} is not a schemadiff plan: {e}", path.display()),
        help: "make one with `schemadiff plan --out PLAN.json`".into(),
    })
}

pub async fn run(args: ApplyArgs, out: &mut Output) -> Result<Exit, Error> {
    let (target, desired) = match args.target.mode()? {
        Mode::Single(single) => *single,
        Mode::Fleet => return super::fleet::apply(&args, out).await,
    };
    let opts = options(&args, &TimeoutSettings::default(), &BTreeSet::new())?;
    let reviewed: Option<Plan> = args.plan.as_ref().map(read_plan).transpose()?;
    let plan_opts = super::plan::plan_options(args.manage_ownership);
    let mut reporter = Reporter::new(out.stderr_tty);

    if args.dry_run {
        let mut log = |p: Progress<'_>| reporter.event(p);
        let result =
            workflow::dry_run(&target, &desired, &plan_opts, &opts, reviewed, &mut log).await;
        reporter.finish();
        let dry = result?;
        out.product(&render::render(
            &dry.plan,
            &target.shown,
            render::Format::Human,
            out.style(),
        ));
        if !dry.plan.is_empty() {
            out.product(&render::dry_run(
                &dry.plan,
                &dry.report,
                dry.setup_steps,
                dry.setup_elapsed,
            ));
        }
        let refused = crate::apply::unapproved_hazards(&dry.plan, &opts.allowed);
        if !refused.is_empty() {
            out.note(
                "a real apply would refuse these hazards unless allowed with --allow-hazards:",
            );
            for (_, line) in refused {
                out.note(&format!("  {line}"));
            }
        }
        return Ok(Exit::Success);
    }

    // Show what will run and get consent before touching anything.
    let preview = match &reviewed {
        Some(p) => p.clone(),
        None => {
            workflow::plan_target(&target, &desired, &plan_opts)
                .await?
                .plan
        }
    };
    out.product(&render::render(
        &preview,
        &target.shown,
        render::Format::Human,
        out.style(),
    ));
    if preview.is_empty() {
        return Ok(Exit::Success);
    }
    crate::apply::check_hazards(&preview, &opts.allowed)?;
    let run_plan = if args.auto_approve {
        // Without a reviewed plan, plan again under the apply lock: another apply may have
        // finished in between.
        reviewed
    } else {
        if !std::io::stdin().is_terminal() {
            return Err(Error::Usage {
                message: "refusing to apply without confirmation: stdin is not a terminal".into(),
                help: "review the plan, then pass --auto-approve".into(),
            });
        }
        out.note(&format!(
            "Apply {} steps to {}? [y/N]",
            preview.steps.len(),
            target.shown
        ));
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            out.note("not applied");
            return Ok(Exit::Success);
        }
        Some(preview.clone())
    };
    let mut log = |p: Progress<'_>| reporter.event(p);
    let result =
        workflow::apply_target(&target, &desired, &plan_opts, &opts, run_plan, &mut log).await;
    reporter.finish();
    let applied = result?;
    if applied.plan.steps != preview.steps {
        out.note(&format!(
            "the database changed while waiting for the apply lock: applied the {} steps planned under the lock instead",
            applied.plan.steps.len()
        ));
    }
    out.note(&format!(
        "applied {} steps in {} ms; the database matches the desired schema",
        applied.report.applied,
        applied.report.elapsed.as_millis()
    ));
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use crate::config::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_read_like_postgres_settings() {
        assert_eq!(parse_duration("500"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("10min"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("3 fortnights").is_err());
        assert!(parse_duration("s").is_err());
    }
}
