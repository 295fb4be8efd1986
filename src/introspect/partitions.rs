//! Partitioning from `partitions.sql`: the partition key of partitioned tables and the
//! parent and bound of partitions, set on the tables read by `relations.sql`.

use super::build::strip_index_name;
use super::queries::{read, Rows};
use super::IntrospectError;
use crate::catalog::{Index, PartitionOf, QualName, Table};
use std::collections::BTreeMap;

type Oid = u32;

/// Set `partition_by` and `partition_of` on the tables (by OID) the rows name. Must run
/// before constraints and indexes are read: those of a partition that come from its parent
/// go to its [`PartitionOf`].
pub(super) fn apply(rows: &Rows, tables: &mut BTreeMap<Oid, Table>) -> Result<(), IntrospectError> {
    for r in read(&rows.partitions, "partitioning") {
        let Some(table) = tables.get_mut(&r.get::<Oid>("oid")?) else {
            continue;
        };
        table.partition_by = r.get("partition_by")?;
        let parent = match (
            r.get::<Option<String>>("parent_schema")?,
            r.get::<Option<String>>("parent_name")?,
        ) {
            (Some(s), Some(n)) => Some(QualName::new(s, n)),
            _ => None,
        };
        let bound: Option<String> = r.get("bound")?;
        match (parent, bound) {
            (Some(parent), Some(bound)) => {
                table.partition_of = Some(PartitionOf {
                    parent,
                    bound,
                    inherited_constraints: BTreeMap::new(),
                    attached_indexes: BTreeMap::new(),
                });
            }
            (None, None) => {}
            _ => {
                return Err(IntrospectError::Inconsistent {
                    detail: format!("partition {} has no parent or no bound", table.name),
                })
            }
        }
    }
    Ok(())
}

/// Put the indexes PostgreSQL attached to an index of the parent (`attached` in
/// indexes.sql) in their partition's [`PartitionOf::attached_indexes`]. They are not
/// mapped for dependencies: no step ever creates or drops them.
pub(super) fn attached_indexes(
    rows: &Rows,
    tables: &mut BTreeMap<Oid, Table>,
) -> Result<(), IntrospectError> {
    for r in read(&rows.indexes, "indexes") {
        if !r.get::<bool>("attached")? {
            continue;
        }
        let Some(table) = tables.get_mut(&r.get::<Oid>("rel")?) else {
            continue;
        };
        let table_name = table.name.clone();
        let Some(partition) = table.partition_of.as_mut() else {
            continue;
        };
        let name = QualName::new(r.get::<String>("schema")?, r.get::<String>("name")?);
        let raw: String = r.get("definition")?;
        let definition =
            strip_index_name(&raw, &r.get::<String>("quoted_name")?).ok_or_else(|| {
                IntrospectError::Inconsistent {
                    detail: format!("unexpected index definition for {name}: {raw}"),
                }
            })?;
        partition.attached_indexes.insert(
            name.clone(),
            Index {
                name,
                table: table_name,
                definition,
                unique: r.get("is_unique")?,
                valid: r.get("valid")?,
                comment: r.get("comment")?,
            },
        );
    }
    Ok(())
}
