//! Routines, triggers and event triggers from the rows of `functions.sql`,
//! `triggers.sql` and `event_triggers.sql`, with the OIDs that map their `pg_depend` rows.

use super::depends::{Oids, PG_EVENT_TRIGGER, PG_PROC, PG_TRIGGER};
use super::queries::{read, Rows};
use super::IntrospectError;
use crate::catalog::{
    Catalog, EventTrigger, Function, Ident, ObjectId, QualName, RoutineKind, Trigger,
    TriggerEnabled,
};

/// Add every routine, trigger and event trigger of the snapshot to `cat`.
pub(super) fn build(
    rows: &Rows,
    oids: &mut Oids,
    cat: &mut Catalog,
) -> Result<(), IntrospectError> {
    functions(rows, oids, cat)?;
    triggers(rows, oids, cat)?;
    event_triggers(rows, oids, cat)
}

fn routine_kind(code: &str) -> Option<RoutineKind> {
    Some(match code {
        "f" => RoutineKind::Function,
        "p" => RoutineKind::Procedure,
        "a" => RoutineKind::Aggregate,
        "w" => RoutineKind::Window,
        _ => return None,
    })
}

fn enabled(what: &'static str, code: &str) -> Result<TriggerEnabled, IntrospectError> {
    TriggerEnabled::from_code(code).ok_or_else(|| IntrospectError::Decode {
        what,
        column: "enabled",
        reason: format!("unknown enabled state {code:?}"),
    })
}

fn functions(rows: &Rows, oids: &mut Oids, cat: &mut Catalog) -> Result<(), IntrospectError> {
    for r in read(&rows.functions, "functions") {
        let name = QualName::new(r.get::<String>("schema")?, r.get::<String>("name")?);
        let code: String = r.get("kind")?;
        let kind = routine_kind(&code).ok_or_else(|| IntrospectError::Decode {
            what: "functions",
            column: "kind",
            reason: format!("unknown prokind {code:?}"),
        })?;
        let args: String = r.get("args")?;
        let f = Function {
            name: name.clone(),
            args: args.clone(),
            kind,
            signature: r.get("signature")?,
            definition: r.get("definition")?,
            result: if kind == RoutineKind::Procedure {
                None
            } else {
                r.get("result")?
            },
            arg_names: r.get("arg_names")?,
            arg_modes: r.get("arg_modes")?,
            arg_defaults: r.get("arg_defaults")?,
            language: r.get("language")?,
            volatility: r.get("volatility")?,
            security_definer: r.get("security_definer")?,
            strict: r.get("strict")?,
            parallel: r.get("parallel")?,
            leakproof: r.get("leakproof")?,
            cost: r.get("cost")?,
            rows: r.get("rows")?,
            config: r.get("config")?,
            sql_body: r.get("sql_body")?,
            comment: r.get("comment")?,
        };
        oids.map(PG_PROC, r.get("oid")?, f.id());
        cat.functions.entry(name).or_default().insert(args, f);
    }
    Ok(())
}

fn triggers(rows: &Rows, oids: &mut Oids, cat: &mut Catalog) -> Result<(), IntrospectError> {
    for r in read(&rows.triggers, "triggers") {
        let table = QualName::new(r.get::<String>("schema")?, r.get::<String>("table_name")?);
        let t = Trigger {
            table: table.clone(),
            name: Ident(r.get("name")?),
            definition: r.get("definition")?,
            function: QualName::new(
                r.get::<String>("function_schema")?,
                r.get::<String>("function_name")?,
            ),
            enabled: enabled("triggers", &r.get::<String>("enabled")?)?,
            constraint: r.get("is_constraint")?,
            on_view: r.get::<String>("relkind")? == "v",
            comment: r.get("comment")?,
        };
        oids.map(PG_TRIGGER, r.get("oid")?, t.id());
        cat.triggers
            .entry(table)
            .or_default()
            .insert(t.name.clone(), t);
    }
    Ok(())
}

fn event_triggers(rows: &Rows, oids: &mut Oids, cat: &mut Catalog) -> Result<(), IntrospectError> {
    for r in read(&rows.event_triggers, "event triggers") {
        let e = EventTrigger {
            name: Ident(r.get("name")?),
            event: r.get("event")?,
            tags: r.get("tags")?,
            function: QualName::new(
                r.get::<String>("function_schema")?,
                r.get::<String>("function_name")?,
            ),
            enabled: enabled("event triggers", &r.get::<String>("enabled")?)?,
            comment: r.get("comment")?,
        };
        oids.map(
            PG_EVENT_TRIGGER,
            r.get("oid")?,
            ObjectId::EventTrigger {
                name: e.name.clone(),
            },
        );
        cat.event_triggers.insert(e.name.clone(), e);
    }
    Ok(())
}
