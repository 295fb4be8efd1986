//! The planner's entry point: diff two catalogs, turn every difference into steps, order
//! them, and wrap them in a [`Plan`].

use super::deps;
use super::rebuild::Rebuilds;
use super::{Action, Budget, Hazard, HazardNote, Plan, Step, PLAN_FORMAT_VERSION};
use crate::catalog::{Catalog, Ident, ObjectId, QualName};
use crate::diff::{self, Diff};
use crate::order::{self, Deps, Node, OrderError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What the planner compares beyond the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanOptions {
    /// Compare extension versions too, and emit `ALTER EXTENSION e UPDATE TO 'v'`. Off by
    /// default: the dev database installs the server's default version, which says nothing
    /// about the version the live database should run.
    pub compare_extension_versions: bool,
    /// Apply the owners the desired files declare (`ALTER ... OWNER TO r`): an object whose
    /// desired owner is not the role that loaded the desired files gets
    /// `ALTER ... OWNER TO r`. Off by default: owners are left as they are.
    #[serde(default)]
    pub manage_ownership: bool,
    /// Create the roles that desired grants, policies and default privileges name but the
    /// target server lacks (`CREATE ROLE r NOLOGIN`). Off by default: roles are cluster-wide,
    /// so a missing role is an error.
    #[serde(default)]
    pub manage_roles: bool,
    /// Plain statements even on live tables: no `CONCURRENTLY`, no `NOT VALID` then
    /// `VALIDATE`, no temporary NOT NULL check, so each difference is one step. For reports
    /// of differences (`drift`), never for plans that run.
    #[serde(default)]
    pub plain_forms: bool,
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum PlanError {
    #[error("cannot plan the change to {object}: {reason}")]
    #[diagnostic(code(schemadiff::plan::unsupported), help("{help}"))]
    Unsupported {
        object: String,
        reason: String,
        help: String,
    },

    #[error("the desired schema names roles that do not exist on the target server: {}", roles.join(", "))]
    #[diagnostic(
        code(schemadiff::plan::missing_role),
        help("roles are cluster-wide, so plans do not create them unless asked: create them on the server first (`CREATE ROLE name NOLOGIN`), or enable role management (PlanOptions::manage_roles)")
    )]
    MissingRoles {
        /// Each missing role with the first statement that needs it.
        roles: Vec<String>,
    },

    #[error("the plan's steps depend on each other in a cycle: {}", steps.join(" → "))]
    #[diagnostic(
        code(schemadiff::plan::cycle),
        help("this is a planner bug or an unusual dependency between objects; please report it with the DOT graph in the error's data")
    )]
    Cycle {
        /// The SQL of the steps in one cycle.
        steps: Vec<String>,
        /// The whole step graph in Graphviz DOT.
        dot: String,
    },
}

impl From<OrderError> for PlanError {
    fn from(e: OrderError) -> Self {
        match e {
            OrderError::Cycle { steps, dot } => PlanError::Cycle { steps, dot },
        }
    }
}

/// Phases, in the order steps go when nothing else decides: expand first (create, then
/// alter), contract last (drop dependents before what they depend on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    DropEventTrigger,
    CreateRole,
    NarrowDefaultPrivileges,
    CreateSchema,
    CreateExtension,
    AlterExtension,
    CreateType,
    AlterType,
    CreateSequence,
    AlterSequence,
    DetachPartition,
    CreateTable,
    AlterTable,
    AlterPartition,
    Rename,
    CreateFunction,
    AddConstraint,
    CreateIndex,
    AddForeignKey,
    Validate,
    CreateView,
    AlterView,
    CreateTrigger,
    AlterTrigger,
    OwnedBy,
    Owner,
    Revoke,
    Grant,
    CreatePolicy,
    RowSecurity,
    WidenDefaultPrivileges,
    Comment,
    DropPolicy,
    DropTrigger,
    DropView,
    DropForeignKey,
    DropConstraint,
    DropIndex,
    DropColumn,
    AttachPartition,
    DropTable,
    DropFunction,
    DropSequence,
    DropType,
    DropExtension,
    DropSchema,
    CreateEventTrigger,
}

/// A step before ordering: the step itself, its phase and its dependencies.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub step: Step,
    pub phase: Phase,
    pub deps: Deps,
}

impl Draft {
    pub fn new(
        phase: Phase,
        object: ObjectId,
        action: Action,
        sql: impl Into<String>,
        reason: impl Into<String>,
    ) -> Draft {
        Draft {
            step: Step {
                sql: sql.into(),
                object,
                action,
                reason: reason.into(),
                transactional: true,
                alone: false,
                budget: Budget::Metadata,
                hazards: Vec::new(),
            },
            phase,
            deps: Deps::default(),
        }
    }
    pub fn hazard(mut self, kind: Hazard, reason: impl Into<String>) -> Self {
        self.step.hazards.push(HazardNote::new(kind, reason));
        self
    }
    /// Add the hazard only when `on` holds (hazards apply to existing objects only).
    pub fn hazard_if(self, on: bool, kind: Hazard, reason: impl Into<String>) -> Self {
        if on {
            self.hazard(kind, reason)
        } else {
            self
        }
    }
    pub fn hazards(mut self, notes: impl IntoIterator<Item = HazardNote>) -> Self {
        self.step.hazards.extend(notes);
        self
    }
    /// Outside any transaction block, and so alone.
    pub fn non_transactional(mut self) -> Self {
        self.step.transactional = false;
        self.step.alone = true;
        self
    }
    /// In a transaction of its own, committed before the next step.
    pub fn alone(mut self) -> Self {
        self.step.alone = true;
        self
    }
    pub fn budget(mut self, b: Budget) -> Self {
        self.step.budget = b;
        self
    }
    pub fn creates(mut self, ids: impl IntoIterator<Item = ObjectId>) -> Self {
        self.deps.creates.extend(ids);
        self
    }
    pub fn drops(mut self, ids: impl IntoIterator<Item = ObjectId>) -> Self {
        self.deps.drops.extend(ids);
        self
    }
    pub fn alters(mut self, ids: impl IntoIterator<Item = ObjectId>) -> Self {
        self.deps.alters.extend(ids);
        self
    }
    pub fn needs(mut self, ids: impl IntoIterator<Item = ObjectId>) -> Self {
        self.deps.needs.extend(ids);
        self
    }
    pub fn follows_drops(mut self, ids: impl IntoIterator<Item = ObjectId>) -> Self {
        self.deps.follows_drops.extend(ids);
        self
    }
    pub fn releases(mut self, ids: impl IntoIterator<Item = ObjectId>) -> Self {
        self.deps.releases.extend(ids);
        self
    }
    /// Names taken in a shared namespace (see [`super::deps::relation_name`]).
    pub fn claims(mut self, names: impl IntoIterator<Item = String>) -> Self {
        self.deps.claims.extend(names);
        self
    }
    pub fn frees(mut self, names: impl IntoIterator<Item = String>) -> Self {
        self.deps.frees.extend(names);
        self
    }
}

/// Steps in emission order.
#[derive(Debug, Default)]
pub(crate) struct Steps(pub Vec<Draft>);

impl Steps {
    pub fn push(&mut self, d: Draft) {
        self.0.push(d);
    }
}

/// Everything the per-kind planners share.
pub(crate) struct Ctx<'a> {
    pub from: &'a Catalog,
    pub to: &'a Catalog,
    pub opts: &'a PlanOptions,
    pub diff: Diff<'a>,
    pub from_lookup: deps::Lookup<'a>,
    pub to_lookup: deps::Lookup<'a>,
    /// Live columns dropped and added again (a column that becomes generated, or whose
    /// generation expression changes before PostgreSQL 17).
    pub replaced_columns: BTreeSet<ObjectId>,
    /// Live objects dropped and created again, with why (see [`deps::rebuild_set`]).
    pub rebuild: Rebuilds,
    /// Tables detached from or attached to a partitioned table.
    pub partitions: super::partition::Moves,
}

impl<'a> Ctx<'a> {
    /// What `id` needs in the desired catalog: its structure and `to.depends`.
    pub fn needs_in_to(&self, id: &ObjectId) -> BTreeSet<ObjectId> {
        let mut out = BTreeSet::new();
        self.add_needs_in_to(id, &mut out);
        out
    }
    /// [`Self::needs_in_to`] of `id`, added to `out`.
    pub fn add_needs_in_to(&self, id: &ObjectId, out: &mut BTreeSet<ObjectId>) {
        self.to_lookup.add_structural(id, out);
        for d in self.to.dependencies_of(id) {
            if !out.contains(d) {
                out.insert(d.clone());
            }
        }
    }
    /// What `id` rests on in the live catalog: its structure and `from.depends`.
    pub fn rests_on_in_from(&self, id: &ObjectId) -> BTreeSet<ObjectId> {
        let mut out = self.from_lookup.structural(id);
        out.extend(self.from.dependencies_of(id).cloned());
        out
    }
    /// What an in-place change of `id` stops depending on.
    pub fn released_by_alter(&self, id: &ObjectId) -> BTreeSet<ObjectId> {
        let after = self.needs_in_to(id);
        self.rests_on_in_from(id)
            .into_iter()
            .filter(|x| !after.contains(x))
            .collect()
    }
    /// True when the table exists in the live catalog (hazards apply to it).
    pub fn table_exists(&self, t: &QualName) -> bool {
        self.from.tables.contains_key(t)
    }
    /// True when the table is a hypertable with columnstore on either side: then no step
    /// may rely on `VALIDATE CONSTRAINT` (TimescaleDB refuses it), including when this plan
    /// is the one that turns columnstore on, whatever the order of the two steps.
    pub fn columnstore_either_side(&self, t: &QualName) -> bool {
        self.from.hypertable_has_columnstore(t) || self.to.hypertable_has_columnstore(t)
    }
    /// True when the table is dropped by the plan.
    pub fn table_dropped(&self, t: &QualName) -> bool {
        self.from.tables.contains_key(t) && !self.to.tables.contains_key(t)
    }
    /// True when the table or materialized view is dropped by the plan (removed, or
    /// dropped to be created again), which takes its indexes with it.
    pub fn relation_dropped(&self, t: &QualName) -> bool {
        self.table_dropped(t)
            || (self.from.materialized_views.contains_key(t)
                && (!self.to.materialized_views.contains_key(t)
                    || self
                        .rebuild
                        .contains(&ObjectId::MaterializedView { name: t.clone() })))
    }
    pub fn column_replaced(&self, t: &QualName, c: &Ident) -> bool {
        !self.replaced_columns.is_empty()
            && self.replaced_columns.contains(&ObjectId::Column {
                table: t.clone(),
                column: c.clone(),
            })
    }
}

/// Plan the steps that turn `from` (the live catalog) into `to` (the desired catalog).
///
/// The two fingerprints the plan carries are computed on other threads meanwhile (each
/// serializes a whole catalog: on a large schema that is as much work as the planning).
pub fn build(from: &Catalog, to: &Catalog, opts: &PlanOptions) -> Result<Plan, PlanError> {
    std::thread::scope(|scope| {
        let source = scope.spawn(|| from.fingerprint());
        let target = scope.spawn(|| to.fingerprint());
        let (steps, unmanaged, notes) = plan_steps(from, to, opts)?;
        Ok(Plan {
            format_version: PLAN_FORMAT_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            source_fingerprint: source
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            target_fingerprint: target
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            steps,
            unmanaged,
            notes,
        })
    })
}

/// The ordered steps, the unmanaged objects of both catalogs, and notes.
type Planned = (Vec<Step>, Vec<crate::catalog::Unmanaged>, Vec<String>);

/// The ordered steps from `live` to `to`, the unmanaged objects of both, and notes.
fn plan_steps(live: &Catalog, to: &Catalog, opts: &PlanOptions) -> Result<Planned, PlanError> {
    let renamed = super::rename::prepare(live, to)?;
    let live = &renamed.catalog;
    let renames = renamed.drafts.len();
    let partitions = super::partition::moves(live, to);
    let planned = super::partition::as_planned(live, &partitions);
    let from: &Catalog = &planned;
    let diff = diff::diff(from, to);
    let mut ctx = Ctx {
        from,
        to,
        opts,
        diff,
        from_lookup: deps::Lookup::new(from),
        to_lookup: deps::Lookup::new(to),
        replaced_columns: BTreeSet::new(),
        rebuild: Rebuilds::default(),
        partitions,
    };
    ctx.replaced_columns = super::column::replaced_columns(&ctx);
    ctx.rebuild = deps::rebuild_set(&ctx)?;
    ctx.replaced_columns
        .extend(super::routine_deps::replaced_generated_columns(&ctx));

    // The planners of each kind read only `ctx`: two threads run them, and their steps are
    // joined in the one order they always take.
    let ctx = &ctx;
    let (first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(move || {
            let mut steps = Steps::default();
            super::constraint::plan(ctx, &mut steps)?;
            super::index::plan(ctx, &mut steps)?;
            super::view::plan(ctx, &mut steps)?;
            super::routine::plan(ctx, &mut steps)?;
            super::trigger::plan(ctx, &mut steps)?;
            super::partition::plan(ctx, &mut steps)?;
            super::timescale::plan(ctx, &mut steps)?;
            Ok::<_, PlanError>(steps)
        });
        let mut steps = Steps::default();
        let first = super::schema::plan(ctx, &mut steps)
            .and_then(|()| super::types::plan(ctx, &mut steps))
            .and_then(|()| super::sequence::plan(ctx, &mut steps))
            .and_then(|()| super::table::plan(ctx, &mut steps))
            .map(|()| steps);
        (
            first,
            second
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p)),
        )
    });
    let mut steps = Steps(renamed.drafts);
    steps.0.extend(first?.0);
    steps.0.extend(second?.0);
    // Last: privileges and policies follow what the other planners create and drop.
    super::security::plan(ctx, &mut steps)?;
    super::rename::order_after_renames(renames, &mut steps.0);

    let mut ready: Vec<Step> = Vec::with_capacity(steps.0.len());
    let mut ranked: Vec<(u32, Deps)> = Vec::with_capacity(steps.0.len());
    for Draft { step, phase, deps } in steps.0 {
        ready.push(step);
        ranked.push((phase as u32, deps));
    }
    let nodes: Vec<Node> = ready
        .iter()
        .zip(ranked)
        .map(|(step, (rank, deps))| Node {
            object: &step.object,
            rank,
            label: &step.sql,
            deps,
        })
        .collect();
    let order = order::order(&nodes)?;
    drop(nodes);
    let mut ready: Vec<Option<Step>> = ready.into_iter().map(Some).collect();
    let steps = order
        .into_iter()
        .map(|i| ready[i].take().expect("each step is ordered once"))
        .collect();

    let unmanaged: BTreeSet<_> = from
        .unmanaged
        .iter()
        .chain(&to.unmanaged)
        .cloned()
        .collect();
    Ok((steps, unmanaged.into_iter().collect(), renamed.notes))
}

/// An [`PlanError::Unsupported`] for a change that has no safe automatic form yet.
pub(crate) fn unsupported(
    object: impl std::fmt::Display,
    reason: impl Into<String>,
    help: impl Into<String>,
) -> PlanError {
    PlanError::Unsupported {
        object: object.to_string(),
        reason: reason.into(),
        help: help.into(),
    }
}

/// `COMMENT ON <target> IS ...` when the comment differs (`from` is None for a new object);
/// the step needs the object, so it runs after the object is created or renamed.
pub(crate) fn comment_change(
    id: ObjectId,
    target: String,
    from: Option<&String>,
    to: Option<&String>,
) -> Option<Draft> {
    if from == to {
        return None;
    }
    let reason = match (from, to) {
        (None, _) => "comment added",
        (_, None) => "comment removed",
        _ => "comment changed",
    };
    let sql = super::sql::comment(&target, to.map(String::as_str));
    Some(Draft::new(Phase::Comment, id.clone(), Action::Comment, sql, reason).needs([id]))
}
