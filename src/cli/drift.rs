//! `schemadiff drift`: what separates the running schema from the declared one.

use super::args::{ReportFormat, TargetArgs};
use super::{Exit, Output};
use crate::conn::ConnTarget;
use crate::plan::{Action, Plan, PlanOptions};
use crate::workflow::{self, Error};
use clap::Args;
use serde::Serialize;

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
}

/// One difference between declared and running state. `code` is stable:
/// `missing` (declared, absent), `unexpected` (present, not declared), `changed`.
#[derive(Debug, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub object: String,
    pub detail: String,
    /// The statement that would resolve it.
    pub fix: String,
}

#[derive(Debug, Serialize)]
pub struct DriftReport {
    pub target: String,
    pub drift: bool,
    pub findings: Vec<Finding>,
    /// Objects of kinds schemadiff does not manage yet, reported apart from drift.
    pub unmanaged: Vec<String>,
}

pub fn findings(plan: &Plan) -> Vec<Finding> {
    plan.steps
        .iter()
        .map(|s| Finding {
            code: match s.action {
                Action::Create => "missing",
                Action::Drop => "unexpected",
                Action::Alter | Action::Rename | Action::Comment => "changed",
            },
            object: s.object.to_string(),
            detail: s.reason.clone(),
            fix: s.sql.clone(),
        })
        .collect()
}

pub async fn run(args: DriftArgs, out: &mut Output) -> Result<Exit, Error> {
    let target = ConnTarget::parse(&args.target.url)?;
    let desired = args.target.dev.resolve(args.target.schema.clone())?;
    let planned = workflow::plan_target(&target, &desired, &PlanOptions::default()).await?;
    let report = DriftReport {
        target: target.shown.clone(),
        drift: !planned.plan.is_empty(),
        findings: findings(&planned.plan),
        unmanaged: planned
            .plan
            .unmanaged
            .iter()
            .map(|u| format!("{} {}", u.kind, u.identity))
            .collect(),
    };
    let text = match args.format {
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report).expect("serializable");
            s.push('\n');
            s
        }
        ReportFormat::Human => human(&report),
        ReportFormat::Markdown => markdown(&report),
    };
    out.product(&text);
    Ok(if report.drift {
        Exit::Changes
    } else {
        Exit::Success
    })
}

fn human(r: &DriftReport) -> String {
    let mut s = if r.drift {
        format!("{}: drift, {} finding(s)\n", r.target, r.findings.len())
    } else {
        format!("{}: no drift\n", r.target)
    };
    for f in &r.findings {
        s.push_str(&format!("  {:<10} {}: {}\n", f.code, f.object, f.detail));
    }
    if !r.unmanaged.is_empty() {
        s.push_str(&format!(
            "not managed (not drift): {}\n",
            r.unmanaged.join(", ")
        ));
    }
    s
}

fn markdown(r: &DriftReport) -> String {
    let mut s = format!("### schemadiff drift: `{}`\n\n", r.target);
    if !r.drift {
        s.push_str("No drift.\n");
    } else {
        s.push_str("| finding | object | detail |\n|---|---|---|\n");
        for f in &r.findings {
            s.push_str(&format!("| `{}` | {} | {} |\n", f.code, f.object, f.detail));
        }
    }
    s
}
