//! The terminal form: steps grouped under the object they touch, SQL indented, hazards in
//! their own coloured lines, and a summary with the hazard kinds to allow.

use super::Style;
use crate::plan::{Action, Plan};
use owo_colors::OwoColorize;

pub fn human(plan: &Plan, title: &str, style: Style) -> String {
    let paint = |s: &str, f: fn(&str) -> String| if style.color { f(s) } else { s.to_string() };
    let mut out = String::new();
    if plan.steps.is_empty() {
        out.push_str(&format!("{title}: no changes\n"));
        unmanaged_note(plan, &mut out);
        return out;
    }
    let hazardous = plan.steps.iter().filter(|s| !s.hazards.is_empty()).count();
    out.push_str(&format!(
        "{}: {} step{}, {} with hazards\n",
        paint(title, |s| s.bold().to_string()),
        plan.steps.len(),
        if plan.steps.len() == 1 { "" } else { "s" },
        hazardous
    ));
    let mut last_object = None;
    for (i, step) in plan.steps.iter().enumerate() {
        if last_object != Some(&step.object) {
            out.push('\n');
            out.push_str(&format!(
                "  {}\n",
                paint(&step.object.to_string(), |s| s.bold().to_string())
            ));
            last_object = Some(&step.object);
        }
        let (sign, color): (&str, fn(&str) -> String) = match step.action {
            Action::Create | Action::Insert => ("+", |s| s.green().to_string()),
            Action::Drop | Action::Delete => ("-", |s| s.red().to_string()),
            Action::Alter | Action::Rename | Action::Update => ("~", |s| s.yellow().to_string()),
            Action::Comment => ("#", |s| s.cyan().to_string()),
        };
        out.push_str(&format!(
            "    {} {:>3}. {}{}\n",
            paint(sign, color),
            i + 1,
            step.reason,
            if step.transactional {
                ""
            } else {
                " (outside a transaction)"
            }
        ));
        for line in step.sql.lines() {
            out.push_str(&format!(
                "           {}\n",
                paint(line, |s| s.dimmed().to_string())
            ));
        }
        for h in &step.hazards {
            let text = format!("! {}: {}", h.kind, h.reason);
            out.push_str(&format!(
                "           {}\n",
                paint(&text, |s| s.red().bold().to_string())
            ));
        }
    }
    let kinds = plan.hazard_kinds();
    if !kinds.is_empty() {
        let list: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        out.push_str(&format!(
            "\nhazards: {} (apply needs --allow-hazards {})\n",
            list.join(", "),
            list.join(",")
        ));
    }
    unmanaged_note(plan, &mut out);
    out
}

fn unmanaged_note(plan: &Plan, out: &mut String) {
    if plan.unmanaged.is_empty() {
        return;
    }
    out.push_str(&format!(
        "\nnot managed by schemadiff yet (left untouched): {} object{}\n",
        plan.unmanaged.len(),
        if plan.unmanaged.len() == 1 { "" } else { "s" }
    ));
    for u in &plan.unmanaged {
        out.push_str(&format!("  {} {}\n", u.kind, u.identity));
    }
}
