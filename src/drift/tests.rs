use super::*;
use crate::catalog::builder::{qn, CatalogBuilder};
use crate::catalog::RowSecurity;

fn plan(from: &Catalog, to: &Catalog) -> Plan {
    crate::plan::build(from, to, &plan_options()).expect("plan")
}

/// Every step in exactly one finding, in plan order within it.
fn assert_partition(plan: &Plan, f: &[Finding]) {
    let mut seen: Vec<usize> = f.iter().flat_map(|f| f.steps.clone()).collect();
    for f in f {
        assert!(f.steps.windows(2).all(|w| w[0] < w[1]), "{f:#?}");
        let fix: Vec<String> = f
            .steps
            .iter()
            .map(|&i| format!("{};", plan.steps[i].sql))
            .collect();
        assert_eq!(f.fix, fix.join("\n"), "{f:#?}");
    }
    seen.sort();
    assert_eq!(seen, (0..plan.steps.len()).collect::<Vec<_>>(), "{f:#?}");
}

#[test]
fn one_finding_per_difference_with_plain_forms() {
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| t.column("a", "integer").column("b", "text"))
        .index(
            "public.t_b_idx",
            "public.t",
            "CREATE INDEX ON public.t USING btree (b)",
        )
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| {
            t.column("a", "integer")
                .not_null()
                .column("b", "text")
                .check("t_a_check", &["a"], "CHECK ((a > 0))")
        })
        .index(
            "public.t_b_idx",
            "public.t",
            "CREATE INDEX ON public.t USING btree (lower(b))",
        )
        .build();
    let p = plan(&from, &to);
    assert!(
        p.steps.iter().all(|s| s.transactional
            && !s.sql.contains("CONCURRENTLY")
            && !s.sql.contains("NOT VALID")
            && !s.sql.contains("schemadiff_")),
        "plain forms only: {:#?}",
        p.steps.iter().map(|s| &s.sql).collect::<Vec<_>>()
    );
    let f = findings(&p, &from, &to);
    assert_partition(&p, &f);
    let got: Vec<(&str, &str)> = f
        .iter()
        .map(|f| (f.code.as_str(), f.object.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("constraint.missing", "constraint t_a_check on public.t"),
            ("column.nullability_changed", "column public.t.a"),
            ("index.changed", "index public.t_b_idx"),
        ],
        "{f:#?}"
    );
    assert_eq!(f[1].detail, "nullable, declared NOT NULL");
    assert!(f[2].fix.contains("DROP INDEX") && f[2].fix.contains("CREATE INDEX"));
}

#[test]
fn a_missing_table_takes_its_indexes_and_row_security_and_security_comes_first() {
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.old", |t| t.column("a", "integer"))
        .table("public.kept", |t| {
            t.column("a", "integer")
                .column("b", "text")
                .column("gone", "integer")
        })
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.kept", |t| {
            t.column("a", "bigint")
                .default("0")
                .column("b", "text")
                .comment("kept")
        })
        .table("public.new", |t| t.column("a", "integer"))
        .index(
            "public.new_a_idx",
            "public.new",
            "CREATE INDEX ON public.new USING btree (a)",
        )
        .edit(|c| {
            for t in ["public.new", "public.kept"] {
                let table = qn(t);
                c.row_security.insert(
                    table.clone(),
                    RowSecurity {
                        table,
                        enabled: true,
                        forced: false,
                    },
                );
            }
        })
        .build();
    let p = plan(&from, &to);
    let f = findings(&p, &from, &to);
    assert_partition(&p, &f);
    let got: Vec<(&str, &str, &str)> = f
        .iter()
        .map(|f| (f.kind.as_str(), f.code.as_str(), f.object.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("changed", "rls.disabled", "table public.kept"),
            ("missing", "table.missing", "table public.new"),
            ("unexpected", "column.unexpected", "column public.kept.gone"),
            ("unexpected", "table.unexpected", "table public.old"),
            ("changed", "column.type_changed", "column public.kept.a"),
            ("changed", "column.default_changed", "column public.kept.a"),
            ("changed", "comment.changed", "table public.kept"),
        ],
        "{f:#?}"
    );
    let new = &f[1];
    assert!(
        new.fix.contains("CREATE TABLE")
            && new.fix.contains("CREATE INDEX")
            && new.fix.contains("ENABLE ROW LEVEL SECURITY"),
        "{new:#?}"
    );
    assert_eq!(f[4].detail, "type integer, declared bigint");
}

#[test]
fn codes_are_unique_and_documented() {
    let doc = include_str!("../../docs/drift.md");
    let mut seen = std::collections::BTreeSet::new();
    for c in Code::ALL {
        assert!(seen.insert(c.as_str()), "{c} twice");
        assert!(
            doc.contains(&format!("`{c}`")),
            "{c} is not documented in docs/drift.md"
        );
        let (family, what) = c.as_str().split_once('.').expect("family.what");
        assert!(!family.is_empty() && !what.is_empty());
    }
}

#[test]
fn markdown_quotes_names_and_keeps_tables_whole() {
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| {
            t.column("a", "integer").column("a|b", "text")
        })
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| t.column("a", "integer"))
        .build();
    let p = plan(&from, &to);
    let mut ignored = Ignored::default();
    ignored.by_pattern.insert(
        crate::introspect::ignore::NamePattern::new("*._prisma_migrations"),
        ["table public._prisma_migrations".to_string()].into(),
    );
    let r = report("db", &p, &from, &to, &ignored, vec![]);
    let md = markdown(&r);
    assert!(
        md.contains("| unexpected | `column.unexpected` | `column public.t.\"a\\|b\"` | in the database, not declared: text |"),
        "{md}"
    );
    assert!(
        md.contains("- ignored: 1 object (`*._prisma_migrations` 1)"),
        "{md}"
    );
    let text = human(&r);
    assert!(
        text.starts_with("db: drift, 1 finding (1 unexpected)\nunexpected:\n"),
        "{text}"
    );
    assert!(
        text.contains("      ALTER TABLE public.t DROP COLUMN \"a|b\";\n"),
        "{text}"
    );
}

#[test]
fn a_renamed_index_is_one_finding_with_its_comment() {
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| t.column("a", "integer"))
        .index(
            "public.old_idx",
            "public.t",
            "CREATE INDEX ON public.t USING btree (a)",
        )
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| t.column("a", "integer"))
        .index(
            "public.new_idx",
            "public.t",
            "CREATE INDEX ON public.t USING btree (a)",
        )
        .edit(|c| {
            if let Some(i) = c.indexes.get_mut(&qn("public.new_idx")) {
                i.comment = Some("kept".into());
            }
        })
        .build();
    let p = plan(&from, &to);
    let f = findings(&p, &from, &to);
    assert_partition(&p, &f);
    let got: Vec<(&str, &str)> = f
        .iter()
        .map(|f| (f.code.as_str(), f.object.as_str()))
        .collect();
    assert_eq!(got, [("object.renamed", "index public.new_idx")], "{f:#?}");
    assert_eq!(f[0].steps.len(), 2, "the rename and the comment: {f:#?}");
}
