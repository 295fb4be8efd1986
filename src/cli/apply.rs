//! `schemadiff apply`

use super::args::TargetArgs;
use super::{Exit, Output};
use crate::apply::{ApplyOptions, LockTimeout, Progress, StatementTimeout};
use crate::conn::ConnTarget;
use crate::plan::{Hazard, Plan, PlanOptions};
use crate::render;
use crate::workflow::{self, Error};
use clap::Args;
use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::time::Duration;

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

    /// Show the plan and stop: nothing is executed.
    #[arg(long)]
    pub dry_run: bool,

    /// lock_timeout for each step, in milliseconds.
    #[arg(long, default_value_t = 3000, value_name = "MS")]
    pub lock_timeout: u64,

    /// statement_timeout for each step, in milliseconds.
    #[arg(long, default_value_t = 600_000, value_name = "MS")]
    pub statement_timeout: u64,

    /// Attempts per step when its lock timeout is hit.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub lock_attempts: u32,
}

fn parse_allowed(list: &[String]) -> Result<BTreeSet<Hazard>, Error> {
    let mut set = BTreeSet::new();
    for item in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if item.eq_ignore_ascii_case("all") {
            set.extend(Hazard::ALL);
        } else {
            set.insert(item.parse::<Hazard>().map_err(|e| Error::Usage {
                message: e,
                help: "pass hazard ids as listed by `schemadiff plan`, or `all`".into(),
            })?);
        }
    }
    Ok(set)
}

pub async fn run(args: ApplyArgs, out: &mut Output) -> Result<Exit, Error> {
    let target = ConnTarget::parse(&args.target.url)?;
    let desired = args.target.dev.resolve(args.target.schema.clone())?;
    let opts = ApplyOptions {
        allowed: parse_allowed(&args.allow_hazards)?,
        lock_timeout: LockTimeout(Duration::from_millis(args.lock_timeout)),
        statement_timeout: StatementTimeout(Duration::from_millis(args.statement_timeout)),
        lock_attempts: args.lock_attempts.max(1),
        ..ApplyOptions::default()
    };
    let reviewed: Option<Plan> = match &args.plan {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
                what: format!("reading the plan {}", path.display()),
                reason: e.to_string(),
            })?;
            Some(serde_json::from_str(&text).map_err(|e| Error::Usage {
                message: format!("{} is not a schemadiff plan: {e}", path.display()),
                help: "make one with `schemadiff plan --out PLAN.json`".into(),
            })?)
        }
    };
    let plan_opts = PlanOptions::default();

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
    if args.dry_run {
        out.note("dry run: nothing was executed");
        return Ok(Exit::Success);
    }
    if !args.auto_approve {
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
    }
    let reviewed = Some(reviewed.unwrap_or(preview));
    let mut log = |p: Progress<'_>| match p {
        Progress::Started { total } => eprintln!("applying {total} steps"),
        Progress::StepDone {
            index,
            total,
            step,
            elapsed,
        } => eprintln!(
            "[{index}/{total}] {} {} ({} ms)",
            step.action.as_str(),
            step.object,
            elapsed.as_millis()
        ),
        Progress::Retrying {
            index,
            attempt,
            wait,
            reason,
        } => eprintln!(
            "step {index}: {reason}; retry {attempt} in {} ms",
            wait.as_millis()
        ),
    };
    let applied =
        workflow::apply_target(&target, &desired, &plan_opts, &opts, reviewed, &mut log).await?;
    out.note(&format!(
        "applied {} steps in {} ms; the database matches the desired schema",
        applied.report.applied,
        applied.report.elapsed.as_millis()
    ));
    Ok(Exit::Success)
}
