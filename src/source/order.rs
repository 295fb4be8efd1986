//! Load order: a stable topological order of the statements by their references, with the
//! original order (file by file, statement by statement) as the tie break. Schemas come
//! first, then extensions. Cycles (mutual references the heuristics see, or that really
//! exist) are broken by taking the earliest remaining statement; the loader's retry pass
//! then handles anything still out of order.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use super::classify::{NameClass, ObjectKind, StatementKind};
use super::Statement;

fn rank(s: &Statement) -> u8 {
    match s.kind {
        StatementKind::Create(ObjectKind::Schema) => 0,
        StatementKind::Create(ObjectKind::Extension) => 1,
        _ => 2,
    }
}

/// Whether a statement is executed at all (settings are replayed as session context,
/// transaction control is dropped).
pub(crate) fn executes(s: &Statement) -> bool {
    !matches!(s.kind, StatementKind::Setting | StatementKind::Transaction)
}

/// Statements defining each name: class and name to (schema as written, statement).
type Creators<'a> = BTreeMap<(NameClass, &'a str), Vec<(Option<&'a str>, usize)>>;

/// Dependencies of each statement: indices of the statements it must follow.
pub(crate) fn dependencies(stmts: &[Statement]) -> Vec<BTreeSet<usize>> {
    let mut creators: Creators = BTreeMap::new();
    let mut by_schema: BTreeMap<(NameClass, &str), Vec<usize>> = BTreeMap::new();
    for (i, s) in stmts.iter().enumerate() {
        for c in &s.creates {
            creators
                .entry((c.class, c.name.as_str()))
                .or_default()
                .push((c.schema.as_deref(), i));
            by_schema
                .entry((c.class, c.schema.as_deref().unwrap_or("")))
                .or_default()
                .push(i);
        }
    }
    let mut deps = vec![BTreeSet::new(); stmts.len()];
    let mut previous_in_file: Option<(usize, usize)> = None;
    for (j, s) in stmts.iter().enumerate() {
        if !executes(s) {
            continue;
        }
        for r in &s.references {
            if r.name == "*" {
                let schema = r.schema.as_deref().unwrap_or("");
                if let Some(list) = by_schema.get(&(r.class, schema)) {
                    deps[j].extend(list.iter().copied().filter(|&i| i != j));
                }
                continue;
            }
            let Some(list) = creators.get(&(r.class, r.name.as_str())) else {
                continue;
            };
            for &(schema, i) in list {
                let matches = match (&r.schema, schema) {
                    (Some(want), Some(have)) => want == have,
                    _ => true,
                };
                if matches && i != j {
                    deps[j].insert(i);
                }
            }
        }
        let keeps_place = !s.parsed || s.kind == StatementKind::Procedural;
        if let Some((file, prev)) = previous_in_file {
            if keeps_place && file == s.file {
                deps[j].insert(prev);
            }
        }
        previous_in_file = Some((s.file, j));
    }
    deps
}

/// The executable statements, in load order.
pub(crate) fn load_order(stmts: &[Statement]) -> Vec<usize> {
    let deps = dependencies(stmts);
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); stmts.len()];
    let mut missing: Vec<usize> = vec![0; stmts.len()];
    let mut remaining: BTreeSet<(u8, usize)> = BTreeSet::new();
    for (j, d) in deps.iter().enumerate() {
        if !executes(&stmts[j]) {
            continue;
        }
        for &i in d {
            if executes(&stmts[i]) {
                dependents[i].push(j);
                missing[j] += 1;
            }
        }
        remaining.insert((rank(&stmts[j]), j));
    }
    let mut ready: BinaryHeap<Reverse<(u8, usize)>> = remaining
        .iter()
        .filter(|&&(_, j)| missing[j] == 0)
        .map(|&k| Reverse(k))
        .collect();
    let mut order = Vec::with_capacity(remaining.len());
    let mut done = vec![false; stmts.len()];
    while !remaining.is_empty() {
        let (r, j) = match ready.pop() {
            Some(Reverse(k)) => k,
            None => *remaining.iter().next().expect("not empty"),
        };
        if done[j] {
            continue;
        }
        done[j] = true;
        remaining.remove(&(r, j));
        order.push(j);
        for &k in &dependents[j] {
            missing[k] = missing[k].saturating_sub(1);
            if missing[k] == 0 && !done[k] {
                ready.push(Reverse((rank(&stmts[k]), k)));
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::super::{from_files, SourceFile};
    use super::*;

    fn ordered(files: &[(&str, &str)]) -> Vec<String> {
        let desired = from_files(
            files
                .iter()
                .map(|(p, t)| SourceFile {
                    path: p.into(),
                    text: t.to_string(),
                })
                .collect(),
        )
        .unwrap();
        load_order(&desired.statements)
            .into_iter()
            .map(|j| desired.statements[j].sql.clone())
            .collect()
    }

    fn pos(order: &[String], prefix: &str) -> usize {
        order
            .iter()
            .position(|s| s.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix} not in {order:#?}"))
    }

    #[test]
    fn orders_by_references_across_files() {
        let order = ordered(&[
            ("a.sql", "COMMENT ON TABLE app.orders IS 'x';\nCREATE INDEX ON app.orders (customer_id);\n\
                       CREATE TABLE app.orders (id int primary key, customer_id int references app.customers(id), s app.status);"),
            ("b.sql", "CREATE TABLE app.customers (id int primary key, email app.email);\n\
                       ALTER SEQUENCE app.seq OWNED BY app.customers.id;\n\
                       CREATE VIEW app.v AS SELECT o.id FROM app.orders o, app.customers c;"),
            ("c.sql", "CREATE TYPE app.status AS ENUM ('a');\nCREATE DOMAIN app.email AS text;\n\
                       CREATE SEQUENCE app.seq;\nCREATE EXTENSION IF NOT EXISTS citext;\nCREATE SCHEMA app;"),
        ]);
        assert!(order[0].starts_with("CREATE SCHEMA app"), "{order:#?}");
        assert!(order[1].starts_with("CREATE EXTENSION"), "{order:#?}");
        let orders = pos(&order, "CREATE TABLE app.orders");
        let customers = pos(&order, "CREATE TABLE app.customers");
        assert!(pos(&order, "CREATE TYPE app.status") < orders);
        assert!(pos(&order, "CREATE DOMAIN app.email") < customers);
        assert!(customers < orders);
        assert!(orders < pos(&order, "COMMENT ON TABLE app.orders"));
        assert!(orders < pos(&order, "CREATE INDEX ON app.orders"));
        assert!(pos(&order, "CREATE SEQUENCE app.seq") < pos(&order, "ALTER SEQUENCE"));
        assert!(customers < pos(&order, "ALTER SEQUENCE"));
        assert!(orders < pos(&order, "CREATE VIEW app.v"));
        assert!(customers < pos(&order, "CREATE VIEW app.v"));
    }

    #[test]
    fn keeps_original_order_when_nothing_forces_a_change() {
        let order = ordered(&[(
            "a.sql",
            "CREATE TABLE b (id int);\nCREATE TABLE a (id int);\nCREATE TABLE c (id int);",
        )]);
        assert_eq!(
            order,
            vec![
                "CREATE TABLE b (id int)",
                "CREATE TABLE a (id int)",
                "CREATE TABLE c (id int)"
            ]
        );
    }

    #[test]
    fn functions_triggers_and_defaults() {
        let order = ordered(&[(
            "a.sql",
            "CREATE TRIGGER t BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch();\n\
             CREATE TABLE items (id bigint DEFAULT nextval('item_ids'), n int CHECK (positive(n)));\n\
             CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
             CREATE FUNCTION positive(x int) RETURNS bool LANGUAGE sql AS $$ SELECT x > 0 $$;\n\
             CREATE SEQUENCE item_ids;\n\
             CREATE FUNCTION n_items() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM items $$;",
        )]);
        let items = pos(&order, "CREATE TABLE items");
        assert!(
            pos(&order, "CREATE SEQUENCE item_ids") < items,
            "{order:#?}"
        );
        assert!(pos(&order, "CREATE FUNCTION positive") < items);
        assert!(items < pos(&order, "CREATE TRIGGER t"));
        assert!(pos(&order, "CREATE FUNCTION touch") < pos(&order, "CREATE TRIGGER t"));
        assert!(items < pos(&order, "CREATE FUNCTION n_items"));
    }

    #[test]
    fn settings_and_transactions_are_not_ordered_statements() {
        let order = ordered(&[(
            "a.sql",
            "BEGIN;\nSET search_path = app;\nSELECT pg_catalog.set_config('search_path', '', false);\n\
             CREATE TABLE t (id int);\nCOMMIT;",
        )]);
        assert_eq!(order, vec!["CREATE TABLE t (id int)"]);
    }
}
