//! `schemadiff diff --from SOURCE --to SOURCE`

use super::args::{DevArgs, PlanFormat};
use super::{Exit, Output};
use crate::conn::ConnTarget;
use crate::plan::{self, PlanOptions};
use crate::render;
use crate::workflow::{self, Desired, Error, Source};
use clap::Args;
use std::collections::BTreeSet;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The current side: a connection string, or a .sql file or directory.
    #[arg(long)]
    pub from: String,

    /// The desired side: a connection string, or a .sql file or directory.
    #[arg(long)]
    pub to: String,

    #[command(flatten)]
    pub dev: DevArgs,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: PlanFormat,

    /// Exit 2 when the sources differ.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

/// A connection string has a scheme or `key=value` pairs; anything else is a path.
fn source_of(text: &str) -> Result<Source, Error> {
    let looks_like_conn =
        text.contains("://") || (text.contains('=') && !PathBuf::from(text).exists());
    if looks_like_conn {
        Ok(Source::Database(Box::new(ConnTarget::parse(text)?)))
    } else {
        Ok(Source::Files(vec![PathBuf::from(text)]))
    }
}

pub async fn run(args: DiffArgs, out: &mut Output) -> Result<Exit, Error> {
    let from = source_of(&args.from)?;
    let to = source_of(&args.to)?;
    let desired = args.dev.resolve(Vec::new())?;
    // The first database named hosts the default dev database.
    let server = [&from, &to].into_iter().find_map(|s| match s {
        Source::Database(t) => Some((**t).clone()),
        Source::Files(_) => None,
    });
    let (a, b) = tokio::try_join!(
        workflow::catalog_of(&from, &desired, server.as_ref()),
        workflow::catalog_of(&to, &desired, server.as_ref())
    )?;
    let plan = plan::build(&a, &b, &PlanOptions::default())?;
    let title = format!(
        "{} -> {}",
        crate::conn::redact(&args.from),
        crate::conn::redact(&args.to)
    );
    // Review as `plan` does: definitions of the changed objects, and (when the desired side
    // is files) the file and line of each step's object for the github format.
    let to_files = match &to {
        Source::Files(paths) => paths.clone(),
        Source::Database(_) => Vec::new(),
    };
    let planned = workflow::Planned {
        plan,
        live: a,
        desired: b,
    };
    let format: render::Format = args.format.into();
    let reviewed = Desired {
        paths: to_files,
        ..desired
    };
    let (review, notes) = super::plan::review(&planned, &reviewed, format, BTreeSet::new())?;
    for n in notes {
        out.note(&n);
    }
    let plan = planned.plan;
    out.product(&render::render_review(
        &plan,
        &title,
        format,
        out.style(),
        &review,
    ));
    Ok(if args.detailed_exitcode && !plan.is_empty() {
        Exit::Changes
    } else {
        Exit::Success
    })
}
