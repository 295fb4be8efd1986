//! Tables: create (columns and non-foreign-key constraints inline), drop, and table-level
//! changes (persistence, storage parameters, comment). Columns are in `column.rs`,
//! constraints of existing tables and all foreign keys in `constraint.rs`.

use super::build::{comment_change, Ctx, Draft, Phase, PlanError, Steps};
use super::deps::{constraint_index_name, relation_name, type_name};
use super::sql::column_spec;
use super::{column, partition, Action, Hazard};
use crate::catalog::{ObjectId, QualName, Table};
use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    for t in &ctx.diff.tables.added {
        create(ctx, t, out);
    }
    for (f, t) in &ctx.diff.tables.kept {
        alter(ctx, f, t, out);
        if !partition::stays_attached(f, t) {
            column::plan(ctx, f, t, out)?;
        }
    }
    drop_tables(ctx, out);
    Ok(())
}

fn table_id(name: &QualName) -> ObjectId {
    ObjectId::Table { name: name.clone() }
}

/// ```sql
/// CREATE [UNLOGGED] TABLE t (
///     col type [COLLATE c] [GENERATED …] [DEFAULT e] [NOT NULL],
///     CONSTRAINT n PRIMARY KEY (…) | UNIQUE (…) | CHECK (…) | EXCLUDE …
/// ) [PARTITION BY key] [WITH (k=v, …)]
/// CREATE TABLE t PARTITION OF parent [(CONSTRAINT n …)] FOR VALUES … | DEFAULT
///     [PARTITION BY key]
/// ```
/// A partition's columns come from its parent. Foreign keys come later as their own steps,
/// so tables that reference each other can be created, and so do constraints declared NOT
/// VALID (which `CREATE TABLE` would validate). Comments follow as their own steps.
fn create(ctx: &Ctx, t: &Table, out: &mut Steps) {
    let id = table_id(&t.name);
    let mut items: Vec<String> = match t.partition_of {
        Some(_) => Vec::new(),
        None => t.columns.iter().map(column_spec).collect(),
    };
    let mut inline: Vec<_> = t
        .constraints
        .values()
        .filter(|c| !super::constraint::added_after_table(c))
        .collect();
    inline.sort_by_key(|c| c.kind);
    items.extend(
        inline
            .iter()
            .map(|c| format!("CONSTRAINT {} {}", c.name, c.definition)),
    );
    let body = match (items.is_empty(), &t.partition_of) {
        (true, None) => "()".to_string(),
        (true, Some(p)) => format!("PARTITION OF {} {}", p.parent, p.bound),
        (false, None) => format!("(\n    {}\n)", items.join(",\n    ")),
        (false, Some(p)) => format!(
            "PARTITION OF {} (\n    {}\n) {}",
            p.parent,
            items.join(",\n    "),
            p.bound
        ),
    };
    let mut sql = format!(
        "CREATE {}TABLE {} {body}",
        if t.unlogged { "UNLOGGED " } else { "" },
        t.name
    );
    if let Some(key) = &t.partition_by {
        sql.push_str(&format!(" PARTITION BY {key}"));
    }
    if !t.reloptions.is_empty() {
        sql.push_str(&format!(" WITH ({})", t.reloptions.join(", ")));
    }

    let mut creates = vec![id.clone()];
    let mut claims = vec![relation_name(&t.name), type_name(&t.name)];
    for c in &t.columns {
        creates.push(ObjectId::Column {
            table: t.name.clone(),
            column: c.name.clone(),
        });
        if let Some(s) = ctx.to_lookup.identity_sequence(&t.name, &c.name) {
            creates.push(ObjectId::Sequence {
                name: s.name.clone(),
            });
            claims.push(relation_name(&s.name));
        }
    }
    claims.extend(
        inline
            .iter()
            .filter_map(|c| constraint_index_name(&t.name, c)),
    );
    creates.extend(inline.iter().map(|c| ObjectId::Constraint {
        table: t.name.clone(),
        name: c.name.clone(),
    }));
    claims.extend(
        t.partition_of
            .as_ref()
            .map(|p| partition::bounds_name(&p.parent)),
    );
    let mut needs = BTreeSet::new();
    for c in &creates {
        ctx.add_needs_in_to(c, &mut needs);
    }
    out.push(
        Draft::new(
            Phase::CreateTable,
            id.clone(),
            Action::Create,
            sql,
            "table added",
        )
        .hazards(partition::create_hazards(ctx, t))
        .creates(creates)
        .claims(claims)
        .needs(needs),
    );

    out.0.extend(comment_change(
        id,
        format!("TABLE {}", t.name),
        None,
        t.comment.as_ref(),
    ));
    for c in t.columns.iter().filter(|c| c.comment.is_some()) {
        let cid = ObjectId::Column {
            table: t.name.clone(),
            column: c.name.clone(),
        };
        out.0.extend(comment_change(
            cid,
            format!("COLUMN {}.{}", t.name, c.name),
            None,
            c.comment.as_ref(),
        ));
    }
    for c in inline.into_iter().filter(|c| c.comment.is_some()) {
        let cid = ObjectId::Constraint {
            table: t.name.clone(),
            name: c.name.clone(),
        };
        out.0.extend(comment_change(
            cid,
            format!("CONSTRAINT {} ON {}", c.name, t.name),
            None,
            c.comment.as_ref(),
        ));
    }
}

/// `ALTER TABLE t SET LOGGED | SET UNLOGGED`, `SET (k=v, …)`, `RESET (k, …)`, and the
/// table's comment.
fn alter(ctx: &Ctx, f: &Table, t: &Table, out: &mut Steps) {
    let id = table_id(&t.name);
    let step = |sql: String, reason: &str| {
        Draft::new(
            Phase::AlterTable,
            id.clone(),
            Action::Alter,
            format!("ALTER TABLE {} {sql}", t.name),
            reason,
        )
        .needs(ctx.needs_in_to(&id))
    };
    if f.unlogged != t.unlogged {
        let (sql, reason) = if t.unlogged {
            ("SET UNLOGGED", "made unlogged")
        } else {
            ("SET LOGGED", "made logged")
        };
        out.push(
            step(sql.into(), reason)
                .hazard(
                    Hazard::TableRewrite,
                    format!("{} is rewritten to change its persistence", t.name),
                )
                .hazard(
                    Hazard::AccessExclusiveLock,
                    format!("reads and writes of {} wait for the whole rewrite", t.name),
                ),
        );
    }
    let key = |o: &String| o.split('=').next().unwrap_or(o).to_string();
    let from_opts: BTreeMap<String, &String> = f.reloptions.iter().map(|o| (key(o), o)).collect();
    let to_opts: BTreeMap<String, &String> = t.reloptions.iter().map(|o| (key(o), o)).collect();
    let set: Vec<&str> = to_opts
        .iter()
        .filter(|(k, v)| from_opts.get(*k) != Some(*v))
        .map(|(_, v)| v.as_str())
        .collect();
    let reset: Vec<&str> = from_opts
        .keys()
        .filter(|k| !to_opts.contains_key(*k))
        .map(String::as_str)
        .collect();
    if !set.is_empty() {
        out.push(step(
            format!("SET ({})", set.join(", ")),
            "storage parameters changed",
        ));
    }
    if !reset.is_empty() {
        out.push(step(
            format!("RESET ({})", reset.join(", ")),
            "storage parameters reset",
        ));
    }
    out.0.extend(comment_change(
        id,
        format!("TABLE {}", t.name),
        f.comment.as_ref(),
        t.comment.as_ref(),
    ));
}

/// `DROP TABLE t`. When dropped tables reference each other in a cycle, the foreign keys of
/// the cycle are dropped first (`ALTER TABLE t DROP CONSTRAINT fk`), so each table can go.
fn drop_tables(ctx: &Ctx, out: &mut Steps) {
    let dropped: Vec<&Table> = ctx.diff.tables.removed.clone();
    let cyclic = cyclic_foreign_keys(&dropped);
    for (table, name) in &cyclic {
        let id = ObjectId::Constraint {
            table: table.clone(),
            name: name.clone(),
        };
        out.push(
            Draft::new(
                Phase::DropForeignKey,
                id.clone(),
                Action::Drop,
                format!("ALTER TABLE {table} DROP CONSTRAINT {name}"),
                "foreign key between dropped tables that reference each other",
            )
            .drops([id.clone()])
            .releases(ctx.rests_on_in_from(&id)),
        );
    }
    for t in dropped {
        let id = table_id(&t.name);
        let mut drops = vec![id.clone()];
        drops.extend(t.columns.iter().map(|c| ObjectId::Column {
            table: t.name.clone(),
            column: c.name.clone(),
        }));
        drops.extend(
            t.constraints
                .keys()
                .filter(|n| !cyclic.contains(&(t.name.clone(), (*n).clone())))
                .map(|n| ObjectId::Constraint {
                    table: t.name.clone(),
                    name: n.clone(),
                }),
        );
        drops.extend(
            ctx.from_lookup
                .indexes_of(&t.name)
                .map(|i| ObjectId::Index {
                    name: i.name.clone(),
                }),
        );
        drops.extend(
            ctx.from_lookup
                .owned_sequences(&t.name, None)
                .filter(|s| s.identity || !ctx.to.sequences.contains_key(&s.name))
                .map(|s| ObjectId::Sequence {
                    name: s.name.clone(),
                }),
        );
        let releases: BTreeSet<ObjectId> =
            drops.iter().flat_map(|d| ctx.rests_on_in_from(d)).collect();
        let mut frees = vec![relation_name(&t.name), type_name(&t.name)];
        frees.extend(
            t.partition_of
                .as_ref()
                .map(|p| partition::bounds_name(&p.parent)),
        );
        frees.extend(
            t.constraints
                .values()
                .filter_map(|c| constraint_index_name(&t.name, c)),
        );
        frees.extend(drops.iter().filter_map(|d| match d {
            ObjectId::Index { name } | ObjectId::Sequence { name } => Some(relation_name(name)),
            _ => None,
        }));
        out.push(
            Draft::new(
                Phase::DropTable,
                id.clone(),
                Action::Drop,
                format!("DROP TABLE {}", t.name),
                "table removed",
            )
            .hazard(
                Hazard::DataLoss,
                format!("all rows of {} are deleted", t.name),
            )
            .hazard(
                Hazard::BackwardIncompatible,
                format!("table {} no longer exists", t.name),
            )
            .drops(drops)
            .frees(frees)
            .releases(releases),
        );
    }
}

/// Foreign keys among `tables` (other than self-references) whose two tables lie on a
/// reference cycle.
fn cyclic_foreign_keys(tables: &[&Table]) -> BTreeSet<(QualName, crate::catalog::Ident)> {
    let mut graph: DiGraph<&QualName, ()> = DiGraph::new();
    let nodes: BTreeMap<&QualName, _> = tables
        .iter()
        .map(|t| (&t.name, graph.add_node(&t.name)))
        .collect();
    for t in tables {
        for c in t.constraints.values() {
            if let Some(target) = c.references.as_ref().and_then(|r| nodes.get(r)) {
                if c.references.as_ref() != Some(&t.name) {
                    graph.add_edge(nodes[&t.name], *target, ());
                }
            }
        }
    }
    let mut component = BTreeMap::new();
    for (i, scc) in tarjan_scc(&graph).into_iter().enumerate() {
        if scc.len() > 1 {
            for n in scc {
                component.insert(graph[n].clone(), i);
            }
        }
    }
    let mut out = BTreeSet::new();
    for t in tables {
        for c in t.constraints.values() {
            let Some(target) = &c.references else {
                continue;
            };
            if target != &t.name
                && component.contains_key(&t.name)
                && component.get(&t.name) == component.get(target)
            {
                out.insert((t.name.clone(), c.name.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
