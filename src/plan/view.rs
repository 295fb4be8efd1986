//! Views and materialized views: create, replace in place when PostgreSQL allows it, drop
//! and create otherwise (and when something they rest on is replaced, see
//! [`super::rebuild`]), options, population and comments. Indexes of materialized views are
//! planned with the other indexes (`index.rs`).

use super::build::{comment_change, Ctx, Draft, Phase, PlanError, Steps};
use super::deps::{relation_name, type_name};
use super::{Action, Hazard};
use crate::catalog::{MaterializedView, ObjectId, QualName, View, ViewColumn};
use crate::diff::pair_by_key;
use std::collections::BTreeMap;

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    views(ctx, out);
    materialized_views(ctx, out);
    Ok(())
}

fn view_id(name: &QualName) -> ObjectId {
    ObjectId::View { name: name.clone() }
}

fn matview_id(name: &QualName) -> ObjectId {
    ObjectId::MaterializedView { name: name.clone() }
}

/// How the definition and output columns of a view change.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    Same,
    /// `CREATE OR REPLACE VIEW` can make the change; the reason says what changed.
    InPlace(String),
    /// Only a drop and create can; the reason says why.
    Replace(String),
}

/// Compare two versions of a view's query. `CREATE OR REPLACE VIEW` keeps every existing
/// column with its name, type and collation, and may only append new ones.
fn shape(from_def: &str, from: &[ViewColumn], to_def: &str, to: &[ViewColumn]) -> Shape {
    let same_column = |a: &ViewColumn, b: &ViewColumn| {
        a.name == b.name && a.data_type == b.data_type && a.collation == b.collation
    };
    if from_def == to_def
        && from.len() == to.len()
        && from.iter().zip(to).all(|(a, b)| same_column(a, b))
    {
        return Shape::Same;
    }
    for (i, f) in from.iter().enumerate() {
        let Some(t) = to.get(i) else {
            let gone: Vec<String> = from[i..].iter().map(|c| c.name.to_string()).collect();
            return Shape::Replace(format!("column {} removed", gone.join(", ")));
        };
        if f.name != t.name {
            let why = if to.iter().any(|c| c.name == f.name) {
                format!("column {} moves", f.name)
            } else {
                format!("column {} removed or renamed", f.name)
            };
            return Shape::Replace(why);
        }
        if f.data_type != t.data_type {
            return Shape::Replace(format!(
                "column {} changes type from {} to {}",
                f.name, f.data_type, t.data_type
            ));
        }
        if f.collation != t.collation {
            return Shape::Replace(format!("column {} changes collation", f.name));
        }
    }
    let added: Vec<String> = to[from.len()..]
        .iter()
        .map(|c| c.name.to_string())
        .collect();
    match (from_def == to_def, added.is_empty()) {
        (_, true) => Shape::InPlace("definition changed".into()),
        (true, false) => Shape::InPlace(format!("columns appended: {}", added.join(", "))),
        (false, false) => Shape::InPlace(format!(
            "definition changed, columns appended: {}",
            added.join(", ")
        )),
    }
}

fn view_shape(f: &View, t: &View) -> Shape {
    shape(&f.definition, &f.columns, &t.definition, &t.columns)
}

/// Views and materialized views that their own change replaces (drop and create), with
/// why: a view whose columns `CREATE OR REPLACE VIEW` cannot keep, a materialized view
/// whose query changes at all.
pub(crate) fn replaced(ctx: &Ctx) -> Vec<(ObjectId, String)> {
    let mut out = Vec::new();
    for (f, t) in pair_by_key(&ctx.from.views, &ctx.to.views).kept {
        if let Shape::Replace(why) = view_shape(f, t) {
            out.push((
                view_id(&t.name),
                format!("{why}, which CREATE OR REPLACE VIEW cannot do"),
            ));
        }
    }
    let matviews = pair_by_key(&ctx.from.materialized_views, &ctx.to.materialized_views);
    for (f, t) in matviews.kept {
        match shape(&f.definition, &f.columns, &t.definition, &t.columns) {
            Shape::Same => {}
            Shape::InPlace(why) | Shape::Replace(why) => out.push((
                matview_id(&t.name),
                format!("{why} (a materialized view cannot be replaced in place)"),
            )),
        }
    }
    out
}

/// True when the view `name` is kept and changed with `CREATE OR REPLACE VIEW`.
pub(crate) fn replaced_in_place(ctx: &Ctx, name: &QualName) -> bool {
    match (ctx.from.views.get(name), ctx.to.views.get(name)) {
        (Some(f), Some(t)) => matches!(view_shape(f, t), Shape::InPlace(_)),
        _ => false,
    }
}

/// `WITH (k=v, ...)` before `AS`, or nothing.
fn with_options(options: &[String]) -> String {
    if options.is_empty() {
        String::new()
    } else {
        format!(" WITH ({})", options.join(", "))
    }
}

/// Options to set (`k=v`) and to reset (`k`) to go from `from` to `to`.
fn option_changes<'a>(from: &'a [String], to: &'a [String]) -> (Vec<&'a str>, Vec<&'a str>) {
    let key = |o: &'a String| o.split('=').next().unwrap_or(o);
    let from: BTreeMap<&str, &String> = from.iter().map(|o| (key(o), o)).collect();
    let to: BTreeMap<&str, &String> = to.iter().map(|o| (key(o), o)).collect();
    let set = to
        .iter()
        .filter(|(k, v)| from.get(*k) != Some(*v))
        .map(|(_, v)| v.as_str())
        .collect();
    let reset = from
        .keys()
        .filter(|k| !to.contains_key(*k))
        .copied()
        .collect();
    (set, reset)
}

/// `ALTER [MATERIALIZED] VIEW v SET (k=v, ...)` and `RESET (k, ...)`.
fn alter_options(
    id: &ObjectId,
    keyword: &str,
    name: &QualName,
    from: &[String],
    to: &[String],
    out: &mut Steps,
) {
    let (set, reset) = option_changes(from, to);
    let step = |sql: String, reason: &str| {
        Draft::new(Phase::AlterView, id.clone(), Action::Alter, sql, reason).needs([id.clone()])
    };
    if !set.is_empty() {
        out.push(step(
            format!("ALTER {keyword} {name} SET ({})", set.join(", ")),
            "options changed",
        ));
    }
    if !reset.is_empty() {
        out.push(step(
            format!("ALTER {keyword} {name} RESET ({})", reset.join(", ")),
            "options reset",
        ));
    }
}

/// `COMMENT ON [MATERIALIZED] VIEW` and `COMMENT ON COLUMN` for what differs; `from` is
/// `None` for a view that is (re)created.
fn comments(
    id: &ObjectId,
    keyword: &str,
    name: &QualName,
    from: Option<(&Option<String>, &[ViewColumn])>,
    to: (&Option<String>, &[ViewColumn]),
    out: &mut Steps,
) {
    out.0.extend(comment_change(
        id.clone(),
        format!("{keyword} {name}"),
        from.and_then(|(c, _)| c.as_ref()),
        to.0.as_ref(),
    ));
    for c in to.1 {
        let before = from
            .and_then(|(_, cols)| cols.iter().find(|f| f.name == c.name))
            .and_then(|f| f.comment.as_ref());
        out.0.extend(comment_change(
            id.clone(),
            format!("COLUMN {name}.{}", c.name),
            before,
            c.comment.as_ref(),
        ));
    }
}

fn views(ctx: &Ctx, out: &mut Steps) {
    let pairs = pair_by_key(&ctx.from.views, &ctx.to.views);
    for v in &pairs.added {
        create_view(ctx, v, "view added", out);
    }
    for (f, t) in &pairs.kept {
        let id = view_id(&t.name);
        if let Some(why) = ctx.rebuild.reason(&id) {
            out.push(drop_view(
                ctx,
                f,
                &format!("dropped to be recreated: {why}"),
            ));
            create_view(ctx, t, &format!("recreated: {why}"), out);
            continue;
        }
        match view_shape(f, t) {
            Shape::InPlace(why) => out.push(replace_view(ctx, t, &why)),
            Shape::Same => alter_options(&id, "VIEW", &t.name, &f.options, &t.options, out),
            // every replacement is in ctx.rebuild (see `replaced`)
            Shape::Replace(_) => {}
        }
        comments(
            &id,
            "VIEW",
            &t.name,
            Some((&f.comment, &f.columns)),
            (&t.comment, &t.columns),
            out,
        );
    }
    for v in &pairs.removed {
        out.push(drop_view(ctx, v, "view removed").hazard(
            Hazard::BackwardIncompatible,
            format!("view {} no longer exists", v.name),
        ));
    }
}

/// `CREATE VIEW v [WITH (check_option=..., security_barrier=..., security_invoker=...)] AS
/// <query>`, then its comments.
fn create_view(ctx: &Ctx, v: &View, reason: &str, out: &mut Steps) {
    let id = view_id(&v.name);
    out.push(
        Draft::new(
            Phase::CreateView,
            id.clone(),
            Action::Create,
            format!(
                "CREATE VIEW {}{} AS\n{}",
                v.name,
                with_options(&v.options),
                v.definition
            ),
            reason,
        )
        .creates([id.clone()])
        .claims([relation_name(&v.name), type_name(&v.name)])
        .needs(ctx.needs_in_to(&id)),
    );
    comments(&id, "VIEW", &v.name, None, (&v.comment, &v.columns), out);
}

/// `CREATE OR REPLACE VIEW v [WITH (...)] AS <query>`: the options are replaced too (no
/// `WITH` resets them).
fn replace_view(ctx: &Ctx, v: &View, reason: &str) -> Draft {
    let id = view_id(&v.name);
    Draft::new(
        Phase::CreateView,
        id.clone(),
        Action::Alter,
        format!(
            "CREATE OR REPLACE VIEW {}{} AS\n{}",
            v.name,
            with_options(&v.options),
            v.definition
        ),
        reason,
    )
    .alters([id.clone()])
    .needs(ctx.needs_in_to(&id))
    .releases(ctx.released_by_alter(&id))
}

/// `DROP VIEW v`.
fn drop_view(ctx: &Ctx, v: &View, reason: &str) -> Draft {
    let id = view_id(&v.name);
    Draft::new(
        Phase::DropView,
        id.clone(),
        Action::Drop,
        format!("DROP VIEW {}", v.name),
        reason,
    )
    .drops([id.clone()])
    .frees([relation_name(&v.name), type_name(&v.name)])
    .releases(ctx.rests_on_in_from(&id))
}

fn materialized_views(ctx: &Ctx, out: &mut Steps) {
    let pairs = pair_by_key(&ctx.from.materialized_views, &ctx.to.materialized_views);
    for m in &pairs.added {
        create_matview(ctx, m, "materialized view added", false, out);
    }
    for (f, t) in &pairs.kept {
        let id = matview_id(&t.name);
        if let Some(why) = ctx.rebuild.reason(&id) {
            out.push(drop_matview(
                ctx,
                f,
                &format!("dropped to be recreated: {why}"),
            ));
            create_matview(ctx, t, &format!("recreated: {why}"), true, out);
            continue;
        }
        alter_options(
            &id,
            "MATERIALIZED VIEW",
            &t.name,
            &f.reloptions,
            &t.reloptions,
            out,
        );
        if !f.populated && t.populated {
            out.push(
                Draft::new(
                    Phase::AlterView,
                    id.clone(),
                    Action::Alter,
                    format!("REFRESH MATERIALIZED VIEW {}", t.name),
                    "not populated: declared WITH DATA",
                )
                .needs(ctx.needs_in_to(&id)),
            );
        }
        comments(
            &id,
            "MATERIALIZED VIEW",
            &t.name,
            Some((&f.comment, &f.columns)),
            (&t.comment, &t.columns),
            out,
        );
    }
    for m in &pairs.removed {
        out.push(drop_matview(ctx, m, "materialized view removed").hazard(
            Hazard::BackwardIncompatible,
            format!("materialized view {} no longer exists", m.name),
        ));
    }
}

/// `CREATE MATERIALIZED VIEW m [WITH (storage parameters)] AS <query> [WITH NO DATA]`, then
/// its comments. `WITH NO DATA` when the desired one is not populated. `replaces`: it takes
/// the place of a live one, whose rows are computed again (or are gone until a refresh).
fn create_matview(ctx: &Ctx, m: &MaterializedView, reason: &str, replaces: bool, out: &mut Steps) {
    let id = matview_id(&m.name);
    let no_data = if m.populated { "" } else { "\nWITH NO DATA" };
    let recompute = if m.populated {
        format!(
            "the rows of {} are computed again from its query; readers wait until the plan commits",
            m.name
        )
    } else {
        format!(
            "{} is created WITH NO DATA: reading it fails until REFRESH MATERIALIZED VIEW",
            m.name
        )
    };
    out.push(
        Draft::new(
            Phase::CreateView,
            id.clone(),
            Action::Create,
            format!(
                "CREATE MATERIALIZED VIEW {}{} AS\n{}{no_data}",
                m.name,
                with_options(&m.reloptions),
                m.definition
            ),
            reason,
        )
        .hazard_if(replaces, Hazard::MaterializedViewRecompute, recompute)
        .creates([id.clone()])
        .claims([relation_name(&m.name), type_name(&m.name)])
        .needs(ctx.needs_in_to(&id)),
    );
    comments(
        &id,
        "MATERIALIZED VIEW",
        &m.name,
        None,
        (&m.comment, &m.columns),
        out,
    );
}

/// `DROP MATERIALIZED VIEW m`, which drops its indexes too.
fn drop_matview(ctx: &Ctx, m: &MaterializedView, reason: &str) -> Draft {
    let id = matview_id(&m.name);
    let indexes: Vec<ObjectId> = ctx
        .from_lookup
        .indexes_of(&m.name)
        .map(|i| ObjectId::Index {
            name: i.name.clone(),
        })
        .collect();
    let mut frees = vec![relation_name(&m.name), type_name(&m.name)];
    frees.extend(
        ctx.from_lookup
            .indexes_of(&m.name)
            .map(|i| relation_name(&i.name)),
    );
    let mut drops = vec![id.clone()];
    drops.extend(indexes);
    Draft::new(
        Phase::DropView,
        id.clone(),
        Action::Drop,
        format!("DROP MATERIALIZED VIEW {}", m.name),
        reason,
    )
    .drops(drops)
    .frees(frees)
    .releases(ctx.rests_on_in_from(&id))
}

#[cfg(test)]
#[path = "view_tests.rs"]
mod tests;
