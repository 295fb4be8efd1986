//! Functions, procedures and aggregates: created, replaced in place with `CREATE OR
//! REPLACE` when PostgreSQL allows it, otherwise dropped and created again together with
//! what rests on them (see `routine_deps.rs`); and the domains whose checks or default call
//! a routine that is dropped.

use super::build::{comment_change, Ctx, Draft, Phase, PlanError, Steps};
use super::routine_deps::{rebuild_cause, routines_in};
use super::{Action, Hazard};
use crate::catalog::{Domain, Function, ObjectId, RoutineKind};
use crate::diff::pair_by_key;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    let by_id = |c: &'_ crate::catalog::Catalog| -> BTreeMap<ObjectId, Function> {
        c.all_functions().map(|f| (f.id(), f.clone())).collect()
    };
    let (from, to) = (by_id(ctx.from), by_id(ctx.to));
    let pairs = pair_by_key(&from, &to);
    // A removed and an added routine with the same signature: the same routine whose
    // parameter names or modes changed (which changes its identity arguments).
    let removed_sigs: BTreeMap<String, &Function> =
        pairs.removed.iter().map(|f| (signature(f), *f)).collect();
    let added_sigs: BTreeMap<String, &Function> =
        pairs.added.iter().map(|f| (signature(f), *f)).collect();
    let blocker = |f: &Function, t: &Function| {
        replace_blocker(f, t).unwrap_or_else(|| "its parameter names change".into())
    };

    let read = body_reads(ctx);
    let reads = |f: &Function| read.get(&f.id()).cloned().unwrap_or_default();

    for t in &pairs.added {
        let reason = match removed_sigs.get(&signature(t)) {
            Some(f) => format!("created again: {}", blocker(f, t)),
            None => "routine added".into(),
        };
        out.push(create(ctx, t, &reason).needs(reads(t)));
        out.0.extend(comment_change(
            t.id(),
            comment_target(t),
            None,
            t.comment.as_ref(),
        ));
    }
    for (f, t) in &pairs.kept {
        kept(ctx, f, t, reads(t), out);
    }
    for f in &pairs.removed {
        let d = if let Some(t) = added_sigs.get(&signature(f)) {
            let why = blocker(f, t);
            drop(
                ctx,
                f,
                &format!("dropped to be created again: {why}, which CREATE OR REPLACE cannot do"),
            )
            .hazard(
                Hazard::BackwardIncompatible,
                format!("{why}: calls written for {} may break", f.target()),
            )
        } else {
            drop(ctx, f, "routine removed").hazard(
                Hazard::BackwardIncompatible,
                format!("{} no longer exists: its callers fail", f.target()),
            )
        };
        out.push(d);
    }
    domains(ctx, out);
    Ok(())
}

/// The name a routine takes among the routines of its schema: PostgreSQL tells them apart
/// by name and input argument types only (see [`super::deps::relation_name`]).
fn signature(f: &Function) -> String {
    format!("routine {}({})", f.name, f.signature)
}

fn comment_target(f: &Function) -> String {
    format!("{} {}", f.kind.keyword(), f.target())
}

/// What the string bodies of `LANGUAGE sql` routines seem to read, by routine: tables and
/// routines of the desired catalog whose name appears in the body. PostgreSQL checks such
/// a body against the catalog when the routine is created but records no dependency, so
/// the plan must create those first. A name that only looks like a reference costs an
/// edge; an edge that would close a cycle (the object needs the routine, or two bodies
/// name each other) is left out.
fn body_reads(ctx: &Ctx) -> BTreeMap<ObjectId, BTreeSet<ObjectId>> {
    let mut by_name: BTreeMap<&str, Vec<ObjectId>> = BTreeMap::new();
    for t in ctx.to.tables.keys() {
        by_name
            .entry(t.name.as_str())
            .or_default()
            .push(ObjectId::Table { name: t.clone() });
    }
    for f in ctx.to.all_functions() {
        by_name
            .entry(f.name.name.as_str())
            .or_default()
            .push(f.id());
    }
    let mut out: BTreeMap<ObjectId, BTreeSet<ObjectId>> = BTreeMap::new();
    for f in ctx.to.all_functions() {
        if f.language != "sql" || f.sql_body {
            continue;
        }
        let id = f.id();
        let body = f
            .definition
            .split_once("\nAS ")
            .map_or(f.definition.as_str(), |(_, b)| b);
        let found: BTreeSet<ObjectId> = identifiers(body)
            .iter()
            .filter_map(|w| by_name.get(w.as_str()))
            .flatten()
            .filter(|x| **x != id && !needs_routine(ctx, x, &id))
            .cloned()
            .collect();
        if !found.is_empty() {
            out.insert(id, found);
        }
    }
    let mutual: Vec<(ObjectId, ObjectId)> = out
        .iter()
        .flat_map(|(a, bs)| bs.iter().map(move |b| (a.clone(), b.clone())))
        .filter(|(a, b)| out.get(b).is_some_and(|s| s.contains(a)))
        .collect();
    for (a, b) in mutual {
        if let Some(s) = out.get_mut(&a) {
            s.remove(&b);
        }
    }
    out
}

/// True when `x` (a table or routine of the desired catalog), or a column or constraint
/// of it (created with it), rests on the routine `f`.
fn needs_routine(ctx: &Ctx, x: &ObjectId, f: &ObjectId) -> bool {
    let rests = |id: &ObjectId| ctx.to.dependencies_of(id).any(|d| d == f);
    if rests(x) {
        return true;
    }
    let ObjectId::Table { name } = x else {
        return false;
    };
    ctx.to.tables.get(name).is_some_and(|t| {
        t.columns.iter().any(|c| {
            rests(&ObjectId::Column {
                table: name.clone(),
                column: c.name.clone(),
            })
        }) || t.constraints.keys().any(|c| {
            rests(&ObjectId::Constraint {
                table: name.clone(),
                name: c.clone(),
            })
        })
    })
}

/// The identifiers of a piece of SQL as PostgreSQL folds them: unquoted ones in lower
/// case, quoted ones as written.
fn identifiers(sql: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            let mut word = String::new();
            while let Some(q) = chars.next() {
                if q == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        word.push('"');
                        continue;
                    }
                    break;
                }
                word.push(q);
            }
            out.insert(word);
        } else if c.is_alphabetic() || c == '_' {
            let mut word: String = c.to_lowercase().collect();
            while let Some(&n) = chars.peek() {
                if n.is_alphanumeric() || n == '_' || n == '$' {
                    word.extend(n.to_lowercase());
                    chars.next();
                } else {
                    break;
                }
            }
            out.insert(word);
        }
    }
    out
}

/// Why `CREATE OR REPLACE` cannot turn `f` into `t` (PostgreSQL refuses to change the kind,
/// the result type, OUT parameters, parameter names, or to remove parameter defaults).
pub(crate) fn replace_blocker(f: &Function, t: &Function) -> Option<String> {
    if f.kind != t.kind {
        return Some(format!(
            "it changes from a {} to a {}",
            f.kind.keyword().to_lowercase(),
            t.kind.keyword().to_lowercase()
        ));
    }
    if f.result != t.result {
        return Some(format!(
            "its result changes from {} to {}",
            f.result.as_deref().unwrap_or("none"),
            t.result.as_deref().unwrap_or("none")
        ));
    }
    if f.arg_modes != t.arg_modes {
        return Some("its parameter modes change".into());
    }
    if f.arg_names != t.arg_names {
        return Some("its parameter names change".into());
    }
    if t.arg_defaults < f.arg_defaults {
        return Some("parameter defaults are removed".into());
    }
    if f.kind == RoutineKind::Aggregate
        && f.definition.ends_with(", HYPOTHETICAL)") != t.definition.ends_with(", HYPOTHETICAL)")
    {
        return Some("it becomes or stops being a hypothetical-set aggregate".into());
    }
    None
}

/// What differs between two versions of a routine that `CREATE OR REPLACE` can change.
fn differences(f: &Function, t: &Function) -> Vec<String> {
    let mut out = Vec::new();
    let mut changed = |what: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{what} {a} → {b}"));
        }
    };
    changed("language", f.language.clone(), t.language.clone());
    changed("volatility", f.volatility.clone(), t.volatility.clone());
    changed("parallel", f.parallel.clone(), t.parallel.clone());
    let yes_no = |b: bool, yes: &str, no: &str| if b { yes.to_string() } else { no.to_string() };
    changed(
        "security",
        yes_no(f.security_definer, "definer", "invoker"),
        yes_no(t.security_definer, "definer", "invoker"),
    );
    changed(
        "null input",
        yes_no(f.strict, "strict", "called"),
        yes_no(t.strict, "strict", "called"),
    );
    changed(
        "leakproof",
        yes_no(f.leakproof, "yes", "no"),
        yes_no(t.leakproof, "yes", "no"),
    );
    changed("cost", f.cost.clone(), t.cost.clone());
    changed("rows", f.rows.clone(), t.rows.clone());
    let set = |c: &[String]| {
        if c.is_empty() {
            "none".to_string()
        } else {
            c.join("; ")
        }
    };
    changed("SET", set(&f.config), set(&t.config));
    if f.arg_defaults != t.arg_defaults {
        out.push("parameter defaults added".into());
    }
    if out.is_empty() {
        out.push("definition changed".into());
    }
    out
}

/// `CREATE FUNCTION | PROCEDURE | AGGREGATE ...`: the catalog's definition without its
/// `OR REPLACE`.
fn create(ctx: &Ctx, f: &Function, reason: &str) -> Draft {
    let def = f.definition.trim_end();
    let sql = match def.strip_prefix("CREATE OR REPLACE ") {
        Some(rest) => format!("CREATE {rest}"),
        None => def.to_string(),
    };
    let id = f.id();
    Draft::new(
        Phase::CreateFunction,
        id.clone(),
        Action::Create,
        sql,
        reason,
    )
    .creates([id.clone()])
    .claims([signature(f)])
    .needs(ctx.needs_in_to(&id))
}

/// `DROP FUNCTION | PROCEDURE | AGGREGATE name(args)`.
fn drop(ctx: &Ctx, f: &Function, reason: &str) -> Draft {
    let id = f.id();
    Draft::new(
        Phase::DropFunction,
        id.clone(),
        Action::Drop,
        format!("DROP {} {}", f.kind.keyword(), f.target()),
        reason,
    )
    .drops([id.clone()])
    .frees([signature(f)])
    .releases(ctx.rests_on_in_from(&id))
}

/// A routine on both sides: replaced in place (`CREATE OR REPLACE ...`), or dropped and
/// created again when PostgreSQL cannot replace it or something it rests on is replaced.
fn kept(ctx: &Ctx, f: &Function, t: &Function, reads: BTreeSet<ObjectId>, out: &mut Steps) {
    let id = t.id();
    let blocker = replace_blocker(f, t);
    let rebuilt = ctx.rebuild.contains(&id);
    if blocker.is_some() || rebuilt {
        let why = match &blocker {
            Some(b) => format!("{b}, which CREATE OR REPLACE cannot do"),
            None => rebuild_cause(ctx, &id),
        };
        let mut d = drop(ctx, f, &format!("dropped to be created again: {why}"));
        if let Some(b) = &blocker {
            d = d.hazard(
                Hazard::BackwardIncompatible,
                format!("{b}: callers written for the old one may break"),
            );
        }
        out.push(d);
        out.push(create(ctx, t, &format!("created again: {why}")).needs(reads));
        out.0.extend(comment_change(
            id,
            comment_target(t),
            None,
            t.comment.as_ref(),
        ));
        return;
    }
    if f.definition != t.definition {
        out.push(
            Draft::new(
                Phase::CreateFunction,
                id.clone(),
                Action::Alter,
                t.definition.trim_end(),
                differences(f, t).join(", "),
            )
            .alters([id.clone()])
            .needs(ctx.needs_in_to(&id))
            .needs(reads)
            .releases(ctx.released_by_alter(&id)),
        );
    }
    out.0.extend(comment_change(
        id,
        comment_target(t),
        f.comment.as_ref(),
        t.comment.as_ref(),
    ));
}

/// Domains in the rebuild set: their checks and default that call a routine the plan
/// drops are dropped before it (`ALTER DOMAIN d DROP CONSTRAINT c`, `DROP DEFAULT`) and
/// put back after it is created again (`ADD CONSTRAINT c CHECK (...) [NOT VALID]`, `SET
/// DEFAULT e`). Checks and defaults that change anyway are the types planner's.
fn domains(ctx: &Ctx, out: &mut Steps) {
    for (id, _) in ctx.rebuild.iter() {
        let ObjectId::Type { name } = id else {
            continue;
        };
        let (Some(f), Some(t)) = (ctx.from.domains.get(name), ctx.to.domains.get(name)) else {
            continue;
        };
        let calls: Vec<String> = routines_in(ctx, ctx.from.dependencies_of(id))
            .into_iter()
            .map(|r| format!("{}(", r.name))
            .collect();
        let uses = |text: &str| calls.iter().any(|c| text.contains(c.as_str()));
        let why = rebuild_cause(ctx, id);
        for (cname, check) in &f.checks {
            if t.checks.get(cname) != Some(check) || !uses(&check.definition) {
                continue;
            }
            out.push(domain_step(
                ctx,
                f,
                format!("DROP CONSTRAINT {cname}"),
                format!("check dropped: {why}"),
                true,
            ));
            let not_valid = if check.validated { "" } else { " NOT VALID" };
            let scans = check.validated && !ctx.from_lookup.type_users(&f.name).is_empty();
            out.push(
                domain_step(
                    ctx,
                    t,
                    format!("ADD CONSTRAINT {cname} {}{not_valid}", check.definition),
                    format!("check added again: {why}"),
                    false,
                )
                .hazard_if(
                    scans,
                    Hazard::ValidationScan,
                    "every column of the domain is read to check existing values again",
                )
                .hazard_if(
                    scans,
                    Hazard::DataDependent,
                    "fails if an existing value violates the check under the new routine",
                ),
            );
        }
        if let (Some(a), Some(b)) = (&f.default, &t.default) {
            if a == b && uses(a) {
                out.push(domain_step(
                    ctx,
                    f,
                    "DROP DEFAULT".into(),
                    format!("default dropped: {why}"),
                    true,
                ));
                out.push(domain_step(
                    ctx,
                    t,
                    format!("SET DEFAULT {b}"),
                    format!("default set again: {why}"),
                    false,
                ));
            }
        }
    }
}

/// `ALTER DOMAIN d <sql>`: a step that lets go of what the domain rests on (`releasing`)
/// or needs it again.
fn domain_step(ctx: &Ctx, d: &Domain, sql: String, reason: String, releasing: bool) -> Draft {
    let id = ObjectId::Type {
        name: d.name.clone(),
    };
    let step = Draft::new(
        Phase::AlterType,
        id.clone(),
        Action::Alter,
        format!("ALTER DOMAIN {} {sql}", d.name),
        reason,
    );
    if releasing {
        step.releases(ctx.from.dependencies_of(&id).cloned())
    } else {
        step.needs(ctx.needs_in_to(&id))
    }
}

#[cfg(test)]
#[path = "routine_tests.rs"]
pub(crate) mod tests;
