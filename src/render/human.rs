//! The terminal form: steps grouped under the object they touch (a column's or a
//! constraint's under its table), the object's before/after diff under its first heading,
//! SQL indented, hazards in their own coloured lines, and a summary with the hazard kinds
//! to allow.

use super::definitions::{owner, Definitions};
use super::Style;
use crate::catalog::ObjectId;
use crate::plan::{Action, Plan};
use owo_colors::OwoColorize;
use std::collections::BTreeSet;

/// The plan for a terminal.
pub fn human(plan: &Plan, title: &str, style: Style) -> String {
    human_review(plan, title, style, None)
}

/// The plan for a terminal, with the diff of each changed object's definition when
/// `definitions` are given (a created object's steps are its definition, so only altered
/// and dropped objects show one).
pub fn human_review(
    plan: &Plan,
    title: &str,
    style: Style,
    definitions: Option<&Definitions>,
) -> String {
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
    let mut diffed: BTreeSet<ObjectId> = BTreeSet::new();
    for (i, step) in plan.steps.iter().enumerate() {
        let group = owner(&step.object);
        if last_object.as_ref() != Some(&group) {
            out.push('\n');
            out.push_str(&format!(
                "  {}\n",
                paint(&group.to_string(), |s| s.bold().to_string())
            ));
            if let Some(def) = definitions.and_then(|d| d.objects.get(&group)) {
                if def.before.is_some() && diffed.insert(group.clone()) {
                    diff_lines(&def.diff(), style, &mut out);
                }
            }
            last_object = Some(group.clone());
        }
        let part = part_label(&step.object, &group);
        let (sign, color): (&str, fn(&str) -> String) = match step.action {
            Action::Create | Action::Insert => ("+", |s| s.green().to_string()),
            Action::Drop | Action::Delete => ("-", |s| s.red().to_string()),
            Action::Alter | Action::Rename | Action::Update => ("~", |s| s.yellow().to_string()),
            Action::Comment => ("#", |s| s.cyan().to_string()),
        };
        out.push_str(&format!(
            "    {} {:>3}. {part}{}{}\n",
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

/// `column c: ` for a step on a part of the object its heading names, else nothing.
pub(super) fn part_label(id: &ObjectId, group: &ObjectId) -> String {
    if id == group {
        return String::new();
    }
    match id {
        ObjectId::Column { column, .. } => format!("column {column}: "),
        ObjectId::Constraint { name, .. } => format!("constraint {name}: "),
        other => format!("{other}: "),
    }
}

/// A unified diff, indented, `+` lines green and `-` lines red when colour is on.
fn diff_lines(diff: &str, style: Style, out: &mut String) {
    for line in diff.lines() {
        let painted = if !style.color {
            line.to_string()
        } else if line.starts_with("+++") || line.starts_with("---") {
            line.bold().to_string()
        } else if line.starts_with('+') {
            line.green().to_string()
        } else if line.starts_with('-') {
            line.red().to_string()
        } else if line.starts_with("@@") {
            line.cyan().to_string()
        } else {
            line.to_string()
        };
        out.push_str(&format!("      {painted}\n"));
    }
}

fn unmanaged_note(plan: &Plan, out: &mut String) {
    for note in &plan.notes {
        out.push_str(&format!("note: {note}\n"));
    }
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
