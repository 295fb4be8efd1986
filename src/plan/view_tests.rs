use super::{option_changes, shape, Shape};
use crate::catalog::builder::{column_id, index_id, qn, table_id, CatalogBuilder};
use crate::catalog::{Catalog, MaterializedView, ObjectId, View, ViewColumn};
use crate::plan::build::{build, PlanError};
use crate::plan::testkit::{plan, render};
use crate::plan::{Action, Hazard, Plan, PlanOptions};

fn col(name: &str, data_type: &str) -> ViewColumn {
    ViewColumn {
        name: name.into(),
        data_type: data_type.into(),
        collation: None,
        comment: None,
    }
}

fn view(name: &str, definition: &str, columns: &[(&str, &str)]) -> View {
    View {
        name: qn(name),
        definition: definition.into(),
        columns: columns.iter().map(|(n, t)| col(n, t)).collect(),
        options: Vec::new(),
        comment: None,
    }
}

fn matview(name: &str, definition: &str, columns: &[(&str, &str)]) -> MaterializedView {
    MaterializedView {
        name: qn(name),
        definition: definition.into(),
        columns: columns.iter().map(|(n, t)| col(n, t)).collect(),
        reloptions: Vec::new(),
        populated: true,
        comment: None,
    }
}

fn view_id(name: &str) -> ObjectId {
    ObjectId::View { name: qn(name) }
}

fn matview_id(name: &str) -> ObjectId {
    ObjectId::MaterializedView { name: qn(name) }
}

/// `public.t (id integer, amount <amount>)` under the chain
/// `public.v1` → `public.v2` → `public.mv` (indexed), as PostgreSQL records it.
fn chain(amount: &str) -> Catalog {
    CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| {
            t.column("id", "integer").column("amount", amount)
        })
        .edit(|c| {
            let v1 = view(
                "public.v1",
                "SELECT t.id, t.amount FROM public.t",
                &[("id", "integer"), ("amount", amount)],
            );
            let v2 = view(
                "public.v2",
                "SELECT v1.id, v1.amount FROM public.v1 WHERE (v1.amount > 0)",
                &[("id", "integer"), ("amount", amount)],
            );
            let mv = matview(
                "public.mv",
                "SELECT v2.id, v2.amount FROM public.v2",
                &[("id", "integer"), ("amount", amount)],
            );
            c.views.insert(v1.name.clone(), v1);
            c.views.insert(v2.name.clone(), v2);
            c.materialized_views.insert(mv.name.clone(), mv);
        })
        .index(
            "public.mv_amount_idx",
            "public.mv",
            "CREATE INDEX ON public.mv USING btree (amount)",
        )
        .depends(view_id("public.v1"), column_id("public.t", "id"))
        .depends(view_id("public.v1"), column_id("public.t", "amount"))
        .depends(view_id("public.v1"), table_id("public.t"))
        .depends(view_id("public.v2"), view_id("public.v1"))
        .depends(matview_id("public.mv"), view_id("public.v2"))
        .depends(index_id("public.mv_amount_idx"), matview_id("public.mv"))
        .build()
}

fn position(p: &Plan, starts: &str) -> usize {
    p.steps
        .iter()
        .position(|s| s.sql.starts_with(starts))
        .unwrap_or_else(|| panic!("no step starts with {starts}:\n{}", render(p)))
}

#[test]
fn shapes() {
    let a = [col("a", "integer"), col("b", "text")];
    assert_eq!(shape("q", &a, "q", &a), Shape::Same);
    assert_eq!(
        shape("q", &a, "q2", &a),
        Shape::InPlace("definition changed".into())
    );
    let appended = [col("a", "integer"), col("b", "text"), col("c", "date")];
    assert_eq!(
        shape("q", &a, "q2", &appended),
        Shape::InPlace("definition changed, columns appended: c".into())
    );
    let retyped = [col("a", "bigint"), col("b", "text")];
    assert_eq!(
        shape("q", &a, "q", &retyped),
        Shape::Replace("column a changes type from integer to bigint".into())
    );
    let moved = [col("b", "text"), col("a", "integer")];
    assert_eq!(
        shape("q", &a, "q2", &moved),
        Shape::Replace("column a moves".into())
    );
    assert_eq!(
        shape("q", &a, "q2", &a[..1]),
        Shape::Replace("column b removed".into())
    );
    let mut collated = a.clone();
    collated[1].collation = Some("\"C\"".into());
    assert_eq!(
        shape("q", &a, "q2", &collated),
        Shape::Replace("column b changes collation".into())
    );
    let mut commented = a.clone();
    commented[0].comment = Some("x".into());
    assert_eq!(shape("q", &a, "q", &commented), Shape::Same);
}

#[test]
fn options_to_set_and_reset() {
    let from = vec![
        "check_option=local".to_string(),
        "security_barrier=true".into(),
    ];
    let to = vec![
        "check_option=cascaded".to_string(),
        "security_invoker=true".into(),
    ];
    let (set, reset) = option_changes(&from, &to);
    assert_eq!(set, ["check_option=cascaded", "security_invoker=true"]);
    assert_eq!(reset, ["security_barrier"]);
}

#[test]
fn dependents_of_a_retyped_column_are_rebuilt_in_order() {
    let p = plan(&chain("integer"), &chain("bigint"));
    insta::assert_snapshot!(render(&p));
    let drop_mv = position(&p, "DROP MATERIALIZED VIEW public.mv");
    let drop_v2 = position(&p, "DROP VIEW public.v2");
    let drop_v1 = position(&p, "DROP VIEW public.v1");
    let alter = position(&p, "ALTER TABLE public.t ALTER COLUMN amount TYPE bigint");
    let create_v1 = position(&p, "CREATE VIEW public.v1");
    let create_v2 = position(&p, "CREATE VIEW public.v2");
    let create_mv = position(&p, "CREATE MATERIALIZED VIEW public.mv");
    let index = position(&p, "CREATE INDEX mv_amount_idx");
    let order = [
        drop_mv, drop_v2, drop_v1, alter, create_v1, create_v2, create_mv, index,
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", render(&p));
    assert_eq!(
        p.steps[create_v1].reason,
        "recreated: depends on column public.t.amount whose type changes"
    );
    assert_eq!(
        p.steps[create_v2].reason,
        "recreated: depends on view public.v1 which is dropped and created again"
    );
    assert!(p.steps[create_mv]
        .hazards
        .iter()
        .any(|h| h.kind == Hazard::MaterializedViewRecompute));
    assert!(
        !p.steps.iter().any(|s| s.sql.starts_with("DROP INDEX")),
        "the index goes with its materialized view:\n{}",
        render(&p)
    );
    assert_eq!(p.steps.len(), 8, "{}", render(&p));
}

#[test]
fn only_dependents_are_rebuilt() {
    let mut from = chain("integer");
    let mut to = chain("integer");
    for c in [&mut from, &mut to] {
        let other = view(
            "public.other",
            "SELECT t.id FROM public.t",
            &[("id", "integer")],
        );
        c.views.insert(other.name.clone(), other);
        c.depends
            .entry(view_id("public.other"))
            .or_default()
            .insert(column_id("public.t", "id"));
    }
    // v1 is replaced because it reorders its columns: v2 and mv follow, `other` does not.
    let v1 = to.views.get_mut(&qn("public.v1")).unwrap();
    v1.definition = "SELECT t.amount, t.id FROM public.t".into();
    v1.columns.reverse();
    let v2 = to.views.get_mut(&qn("public.v2")).unwrap();
    v2.definition = "SELECT v1.id, v1.amount FROM public.v1 WHERE (v1.amount > 1)".into();
    let p = plan(&from, &to);
    let objects: Vec<String> = p
        .steps
        .iter()
        .map(|s| format!("{} {}", s.action.as_str(), s.object))
        .collect();
    assert_eq!(
        objects,
        [
            "drop materialized view public.mv",
            "drop view public.v2",
            "drop view public.v1",
            "create view public.v1",
            "create view public.v2",
            "create materialized view public.mv",
            "create index public.mv_amount_idx",
        ],
        "{}",
        render(&p)
    );
    assert_eq!(
        p.steps[0].reason,
        "dropped to be recreated: depends on view public.v2 which is recreated"
    );
    assert_eq!(
        p.steps[3].reason,
        "recreated: column id moves, which CREATE OR REPLACE VIEW cannot do"
    );
    assert_eq!(
        p.steps[4].reason,
        "recreated: depends on view public.v1 which is dropped and created again"
    );
}

#[test]
fn appended_columns_replace_in_place() {
    let from = chain("integer");
    let mut to = chain("integer");
    let v1 = to.views.get_mut(&qn("public.v1")).unwrap();
    v1.definition = "SELECT t.id, t.amount, (t.amount * 2) AS twice FROM public.t".into();
    v1.columns.push(col("twice", "integer"));
    v1.options = vec!["security_barrier=true".into()];
    let p = plan(&from, &to);
    assert_eq!(p.steps.len(), 1, "{}", render(&p));
    assert_eq!(
        p.steps[0].sql,
        "CREATE OR REPLACE VIEW public.v1 WITH (security_barrier=true) AS\n\
         SELECT t.id, t.amount, (t.amount * 2) AS twice FROM public.t"
    );
    assert_eq!(
        p.steps[0].reason,
        "definition changed, columns appended: twice"
    );
    assert_eq!(p.steps[0].action, Action::Alter);
}

#[test]
fn a_view_that_stops_using_a_dropped_column_is_replaced_first() {
    let from = chain("integer");
    let mut to = CatalogBuilder::from_catalog(chain("integer"))
        .edit(|c| {
            c.tables
                .get_mut(&qn("public.t"))
                .unwrap()
                .columns
                .push(crate::catalog::Column {
                    name: "note".into(),
                    data_type: "text".into(),
                    not_null: false,
                    default: None,
                    identity: None,
                    generated: None,
                    collation: None,
                    comment: None,
                });
        })
        .build();
    let mut from = CatalogBuilder::from_catalog(from)
        .edit(|c| {
            c.tables
                .get_mut(&qn("public.t"))
                .unwrap()
                .columns
                .push(crate::catalog::Column {
                    name: "gone".into(),
                    data_type: "text".into(),
                    not_null: false,
                    default: None,
                    identity: None,
                    generated: None,
                    collation: None,
                    comment: None,
                });
        })
        .depends(view_id("public.v1"), column_id("public.t", "gone"))
        .build();
    // v1 read `gone` (as a filter); it now reads `note` instead, same columns.
    from.views.get_mut(&qn("public.v1")).unwrap().definition =
        "SELECT t.id, t.amount FROM public.t WHERE (t.gone IS NULL)".into();
    to.views.get_mut(&qn("public.v1")).unwrap().definition =
        "SELECT t.id, t.amount FROM public.t WHERE (t.note IS NULL)".into();
    to.depends
        .entry(view_id("public.v1"))
        .or_default()
        .insert(column_id("public.t", "note"));
    let p = plan(&from, &to);
    let add = position(&p, "ALTER TABLE public.t ADD COLUMN note");
    let replace = position(&p, "CREATE OR REPLACE VIEW public.v1");
    let drop = position(&p, "ALTER TABLE public.t DROP COLUMN gone");
    assert!(add < replace && replace < drop, "{}", render(&p));
    assert_eq!(p.steps.len(), 3, "no dependent is rebuilt:\n{}", render(&p));
}

#[test]
fn an_object_that_cannot_be_recreated_refuses_the_plan() {
    let trigger = ObjectId::Other {
        kind: "trigger".into(),
        identity: "audit on public.t".into(),
    };
    let from = CatalogBuilder::from_catalog(chain("integer"))
        .depends(trigger.clone(), column_id("public.t", "amount"))
        .build();
    let to = chain("bigint");
    match build(&from, &to, &PlanOptions::default()) {
        Err(PlanError::Unsupported { object, reason, .. }) => {
            assert_eq!(object, "trigger audit on public.t");
            assert!(
                reason.contains("column public.t.amount whose type changes"),
                "{reason}"
            );
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn removed_views_options_population_and_comments() {
    let from = CatalogBuilder::from_catalog(chain("integer"))
        .edit(|c| {
            let mv = c.materialized_views.get_mut(&qn("public.mv")).unwrap();
            mv.populated = false;
            let v1 = c.views.get_mut(&qn("public.v1")).unwrap();
            v1.options = vec!["check_option=local".into(), "security_barrier=true".into()];
        })
        .build();
    let mut to = chain("integer");
    let v1 = to.views.get_mut(&qn("public.v1")).unwrap();
    v1.options = vec!["check_option=cascaded".into()];
    v1.comment = Some("amounts".into());
    v1.columns[1].comment = Some("in cents".into());
    let mv = to.materialized_views.get_mut(&qn("public.mv")).unwrap();
    mv.reloptions = vec!["fillfactor=70".into()];
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    position(&p, "ALTER VIEW public.v1 SET (check_option=cascaded)");
    position(&p, "ALTER VIEW public.v1 RESET (security_barrier)");
    position(&p, "ALTER MATERIALIZED VIEW public.mv SET (fillfactor=70)");
    position(&p, "REFRESH MATERIALIZED VIEW public.mv");
    position(&p, "COMMENT ON COLUMN public.v1.amount IS 'in cents'");

    // Declared WITH NO DATA but populated by a refresh: left populated.
    let p = plan(&chain("integer"), &from);
    assert!(
        !p.steps.iter().any(|s| s.sql.contains("REFRESH")),
        "{}",
        render(&p)
    );

    // Removed: the views go, dependents first; the index goes with its materialized view.
    let bare = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| {
            t.column("id", "integer").column("amount", "integer")
        })
        .build();
    let p = plan(&chain("integer"), &bare);
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            "DROP MATERIALIZED VIEW public.mv",
            "DROP VIEW public.v2",
            "DROP VIEW public.v1"
        ]
    );
    assert!(p.steps.iter().all(|s| s
        .hazards
        .iter()
        .any(|h| h.kind == Hazard::BackwardIncompatible)));

    // Created from nothing: tables first, WITH NO DATA honoured, no hazards.
    let mut unpopulated = chain("integer");
    unpopulated
        .materialized_views
        .get_mut(&qn("public.mv"))
        .unwrap()
        .populated = false;
    let p = plan(
        &CatalogBuilder::new().schema("public").build(),
        &unpopulated,
    );
    let create_mv = position(&p, "CREATE MATERIALIZED VIEW public.mv");
    assert!(p.steps[create_mv].sql.ends_with("\nWITH NO DATA"));
    assert!(position(&p, "CREATE TABLE public.t") < position(&p, "CREATE VIEW public.v1"));
    assert!(create_mv < position(&p, "CREATE INDEX mv_amount_idx"));
    assert!(
        p.steps.iter().all(|s| s.hazards.is_empty()),
        "{}",
        render(&p)
    );
}

#[test]
fn dependents_postgres_copes_with_do_not_stop_the_plan() {
    let stats = ObjectId::Other {
        kind: "statistics object".into(),
        identity: "public.t_stats".into(),
    };
    let from = CatalogBuilder::from_catalog(chain("integer"))
        .depends(stats, column_id("public.t", "amount"))
        .build();
    let p = plan(&from, &chain("bigint"));
    assert_eq!(p.steps.len(), 8, "{}", render(&p));

    // An INSTEAD OF trigger on a view that is recreated would be dropped with it.
    let trigger = ObjectId::Other {
        kind: "trigger".into(),
        identity: "v2_insert on public.v2".into(),
    };
    let from = CatalogBuilder::from_catalog(chain("integer"))
        .depends(trigger, view_id("public.v2"))
        .build();
    match build(&from, &chain("bigint"), &PlanOptions::default()) {
        Err(PlanError::Unsupported { object, reason, .. }) => {
            assert_eq!(object, "trigger v2_insert on public.v2");
            assert!(reason.contains("view public.v2 which"), "{reason}");
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
}
