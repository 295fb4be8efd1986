//! What a dry run proved, for people.

use crate::apply::ApplyReport;
use crate::plan::Plan;
use std::time::Duration;

/// The steps of `plan` as they ran on the scratch database, with their timings.
pub fn dry_run(plan: &Plan, report: &ApplyReport, setup_steps: usize, setup: Duration) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "\nDry run on a scratch database holding the live schema without its rows \
         (built in {} ms from {setup_steps} steps):\n",
        setup.as_millis()
    ));
    let total = plan.steps.len();
    let width = report
        .steps
        .iter()
        .filter_map(|r| plan.steps.get(r.index - 1))
        .map(|s| s.action.as_str().len() + 1 + s.object.to_string().len())
        .max()
        .unwrap_or(0);
    for r in &report.steps {
        let Some(step) = plan.steps.get(r.index - 1) else {
            continue;
        };
        let what = format!("{} {}", step.action.as_str(), step.object);
        let tries = if r.attempts > 1 {
            format!(" ({} attempts)", r.attempts)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "  [{}/{total}] {what:<width$}  {:>6} ms{tries}\n",
            r.index,
            r.elapsed.as_millis()
        ));
    }
    out.push_str(&format!(
        "Proved: {} of {total} steps ran in {} ms and the scratch database then matched the \
         desired schema. The target was not changed.\n",
        report.applied,
        report.elapsed.as_millis()
    ));
    out
}
