//! Provenance: which desired statement (file and line) declares which object, so that a
//! review can point a step's hazard at the line that caused it.
//!
//! Objects come from the classification of each statement (what a `CREATE` defines), and
//! from a light scan of the statements that declare the parts of a table: the columns and
//! named constraints of a `CREATE TABLE` (each at its own line), `ALTER TABLE ... ADD
//! [COLUMN | CONSTRAINT]`, and the table of a `CREATE TRIGGER` / `CREATE POLICY`. Names are
//! matched as PostgreSQL folds them; an unqualified name matches the object of that name in
//! any schema when no qualified declaration does.

use super::classify::{NameClass, ObjectKind, StatementKind};
use super::{split, DesiredFiles};
use crate::catalog::{Catalog, Ident, ObjectId, QualName};
use sqlparser::tokenizer::{Token, TokenWithSpan};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A place in a desired file: its path (relative to the current directory when it is
/// under it) and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub path: PathBuf,
    pub line: usize,
}

/// What kind of name a declaration defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Schema,
    Extension,
    Relation,
    Type,
    Routine,
    Column,
    Constraint,
    Trigger,
    Policy,
}

/// One declaration: the schema it names (if qualified), the table it belongs to (columns,
/// constraints, triggers, policies), and where it is.
#[derive(Debug, Clone)]
struct Declared {
    schema: Option<String>,
    table: Option<(Option<String>, String)>,
    at: Location,
}

/// Where the desired files declare each object.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    names: BTreeMap<(Kind, String), Vec<Declared>>,
}

impl Provenance {
    /// Index the statements of `files`, the parts of every table included.
    pub fn of_files(files: &DesiredFiles) -> Provenance {
        Self::index(files, &|_| true)
    }

    /// Index the statements of `files`, reading the parts (columns, constraints, triggers,
    /// policies) only of the tables, triggers and policies named in `wanted` (by their
    /// unqualified name): the statements that declare them are tokenized again, the others
    /// are not.
    pub fn of_files_for(files: &DesiredFiles, wanted: &BTreeSet<String>) -> Provenance {
        Self::index(files, &|name| wanted.contains(name))
    }

    fn index(files: &DesiredFiles, wanted: &dyn Fn(&str) -> bool) -> Provenance {
        let cwd = std::env::current_dir().ok();
        let paths: Vec<PathBuf> = files
            .files
            .iter()
            .map(|f| shown_path(&f.path, cwd.as_deref()))
            .collect();
        let lines: Vec<Vec<usize>> = files.files.iter().map(|f| line_starts(&f.text)).collect();
        let mut p = Provenance::default();
        for stmt in &files.statements {
            let line = line_of(&lines[stmt.file], stmt.span.start);
            let text = &files.files[stmt.file].text;
            let at = |rel: usize| Location {
                path: paths[stmt.file].clone(),
                line: match &stmt.origin {
                    None => line + rel.saturating_sub(1),
                    Some(_) => yaml_line(stmt, text, &lines[stmt.file], rel).unwrap_or(line),
                },
            };
            for name in &stmt.creates {
                let kind = match name.class {
                    NameClass::Schema => Kind::Schema,
                    NameClass::Extension => Kind::Extension,
                    NameClass::Relation => Kind::Relation,
                    NameClass::Type => Kind::Type,
                    NameClass::Routine => Kind::Routine,
                    NameClass::Trigger | NameClass::Policy => continue,
                };
                p.add(kind, &name.name, name.schema.clone(), None, at(1));
            }
            let names_wanted = |names: &[super::ObjectName], class: NameClass| {
                names.iter().any(|n| n.class == class && wanted(&n.name))
            };
            let relevant = match &stmt.kind {
                StatementKind::Create(ObjectKind::Table | ObjectKind::ForeignTable) => {
                    names_wanted(&stmt.creates, NameClass::Relation)
                }
                StatementKind::Alter(ObjectKind::Table) => {
                    names_wanted(&stmt.references, NameClass::Relation)
                }
                StatementKind::Create(ObjectKind::Trigger) => {
                    names_wanted(&stmt.creates, NameClass::Trigger)
                }
                StatementKind::Create(ObjectKind::Policy) => {
                    names_wanted(&stmt.creates, NameClass::Policy)
                }
                _ => false,
            };
            if !relevant {
                continue;
            }
            match &stmt.kind {
                StatementKind::Create(ObjectKind::Table | ObjectKind::ForeignTable) => {
                    if let Some(toks) = split::tokenize_piece(&stmt.sql) {
                        p.scan_create_table(&toks, &at);
                    }
                }
                StatementKind::Alter(ObjectKind::Table) => {
                    if let Some(toks) = split::tokenize_piece(&stmt.sql) {
                        p.scan_alter_table(&toks, &at);
                    }
                }
                StatementKind::Create(kind @ (ObjectKind::Trigger | ObjectKind::Policy)) => {
                    if let Some(toks) = split::tokenize_piece(&stmt.sql) {
                        let kind = if *kind == ObjectKind::Trigger {
                            Kind::Trigger
                        } else {
                            Kind::Policy
                        };
                        p.scan_on_table(kind, &toks, &at);
                    }
                }
                _ => {}
            }
        }
        p
    }

    fn add(
        &mut self,
        kind: Kind,
        name: &str,
        schema: Option<String>,
        table: Option<(Option<String>, String)>,
        at: Location,
    ) {
        self.names
            .entry((kind, name.to_string()))
            .or_default()
            .push(Declared { schema, table, at });
    }

    /// The first declaration of `name` of `kind` in `schema` (or, for a part of a table,
    /// on `table`): a qualified match wins over an unqualified one.
    fn find(
        &self,
        kind: Kind,
        schema: Option<&Ident>,
        name: &str,
        table: Option<&QualName>,
    ) -> Option<&Location> {
        let all = self.names.get(&(kind, name.to_string()))?;
        let want = match table {
            Some(t) => Some(t.schema.as_str()),
            None => schema.map(Ident::as_str),
        };
        let score = |d: &Declared| -> Option<u8> {
            let declared = match (table, &d.table) {
                (None, _) => d.schema.as_deref(),
                (Some(t), Some((s, n))) if n == t.name.as_str() => s.as_deref(),
                (Some(_), _) => return None,
            };
            match (declared, want) {
                (Some(q), Some(w)) if q == w => Some(2),
                (Some(_), Some(_)) => None,
                _ => Some(1),
            }
        };
        let mut best: Option<(u8, &Declared)> = None;
        for d in all {
            if let Some(s) = score(d) {
                if best.is_none_or(|(b, _)| s > b) {
                    best = Some((s, d));
                }
            }
        }
        best.map(|(_, d)| &d.at)
    }

    /// Where `id` is declared; a part of a table (column, constraint, trigger, policy, index
    /// without a statement of its own) falls back to its table, and a constraint first to
    /// the line of its first column. `None` for an object no desired file declares (a
    /// dropped one).
    pub fn locate(&self, id: &ObjectId, desired: &Catalog) -> Option<Location> {
        let rel = |n: &QualName| self.find(Kind::Relation, Some(&n.schema), n.name.as_str(), None);
        let found = match id {
            ObjectId::Schema { name } => self.find(Kind::Schema, None, name.as_str(), None),
            ObjectId::Extension { name } => self.find(Kind::Extension, None, name.as_str(), None),
            ObjectId::Type { name } => {
                self.find(Kind::Type, Some(&name.schema), name.name.as_str(), None)
            }
            ObjectId::Sequence { name }
            | ObjectId::Table { name }
            | ObjectId::View { name }
            | ObjectId::MaterializedView { name } => rel(name),
            ObjectId::Index { name } => rel(name).or_else(|| {
                let table = &desired.indexes.get(name)?.table;
                rel(table)
            }),
            ObjectId::Function { name, .. } => {
                self.find(Kind::Routine, Some(&name.schema), name.name.as_str(), None)
            }
            ObjectId::Column { table, column } => self
                .find(
                    Kind::Column,
                    Some(&table.schema),
                    column.as_str(),
                    Some(table),
                )
                .or_else(|| rel(table)),
            ObjectId::Constraint { table, name } => self
                .find(
                    Kind::Constraint,
                    Some(&table.schema),
                    name.as_str(),
                    Some(table),
                )
                .or_else(|| {
                    let first = desired
                        .tables
                        .get(table)?
                        .constraints
                        .get(name)?
                        .columns
                        .first()?;
                    self.find(
                        Kind::Column,
                        Some(&table.schema),
                        first.as_str(),
                        Some(table),
                    )
                })
                .or_else(|| rel(table)),
            ObjectId::Trigger { table, name } => self
                .find(
                    Kind::Trigger,
                    Some(&table.schema),
                    name.as_str(),
                    Some(table),
                )
                .or_else(|| rel(table)),
            ObjectId::Policy { table, name } => self
                .find(
                    Kind::Policy,
                    Some(&table.schema),
                    name.as_str(),
                    Some(table),
                )
                .or_else(|| rel(table)),
            ObjectId::EventTrigger { .. } | ObjectId::Other { .. } => None,
        };
        found.cloned()
    }

    /// Columns and named constraints of `CREATE TABLE name (...)`, each at its own line.
    fn scan_create_table(&mut self, toks: &[TokenWithSpan], at: &dyn Fn(usize) -> Location) {
        let Some(open) = toks.iter().position(|t| t.token == Token::LParen) else {
            return;
        };
        let Some(table) = name_before(toks, open) else {
            return;
        };
        let mut depth = 0usize;
        let mut element_start = false;
        for (i, t) in toks.iter().enumerate().skip(open) {
            match &t.token {
                Token::LParen => {
                    depth += 1;
                    element_start = depth == 1;
                    continue;
                }
                Token::RParen => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return;
                    }
                }
                Token::Comma if depth == 1 => {
                    element_start = true;
                    continue;
                }
                Token::Word(w) if depth == 1 => {
                    let line = at(t.span.start.line as usize);
                    if is_kw(w, "constraint") {
                        if let Some(name) = word_at(toks, i + 1) {
                            self.add(Kind::Constraint, &name, None, Some(table.clone()), line);
                        }
                    } else if element_start && !is_table_element_keyword(w) {
                        self.add(Kind::Column, &fold(w), None, Some(table.clone()), line);
                    }
                }
                _ => {}
            }
            element_start = false;
        }
    }

    /// `ALTER TABLE [IF EXISTS] [ONLY] name ... ADD [COLUMN] [IF NOT EXISTS] c ... ADD
    /// CONSTRAINT k ...`.
    fn scan_alter_table(&mut self, toks: &[TokenWithSpan], at: &dyn Fn(usize) -> Location) {
        let mut i = 2;
        while kw_at(toks, i, "if") || kw_at(toks, i, "exists") || kw_at(toks, i, "only") {
            i += 1;
        }
        let Some((table, next)) = chain(toks, i) else {
            return;
        };
        let mut depth = 0usize;
        for j in next..toks.len() {
            match &toks[j].token {
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                Token::Word(w) if depth == 0 && is_kw(w, "add") => {
                    let mut k = j + 1;
                    let line = at(toks[j].span.start.line as usize);
                    if kw_at(toks, k, "constraint") {
                        if let Some(name) = word_at(toks, k + 1) {
                            self.add(Kind::Constraint, &name, None, Some(table.clone()), line);
                        }
                        continue;
                    }
                    if kw_at(toks, k, "column") {
                        k += 1;
                    }
                    while kw_at(toks, k, "if") || kw_at(toks, k, "not") || kw_at(toks, k, "exists")
                    {
                        k += 1;
                    }
                    if let Some(Token::Word(w)) = toks.get(k).map(|t| &t.token) {
                        if !is_table_element_keyword(w) {
                            self.add(Kind::Column, &fold(w), None, Some(table.clone()), line);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// `CREATE TRIGGER name ... ON table` / `CREATE POLICY name ON table`.
    fn scan_on_table(
        &mut self,
        kind: Kind,
        toks: &[TokenWithSpan],
        at: &dyn Fn(usize) -> Location,
    ) {
        let Some(k) = toks.iter().position(
            |t| matches!(&t.token, Token::Word(w) if is_kw(w, "trigger") || is_kw(w, "policy")),
        ) else {
            return;
        };
        let Some(name) = word_at(toks, k + 1) else {
            return;
        };
        let Some(on) = (k + 2..toks.len()).find(|&i| kw_at(toks, i, "on")) else {
            return;
        };
        if let Some((table, _)) = chain(toks, on + 1) {
            self.add(kind, &name, None, Some(table), at(1));
        }
    }
}

fn is_kw(w: &sqlparser::tokenizer::Word, s: &str) -> bool {
    w.quote_style.is_none() && w.value.eq_ignore_ascii_case(s)
}

fn kw_at(toks: &[TokenWithSpan], i: usize, s: &str) -> bool {
    matches!(toks.get(i).map(|t| &t.token), Some(Token::Word(w)) if is_kw(w, s))
}

fn fold(w: &sqlparser::tokenizer::Word) -> String {
    if w.quote_style.is_some() {
        w.value.clone()
    } else {
        w.value.to_ascii_lowercase()
    }
}

fn word_at(toks: &[TokenWithSpan], i: usize) -> Option<String> {
    match toks.get(i).map(|t| &t.token) {
        Some(Token::Word(w)) => Some(fold(w)),
        _ => None,
    }
}

/// Words that start a table element other than a column definition.
fn is_table_element_keyword(w: &sqlparser::tokenizer::Word) -> bool {
    [
        "constraint",
        "primary",
        "unique",
        "foreign",
        "check",
        "exclude",
        "like",
    ]
    .iter()
    .any(|k| is_kw(w, k))
}

/// A dotted name `[schema.]name` at `i`, as (schema, name), and the index after it.
fn chain(toks: &[TokenWithSpan], mut i: usize) -> Option<((Option<String>, String), usize)> {
    let mut parts = Vec::new();
    loop {
        parts.push(word_at(toks, i)?);
        i += 1;
        if toks.get(i).map(|t| &t.token) == Some(&Token::Period) {
            i += 1;
        } else {
            break;
        }
    }
    let name = parts.pop()?;
    Some(((parts.pop(), name), i))
}

/// The dotted name that ends just before index `end`.
fn name_before(toks: &[TokenWithSpan], end: usize) -> Option<(Option<String>, String)> {
    let name = word_at(toks, end.checked_sub(1)?)?;
    let schema = end
        .checked_sub(3)
        .filter(|&i| toks.get(i + 1).map(|t| &t.token) == Some(&Token::Period))
        .and_then(|i| word_at(toks, i));
    Some((schema, name))
}

/// For a statement compiled from YAML, the line of the YAML node that line `rel` (1-based)
/// of its SQL was made from.
fn yaml_line(stmt: &super::Statement, text: &str, starts: &[usize], rel: usize) -> Option<usize> {
    let sql_line = stmt.sql.split_inclusive('\n').nth(rel.checked_sub(1)?)?;
    let before: usize = stmt
        .sql
        .split_inclusive('\n')
        .take(rel - 1)
        .map(str::len)
        .sum();
    let indent = sql_line.len() - sql_line.trim_start().len();
    let range = stmt.file_range(text, before + indent, 1);
    (range.end > 0).then(|| line_of(starts, range.start))
}

/// Byte offsets where each line starts.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The 1-based line of byte `offset`.
fn line_of(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&s| s <= offset)
}

/// `path` as provenance shows it: relative to the current directory when it is under it.
pub fn shown(path: &Path) -> PathBuf {
    shown_path(path, std::env::current_dir().ok().as_deref())
}

/// `path` relative to `cwd` when it is under it, without `.` components.
fn shown_path(path: &Path, cwd: Option<&Path>) -> PathBuf {
    let rel = match cwd {
        Some(cwd) if path.is_absolute() => path.strip_prefix(cwd).unwrap_or(path),
        _ => path,
    };
    rel.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::builder::CatalogBuilder;
    use crate::source::{from_files, SourceFile};

    fn provenance(text: &str) -> (Provenance, Catalog) {
        let files = from_files(vec![SourceFile {
            path: "schema/app.sql".into(),
            text: text.into(),
        }])
        .unwrap();
        let desired = CatalogBuilder::new()
            .table("app.orders", |t| {
                t.column("id", "bigint")
                    .column("customer_id", "bigint")
                    .check("orders_total_check", &["total"], "CHECK ((total > 0))")
            })
            .index(
                "app.orders_customer_idx",
                "app.orders",
                "CREATE INDEX ON app.orders USING btree (customer_id)",
            )
            .index(
                "app.orders_total_idx",
                "app.orders",
                "CREATE INDEX ON app.orders USING btree (total)",
            )
            .build();
        (Provenance::of_files(&files), desired)
    }

    const SQL: &str = "CREATE SCHEMA app;\n\
        \n\
        CREATE TABLE app.orders (\n\
        \x20 id bigint PRIMARY KEY,\n\
        \x20 \"Customer\" text,\n\
        \x20 total numeric CONSTRAINT orders_total_check CHECK (total > 0),\n\
        \x20 customer_id bigint NOT NULL\n\
        );\n\
        CREATE INDEX orders_customer_idx ON app.orders (customer_id);\n\
        ALTER TABLE app.orders\n\
        \x20 ADD COLUMN note text,\n\
        \x20 ADD CONSTRAINT orders_note_check CHECK (note <> '');\n\
        CREATE TRIGGER touch BEFORE UPDATE ON app.orders\n\
        \x20 FOR EACH ROW EXECUTE FUNCTION app.touch();\n";

    #[test]
    fn columns_constraints_indexes_and_triggers_have_their_lines() {
        let (p, cat) = provenance(SQL);
        let t = QualName::new("app", "orders");
        let line = |id: ObjectId| p.locate(&id, &cat).map(|l| l.line);
        assert_eq!(line(ObjectId::Schema { name: "app".into() }), Some(1));
        assert_eq!(line(ObjectId::Table { name: t.clone() }), Some(3));
        let col = |c: &str| ObjectId::Column {
            table: t.clone(),
            column: c.into(),
        };
        assert_eq!(line(col("id")), Some(4));
        assert_eq!(line(col("Customer")), Some(5));
        assert_eq!(line(col("customer_id")), Some(7));
        assert_eq!(line(col("note")), Some(11));
        assert_eq!(line(col("missing")), Some(3), "falls back to the table");
        let con = |c: &str| ObjectId::Constraint {
            table: t.clone(),
            name: c.into(),
        };
        assert_eq!(line(con("orders_total_check")), Some(6));
        assert_eq!(line(con("orders_note_check")), Some(12));
        assert_eq!(line(con("orders_pkey")), Some(3));
        let idx = |n: &str| ObjectId::Index {
            name: QualName::new("app", n),
        };
        assert_eq!(line(idx("orders_customer_idx")), Some(9));
        assert_eq!(
            line(idx("orders_total_idx")),
            Some(3),
            "an index without a statement: its table"
        );
        let trig = ObjectId::Trigger {
            table: t.clone(),
            name: "touch".into(),
        };
        assert_eq!(line(trig), Some(13));
        let gone = ObjectId::Table {
            name: QualName::new("app", "gone"),
        };
        assert_eq!(p.locate(&gone, &cat), None);
        let at = p.locate(&col("id"), &cat).unwrap();
        assert_eq!(at.path, PathBuf::from("schema/app.sql"));
    }

    #[test]
    fn only_wanted_tables_have_their_parts_read() {
        let files = from_files(vec![SourceFile {
            path: "schema/app.sql".into(),
            text: SQL.into(),
        }])
        .unwrap();
        let cat = Catalog::default();
        let col = |t: &str| ObjectId::Column {
            table: QualName::new("app", t),
            column: "id".into(),
        };
        let none = Provenance::of_files_for(&files, &BTreeSet::new());
        assert_eq!(none.locate(&col("orders"), &cat).map(|l| l.line), Some(3));
        let wanted: BTreeSet<String> = ["orders".to_string()].into();
        let some = Provenance::of_files_for(&files, &wanted);
        assert_eq!(some.locate(&col("orders"), &cat).map(|l| l.line), Some(4));
    }

    #[test]
    fn unqualified_names_match_any_schema_and_qualified_ones_win() {
        let text = "CREATE TABLE orders (id int);\nCREATE TABLE app.orders (\n  id int\n);\n";
        let files = from_files(vec![SourceFile {
            path: "a.sql".into(),
            text: text.into(),
        }])
        .unwrap();
        let p = Provenance::of_files(&files);
        let cat = Catalog::default();
        let at = |s: &str| {
            p.locate(
                &ObjectId::Column {
                    table: QualName::new(s, "orders"),
                    column: "id".into(),
                },
                &cat,
            )
            .map(|l| l.line)
        };
        assert_eq!(at("app"), Some(3));
        assert_eq!(at("public"), Some(1));
    }

    #[test]
    fn paths_are_shown_relative_to_the_current_directory() {
        let cwd = Path::new("/repo");
        assert_eq!(
            shown_path(Path::new("/repo/schema/a.sql"), Some(cwd)),
            PathBuf::from("schema/a.sql")
        );
        assert_eq!(
            shown_path(Path::new("./schema/a.sql"), Some(cwd)),
            PathBuf::from("schema/a.sql")
        );
        assert_eq!(
            shown_path(Path::new("schema/./a.sql"), Some(cwd)),
            PathBuf::from("schema/a.sql")
        );
        assert_eq!(
            shown_path(Path::new("/elsewhere/a.sql"), Some(cwd)),
            PathBuf::from("/elsewhere/a.sql")
        );
    }
}
