//! Mapping raw `pg_depend` rows to dependencies between [`ObjectId`]s.

use super::queries::read;
use super::IntrospectError;
use crate::catalog::{Ident, ObjectId, QualName};
use std::collections::{BTreeMap, BTreeSet};
use tokio_postgres::Row;

type Oid = u32;

/// `pg_class`'s OID: the catalog of tables, indexes, sequences, composite types.
pub(super) const PG_CLASS: Oid = 1259;
/// `pg_type`'s OID.
pub(super) const PG_TYPE: Oid = 1247;
/// `pg_constraint`'s OID.
pub(super) const PG_CONSTRAINT: Oid = 2606;
/// `pg_attrdef`'s OID: column defaults and generation expressions.
pub(super) const PG_ATTRDEF: Oid = 2604;
/// `pg_namespace`'s OID.
pub(super) const PG_NAMESPACE: Oid = 2615;
/// `pg_extension`'s OID.
pub(super) const PG_EXTENSION: Oid = 3079;

/// A table as the dependency mapper sees it: sub-id 0 is the table, n its column n.
pub(super) struct RelInfo {
    pub name: QualName,
    pub attnames: BTreeMap<i16, Ident>,
}

/// Every OID the bulk queries returned, with the object it stands for.
#[derive(Default)]
pub(super) struct Oids {
    /// (catalog OID, object OID) → object, whatever the sub-id.
    pub fixed: BTreeMap<(Oid, Oid), ObjectId>,
    /// Tables by `pg_class` OID.
    pub tables: BTreeMap<Oid, RelInfo>,
    /// Extensions by OID (plpgsql is not among them).
    pub extensions: BTreeMap<Oid, Ident>,
    /// Dependencies known from the catalog rows rather than from `pg_depend` (a foreign
    /// key on the table it references).
    pub extra: BTreeMap<ObjectId, BTreeSet<ObjectId>>,
}

impl Oids {
    fn object(&self, class: Oid, oid: Oid, sub: i32) -> Option<ObjectId> {
        if class == PG_CLASS {
            if let Some(t) = self.tables.get(&oid) {
                if sub == 0 {
                    return Some(ObjectId::Table {
                        name: t.name.clone(),
                    });
                }
                let column = t.attnames.get(&i16::try_from(sub).ok()?)?;
                return Some(ObjectId::Column {
                    table: t.name.clone(),
                    column: column.clone(),
                });
            }
        }
        if class == PG_EXTENSION {
            let name = self.extensions.get(&oid)?;
            return Some(ObjectId::Extension { name: name.clone() });
        }
        self.fixed.get(&(class, oid)).cloned()
    }
}

/// The table an object belongs to, for objects that are part of one.
fn table_of(id: &ObjectId) -> Option<&QualName> {
    match id {
        ObjectId::Table { name } => Some(name),
        ObjectId::Column { table, .. } => Some(table),
        _ => None,
    }
}

/// Whether an edge `dependent → referenced` is kept:
/// - no self-dependencies (a column default on its own column, a domain CHECK on its
///   domain);
/// - no edges between a table and its own columns (they are created together);
/// - not the OWNED BY link of a sequence to its column: that is `Sequence::owned_by`, and
///   as an edge it would close a cycle with the column default that uses the sequence.
fn keep(dependent: &ObjectId, referenced: &ObjectId) -> bool {
    if dependent == referenced {
        return false;
    }
    if matches!(
        (dependent, referenced),
        (ObjectId::Table { .. }, ObjectId::Column { .. })
            | (ObjectId::Column { .. }, ObjectId::Table { .. })
    ) && table_of(dependent) == table_of(referenced)
    {
        return false;
    }
    !matches!(
        (dependent, referenced),
        (
            ObjectId::Sequence { .. },
            ObjectId::Column { .. } | ObjectId::Table { .. }
        )
    )
}

/// Map the rows of depends.sql: each becomes an edge when both ends are known objects (a
/// referenced extension member counts as its extension).
pub(super) fn map(
    rows: &[Row],
    oids: &Oids,
) -> Result<BTreeMap<ObjectId, BTreeSet<ObjectId>>, IntrospectError> {
    let mut out = oids.extra.clone();
    for r in read(rows, "dependencies") {
        let Some(dependent) = oids.object(r.get("classid")?, r.get("objid")?, r.get("objsubid")?)
        else {
            continue;
        };
        let referenced = match oids.object(
            r.get("refclassid")?,
            r.get("refobjid")?,
            r.get("refobjsubid")?,
        ) {
            Some(id) => id,
            None => match r.get::<Option<Oid>>("ref_extension")? {
                Some(ext) => match oids.extensions.get(&ext) {
                    Some(name) => ObjectId::Extension { name: name.clone() },
                    None => continue,
                },
                None => continue,
            },
        };
        if keep(&dependent, &referenced) {
            out.entry(dependent).or_default().insert(referenced);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_edges() {
        let t = QualName::new("public", "t");
        let table = ObjectId::Table { name: t.clone() };
        let col = ObjectId::Column {
            table: t.clone(),
            column: Ident::new("a"),
        };
        let seq = ObjectId::Sequence {
            name: QualName::new("public", "t_a_seq"),
        };
        let other_col = ObjectId::Column {
            table: QualName::new("public", "u"),
            column: Ident::new("a"),
        };
        assert!(!keep(&col, &col));
        assert!(!keep(&col, &table));
        assert!(!keep(&table, &col));
        assert!(!keep(&seq, &col), "OWNED BY is not an ordering edge");
        assert!(keep(&col, &seq), "a default needs its sequence");
        assert!(keep(&col, &other_col));
        assert!(keep(
            &ObjectId::Constraint {
                table: t,
                name: Ident::new("c")
            },
            &col
        ));
    }
}
