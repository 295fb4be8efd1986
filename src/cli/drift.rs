//! `schemadiff drift`: what separates the running schema from the declared one.

use super::args::{Mode, ReportFormat, TargetArgs};
use super::{Exit, Output};
use crate::plan::{Action, Plan, PlanOptions};
use crate::workflow::{self, Error};
use clap::Args;
use serde::Serialize;

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
}

/// One difference between declared and running state. `code` is stable:
/// `missing` (declared, absent), `unexpected` (present, not declared), `changed`.
#[derive(Debug, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub object: String,
    pub detail: String,
    /// The statement that would resolve it.
    pub fix: String,
}

#[derive(Debug, Serialize)]
pub struct DriftReport {
    pub target: String,
    pub drift: bool,
    pub findings: Vec<Finding>,
    /// Objects of kinds schemadiff does not manage yet, reported apart from drift.
    pub unmanaged: Vec<String>,
}

/// One finding per object: the steps on one object (a drop and a create, an add and its
/// validation) are one difference, with every statement that resolves it.
pub fn findings(plan: &Plan) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for s in &plan.steps {
        let code = match s.action {
            Action::Create => "missing",
            Action::Drop => "unexpected",
            Action::Alter | Action::Rename | Action::Comment => "changed",
        };
        let object = s.object.to_string();
        match out.iter_mut().find(|f| f.object == object) {
            Some(f) => {
                if f.code != code {
                    f.code = "changed";
                }
                f.fix.push_str(";\n");
                f.fix.push_str(&s.sql);
            }
            None => out.push(Finding {
                code,
                object,
                detail: s.reason.clone(),
                fix: s.sql.clone(),
            }),
        }
    }
    out
}

/// One step per difference: the online forms would report a temporary check or a
/// renamed-aside index as findings of their own.
pub(super) fn plan_options() -> PlanOptions {
    PlanOptions {
        plain_forms: true,
        ..PlanOptions::default()
    }
}

/// The drift report of `target` from its plan (made with [`plan_options`]).
pub(super) fn report(target: &str, plan: &Plan) -> DriftReport {
    DriftReport {
        target: target.to_string(),
        drift: !plan.is_empty(),
        findings: findings(plan),
        unmanaged: plan
            .unmanaged
            .iter()
            .map(|u| format!("{} {}", u.kind, u.identity))
            .collect(),
    }
}

pub async fn run(args: DriftArgs, out: &mut Output) -> Result<Exit, Error> {
    let (target, desired) = match args.target.mode()? {
        Mode::Single(single) => *single,
        Mode::Fleet => return super::fleet::drift(&args, out).await,
    };
    let planned = workflow::plan_target(&target, &desired, &plan_options()).await?;
    let report = report(&target.shown, &planned.plan);
    let text = match args.format {
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report).expect("serializable");
            s.push('\n');
            s
        }
        ReportFormat::Human => human(&report),
        ReportFormat::Markdown => markdown(&report),
    };
    out.product(&text);
    Ok(if report.drift {
        Exit::Changes
    } else {
        Exit::Success
    })
}

pub(super) fn human(r: &DriftReport) -> String {
    let mut s = if r.drift {
        format!("{}: drift, {} finding(s)\n", r.target, r.findings.len())
    } else {
        format!("{}: no drift\n", r.target)
    };
    for f in &r.findings {
        s.push_str(&format!("  {:<10} {}: {}\n", f.code, f.object, f.detail));
    }
    if !r.unmanaged.is_empty() {
        s.push_str(&format!(
            "not managed (not drift): {}\n",
            r.unmanaged.join(", ")
        ));
    }
    s
}

pub(super) fn markdown(r: &DriftReport) -> String {
    let mut s = format!("### schemadiff drift: `{}`\n\n", r.target);
    if !r.drift {
        s.push_str("No drift.\n");
    } else {
        s.push_str("| finding | object | detail |\n|---|---|---|\n");
        for f in &r.findings {
            s.push_str(&format!("| `{}` | {} | {} |\n", f.code, f.object, f.detail));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::builder::CatalogBuilder;

    #[test]
    fn one_finding_per_object_and_plain_forms() {
        let from = CatalogBuilder::new()
            .schema("public")
            .table("public.t", |t| t.column("a", "integer").column("b", "text"))
            .index(
                "public.t_b_idx",
                "public.t",
                "CREATE INDEX ON public.t USING btree (b)",
            )
            .build();
        let to = CatalogBuilder::new()
            .schema("public")
            .table("public.t", |t| {
                t.column("a", "integer")
                    .not_null()
                    .column("b", "text")
                    .check("t_a_check", &["a"], "CHECK ((a > 0))")
            })
            .index(
                "public.t_b_idx",
                "public.t",
                "CREATE INDEX ON public.t USING btree (lower(b))",
            )
            .build();
        let opts = PlanOptions {
            plain_forms: true,
            ..PlanOptions::default()
        };
        let plan = crate::plan::build(&from, &to, &opts).expect("plan");
        assert!(
            plan.steps.iter().all(|s| s.transactional
                && !s.sql.contains("CONCURRENTLY")
                && !s.sql.contains("NOT VALID")
                && !s.sql.contains("schemadiff_")),
            "plain forms only: {:#?}",
            plan.steps.iter().map(|s| &s.sql).collect::<Vec<_>>()
        );
        let f = findings(&plan);
        let objects: Vec<(&str, &str)> = f.iter().map(|f| (f.code, f.object.as_str())).collect();
        assert_eq!(
            objects,
            [
                ("changed", "column public.t.a"),
                ("missing", "constraint t_a_check on public.t"),
                ("changed", "index public.t_b_idx"),
            ],
            "{f:#?}"
        );
        assert!(f[2].fix.contains("DROP INDEX") && f[2].fix.contains("CREATE INDEX"));
    }
}
