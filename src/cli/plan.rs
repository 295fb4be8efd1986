//! `schemadiff plan`

use super::args::{Mode, PlanFormat, TargetArgs};
use super::{Exit, Output};
use crate::catalog::ObjectId;
use crate::plan::{Hazard, PlanOptions};
use crate::render::{self, Format, Review};
use crate::source::{self, Provenance};
use crate::workflow::{self, Desired, Error, Planned};
use clap::Args;
use std::collections::{BTreeMap, BTreeSet};
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

    /// Hazard kinds the deploy's apply allows (comma-separated, or `all`), added to each
    /// service's `allow_hazards`: the github format makes the others errors, these warnings.
    #[arg(long, value_delimiter = ',', value_name = "KIND,...|all")]
    pub allow_hazards: Vec<String>,

    /// Plan `ALTER ... OWNER TO` for the owners the desired files declare (also the
    /// service's `manage_ownership` in schemadiff.yaml). Default: owners are left alone.
    #[arg(long)]
    pub manage_ownership: bool,
}

impl PlanArgs {
    /// The hazards of `--allow-hazards`.
    pub(super) fn allowed(&self) -> Result<BTreeSet<Hazard>, Error> {
        crate::config::parse_hazards(&self.allow_hazards).map_err(|e| Error::Usage {
            message: e,
            help: "name hazard kinds as `schemadiff plan` lists them, or `all`".into(),
        })
    }
}

/// The planner options of `plan` and `apply`: the defaults, with the declared owners
/// managed when asked.
pub(super) fn plan_options(manage_ownership: bool) -> PlanOptions {
    PlanOptions {
        manage_ownership,
        ..PlanOptions::default()
    }
}

/// What `format` shows beside the plan: the definitions of the changed objects (human,
/// markdown), the file and line of each step's object (github), and the hazard policy.
/// A definition that cannot be written is left out with a note (the plan itself stands).
pub(super) fn review(
    planned: &Planned,
    desired: &Desired,
    format: Format,
    allowed: BTreeSet<Hazard>,
) -> Result<(Review, Vec<String>), Error> {
    let mut notes = Vec::new();
    let mut review = Review {
        allowed: Some(allowed),
        ..Review::default()
    };
    if planned.plan.is_empty() {
        return Ok((review, notes));
    }
    if format.shows_definitions() {
        match render::definitions(&planned.plan, &planned.live, &planned.desired) {
            Ok(d) => review.definitions = Some(d),
            Err(e) => notes.push(format!("before/after definitions left out: {e}")),
        }
    }
    if format.needs_provenance() {
        let files = source::read_paths(&desired.paths)?;
        let ids: BTreeSet<&ObjectId> = planned.plan.steps.iter().map(|s| &s.object).collect();
        let wanted: BTreeSet<String> = ids
            .iter()
            .filter_map(|id| match id {
                ObjectId::Table { name } => Some(name.name.as_str()),
                ObjectId::Column { table, .. } | ObjectId::Constraint { table, .. } => {
                    Some(table.name.as_str())
                }
                ObjectId::Trigger { name, .. } | ObjectId::Policy { name, .. } => {
                    Some(name.as_str())
                }
                _ => None,
            })
            .map(str::to_string)
            .collect();
        let provenance = Provenance::of_files_for(&files, &wanted);
        let locations: BTreeMap<ObjectId, source::Location> = ids
            .into_iter()
            .filter_map(|id| Some((id.clone(), provenance.locate(id, &planned.desired)?)))
            .collect();
        review.locations = Some(locations);
    }
    Ok((review, notes))
}

pub async fn run(args: PlanArgs, out: &mut Output) -> Result<Exit, Error> {
    let (target, desired) = match args.target.mode()? {
        Mode::Single(single) => *single,
        Mode::Fleet => return super::fleet::plan(&args, out).await,
    };
    let allowed = args.allowed()?;
    let planned =
        workflow::plan_target(&target, &desired, &plan_options(args.manage_ownership)).await?;
    let format: Format = args.format.into();
    let (review, notes) = review(&planned, &desired, format, allowed)?;
    for n in notes {
        out.note(&n);
    }
    let plan = planned.plan;
    out.product(&render::render_review(
        &plan,
        &target.shown,
        format,
        out.style(),
        &review,
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
