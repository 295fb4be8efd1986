//! Triggers and event triggers: created, replaced, dropped, enabled or disabled.

use super::build::{comment_change, Ctx, Draft, Phase, PlanError, Steps};
use super::routine_deps::rebuild_cause;
use super::{Action, Hazard};
use crate::catalog::{quote_literal, EventTrigger, Ident, ObjectId, Trigger, TriggerEnabled};
use crate::diff::pair_by_key;
use std::collections::BTreeMap;

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    triggers(ctx, out);
    event_triggers(ctx, out);
    Ok(())
}

fn triggers(ctx: &Ctx, out: &mut Steps) {
    let by_id = |c: &'_ crate::catalog::Catalog| -> BTreeMap<ObjectId, Trigger> {
        c.triggers
            .values()
            .flat_map(|m| m.values())
            .map(|t| (t.id(), t.clone()))
            .collect()
    };
    let (from, to) = (by_id(ctx.from), by_id(ctx.to));
    let pairs = pair_by_key(&from, &to);
    for t in &pairs.added {
        create(ctx, t, "trigger added", out);
    }
    for (f, t) in &pairs.kept {
        kept(ctx, f, t, out);
    }
    for f in &pairs.removed {
        out.push(drop(ctx, f, "trigger removed"));
    }
}

fn comment_target(t: &Trigger) -> String {
    format!("TRIGGER {} ON {}", t.name, t.table)
}

/// `CREATE [CONSTRAINT] TRIGGER ...` (`pg_get_triggerdef`), then its enabled state when it
/// is not the default, then its comment.
fn create(ctx: &Ctx, t: &Trigger, reason: &str, out: &mut Steps) {
    let id = t.id();
    out.push(
        Draft::new(
            Phase::CreateTrigger,
            id.clone(),
            Action::Create,
            t.definition.clone(),
            reason,
        )
        .creates([id.clone()])
        .needs(ctx.needs_in_to(&id)),
    );
    if t.enabled != TriggerEnabled::Origin {
        out.push(set_enabled(t, "enabled state set as declared"));
    }
    out.0.extend(comment_change(
        id,
        comment_target(t),
        None,
        t.comment.as_ref(),
    ));
}

/// `DROP TRIGGER n ON t`: ACCESS EXCLUSIVE on a table that stays.
fn drop(ctx: &Ctx, t: &Trigger, reason: &str) -> Draft {
    let id = t.id();
    let table_stays = !t.on_view && ctx.to.tables.contains_key(&t.table);
    Draft::new(
        Phase::DropTrigger,
        id.clone(),
        Action::Drop,
        format!("DROP TRIGGER {} ON {}", t.name, t.table),
        reason,
    )
    .hazard_if(
        table_stays,
        Hazard::AccessExclusiveLock,
        format!(
            "reads and writes of {} wait while the trigger is dropped",
            t.table
        ),
    )
    .drops([id.clone()])
    .releases(ctx.rests_on_in_from(&id))
}

/// `ALTER TABLE t ENABLE | DISABLE | ENABLE REPLICA | ENABLE ALWAYS TRIGGER n`.
fn set_enabled(t: &Trigger, reason: &str) -> Draft {
    let id = t.id();
    Draft::new(
        Phase::AlterTrigger,
        id.clone(),
        Action::Alter,
        format!(
            "ALTER TABLE {} {} TRIGGER {}",
            t.table,
            t.enabled.clause(),
            t.name
        ),
        reason,
    )
    .needs([id])
}

/// A trigger on both sides: dropped and created again when something it rests on is
/// replaced or when it is (or becomes) a constraint trigger, replaced with `CREATE OR
/// REPLACE TRIGGER` otherwise (which resets the enabled state); enabled state; comment.
fn kept(ctx: &Ctx, f: &Trigger, t: &Trigger, out: &mut Steps) {
    let id = t.id();
    let rebuilt = ctx.rebuild.contains(&id);
    let changed = f.definition != t.definition;
    if rebuilt || (changed && (f.constraint || t.constraint)) {
        let why = if rebuilt {
            rebuild_cause(ctx, &id)
        } else {
            "its definition changed and a constraint trigger cannot be replaced in place".into()
        };
        out.push(drop(ctx, f, &format!("dropped to be created again: {why}")));
        create(ctx, t, &format!("created again: {why}"), out);
        return;
    }
    let mut enabled_from = f.enabled;
    if changed {
        let sql = match t.definition.strip_prefix("CREATE TRIGGER ") {
            Some(rest) => format!("CREATE OR REPLACE TRIGGER {rest}"),
            None => t.definition.clone(),
        };
        out.push(
            Draft::new(
                Phase::CreateTrigger,
                id.clone(),
                Action::Alter,
                sql,
                "trigger definition changed",
            )
            .alters([id.clone()])
            .needs(ctx.needs_in_to(&id))
            .releases(ctx.released_by_alter(&id)),
        );
        enabled_from = TriggerEnabled::Origin;
    }
    if enabled_from != t.enabled {
        let reason = if changed {
            "enabled state set again after the replacement"
        } else {
            "enabled state changed"
        };
        out.push(set_enabled(t, reason));
    }
    out.0.extend(comment_change(
        id,
        comment_target(t),
        f.comment.as_ref(),
        t.comment.as_ref(),
    ));
}

fn event_triggers(ctx: &Ctx, out: &mut Steps) {
    let pairs = pair_by_key(&ctx.from.event_triggers, &ctx.to.event_triggers);
    for t in &pairs.added {
        create_event(ctx, t, "event trigger added", out);
    }
    for (f, t) in &pairs.kept {
        let id = t.id();
        let rebuilt = ctx.rebuild.contains(&id);
        let changed = f.event != t.event || f.tags != t.tags || f.function != t.function;
        if rebuilt || changed {
            let why = if rebuilt {
                rebuild_cause(ctx, &id)
            } else {
                "its event, tags or function changed".into()
            };
            out.push(drop_event(
                ctx,
                f,
                &format!("dropped to be created again: {why}"),
            ));
            create_event(ctx, t, &format!("created again: {why}"), out);
            continue;
        }
        if f.enabled != t.enabled {
            out.push(set_event_enabled(t, "enabled state changed"));
        }
        out.0.extend(comment_change(
            id,
            format!("EVENT TRIGGER {}", t.name),
            f.comment.as_ref(),
            t.comment.as_ref(),
        ));
    }
    for f in &pairs.removed {
        out.push(drop_event(ctx, f, "event trigger removed"));
    }
}

/// ```sql
/// CREATE EVENT TRIGGER n ON event [WHEN TAG IN ('CREATE TABLE', ...)]
///     EXECUTE FUNCTION s.f()
/// ```
/// Created after everything else, so that it does not fire on the plan's own steps.
fn create_event(ctx: &Ctx, t: &EventTrigger, reason: &str, out: &mut Steps) {
    let id = t.id();
    let mut sql = format!(
        "CREATE EVENT TRIGGER {} ON {}",
        t.name,
        Ident::new(&t.event)
    );
    if !t.tags.is_empty() {
        let tags: Vec<String> = t.tags.iter().map(|s| quote_literal(s)).collect();
        sql.push_str(&format!(" WHEN TAG IN ({})", tags.join(", ")));
    }
    sql.push_str(&format!(" EXECUTE FUNCTION {}()", t.function));
    out.push(
        Draft::new(
            Phase::CreateEventTrigger,
            id.clone(),
            Action::Create,
            sql,
            reason,
        )
        .creates([id.clone()])
        .needs(ctx.needs_in_to(&id)),
    );
    if t.enabled != TriggerEnabled::Origin {
        out.push(set_event_enabled(t, "enabled state set as declared"));
    }
    out.0.extend(comment_change(
        id,
        format!("EVENT TRIGGER {}", t.name),
        None,
        t.comment.as_ref(),
    ));
}

/// `DROP EVENT TRIGGER n`, before anything else, so that it does not fire on the plan's
/// own steps.
fn drop_event(ctx: &Ctx, t: &EventTrigger, reason: &str) -> Draft {
    let id = t.id();
    Draft::new(
        Phase::DropEventTrigger,
        id.clone(),
        Action::Drop,
        format!("DROP EVENT TRIGGER {}", t.name),
        reason,
    )
    .drops([id.clone()])
    .releases(ctx.rests_on_in_from(&id))
}

/// `ALTER EVENT TRIGGER n ENABLE | DISABLE | ENABLE REPLICA | ENABLE ALWAYS`.
fn set_event_enabled(t: &EventTrigger, reason: &str) -> Draft {
    let id = t.id();
    Draft::new(
        Phase::CreateEventTrigger,
        id.clone(),
        Action::Alter,
        format!("ALTER EVENT TRIGGER {} {}", t.name, t.enabled.clause()),
        reason,
    )
    .needs([id])
}

#[cfg(test)]
#[path = "trigger_tests.rs"]
mod tests;
