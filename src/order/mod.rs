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
use std::collections::{BTreeMap, BTreeSet};

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
    /// Objects that must exist when the step runs.
    pub needs: BTreeSet<ObjectId>,
    /// Objects the step stops depending on.
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

/// One step as the orderer sees it.
#[derive(Debug, Clone)]
pub struct Node {
    /// The object the step touches; steps on one object keep their emission order.
    pub object: ObjectId,
    /// Phase rank: among steps whose dependencies are met, lower ranks go first.
    pub rank: u32,
    /// Shown in cycle reports and in the DOT graph (the step's SQL).
    pub label: String,
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
    for &(a, b) in &edges {
        graph.add_edge(idx[a], idx[b], ());
    }

    let mut indegree = vec![0usize; nodes.len()];
    for &(_, b) in &edges {
        indegree[b] += 1;
    }
    let mut ready: BTreeSet<(u32, usize)> = (0..nodes.len())
        .filter(|&i| indegree[i] == 0)
        .map(|i| (nodes[i].rank, i))
        .collect();
    let mut out = Vec::with_capacity(nodes.len());
    while let Some((_, i)) = ready.pop_first() {
        out.push(i);
        for succ in graph.neighbors_directed(idx[i], petgraph::Direction::Outgoing) {
            let j = graph[succ];
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.insert((nodes[j].rank, j));
            }
        }
    }
    if out.len() == nodes.len() {
        return Ok(out);
    }
    Err(cycle_error(nodes, &graph, &out))
}

/// All edges `(before, after)`, without duplicates or self-loops.
fn edges(nodes: &[Node]) -> BTreeSet<(usize, usize)> {
    let mut creators: BTreeMap<&ObjectId, Vec<usize>> = BTreeMap::new();
    let mut droppers: BTreeMap<&ObjectId, Vec<usize>> = BTreeMap::new();
    let mut by_object: BTreeMap<&ObjectId, Vec<usize>> = BTreeMap::new();
    let mut claimers: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        for name in &n.deps.claims {
            claimers.entry(name).or_default().push(i);
        }
        for x in n.deps.creates.iter().chain(&n.deps.alters) {
            creators.entry(x).or_default().push(i);
        }
        for x in n.deps.drops.iter().chain(&n.deps.alters) {
            droppers.entry(x).or_default().push(i);
        }
        by_object.entry(&n.object).or_default().push(i);
    }
    let mut edges = BTreeSet::new();
    let mut add = |a: usize, b: usize| {
        if a != b {
            edges.insert((a, b));
        }
    };
    for (i, n) in nodes.iter().enumerate() {
        for x in &n.deps.needs {
            for &c in creators.get(x).into_iter().flatten() {
                add(c, i);
            }
        }
        for x in &n.deps.releases {
            for &d in droppers.get(x).into_iter().flatten() {
                add(i, d);
            }
        }
        for x in &n.deps.follows_drops {
            for &d in droppers.get(x).into_iter().flatten() {
                add(d, i);
            }
        }
        for x in &n.deps.drops {
            for &c in creators.get(x).into_iter().flatten() {
                if !nodes[c].deps.alters.contains(x) {
                    add(i, c);
                }
            }
        }
        for name in &n.deps.frees {
            for &c in claimers.get(name.as_str()).into_iter().flatten() {
                add(i, c);
            }
        }
    }
    for (object, steps) in by_object {
        // A step that drops the object goes before the one that creates it again, whatever
        // the emission order; the rest keep emission order.
        let (mut chain, rest): (Vec<usize>, Vec<usize>) = steps
            .into_iter()
            .partition(|&i| nodes[i].deps.drops.contains(object));
        chain.extend(rest);
        for w in chain.windows(2) {
            add(w[0], w[1]);
        }
    }
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
        steps: cycle.iter().map(|&i| nodes[i].label.clone()).collect(),
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

    fn node(label: &str, object: ObjectId, rank: u32, f: impl FnOnce(&mut Deps)) -> Node {
        let mut deps = Deps::default();
        f(&mut deps);
        Node {
            object,
            rank,
            label: label.into(),
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
        let labels: Vec<&str> = order.iter().map(|&i| nodes[i].label.as_str()).collect();
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
