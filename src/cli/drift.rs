//! `schemadiff drift`: what separates the running schema from the declared one (the report
//! itself is built in [`crate::drift`]).

use super::args::{Mode, ReportFormat, TargetArgs};
use super::{Exit, Output};
use crate::drift::{self, DriftReport};
use crate::workflow::Error;
use clap::Args;

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
}

pub async fn run(args: DriftArgs, out: &mut Output) -> Result<Exit, Error> {
    let (target, desired) = match args.target.mode()? {
        Mode::Single(single) => *single,
        Mode::Fleet => return super::fleet::drift(&args, out).await,
    };
    let report = drift::drift_target(&target, &desired).await?;
    let text = match args.format {
        ReportFormat::Json => json(&report),
        ReportFormat::Human => drift::human(&report),
        ReportFormat::Markdown => drift::markdown(&report),
    };
    out.product(&text);
    Ok(if report.drift {
        Exit::Changes
    } else {
        Exit::Success
    })
}

fn json(report: &DriftReport) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("serializable");
    s.push('\n');
    s
}
