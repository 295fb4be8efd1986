//! Markdown fit for a pull-request comment: counts, hazards first, SQL folded.

use crate::plan::Plan;

pub fn markdown(plan: &Plan, title: &str) -> String {
    let mut out = format!("### schemadiff plan: `{title}`\n\n");
    if plan.steps.is_empty() {
        out.push_str("No changes.\n");
        return out;
    }
    let hazardous: Vec<(usize, &crate::plan::Step)> = plan
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.hazards.is_empty())
        .collect();
    out.push_str(&format!(
        "**{} step{}**, {} with hazards.\n\n",
        plan.steps.len(),
        if plan.steps.len() == 1 { "" } else { "s" },
        hazardous.len()
    ));
    if !hazardous.is_empty() {
        out.push_str("| step | object | hazard | why |\n|---:|---|---|---|\n");
        for (i, s) in &hazardous {
            for h in &s.hazards {
                out.push_str(&format!(
                    "| {} | {} | `{}` | {} |\n",
                    i + 1,
                    cell(&s.object.to_string()),
                    h.kind,
                    cell(&h.reason)
                ));
            }
        }
        out.push('\n');
    }
    out.push_str("<details><summary>SQL</summary>\n\n```sql\n");
    for (i, s) in plan.steps.iter().enumerate() {
        out.push_str(&format!("-- {}. {}\n{};\n", i + 1, s.reason, s.sql));
    }
    out.push_str("```\n\n</details>\n");
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
