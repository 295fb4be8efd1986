//! `schemadiff plan`

use super::args::{Mode, PlanFormat, TargetArgs};
use super::{Exit, Output};
use crate::plan::PlanOptions;
use crate::render;
use crate::workflow::{self, Error};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: PlanFormat,

    /// Also save the plan as JSON, for `apply --plan` after review.
    #[arg(long, value_name = "PLAN.json")]
    pub out: Option<PathBuf>,

    /// Exit 2 when the plan has changes (0 when there are none).
    #[arg(long)]
    pub detailed_exitcode: bool,
}

pub async fn run(args: PlanArgs, out: &mut Output) -> Result<Exit, Error> {
    let (target, desired) = match args.target.mode()? {
        Mode::Single(single) => *single,
        Mode::Fleet => return super::fleet::plan(&args, out).await,
    };
    let planned = workflow::plan_target(&target, &desired, &PlanOptions::default()).await?;
    let plan = planned.plan;
    out.product(&render::render(
        &plan,
        &target.shown,
        args.format.into(),
        out.style(),
    ));
    if let Some(path) = &args.out {
        std::fs::write(path, render::json(&plan)).map_err(|e| Error::Io {
            what: format!("writing the plan to {}", path.display()),
            reason: e.to_string(),
        })?;
        out.note(&format!("plan saved to {}", path.display()));
    }
    Ok(if args.detailed_exitcode && !plan.is_empty() {
        Exit::Changes
    } else {
        Exit::Success
    })
}
