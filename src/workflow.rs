//! The jobs the commands do, as library calls: read the live side, read the desired side,
//! plan, apply and verify. The CLI and the tests both go through here.

use crate::apply::{self, ApplyOptions, ApplyReport, Progress};
use crate::catalog::Catalog;
use crate::conn::{ConnError, ConnTarget};
use crate::introspect::{self, IntrospectError, Scope};
use crate::plan::{self, Plan, PlanError, PlanOptions};
use crate::source::{self, CacheOptions, DevDb, SourceError};
use std::path::PathBuf;

/// Any error of a workflow; each variant forwards its module's diagnostic.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Conn(#[from] ConnError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Introspect(#[from] IntrospectError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Apply(#[from] apply::ApplyError),

    #[error("after apply the database still differs from the desired schema:\n{}", remaining.join("\n"))]
    #[diagnostic(
        code(schemadiff::apply::not_converged),
        help("this is a schemadiff bug or a concurrent change; the steps listed would still be needed")
    )]
    NotConverged { remaining: Vec<String> },

    #[error("{what}: {reason}")]
    #[diagnostic(code(schemadiff::io))]
    Io { what: String, reason: String },

    #[error("{message}")]
    #[diagnostic(code(schemadiff::usage), help("{help}"))]
    Usage { message: String, help: String },

    #[error(
        "the live schema changed since the plan was made (fingerprint {expected}, now {actual})"
    )]
    #[diagnostic(
        code(schemadiff::apply::stale_plan),
        help("make a new plan with `schemadiff plan --out`, review it, and apply that")
    )]
    StalePlan { expected: String, actual: String },
}

/// Where the desired state comes from.
#[derive(Debug, Clone)]
pub enum DevChoice {
    /// A temporary database on the target's own server (the default).
    TargetServer,
    Url(Box<ConnTarget>),
    Embedded,
}

/// A source of a catalog: a live database, or desired files.
#[derive(Debug, Clone)]
pub enum Source {
    Database(Box<ConnTarget>),
    Files(Vec<PathBuf>),
}

/// Everything needed to read the desired side.
#[derive(Debug, Clone)]
pub struct Desired {
    pub paths: Vec<PathBuf>,
    pub dev: DevChoice,
    pub scope: Scope,
    pub cache: CacheOptions,
}

/// Read the live catalog of `target`.
pub async fn live_catalog(target: &ConnTarget, scope: &Scope) -> Result<Catalog, Error> {
    let client = target.connect().await?;
    Ok(introspect::introspect(&client, scope).await?)
}

/// Load the desired files into a dev database and read them back, or take the catalog from
/// the cache (the files are then read but never split). `server` is the target whose
/// server hosts the temporary dev database by default; without one, the default dev
/// database is an embedded cluster.
pub async fn desired_catalog(
    desired: &Desired,
    server: Option<&ConnTarget>,
) -> Result<Catalog, Error> {
    let files = source::read_files(&desired.paths)?;
    let dev = match (&desired.dev, server) {
        (DevChoice::TargetServer, Some(t)) => DevDb::TargetServer(t.clone()),
        (DevChoice::TargetServer, None) | (DevChoice::Embedded, _) => DevDb::Embedded,
        (DevChoice::Url(u), _) => DevDb::Url((**u).clone()),
    };
    let catalog =
        source::desired_catalog_of_files(files, &dev, &desired.scope, &desired.cache).await?;
    Ok(catalog)
}

/// Read a catalog from either kind of source.
pub async fn catalog_of(
    src: &Source,
    desired: &Desired,
    server: Option<&ConnTarget>,
) -> Result<Catalog, Error> {
    match src {
        Source::Database(t) => live_catalog(t, &desired.scope).await,
        Source::Files(paths) => {
            let d = Desired {
                paths: paths.clone(),
                ..desired.clone()
            };
            desired_catalog(&d, server).await
        }
    }
}

/// A plan together with the two catalogs it was made from.
#[derive(Debug, Clone)]
pub struct Planned {
    pub plan: Plan,
    pub live: Catalog,
    pub desired: Catalog,
}

/// Plan the changes that bring `target` to the desired files. The live side and the
/// desired side are read concurrently.
pub async fn plan_target(
    target: &ConnTarget,
    desired: &Desired,
    opts: &PlanOptions,
) -> Result<Planned, Error> {
    let (live, want) = tokio::try_join!(
        live_catalog(target, &desired.scope),
        desired_catalog(desired, Some(target))
    )?;
    let plan = plan::build(&live, &want, opts)?;
    Ok(Planned {
        plan,
        live,
        desired: want,
    })
}

/// The result of an apply: what ran, and the plan it ran.
#[derive(Debug)]
pub struct Applied {
    pub plan: Plan,
    pub report: ApplyReport,
}

/// Plan (or take a reviewed plan), apply, then read the database again and fail loudly,
/// naming what is left, if it does not match the desired files.
pub async fn apply_target(
    target: &ConnTarget,
    desired: &Desired,
    plan_opts: &PlanOptions,
    opts: &ApplyOptions,
    reviewed: Option<Plan>,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<Applied, Error> {
    let planned = plan_target(target, desired, plan_opts).await?;
    let plan = match reviewed {
        Some(saved) => {
            let actual = planned.live.fingerprint();
            if saved.source_fingerprint != actual {
                return Err(Error::StalePlan {
                    expected: saved.source_fingerprint,
                    actual,
                });
            }
            saved
        }
        None => planned.plan,
    };
    apply::check_hazards(&plan, &opts.allowed)?;
    let report = if plan.is_empty() {
        ApplyReport::default()
    } else {
        let client = target.connect().await?;
        apply::apply(&client, &plan, opts, progress).await?
    };
    verify(target, &planned.desired, desired, plan_opts).await?;
    Ok(Applied { plan, report })
}

/// Read `target` again and check that nothing separates it from `want`.
pub async fn verify(
    target: &ConnTarget,
    want: &Catalog,
    desired: &Desired,
    plan_opts: &PlanOptions,
) -> Result<(), Error> {
    let after = live_catalog(target, &desired.scope).await?;
    let rest = plan::build(&after, want, plan_opts)?;
    if rest.is_empty() {
        Ok(())
    } else {
        Err(Error::NotConverged {
            remaining: rest
                .steps
                .iter()
                .map(|s| format!("  {} ({})", s.sql, s.reason))
                .collect(),
        })
    }
}
