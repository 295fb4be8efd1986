//! `dump --format yaml`: what the YAML definitions format can say is written as YAML, one
//! file per object beside the SQL file of the same object, which keeps the statements the
//! format cannot say (owners, grants, owned sequences, triggers, policies, row security,
//! extension comments).
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
use crate::plan::{self, Action, Plan, PlanOptions};
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
        let mut pending: BTreeMap<(&ObjectId, Action, &str), usize> = BTreeMap::new();
        for s in said.steps.iter().filter(|s| s.action != Action::Drop) {
            *pending
                .entry((&s.object, s.action, s.sql.as_str()))
                .or_default() += 1;
        }
        let mut sql: BTreeMap<Owner, Vec<String>> = BTreeMap::new();
        for step in plan.steps.iter().filter(|s| s.action != Action::Drop) {
            match pending.get_mut(&(&step.object, step.action, step.sql.as_str())) {
                Some(n) if *n > 0 => *n -= 1,
                _ => sql
                    .entry(owner_of(&step.object, catalog, &relations))
                    .or_default()
                    .push(step.sql.clone()),
            }
        }
        let unsaid: Vec<Option<YamlObject>> = pending
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|((id, _, _), _)| yaml_object(owner_of(id, catalog, &relations)))
            .collect();
        if unsaid.is_empty() {
            let texts = yaml
                .files
                .into_iter()
                .map(|(object, text)| (owner(object), text))
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
fn owner(object: YamlObject) -> Owner {
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
