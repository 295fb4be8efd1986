//! The jobs the commands do, as library calls: read the live side, read the desired side,
//! plan, apply and verify. The CLI and the tests both go through here.

use crate::apply::{self, ApplyOptions, ApplyReport, Progress};
use crate::catalog::Catalog;
use crate::conn::{ConnError, ConnTarget};
use crate::introspect::{self, IntrospectError, Scope};
use crate::plan::{self, Hazard, Plan, PlanError, PlanOptions};
use crate::source::{self, CacheOptions, DevDatabase, DevDb, SourceError};
use std::path::PathBuf;

/// Any error of a workflow; each variant forwards its module's diagnostic.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Conn(#[from] ConnError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(Box<crate::config::ConfigError>),
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
    #[error(transparent)]
    #[diagnostic(transparent)]
    Seeds(#[from] crate::seeds::SeedError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Lint(#[from] crate::lint::LintError),

    #[error("after apply the database still differs from the desired schema:\n{}", remaining.join("\n"))]
    #[diagnostic(
        code(schemadiff::apply::not_converged),
        help("this is a schemadiff bug or a concurrent change; the steps listed would still be needed")
    )]
    NotConverged { remaining: Vec<String> },

    #[error("the scratch database of the dry run could not be made to hold the live schema:\n{}", remaining.join("\n"))]
    #[diagnostic(
        code(schemadiff::apply::dry_run_setup),
        help("these steps would still be needed to copy the live schema; the target was not touched. Report this as a schemadiff bug")
    )]
    ScratchSetup { remaining: Vec<String> },

    #[error("the plan failed on the scratch database of the dry run; the target was not touched")]
    #[diagnostic(
        code(schemadiff::apply::dry_run_failed),
        help("a real apply would stop at this step too; fix the desired schema (or make a new plan) and run the dry run again")
    )]
    DryRun(#[source] apply::ApplyError),

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

    #[error(
        "the reference rows changed since the plan was made: the plan has {planned} data \
         step(s), the seed files now need {now}{example}"
    )]
    #[diagnostic(
        code(schemadiff::apply::stale_data),
        help("make a new plan with `schemadiff plan --out`, review it, and apply that")
    )]
    StaleData {
        planned: usize,
        now: usize,
        /// `; first difference: ...`, or empty.
        example: String,
    },

    #[error("extension {extension}, created at {at}, {why} on {server}")]
    #[diagnostic(
        code(schemadiff::fleet::extension_unavailable),
        help("install the extension on that server (or run this service where it is), or pass --skip-unavailable-extensions to report the service as skipped")
    )]
    ExtensionUnavailable {
        extension: String,
        at: String,
        server: String,
        why: String,
        #[source_code]
        src: crate::source::SqlSource,
        #[label("needs {extension}")]
        span: miette::SourceSpan,
    },
}

impl From<crate::config::ConfigError> for Error {
    fn from(e: crate::config::ConfigError) -> Error {
        Error::Config(Box::new(e))
    }
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
    /// A folder of reference data seed files (`crate::seeds`), planned after the schema.
    pub seeds: Option<PathBuf>,
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
    let mut plan = plan::build(&live, &want, opts)?;
    let data = data_changes(target, desired, &live, &want).await?;
    plan.steps.extend(data.iter().map(|d| d.step()));
    Ok(Planned {
        plan,
        live,
        desired: want,
    })
}

/// The reference data changes (`desired.seeds`) that bring `target` to the seed files,
/// compared against `live` and checked against the `desired` catalog; none without seeds.
pub async fn data_changes(
    target: &ConnTarget,
    desired: &Desired,
    live: &Catalog,
    want: &Catalog,
) -> Result<Vec<crate::seeds::DataChange>, Error> {
    let Some(dir) = &desired.seeds else {
        return Ok(Vec::new());
    };
    let seeds = crate::seeds::load_dir(dir)?;
    if seeds.is_empty() {
        return Ok(Vec::new());
    }
    let client = target.connect().await?;
    Ok(crate::seeds::plan_data(&client, &seeds, live, want).await?)
}

/// The result of an apply: what ran, and the plan it ran.
#[derive(Debug)]
pub struct Applied {
    pub plan: Plan,
    pub report: ApplyReport,
}

/// Take the reviewed plan if there is one, else the fresh one. A reviewed plan is refused
/// when the live schema no longer has the fingerprint it was made against, or when its
/// reference data steps are not the ones the rows now need (the fingerprint covers the
/// schema, not rows: a row written since would make an insert fail or an update undo it).
fn chosen_plan(planned: &Planned, reviewed: Option<Plan>) -> Result<Plan, Error> {
    let Some(saved) = reviewed else {
        return Ok(planned.plan.clone());
    };
    let actual = planned.live.fingerprint();
    if saved.source_fingerprint != actual {
        return Err(Error::StalePlan {
            expected: saved.source_fingerprint,
            actual,
        });
    }
    let data = |p: &Plan| -> Vec<String> {
        p.steps
            .iter()
            .filter(|s| s.action.is_data())
            .map(|s| s.sql.clone())
            .collect()
    };
    let (was, now) = (data(&saved), data(&planned.plan));
    if was != now {
        let example = match was.iter().find(|s| !now.contains(s)) {
            Some(s) => format!("; no longer needed: {s}"),
            None => match now.iter().find(|s| !was.contains(s)) {
                Some(s) => format!("; now needed: {s}"),
                None => "; the same steps in another order".to_string(),
            },
        };
        return Err(Error::StaleData {
            planned: was.len(),
            now: now.len(),
            example,
        });
    }
    Ok(saved)
}

/// Take the database's apply lock, plan under it (or check that the reviewed plan still
/// fits the live schema), apply, release the lock, then read the database again and fail
/// loudly, naming what is left, if it does not match the desired files. Planning under the
/// lock means a second apply that waited for the first one plans from its result.
pub async fn apply_target(
    target: &ConnTarget,
    desired: &Desired,
    plan_opts: &PlanOptions,
    opts: &ApplyOptions,
    reviewed: Option<Plan>,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<Applied, Error> {
    let client = target.connect().await?;
    let mut session = apply::Session::open(&client, opts).await?;
    let work = async {
        let planned = plan_target(target, desired, plan_opts).await?;
        let plan = chosen_plan(&planned, reviewed)?;
        apply::check_hazards(&plan, &opts.allowed)?;
        let report = if plan.is_empty() {
            ApplyReport::default()
        } else {
            session.run(&plan, opts, progress).await?
        };
        Ok::<_, Error>((plan, report, planned.desired))
    };
    let result = work.await;
    session.close().await;
    let (plan, report, want) = result?;
    verify(target, &want, desired, plan_opts).await?;
    Ok(Applied { plan, report })
}

/// The result of a dry run: the plan proved, how it ran on the scratch database, and how
/// many steps rebuilt the live schema there first.
#[derive(Debug)]
pub struct DryRun {
    pub plan: Plan,
    pub report: ApplyReport,
    /// Steps that built the live schema in the scratch database.
    pub setup_steps: usize,
    /// Time to create the scratch database and build the live schema in it.
    pub setup_elapsed: std::time::Duration,
}

/// Prove a plan without touching `target`: create a scratch database on the dev server
/// (by default a temporary database on the target's own server), build the live schema
/// there (the plan from the empty scratch database to the live catalog; no rows), run the
/// plan there with the same options, check that the scratch database then matches the
/// desired schema, and drop it whatever happens. Hazards are reported by the caller, not
/// refused: the scratch database is disposable. Reference data steps are not run there (the
/// scratch database has none of the live rows they update, delete or look up).
pub async fn dry_run(
    target: &ConnTarget,
    desired: &Desired,
    plan_opts: &PlanOptions,
    opts: &ApplyOptions,
    reviewed: Option<Plan>,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<DryRun, Error> {
    let planned = plan_target(target, desired, plan_opts).await?;
    let plan = chosen_plan(&planned, reviewed)?;
    if plan.is_empty() {
        return Ok(DryRun {
            plan,
            report: ApplyReport::default(),
            setup_steps: 0,
            setup_elapsed: std::time::Duration::ZERO,
        });
    }
    let dev = match &desired.dev {
        DevChoice::TargetServer => DevDb::TargetServer(target.clone()),
        DevChoice::Url(u) => DevDb::Url((**u).clone()),
        DevChoice::Embedded => DevDb::Embedded,
    };
    let setup_started = std::time::Instant::now();
    let scratch = DevDatabase::create(&dev).await?;
    let all = ApplyOptions {
        allowed: Hazard::ALL.into_iter().collect(),
        ..opts.clone()
    };
    let work = async {
        let client = scratch.target().connect().await?;
        let blank = introspect::introspect(&client, &desired.scope).await?;
        let setup = plan::build(&blank, &planned.live, plan_opts)?;
        apply::apply(&client, &setup, &all, &mut |_| {})
            .await
            .map_err(|e| Error::ScratchSetup {
                remaining: vec![format!("  {e}")],
            })?;
        let built = introspect::introspect(&client, &desired.scope).await?;
        let rest = plan::build(&built, &planned.live, plan_opts)?;
        if !rest.is_empty() {
            return Err(Error::ScratchSetup {
                remaining: listed(&rest),
            });
        }
        let setup_elapsed = setup_started.elapsed();
        let schema_steps = Plan {
            steps: plan
                .steps
                .iter()
                .filter(|s| !s.action.is_data())
                .cloned()
                .collect(),
            ..plan.clone()
        };
        let report = apply::apply(&client, &schema_steps, &all, progress)
            .await
            .map_err(Error::DryRun)?;
        let after = introspect::introspect(&client, &desired.scope).await?;
        let rest = plan::build(&after, &planned.desired, plan_opts)?;
        if !rest.is_empty() {
            return Err(Error::NotConverged {
                remaining: listed(&rest),
            });
        }
        Ok(DryRun {
            plan: plan.clone(),
            report,
            setup_steps: setup.steps.len(),
            setup_elapsed,
        })
    };
    let result = tokio::select! {
        r = work => r,
        _ = tokio::signal::ctrl_c() => Err(Error::Source(SourceError::Interrupted)),
    };
    let dropped = scratch.drop().await;
    let dry = result?;
    dropped?;
    Ok(dry)
}

fn listed(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .map(|s| format!("  {} ({})", s.sql, s.reason))
        .collect()
}

/// Read `target` again and check that nothing separates it from `want`.
pub async fn verify(
    target: &ConnTarget,
    want: &Catalog,
    desired: &Desired,
    plan_opts: &PlanOptions,
) -> Result<(), Error> {
    let after = live_catalog(target, &desired.scope).await?;
    let mut rest = plan::build(&after, want, plan_opts)?;
    let data = data_changes(target, desired, &after, want).await?;
    rest.steps.extend(data.iter().map(|d| d.step()));
    if rest.is_empty() {
        Ok(())
    } else {
        Err(Error::NotConverged {
            remaining: listed(&rest),
        })
    }
}
