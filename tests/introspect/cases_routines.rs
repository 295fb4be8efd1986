//! Routines, triggers and event triggers.

use crate::{id, q, scope, some, Case, Ctx};
use libtest_mimic::Failed;
use schemadiff::catalog::{Catalog, Function, ObjectId, RoutineKind, TriggerEnabled};

pub const CASES: &[Case] = &[
    ("routines_and_their_properties", routines),
    ("triggers_and_their_states", triggers),
    ("event_triggers_follow_their_function", event_triggers),
    ("routine_dependencies", dependencies),
    ("routines_read_alike_on_two_databases", alike),
];

fn routine<'a>(cat: &'a Catalog, name: &str, args: &str) -> &'a Function {
    cat.function(&q("public", name), args)
        .unwrap_or_else(|| panic!("no routine public.{name}({args}) in {:?}", cat.functions))
}

fn routines(ctx: &Ctx) -> Result<(), Failed> {
    let cat = ctx.catalog(
        "routines",
        r#"
        CREATE EXTENSION pgcrypto;
        CREATE TYPE mood AS ENUM ('sad', 'ok');
        CREATE FUNCTION lookup(who text, how mood DEFAULT 'ok', OUT n integer, OUT label text)
            LANGUAGE sql STABLE STRICT SECURITY DEFINER PARALLEL RESTRICTED LEAKPROOF COST 7
            SET search_path = public, pg_temp SET work_mem = '8MB'
            AS $$ SELECT 1, who $$;
        COMMENT ON FUNCTION lookup(text, mood) IS 'finds one';
        CREATE FUNCTION many(n integer) RETURNS SETOF integer LANGUAGE sql ROWS 20
            AS $$ SELECT generate_series(1, n) $$;
        CREATE FUNCTION plus(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE
            RETURN a + b;
        CREATE FUNCTION plus(a text, b text) RETURNS text LANGUAGE sql IMMUTABLE
            RETURN a || b;
        CREATE PROCEDURE book(IN id bigint, INOUT total bigint) LANGUAGE plpgsql
            AS $$ BEGIN total := total + id; END $$;
        CREATE AGGREGATE total_of(integer) (SFUNC = int4pl, STYPE = integer, INITCOND = '0',
            PARALLEL = SAFE);
        CREATE FUNCTION ranked(x integer) RETURNS bigint LANGUAGE internal WINDOW
            AS 'window_rank';
        CREATE TYPE span AS RANGE (subtype = integer);
        "#,
    );
    let lookup = routine(
        &cat,
        "lookup",
        "who text, how public.mood, OUT n integer, OUT label text",
    );
    assert_eq!(lookup.kind, RoutineKind::Function);
    assert_eq!(lookup.signature, "text, public.mood");
    assert_eq!(lookup.result.as_deref(), Some("record"));
    assert_eq!(lookup.arg_names, ["who", "how", "n", "label"]);
    assert_eq!(lookup.arg_modes, ["i", "i", "o", "o"]);
    assert_eq!(lookup.arg_defaults, 1);
    assert_eq!(lookup.language, "sql");
    assert_eq!(lookup.volatility, "stable");
    assert!(lookup.strict && lookup.security_definer && lookup.leakproof);
    assert_eq!(lookup.parallel, "restricted");
    assert_eq!(lookup.cost, "7");
    assert_eq!(
        lookup.config,
        ["search_path=public, pg_temp", "work_mem=8MB"]
    );
    assert!(!lookup.sql_body);
    assert_eq!(lookup.comment, some("finds one"));
    assert!(
        lookup.definition.starts_with(
            "CREATE OR REPLACE FUNCTION public.lookup(who text, how public.mood DEFAULT 'ok'::public.mood, OUT n integer, OUT label text)"
        ),
        "{}",
        lookup.definition
    );

    let many = routine(&cat, "many", "n integer");
    assert_eq!(many.result.as_deref(), Some("SETOF integer"));
    assert_eq!(many.rows, "20");
    assert_eq!(many.volatility, "volatile");
    assert_eq!(many.parallel, "unsafe");

    let plus = routine(&cat, "plus", "a integer, b integer");
    assert!(plus.sql_body);
    assert!(
        plus.definition.contains("RETURN (a + b)"),
        "{}",
        plus.definition
    );
    assert_eq!(
        routine(&cat, "plus", "a text, b text").result.as_deref(),
        Some("text")
    );

    let book = routine(&cat, "book", "IN id bigint, INOUT total bigint");
    assert_eq!(book.kind, RoutineKind::Procedure);
    assert_eq!(book.result, None);
    assert_eq!(
        book.target(),
        "public.book(IN id bigint, INOUT total bigint)"
    );

    let total = routine(&cat, "total_of", "integer");
    assert_eq!(total.kind, RoutineKind::Aggregate);
    assert_eq!(
        total.definition,
        "CREATE OR REPLACE AGGREGATE public.total_of(integer) (SFUNC = int4pl, STYPE = integer, INITCOND = '0', PARALLEL = SAFE)"
    );
    assert_eq!(
        routine(&cat, "ranked", "x integer").kind,
        RoutineKind::Window
    );

    let names: Vec<&str> = cat.functions.keys().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        ["book", "lookup", "many", "plus", "ranked", "total_of"],
        "no pgcrypto member, no range constructor"
    );
    Ok(())
}

fn triggers(ctx: &Ctx) -> Result<(), Failed> {
    let cat = ctx.catalog(
        "triggers",
        r#"
        CREATE TABLE parent (id int PRIMARY KEY);
        CREATE TABLE t (a int, b int REFERENCES parent);
        CREATE VIEW v AS SELECT a FROM t;
        CREATE TABLE p (k int) PARTITION BY LIST (k);
        CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER plain BEFORE UPDATE OF a ON t FOR EACH ROW
            WHEN (OLD.a IS DISTINCT FROM NEW.a) EXECUTE FUNCTION touch('x');
        CREATE TRIGGER off AFTER INSERT ON t REFERENCING NEW TABLE AS fresh
            FOR EACH STATEMENT EXECUTE FUNCTION touch();
        ALTER TABLE t DISABLE TRIGGER off;
        CREATE TRIGGER rep AFTER DELETE ON t FOR EACH ROW EXECUTE FUNCTION touch();
        ALTER TABLE t ENABLE REPLICA TRIGGER rep;
        CREATE TRIGGER alw AFTER DELETE ON t FOR EACH ROW EXECUTE FUNCTION touch();
        ALTER TABLE t ENABLE ALWAYS TRIGGER alw;
        CREATE CONSTRAINT TRIGGER late AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW EXECUTE FUNCTION touch();
        COMMENT ON TRIGGER late ON t IS 'at commit';
        CREATE TRIGGER instead INSTEAD OF INSERT ON v FOR EACH ROW EXECUTE FUNCTION touch();
        CREATE TRIGGER on_parent AFTER INSERT ON p FOR EACH ROW EXECUTE FUNCTION touch();
        "#,
    );
    let on_t = &cat.triggers[&q("public", "t")];
    let names: Vec<&str> = on_t.keys().map(|n| n.as_str()).collect();
    assert_eq!(
        names,
        ["alw", "late", "off", "plain", "rep"],
        "foreign key triggers are internal"
    );
    let plain = &on_t[&id("plain")];
    assert_eq!(
        plain.definition,
        "CREATE TRIGGER plain BEFORE UPDATE OF a ON public.t FOR EACH ROW WHEN ((old.a IS DISTINCT FROM new.a)) EXECUTE FUNCTION public.touch('x')"
    );
    assert_eq!(plain.function, q("public", "touch"));
    assert_eq!(plain.enabled, TriggerEnabled::Origin);
    assert!(!plain.constraint && !plain.on_view);
    assert_eq!(on_t[&id("off")].enabled, TriggerEnabled::Disabled);
    assert!(on_t[&id("off")]
        .definition
        .contains("REFERENCING NEW TABLE AS fresh"));
    assert_eq!(on_t[&id("rep")].enabled, TriggerEnabled::Replica);
    assert_eq!(on_t[&id("alw")].enabled, TriggerEnabled::Always);
    let late = &on_t[&id("late")];
    assert!(late.constraint);
    assert!(late.definition.starts_with(
        "CREATE CONSTRAINT TRIGGER late AFTER INSERT ON public.t DEFERRABLE INITIALLY DEFERRED"
    ));
    assert_eq!(late.comment, some("at commit"));
    assert!(cat.triggers[&q("public", "v")][&id("instead")].on_view);
    assert!(cat.triggers[&q("public", "p")].contains_key(&id("on_parent")));
    assert!(
        !cat.triggers.contains_key(&q("public", "p1")),
        "the clone on the partition goes with the parent's trigger"
    );
    let plain_id = plain.id();
    for on in [
        ObjectId::Function {
            name: q("public", "touch"),
            args: String::new(),
        },
        ObjectId::Column {
            table: q("public", "t"),
            column: id("a"),
        },
    ] {
        assert!(cat.depends[&plain_id].contains(&on), "{on}");
    }
    Ok(())
}

fn event_triggers(ctx: &Ctx) -> Result<(), Failed> {
    let ddl = r#"
        CREATE SCHEMA app;
        CREATE SCHEMA other;
        CREATE FUNCTION app.log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
        CREATE FUNCTION other.guard() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
        CREATE EVENT TRIGGER log_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'DROP TABLE')
            EXECUTE FUNCTION app.log_ddl();
        ALTER EVENT TRIGGER log_ddl ENABLE ALWAYS;
        COMMENT ON EVENT TRIGGER log_ddl IS 'audit';
        CREATE EVENT TRIGGER guard ON sql_drop EXECUTE FUNCTION other.guard();
        ALTER EVENT TRIGGER guard DISABLE;
    "#;
    let cat = ctx.catalog_with("event_triggers", ddl, &scope(&["app"]));
    let names: Vec<&str> = cat.event_triggers.keys().map(|n| n.as_str()).collect();
    assert_eq!(
        names,
        ["log_ddl"],
        "guard's function is not in a managed schema"
    );
    let e = &cat.event_triggers[&id("log_ddl")];
    assert_eq!(e.event, "ddl_command_end");
    assert_eq!(e.tags, ["CREATE TABLE", "DROP TABLE"]);
    assert_eq!(e.function, q("app", "log_ddl"));
    assert_eq!(e.enabled, TriggerEnabled::Always);
    assert_eq!(e.comment, some("audit"));
    assert!(cat.depends[&e.id()].contains(&ObjectId::Function {
        name: q("app", "log_ddl"),
        args: String::new(),
    }));

    let all = ctx.catalog("event_triggers_all", ddl);
    assert_eq!(
        all.event_triggers[&id("guard")].enabled,
        TriggerEnabled::Disabled
    );
    Ok(())
}

fn dependencies(ctx: &Ctx) -> Result<(), Failed> {
    let cat = ctx.catalog(
        "routine_dependencies",
        r#"
        CREATE FUNCTION positive(n integer) RETURNS boolean LANGUAGE sql IMMUTABLE
            RETURN n > 0;
        CREATE FUNCTION new_id() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN 'x'; END $$;
        CREATE DOMAIN pos AS integer CHECK (positive(VALUE));
        CREATE TABLE t (
            id text DEFAULT new_id(),
            n integer CHECK (positive(n)),
            m integer GENERATED ALWAYS AS (CASE WHEN positive(n) THEN n END) STORED
        );
        CREATE INDEX t_pos ON t (id) WHERE positive(n);
        CREATE FUNCTION count_positive() RETURNS bigint LANGUAGE sql STABLE
        BEGIN ATOMIC
            SELECT count(*) FROM t WHERE positive(t.n);
        END;
        CREATE AGGREGATE all_positive(integer) (SFUNC = and_positive, STYPE = boolean);
        "#
        .replace(
            "CREATE AGGREGATE",
            "CREATE FUNCTION and_positive(acc boolean, v integer) RETURNS boolean \
             LANGUAGE sql IMMUTABLE RETURN coalesce(acc, true) AND positive(v);\n        CREATE AGGREGATE",
        )
        .as_str(),
    );
    let f = |name: &str, args: &str| ObjectId::Function {
        name: q("public", name),
        args: args.into(),
    };
    let positive = f("positive", "n integer");
    let column = |c: &str| ObjectId::Column {
        table: q("public", "t"),
        column: id(c),
    };
    let uses = |dependent: &ObjectId, on: &ObjectId| {
        assert!(
            cat.depends.get(dependent).is_some_and(|d| d.contains(on)),
            "{dependent} should depend on {on}: {:?}",
            cat.depends.get(dependent)
        );
    };
    uses(&column("id"), &f("new_id", ""));
    uses(&column("m"), &positive);
    uses(
        &ObjectId::Constraint {
            table: q("public", "t"),
            name: id("t_n_check"),
        },
        &positive,
    );
    uses(
        &ObjectId::Index {
            name: q("public", "t_pos"),
        },
        &positive,
    );
    uses(
        &ObjectId::Type {
            name: q("public", "pos"),
        },
        &positive,
    );
    let counter = f("count_positive", "");
    uses(&counter, &positive);
    uses(&counter, &column("n"));
    uses(
        &f("all_positive", "integer"),
        &f("and_positive", "acc boolean, v integer"),
    );
    Ok(())
}

/// The same routines and triggers, created under another search_path with names written
/// differently and other OIDs, read back identically (the definitions are compared as
/// text, so `pg_get_functiondef` and `pg_get_triggerdef` must not depend on the session).
fn alike(ctx: &Ctx) -> Result<(), Failed> {
    let a = ctx.catalog(
        "alike_a",
        r#"
        CREATE SCHEMA app;
        SET search_path = app, public;
        CREATE TYPE mood AS ENUM ('sad', 'ok');
        CREATE TABLE t (a int, m mood);
        CREATE FUNCTION pick(x mood DEFAULT 'ok') RETURNS mood LANGUAGE sql IMMUTABLE
            RETURN coalesce(x, 'sad'::mood);
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW WHEN (pick(NEW.m) = 'ok')
            EXECUTE FUNCTION touch();
        CREATE AGGREGATE worst(mood) (SFUNC = enum_smaller, STYPE = mood);
        RESET search_path;
        "#,
    );
    let b = ctx.catalog(
        "alike_b",
        r#"
        CREATE TABLE filler (a int); CREATE FUNCTION junk() RETURNS int LANGUAGE sql RETURN 1;
        DROP FUNCTION junk; DROP TABLE filler;
        CREATE SCHEMA "app";
        CREATE TYPE app.mood AS ENUM ('sad', 'ok');
        CREATE TABLE app.t (a int, m app.mood);
        CREATE FUNCTION app.pick(x app.mood DEFAULT 'ok') RETURNS app.mood LANGUAGE sql IMMUTABLE
            RETURN coalesce(x, 'sad'::app.mood);
        CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER tr BEFORE UPDATE ON app.t FOR EACH ROW WHEN (app.pick(NEW.m) = 'ok')
            EXECUTE FUNCTION app.touch();
        CREATE AGGREGATE app.worst(app.mood) (SFUNC = enum_smaller, STYPE = app.mood);
        "#,
    );
    assert_eq!(a.functions.len(), 3, "{:?}", a.functions.keys());
    assert_eq!(a.functions[&q("app", "pick")].len(), 1);
    assert_eq!(a.functions, b.functions);
    assert_eq!(a.triggers, b.triggers);
    assert_eq!(a.depends, b.depends);
    Ok(())
}
