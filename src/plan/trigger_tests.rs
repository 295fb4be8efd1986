use crate::catalog::builder::{column_id, qn, CatalogBuilder};
use crate::catalog::{EventTrigger, Ident, TriggerEnabled};
use crate::plan::routine::tests::{func, trigger, with_function, with_trigger};
use crate::plan::testkit::{plan, render};
use crate::plan::{Action, Hazard};

fn base() -> CatalogBuilder {
    let b = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| t.column("a", "integer").column("b", "text"));
    with_function(
        b,
        func("public.touch", "", "trigger", "BEGIN RETURN NEW; END"),
    )
}

#[test]
fn definition_change_is_replaced_and_keeps_its_disabled_state() {
    let mut old = trigger("public.t", "tr", "public.touch", "BEFORE INSERT");
    old.enabled = TriggerEnabled::Disabled;
    let mut new = trigger("public.t", "tr", "public.touch", "AFTER UPDATE");
    new.enabled = TriggerEnabled::Disabled;
    let from = with_trigger(base(), old).build();
    let to = with_trigger(base(), new).build();
    let p = plan(&from, &to);
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            "CREATE OR REPLACE TRIGGER tr AFTER UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION public.touch()",
            "ALTER TABLE public.t DISABLE TRIGGER tr",
        ],
        "CREATE OR REPLACE TRIGGER enables the trigger again"
    );
}

#[test]
fn enabled_state_and_comment_alone() {
    let from = with_trigger(
        base(),
        trigger("public.t", "tr", "public.touch", "BEFORE INSERT"),
    )
    .build();
    let mut t = trigger("public.t", "tr", "public.touch", "BEFORE INSERT");
    t.enabled = TriggerEnabled::Replica;
    t.comment = Some("keeps it fresh".into());
    let to = with_trigger(base(), t).build();
    let p = plan(&from, &to);
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            "ALTER TABLE public.t ENABLE REPLICA TRIGGER tr",
            "COMMENT ON TRIGGER tr ON public.t IS 'keeps it fresh'",
        ]
    );
}

#[test]
fn a_constraint_trigger_is_dropped_and_created_again() {
    let mut old = trigger("public.t", "ct", "public.touch", "AFTER INSERT");
    old.constraint = true;
    old.definition = old
        .definition
        .replace("CREATE TRIGGER", "CREATE CONSTRAINT TRIGGER");
    let mut new = old.clone();
    new.definition = new.definition.replace("AFTER INSERT", "AFTER UPDATE");
    let p = plan(
        &with_trigger(base(), old).build(),
        &with_trigger(base(), new).build(),
    );
    assert_eq!(p.steps.len(), 2, "{}", render(&p));
    assert_eq!(p.steps[0].sql, "DROP TRIGGER ct ON public.t");
    assert!(p.steps[0]
        .hazards
        .iter()
        .any(|h| h.kind == Hazard::AccessExclusiveLock));
    assert!(p.steps[1]
        .sql
        .starts_with("CREATE CONSTRAINT TRIGGER ct AFTER UPDATE"));
}

#[test]
fn a_column_type_change_under_a_trigger_rebuilds_it() {
    let tr = trigger("public.t", "tr", "public.touch", "BEFORE UPDATE OF a");
    let id = tr.id();
    let from = with_trigger(base(), tr.clone())
        .depends(id.clone(), column_id("public.t", "a"))
        .build();
    let to = with_trigger(
        CatalogBuilder::new()
            .schema("public")
            .table("public.t", |t| t.column("a", "bigint").column("b", "text")),
        tr,
    )
    .edit(|c| {
        let b = with_function(
            CatalogBuilder::new(),
            func("public.touch", "", "trigger", "BEGIN RETURN NEW; END"),
        )
        .build();
        c.functions = b.functions;
    })
    .depends(id, column_id("public.t", "a"))
    .build();
    let p = plan(&from, &to);
    let drop = p
        .steps
        .iter()
        .position(|s| s.sql == "DROP TRIGGER tr ON public.t")
        .unwrap_or_else(|| panic!("{}", render(&p)));
    let alter = p
        .steps
        .iter()
        .position(|s| s.sql.contains("ALTER COLUMN a TYPE bigint"))
        .unwrap();
    let create = p
        .steps
        .iter()
        .position(|s| s.sql.starts_with("CREATE TRIGGER tr"))
        .unwrap();
    assert!(drop < alter && alter < create, "{}", render(&p));
    assert_eq!(
        p.steps[create].reason,
        "created again: the type of column public.t.a it rests on changes"
    );
}

#[test]
fn event_triggers_go_last_and_first() {
    let f = func("public.guard", "", "event_trigger", "BEGIN END");
    let from = with_function(CatalogBuilder::new().schema("public"), f.clone())
        .table("public.old", |t| t.column("a", "integer"))
        .build();
    let to = with_function(CatalogBuilder::new().schema("public"), f)
        .table("public.new", |t| t.column("a", "integer"))
        .edit(|c| {
            c.event_triggers.insert(
                Ident::new("no_drops"),
                EventTrigger {
                    name: Ident::new("no_drops"),
                    event: "sql_drop".into(),
                    tags: vec!["DROP TABLE".into(), "DROP INDEX".into()],
                    function: qn("public.guard"),
                    enabled: TriggerEnabled::Always,
                    comment: Some("no dropping".into()),
                },
            );
        })
        .build();
    let p = plan(&from, &to);
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            "CREATE TABLE public.new (\n    a integer\n)",
            "DROP TABLE public.old",
            "CREATE EVENT TRIGGER no_drops ON sql_drop WHEN TAG IN ('DROP TABLE', 'DROP INDEX') EXECUTE FUNCTION public.guard()",
            "ALTER EVENT TRIGGER no_drops ENABLE ALWAYS",
            "COMMENT ON EVENT TRIGGER no_drops IS 'no dropping'",
        ]
    );
    let back = plan(&to, &from);
    assert_eq!(back.steps[0].sql, "DROP EVENT TRIGGER no_drops");
    assert_eq!(back.steps[0].action, Action::Drop);
}
