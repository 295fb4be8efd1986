//! Drift: what separates a running database from its declared schema, as findings for a
//! nightly report. Each plan step (planned with the plain forms, one step per difference)
//! belongs to exactly one finding; a finding has a kind (`missing`, `unexpected`,
//! `changed`), a stable [`Code`], a [`Category`] (security findings are listed first), the
//! object, a detail and the statements that fix it. What lies outside the managed scope
//! (unmanaged kinds, other schemas, ignored objects) is reported apart and is never drift.

mod classify;
pub mod code;
mod render;
#[cfg(test)]
mod tests;

pub use code::{Category, Code, Kind};
pub use render::{human, markdown};

use crate::catalog::{Catalog, ObjectId, Unmanaged};
use crate::conn::ConnTarget;
use crate::introspect::ignore::{Ignore, Ignored};
use crate::introspect::outside::{outside_scope, OutsideSchema};
use crate::introspect::{self, Scope};
use crate::plan::{self, Action, Plan, PlanOptions};
use crate::workflow::{self, Desired, Error};
use serde::Serialize;
use std::collections::BTreeSet;

/// Version of the drift report's JSON shape (`drift --format json`, and each service's
/// `drift` in a fleet report), documented in `docs/drift.md`. 1 was the shape without this
/// field, whose `code` was today's `kind`.
pub const DRIFT_FORMAT_VERSION: u32 = 2;

/// One difference between the declared and the running schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    pub code: Code,
    pub category: Category,
    /// The object, as plans name it (`column public.t.a`, `policy p on public.t`).
    pub object: String,
    pub detail: String,
    /// The statements that resolve it, in plan order, each ending with `;`.
    pub fix: String,
    /// Indexes of the plan steps the finding holds.
    #[serde(skip)]
    pub steps: Vec<usize>,
}

/// How many findings of each sort a report has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub findings: usize,
    pub security: usize,
    pub missing: usize,
    pub unexpected: usize,
    pub changed: usize,
}

/// One ignore pattern and the objects it matched in the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IgnoredPattern {
    pub pattern: String,
    pub objects: Vec<String>,
}

/// What the scope leaves out of the comparison: never drift.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutOfScope {
    /// Schemas other than the managed ones, with their objects counted by kind (only when
    /// the managed schemas are named).
    pub schemas: Vec<OutsideSchema>,
    /// Every ignore pattern, with the objects it matched (a pattern that matches nothing is
    /// listed with none).
    pub ignored: Vec<IgnoredPattern>,
}

/// The drift report of one database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftReport {
    pub format_version: u32,
    pub target: String,
    /// True when there is at least one finding (exit status 2).
    pub drift: bool,
    pub summary: Summary,
    /// Security findings first, then missing, unexpected and changed ones; in plan order
    /// within each group.
    pub findings: Vec<Finding>,
    /// Objects in the managed schemas of kinds schemadiff does not model, left untouched.
    pub unmanaged: Vec<Unmanaged>,
    pub out_of_scope: OutOfScope,
}

/// One step per difference (the online forms would report a temporary check or a
/// renamed-aside index as findings of their own), and owners compared where the desired
/// files declare them (`ALTER ... OWNER TO`): a changed owner is a security finding even
/// though `apply` leaves owners alone by default.
pub fn plan_options() -> PlanOptions {
    PlanOptions {
        plain_forms: true,
        manage_ownership: true,
        ..PlanOptions::default()
    }
}

/// The findings of `plan` (made with [`plan_options`] from `live` to `want`): steps grouped
/// by the object and code they are reported under, security findings first, then by kind.
pub fn findings(plan: &Plan, live: &Catalog, want: &Catalog) -> Vec<Finding> {
    let mut out: Vec<(ObjectId, Finding)> = Vec::new();
    let mut details: Vec<Vec<String>> = Vec::new();
    let renamed: BTreeSet<ObjectId> = plan
        .steps
        .iter()
        .filter(|s| s.action == Action::Rename)
        .map(|s| s.object.clone())
        .collect();
    for (i, step) in plan.steps.iter().enumerate() {
        let class = classify::classify(step, live, want, &renamed);
        let sql = format!("{};", step.sql);
        let at = out
            .iter()
            .position(|(o, f)| *o == class.object && f.code == class.code);
        match at {
            Some(n) => {
                let f = &mut out[n].1;
                f.fix.push('\n');
                f.fix.push_str(&sql);
                f.steps.push(i);
                if !details[n].contains(&step.reason) {
                    details[n].push(step.reason.clone());
                }
            }
            None => {
                let object = class.object.to_string();
                details.push(vec![step.reason.clone()]);
                out.push((
                    class.object,
                    Finding {
                        kind: class.code.kind(),
                        code: class.code,
                        category: class.code.category(),
                        object,
                        detail: class.detail.unwrap_or_default(),
                        fix: sql,
                        steps: vec![i],
                    },
                ));
            }
        }
    }
    let mut findings: Vec<Finding> = out
        .into_iter()
        .zip(details)
        .map(|((_, mut f), reasons)| {
            if f.detail.is_empty() {
                f.detail = reasons.join("; ");
            }
            f
        })
        .collect();
    findings.sort_by_key(|f| (f.category != Category::Security, f.kind, f.category));
    findings
}

/// The report of `target` from its plan and the catalogs it was made from.
pub fn report(
    target: &str,
    plan: &Plan,
    live: &Catalog,
    want: &Catalog,
    ignored: &Ignored,
    outside: Vec<OutsideSchema>,
) -> DriftReport {
    let findings = findings(plan, live, want);
    let count = |k: Kind| findings.iter().filter(|f| f.kind == k).count();
    let summary = Summary {
        findings: findings.len(),
        security: findings
            .iter()
            .filter(|f| f.category == Category::Security)
            .count(),
        missing: count(Kind::Missing),
        unexpected: count(Kind::Unexpected),
        changed: count(Kind::Changed),
    };
    DriftReport {
        format_version: DRIFT_FORMAT_VERSION,
        target: target.to_string(),
        drift: !findings.is_empty(),
        summary,
        findings,
        unmanaged: plan.unmanaged.clone(),
        out_of_scope: OutOfScope {
            schemas: outside,
            ignored: ignored
                .by_pattern
                .iter()
                .map(|(p, objects)| IgnoredPattern {
                    pattern: p.0.clone(),
                    objects: objects.iter().cloned().collect(),
                })
                .collect(),
        },
    }
}

/// Read `target` (with the ignore patterns applied after reading, to count what they
/// match, and the schemas outside the scope) and the desired files concurrently, plan with
/// [`plan_options`], and report.
pub async fn drift_target(target: &ConnTarget, desired: &Desired) -> Result<DriftReport, Error> {
    let live = async {
        let client = target.connect().await?;
        let scope = Scope {
            schemas: desired.scope.schemas.clone(),
            ignore: Ignore::default(),
        };
        let mut catalog = introspect::introspect(&client, &scope).await?;
        let ignored = desired.scope.ignore.filter(&mut catalog);
        let managed: Option<Vec<String>> =
            scope.schemas.as_ref().map(|s| s.iter().cloned().collect());
        let outside = outside_scope(&client, managed.as_deref()).await?;
        Ok::<_, Error>((catalog, ignored, outside))
    };
    let ((live, ignored, outside), want) =
        tokio::try_join!(live, workflow::desired_catalog(desired, Some(target)))?;
    let plan = plan::build(&live, &want, &plan_options())?;
    let data = workflow::data_changes(target, desired, &live, &want).await?;
    let mut report = report(&target.shown, &plan, &live, &want, &ignored, outside);
    add_data_findings(&mut report, &data);
    Ok(report)
}

/// Append a `reference_row.*` finding per data change and count them in the summary.
pub fn add_data_findings(report: &mut DriftReport, data: &[crate::seeds::DataChange]) {
    use crate::seeds::DataChangeKind;
    for d in data {
        let (code, detail) = match d.kind {
            DataChangeKind::Insert => (Code::ReferenceRowMissing, format!("declared at {}", d.at)),
            DataChangeKind::Delete => (
                Code::ReferenceRowUnexpected,
                format!("not in {} (delete: true)", d.at),
            ),
            DataChangeKind::Update => (
                Code::ReferenceRowChanged,
                format!(
                    "{} {} from {}",
                    d.columns.join(", "),
                    if d.columns.len() == 1 {
                        "differs"
                    } else {
                        "differ"
                    },
                    d.at
                ),
            ),
        };
        report.findings.push(Finding {
            kind: code.kind(),
            code,
            category: code.category(),
            object: format!("reference row {} {}", d.table, d.key),
            detail,
            fix: format!("{};", d.sql),
            steps: Vec::new(),
        });
        match code.kind() {
            Kind::Missing => report.summary.missing += 1,
            Kind::Unexpected => report.summary.unexpected += 1,
            Kind::Changed => report.summary.changed += 1,
        }
        report.summary.findings += 1;
        report.drift = true;
    }
}
