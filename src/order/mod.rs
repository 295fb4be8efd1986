//! Dependency ordering of plan steps (petgraph).
