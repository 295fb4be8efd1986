//! The rules, each a pass over the desired catalog. Partitions are checked through their
//! parent (their columns, keys and timestamps are the parent's), except for their names.

use super::words::{identifiers, index_method, is_snake_case, plural_word, to_snake_case};
use super::{Finding, Rule, Settings};
use crate::catalog::{Catalog, Column, ConstraintKind, Ident, ObjectId, QualName, Table};
use crate::plan::text::index_key_columns;
use std::collections::BTreeSet;

/// Every finding of every rule, whatever its level.
pub fn check(cat: &Catalog, s: &Settings) -> Vec<Finding> {
    let mut out = Vec::new();
    snake_case(cat, &mut out);
    for t in cat.tables.values().filter(|t| t.partition_of.is_none()) {
        table_rules(cat, s, t, &mut out);
    }
    out
}

fn finding(rule: Rule, object: ObjectId, message: String, help: String) -> Finding {
    Finding {
        rule,
        object,
        message,
        help,
    }
}

fn table_id(t: &QualName) -> ObjectId {
    ObjectId::Table { name: t.clone() }
}

fn column_id(t: &QualName, c: &Ident) -> ObjectId {
    ObjectId::Column {
        table: t.clone(),
        column: c.clone(),
    }
}

fn snake_case(cat: &Catalog, out: &mut Vec<Finding>) {
    let mut check = |kind: &str, name: &Ident, object: ObjectId| {
        if !is_snake_case(name.as_str()) {
            out.push(finding(
                Rule::SnakeCase,
                object,
                format!("{kind} name {name} is not snake_case"),
                format!(
                    "name it {} (lower-case words joined by _)",
                    Ident::new(to_snake_case(name.as_str()))
                ),
            ));
        }
    };
    for name in cat.schemas.keys() {
        check("schema", name, ObjectId::Schema { name: name.clone() });
    }
    for t in cat.tables.values() {
        check("table", &t.name.name, table_id(&t.name));
        if t.partition_of.is_some() {
            continue;
        }
        for c in &t.columns {
            check("column", &c.name, column_id(&t.name, &c.name));
        }
        for k in t.constraints.values().filter(|k| !k.name_is_generated) {
            let id = ObjectId::Constraint {
                table: t.name.clone(),
                name: k.name.clone(),
            };
            check("constraint", &k.name, id);
        }
    }
    for name in cat.views.keys() {
        check("view", &name.name, ObjectId::View { name: name.clone() });
    }
    for name in cat
        .materialized_views
        .keys()
        .chain(cat.timescale.continuous_aggregates.keys())
    {
        let id = ObjectId::MaterializedView { name: name.clone() };
        check("materialized view", &name.name, id);
    }
    for name in cat.indexes.keys() {
        check("index", &name.name, ObjectId::Index { name: name.clone() });
    }
    for (name, seq) in &cat.sequences {
        if seq.owned_by.is_none() {
            check(
                "sequence",
                &name.name,
                ObjectId::Sequence { name: name.clone() },
            );
        }
    }
    for name in cat
        .enums
        .keys()
        .chain(cat.domains.keys())
        .chain(cat.composites.keys())
    {
        check("type", &name.name, ObjectId::Type { name: name.clone() });
    }
    for f in cat.all_functions() {
        let id = ObjectId::Function {
            name: f.name.clone(),
            args: f.args.clone(),
        };
        check("routine", &f.name.name, id);
    }
    for (table, triggers) in &cat.triggers {
        for name in triggers.keys() {
            let id = ObjectId::Trigger {
                table: table.clone(),
                name: name.clone(),
            };
            check("trigger", name, id);
        }
    }
    for (table, policies) in &cat.policies {
        for name in policies.keys() {
            let id = ObjectId::Policy {
                table: table.clone(),
                name: name.clone(),
            };
            check("policy", name, id);
        }
    }
}

fn table_rules(cat: &Catalog, s: &Settings, t: &Table, out: &mut Vec<Finding>) {
    let name = &t.name;
    if let Some((word, singular)) = plural_word(name.name.as_str(), &s.singular_exceptions) {
        out.push(finding(
            Rule::SingularTable,
            table_id(name),
            format!("table name {} ends in the plural `{word}`", name.name),
            format!("name the table in the singular (`{singular}`), or add `{word}` to lint.singular_exceptions if it is singular"),
        ));
    }
    if let Some(prefix) = &s.table_prefix {
        if !name.name.as_str().starts_with(prefix.as_str()) {
            out.push(finding(
                Rule::TablePrefix,
                table_id(name),
                format!("table name {} does not start with `{prefix}`", name.name),
                format!(
                    "name it {}",
                    Ident::new(format!("{prefix}{}", name.name.as_str()))
                ),
            ));
        }
    }
    primary_key(cat, t, out);
    for want in &s.timestamps {
        match t.column(&Ident::new(want.as_str())) {
            None => out.push(finding(
                Rule::Timestamps,
                table_id(name),
                format!("table {name} has no {} column", Ident::new(want.as_str())),
                format!(
                    "add `{} timestamptz NOT NULL DEFAULT now()` (or a nullable one for soft deletes)",
                    Ident::new(want.as_str())
                ),
            )),
            Some(c) if !c.data_type.starts_with("timestamp") => out.push(finding(
                Rule::Timestamps,
                column_id(name, &c.name),
                format!("column {name}.{} is {}, not a timestamp", c.name, c.data_type),
                "make it timestamptz".into(),
            )),
            Some(_) => {}
        }
    }
    foreign_keys(cat, t, out);
    gin_for_jsonb(cat, s, t, out);
    for c in &t.columns {
        column_risks(s, name, c, out);
    }
}

/// Columns PostgreSQL or TimescaleDB require in every unique key of `t`: the partition key
/// of a partitioned table, the dimensions of a hypertable.
fn required_key_columns(cat: &Catalog, t: &Table) -> BTreeSet<Ident> {
    let mut out = BTreeSet::new();
    if let Some(by) = &t.partition_by {
        let ids = identifiers(by);
        out.extend(
            t.columns
                .iter()
                .filter(|c| ids.contains(c.name.as_str()))
                .map(|c| c.name.clone()),
        );
    }
    if let Some(h) = cat.timescale.hypertables.get(&t.name) {
        out.insert(h.time.column.clone());
        out.extend(h.dimensions.iter().map(|d| d.column.clone()));
    }
    out
}

fn primary_key(cat: &Catalog, t: &Table, out: &mut Vec<Finding>) {
    let name = &t.name;
    let Some(pk) = t
        .constraints
        .values()
        .find(|k| k.kind == ConstraintKind::PrimaryKey)
    else {
        out.push(finding(
            Rule::NoPrimaryKey,
            table_id(name),
            format!("table {name} has no primary key"),
            "add a primary key: rows without one cannot be updated or deleted one by one, nor replicated logically".into(),
        ));
        return;
    };
    let pk_id = ObjectId::Constraint {
        table: name.clone(),
        name: pk.name.clone(),
    };
    let id = Ident::new("id");
    let required = required_key_columns(cat, t);
    let extra: Vec<&Ident> = pk
        .columns
        .iter()
        .filter(|c| **c != id && !required.contains(*c))
        .collect();
    if !pk.columns.contains(&id) || !extra.is_empty() {
        let cols: Vec<String> = pk.columns.iter().map(Ident::to_string).collect();
        out.push(finding(
            Rule::UuidPrimaryKey,
            pk_id,
            format!("the primary key of {name} is ({}), not (id)", cols.join(", ")),
            "key the table by `id uuid PRIMARY KEY DEFAULT gen_random_uuid()` and keep other candidate keys UNIQUE".into(),
        ));
        return;
    }
    if let Some(c) = t.column(&id) {
        if c.data_type != "uuid" {
            out.push(finding(
                Rule::UuidPrimaryKey,
                column_id(name, &id),
                format!(
                    "the primary key column {name}.id is {}, not uuid",
                    c.data_type
                ),
                "make id uuid (DEFAULT gen_random_uuid())".into(),
            ));
        }
    }
}

/// Key column lists of the indexes that can serve lookups by their leading columns: plain
/// indexes (not partial, not on expressions) and the PK, UNIQUE and EXCLUDE constraints.
fn index_keys(cat: &Catalog, t: &Table) -> Vec<Vec<Ident>> {
    let mut keys: Vec<Vec<Ident>> = cat
        .indexes
        .values()
        .filter(|i| i.table == t.name && !i.definition.contains(" WHERE "))
        .filter_map(|i| index_key_columns(&i.definition))
        .collect();
    keys.extend(
        t.constraints
            .values()
            .filter(|k| {
                matches!(
                    k.kind,
                    ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclude
                )
            })
            .map(|k| k.columns.clone()),
    );
    keys
}

fn foreign_keys(cat: &Catalog, t: &Table, out: &mut Vec<Finding>) {
    let name = &t.name;
    let keys = index_keys(cat, t);
    for k in t
        .constraints
        .values()
        .filter(|k| k.kind == ConstraintKind::ForeignKey)
    {
        let id = ObjectId::Constraint {
            table: name.clone(),
            name: k.name.clone(),
        };
        if let Some(refd) = &k.references {
            let base = format!("{}_{}", name.name.as_str(), refd.name.as_str());
            let n = k.name.as_str();
            let fits = n == format!("{base}_fk")
                || (n.starts_with(&format!("{base}_")) && n.ends_with("_fk"));
            if !fits {
                out.push(finding(
                    Rule::FkName,
                    id.clone(),
                    format!("foreign key {} is not named {base}_fk", k.name),
                    format!("name it {} (<table>_<referenced_table>_fk; add a qualifier before _fk when the table references {} twice)", Ident::new(format!("{base}_fk")), refd.name),
                ));
            }
        }
        let cols: BTreeSet<&Ident> = k.columns.iter().collect();
        let covered = keys.iter().any(|key| {
            key.len() >= cols.len() && key[..cols.len()].iter().collect::<BTreeSet<_>>() == cols
        });
        if !covered && !cols.is_empty() {
            let list: Vec<String> = k.columns.iter().map(Ident::to_string).collect();
            out.push(finding(
                Rule::FkIndexed,
                id.clone(),
                format!("no index of {name} starts with the columns of foreign key {} ({})", k.name, list.join(", ")),
                format!("CREATE INDEX ON {name} ({}); without it, deletes and key updates of the referenced table scan {name}", list.join(", ")),
            ));
        }
        if !k.definition.contains(" ON DELETE ") {
            out.push(finding(
                Rule::MissingFkAction,
                id,
                format!("foreign key {} does not say what happens when the referenced row is deleted", k.name),
                "write ON DELETE CASCADE, RESTRICT, SET NULL or SET DEFAULT (PostgreSQL stores an omitted action and NO ACTION alike)".into(),
            ));
        }
    }
}

/// A JSONB column needs a GIN index when a non-GIN index reads it (in its keys or its
/// `WHERE`) or the settings declare it queried; a GIN index whose keys name it serves it.
fn gin_for_jsonb(cat: &Catalog, s: &Settings, t: &Table, out: &mut Vec<Finding>) {
    let name = &t.name;
    let indexes: Vec<(&str, std::collections::BTreeSet<String>)> = cat
        .indexes
        .values()
        .filter(|i| i.table == *name)
        .filter_map(|i| index_method(&i.definition).map(|(m, rest)| (m, identifiers(rest))))
        .collect();
    for c in t.columns.iter().filter(|c| c.data_type == "jsonb") {
        let col = c.name.as_str();
        let declared = s
            .queried_jsonb
            .contains(&format!("{}.{col}", name.name.as_str()))
            || s.queried_jsonb.contains(&format!(
                "{}.{}.{col}",
                name.schema.as_str(),
                name.name.as_str()
            ));
        let used = indexes
            .iter()
            .any(|(m, ids)| *m != "gin" && ids.contains(col));
        if !(declared || used) {
            continue;
        }
        let has_gin = indexes
            .iter()
            .any(|(m, ids)| *m == "gin" && ids.contains(col));
        if !has_gin {
            let why = if declared {
                "is declared queried (lint.queried_jsonb)"
            } else {
                "is read by a non-GIN index"
            };
            out.push(finding(
                Rule::GinForJsonb,
                column_id(name, &c.name),
                format!("jsonb column {name}.{} {why} but has no GIN index", c.name),
                format!(
                    "CREATE INDEX ON {name} USING gin ({}) (jsonb_path_ops for containment only)",
                    c.name
                ),
            ));
        }
    }
}

fn column_risks(s: &Settings, table: &QualName, c: &Column, out: &mut Vec<Finding>) {
    let base = c.data_type.trim_end_matches("[]");
    if base == "real" || base == "double precision" {
        let word = c
            .name
            .as_str()
            .split('_')
            .find(|w| s.money_words.contains(*w));
        if let Some(word) = word {
            out.push(finding(
                Rule::FloatForMoney,
                column_id(table, &c.name),
                format!("column {table}.{} looks like money (`{word}`) but is {}", c.name, c.data_type),
                "use numeric(p, s) (or an integer of cents): binary floating point cannot hold 0.10 exactly".into(),
            ));
        }
    }
    if base.starts_with("timestamp") && base.ends_with("without time zone") {
        out.push(finding(
            Rule::TimestampWithoutTimeZone,
            column_id(table, &c.name),
            format!("column {table}.{} is timestamp without time zone", c.name),
            "use timestamptz: it stores an instant, whatever the session's TimeZone".into(),
        ));
    }
}
