//! Before/after definitions of the objects a plan changes, for review: each object written
//! as the create steps of a plan from an empty catalog (the planner is the one SQL writer),
//! on the live side and on the desired side, and a unified diff between the two.
//!
//! Only the objects the plan touches are written: a small catalog holding just them (and
//! the schemas and extensions, so no step creates those) is planned from an empty one. An object the plan creates is written by the plan
//! itself: its definition is its own steps. A table's definition folds in its columns,
//! constraints, comments, grants, row-level security and hypertable settings; indexes,
//! triggers, row-level security policies and TimescaleDB policies (their `add_*_policy`
//! call) are objects of their own.

use crate::catalog::timescale::PolicyKind;
use crate::catalog::{Catalog, ObjectId, QualName};
use crate::plan::{self, policy_of, Action, PlanError, PlanOptions};
use std::collections::{BTreeMap, BTreeSet};

/// The definition of one changed object: `before` from the live catalog (`None` when the
/// plan creates it), `after` from the desired catalog (`None` when the plan drops it), each
/// as `;`-terminated SQL statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub object: ObjectId,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Definition {
    /// Unified diff from `before` to `after` (3 lines of context, `---`/`+++` headers
    /// `before`/`after`); empty when both are the same text.
    pub fn diff(&self) -> String {
        let before = self.before.as_deref().unwrap_or("");
        let after = self.after.as_deref().unwrap_or("");
        if before == after {
            return String::new();
        }
        similar::TextDiff::from_lines(before, after)
            .unified_diff()
            .context_radius(3)
            .header("before", "after")
            .to_string()
    }
}

/// The definitions of a plan's changed objects, by the object they are grouped under
/// ([`owner`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Definitions {
    pub objects: BTreeMap<ObjectId, Definition>,
}

impl Definitions {
    /// The definition a step on `id` belongs to (a column's is its table's).
    pub fn of(&self, id: &ObjectId) -> Option<&Definition> {
        self.objects.get(&owner(id))
    }
}

/// The object a definition is grouped under: a column or a constraint belongs to its table;
/// every other object is its own.
pub fn owner(id: &ObjectId) -> ObjectId {
    match id {
        ObjectId::Column { table, .. } | ObjectId::Constraint { table, .. } => ObjectId::Table {
            name: table.clone(),
        },
        other => other.clone(),
    }
}

/// Whether the definition of `id` can be written: objects the catalog models, and
/// TimescaleDB policies (the `add_*_policy` call of one relation's policy).
fn definable(id: &ObjectId) -> bool {
    !matches!(id, ObjectId::Other { .. }) || policy_of(id).is_some()
}

/// The TimescaleDB policies of hypertable or continuous aggregate `rel` in `cat`.
fn policies<'a>(
    cat: &'a Catalog,
    rel: &QualName,
) -> Option<&'a BTreeMap<PolicyKind, crate::catalog::timescale::JobPolicy>> {
    cat.timescale
        .hypertables
        .get(rel)
        .map(|h| &h.policies)
        .or_else(|| {
            cat.timescale
                .continuous_aggregates
                .get(rel)
                .map(|c| &c.policies)
        })
}

/// The before/after definitions of every object `plan` touches, written from `live` and
/// `desired` (an object neither catalog models, such as a partition's inherited index, has
/// none). An object the live catalog does not hold is created by the plan: its
/// definition is its steps in the plan (no second planning for it), so a plan that creates
/// a whole database costs little more than the plan.
pub fn definitions(
    plan: &crate::plan::Plan,
    live: &Catalog,
    desired: &Catalog,
) -> Result<Definitions, PlanError> {
    let touched: BTreeSet<ObjectId> = plan
        .steps
        .iter()
        .map(|s| owner(&s.object))
        .filter(definable)
        .collect();
    let (created, existing): (BTreeSet<ObjectId>, BTreeSet<ObjectId>) = touched
        .into_iter()
        .partition(|id| !holds(live, id) && holds(desired, id));
    let mut before = written(live, &existing)?;
    let mut after = written(desired, &existing)?;
    for step in plan.steps.iter().filter(|s| s.action != Action::Drop) {
        let key = owner(&step.object);
        if created.contains(&key) {
            let text = after.entry(key).or_default();
            text.push_str(&step.sql);
            text.push_str(";\n");
        }
    }
    let objects = existing
        .into_iter()
        .chain(created)
        .filter_map(|id| {
            let def = Definition {
                before: before.remove(&id),
                after: after.remove(&id),
                object: id.clone(),
            };
            (def.before.is_some() || def.after.is_some()).then_some((id, def))
        })
        .collect();
    Ok(Definitions { objects })
}

/// Whether `cat` holds the object `id` names: the catalog's own answer, and for a
/// TimescaleDB policy whether its relation has it.
fn holds(cat: &Catalog, id: &ObjectId) -> bool {
    match policy_of(id) {
        Some((rel, kind)) => policies(cat, &rel).is_some_and(|p| p.contains_key(&kind)),
        None => cat.holds(id),
    }
}

/// The SQL of each object of `touched` that `cat` holds, from the create steps of a plan
/// from a catalog without them.
fn written(
    cat: &Catalog,
    touched: &BTreeSet<ObjectId>,
) -> Result<BTreeMap<ObjectId, String>, PlanError> {
    if touched.is_empty() {
        return Ok(BTreeMap::new());
    }
    let (base, only) = split(cat, touched);
    let plan = plan::build(&base, &only, &PlanOptions::default())?;
    let mut out: BTreeMap<ObjectId, String> = BTreeMap::new();
    for step in plan.steps.iter().filter(|s| s.action != Action::Drop) {
        let key = owner(&step.object);
        if !touched.contains(&key) {
            continue;
        }
        let text = out.entry(key).or_default();
        text.push_str(&step.sql);
        text.push_str(";\n");
    }
    Ok(out)
}

/// Two catalogs that differ by exactly the objects of `touched` that `cat` holds: `base`
/// has what both need (schemas, extensions, the reading role), `only` has that plus the
/// touched objects. Neither has default privileges, so every grant that differs from
/// PostgreSQL's built-in defaults is written out (a grant that the live and the desired
/// default privileges each imply would otherwise vanish from both definitions).
fn split(cat: &Catalog, touched: &BTreeSet<ObjectId>) -> (Catalog, Catalog) {
    let mut base = Catalog {
        server_version: cat.server_version,
        schemas: cat.schemas.clone(),
        extensions: cat.extensions.clone(),
        ..Catalog::default()
    };
    base.privileges.creator = cat.privileges.creator.clone();
    base.timescale.version = cat.timescale.version.clone();
    for id in touched {
        match id {
            ObjectId::Schema { name } => {
                base.schemas.remove(name);
            }
            ObjectId::Extension { name } => {
                base.extensions.remove(name);
            }
            _ => {}
        }
    }
    let mut only = base.clone();
    for id in touched {
        match id {
            ObjectId::Schema { name } => copy(&cat.schemas, &mut only.schemas, name),
            ObjectId::Extension { name } => copy(&cat.extensions, &mut only.extensions, name),
            ObjectId::Type { name } => {
                copy(&cat.enums, &mut only.enums, name);
                copy(&cat.domains, &mut only.domains, name);
                copy(&cat.composites, &mut only.composites, name);
            }
            ObjectId::Sequence { name } => copy(&cat.sequences, &mut only.sequences, name),
            ObjectId::Table { name } => table(cat, &mut only, name),
            ObjectId::Index { name } => copy(&cat.indexes, &mut only.indexes, name),
            ObjectId::View { name } => copy(&cat.views, &mut only.views, name),
            ObjectId::MaterializedView { name } => {
                copy(&cat.materialized_views, &mut only.materialized_views, name);
                copy(
                    &cat.timescale.continuous_aggregates,
                    &mut only.timescale.continuous_aggregates,
                    name,
                );
            }
            ObjectId::Function { name, args } => {
                if let Some(f) = cat.function(name, args) {
                    only.functions
                        .entry(name.clone())
                        .or_default()
                        .insert(args.clone(), f.clone());
                }
            }
            ObjectId::Trigger { table, name } => {
                if let Some(t) = cat.triggers.get(table).and_then(|m| m.get(name)) {
                    only.triggers
                        .entry(table.clone())
                        .or_default()
                        .insert(name.clone(), t.clone());
                }
            }
            ObjectId::EventTrigger { name } => {
                copy(&cat.event_triggers, &mut only.event_triggers, name)
            }
            ObjectId::Policy { table, name } => {
                if let Some(p) = cat.policies.get(table).and_then(|m| m.get(name)) {
                    only.policies
                        .entry(table.clone())
                        .or_default()
                        .insert(name.clone(), p.clone());
                }
            }
            ObjectId::Column { .. } | ObjectId::Constraint { .. } | ObjectId::Other { .. } => {}
        }
        if let Some(deps) = cat.depends.get(id) {
            only.depends.insert(id.clone(), deps.clone());
        }
    }
    for (id, p) in &cat.privileges.objects {
        if touched.contains(&owner(id)) {
            only.privileges.objects.insert(id.clone(), p.clone());
        }
    }
    policies_alone(cat, touched, &mut base, &mut only);
    (base, only)
}

/// The touched TimescaleDB policies of relations that are not touched themselves: the
/// relation on both sides, its touched policies only in `only`, so that the plan between
/// them is just their `add_*_policy` calls. (A touched relation is created whole in `only`,
/// policies included.)
fn policies_alone(
    cat: &Catalog,
    touched: &BTreeSet<ObjectId>,
    base: &mut Catalog,
    only: &mut Catalog,
) {
    let mut alone: BTreeMap<QualName, BTreeSet<PolicyKind>> = BTreeMap::new();
    for (rel, kind) in touched.iter().filter_map(policy_of) {
        let itself = [
            ObjectId::Table { name: rel.clone() },
            ObjectId::MaterializedView { name: rel.clone() },
        ];
        if !itself.iter().any(|id| touched.contains(id)) {
            alone.entry(rel).or_default().insert(kind);
        }
    }
    for (rel, kinds) in alone {
        if let Some(h) = cat.timescale.hypertables.get(&rel) {
            for side in [&mut *base, &mut *only] {
                copy(&cat.tables, &mut side.tables, &rel);
            }
            let mut without = h.clone();
            without.policies.retain(|k, _| !kinds.contains(k));
            base.timescale.hypertables.insert(rel.clone(), without);
            only.timescale.hypertables.insert(rel, h.clone());
        } else if let Some(c) = cat.timescale.continuous_aggregates.get(&rel) {
            let mut without = c.clone();
            without.policies.retain(|k, _| !kinds.contains(k));
            base.timescale
                .continuous_aggregates
                .insert(rel.clone(), without);
            only.timescale.continuous_aggregates.insert(rel, c.clone());
        }
    }
}

fn copy<K: Ord + Clone, V: Clone>(from: &BTreeMap<K, V>, to: &mut BTreeMap<K, V>, key: &K) {
    if let Some(v) = from.get(key) {
        to.insert(key.clone(), v.clone());
    }
}

/// A table with what its definition folds in: row-level security and hypertable settings.
fn table(cat: &Catalog, only: &mut Catalog, name: &QualName) {
    copy(&cat.tables, &mut only.tables, name);
    copy(&cat.row_security, &mut only.row_security, name);
    copy(
        &cat.timescale.hypertables,
        &mut only.timescale.hypertables,
        name,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::builder::CatalogBuilder;

    #[test]
    fn a_column_change_shows_in_its_tables_definition() {
        let live = CatalogBuilder::new()
            .table("public.t", |t| {
                t.column("id", "integer").column("a", "text")
            })
            .table("public.other", |t| t.column("x", "integer"))
            .build();
        let desired = CatalogBuilder::new()
            .table("public.t", |t| {
                t.column("id", "integer")
                    .column("a", "text")
                    .column("b", "integer")
            })
            .table("public.other", |t| t.column("x", "integer"))
            .table("public.fresh", |t| t.column("y", "integer"))
            .build();
        let plan = plan::build(&live, &desired, &PlanOptions::default()).unwrap();
        let defs = definitions(&plan, &live, &desired).unwrap();
        let keys: Vec<String> = defs.objects.keys().map(|k| k.to_string()).collect();
        assert_eq!(keys, ["table public.fresh", "table public.t"]);
        let t = defs
            .of(&ObjectId::Column {
                table: QualName::new("public", "t"),
                column: "b".into(),
            })
            .unwrap();
        let before = t.before.as_deref().unwrap();
        let after = t.after.as_deref().unwrap();
        assert!(before.starts_with("CREATE TABLE public.t"), "{before}");
        assert!(!before.contains(" b "), "{before}");
        assert!(after.contains("b integer"), "{after}");
        let diff = t.diff();
        assert!(diff.contains("+++ after"), "{diff}");
        assert!(
            diff.lines()
                .any(|l| l.starts_with('+') && l.contains("b integer")),
            "{diff}"
        );
        let fresh = &defs.objects[&ObjectId::Table {
            name: QualName::new("public", "fresh"),
        }];
        assert_eq!(fresh.before, None);
        assert!(fresh.after.as_deref().unwrap().contains("y integer"));
    }

    #[test]
    fn a_dropped_object_has_only_before() {
        let live = CatalogBuilder::new()
            .table("public.gone", |t| t.column("id", "integer"))
            .build();
        let desired = CatalogBuilder::new().build();
        let plan = plan::build(&live, &desired, &PlanOptions::default()).unwrap();
        let defs = definitions(&plan, &live, &desired).unwrap();
        let gone = &defs.objects[&ObjectId::Table {
            name: QualName::new("public", "gone"),
        }];
        assert_eq!(gone.after, None);
        assert!(gone
            .before
            .as_deref()
            .unwrap()
            .contains("CREATE TABLE public.gone"));
        assert!(gone.diff().lines().any(|l| l.starts_with("-CREATE TABLE")));
    }

    /// `public.readings`, a hypertable on `ts`, with a retention policy dropping after `keep`.
    fn readings(keep: &str) -> Catalog {
        use crate::catalog::timescale::{JobPolicy, PolicyKind};
        CatalogBuilder::new()
            .schema("public")
            .extension("timescaledb", "public", "2.28.3")
            .edit(|c| c.timescale.version = Some("2.28.3".into()))
            .table("public.readings", |t| {
                t.column("ts", "timestamp with time zone")
                    .not_null()
                    .column("v", "integer")
            })
            .hypertable("public.readings", "ts", "7 days", |h| {
                let policy = JobPolicy {
                    kind: PolicyKind::Retention,
                    schedule_interval: "1 day".into(),
                    config: [("drop_after".to_string(), serde_json::json!(keep))].into(),
                };
                h.policies.insert(PolicyKind::Retention, policy);
            })
            .build()
    }

    #[test]
    fn a_changed_timescaledb_policy_shows_its_call_before_and_after() {
        let (live, desired) = (readings("30 days"), readings("90 days"));
        let plan = plan::build(&live, &desired, &PlanOptions::default()).unwrap();
        let policy = plan
            .steps
            .iter()
            .map(|s| s.object.clone())
            .find(|id| policy_of(id).is_some())
            .expect("a policy step");
        let defs = definitions(&plan, &live, &desired).unwrap();
        let def = defs.of(&policy).expect("the policy's definition");
        let (before, after) = (def.before.as_deref(), def.after.as_deref());
        assert!(
            before.is_some_and(|b| b.contains("add_retention_policy") && b.contains("30 days")),
            "{before:?}"
        );
        assert!(
            after.is_some_and(|a| a.contains("add_retention_policy") && a.contains("90 days")),
            "{after:?}"
        );
        assert!(
            !before.unwrap_or("").contains("CREATE TABLE"),
            "only the policy: {before:?}"
        );
        let diff = def.diff();
        assert!(
            diff.lines()
                .any(|l| l.starts_with('-') && l.contains("30 days"))
                && diff
                    .lines()
                    .any(|l| l.starts_with('+') && l.contains("90 days")),
            "{diff}"
        );
        assert!(
            !defs.objects.contains_key(&ObjectId::Table {
                name: QualName::new("public", "readings")
            }),
            "the table itself is not changed"
        );
    }
}
