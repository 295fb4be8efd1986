//! `dump --format yaml`: what the YAML definitions format can say is written as YAML, one
//! file per object beside the SQL file of the same object, which keeps the statements the
//! format cannot say (grants, owned sequences, triggers, policies, row security, extension
//! comments).
//!
//! Which statements the YAML says is decided by planning, not by reading SQL: the dump's
//! plan builds the whole catalog from an empty database, and a second plan builds only
//! what the YAML files define ([`YamlObjects::said`]). A step of the first plan that the
//! second also has (same object, action and statement) is said by the YAML; every other
//! step goes to the SQL file of the object that owns it, so no statement is lost. When the
//! second plan has a step the first lacks (the planner forms a statement differently once
//! other objects are around), the YAML would say something the dump does not: the objects
//! of those steps are written as SQL instead, and the split is made again.

use super::layout::{self, arrange, owner_of, DumpFile, Kind, Owner, Relations};
use crate::catalog::{Catalog, ObjectId};
use crate::plan::{self, Action, Plan, PlanOptions, Step};
use crate::source::yaml::{catalog_to_yaml_objects, YamlObject};
use crate::workflow::Error;
use std::collections::{BTreeMap, BTreeSet};

/// The files of a YAML dump of `catalog`, sorted by path, with the plan they came from.
pub fn files(catalog: &Catalog) -> Result<(Vec<DumpFile>, Plan), Error> {
    let plan = layout::create_plan(catalog)?;
    let base = layout::fresh_database(catalog);
    let relations = Relations::new(catalog);
    let mut skip: BTreeSet<YamlObject> = BTreeSet::new();
    loop {
        let yaml = catalog_to_yaml_objects(catalog, &base, &skip);
        let said = plan::build(&base, &loaded(&base, &yaml.said), &PlanOptions::default())?;
        let owner = |id: &ObjectId| owner_of(id, catalog, &relations);
        let (sql, unsaid) = split(&plan.steps, &said.steps, owner);
        let unsaid: Vec<Option<YamlObject>> = unsaid.into_iter().map(yaml_object).collect();
        if unsaid.is_empty() {
            let texts = yaml
                .files
                .into_iter()
                .map(|(object, text)| (file_owner(object), text))
                .collect();
            return Ok((arrange(sql, texts), plan));
        }
        let before = skip.len();
        match unsaid.into_iter().collect::<Option<Vec<_>>>() {
            Some(objects) => skip.extend(objects),
            None => skip.extend(yaml.files.into_keys()),
        }
        if skip.len() == before {
            let all = catalog_to_yaml_objects(catalog, &base, &BTreeSet::new());
            skip.extend(all.files.into_keys());
        }
    }
}

/// The statements of `steps` (drops aside) that `said` does not have, grouped by `owner`;
/// and the owners of the steps of `said` that `steps` lacks. Steps are the same when their
/// object, action and statement are; each step of `said` stands for one of `steps`.
fn split(
    steps: &[Step],
    said: &[Step],
    owner: impl Fn(&ObjectId) -> Owner,
) -> (BTreeMap<Owner, Vec<String>>, BTreeSet<Owner>) {
    let mut pending: BTreeMap<(&ObjectId, Action, &str), usize> = BTreeMap::new();
    for s in said.iter().filter(|s| s.action != Action::Drop) {
        *pending
            .entry((&s.object, s.action, s.sql.as_str()))
            .or_default() += 1;
    }
    let mut sql: BTreeMap<Owner, Vec<String>> = BTreeMap::new();
    for step in steps.iter().filter(|s| s.action != Action::Drop) {
        match pending.get_mut(&(&step.object, step.action, step.sql.as_str())) {
            Some(n) if *n > 0 => *n -= 1,
            _ => sql
                .entry(owner(&step.object))
                .or_default()
                .push(step.sql.clone()),
        }
    }
    let unsaid = pending
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|((id, _, _), _)| owner(id))
        .collect();
    (sql, unsaid)
}

/// What a new database holds once `said` is loaded into it: `base` (the `public` schema,
/// its comment and privileges) with the objects of `said` added. A schema the YAML writes
/// without a comment keeps the one it had (`CREATE SCHEMA IF NOT EXISTS` leaves it).
fn loaded(base: &Catalog, said: &Catalog) -> Catalog {
    let mut out = said.clone();
    out.privileges = base.privileges.clone();
    for (name, schema) in &base.schemas {
        let s = out
            .schemas
            .entry(name.clone())
            .or_insert_with(|| schema.clone());
        if s.comment.is_none() {
            s.comment.clone_from(&schema.comment);
        }
    }
    out
}

/// The file owner of a YAML object.
fn file_owner(object: YamlObject) -> Owner {
    match object {
        YamlObject::Extensions => Owner::Extensions,
        YamlObject::Schemas => Owner::Schemas,
        YamlObject::Enum(name) => Owner::Object(Kind::Type, name),
        YamlObject::Table(name) => Owner::Object(Kind::Table, name),
    }
}

/// The YAML object whose file `owner` is, if YAML writes such objects.
fn yaml_object(owner: Owner) -> Option<YamlObject> {
    match owner {
        Owner::Extensions => Some(YamlObject::Extensions),
        Owner::Schemas => Some(YamlObject::Schemas),
        Owner::Object(Kind::Type, name) => Some(YamlObject::Enum(name)),
        Owner::Object(Kind::Table, name) => Some(YamlObject::Table(name)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::builder::{qn, table_id};
    use layout::Body;

    fn step(object: ObjectId, action: Action, sql: &str) -> Step {
        Step {
            sql: sql.into(),
            object,
            action,
            reason: String::new(),
            transactional: true,
            alone: false,
            budget: Default::default(),
            hazards: Vec::new(),
        }
    }

    #[test]
    fn steps_the_yaml_says_leave_the_sql_and_the_others_stay() {
        let t = table_id("app.t");
        let steps = [
            step(t.clone(), Action::Create, "CREATE TABLE app.t ()"),
            step(t.clone(), Action::Alter, "GRANT SELECT ON TABLE app.t TO r"),
            step(
                t.clone(),
                Action::Alter,
                "ALTER TABLE app.t ENABLE ROW LEVEL SECURITY",
            ),
            step(t.clone(), Action::Drop, "DROP TABLE app.old"),
        ];
        let said = [
            step(t.clone(), Action::Create, "CREATE TABLE app.t ()"),
            step(
                t.clone(),
                Action::Alter,
                "SELECT create_hypertable('app.t', 'at')",
            ),
            step(t.clone(), Action::Drop, "DROP TABLE app.gone"),
        ];
        let owner = |_: &ObjectId| Owner::Object(Kind::Table, qn("app.t"));
        let (sql, unsaid) = split(&steps, &said, owner);
        assert_eq!(
            sql.into_values().flatten().collect::<Vec<_>>(),
            [
                "GRANT SELECT ON TABLE app.t TO r",
                "ALTER TABLE app.t ENABLE ROW LEVEL SECURITY"
            ]
        );
        assert_eq!(
            unsaid.into_iter().collect::<Vec<_>>(),
            [Owner::Object(Kind::Table, qn("app.t"))],
            "the YAML would say a statement the dump does not have"
        );
        let twice = [
            step(t.clone(), Action::Comment, "COMMENT ON TABLE app.t IS 'x'"),
            step(t.clone(), Action::Comment, "COMMENT ON TABLE app.t IS 'x'"),
        ];
        let (sql, unsaid) = split(&twice, &twice[..1], owner);
        assert_eq!(
            sql.into_values().flatten().count(),
            1,
            "one said step stands for one step"
        );
        assert!(unsaid.is_empty());
    }

    #[test]
    fn tables_and_enums_are_yaml_and_their_sequences_stay_sql() {
        let cat = layout::sample_catalog();
        let (files, _) = files(&cat).expect("plan");
        let paths: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
        assert_eq!(
            paths,
            [
                "00_extensions.yaml",
                "01_schemas.sql",
                "01_schemas.yaml",
                "app/sequences/tickets.sql",
                "app/tables/Users.yaml",
                "app/tables/orders.sql",
                "app/tables/orders.yaml",
                "app/tables/users~2.yaml",
                "app/types/mood.yaml",
            ]
        );
        let text = |p: &str| files[paths.iter().position(|x| x == p).expect(p)].text();
        assert_eq!(
            text("01_schemas.sql"),
            "-- schemadiff dump: schemas\n\nCOMMENT ON SCHEMA public IS NULL;\n\n\
             REVOKE USAGE ON SCHEMA public FROM PUBLIC;\n",
            "a schema YAML writes without a comment keeps the one a new database gives it; \
             privileges stay SQL"
        );
        let orders = text("app/tables/orders.sql");
        assert!(
            orders.contains("\nCREATE SEQUENCE app.orders_id_seq"),
            "{orders}"
        );
        assert!(
            orders.contains("\nALTER SEQUENCE app.orders_id_seq OWNED BY app.orders.id;\n"),
            "{orders}"
        );
        for said in ["CREATE TABLE", "CREATE INDEX", "COMMENT ON"] {
            assert!(!orders.contains(said), "{said} in {orders}");
        }
        let yaml = text("app/tables/orders.yaml");
        assert!(
            yaml.starts_with(
                "# schemadiff dump: table app.orders\nschema: app\ntables:\n  orders:\n"
            ),
            "{yaml}"
        );
        assert!(yaml.contains("name: orders_mood_idx"), "{yaml}");
        let users = text("app/tables/users~2.yaml");
        assert!(
            users.contains("foreign_keys:") && users.contains("table: orders"),
            "{users}"
        );
        assert!(matches!(files[0].body, Body::Yaml(_)));
        assert_eq!(
            super::super::summary(&files),
            "9 files: 1 type, 1 sequence, 3 tables",
            "an object with YAML and SQL files counts once"
        );
    }
}
