//! Structural dependencies: what an object rests on by its very definition, whether or not
//! the catalog's `depends` (from `pg_depend`) recorded it. A table needs its schema, a
//! column its table, its type and the sequences its default calls, a constraint its
//! columns, a foreign key the referenced table and key.

use super::build::{Ctx, PlanError};
use super::rebuild::Rebuilds;
use super::text::{fk_referenced_columns, index_key_columns, nextval_refs};
use crate::catalog::{
    Catalog, Constraint, ConstraintKind, Ident, Index, ObjectId, QualName, Sequence,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// One catalog with the lookups the planner repeats for every object, computed once (a
/// plan over thousands of tables must not scan every sequence for every column).
pub(crate) struct Lookup<'a> {
    pub cat: &'a Catalog,
    /// Sequences owned by a column, by table.
    owned: BTreeMap<&'a QualName, Vec<&'a Sequence>>,
    /// Indexes, by table.
    indexes: BTreeMap<&'a QualName, Vec<&'a Index>>,
    /// Users of each enum, domain and composite type, found the first time they are asked
    /// for (only a plan that changes types asks).
    users: OnceLock<BTreeMap<ObjectId, BTreeSet<ObjectId>>>,
}

impl<'a> Lookup<'a> {
    pub fn new(cat: &'a Catalog) -> Self {
        let mut owned: BTreeMap<&QualName, Vec<&Sequence>> = BTreeMap::new();
        for s in cat.sequences.values() {
            if let Some((t, _)) = &s.owned_by {
                owned.entry(t).or_default().push(s);
            }
        }
        let mut indexes: BTreeMap<&QualName, Vec<&Index>> = BTreeMap::new();
        for i in cat.indexes.values() {
            indexes.entry(&i.table).or_default().push(i);
        }
        Lookup {
            cat,
            owned,
            indexes,
            users: OnceLock::new(),
        }
    }

    /// The sequence PostgreSQL made for an identity column.
    pub fn identity_sequence(&self, table: &QualName, column: &Ident) -> Option<&'a Sequence> {
        self.owned_sequences(table, Some(column))
            .find(|s| s.identity)
    }

    /// Sequences owned by a column of `table` (or by `column`), which go when it goes.
    pub fn owned_sequences<'s>(
        &'s self,
        table: &QualName,
        column: Option<&'s Ident>,
    ) -> impl Iterator<Item = &'a Sequence> + 's {
        self.owned
            .get(table)
            .into_iter()
            .flatten()
            .copied()
            .filter(move |s| {
                s.owned_by
                    .as_ref()
                    .is_some_and(|(_, c)| column.is_none_or(|col| col == c))
            })
    }

    /// Indexes on `table`.
    pub fn indexes_of(&self, table: &QualName) -> impl Iterator<Item = &'a Index> + '_ {
        self.indexes.get(table).into_iter().flatten().copied()
    }

    /// Objects that use the type `name`: columns, domains and composite attributes that
    /// name it, and whatever `depends` says depends on it.
    pub fn type_users(&self, name: &QualName) -> BTreeSet<ObjectId> {
        self.users
            .get_or_init(|| type_users(self.cat))
            .get(&ObjectId::Type { name: name.clone() })
            .cloned()
            .unwrap_or_default()
    }

    /// The objects `id` structurally rests on (empty when `id` is not in the catalog).
    pub fn structural(&self, id: &ObjectId) -> BTreeSet<ObjectId> {
        let mut out = BTreeSet::new();
        structural(self, id, &mut out);
        out
    }

    /// [`Self::structural`] of `id`, added to `out`.
    pub fn add_structural(&self, id: &ObjectId, out: &mut BTreeSet<ObjectId>) {
        structural(self, id, out);
    }
}

/// Users of each enum, domain and composite type: the columns, domains and composite
/// attributes that name it, and whatever `depends` says depends on it.
fn type_users(cat: &Catalog) -> BTreeMap<ObjectId, BTreeSet<ObjectId>> {
    let mut users: BTreeMap<ObjectId, BTreeSet<ObjectId>> = BTreeMap::new();
    for (dependent, on) in &cat.depends {
        for o in on.iter().filter(|o| matches!(o, ObjectId::Type { .. })) {
            users
                .entry(o.clone())
                .or_default()
                .insert(dependent.clone());
        }
    }
    for t in cat.tables.values() {
        for c in &t.columns {
            if let Some(ty) = type_ref(cat, &c.data_type) {
                users.entry(ty).or_default().insert(ObjectId::Column {
                    table: t.name.clone(),
                    column: c.name.clone(),
                });
            }
        }
    }
    for d in cat.domains.values() {
        if let Some(ty) = type_ref(cat, &d.base_type) {
            users.entry(ty).or_default().insert(ObjectId::Type {
                name: d.name.clone(),
            });
        }
    }
    for c in cat.composites.values() {
        for a in &c.attributes {
            if let Some(ty) = type_ref(cat, &a.data_type) {
                users.entry(ty).or_default().insert(ObjectId::Type {
                    name: c.name.clone(),
                });
            }
        }
    }
    for (ty, u) in users.iter_mut() {
        u.remove(ty);
    }
    users
}

fn structural(lk: &Lookup, id: &ObjectId, out: &mut BTreeSet<ObjectId>) {
    let cat = lk.cat;
    match id {
        ObjectId::Schema { .. } | ObjectId::Other { .. } => {}
        ObjectId::EventTrigger { name } => {
            if let Some(e) = cat.event_triggers.get(name) {
                out.insert(ObjectId::Function {
                    name: e.function.clone(),
                    args: String::new(),
                });
            }
        }
        ObjectId::View { name }
        | ObjectId::MaterializedView { name }
        | ObjectId::Function { name, .. } => {
            out.insert(schema_of(name));
        }
        ObjectId::Trigger { table, name } => {
            let on_view = cat.triggers.get(table).and_then(|m| m.get(name)).map(|t| {
                out.insert(ObjectId::Function {
                    name: t.function.clone(),
                    args: String::new(),
                });
                t.on_view
            });
            out.insert(if on_view == Some(true) {
                ObjectId::View {
                    name: table.clone(),
                }
            } else {
                ObjectId::Table {
                    name: table.clone(),
                }
            });
        }
        ObjectId::Policy { table, .. } => {
            out.insert(ObjectId::Table {
                name: table.clone(),
            });
        }
        ObjectId::Extension { name } => {
            if let Some(e) = cat.extensions.get(name) {
                out.insert(ObjectId::Schema {
                    name: e.schema.clone(),
                });
            }
        }
        ObjectId::Type { name } => {
            out.insert(schema_of(name));
            if let Some(d) = cat.domains.get(name) {
                out.extend(type_ref(cat, &d.base_type));
            }
            if let Some(c) = cat.composites.get(name) {
                for a in &c.attributes {
                    out.extend(type_ref(cat, &a.data_type));
                }
            }
        }
        ObjectId::Sequence { name } | ObjectId::Table { name } => {
            out.insert(schema_of(name));
        }
        ObjectId::Column { table, column } => {
            out.insert(ObjectId::Table {
                name: table.clone(),
            });
            if let Some(c) = cat.tables.get(table).and_then(|t| t.column(column)) {
                out.extend(type_ref(cat, &c.data_type));
                for seq in c.default.as_deref().map(nextval_refs).unwrap_or_default() {
                    out.insert(ObjectId::Sequence { name: seq });
                }
            }
        }
        ObjectId::Constraint { table, name } => {
            out.insert(ObjectId::Table {
                name: table.clone(),
            });
            if let Some(c) = cat.tables.get(table).and_then(|t| t.constraints.get(name)) {
                out.extend(columns_of(table, &c.columns));
                if let Some(target) = &c.references {
                    out.insert(ObjectId::Table {
                        name: target.clone(),
                    });
                    if let Some(cols) = fk_referenced_columns(&c.definition) {
                        out.extend(columns_of(target, &cols));
                    }
                    out.extend(fk_key(lk, c));
                }
            }
        }
        ObjectId::Index { name } => {
            if let Some(i) = cat.indexes.get(name) {
                if cat.materialized_views.contains_key(&i.table) {
                    out.insert(ObjectId::MaterializedView {
                        name: i.table.clone(),
                    });
                    return;
                }
                out.insert(ObjectId::Table {
                    name: i.table.clone(),
                });
                if let Some(cols) = index_key_columns(&i.definition) {
                    out.extend(columns_of(&i.table, &cols));
                }
            }
        }
    }
    out.extend(super::partition::structural(cat, id));
}

fn schema_of(name: &QualName) -> ObjectId {
    ObjectId::Schema {
        name: name.schema.clone(),
    }
}

fn columns_of<'a>(table: &'a QualName, cols: &'a [Ident]) -> impl Iterator<Item = ObjectId> + 'a {
    cols.iter().map(move |c| ObjectId::Column {
        table: table.clone(),
        column: c.clone(),
    })
}

/// The name a table, index, sequence or composite type takes in its schema's relation
/// namespace (`pg_class`).
pub(crate) fn relation_name(name: &QualName) -> String {
    format!("relation {name}")
}

/// The name a table, enum, domain or composite type takes in its schema's type namespace
/// (`pg_type`).
pub(crate) fn type_name(name: &QualName) -> String {
    format!("type {name}")
}

/// The relation name of the index behind a PRIMARY KEY, UNIQUE or EXCLUDE constraint (the
/// constraint's name, in the table's schema).
pub(crate) fn constraint_index_name(table: &QualName, c: &Constraint) -> Option<String> {
    matches!(
        c.kind,
        ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclude
    )
    .then(|| {
        relation_name(&QualName {
            schema: table.schema.clone(),
            name: c.name.clone(),
        })
    })
}

/// The user-defined type (enum, domain, composite) a column or attribute type names, if
/// any: `public.mood`, `public.mood[]`. Built-in types print unqualified, so a name
/// without a dot is never one (checked first: this runs for every column).
pub(crate) fn type_ref(cat: &Catalog, data_type: &str) -> Option<ObjectId> {
    let base = data_type.trim_end_matches("[]");
    if !base.contains('.') {
        return None;
    }
    let name = QualName::parse(base)?;
    let known = cat.enums.contains_key(&name)
        || cat.domains.contains_key(&name)
        || cat.composites.contains_key(&name);
    known.then_some(ObjectId::Type { name })
}

/// The unique key a foreign key rests on: the referenced table's primary key or unique
/// constraint over exactly the referenced columns, else a unique, non-partial index on them.
pub(crate) fn fk_key(lk: &Lookup, fk: &Constraint) -> Option<ObjectId> {
    let cat = lk.cat;
    let target = fk.references.as_ref()?;
    let cols: BTreeSet<Ident> = fk_referenced_columns(&fk.definition)?.into_iter().collect();
    let table = cat.tables.get(target)?;
    let by_kind = |kind: ConstraintKind| {
        table
            .constraints
            .values()
            .find(|c| c.kind == kind && c.columns.iter().cloned().collect::<BTreeSet<_>>() == cols)
    };
    if let Some(c) = by_kind(ConstraintKind::PrimaryKey).or_else(|| by_kind(ConstraintKind::Unique))
    {
        return Some(ObjectId::Constraint {
            table: target.clone(),
            name: c.name.clone(),
        });
    }
    lk.indexes_of(target)
        .filter(|i| i.unique && !i.definition.contains(" WHERE "))
        .find(|i| {
            index_key_columns(&i.definition)
                .is_some_and(|k| k.into_iter().collect::<BTreeSet<_>>() == cols)
        })
        .map(|i| ObjectId::Index {
            name: i.name.clone(),
        })
}

/// Live objects the plan drops and creates again, with why:
/// - constraints and indexes over a replaced column, and foreign keys whose referenced key
///   is dropped or rebuilt;
/// - views and materialized views whose own change needs it ([`super::view::replaced`]);
/// - every dependent (transitively, from `from.depends`) of something replaced, dropped or
///   retyped that PostgreSQL refuses to keep across that change ([`super::rebuild`]), and
///   what goes with it (the indexes of a materialized view).
///
/// Fails with [`PlanError::Unsupported`] when such a dependent is of a kind the planner
/// cannot re-create.
pub(crate) fn rebuild_set(ctx: &Ctx) -> Result<Rebuilds, PlanError> {
    let mut out = Rebuilds::default();
    for id in rebuilt_keys(ctx) {
        let reason = match id {
            ObjectId::Index { .. } => "a column it rests on is replaced",
            _ => "a column or key it rests on is replaced",
        };
        out.insert(id, reason);
    }
    let mut causes = column_and_key_causes(ctx, &out);
    let own = super::view::replaced(ctx);
    for (id, _) in &own {
        causes.insert(
            id.clone(),
            format!("{id} which is dropped and created again"),
        );
    }
    super::rebuild::dependents(ctx, causes, own, &mut out)?;
    // What rests on a dropped routine, or on a column PostgreSQL pins it to
    // (`routine_deps.rs`), joins with its cause.
    let mut set: BTreeSet<ObjectId> = out.iter().map(|(id, _)| id.clone()).collect();
    super::routine_deps::extend_rebuild(ctx, &mut set);
    for id in set {
        if !out.contains(&id) {
            let why = super::routine_deps::rebuild_cause(ctx, &id);
            out.insert(id, why);
        }
    }
    Ok(out)
}

/// Columns that change type or collation, are dropped and added again, or are dropped;
/// constraints dropped (and added again): what each becomes, for the reasons of their
/// dependents.
fn column_and_key_causes(ctx: &Ctx, rebuilt: &Rebuilds) -> BTreeMap<ObjectId, String> {
    let mut out = BTreeMap::new();
    for (table, pairs) in &ctx.diff.columns {
        let col = |name: &Ident| ObjectId::Column {
            table: table.clone(),
            column: name.clone(),
        };
        for (f, t) in &pairs.kept {
            let what = if ctx.column_replaced(table, &f.name) {
                "which is dropped and added again"
            } else if f.data_type != t.data_type {
                "whose type changes"
            } else if f.collation != t.collation {
                "whose collation changes"
            } else {
                continue;
            };
            let id = col(&f.name);
            out.insert(id.clone(), format!("{id} {what}"));
        }
        for c in &pairs.removed {
            let id = col(&c.name);
            out.insert(id.clone(), format!("{id} which is dropped"));
        }
    }
    for (table, pairs) in &ctx.diff.constraints {
        let con = |name: &Ident| ObjectId::Constraint {
            table: table.clone(),
            name: name.clone(),
        };
        for k in &pairs.kept {
            let id = con(&k.from.name);
            if rebuilt.contains(&id) || (k.from.validated && !k.to.validated) {
                out.insert(id.clone(), format!("{id} which is dropped and added again"));
            }
        }
        for c in &pairs.removed {
            let id = con(&c.name);
            out.insert(id.clone(), format!("{id} which is dropped"));
        }
    }
    out
}

/// Live constraints and indexes that must be dropped and created again: those over a
/// replaced column, and foreign keys whose referenced key is dropped or rebuilt.
fn rebuilt_keys(ctx: &Ctx) -> BTreeSet<ObjectId> {
    let mut out = BTreeSet::new();
    for col in &ctx.replaced_columns {
        let ObjectId::Column { table, column } = col else {
            continue;
        };
        if let Some(pairs) = ctx.diff.constraints.get(table) {
            for k in &pairs.kept {
                if k.from.columns.contains(column) {
                    out.insert(ObjectId::Constraint {
                        table: table.clone(),
                        name: k.from.name.clone(),
                    });
                }
            }
        }
        for k in &ctx.diff.indexes.kept {
            // A materialized view's indexes come back with the view (`rebuild::goes_with`).
            if ctx.from.materialized_views.contains_key(&k.from.table) {
                continue;
            }
            let id = ObjectId::Index {
                name: k.from.name.clone(),
            };
            if ctx.rests_on_in_from(&id).contains(col) {
                out.insert(id);
            }
        }
    }
    let mut gone_keys: BTreeSet<ObjectId> = out.clone();
    for (table, pairs) in &ctx.diff.constraints {
        for c in &pairs.removed {
            gone_keys.insert(ObjectId::Constraint {
                table: table.clone(),
                name: c.name.clone(),
            });
        }
    }
    for i in &ctx.diff.indexes.removed {
        gone_keys.insert(ObjectId::Index {
            name: i.name.clone(),
        });
    }
    if gone_keys.is_empty() {
        return out;
    }
    for (table, pairs) in &ctx.diff.constraints {
        for k in &pairs.kept {
            if k.from.kind == ConstraintKind::ForeignKey
                && fk_key(&ctx.from_lookup, k.from).is_some_and(|key| gone_keys.contains(&key))
            {
                out.insert(ObjectId::Constraint {
                    table: table.clone(),
                    name: k.from.name.clone(),
                });
            }
        }
    }
    out
}
