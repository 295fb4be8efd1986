//! Declarative reference data: per-table seed files (YAML or CSV) keyed by a natural key,
//! compared with the live rows through PostgreSQL, planned as `INSERT`/`UPDATE`/`DELETE`
//! steps after the schema steps. The format is described in `docs/seeds.md`.

mod compare;
mod load;

pub use compare::{plan_data, DataChange, DataChangeKind};
pub use load::{load_dir, load_file};

use crate::catalog::QualName;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The desired rows of one table.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedTable {
    pub file: PathBuf,
    pub table: QualName,
    /// The natural key: the columns that identify a row (never updated).
    pub key: Vec<String>,
    /// Whether live rows absent from the file are deleted.
    pub delete: bool,
    /// The columns compared and written (the key included); others keep their values. A
    /// row that leaves out a column neither compares nor writes it (an insert takes the
    /// column's default).
    pub columns: Vec<String>,
    pub rows: Vec<SeedRow>,
}

/// One desired row and the line it starts at.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedRow {
    pub line: usize,
    pub values: BTreeMap<String, SeedValue>,
}

/// A desired value: PostgreSQL text input, NULL, or the `column` of the row of `table`
/// whose `by` columns have the given values (rendered `(SELECT column FROM table WHERE ...)`).
#[derive(Debug, Clone, PartialEq)]
pub enum SeedValue {
    Null,
    Text(String),
    Lookup {
        table: QualName,
        by: BTreeMap<String, String>,
        column: String,
    },
}

impl SeedTable {
    fn checked(
        file: PathBuf,
        table: QualName,
        key: Vec<String>,
        delete: bool,
        columns: Vec<String>,
        rows: Vec<SeedRow>,
    ) -> Result<SeedTable, SeedError> {
        if key.is_empty() {
            return Err(SeedError::at(&file, 1, "the key names no column".into()));
        }
        for k in &key {
            if !columns.contains(k) {
                return Err(SeedError::at(
                    &file,
                    1,
                    format!("key column {k} is not among the columns"),
                ));
            }
        }
        let mut seen: BTreeMap<Vec<String>, usize> = BTreeMap::new();
        for r in &rows {
            for c in r.values.keys() {
                if !columns.contains(c) {
                    return Err(SeedError::at(
                        &file,
                        r.line,
                        format!("column {c} is not listed in `columns`"),
                    ));
                }
            }
            let mut kv = Vec::new();
            for k in &key {
                match r.values.get(k) {
                    None => {
                        return Err(SeedError::at(
                            &file,
                            r.line,
                            format!("the row has no value for key column {k}"),
                        ))
                    }
                    Some(SeedValue::Null) => {
                        return Err(SeedError::at(
                            &file,
                            r.line,
                            format!("key column {k} is NULL"),
                        ))
                    }
                    Some(v) => kv.push(format!("{v:?}")),
                }
            }
            if let Some(first) = seen.insert(kv, r.line) {
                return Err(SeedError::at(
                    &file,
                    r.line,
                    format!("the same key as the row at line {first}"),
                ));
            }
        }
        Ok(SeedTable {
            file,
            table,
            key,
            delete,
            columns,
            rows,
        })
    }
}

/// A seed file that cannot be used, or a query of the comparison that failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SeedError {
    #[error("{file}:{line}: {message}")]
    #[diagnostic(
        code(schemadiff::seeds::invalid),
        help("see docs/seeds.md for the seed file format; nothing was changed")
    )]
    Invalid {
        file: String,
        line: usize,
        message: String,
    },
    #[error("reading the reference rows of {table}: {reason}")]
    #[diagnostic(code(schemadiff::seeds::read))]
    Read { table: String, reason: String },
}

impl SeedError {
    fn at(file: &Path, line: usize, message: String) -> SeedError {
        SeedError::Invalid {
            file: file.display().to_string(),
            line,
            message,
        }
    }
}
