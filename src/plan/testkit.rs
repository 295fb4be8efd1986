//! Helpers for the planner's unit tests: plan two catalogs and render the result as a
//! readable script for snapshots.

use super::{build, Plan, PlanOptions};
use crate::catalog::Catalog;

pub(crate) fn plan(from: &Catalog, to: &Catalog) -> Plan {
    plan_with(from, to, &PlanOptions::default())
}

pub(crate) fn plan_with(from: &Catalog, to: &Catalog, opts: &PlanOptions) -> Plan {
    build(from, to, opts).unwrap_or_else(|e| panic!("planning failed: {e}"))
}

/// One block per step: `-- action object: reason`, hazards, then the SQL.
pub(crate) fn render(plan: &Plan) -> String {
    let mut out = String::new();
    for s in &plan.steps {
        out.push_str(&format!(
            "-- {} {}: {}",
            s.action.as_str(),
            s.object,
            s.reason
        ));
        if !s.transactional {
            out.push_str(" [outside a transaction]");
        } else if s.alone {
            out.push_str(" [alone]");
        }
        if s.budget != super::Budget::Metadata {
            out.push_str(&format!(" [budget {}]", s.budget.as_str()));
        }
        out.push('\n');
        for h in &s.hazards {
            out.push_str(&format!("--   hazard {}: {}\n", h.kind, h.reason));
        }
        out.push_str(&s.sql);
        out.push_str(";\n");
    }
    if out.is_empty() {
        out.push_str("-- no changes\n");
    }
    out
}
