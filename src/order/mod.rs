//! Dependency ordering of plan steps: a petgraph graph over the steps, sorted by Kahn's
//! algorithm with a ready queue keyed by (phase rank, emission index), so that the order
//! is deterministic to the byte and no comparator ever decides between two steps.
//!
//! Edges, for every object X:
//! - the step that creates X (or alters it in place) comes before every step that needs X;
//! - every step that releases X (stops depending on it) comes before the step that drops X
//!   or alters it in place;
//! - a step that drops X comes before a step that creates X (replacement, rename), and a
//!   step that frees a name comes before one that claims it (`DROP INDEX x` before
//!   `CREATE TABLE x`);
//! - a step that follows the drop of X comes after every step that drops X (a table
//!   becomes a hypertable only once its unique keys without the time column are gone);
//! - steps on the same object keep their emission order (a drop of it first).

use crate::catalog::ObjectId;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::hash::{Hash, Hasher};

/// What a step does to the objects around it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deps {
    /// Objects the step brings into existence.
    pub creates: BTreeSet<ObjectId>,
    /// Objects the step removes (including those that go with it, like a table's columns).
    pub drops: BTreeSet<ObjectId>,
    /// Objects the step changes in place in a way their dependents notice (a column's type,
    /// its nullability): dependents going away must be gone first, new ones come after.
    pub alters: BTreeSet<ObjectId>,
    /// Objects that must exist when the step runs (those the step itself creates, drops or
    /// alters are left out of the ordering).
    pub needs: BTreeSet<ObjectId>,
    /// Objects the step stops depending on (with the same exception).
    pub releases: BTreeSet<ObjectId>,
    /// Objects whose drop (when the plan drops them) must have run before the step.
    pub follows_drops: BTreeSet<ObjectId>,
    /// Names the step takes in a namespace PostgreSQL shares between kinds of objects
    /// (`relation s.x`: tables, indexes, constraint indexes, sequences, composite types;
    /// `type s.x`: tables, enums, domains, composite types).
    pub claims: BTreeSet<String>,
    /// Names the step gives up; it runs before any step that claims them.
    pub frees: BTreeSet<String>,
}

/// One step as the orderer sees it, borrowing the step's object and SQL.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    /// The object the step touches; steps on one object keep their emission order.
    pub object: &'a ObjectId,
    /// Phase rank: among steps whose dependencies are met, lower ranks go first.
    pub rank: u32,
    /// Shown in cycle reports and in the DOT graph (the step's SQL).
    pub label: &'a str,
    pub deps: Deps,
}

/// Ordering failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum OrderError {
    #[error("the plan's steps depend on each other in a cycle: {}", steps.join(" → "))]
    #[diagnostic(
        code(schemadiff::order::cycle),
        help("this is a bug in schemadiff's planner or an unusual dependency between objects; please report it with the DOT graph from the error data")
    )]
    Cycle {
        /// Labels of the steps in one cycle, in emission order.
        steps: Vec<String>,
        /// The whole step graph in Graphviz DOT, for debugging.
        dot: String,
    },
}

/// Order `nodes`; returns their indexes in execution order.
pub fn order(nodes: &[Node]) -> Result<Vec<usize>, OrderError> {
    let edges = edges(nodes);
    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(nodes.len(), edges.len());
    let idx: Vec<NodeIndex> = (0..nodes.len()).map(|i| graph.add_node(i)).collect();
    let mut indegree = vec![0usize; nodes.len()];
    for &(a, b) in &edges {
        graph.add_edge(idx[a], idx[b], ());
        indegree[b] += 1;
    }

    // (rank, emission index) is unique per step, so the heap pops in one order only.
    let mut ready: BinaryHeap<Reverse<(u32, usize)>> = (0..nodes.len())
        .filter(|&i| indegree[i] == 0)
        .map(|i| Reverse((nodes[i].rank, i)))
        .collect();
    let mut out = Vec::with_capacity(nodes.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        out.push(i);
        for succ in graph.neighbors_directed(idx[i], petgraph::Direction::Outgoing) {
            let j = graph[succ];
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.push(Reverse((nodes[j].rank, j)));
            }
        }
    }
    if out.len() == nodes.len() {
        return Ok(out);
    }
    Err(cycle_error(nodes, &graph, &out))
}

/// The objects (or names) steps provide, each numbered, found by binary search on a hash
/// of its identity: plans mention tens of thousands of objects, and comparing them in a
/// tree costs more than the rest of the ordering. Nothing is ever listed in hash order.
struct Numbered<'a, T: ?Sized> {
    /// `(hash, item)`, sorted and without duplicates; an item's number is its position.
    keys: Vec<(u64, &'a T)>,
}

impl<'a, T: Hash + Ord + ?Sized> Numbered<'a, T> {
    fn new(items: impl Iterator<Item = &'a T>) -> Self {
        let mut keys: Vec<(u64, &T)> = items.map(|x| (word_hash(x), x)).collect();
        keys.sort_unstable();
        keys.dedup();
        Numbered { keys }
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    fn find(&self, x: &T) -> Option<usize> {
        let h = word_hash(x);
        let from = self.keys.partition_point(|(k, _)| *k < h);
        self.keys[from..]
            .iter()
            .take_while(|(k, _)| *k == h)
            .position(|(_, y)| *y == x)
            .map(|p| from + p)
    }
}

/// A fast, fixed (unseeded) hash, a word at a time: [`Numbered`] compares the items whose
/// hashes are equal, so only speed matters.
struct WordHasher(u64);

fn word_hash<T: Hash + ?Sized>(x: &T) -> u64 {
    let mut h = WordHasher(0);
    x.hash(&mut h);
    h.finish()
}

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Steps listed per numbered object, in emission order, in one buffer.
struct Lists {
    start: Vec<usize>,
    steps: Vec<usize>,
}

impl Lists {
    /// From `(number, step)` pairs in emission order.
    fn new(numbers: usize, pairs: &[(usize, usize)]) -> Lists {
        let mut start = vec![0; numbers + 1];
        for &(n, _) in pairs {
            start[n + 1] += 1;
        }
        for i in 0..numbers {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut steps = vec![0; pairs.len()];
        for &(n, step) in pairs {
            steps[next[n]] = step;
            next[n] += 1;
        }
        Lists { start, steps }
    }

    fn of(&self, number: Option<usize>) -> &[usize] {
        number.map_or(&[], |n| &self.steps[self.start[n]..self.start[n + 1]])
    }
}

/// All edges `(before, after)`, sorted, without duplicates or self-loops.
fn edges(nodes: &[Node]) -> Vec<(usize, usize)> {
    let objects = Numbered::new(nodes.iter().flat_map(|n| {
        let d = &n.deps;
        d.creates
            .iter()
            .chain(&d.alters)
            .chain(&d.drops)
            .chain([n.object])
    }));
    let names = Numbered::new(
        nodes
            .iter()
            .flat_map(|n| n.deps.claims.iter().map(String::as_str)),
    );
    let number = |x: &ObjectId| objects.find(x).expect("every provided object is numbered");
    let mut created = Vec::new();
    let mut dropped = Vec::new();
    let mut on_object = Vec::with_capacity(nodes.len());
    let mut claimed = Vec::new();
    // What each step creates, drops or alters, by number: `own[own_from[i]..own_from[i + 1]]`.
    let mut own = Vec::new();
    let mut own_from = Vec::with_capacity(nodes.len() + 1);
    for (i, n) in nodes.iter().enumerate() {
        own_from.push(own.len());
        for name in &n.deps.claims {
            claimed.push((names.find(name).expect("every claim is numbered"), i));
        }
        for x in &n.deps.alters {
            let k = number(x);
            created.push((k, i));
            dropped.push((k, i));
            own.push(k);
        }
        for x in &n.deps.creates {
            let k = number(x);
            created.push((k, i));
            own.push(k);
        }
        for x in &n.deps.drops {
            let k = number(x);
            dropped.push((k, i));
            own.push(k);
        }
        on_object.push((number(n.object), i));
    }
    own_from.push(own.len());
    let creators = Lists::new(objects.len(), &created);
    let droppers = Lists::new(objects.len(), &dropped);
    let by_object = Lists::new(objects.len(), &on_object);
    let claimers = Lists::new(names.len(), &claimed);

    let mut edges = Vec::new();
    let mut add = |a: usize, b: usize| {
        if a != b {
            edges.push((a, b));
        }
    };
    for (i, n) in nodes.iter().enumerate() {
        let own = &own[own_from[i]..own_from[i + 1]];
        let other = |x: &ObjectId| objects.find(x).filter(|k| !own.contains(k));
        for x in &n.deps.needs {
            for &c in creators.of(other(x)) {
                add(c, i);
            }
        }
        for x in &n.deps.releases {
            for &d in droppers.of(other(x)) {
                add(i, d);
            }
        }
        for x in &n.deps.follows_drops {
            for &d in droppers.of(objects.find(x)) {
                add(d, i);
            }
        }
        for x in &n.deps.drops {
            for &c in creators.of(objects.find(x)) {
                if !nodes[c].deps.alters.contains(x) {
                    add(i, c);
                }
            }
        }
        for name in &n.deps.frees {
            for &c in claimers.of(names.find(name.as_str())) {
                add(i, c);
            }
        }
    }
    for k in 0..objects.len() {
        let steps = by_object.of(Some(k));
        if steps.len() < 2 {
            continue;
        }
        // A step that drops the object goes before the one that creates it again, whatever
        // the emission order; the rest keep emission order.
        let object = objects.keys[k].1;
        let (mut chain, rest): (Vec<usize>, Vec<usize>) = steps
            .iter()
            .partition(|&&i| nodes[i].deps.drops.contains(object));
        chain.extend(rest);
        for w in chain.windows(2) {
            add(w[0], w[1]);
        }
    }
    edges.sort_unstable();
    edges.dedup();
    edges
}

fn cycle_error(nodes: &[Node], graph: &DiGraph<usize, ()>, done: &[usize]) -> OrderError {
    let done: BTreeSet<usize> = done.iter().copied().collect();
    let mut remaining = graph.clone();
    remaining.retain_nodes(|g, n| !done.contains(&g[n]));
    let mut cycle: Vec<usize> = tarjan_scc(&remaining)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .map(|scc| scc.into_iter().map(|n| remaining[n]).collect::<Vec<_>>())
        .min()
        .unwrap_or_default();
    cycle.sort_unstable();
    OrderError::Cycle {
        steps: cycle.iter().map(|&i| nodes[i].label.to_string()).collect(),
        dot: dot(nodes, graph),
    }
}

/// The step graph in Graphviz DOT (labels are the steps' labels).
fn dot(nodes: &[Node], graph: &DiGraph<usize, ()>) -> String {
    let mut out = String::from("digraph plan {\n");
    for (i, n) in nodes.iter().enumerate() {
        let label = n.label.replace('\\', "\\\\").replace('"', "\\\"");
        out.push_str(&format!("  n{i} [label=\"{i}: {label}\"];\n"));
    }
    let mut edges: Vec<(usize, usize)> = graph
        .edge_indices()
        .filter_map(|e| graph.edge_endpoints(e))
        .map(|(a, b)| (graph[a], graph[b]))
        .collect();
    edges.sort_unstable();
    for (a, b) in edges {
        out.push_str(&format!("  n{a} -> n{b};\n"));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::builder::{table_id, type_id};

    fn node(
        label: &'static str,
        object: ObjectId,
        rank: u32,
        f: impl FnOnce(&mut Deps),
    ) -> Node<'static> {
        let mut deps = Deps::default();
        f(&mut deps);
        Node {
            object: Box::leak(Box::new(object)),
            rank,
            label,
            deps,
        }
    }

    #[test]
    fn creators_before_needers_releasers_before_droppers() {
        let nodes = vec![
            node("drop type", type_id("public.old"), 9, |d| {
                d.drops.insert(type_id("public.old"));
            }),
            node("create table", table_id("public.t"), 5, |d| {
                d.creates.insert(table_id("public.t"));
                d.needs.insert(type_id("public.new"));
            }),
            node("create type", type_id("public.new"), 7, |d| {
                d.creates.insert(type_id("public.new"));
            }),
            node("alter other", table_id("public.u"), 1, |d| {
                d.releases.insert(type_id("public.old"));
            }),
        ];
        let order = order(&nodes).unwrap();
        let labels: Vec<&str> = order.iter().map(|&i| nodes[i].label).collect();
        assert_eq!(
            labels,
            ["alter other", "create type", "create table", "drop type"]
        );
    }

    #[test]
    fn replacement_drops_first_and_ranks_break_ties() {
        let nodes = vec![
            node("create t", table_id("public.t"), 1, |d| {
                d.creates.insert(table_id("public.t"));
            }),
            node("create a", table_id("public.a"), 1, |_| {}),
            node("drop t", type_id("public.t"), 9, |d| {
                d.drops.insert(table_id("public.t"));
            }),
        ];
        let order = order(&nodes).unwrap();
        assert_eq!(order, [1, 2, 0]);
    }

    #[test]
    fn a_freed_name_is_claimed_after() {
        let nodes = vec![
            node("create table x", table_id("public.x"), 1, |d| {
                d.claims.insert("relation public.x".into());
            }),
            node("drop index x", type_id("public.x"), 9, |d| {
                d.frees.insert("relation public.x".into());
            }),
        ];
        assert_eq!(order(&nodes).unwrap(), [1, 0]);
    }

    #[test]
    fn cycle_is_reported_with_its_steps_and_dot() {
        let nodes = vec![
            node("a", table_id("public.a"), 1, |d| {
                d.creates.insert(table_id("public.a"));
                d.needs.insert(table_id("public.b"));
            }),
            node("b", table_id("public.b"), 1, |d| {
                d.creates.insert(table_id("public.b"));
                d.needs.insert(table_id("public.a"));
            }),
            node("c", table_id("public.c"), 0, |_| {}),
        ];
        match order(&nodes) {
            Err(OrderError::Cycle { steps, dot }) => {
                assert_eq!(steps, ["a", "b"]);
                assert!(
                    dot.contains("n0 -> n1") && dot.contains("n1 -> n0"),
                    "{dot}"
                );
            }
            other => panic!("expected a cycle, got {other:?}"),
        }
    }
}
