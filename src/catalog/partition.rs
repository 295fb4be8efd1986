//! Declarative partitioning: what makes a [`super::Table`] a partition of another.
//!
//! A partitioned table is a `Table` with `partition_by` set; a partition is a `Table` with
//! `partition_of` set (a sub-partition has both). A partition's columns are listed in full,
//! as PostgreSQL holds them, because indexes, constraints and other objects name them; its
//! `constraints` are only its own (`conislocal`), and the indexes PostgreSQL made for it
//! from an index of its parent are not in `Catalog::indexes`. Those inherited objects are
//! kept apart here: no plan creates or drops them, but they become the table's own when it
//! is detached.

use super::{Constraint, Ident, Index, QualName};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A table's place under its partitioned parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionOf {
    /// The partitioned table it is a partition of.
    pub parent: QualName,
    /// `pg_get_expr(relpartbound)`: `FOR VALUES FROM (...) TO (...)`, `FOR VALUES IN (...)`,
    /// `FOR VALUES WITH (modulus 4, remainder 0)` or `DEFAULT`.
    pub bound: String,
    /// Constraints it has because its parent has them: CHECKs with `conislocal = false`, and
    /// the clones of the parent's primary key, unique and foreign keys (`conparentid <> 0`).
    #[serde(default)]
    pub inherited_constraints: BTreeMap<Ident, Constraint>,
    /// Its indexes attached to an index of the parent (`pg_inherits` between indexes).
    #[serde(default)]
    pub attached_indexes: BTreeMap<QualName, Index>,
}

impl PartitionOf {
    /// True when the table sits at the same place: same parent and same bound.
    pub fn same_place(&self, other: &PartitionOf) -> bool {
        self.parent == other.parent && self.bound == other.bound
    }
}
