use crate::catalog::builder::{column_id, qn, table_id, CatalogBuilder};
use crate::catalog::{Catalog, Function, Ident, ObjectId, RoutineKind, Trigger, TriggerEnabled};
use crate::plan::testkit::{plan, render};
use crate::plan::{Action, Hazard, Plan};

/// A plpgsql function `name(args)` returning `result`, with `body` as its source.
pub(crate) fn func(name: &str, args: &str, result: &str, body: &str) -> Function {
    let q = qn(name);
    let names: Vec<String> = args
        .split(", ")
        .filter(|a| !a.is_empty())
        .map(|a| a.split(' ').next().unwrap_or_default().to_string())
        .collect();
    let types: Vec<&str> = args
        .split(", ")
        .filter(|a| !a.is_empty())
        .map(|a| a.split_once(' ').map(|(_, t)| t).unwrap_or(a))
        .collect();
    Function {
        name: q.clone(),
        args: args.into(),
        kind: RoutineKind::Function,
        signature: types.join(", "),
        definition: format!(
            "CREATE OR REPLACE FUNCTION {q}({args})\n RETURNS {result}\n LANGUAGE plpgsql\nAS $function${body}$function$\n"
        ),
        result: Some(result.into()),
        arg_names: names,
        arg_modes: Vec::new(),
        arg_defaults: 0,
        language: "plpgsql".into(),
        volatility: "volatile".into(),
        security_definer: false,
        strict: false,
        parallel: "unsafe".into(),
        leakproof: false,
        cost: "100".into(),
        rows: "0".into(),
        config: Vec::new(),
        sql_body: false,
        comment: None,
    }
}

pub(crate) fn with_function(b: CatalogBuilder, f: Function) -> CatalogBuilder {
    b.edit(move |c| {
        c.functions
            .entry(f.name.clone())
            .or_default()
            .insert(f.args.clone(), f);
    })
}

pub(crate) fn trigger(table: &str, name: &str, function: &str, timing: &str) -> Trigger {
    Trigger {
        table: qn(table),
        name: Ident::new(name),
        definition: format!(
            "CREATE TRIGGER {name} {timing} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()"
        ),
        function: qn(function),
        enabled: TriggerEnabled::Origin,
        constraint: false,
        on_view: false,
        comment: None,
    }
}

pub(crate) fn with_trigger(b: CatalogBuilder, t: Trigger) -> CatalogBuilder {
    b.edit(move |c| {
        c.triggers
            .entry(t.table.clone())
            .or_default()
            .insert(t.name.clone(), t);
    })
}

fn fid(name: &str, args: &str) -> ObjectId {
    ObjectId::Function {
        name: qn(name),
        args: args.into(),
    }
}

fn position(p: &Plan, starts: &str) -> usize {
    p.steps
        .iter()
        .position(|s| s.sql.starts_with(starts))
        .unwrap_or_else(|| panic!("no step starts with {starts}:\n{}", render(p)))
}

fn empty() -> Catalog {
    CatalogBuilder::new().schema("public").build()
}

#[test]
fn a_function_used_by_a_default_is_created_before_the_table() {
    let f = func(
        "public.new_id",
        "",
        "text",
        "BEGIN RETURN md5(random()::text); END",
    );
    let to = with_function(CatalogBuilder::new().schema("public"), f)
        .table("public.items", |t| {
            t.column("id", "text").default("public.new_id()")
        })
        .depends(column_id("public.items", "id"), fid("public.new_id", ""))
        .build();
    let p = plan(&empty(), &to);
    assert!(position(&p, "CREATE FUNCTION public.new_id()") < position(&p, "CREATE TABLE"));
    assert!(
        p.steps.iter().all(|s| s.hazards.is_empty()),
        "{}",
        render(&p)
    );

    let back = plan(&to, &empty());
    assert!(position(&back, "DROP TABLE") < position(&back, "DROP FUNCTION public.new_id()"));
}

#[test]
fn a_body_change_is_replaced_in_place() {
    let from = with_function(
        CatalogBuilder::new().schema("public"),
        func(
            "public.add_one",
            "x integer",
            "integer",
            "BEGIN RETURN x + 1; END",
        ),
    )
    .build();
    let mut changed = func(
        "public.add_one",
        "x integer",
        "integer",
        "BEGIN RETURN x + 2; END",
    );
    changed.volatility = "immutable".into();
    changed.definition = changed
        .definition
        .replace(" LANGUAGE plpgsql\n", " LANGUAGE plpgsql\n IMMUTABLE\n");
    let to = with_function(CatalogBuilder::new().schema("public"), changed).build();
    let p = plan(&from, &to);
    assert_eq!(p.steps.len(), 1, "{}", render(&p));
    assert_eq!(p.steps[0].action, Action::Alter);
    assert!(p.steps[0]
        .sql
        .starts_with("CREATE OR REPLACE FUNCTION public.add_one(x integer)"));
    assert_eq!(p.steps[0].reason, "volatility volatile → immutable");
    assert!(p.steps[0].hazards.is_empty());
}

/// The result type changes: PostgreSQL refuses CREATE OR REPLACE, and refuses DROP
/// FUNCTION while a trigger, a column default and a check use it.
#[test]
fn a_result_change_rebuilds_trigger_default_and_check_around_the_function() {
    let base = |result: &str| {
        let b = CatalogBuilder::new()
            .schema("public")
            .table("public.t", |t| {
                t.column("a", "integer")
                    .default("public.pick()")
                    .check("t_a_check", &["a"], "CHECK ((a > public.pick()))")
                    .column("b", "text")
            });
        let b = with_function(b, func("public.pick", "", result, "BEGIN RETURN 1; END"));
        let b = with_function(
            b,
            func("public.touch", "", "trigger", "BEGIN RETURN NEW; END"),
        );
        with_trigger(
            b,
            trigger("public.t", "t_touch", "public.touch", "BEFORE UPDATE"),
        )
        .depends(column_id("public.t", "a"), fid("public.pick", ""))
        .depends(
            crate::catalog::builder::constraint_id("public.t", "t_a_check"),
            fid("public.pick", ""),
        )
        .depends(
            ObjectId::Trigger {
                table: qn("public.t"),
                name: Ident::new("t_touch"),
            },
            fid("public.touch", ""),
        )
        .depends(
            ObjectId::Trigger {
                table: qn("public.t"),
                name: Ident::new("t_touch"),
            },
            table_id("public.t"),
        )
    };
    let from = base("integer").build();
    let to = base("integer")
        .edit(|c| {
            let f = c
                .functions
                .get_mut(&qn("public.touch"))
                .and_then(|m| m.get_mut(""))
                .unwrap();
            f.result = Some("event_trigger".into());
            f.definition = f
                .definition
                .replace("RETURNS trigger", "RETURNS event_trigger");
        })
        .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    let drop_trigger = position(&p, "DROP TRIGGER t_touch ON public.t");
    let drop_fn = position(&p, "DROP FUNCTION public.touch()");
    let create_fn = position(&p, "CREATE FUNCTION public.touch()");
    let create_trigger = position(&p, "CREATE TRIGGER t_touch");
    assert!(drop_trigger < drop_fn && drop_fn < create_fn && create_fn < create_trigger);
    assert!(p.steps[drop_fn]
        .hazards
        .iter()
        .any(|h| h.kind == Hazard::BackwardIncompatible));

    let to = base("bigint").build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    let drop_default = position(&p, "ALTER TABLE public.t ALTER COLUMN a DROP DEFAULT");
    let drop_check = position(&p, "ALTER TABLE public.t DROP CONSTRAINT t_a_check");
    let drop_fn = position(&p, "DROP FUNCTION public.pick()");
    let create_fn = position(&p, "CREATE FUNCTION public.pick()");
    let set_default = position(&p, "ALTER TABLE public.t ALTER COLUMN a SET DEFAULT");
    let add_check = position(&p, "ALTER TABLE public.t ADD CONSTRAINT t_a_check");
    assert!(drop_default < drop_fn && drop_check < drop_fn);
    assert!(drop_fn < create_fn && create_fn < set_default && create_fn < add_check);
    assert!(
        !p.steps.iter().any(|s| s.sql.contains("TRIGGER")),
        "the trigger does not rest on pick(): {}",
        render(&p)
    );
}

#[test]
fn new_parameter_names_drop_before_create() {
    let from = with_function(
        CatalogBuilder::new().schema("public"),
        func(
            "public.twice",
            "a integer",
            "integer",
            "BEGIN RETURN a * 2; END",
        ),
    )
    .build();
    let to = with_function(
        CatalogBuilder::new().schema("public"),
        func(
            "public.twice",
            "x integer",
            "integer",
            "BEGIN RETURN x * 2; END",
        ),
    )
    .build();
    let p = plan(&from, &to);
    assert_eq!(p.steps.len(), 2, "{}", render(&p));
    assert_eq!(p.steps[0].sql, "DROP FUNCTION public.twice(a integer)");
    assert!(p.steps[1]
        .sql
        .starts_with("CREATE FUNCTION public.twice(x integer)"));
    assert_eq!(
        p.steps[1].reason,
        "created again: its parameter names change"
    );
}

#[test]
fn overloads_are_told_apart() {
    let b = || {
        let b = with_function(
            CatalogBuilder::new().schema("public"),
            func("public.ovl", "a integer", "integer", "BEGIN RETURN 1; END"),
        );
        with_function(
            b,
            func("public.ovl", "a text", "text", "BEGIN RETURN 'a'; END"),
        )
    };
    let from = b().build();
    let to = b()
        .edit(|c| {
            let f = c
                .functions
                .get_mut(&qn("public.ovl"))
                .and_then(|m| m.get_mut("a text"))
                .unwrap();
            f.definition = f.definition.replace("'a'", "'b'");
        })
        .build();
    let p = plan(&from, &to);
    assert_eq!(p.steps.len(), 1, "{}", render(&p));
    assert!(p.steps[0]
        .sql
        .starts_with("CREATE OR REPLACE FUNCTION public.ovl(a text)"));
    assert_eq!(
        p.steps[0].object,
        fid("public.ovl", "a text"),
        "only the text overload changes"
    );
}

fn sql_func(name: &str, body: &str) -> Function {
    let mut f = func(name, "", "bigint", body);
    f.language = "sql".into();
    f.definition = f.definition.replace("LANGUAGE plpgsql", "LANGUAGE sql");
    f
}

/// PostgreSQL checks a `LANGUAGE sql` string body against the catalog when the routine is
/// created, without recording what it reads: the plan creates what the body names first.
#[test]
fn sql_string_bodies_come_after_what_they_name() {
    let b = CatalogBuilder::new()
        .schema("public")
        .table("public.items", |t| {
            t.column("id", "text").default("public.gen_id()")
        })
        .depends(column_id("public.items", "id"), fid("public.gen_id", ""));
    let b = with_function(
        b,
        func("public.gen_id", "", "text", "BEGIN RETURN 'x'; END"),
    );
    let b = with_function(
        b,
        sql_func("public.a_count", " SELECT count(*) FROM public.items "),
    );
    let b = with_function(
        b,
        sql_func("public.b_total", " SELECT public.A_Count() + 1 "),
    );
    // two bodies naming each other: no order can satisfy both, none is imposed
    let b = with_function(b, sql_func("public.ping", " SELECT public.pong() "));
    let b = with_function(b, sql_func("public.pong", " SELECT public.ping() "));
    let to = b.build();
    let p = plan(&empty(), &to);
    let gen = position(&p, "CREATE FUNCTION public.gen_id()");
    let items = position(&p, "CREATE TABLE public.items");
    let count = position(&p, "CREATE FUNCTION public.a_count()");
    let total = position(&p, "CREATE FUNCTION public.b_total()");
    assert!(
        gen < items && items < count && count < total,
        "{}",
        render(&p)
    );
}

#[test]
fn identifiers_fold_like_postgres() {
    let words = super::identifiers("SELECT \"Mixed\"\"Q\", x.Items FROM app.items_2 -- Note");
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    assert_eq!(
        words,
        ["Mixed\"Q", "app", "from", "items", "items_2", "note", "select", "x"]
    );
}
