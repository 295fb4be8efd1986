//! The live catalog read as PostgreSQL will print it after a rename: keys, names, the
//! identities in dependencies and privileges, and the text that refers to the old name.

use super::rename::{rename_of, Rename};
use super::rename_text as text;
use crate::catalog::{Catalog, ObjectId, QualName};
use std::collections::BTreeMap;

/// Read `cat` as PostgreSQL will print it after the rename.
pub(crate) fn apply(cat: &mut Catalog, r: &Rename) {
    let map_id = |id: &ObjectId| -> ObjectId { rename_id(id, r) };
    // identities in dependencies and privileges
    cat.depends = std::mem::take(&mut cat.depends)
        .into_iter()
        .map(|(k, v)| (map_id(&k), v.iter().map(map_id).collect()))
        .collect();
    cat.privileges.objects = std::mem::take(&mut cat.privileges.objects)
        .into_iter()
        .map(|(k, v)| (map_id(&k), v))
        .collect();
    match r {
        Rename::Table { from, to } => {
            let new = rename_of(from, to);
            rekey(&mut cat.tables, from, &new, |t| t.name = new.clone());
            rekey(&mut cat.triggers, from, &new, |m| {
                for t in m.values_mut() {
                    t.table = new.clone();
                    t.definition = text::qualified(&t.definition, from, to);
                }
            });
            rekey(&mut cat.policies, from, &new, |m| {
                m.values_mut().for_each(|p| p.table = new.clone())
            });
            rekey(&mut cat.row_security, from, &new, |r| r.table = new.clone());
            rekey(&mut cat.timescale.hypertables, from, &new, |h| {
                h.table = new.clone()
            });
            for t in cat.tables.values_mut() {
                if let Some(p) = &mut t.partition_of {
                    if &p.parent == from {
                        p.parent = new.clone();
                    }
                }
                for c in t.constraints.values_mut() {
                    if c.references.as_ref() == Some(from) {
                        c.references = Some(new.clone());
                    }
                    c.definition = text::qualified(&c.definition, from, to);
                }
            }
            for s in cat.sequences.values_mut() {
                if let Some((t, _)) = &mut s.owned_by {
                    if t == from {
                        *t = new.clone();
                    }
                }
            }
            for_each_tracked_text(cat, |s| text::qualified(s, from, to));
            for ix in cat.indexes.values_mut() {
                if &ix.table == from {
                    ix.table = new.clone();
                }
            }
        }
        Rename::Column { table, from, to } => {
            if let Some(m) = cat.triggers.get_mut(table) {
                for t in m.values_mut() {
                    t.definition = text::trigger_column(&t.definition, from, to);
                }
            }
            if let Some(t) = cat.tables.get_mut(table) {
                for c in &mut t.columns {
                    if &c.name == from {
                        c.name = to.clone();
                    }
                    c.generated = c.generated.as_ref().map(|g| text::column(g, from, to));
                }
                for con in t.constraints.values_mut() {
                    for c in &mut con.columns {
                        if c == from {
                            *c = to.clone();
                        }
                    }
                    con.definition = if con.references.is_some() {
                        text::foreign_key_column(&con.definition, true, from, to)
                    } else {
                        text::column(&con.definition, from, to)
                    };
                }
            }
            for t in cat.tables.values_mut() {
                for con in t.constraints.values_mut() {
                    if con.references.as_ref() == Some(table) {
                        con.definition = text::foreign_key_column(&con.definition, false, from, to);
                    }
                }
            }
            for ix in cat.indexes.values_mut().filter(|ix| &ix.table == table) {
                ix.definition = text::column(&ix.definition, from, to);
            }
            for s in cat.sequences.values_mut() {
                if let Some((t, c)) = &mut s.owned_by {
                    if t == table && c == from {
                        *c = to.clone();
                    }
                }
            }
            if let Some(m) = cat.policies.get_mut(table) {
                for p in m.values_mut() {
                    p.using = p.using.as_ref().map(|e| text::column(e, from, to));
                    p.with_check = p.with_check.as_ref().map(|e| text::column(e, from, to));
                }
            }
        }
        Rename::Sequence { from, to } => {
            let new = rename_of(from, to);
            rekey(&mut cat.sequences, from, &new, |s| s.name = new.clone());
            for t in cat.tables.values_mut() {
                for c in &mut t.columns {
                    c.default = c.default.as_deref().map(|d| text::regclass(d, from, &new));
                }
            }
        }
        Rename::Index { from, to } => {
            let new = rename_of(from, to);
            rekey(&mut cat.indexes, from, &new, |i| i.name = new.clone());
        }
        Rename::Constraint { table, from, to } => {
            if let Some(t) = cat.tables.get_mut(table) {
                if let Some(mut c) = t.constraints.remove(from) {
                    c.name = to.clone();
                    t.constraints.insert(to.clone(), c);
                }
            }
        }
        Rename::Type { from, to } => {
            let new = rename_of(from, to);
            rekey(&mut cat.enums, from, &new, |e| e.name = new.clone());
            rekey(&mut cat.domains, from, &new, |d| d.name = new.clone());
            rekey(&mut cat.composites, from, &new, |c| c.name = new.clone());
            let q = |s: &str| text::qualified(s, from, to);
            for t in cat.tables.values_mut() {
                for c in &mut t.columns {
                    c.data_type = q(&c.data_type);
                    c.default = c.default.as_deref().map(q);
                    c.generated = c.generated.as_deref().map(q);
                }
                for con in t.constraints.values_mut() {
                    con.definition = q(&con.definition);
                }
            }
            for d in cat.domains.values_mut() {
                d.base_type = q(&d.base_type);
                d.default = d.default.as_deref().map(q);
                for c in d.checks.values_mut() {
                    c.definition = q(&c.definition);
                }
            }
            for c in cat.composites.values_mut() {
                for a in &mut c.attributes {
                    a.data_type = q(&a.data_type);
                }
            }
            for_each_tracked_text(cat, q);
            cat.functions = std::mem::take(&mut cat.functions)
                .into_iter()
                .map(|(name, m)| {
                    let m = m
                        .into_iter()
                        .map(|(args, mut f)| {
                            f.args = q(&f.args);
                            f.signature = q(&f.signature);
                            f.result = f.result.as_deref().map(q);
                            f.definition = q(&f.definition);
                            (q(&args), f)
                        })
                        .collect();
                    (name, m)
                })
                .collect();
        }
        Rename::EnumValue { ty, from, to } => {
            if let Some(e) = cat.enums.get_mut(ty) {
                for l in &mut e.labels {
                    if l == from {
                        *l = to.clone();
                    }
                }
            }
            let l = |s: &str| text::label(s, ty, from, to);
            for t in cat.tables.values_mut() {
                for c in &mut t.columns {
                    c.default = c.default.as_deref().map(l);
                    c.generated = c.generated.as_deref().map(l);
                }
                for con in t.constraints.values_mut() {
                    con.definition = l(&con.definition);
                }
            }
            for_each_tracked_text(cat, l);
        }
    }
}

/// Text PostgreSQL keeps by reference (index definitions, views, policies, SQL-standard
/// routine bodies): after a rename it prints the new name there.
fn for_each_tracked_text(cat: &mut Catalog, f: impl Fn(&str) -> String) {
    for ix in cat.indexes.values_mut() {
        ix.definition = f(&ix.definition);
    }
    for v in cat.views.values_mut() {
        v.definition = f(&v.definition);
    }
    for v in cat.materialized_views.values_mut() {
        v.definition = f(&v.definition);
    }
    for m in cat.policies.values_mut() {
        for p in m.values_mut() {
            p.using = p.using.as_deref().map(&f);
            p.with_check = p.with_check.as_deref().map(&f);
        }
    }
    for m in cat.functions.values_mut() {
        for func in m.values_mut().filter(|func| func.sql_body) {
            func.definition = f(&func.definition);
        }
    }
}

fn rekey<V>(
    map: &mut BTreeMap<QualName, V>,
    from: &QualName,
    to: &QualName,
    fix: impl FnOnce(&mut V),
) {
    if let Some(mut v) = map.remove(from) {
        fix(&mut v);
        map.insert(to.clone(), v);
    }
}

fn rename_id(id: &ObjectId, r: &Rename) -> ObjectId {
    match (r, id) {
        (Rename::Table { from, to }, _) => {
            let new = || rename_of(from, to);
            match id {
                ObjectId::Table { name } if name == from => ObjectId::Table { name: new() },
                ObjectId::Column { table, column } if table == from => ObjectId::Column {
                    table: new(),
                    column: column.clone(),
                },
                ObjectId::Constraint { table, name } if table == from => ObjectId::Constraint {
                    table: new(),
                    name: name.clone(),
                },
                ObjectId::Trigger { table, name } if table == from => ObjectId::Trigger {
                    table: new(),
                    name: name.clone(),
                },
                ObjectId::Policy { table, name } if table == from => ObjectId::Policy {
                    table: new(),
                    name: name.clone(),
                },
                _ => id.clone(),
            }
        }
        (Rename::Column { table, from, to }, ObjectId::Column { table: t, column })
            if t == table && column == from =>
        {
            ObjectId::Column {
                table: t.clone(),
                column: to.clone(),
            }
        }
        (Rename::Index { from, to }, ObjectId::Index { name }) if name == from => ObjectId::Index {
            name: rename_of(from, to),
        },
        (Rename::Sequence { from, to }, ObjectId::Sequence { name }) if name == from => {
            ObjectId::Sequence {
                name: rename_of(from, to),
            }
        }
        (Rename::Constraint { table, from, to }, ObjectId::Constraint { table: t, name })
            if t == table && name == from =>
        {
            ObjectId::Constraint {
                table: t.clone(),
                name: to.clone(),
            }
        }
        (Rename::Type { from, to }, ObjectId::Type { name }) if name == from => ObjectId::Type {
            name: rename_of(from, to),
        },
        (Rename::Type { from, to }, ObjectId::Function { name, args }) => ObjectId::Function {
            name: name.clone(),
            args: text::qualified(args, from, to),
        },
        _ => id.clone(),
    }
}
