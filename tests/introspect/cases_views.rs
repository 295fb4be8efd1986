//! Views and materialized views: definitions, columns, options, population, comments,
//! dependencies, and definitions that read the same from two databases.

use crate::{id, q, scope, some, Case, Ctx};
use libtest_mimic::Failed;
use schemadiff::catalog::{ObjectId, ViewColumn};

pub const CASES: &[Case] = &[
    ("views_and_materialized_views", views),
    ("view_definitions_read_the_same_from_two_databases", stable),
];

fn vcol(name: &str, data_type: &str) -> ViewColumn {
    ViewColumn {
        name: id(name),
        data_type: data_type.into(),
        collation: None,
        comment: None,
    }
}

const VIEWS_DDL: &str = r#"
CREATE SCHEMA app;
CREATE SCHEMA reports;
CREATE TABLE app.t (id int PRIMARY KEY, name text NOT NULL, amount numeric(10,2), gone int);
CREATE VIEW app.v WITH (security_barrier) AS SELECT id, name COLLATE "C" AS name, amount FROM app.t;
COMMENT ON VIEW app.v IS 'the view';
COMMENT ON COLUMN app.v.amount IS 'in cents';
CREATE VIEW reports.big AS SELECT id, name, amount FROM app.v WHERE amount > 10 WITH LOCAL CHECK OPTION;
CREATE VIEW reports.grouped AS SELECT id, name FROM app.t GROUP BY id;
CREATE MATERIALIZED VIEW reports.totals WITH (fillfactor = 70) AS
    SELECT name, sum(amount) AS total FROM reports.big GROUP BY name WITH NO DATA;
CREATE UNIQUE INDEX totals_name ON reports.totals (name);
COMMENT ON MATERIALIZED VIEW reports.totals IS 'refreshed nightly';
CREATE MATERIALIZED VIEW reports.filled AS SELECT 1 AS one;
"#;

fn views(ctx: &Ctx) -> Result<(), Failed> {
    let cat = ctx.catalog("views", VIEWS_DDL);
    let names: Vec<String> = cat.views.keys().map(|n| n.to_string()).collect();
    assert_eq!(names, ["app.v", "reports.big", "reports.grouped"]);

    let v = &cat.views[&q("app", "v")];
    assert_eq!(
        v.definition,
        "SELECT t.id,\n    (t.name COLLATE \"C\") AS name,\n    t.amount\n   FROM app.t"
    );
    assert_eq!(
        v.columns,
        [
            vcol("id", "integer"),
            ViewColumn {
                collation: some("\"C\""),
                ..vcol("name", "text")
            },
            ViewColumn {
                comment: some("in cents"),
                ..vcol("amount", "numeric(10,2)")
            },
        ]
    );
    assert_eq!(v.options, ["security_barrier=true"]);
    assert_eq!(v.comment.as_deref(), Some("the view"));
    assert_eq!(
        cat.views[&q("reports", "big")].options,
        ["check_option=local"]
    );

    let totals = &cat.materialized_views[&q("reports", "totals")];
    assert!(!totals.populated, "created WITH NO DATA");
    assert_eq!(totals.reloptions, ["fillfactor=70"]);
    assert_eq!(totals.comment.as_deref(), Some("refreshed nightly"));
    assert_eq!(
        totals.columns,
        [
            ViewColumn {
                collation: some("\"C\""),
                ..vcol("name", "text")
            },
            vcol("total", "numeric")
        ],
        "the collation follows the column through the views"
    );
    assert!(cat.materialized_views[&q("reports", "filled")].populated);

    let index = &cat.indexes[&q("reports", "totals_name")];
    assert_eq!(index.table, q("reports", "totals"));
    assert_eq!(
        index.definition,
        "CREATE UNIQUE INDEX ON reports.totals USING btree (name)"
    );

    let view = |s: &str, n: &str| ObjectId::View { name: q(s, n) };
    let column = |c: &str| ObjectId::Column {
        table: q("app", "t"),
        column: id(c),
    };
    let deps = |o: &ObjectId| cat.depends.get(o).cloned().unwrap_or_default();
    let v_deps = deps(&view("app", "v"));
    for c in ["id", "name", "amount"] {
        assert!(v_deps.contains(&column(c)), "{c}: {v_deps:?}");
    }
    assert!(!v_deps.contains(&column("gone")), "{v_deps:?}");
    assert!(deps(&view("reports", "big")).contains(&view("app", "v")));
    assert!(
        deps(&view("reports", "grouped")).contains(&ObjectId::Constraint {
            table: q("app", "t"),
            name: id("t_pkey"),
        }),
        "GROUP BY the key rests on the primary key"
    );
    let totals_id = ObjectId::MaterializedView {
        name: q("reports", "totals"),
    };
    assert!(deps(&totals_id).contains(&view("reports", "big")));
    assert!(deps(&ObjectId::Index {
        name: q("reports", "totals_name")
    })
    .contains(&totals_id));
    assert!(
        cat.unmanaged.is_empty(),
        "views are modelled: {:?}",
        cat.unmanaged
    );

    let only_reports = ctx.catalog_with("views_scope", VIEWS_DDL, &scope(&["reports"]));
    assert!(only_reports.views.contains_key(&q("reports", "big")));
    assert!(!only_reports.views.contains_key(&q("app", "v")));
    Ok(())
}

/// The same views, written differently (unqualified under a search_path, other spacing and
/// case, objects created in another order), read from two databases.
fn stable(ctx: &Ctx) -> Result<(), Failed> {
    let a = ctx.catalog(
        "stable_a",
        r#"
        CREATE SCHEMA app;
        CREATE TABLE app.t (id int PRIMARY KEY, kind text, at timestamptz);
        CREATE TABLE app.u (id int PRIMARY KEY, t_id int);
        CREATE VIEW app.recent AS
            SELECT t.id, t.kind FROM app.t WHERE t.at > now() - interval '1 day';
        CREATE VIEW app.joined AS
            SELECT r.id, u.id AS u_id FROM app.recent r JOIN app.u ON u.t_id = r.id;
        CREATE MATERIALIZED VIEW app.kinds AS SELECT DISTINCT kind FROM app.t;
        "#,
    );
    let b = ctx.catalog(
        "stable_b",
        r#"
        CREATE SCHEMA app;
        SET search_path = app;
        CREATE TABLE u (id int PRIMARY KEY, t_id int);
        CREATE TABLE t (id int PRIMARY KEY, kind text, at timestamptz);
        create materialized view kinds as select distinct kind from t;
        create view recent as select id, kind from t where at > now() - '1 day'::interval;
        create view joined as select r.id, u.id as u_id
            from recent r join u on (u.t_id = r.id);
        "#,
    );
    assert_eq!(a.views, b.views);
    assert_eq!(a.materialized_views, b.materialized_views);
    assert!(
        a.views[&q("app", "joined")]
            .definition
            .contains("FROM (app.recent r"),
        "qualified under search_path = pg_catalog: {}",
        a.views[&q("app", "joined")].definition
    );
    Ok(())
}
