//! Load order: a stable topological order of the statements by their references, with the
//! original order (file by file, statement by statement) as the tie break. Schemas come
//! first, then extensions. Cycles (mutual references the heuristics see, or that really
//! exist) are broken by taking the earliest remaining statement; the loader's retry pass
//! then handles anything still out of order.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use super::classify::{NameClass, ObjectKind, StatementKind};
use super::Statement;

/// The statements to execute, in order, with each one's dependency level (0 for those that
/// depend on nothing; statements of one level never depend on each other).
pub(crate) struct LoadOrder {
    pub order: Vec<usize>,
    pub level: Vec<u32>,
}

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

/// Dependencies of each statement: indices of the statements it must follow.
pub(crate) fn dependencies(stmts: &[Statement]) -> Vec<BTreeSet<usize>> {
    let mut creators: BTreeMap<(NameClass, &str), Vec<(Option<&str>, usize)>> = BTreeMap::new();
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

/// Order the executable statements.
pub(crate) fn load_order(stmts: &[Statement]) -> LoadOrder {
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
    let mut level = vec![0u32; stmts.len()];
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
        level[j] = deps[j]
            .iter()
            .filter(|&&i| done[i] && executes(&stmts[i]))
            .map(|&i| level[i] + 1)
            .max()
            .unwrap_or(0);
        order.push(j);
        for &k in &dependents[j] {
            missing[k] = missing[k].saturating_sub(1);
            if missing[k] == 0 && !done[k] {
                ready.push(Reverse((rank(&stmts[k]), k)));
            }
        }
    }
    LoadOrder { order, level }
}
