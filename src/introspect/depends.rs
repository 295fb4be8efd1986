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
/// `pg_proc`'s OID: functions, procedures, aggregates.
pub(super) const PG_PROC: Oid = 1255;
/// `pg_trigger`'s OID.
pub(super) const PG_TRIGGER: Oid = 2620;
/// `pg_event_trigger`'s OID.
pub(super) const PG_EVENT_TRIGGER: Oid = 3466;

/// A table as the catalog builder and the dependency mapper see it.
pub(super) struct RelInfo {
    pub name: QualName,
    pub attnames: BTreeMap<i16, Ident>,
    /// Index of the table's `ObjectId` in [`Oids`].
    object: usize,
    /// attnum → index of the column's `ObjectId`.
    columns: BTreeMap<i16, usize>,
}

/// Every OID the bulk queries returned, with the object it stands for. Objects are
/// interned: dependencies are collected as pairs of indexes and turned into `ObjectId`s
/// once, at the end.
#[derive(Default)]
pub(super) struct Oids {
    objects: Vec<ObjectId>,
    /// (catalog OID, object OID) → object, whatever the sub-id.
    fixed: BTreeMap<(Oid, Oid), usize>,
    /// Tables by `pg_class` OID: sub-id 0 is the table, n its column n.
    tables: BTreeMap<Oid, RelInfo>,
    /// Extensions by OID (plpgsql is not among them).
    extensions: BTreeMap<Oid, usize>,
    /// Dependencies known from the catalog rows rather than from `pg_depend` (a foreign
    /// key on the table it references).
    extra: Vec<(usize, usize)>,
}

impl Oids {
    fn intern(&mut self, id: ObjectId) -> usize {
        self.objects.push(id);
        self.objects.len() - 1
    }

    /// Record that `(class, oid)` stands for `id`; returns its index for [`Oids::also`].
    pub fn map(&mut self, class: Oid, oid: Oid, id: ObjectId) -> usize {
        let i = self.intern(id);
        self.fixed.insert((class, oid), i);
        i
    }

    /// Record that `(class, oid)` stands for the object at `index` too.
    pub fn also(&mut self, class: Oid, oid: Oid, index: usize) {
        self.fixed.insert((class, oid), index);
    }

    pub fn add_extension(&mut self, oid: Oid, name: Ident) {
        let i = self.intern(ObjectId::Extension { name });
        self.extensions.insert(oid, i);
    }

    /// Record a table; returns the index of its `ObjectId` for [`Oids::also`].
    pub fn add_table(&mut self, oid: Oid, name: QualName) -> usize {
        let object = self.intern(ObjectId::Table { name: name.clone() });
        self.tables.insert(
            oid,
            RelInfo {
                name,
                attnames: BTreeMap::new(),
                object,
                columns: BTreeMap::new(),
            },
        );
        object
    }

    pub fn add_column(&mut self, rel: Oid, attnum: i16, name: Ident) {
        let Some(info) = self.tables.get(&rel) else {
            return;
        };
        let id = ObjectId::Column {
            table: info.name.clone(),
            column: name.clone(),
        };
        let i = self.intern(id);
        if let Some(info) = self.tables.get_mut(&rel) {
            info.attnames.insert(attnum, name);
            info.columns.insert(attnum, i);
        }
    }

    /// The column `attnum` of table `rel`, as an index for [`Oids::also`].
    pub fn column(&self, rel: Oid, attnum: i16) -> Option<usize> {
        self.tables.get(&rel)?.columns.get(&attnum).copied()
    }

    pub fn table(&self, rel: Oid) -> Option<&RelInfo> {
        self.tables.get(&rel)
    }

    /// The name of the table or materialized view `rel`.
    pub fn relation(&self, rel: Oid) -> Option<QualName> {
        if let Some(t) = self.tables.get(&rel) {
            return Some(t.name.clone());
        }
        match self.fixed.get(&(PG_CLASS, rel)).map(|&i| &self.objects[i]) {
            Some(ObjectId::MaterializedView { name }) => Some(name.clone()),
            _ => None,
        }
    }

    /// `dependent` depends on the table `table` (known from the catalog, not pg_depend).
    pub fn extra_on_table(&mut self, dependent: usize, table: &QualName) {
        let i = self.intern(ObjectId::Table {
            name: table.clone(),
        });
        self.extra.push((dependent, i));
    }

    fn object(&self, class: Oid, oid: Oid, sub: i32) -> Option<usize> {
        if class == PG_CLASS {
            if let Some(t) = self.tables.get(&oid) {
                if sub == 0 {
                    return Some(t.object);
                }
                return t.columns.get(&i16::try_from(sub).ok()?).copied();
            }
        }
        if class == PG_EXTENSION {
            return self.extensions.get(&oid).copied();
        }
        self.fixed.get(&(class, oid)).copied()
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
    let mut edges = oids.extra.clone();
    for r in read(rows, "dependencies") {
        let Some(dependent) = oids.object(r.get("classid")?, r.get("objid")?, r.get("objsubid")?)
        else {
            continue;
        };
        let referenced = oids
            .object(
                r.get("refclassid")?,
                r.get("refobjid")?,
                r.get("refobjsubid")?,
            )
            .or(match r.get::<Option<Oid>>("ref_extension")? {
                Some(ext) => oids.extensions.get(&ext).copied(),
                None => None,
            });
        if let Some(referenced) = referenced {
            edges.push((dependent, referenced));
        }
    }
    edges.sort_unstable();
    edges.dedup();
    let mut out: BTreeMap<ObjectId, BTreeSet<ObjectId>> = BTreeMap::new();
    for group in edges.chunk_by(|a, b| a.0 == b.0) {
        let dependent = &oids.objects[group[0].0];
        let referenced: BTreeSet<ObjectId> = group
            .iter()
            .map(|&(_, r)| &oids.objects[r])
            .filter(|r| keep(dependent, r))
            .cloned()
            .collect();
        if referenced.is_empty() {
            continue;
        }
        match out.get_mut(dependent) {
            Some(set) => set.extend(referenced),
            None => {
                out.insert(dependent.clone(), referenced);
            }
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
