//! Rendering plans for people and machines: `human` (terminal), `sql` (a runnable script),
//! `json` (stable, documented in docs/plan-format.md) and `markdown` (a PR comment).

mod apply;
mod human;
mod markdown;

pub use apply::dry_run;
pub use human::human;
pub use markdown::markdown;

use crate::plan::{Budget, Plan};

/// Output formats of `plan`, `diff` and `drift`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Sql,
    Json,
    Markdown,
}

/// Styling for human output.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

/// Render `plan` for `title` (a redacted target name) in `format`.
pub fn render(plan: &Plan, title: &str, format: Format, style: Style) -> String {
    match format {
        Format::Human => human(plan, title, style),
        Format::Sql => sql(plan, title),
        Format::Json => json(plan),
        Format::Markdown => markdown(plan, title),
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
