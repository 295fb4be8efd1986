//! The convergence check every fixture and conformance case goes through:
//!
//! 1. a database built from `before`, and a reference database built from `after`;
//! 2. plan and apply `after` onto the first (apply itself re-reads the database and fails
//!    unless the next plan is empty);
//! 3. `pg_dump --schema-only` of both, normalized (column order aside), must be equal:
//!    an oracle that is not our own introspection;
//! 4. the same from `after` back to `before`.

use super::oracle::dump_schema;
use super::Harness;
use schemadiff::apply::ApplyOptions;
use schemadiff::conn::ConnTarget;
use schemadiff::introspect::Scope;
use schemadiff::plan::{Hazard, Plan, PlanOptions};
use schemadiff::source::CacheOptions;
use schemadiff::workflow::{self, Desired, DevChoice};
use std::path::Path;

/// Why a case did not converge, or could not be tried.
#[derive(Debug)]
pub enum CaseError {
    /// The SQL of one side does not load on this server: the case does not apply here.
    NotLoadable(String),
    /// The tool failed the case.
    Failed(String),
}

/// The plans of both directions, for snapshots.
pub struct Converged {
    pub forward: Plan,
    pub reverse: Option<Plan>,
}

/// Load `sql` into a fresh database.
pub async fn build_db(h: &Harness, label: &str, sql: &str) -> Result<ConnTarget, String> {
    let target = h.fresh_db(label).await;
    let client = target.connect().await.map_err(|e| e.to_string())?;
    if let Err(e) = client.batch_execute(sql).await {
        h.drop_db(&target).await;
        return Err(schemadiff::conn::describe_error(&e));
    }
    Ok(target)
}

fn desired_from(path: &Path) -> Desired {
    Desired {
        paths: vec![path.to_path_buf()],
        dev: DevChoice::TargetServer,
        scope: Scope::default(),
        cache: CacheOptions {
            enabled: false,
            dir: None,
        },
        seeds: None,
    }
}

/// Apply the desired file onto `db` and compare it with `reference` through pg_dump.
async fn one_direction(
    h: &Harness,
    db: &ConnTarget,
    desired_file: &Path,
    reference: &ConnTarget,
    what: &str,
) -> Result<Plan, CaseError> {
    let opts = ApplyOptions {
        allowed: Hazard::ALL.into_iter().collect(),
        ..ApplyOptions::default()
    };
    let desired = desired_from(desired_file);
    let applied = workflow::apply_target(
        db,
        &desired,
        &PlanOptions::default(),
        &opts,
        None,
        &mut |_| {},
    )
    .await
    .map_err(|e| CaseError::Failed(format!("{what}: {}", render_error(e))))?;
    let got = dump_schema(h, &db.dbname())
        .map_err(|e| CaseError::Failed(format!("{what}: pg_dump: {e}")))?;
    let want = dump_schema(h, &reference.dbname())
        .map_err(|e| CaseError::Failed(format!("{what}: pg_dump: {e}")))?;
    if got != want {
        return Err(CaseError::Failed(format!(
            "{what}: converged by our catalog but pg_dump differs (- reference, + migrated):\n{}",
            unified(&want, &got)
        )));
    }
    Ok(applied.plan)
}

/// Run one case in both directions (or only forward). The reference database for the
/// forward direction is built from `after`, or from `after_reference` when `after` is in an
/// order only schemadiff can load (psql executes statements as they come).
pub async fn converge(
    h: &Harness,
    label: &str,
    before: &str,
    after: &str,
    after_reference: Option<&str>,
    reverse: bool,
) -> Result<Converged, CaseError> {
    let dir = tempfile::tempdir().map_err(|e| CaseError::Failed(e.to_string()))?;
    let before_file = dir.path().join("before.sql");
    let after_file = dir.path().join("after.sql");
    std::fs::write(&before_file, before).map_err(|e| CaseError::Failed(e.to_string()))?;
    std::fs::write(&after_file, after).map_err(|e| CaseError::Failed(e.to_string()))?;

    let db = build_db(h, label, before)
        .await
        .map_err(|e| CaseError::NotLoadable(format!("before: {e}")))?;
    let reference_after =
        match build_db(h, &format!("{label}_ref"), after_reference.unwrap_or(after)).await {
            Ok(t) => t,
            Err(e) => {
                h.drop_db(&db).await;
                return Err(CaseError::NotLoadable(format!("after: {e}")));
            }
        };
    let result = async {
        let forward = one_direction(h, &db, &after_file, &reference_after, "forward").await?;
        let reverse_plan = if reverse {
            let reference_before = build_db(h, &format!("{label}_refb"), before)
                .await
                .map_err(CaseError::NotLoadable)?;
            let r = one_direction(h, &db, &before_file, &reference_before, "reverse").await;
            h.drop_db(&reference_before).await;
            Some(r?)
        } else {
            None
        };
        Ok(Converged {
            forward,
            reverse: reverse_plan,
        })
    }
    .await;
    h.drop_db(&db).await;
    h.drop_db(&reference_after).await;
    result
}

fn render_error(e: workflow::Error) -> String {
    let mut out = String::new();
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(120);
    if handler.render_report(&mut out, &e).is_err() {
        out = e.to_string();
    }
    out
}

/// A compact unified diff of two texts.
pub fn unified(a: &str, b: &str) -> String {
    similar::TextDiff::from_lines(a, b)
        .unified_diff()
        .context_radius(2)
        .to_string()
}
