//! Declared renames (`Catalog::renames` of the desired catalog): each one whose new name is
//! absent from the live catalog and whose old name is present becomes one rename step, and
//! the live catalog is then read under the new names (with the text PostgreSQL will print
//! after the rename), so the diff plans only what else changed. A declaration that no longer
//! applies (old name gone, new name already there) plans nothing and leaves a note.

use super::build::{Draft, Phase, PlanError};
use super::deps::{constraint_index_name, relation_name, type_name};
pub(crate) use super::rename_catalog::apply;
use super::{Action, Hazard};
use crate::catalog::{quote_literal, Catalog, Ident, ObjectId, QualName, RenameHint, RenameKind};

/// The live catalog under the declared names, the rename steps, and notes on declarations
/// that planned nothing.
pub(crate) struct Renamed {
    pub catalog: Catalog,
    pub drafts: Vec<Draft>,
    pub notes: Vec<String>,
}

/// One applicable rename, resolved to full names.
#[derive(Debug, Clone)]
pub(crate) enum Rename {
    Table {
        from: QualName,
        to: Ident,
    },
    Column {
        table: QualName,
        from: Ident,
        to: Ident,
    },
    Index {
        from: QualName,
        to: Ident,
    },
    /// Implied by the rename of the table or column that owns it.
    Sequence {
        from: QualName,
        to: Ident,
    },
    Constraint {
        table: QualName,
        from: Ident,
        to: Ident,
    },
    Type {
        from: QualName,
        to: Ident,
    },
    EnumValue {
        ty: QualName,
        from: String,
        to: String,
    },
}

/// Resolve the desired catalog's declared renames against `live`.
pub(crate) fn prepare(live: &Catalog, to: &Catalog) -> Result<Renamed, PlanError> {
    let mut cat = live.clone();
    let mut drafts = Vec::new();
    let mut notes = Vec::new();
    let mut hints: Vec<&RenameHint> = to.renames.iter().collect();
    // Outer objects first: a column names its table by the table's new name.
    hints.sort_by_key(|h| match h.kind {
        RenameKind::Type => 0,
        RenameKind::EnumValue => 1,
        RenameKind::Table => 2,
        RenameKind::Column => 3,
        RenameKind::Constraint => 4,
        RenameKind::Index => 5,
    });
    let mut moved: Vec<(QualName, Option<Ident>)> = Vec::new();
    for h in hints {
        match resolve(&cat, to, h) {
            Ok(r) => {
                match &r {
                    Rename::Table { from, to } => moved.push((rename_of(from, to), None)),
                    Rename::Column { table, to, .. } => {
                        moved.push((table.clone(), Some(to.clone())))
                    }
                    _ => {}
                }
                drafts.push(step(&cat, &r));
                apply(&mut cat, &r);
            }
            Err(why) => notes.push(format!(
                "{}: renamed-from {} ({} {}) planned nothing: {why}",
                h.location,
                h.from,
                h.kind.as_str(),
                h.name
            )),
        }
    }
    for r in owned_sequences(&cat, to, &moved) {
        drafts.push(step(&cat, &r));
        apply(&mut cat, &r);
    }
    super::enum_rebuild::prepare(&mut cat, to, &mut drafts)?;
    Ok(Renamed {
        catalog: cat,
        drafts,
        notes,
    })
}

/// The sequences owned by a column of a renamed table, or by a renamed column (`serial`),
/// that the desired catalog names after the new names (`patient_id_seq`): renamed with
/// them, so they keep their current value.
fn owned_sequences(
    cat: &Catalog,
    to: &Catalog,
    moved: &[(QualName, Option<Ident>)],
) -> Vec<Rename> {
    let mut out = Vec::new();
    for (name, seq) in &cat.sequences {
        let Some((table, column)) = &seq.owned_by else {
            continue;
        };
        let renamed = moved
            .iter()
            .any(|(t, c)| t == table && c.as_ref().is_none_or(|c| c == column));
        if !renamed || seq.identity || to.sequences.contains_key(name) {
            continue;
        }
        let wanted = to.sequences.values().find(|s| {
            s.owned_by.as_ref() == Some(&(table.clone(), column.clone()))
                && s.name.schema == name.schema
                && !cat.sequences.contains_key(&s.name)
                && !cat.tables.contains_key(&s.name)
                && !cat.indexes.contains_key(&s.name)
        });
        if let Some(w) = wanted {
            out.push(Rename::Sequence {
                from: name.clone(),
                to: w.name.name.clone(),
            });
        }
    }
    out
}

/// The schema of a hint: its own, or the one schema where the desired catalog has the object.
fn schema_of(h: &RenameHint, candidates: impl Iterator<Item = Ident>) -> Result<Ident, String> {
    if let Some(s) = &h.schema {
        return Ok(s.clone());
    }
    let mut found: Vec<Ident> = candidates.collect();
    found.sort();
    found.dedup();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(format!(
            "the desired schema has no {} {}",
            h.kind.as_str(),
            h.name
        )),
        _ => Err(format!(
            "{} {} is in several schemas ({}): qualify the definition",
            h.kind.as_str(),
            h.name,
            found
                .iter()
                .map(Ident::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn named(map_keys: impl Iterator<Item = QualName>, name: &str) -> impl Iterator<Item = Ident> {
    let name = name.to_string();
    map_keys
        .filter(move |k| k.name.as_str() == name)
        .map(|k| k.schema)
}

fn resolve(live: &Catalog, to: &Catalog, h: &RenameHint) -> Result<Rename, String> {
    let (new, old) = (Ident::new(&h.name), Ident::new(&h.from));
    let parent = || Ident::new(h.parent.as_ref().map(Ident::as_str).unwrap_or_default());
    match h.kind {
        RenameKind::Table => {
            let s = schema_of(h, named(to.tables.keys().cloned(), &h.name))?;
            let (n, o) = names(s, &new, old);
            check_names(live, to, &n, &o, |c, q| c.tables.contains_key(q))?;
            Ok(Rename::Table { from: o, to: new })
        }
        RenameKind::Column | RenameKind::Constraint => {
            let s = schema_of(h, named(to.tables.keys().cloned(), parent().as_str()))?;
            let t = QualName {
                schema: s,
                name: parent(),
            };
            let (Some(want), Some(have)) = (to.tables.get(&t), live.tables.get(&t)) else {
                return Err(format!(
                    "table {t} is not in both the live and the desired schema"
                ));
            };
            if h.kind == RenameKind::Column {
                check(
                    want.column(&new).is_some(),
                    have.column(&new).is_some(),
                    have.column(&old).is_some(),
                    want.column(&old).is_some(),
                )?;
                Ok(Rename::Column {
                    table: t,
                    from: old,
                    to: new,
                })
            } else {
                let (w, l) = (&want.constraints, &have.constraints);
                check(
                    w.contains_key(&new),
                    l.contains_key(&new),
                    l.contains_key(&old),
                    w.contains_key(&old),
                )?;
                Ok(Rename::Constraint {
                    table: t,
                    from: old,
                    to: new,
                })
            }
        }
        RenameKind::Index => {
            let s = schema_of(h, named(to.indexes.keys().cloned(), &h.name))?;
            let (n, o) = names(s, &new, old);
            check_names(live, to, &n, &o, |c, q| c.indexes.contains_key(q))?;
            Ok(Rename::Index { from: o, to: new })
        }
        RenameKind::Type => {
            let types = |c: &Catalog| -> Vec<QualName> {
                c.enums
                    .keys()
                    .chain(c.domains.keys())
                    .chain(c.composites.keys())
                    .cloned()
                    .collect()
            };
            let s = schema_of(h, named(types(to).into_iter(), &h.name))?;
            let (n, o) = names(s, &new, old);
            let has = |c: &Catalog, q: &QualName| {
                c.enums.contains_key(q) || c.domains.contains_key(q) || c.composites.contains_key(q)
            };
            check(
                has(to, &n),
                has(live, &n) || live.tables.contains_key(&n),
                has(live, &o),
                has(to, &o),
            )?;
            let same_kind = (to.enums.contains_key(&n) && live.enums.contains_key(&o))
                || (to.domains.contains_key(&n) && live.domains.contains_key(&o))
                || (to.composites.contains_key(&n) && live.composites.contains_key(&o));
            if !same_kind {
                return Err("the old type is of another kind (enum, domain, composite)".into());
            }
            Ok(Rename::Type { from: o, to: new })
        }
        RenameKind::EnumValue => {
            let s = schema_of(h, named(to.enums.keys().cloned(), parent().as_str()))?;
            let ty = QualName {
                schema: s,
                name: parent(),
            };
            let (Some(want), Some(have)) = (to.enums.get(&ty), live.enums.get(&ty)) else {
                return Err(format!(
                    "enum {ty} is not in both the live and the desired schema"
                ));
            };
            let (w, l) = (&want.labels, &have.labels);
            check(
                w.contains(&h.name),
                l.contains(&h.name),
                l.contains(&h.from),
                w.contains(&h.from),
            )?;
            Ok(Rename::EnumValue {
                ty,
                from: h.from.clone(),
                to: h.name.clone(),
            })
        }
    }
}

/// The new and the old qualified name of a rename in schema `s`.
fn names(s: Ident, new: &Ident, old: Ident) -> (QualName, QualName) {
    (
        QualName {
            schema: s.clone(),
            name: new.clone(),
        },
        QualName {
            schema: s,
            name: old,
        },
    )
}

/// [`check`] of the rename of `o` to `n`, objects whose presence in a catalog `has` tells.
fn check_names(
    live: &Catalog,
    to: &Catalog,
    n: &QualName,
    o: &QualName,
    has: impl Fn(&Catalog, &QualName) -> bool,
) -> Result<(), String> {
    check(has(to, n), has(live, n), has(live, o), has(to, o))
}

/// Whether a rename applies: the new name is desired and not live, the old one live and
/// not desired.
fn check(
    desired_new: bool,
    live_new: bool,
    live_old: bool,
    desired_old: bool,
) -> Result<(), String> {
    if !desired_new {
        return Err("the desired schema has no object of the new name".into());
    }
    if live_new {
        return Err("the new name already exists in the live database".into());
    }
    if !live_old {
        return Err("the old name is not in the live database (already renamed?)".into());
    }
    if desired_old {
        return Err("the desired schema still has the old name too".into());
    }
    Ok(())
}

fn hazard(d: Draft, what: String) -> Draft {
    d.hazard(
        Hazard::BackwardIncompatible,
        format!("clients that still use the old name of {what} break"),
    )
}

pub(crate) fn rename_of(from: &QualName, to: &Ident) -> QualName {
    QualName {
        schema: from.schema.clone(),
        name: to.clone(),
    }
}

/// The step of one rename (before `cat` is renamed).
fn step(cat: &Catalog, r: &Rename) -> Draft {
    match r {
        // ALTER TABLE s.old RENAME TO new
        Rename::Table { from, to } => {
            let new = rename_of(from, to);
            let d = Draft::new(
                Phase::Rename,
                ObjectId::Table { name: new.clone() },
                Action::Rename,
                format!("ALTER TABLE {from} RENAME TO {to}"),
                format!("renamed from {} (declared)", from.name),
            )
            .creates([ObjectId::Table { name: new.clone() }])
            .drops([ObjectId::Table { name: from.clone() }])
            .claims([relation_name(&new), type_name(&new)])
            .frees([relation_name(from), type_name(from)])
            .needs([ObjectId::Schema {
                name: from.schema.clone(),
            }]);
            hazard(d, format!("table {from}"))
        }
        // ALTER TABLE t RENAME COLUMN old TO new
        Rename::Column { table, from, to } => {
            let d = Draft::new(
                Phase::Rename,
                ObjectId::Column {
                    table: table.clone(),
                    column: to.clone(),
                },
                Action::Rename,
                format!("ALTER TABLE {table} RENAME COLUMN {from} TO {to}"),
                format!("renamed from {from} (declared)"),
            )
            .creates([ObjectId::Column {
                table: table.clone(),
                column: to.clone(),
            }])
            .drops([ObjectId::Column {
                table: table.clone(),
                column: from.clone(),
            }])
            .needs([ObjectId::Table {
                name: table.clone(),
            }]);
            hazard(d, format!("column {table}.{from}"))
        }
        // ALTER INDEX s.old RENAME TO new
        Rename::Index { from, to } => {
            let new = rename_of(from, to);
            let table = cat.indexes.get(from).map(|i| ObjectId::Table {
                name: i.table.clone(),
            });
            let d = Draft::new(
                Phase::Rename,
                ObjectId::Index { name: new.clone() },
                Action::Rename,
                format!("ALTER INDEX {from} RENAME TO {to}"),
                format!("renamed from {} (declared)", from.name),
            )
            .creates([ObjectId::Index { name: new.clone() }])
            .drops([ObjectId::Index { name: from.clone() }])
            .claims([relation_name(&new)])
            .frees([relation_name(from)])
            .needs(table);
            hazard(d, format!("index {from}"))
        }
        // ALTER SEQUENCE s.old RENAME TO new
        Rename::Sequence { from, to } => {
            let new = rename_of(from, to);
            let owner = cat
                .sequences
                .get(from)
                .and_then(|s| s.owned_by.as_ref())
                .map(|(t, c)| format!("{t}.{c}"))
                .unwrap_or_default();
            let d = Draft::new(
                Phase::Rename,
                ObjectId::Sequence { name: new.clone() },
                Action::Rename,
                format!("ALTER SEQUENCE {from} RENAME TO {to}"),
                format!(
                    "renamed from {} with {owner}, which owns it (keeps its current value)",
                    from.name
                ),
            )
            .creates([ObjectId::Sequence { name: new.clone() }])
            .drops([ObjectId::Sequence { name: from.clone() }])
            .claims([relation_name(&new)])
            .frees([relation_name(from)])
            .needs([ObjectId::Schema {
                name: from.schema.clone(),
            }]);
            hazard(d, format!("sequence {from}"))
        }
        // ALTER TABLE t RENAME CONSTRAINT old TO new
        Rename::Constraint { table, from, to } => {
            let con = cat.tables.get(table).and_then(|t| t.constraints.get(from));
            let renamed = con.map(|c| crate::catalog::Constraint {
                name: to.clone(),
                ..c.clone()
            });
            let d = Draft::new(
                Phase::Rename,
                ObjectId::Constraint {
                    table: table.clone(),
                    name: to.clone(),
                },
                Action::Rename,
                format!("ALTER TABLE {table} RENAME CONSTRAINT {from} TO {to}"),
                format!("renamed from {from} (declared)"),
            )
            .creates([ObjectId::Constraint {
                table: table.clone(),
                name: to.clone(),
            }])
            .drops([ObjectId::Constraint {
                table: table.clone(),
                name: from.clone(),
            }])
            .claims(
                renamed
                    .as_ref()
                    .and_then(|c| constraint_index_name(table, c)),
            )
            .frees(con.and_then(|c| constraint_index_name(table, c)))
            .needs([ObjectId::Table {
                name: table.clone(),
            }]);
            hazard(d, format!("constraint {from} on {table}"))
        }
        // ALTER TYPE s.old RENAME TO new (ALTER DOMAIN for a domain)
        Rename::Type { from, to } => {
            let new = rename_of(from, to);
            let keyword = if cat.domains.contains_key(from) {
                "DOMAIN"
            } else {
                "TYPE"
            };
            let composite = cat.composites.contains_key(from);
            let d = Draft::new(
                Phase::Rename,
                ObjectId::Type { name: new.clone() },
                Action::Rename,
                format!("ALTER {keyword} {from} RENAME TO {to}"),
                format!("renamed from {} (declared)", from.name),
            )
            .creates([ObjectId::Type { name: new.clone() }])
            .drops([ObjectId::Type { name: from.clone() }])
            .claims([type_name(&new)])
            .claims(composite.then(|| relation_name(&new)))
            .frees([type_name(from)])
            .frees(composite.then(|| relation_name(from)))
            .needs([ObjectId::Schema {
                name: from.schema.clone(),
            }]);
            hazard(d, format!("type {from}"))
        }
        // ALTER TYPE t RENAME VALUE 'old' TO 'new'
        Rename::EnumValue { ty, from, to } => {
            let id = ObjectId::Type { name: ty.clone() };
            let d = Draft::new(
                Phase::Rename,
                id.clone(),
                Action::Rename,
                format!(
                    "ALTER TYPE {ty} RENAME VALUE {} TO {}",
                    quote_literal(from),
                    quote_literal(to)
                ),
                format!(
                    "label {} renamed from {} (declared)",
                    quote_literal(to),
                    quote_literal(from)
                ),
            )
            .alters([id.clone()])
            .needs([id]);
            hazard(d, format!("label {} of {ty}", quote_literal(from)))
        }
    }
}

/// Every step after the renames that names a renamed object by its new name (its object,
/// or what it needs, alters or drops) runs after the rename.
pub(crate) fn order_after_renames(renames: usize, steps: &mut [Draft]) {
    let created: Vec<ObjectId> = steps[..renames]
        .iter()
        .flat_map(|d| d.deps.creates.iter().cloned())
        .collect();
    if created.is_empty() {
        return;
    }
    let created: std::collections::BTreeSet<ObjectId> = created.into_iter().collect();
    let table_of = |id: &ObjectId| -> Option<ObjectId> {
        match id {
            ObjectId::Column { table, .. }
            | ObjectId::Constraint { table, .. }
            | ObjectId::Trigger { table, .. }
            | ObjectId::Policy { table, .. } => Some(ObjectId::Table {
                name: table.clone(),
            }),
            _ => None,
        }
    };
    for d in &mut steps[renames..] {
        let mut after = Vec::new();
        let named = std::iter::once(&d.step.object)
            .chain(&d.deps.needs)
            .chain(&d.deps.alters)
            .chain(&d.deps.drops);
        for id in named {
            for x in std::iter::once(id.clone()).chain(table_of(id)) {
                if created.contains(&x) && !d.deps.creates.contains(&x) {
                    after.push(x);
                }
            }
        }
        d.deps.needs.extend(after);
    }
}

#[cfg(test)]
#[path = "rename_tests.rs"]
mod tests;
