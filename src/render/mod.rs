//! Rendering plans for people and machines: `human` (terminal), `sql` (a runnable script),
//! `json` (stable, documented in docs/plan-format.md), `markdown` (a PR comment) and
//! `github` (GitHub Actions annotations).

mod apply;
mod definitions;
mod github;
mod human;
mod markdown;

pub use apply::dry_run;
pub use definitions::{definitions, owner, Definition, Definitions};
pub use github::{escape_data, escape_property, github};
pub use human::{human, human_review};
pub use markdown::{fit_comment, markdown, markdown_review, Trim, COMMENT_LIMIT};

use crate::catalog::ObjectId;
use crate::plan::{Budget, Hazard, Plan};
use crate::source::Location;
use std::collections::{BTreeMap, BTreeSet};

/// Output formats of `plan`, `diff` and `drift`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Sql,
    Json,
    Markdown,
    /// GitHub Actions workflow commands (`::error`, `::warning`, `::notice`).
    Github,
}

impl Format {
    /// Whether the format shows the before/after definitions of changed objects (only
    /// those formats pay for computing them).
    pub fn shows_definitions(self) -> bool {
        matches!(self, Format::Human | Format::Markdown)
    }

    /// Whether the format points at desired files and lines (only it reads the files'
    /// statements for that).
    pub fn needs_provenance(self) -> bool {
        matches!(self, Format::Github)
    }
}

/// What a review shows beside a plan's steps; every part is optional and a format uses
/// what it needs.
#[derive(Debug, Clone, Default)]
pub struct Review {
    /// Before/after definitions of the changed objects (human, markdown).
    pub definitions: Option<Definitions>,
    /// Where each step's object is declared in the desired files (github).
    pub locations: Option<BTreeMap<ObjectId, Location>>,
    /// The hazards `apply` is allowed to run; `None` when no policy is known (every hazard
    /// then needs approval).
    pub allowed: Option<BTreeSet<Hazard>>,
}

/// Styling for human output.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

/// Render `plan` for `title` (a redacted target name) in `format`.
pub fn render(plan: &Plan, title: &str, format: Format, style: Style) -> String {
    render_review(plan, title, format, style, &Review::default())
}

/// Render `plan` with what `review` adds: definitions' diffs (human, markdown, the latter
/// fitted to a GitHub comment), file and line of each hazard and the policy (github).
pub fn render_review(
    plan: &Plan,
    title: &str,
    format: Format,
    style: Style,
    review: &Review,
) -> String {
    match format {
        Format::Human => human_review(plan, title, style, review.definitions.as_ref()),
        Format::Sql => sql(plan, title),
        Format::Json => json(plan),
        Format::Markdown => fit_comment(|trim| markdown_review(plan, title, review, trim)),
        Format::Github => github(plan, title, None, review),
    }
}

/// A script `psql -f` can run: each step preceded by a comment with its reason and hazards.
/// Non-transactional steps are marked; the script has no BEGIN/COMMIT of its own.
pub fn sql(plan: &Plan, title: &str) -> String {
    let mut out = String::new();
    out.push_str(&format!("-- schemadiff plan for {title}\n"));
    if plan.steps.is_empty() {
        out.push_str("-- no changes\n");
        return out;
    }
    let n = plan.steps.len();
    out.push_str(&format!("-- {n} step{}\n", if n == 1 { "" } else { "s" }));
    for (i, step) in plan.steps.iter().enumerate() {
        out.push('\n');
        out.push_str(&format!(
            "-- step {}: {} {}: {}\n",
            i + 1,
            step.action.as_str(),
            step.object,
            step.reason
        ));
        if !step.transactional {
            out.push_str("-- (runs outside a transaction block)\n");
        } else if step.alone {
            out.push_str("-- (runs in a transaction of its own)\n");
        }
        if step.budget != Budget::Metadata {
            out.push_str(&format!("-- (timeout budget: {})\n", step.budget.as_str()));
        }
        for h in &step.hazards {
            out.push_str(&format!("-- hazard {}: {}\n", h.kind, h.reason));
        }
        out.push_str(&step.sql);
        out.push_str(";\n");
    }
    out
}

/// The plan as pretty JSON with a trailing newline.
pub fn json(plan: &Plan) -> String {
    let mut s = serde_json::to_string_pretty(plan).expect("plans serialize");
    s.push('\n');
    s
}
