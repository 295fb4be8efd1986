//! Comparing seed rows with the live rows. Both sides go through PostgreSQL: the live
//! values are read as `column::text`, the desired ones cast to the column's type and back
//! (`$1::text::integer::text`), so `1.0` and `1`, timestamp spellings and json spacing
//! compare equal when PostgreSQL reads them as equal.

use super::{SeedError, SeedTable, SeedValue};
use crate::catalog::ident::quote_literal;
use crate::catalog::{Catalog, ConstraintKind, Ident, ObjectId, QualName, Table};
use crate::plan::{Action, Budget, Hazard, HazardNote, Step};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use tokio_postgres::Client;

/// What a data change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataChangeKind {
    Insert,
    Update,
    Delete,
}

/// One row to write: `INSERT INTO t (...) VALUES (...)`, `UPDATE t SET c = ... WHERE key`,
/// or `DELETE FROM t WHERE key`, values as quoted literals (or lookup subqueries).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataChange {
    pub table: QualName,
    pub kind: DataChangeKind,
    /// The natural key, `(code)=(admin)`.
    pub key: String,
    /// The columns an update changes.
    pub columns: Vec<String>,
    /// Where the row is declared (`file:line`), or the file that allows the delete.
    pub at: String,
    pub sql: String,
}

impl DataChange {
    /// The plan step of this change: action `insert`, `update` or `delete` on the table.
    pub fn step(&self) -> Step {
        let (action, what) = match self.kind {
            DataChangeKind::Insert => (Action::Insert, "is missing".to_string()),
            DataChangeKind::Update => (
                Action::Update,
                format!("differs in {}", self.columns.join(", ")),
            ),
            DataChangeKind::Delete => {
                (Action::Delete, "is not declared (delete: true)".to_string())
            }
        };
        let hazards = match self.kind {
            DataChangeKind::Delete => vec![HazardNote::new(
                Hazard::DataLoss,
                format!(
                    "the row {} of {} is deleted, with whatever ON DELETE CASCADE removes",
                    self.key, self.table
                ),
            )],
            DataChangeKind::Insert | DataChangeKind::Update => Vec::new(),
        };
        Step {
            sql: self.sql.clone(),
            object: ObjectId::Table {
                name: self.table.clone(),
            },
            action,
            reason: format!("reference row {} {what} ({})", self.key, self.at),
            transactional: true,
            alone: false,
            budget: Budget::Metadata,
            hazards,
        }
    }
}

/// A desired value after PostgreSQL read it: `Some(text)`, NULL, or not known before the
/// plan runs (a new column, a lookup of a table the plan creates).
#[derive(Debug, Clone, PartialEq)]
enum Norm {
    Known(Option<String>),
    Unknown,
}

/// The changes that bring the seeded tables of `live` (through `client`) to `seeds`, given
/// the `desired` catalog they are checked against: deletes first (children before parents),
/// then inserts and updates (parents first), by the foreign keys among the seeded tables.
pub async fn plan_data(
    client: &Client,
    seeds: &[SeedTable],
    live: &Catalog,
    desired: &Catalog,
) -> Result<Vec<DataChange>, SeedError> {
    for s in seeds {
        check(s, desired)?;
    }
    let order = fk_order(seeds, desired);
    let mut deletes = Vec::new();
    let mut writes = Vec::new();
    for &i in &order {
        let s = &seeds[i];
        let (d, w) = table_changes(client, s, live, &desired.tables[&s.table]).await?;
        deletes.push(d);
        writes.extend(w);
    }
    Ok(deletes.into_iter().rev().flatten().chain(writes).collect())
}

fn check(s: &SeedTable, desired: &Catalog) -> Result<(), SeedError> {
    let Some(t) = desired.tables.get(&s.table) else {
        return Err(SeedError::at(
            &s.file,
            1,
            format!("table {} is not in the desired schema", s.table),
        ));
    };
    for c in &s.columns {
        if t.column(&Ident::new(c.as_str())).is_none() {
            let line = s
                .rows
                .iter()
                .find(|r| r.values.contains_key(c))
                .map(|r| r.line)
                .unwrap_or(1);
            return Err(SeedError::at(
                &s.file,
                line,
                format!("table {} has no column {c}", s.table),
            ));
        }
    }
    for r in &s.rows {
        for v in r.values.values() {
            if let SeedValue::Lookup { table, by, column } = v {
                let Some(lt) = desired.tables.get(table) else {
                    return Err(SeedError::at(
                        &s.file,
                        r.line,
                        format!("lookup of table {table}, which is not in the desired schema"),
                    ));
                };
                for c in by.keys().chain(std::iter::once(column)) {
                    if lt.column(&Ident::new(c.as_str())).is_none() {
                        return Err(SeedError::at(
                            &s.file,
                            r.line,
                            format!("lookup: table {table} has no column {c}"),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Indexes of `seeds`, each table after the seeded tables its foreign keys reference.
fn fk_order(seeds: &[SeedTable], desired: &Catalog) -> Vec<usize> {
    let names: BTreeSet<&QualName> = seeds.iter().map(|s| &s.table).collect();
    let parents: Vec<BTreeSet<QualName>> = seeds
        .iter()
        .map(|s| {
            desired.tables[&s.table]
                .constraints
                .values()
                .filter(|c| c.kind == ConstraintKind::ForeignKey)
                .filter_map(|c| c.references.clone())
                .filter(|r| *r != s.table && names.contains(r))
                .collect()
        })
        .collect();
    let mut done: BTreeSet<QualName> = BTreeSet::new();
    let mut order = Vec::new();
    while order.len() < seeds.len() {
        let next = (0..seeds.len()).find(|&i| {
            !done.contains(&seeds[i].table) && parents[i].iter().all(|p| done.contains(p))
        });
        let i = next.unwrap_or_else(|| {
            (0..seeds.len())
                .find(|&i| !done.contains(&seeds[i].table))
                .expect("a table is left")
        });
        done.insert(seeds[i].table.clone());
        order.push(i);
    }
    order
}

/// Why `value` does not fit a `character varying(n)` or `character(n)` column, as an
/// insert would say: the cast used to compare (`$1::text::varchar(3)`) truncates silently,
/// an assignment refuses characters past `n` unless they are all spaces.
fn too_long(value: &str, ty: &str) -> Option<String> {
    let n: usize = ["character varying(", "character("]
        .iter()
        .find_map(|p| ty.strip_prefix(p)?.strip_suffix(')')?.parse().ok())?;
    let extra: String = value.chars().skip(n).collect();
    (!extra.trim_end_matches(' ').is_empty()).then(|| {
        format!(
            "value too long for type {ty} ({} characters): {}",
            value.chars().count(),
            quote_literal(value)
        )
    })
}

fn column_type<'a>(t: &'a Table, c: &str) -> Option<&'a str> {
    t.column(&Ident::new(c)).map(|c| c.data_type.as_str())
}

async fn table_changes(
    client: &Client,
    s: &SeedTable,
    live: &Catalog,
    want: &Table,
) -> Result<(Vec<DataChange>, Vec<DataChange>), SeedError> {
    let live_t = live.tables.get(&s.table);
    // Columns whose live type is the desired one: compared; the others are always written.
    let comparable: BTreeSet<&str> = s
        .columns
        .iter()
        .filter(|c| {
            live_t.and_then(|t| column_type(t, c)) == column_type(want, c)
                && column_type(want, c).is_some()
        })
        .map(String::as_str)
        .collect();
    let keys_live = s.key.iter().all(|k| comparable.contains(k.as_str()));
    let live_rows = match (live_t, keys_live) {
        (Some(_), true) => read_live(client, s, &comparable).await?,
        _ => BTreeMap::new(),
    };
    let mut declared: BTreeSet<Vec<Option<String>>> = BTreeSet::new();
    let mut writes = Vec::new();
    for r in &s.rows {
        let norm = normalize(client, s, r, live, want, &comparable).await?;
        let key: Option<Vec<Option<String>>> = s
            .key
            .iter()
            .map(|k| match &norm[k] {
                Norm::Known(v) => Some(v.clone()),
                Norm::Unknown => None,
            })
            .collect();
        let at = format!("{}:{}", s.file.display(), r.line);
        let found = key.as_ref().and_then(|k| live_rows.get(k));
        if let Some(k) = &key {
            declared.insert(k.clone());
        }
        match found {
            None => writes.push(DataChange {
                table: s.table.clone(),
                kind: DataChangeKind::Insert,
                key: key_text(&s.key, |k| literal(&r.values[k])),
                columns: Vec::new(),
                at,
                sql: insert_sql(s, r),
            }),
            Some(live_vals) => {
                let changed: Vec<String> = s
                    .columns
                    .iter()
                    .filter(|c| !s.key.contains(c))
                    .filter(|c| match norm.get(c.as_str()) {
                        None => false,
                        Some(Norm::Unknown) => true,
                        Some(Norm::Known(v)) => live_vals.get(c.as_str()) != Some(v),
                    })
                    .cloned()
                    .collect();
                if !changed.is_empty() {
                    let k = key.clone().expect("found rows have a key");
                    writes.push(DataChange {
                        table: s.table.clone(),
                        kind: DataChangeKind::Update,
                        key: key_text(&s.key, |c| live_literal(&s.key, &k, c)),
                        columns: changed.clone(),
                        at,
                        sql: update_sql(s, r, &k, &changed),
                    });
                }
            }
        }
    }
    let mut deletes = Vec::new();
    if s.delete {
        for k in live_rows.keys().filter(|k| !declared.contains(*k)) {
            let cond = where_key(&s.key, k);
            deletes.push(DataChange {
                table: s.table.clone(),
                kind: DataChangeKind::Delete,
                key: key_text(&s.key, |c| live_literal(&s.key, k, c)),
                columns: Vec::new(),
                at: s.file.display().to_string(),
                sql: format!("DELETE FROM {} WHERE {cond}", s.table),
            });
        }
    }
    Ok((deletes, writes))
}

type LiveRows = BTreeMap<Vec<Option<String>>, BTreeMap<String, Option<String>>>;

/// `SELECT k::text, ..., c::text, ... FROM t`: the live rows by key.
async fn read_live(
    client: &Client,
    s: &SeedTable,
    comparable: &BTreeSet<&str>,
) -> Result<LiveRows, SeedError> {
    let cols: Vec<&str> = s
        .columns
        .iter()
        .map(String::as_str)
        .filter(|c| comparable.contains(c))
        .collect();
    let list: Vec<String> = cols
        .iter()
        .map(|c| format!("{}::text", Ident::new(*c)))
        .collect();
    let sql = format!("SELECT {} FROM {}", list.join(", "), s.table);
    let rows = client.query(&sql, &[]).await.map_err(|e| SeedError::Read {
        table: s.table.to_string(),
        reason: db_message(&e),
    })?;
    let mut out = BTreeMap::new();
    for row in rows {
        let mut vals = BTreeMap::new();
        for (i, c) in cols.iter().enumerate() {
            vals.insert(c.to_string(), row.get::<_, Option<String>>(i));
        }
        let key = s.key.iter().map(|k| vals[k.as_str()].clone()).collect();
        out.insert(key, vals);
    }
    Ok(out)
}

/// The desired values of one row as PostgreSQL reads them, in one query.
async fn normalize(
    client: &Client,
    s: &SeedTable,
    r: &super::SeedRow,
    live: &Catalog,
    want: &Table,
    comparable: &BTreeSet<&str>,
) -> Result<BTreeMap<String, Norm>, SeedError> {
    let mut exprs: Vec<String> = Vec::new();
    let mut params: Vec<Option<String>> = Vec::new();
    let mut slots: Vec<(String, Option<usize>)> = Vec::new();
    for c in &s.columns {
        if !r.values.contains_key(c) {
            continue;
        }
        if let (Some(SeedValue::Text(v)), Some(ty)) = (r.values.get(c), column_type(want, c)) {
            if let Some(reason) = too_long(v, ty) {
                return Err(SeedError::at(
                    &s.file,
                    r.line,
                    format!("column {c}: {reason}"),
                ));
            }
        }
        if !comparable.contains(c.as_str()) {
            slots.push((c.clone(), None));
            continue;
        }
        let ty = column_type(want, c).expect("checked");
        let Some(value) = r.values.get(c) else {
            continue;
        };
        let expr = match value {
            SeedValue::Null => Some("NULL::text".to_string()),
            SeedValue::Text(v) => {
                params.push(Some(v.clone()));
                Some(format!("${}::text::{ty}::text", params.len()))
            }
            SeedValue::Lookup { table, by, column } => {
                lookup_expr(live, table, by, column, &mut params)
            }
        };
        match expr {
            Some(e) => {
                exprs.push(e);
                slots.push((c.clone(), Some(exprs.len() - 1)));
            }
            None => slots.push((c.clone(), None)),
        }
    }
    let mut out = BTreeMap::new();
    let row = if exprs.is_empty() {
        None
    } else {
        let sql = format!("SELECT {}", exprs.join(", "));
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect();
        Some(
            client
                .query_one(&sql, &refs)
                .await
                .map_err(|e| SeedError::at(&s.file, r.line, db_message(&e)))?,
        )
    };
    for (c, slot) in slots {
        let n = match (slot, &row) {
            (Some(i), Some(row)) => Norm::Known(row.get::<_, Option<String>>(i)),
            _ => Norm::Unknown,
        };
        out.insert(c, n);
    }
    Ok(out)
}

/// `(SELECT x.column::text FROM table x WHERE x.by = $n::text::type ...)` when the live
/// table has those columns; `None` (unknown until the plan runs) otherwise.
fn lookup_expr(
    live: &Catalog,
    table: &QualName,
    by: &BTreeMap<String, String>,
    column: &str,
    params: &mut Vec<Option<String>>,
) -> Option<String> {
    let lt = live.tables.get(table)?;
    column_type(lt, column)?;
    let mut conds = Vec::new();
    for (b, v) in by {
        let ty = column_type(lt, b)?;
        params.push(Some(v.clone()));
        conds.push(format!(
            "x.{} = ${}::text::{ty}",
            Ident::new(b.as_str()),
            params.len()
        ));
    }
    Some(format!(
        "(SELECT x.{}::text FROM {table} x WHERE {})",
        Ident::new(column),
        conds.join(" AND ")
    ))
}

fn db_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => d.message().to_string(),
        None => e.to_string(),
    }
}

/// A desired value as SQL: a quoted literal (PostgreSQL coerces it to the column's type),
/// `NULL`, or a lookup subquery.
fn literal(v: &SeedValue) -> String {
    match v {
        SeedValue::Null => "NULL".into(),
        SeedValue::Text(s) => quote_literal(s),
        SeedValue::Lookup { table, by, column } => {
            let conds: Vec<String> = by
                .iter()
                .map(|(b, v)| format!("{} = {}", Ident::new(b.as_str()), quote_literal(v)))
                .collect();
            format!(
                "(SELECT {} FROM {table} WHERE {})",
                Ident::new(column),
                conds.join(" AND ")
            )
        }
    }
}

fn live_literal(key: &[String], vals: &[Option<String>], col: &str) -> String {
    let i = key.iter().position(|k| k == col).expect("key column");
    match &vals[i] {
        Some(v) => quote_literal(v),
        None => "NULL".into(),
    }
}

fn key_text(key: &[String], value: impl Fn(&str) -> String) -> String {
    let names: Vec<String> = key
        .iter()
        .map(|k| Ident::new(k.as_str()).to_string())
        .collect();
    let vals: Vec<String> = key.iter().map(|k| value(k)).collect();
    format!("({})=({})", names.join(", "), vals.join(", "))
}

fn where_key(key: &[String], vals: &[Option<String>]) -> String {
    key.iter()
        .map(|k| {
            format!(
                "{} = {}",
                Ident::new(k.as_str()),
                live_literal(key, vals, k)
            )
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

fn insert_sql(s: &SeedTable, r: &super::SeedRow) -> String {
    let present: Vec<&String> = s
        .columns
        .iter()
        .filter(|c| r.values.contains_key(*c))
        .collect();
    let cols: Vec<String> = present
        .iter()
        .map(|c| Ident::new(c.as_str()).to_string())
        .collect();
    let vals: Vec<String> = present.iter().map(|c| literal(&r.values[*c])).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        s.table,
        cols.join(", "),
        vals.join(", ")
    )
}

fn update_sql(
    s: &SeedTable,
    r: &super::SeedRow,
    key: &[Option<String>],
    changed: &[String],
) -> String {
    let sets: Vec<String> = changed
        .iter()
        .map(|c| format!("{} = {}", Ident::new(c.as_str()), literal(&r.values[c])))
        .collect();
    format!(
        "UPDATE {} SET {} WHERE {}",
        s.table,
        sets.join(", "),
        where_key(&s.key, key)
    )
}

#[cfg(test)]
mod tests {
    use super::too_long;

    #[test]
    fn character_lengths_are_checked_as_an_insert_would() {
        assert!(too_long("abcd", "character varying(3)").is_some());
        assert!(too_long("abc", "character varying(3)").is_none());
        assert!(too_long("abc   ", "character varying(3)").is_none());
        assert!(too_long("ábçd", "character(3)").is_some());
        assert!(too_long("ábç", "character(3)").is_none());
        assert!(too_long("abcd", "character varying(3)[]").is_none());
        assert!(too_long("abcdef", "text").is_none());
    }
}
