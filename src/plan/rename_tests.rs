use crate::catalog::builder::CatalogBuilder;
use crate::catalog::{Ident, RenameHint, RenameKind};
use crate::plan::testkit::plan;
use crate::plan::Action;

fn hint(kind: RenameKind, parent: Option<&str>, name: &str, from: &str) -> RenameHint {
    RenameHint {
        kind,
        schema: None,
        parent: parent.map(Ident::new),
        name: name.into(),
        from: from.into(),
        location: "s.sql:1:1".into(),
    }
}

fn sql(p: &crate::plan::Plan) -> Vec<&str> {
    p.steps.iter().map(|s| s.sql.as_str()).collect()
}

#[test]
fn a_renamed_table_is_renamed_before_steps_on_its_new_name() {
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.person", |t| {
            t.column("id", "integer").column("name", "text")
        })
        .index(
            "public.person_name_idx",
            "public.person",
            "CREATE INDEX ON public.person USING btree (name)",
        )
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.patient", |t| {
            t.column("id", "integer")
                .column("full_name", "text")
                .column("born", "date")
        })
        .index(
            "public.person_name_idx",
            "public.patient",
            "CREATE INDEX ON public.patient USING btree (full_name)",
        )
        .edit(|c| {
            c.renames = vec![
                hint(RenameKind::Column, Some("patient"), "full_name", "name"),
                hint(RenameKind::Table, None, "patient", "person"),
            ]
        })
        .build();
    let p = plan(&from, &to);
    let steps = sql(&p);
    assert_eq!(steps.len(), 3, "{steps:#?}");
    assert_eq!(steps[0], "ALTER TABLE public.person RENAME TO patient");
    let pos = |x: &str| steps.iter().position(|s| *s == x).expect(x);
    pos("ALTER TABLE public.patient RENAME COLUMN name TO full_name");
    pos("ALTER TABLE public.patient ADD COLUMN born date");
    let renames = p
        .steps
        .iter()
        .filter(|s| s.action == Action::Rename)
        .count();
    assert_eq!(renames, 2);
    assert!(p.notes.is_empty(), "{:?}", p.notes);
}

#[test]
fn a_foreign_key_follows_the_renamed_column_it_references() {
    let cat = |id: &str| {
        CatalogBuilder::new()
            .schema("public")
            .table("public.person", |t| {
                t.column(id, "integer").primary_key("person_pkey", &[id])
            })
            .table("public.pet", |t| {
                t.column("owner", "integer").foreign_key(
                    "pet_owner_fkey",
                    &["owner"],
                    "public.person",
                    &[id],
                )
            })
    };
    let to = cat("person_id")
        .edit(|c| c.renames = vec![hint(RenameKind::Column, Some("person"), "person_id", "id")])
        .build();
    let p = plan(&cat("id").build(), &to);
    assert_eq!(
        sql(&p),
        ["ALTER TABLE public.person RENAME COLUMN id TO person_id"]
    );
}

#[test]
fn a_declaration_that_no_longer_applies_is_a_note() {
    let cat = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| t.column("a", "integer"));
    let to = cat
        .clone()
        .edit(|c| c.renames = vec![hint(RenameKind::Column, Some("t"), "a", "gone")])
        .build();
    let p = plan(&cat.build(), &to);
    assert!(p.steps.is_empty());
    assert_eq!(p.notes.len(), 1);
    assert!(p.notes[0].starts_with("s.sql:1:1: renamed-from gone (column a) planned nothing"));
}
