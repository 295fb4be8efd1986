//! GitHub Actions workflow commands: one annotation per hazardous step (GitHub shows at most
//! 10 errors and 10 warnings per job step, so hazards of one step share one), pointed at the
//! desired file and line that declares the object the step changes (a dropped object,
//! declared nowhere, gets an annotation without a file), and a notice with the plan's counts.
//!
//! ```text
//! ::error file=schema/app.sql,line=12,title=data_loss%2C backward_incompatible%3A column public.orders.note::step 3 …
//! ::warning file=schema/app.sql,line=20,title=index_build%2C non_transactional%3A index public.orders_idx::…
//! ::notice title=schemadiff plan%3A app::4 steps, 2 with hazards (data_loss, index_build)
//! ```
//!
//! A step is an `error` when the policy (the service's `allow_hazards` and
//! `--allow-hazards`) does not allow one of its hazards, so `apply` would refuse the plan,
//! and a `warning` when it allows them all.

use super::Review;
use crate::plan::{Hazard, Plan};

/// Escape the message of a workflow command (`%`, `\r`, `\n`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value of a workflow command (the message's escapes and `:`, `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The annotations of one plan. `service` names the service in each title (fleet runs);
/// `title` is the notice's subject.
pub fn github(plan: &Plan, title: &str, service: Option<&str>, review: &Review) -> String {
    let mut out = String::new();
    let allowed = review.allowed.clone().unwrap_or_default();
    let mut refused = 0usize;
    for (i, step) in plan.steps.iter().enumerate() {
        if step.hazards.is_empty() {
            continue;
        }
        let mut kinds: Vec<Hazard> = step.hazards.iter().map(|h| h.kind).collect();
        kinds.dedup();
        let needs: Vec<&str> = kinds
            .iter()
            .filter(|k| !allowed.contains(k))
            .map(|k| k.as_str())
            .collect();
        refused += needs.len();
        let level = if needs.is_empty() { "warning" } else { "error" };
        let mut props = Vec::new();
        if let Some(at) = review.locations.as_ref().and_then(|l| l.get(&step.object)) {
            props.push(format!(
                "file={}",
                escape_property(&at.path.to_string_lossy())
            ));
            props.push(format!("line={}", at.line));
        }
        let list: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        let subject = match service {
            Some(s) => format!("{s}: {}: {}", list.join(", "), step.object),
            None => format!("{}: {}", list.join(", "), step.object),
        };
        props.push(format!("title={}", escape_property(&subject)));
        let mut message = format!(
            "step {} ({} {}): {}",
            i + 1,
            step.action.as_str(),
            step.object,
            step.reason
        );
        for h in &step.hazards {
            message.push_str(&format!("\n- {}: {}", h.kind, h.reason));
        }
        if !needs.is_empty() {
            message.push_str(&format!(
                "\napply refuses it unless allowed (allow_hazards or --allow-hazards): {}",
                needs.join(", ")
            ));
        }
        message.push_str(&format!("\n\n{};", step.sql));
        out.push_str(&format!(
            "::{level} {}::{}\n",
            props.join(","),
            escape_data(&message)
        ));
    }
    let summary = if plan.steps.is_empty() {
        "no changes".to_string()
    } else {
        let hazardous = plan.steps.iter().filter(|s| !s.hazards.is_empty()).count();
        let kinds: Vec<&str> = plan.hazard_kinds().iter().map(|k| k.as_str()).collect();
        let mut s = format!(
            "{} step{}, {hazardous} with hazards",
            plan.steps.len(),
            if plan.steps.len() == 1 { "" } else { "s" }
        );
        if !kinds.is_empty() {
            s.push_str(&format!(" ({})", kinds.join(", ")));
        }
        if refused > 0 {
            s.push_str(&format!(
                "; {refused} hazard{} not allowed by the policy",
                if refused == 1 { "" } else { "s" }
            ));
        }
        s
    };
    out.push_str(&format!(
        "::notice title={}::{}\n",
        escape_property(&format!("schemadiff plan: {title}")),
        escape_data(&summary)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_runner() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_property("a: b, c%"), "a%3A b%2C c%25");
    }
}
