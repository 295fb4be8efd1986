//! Classifying statements: what each creates (from its leading keywords, which works for
//! statements sqlparser cannot parse too) and what names it references (from sqlparser's
//! AST when it parses, and from keyword anchors in its tokens: `ON t`, `REFERENCES t`,
//! `OWNED BY t.c`, `nextval('s')`, `f(`, type names, schema qualifiers).

use serde::{Deserialize, Serialize};
use sqlparser::ast::{visit_relations, ObjectNamePart};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan};
use std::collections::BTreeSet;
use std::ops::ControlFlow;

use crate::catalog::ident::split_qualified;

/// What a statement does, from its leading keywords.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    /// `CREATE [OR REPLACE] ... <kind>`
    Create(ObjectKind),
    /// `ALTER <kind> ...`
    Alter(ObjectKind),
    /// `COMMENT ON ...`
    Comment,
    /// `GRANT` / `REVOKE` / `ALTER DEFAULT PRIVILEGES`
    Privileges,
    /// `SET`, `RESET`, `SELECT set_config(...)`: session settings that apply to the
    /// statements after it in the same file; not ordered, replayed where needed.
    Setting,
    /// `BEGIN`, `COMMIT`, `ROLLBACK`, savepoints: not loaded (every statement is atomic).
    Transaction,
    /// `SELECT`, `CALL`, `DO`, DML, `DROP`, ...: keeps its place after the statement that
    /// precedes it in its file.
    Procedural,
}

/// The kind of object a `CREATE` / `ALTER` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Schema,
    Extension,
    Type,
    Domain,
    Sequence,
    Table,
    ForeignTable,
    View,
    MaterializedView,
    Index,
    Function,
    Procedure,
    Aggregate,
    Trigger,
    Policy,
    Other,
}

/// Which namespace a name lives in, for matching references to definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameClass {
    Schema,
    Extension,
    /// Tables, views, sequences, indexes (one namespace in `pg_class`).
    Relation,
    /// Types and domains (tables and views also define a row type).
    Type,
    /// Functions, procedures, aggregates (by name; overloads are not told apart).
    Routine,
    Trigger,
    Policy,
}

/// A name as PostgreSQL folds it (unquoted parts lower-cased). `name == "*"` stands for
/// every object of the class in `schema` (`GRANT ... ON ALL TABLES IN SCHEMA s`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectName {
    pub class: NameClass,
    pub schema: Option<String>,
    pub name: String,
}

impl ObjectName {
    fn new(class: NameClass, schema: Option<String>, name: String) -> Self {
        ObjectName {
            class,
            schema,
            name,
        }
    }

    fn from_parts(class: NameClass, parts: &[String]) -> Option<Self> {
        let name = parts.last()?.clone();
        let schema = (parts.len() >= 2).then(|| parts[parts.len() - 2].clone());
        Some(ObjectName::new(class, schema, name))
    }
}

/// What the leading keywords say about a statement.
pub(crate) struct Heading {
    pub kind: StatementKind,
    pub creates: Vec<ObjectName>,
    pub references: Vec<ObjectName>,
    pub run_alone: bool,
    /// Set for statements that act on the whole server (roles, databases, tablespaces).
    pub cluster_level: Option<String>,
    /// For settings: the parameter (`all` for `RESET ALL`).
    pub setting: Option<String>,
}

/// The names every statement of the files defines, for matching heuristic references.
#[derive(Default)]
pub(crate) struct Defined {
    pub names: BTreeSet<(NameClass, String)>,
    pub schemas: BTreeSet<String>,
}

impl Defined {
    pub(crate) fn add(&mut self, n: &ObjectName) {
        if n.class == NameClass::Schema {
            self.schemas.insert(n.name.clone());
        }
        self.names.insert((n.class, n.name.clone()));
    }

    fn has(&self, class: NameClass, name: &str) -> bool {
        self.names.contains(&(class, name.to_string()))
    }
}

fn fold(w: &sqlparser::tokenizer::Word) -> String {
    if w.quote_style.is_some() {
        w.value.clone()
    } else {
        w.value.to_ascii_lowercase()
    }
}

fn kw(toks: &[TokenWithSpan], i: usize, s: &str) -> bool {
    matches!(toks.get(i).map(|t| &t.token), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(s))
}

fn kws(toks: &[TokenWithSpan], i: usize, words: &[&str]) -> bool {
    words.iter().enumerate().all(|(k, w)| kw(toks, i + k, w))
}

/// A dotted name `a.b.c` starting at `i`: its folded parts and the index after it.
fn chain(toks: &[TokenWithSpan], mut i: usize) -> Option<(Vec<String>, usize)> {
    let mut parts = Vec::new();
    loop {
        match toks.get(i).map(|t| &t.token) {
            Some(Token::Word(w)) => parts.push(fold(w)),
            _ => return None,
        }
        i += 1;
        if matches!(toks.get(i).map(|t| &t.token), Some(Token::Period))
            && matches!(toks.get(i + 1).map(|t| &t.token), Some(Token::Word(_)))
        {
            i += 1;
        } else {
            return Some((parts, i));
        }
    }
}

fn skip_if_not_exists(toks: &[TokenWithSpan], i: usize) -> usize {
    if kws(toks, i, &["if", "not", "exists"]) {
        i + 3
    } else if kws(toks, i, &["if", "exists"]) {
        i + 2
    } else {
        i
    }
}

fn first_words(toks: &[TokenWithSpan]) -> Vec<String> {
    toks.iter()
        .take(8)
        .map_while(|t| match &t.token {
            Token::Word(w) => Some(w.value.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

const CLUSTER_KINDS: &[&str] = &["database", "role", "user", "group", "tablespace", "system"];

/// Classify a statement by its leading keywords.
pub(crate) fn heading(toks: &[TokenWithSpan]) -> Heading {
    let mut h = Heading {
        kind: StatementKind::Procedural,
        creates: Vec::new(),
        references: Vec::new(),
        run_alone: false,
        cluster_level: None,
        setting: None,
    };
    let words = first_words(toks);
    let first = words.first().map(String::as_str).unwrap_or("");
    match first {
        "create" => create_heading(toks, &mut h),
        "alter" => alter_heading(toks, &mut h),
        "comment" if kw(toks, 1, "on") => {
            h.kind = StatementKind::Comment;
            comment_heading(toks, &mut h);
        }
        "grant" | "revoke" => {
            h.kind = StatementKind::Privileges;
            // without `ON`, a role is granted to (revoked from) a role: server-wide
            if !(0..toks.len()).any(|i| kw(toks, i, "on")) {
                h.cluster_level = Some(if first == "grant" {
                    "GRANT role TO role".into()
                } else {
                    "REVOKE role FROM role".into()
                });
            }
        }
        "set" | "reset" => {
            h.kind = StatementKind::Setting;
            let mut i = 1;
            if kw(toks, i, "session") || kw(toks, i, "local") {
                i += 1;
            }
            h.setting = chain(toks, i).map(|(parts, _)| parts.join("."));
            if kw(toks, 1, "role") || kw(toks, 1, "session") && kw(toks, 2, "authorization") {
                h.kind = StatementKind::Procedural;
            }
        }
        "select" if is_set_config(toks) => {
            h.kind = StatementKind::Setting;
            h.setting = toks.iter().find_map(|t| match &t.token {
                Token::SingleQuotedString(s) => Some(s.to_ascii_lowercase()),
                _ => None,
            });
        }
        "begin" | "start" | "commit" | "end" | "rollback" | "abort" | "savepoint"
        | "release" => h.kind = StatementKind::Transaction,
        "vacuum" | "call" | "do" => h.run_alone = true,
        "reindex" | "drop"
            if toks
                .iter()
                .take(4)
                .any(|t| matches!(&t.token, Token::Word(w) if w.value.eq_ignore_ascii_case("concurrently"))) =>
        {
            h.run_alone = true
        }
        _ => {}
    }
    if matches!(first, "drop")
        && words
            .get(1)
            .is_some_and(|w| CLUSTER_KINDS.contains(&w.as_str()))
    {
        h.cluster_level = Some(format!("DROP {}", words[1].to_ascii_uppercase()));
    }
    h
}

fn is_set_config(toks: &[TokenWithSpan]) -> bool {
    match chain(toks, 1) {
        Some((parts, next)) => {
            parts.last().is_some_and(|p| p == "set_config")
                && matches!(toks.get(next).map(|t| &t.token), Some(Token::LParen))
                && toks.len() <= next + 9
        }
        None => false,
    }
}

fn create_heading(toks: &[TokenWithSpan], h: &mut Heading) {
    let mut i = 1;
    if kws(toks, i, &["or", "replace"]) {
        i += 2;
    }
    let mut materialized = false;
    while let Some(Token::Word(w)) = toks.get(i).map(|t| &t.token) {
        let m = w.value.to_ascii_lowercase();
        match m.as_str() {
            "global" | "local" | "temp" | "temporary" | "unlogged" | "unique" | "recursive"
            | "trusted" | "procedural" | "default" => i += 1,
            "materialized" => {
                materialized = true;
                i += 1
            }
            "constraint" => i += 1,
            _ => break,
        }
    }
    let kind_word = match toks.get(i).map(|t| &t.token) {
        Some(Token::Word(w)) => w.value.to_ascii_lowercase(),
        _ => String::new(),
    };
    i += 1;
    let kind = match kind_word.as_str() {
        "schema" => ObjectKind::Schema,
        "extension" => ObjectKind::Extension,
        "type" => ObjectKind::Type,
        "domain" => ObjectKind::Domain,
        "sequence" => ObjectKind::Sequence,
        "table" => ObjectKind::Table,
        "foreign" if kw(toks, i, "table") => {
            i += 1;
            ObjectKind::ForeignTable
        }
        "view" if materialized => ObjectKind::MaterializedView,
        "view" => ObjectKind::View,
        "index" => ObjectKind::Index,
        "function" => ObjectKind::Function,
        "procedure" => ObjectKind::Procedure,
        "aggregate" => ObjectKind::Aggregate,
        "trigger" => ObjectKind::Trigger,
        "policy" => ObjectKind::Policy,
        k if CLUSTER_KINDS.contains(&k) => {
            h.cluster_level = Some(format!("CREATE {}", k.to_ascii_uppercase()));
            ObjectKind::Other
        }
        _ => ObjectKind::Other,
    };
    h.kind = StatementKind::Create(kind);
    if kind == ObjectKind::Index && kw(toks, i, "concurrently") {
        h.run_alone = true;
        i += 1;
    }
    if timescale_outside_transaction(kind, toks) {
        h.run_alone = true;
    }
    i = skip_if_not_exists(toks, i);
    let class = match kind {
        ObjectKind::Schema => NameClass::Schema,
        ObjectKind::Extension => NameClass::Extension,
        ObjectKind::Type | ObjectKind::Domain => NameClass::Type,
        ObjectKind::Function | ObjectKind::Procedure | ObjectKind::Aggregate => NameClass::Routine,
        ObjectKind::Trigger => NameClass::Trigger,
        ObjectKind::Policy => NameClass::Policy,
        ObjectKind::Other => return,
        _ => NameClass::Relation,
    };
    if kind == ObjectKind::Schema && kw(toks, i, "authorization") {
        i += 1;
    }
    if kind == ObjectKind::Index && kw(toks, i, "on") {
        return;
    }
    let Some((parts, _)) = chain(toks, i) else {
        return;
    };
    let Some(name) = ObjectName::from_parts(class, &parts) else {
        return;
    };
    if matches!(
        kind,
        ObjectKind::Table
            | ObjectKind::ForeignTable
            | ObjectKind::View
            | ObjectKind::MaterializedView
    ) {
        h.creates.push(ObjectName {
            class: NameClass::Type,
            ..name.clone()
        });
    }
    h.creates.push(name);
}

/// TimescaleDB statements that refuse a transaction block: a continuous aggregate
/// created `WITH DATA` (the default) and an index built `WITH
/// (timescaledb.transaction_per_chunk)`.
fn timescale_outside_transaction(kind: ObjectKind, toks: &[TokenWithSpan]) -> bool {
    let words: Vec<String> = toks
        .iter()
        .filter_map(|t| match &t.token {
            Token::Word(w) => Some(w.value.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    let has = |w: &str| words.iter().any(|x| x == w);
    match kind {
        ObjectKind::MaterializedView => {
            has("continuous") && !words.ends_with(&["no".into(), "data".into()])
        }
        ObjectKind::Index => has("transaction_per_chunk"),
        _ => false,
    }
}

fn class_of(kind_word: &str) -> Option<NameClass> {
    Some(match kind_word {
        "table" | "sequence" | "view" | "index" | "materialized" | "foreign" | "column" => {
            NameClass::Relation
        }
        "type" | "domain" => NameClass::Type,
        "function" | "procedure" | "aggregate" | "routine" => NameClass::Routine,
        "schema" => NameClass::Schema,
        "extension" => NameClass::Extension,
        "trigger" => NameClass::Trigger,
        "policy" => NameClass::Policy,
        _ => return None,
    })
}

fn alter_heading(toks: &[TokenWithSpan], h: &mut Heading) {
    let kind_word = match toks.get(1).map(|t| &t.token) {
        Some(Token::Word(w)) => w.value.to_ascii_lowercase(),
        _ => String::new(),
    };
    if CLUSTER_KINDS.contains(&kind_word.as_str()) {
        h.cluster_level = Some(format!("ALTER {}", kind_word.to_ascii_uppercase()));
    }
    if kind_word == "default" && kw(toks, 2, "privileges") {
        h.kind = StatementKind::Privileges;
        return;
    }
    let kind = match kind_word.as_str() {
        "schema" => ObjectKind::Schema,
        "extension" => ObjectKind::Extension,
        "type" => ObjectKind::Type,
        "domain" => ObjectKind::Domain,
        "sequence" => ObjectKind::Sequence,
        "table" => ObjectKind::Table,
        "foreign" => ObjectKind::ForeignTable,
        "view" => ObjectKind::View,
        "materialized" => ObjectKind::MaterializedView,
        "index" => ObjectKind::Index,
        "function" | "routine" => ObjectKind::Function,
        "procedure" => ObjectKind::Procedure,
        "aggregate" => ObjectKind::Aggregate,
        "trigger" => ObjectKind::Trigger,
        "policy" => ObjectKind::Policy,
        _ => ObjectKind::Other,
    };
    h.kind = StatementKind::Alter(kind);
    if kind == ObjectKind::Type
        && toks
            .iter()
            .any(|t| matches!(&t.token, Token::Word(w) if w.value.eq_ignore_ascii_case("value")))
        && toks
            .iter()
            .any(|t| matches!(&t.token, Token::Word(w) if w.value.eq_ignore_ascii_case("add")))
    {
        h.run_alone = true;
    }
    let mut i = 2;
    if matches!(
        kind,
        ObjectKind::MaterializedView | ObjectKind::ForeignTable
    ) {
        i += 1;
    }
    i = skip_if_not_exists(toks, i);
    if kw(toks, i, "only") {
        i += 1;
    }
    if let (Some(class), Some((parts, _))) = (class_of(&kind_word), chain(toks, i)) {
        if matches!(kind, ObjectKind::Trigger | ObjectKind::Policy) {
            return;
        }
        h.references.extend(ObjectName::from_parts(class, &parts));
    }
}

fn comment_heading(toks: &[TokenWithSpan], h: &mut Heading) {
    let mut i = 2;
    let kind_word = match toks.get(i).map(|t| &t.token) {
        Some(Token::Word(w)) => w.value.to_ascii_lowercase(),
        _ => return,
    };
    i += 1;
    if matches!(kind_word.as_str(), "materialized" | "foreign") {
        i += 1;
    }
    let Some((parts, next)) = chain(toks, i) else {
        return;
    };
    match kind_word.as_str() {
        "column" => {
            if parts.len() >= 2 {
                h.references.extend(ObjectName::from_parts(
                    NameClass::Relation,
                    &parts[..parts.len() - 1],
                ));
            }
        }
        "trigger" | "policy" | "constraint" | "rule" => {
            if let Some(class) = class_of(&kind_word) {
                h.references
                    .push(ObjectName::new(class, None, parts[parts.len() - 1].clone()));
            }
            let mut j = next;
            if kw(toks, j, "on") {
                j += 1;
                if kw(toks, j, "domain") {
                    j += 1;
                }
                if let Some((table, _)) = chain(toks, j) {
                    h.references
                        .extend(ObjectName::from_parts(NameClass::Relation, &table));
                }
            }
        }
        k => {
            if let Some(class) = class_of(k) {
                h.references.extend(ObjectName::from_parts(class, &parts));
            }
        }
    }
}

/// References found by keyword anchors and name shapes in the tokens, kept only where
/// they can matter: relations after anchors, and any word that names a type, routine
/// or schema the files define.
pub(crate) fn token_references(
    toks: &[TokenWithSpan],
    defined: &Defined,
    all_chains_are_relations: bool,
    out: &mut Vec<ObjectName>,
) {
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i].token;
        match t {
            Token::Word(w) if w.quote_style.is_none() => {
                let lower = w.value.to_ascii_lowercase();
                let anchor = match lower.as_str() {
                    "on" | "references" | "from" | "join" | "into" | "update" | "inherits"
                    | "like" => Some(i + 1),
                    "of" if i > 0 && kw(toks, i - 1, "partition") => Some(i + 1),
                    "by" if i > 0 && kw(toks, i - 1, "owned") => Some(i + 1),
                    _ => None,
                };
                if let Some(mut j) = anchor {
                    while kw(toks, j, "only") || kw(toks, j, "table") || kw(toks, j, "sequence") {
                        j += 1;
                    }
                    if matches!(toks.get(j).map(|t| &t.token), Some(Token::LParen))
                        && lower == "inherits"
                    {
                        j += 1;
                    }
                    if let Some((mut parts, _)) = chain(toks, j) {
                        if lower == "by" && parts.len() >= 2 {
                            parts.pop();
                        }
                        out.extend(ObjectName::from_parts(NameClass::Relation, &parts));
                    }
                }
            }
            Token::SingleQuotedString(s) => string_reference(toks, i, s, out),
            _ => {}
        }
        if let Some((parts, next)) = chain(toks, i) {
            let call = matches!(toks.get(next).map(|t| &t.token), Some(Token::LParen));
            let last = &parts[parts.len() - 1];
            if call && defined.has(NameClass::Routine, last) {
                out.extend(ObjectName::from_parts(NameClass::Routine, &parts));
            }
            if defined.has(NameClass::Type, last) {
                out.extend(ObjectName::from_parts(NameClass::Type, &parts));
            }
            if all_chains_are_relations && defined.has(NameClass::Relation, last) {
                out.extend(ObjectName::from_parts(NameClass::Relation, &parts));
            }
            if parts.len() >= 2 && defined.schemas.contains(&parts[parts.len() - 2]) {
                out.push(ObjectName::new(
                    NameClass::Schema,
                    None,
                    parts[parts.len() - 2].clone(),
                ));
            }
            if all_chains_are_relations && defined.has(NameClass::Schema, &parts[0]) {
                out.push(ObjectName::new(NameClass::Schema, None, parts[0].clone()));
            }
            i = next;
            continue;
        }
        i += 1;
    }
    if let Some(k) = (0..toks.len()).find(|&k| kws(toks, k, &["in", "schema"])) {
        if let Some((parts, _)) = chain(toks, k + 2) {
            out.push(ObjectName::new(NameClass::Schema, None, parts[0].clone()));
            if kw(toks, 0, "grant") || kw(toks, 0, "revoke") {
                out.push(ObjectName::new(
                    NameClass::Relation,
                    Some(parts[0].clone()),
                    "*".into(),
                ));
            }
        }
    }
}

/// `nextval('s')`, `currval`, `setval`, `'s'::regclass` and a name passed to a function in
/// a top-level `SELECT` or `CALL` (e.g. `create_hypertable('t', ...)`,
/// `CALL add_columnstore_policy('t', ...)`) refer to relations.
fn string_reference(toks: &[TokenWithSpan], i: usize, s: &str, out: &mut Vec<ObjectName>) {
    let called = i >= 2
        && matches!(toks[i - 1].token, Token::LParen)
        && matches!(&toks[i - 2].token, Token::Word(w) if matches!(w.value.to_ascii_lowercase().as_str(), "nextval" | "currval" | "setval"));
    let cast = matches!(toks.get(i + 1).map(|t| &t.token), Some(Token::DoubleColon))
        && matches!(toks.get(i + 2).map(|t| &t.token), Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("regclass"));
    let select_arg = (kw(toks, 0, "select") || kw(toks, 0, "call"))
        && i >= 1
        && matches!(toks[i - 1].token, Token::LParen | Token::Comma);
    if !(called || cast || select_arg) {
        return;
    }
    let parts = if s.contains('"') {
        split_qualified(s)
    } else {
        Some(s.split('.').map(str::to_ascii_lowercase).collect())
    };
    if let Some(parts) = parts.filter(|p| p.iter().all(|x| !x.is_empty())) {
        out.extend(ObjectName::from_parts(NameClass::Relation, &parts));
    }
}

/// Parse a statement with sqlparser; `None` unless the whole statement parses.
pub(crate) fn parse(toks: Vec<TokenWithSpan>) -> Option<sqlparser::ast::Statement> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect).with_tokens_with_locations(toks);
    let stmt = parser.parse_statement().ok()?;
    matches!(parser.peek_token().token, Token::EOF).then_some(stmt)
}

/// Relations named in the AST (FROM, JOIN, REFERENCES, ALTER TABLE, ...).
pub(crate) fn ast_references(stmt: &sqlparser::ast::Statement, out: &mut Vec<ObjectName>) {
    let _ = visit_relations(stmt, |name| {
        let parts: Vec<String> = name
            .0
            .iter()
            .filter_map(|p| match p {
                ObjectNamePart::Identifier(id) => Some(if id.quote_style.is_some() {
                    id.value.clone()
                } else {
                    id.value.to_ascii_lowercase()
                }),
                ObjectNamePart::Function(_) => None,
            })
            .collect();
        out.extend(ObjectName::from_parts(NameClass::Relation, &parts));
        ControlFlow::<()>::Continue(())
    });
}

/// Bodies of `LANGUAGE sql` routines are checked when created, so what they read counts:
/// the tokens of each string body.
pub(crate) fn sql_body_tokens(toks: &[TokenWithSpan]) -> Vec<Vec<TokenWithSpan>> {
    let is_sql = (0..toks.len()).any(|k| {
        kw(toks, k, "language")
            && matches!(toks.get(k + 1).map(|t| &t.token), Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("sql"))
    });
    if !is_sql {
        return Vec::new();
    }
    toks.iter()
        .filter_map(|t| match &t.token {
            Token::DollarQuotedString(d) => super::split::tokenize_piece(&d.value),
            Token::SingleQuotedString(s) if s.len() > 8 => super::split::tokenize_piece(s),
            _ => None,
        })
        .collect()
}

/// Classify a statement that does not tokenize, from its first words.
pub(crate) fn heading_from_text(sql: &str) -> Heading {
    let toks =
        super::split::tokenize_piece(&sql.split_whitespace().take(6).collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
    let mut h = heading(&toks);
    h.references.clear();
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(sql: &str) -> Heading {
        heading(&super::super::split::tokenize_piece(sql).unwrap())
    }

    fn name(class: NameClass, schema: Option<&str>, n: &str) -> ObjectName {
        ObjectName::new(class, schema.map(str::to_string), n.to_string())
    }

    #[test]
    fn timescaledb_statements() {
        let h =
            head("CREATE MATERIALIZED VIEW m WITH (timescaledb.continuous) AS SELECT 1 GROUP BY 1");
        assert!(
            h.run_alone,
            "a continuous aggregate WITH DATA refuses a transaction block"
        );
        let h = head(
            "CREATE MATERIALIZED VIEW m WITH (timescaledb.continuous) AS SELECT 1 GROUP BY 1 WITH NO DATA",
        );
        assert!(!h.run_alone);
        let h = head("CREATE MATERIALIZED VIEW m AS SELECT 1");
        assert!(!h.run_alone);
        let h = head("CREATE INDEX i ON t (a) WITH (timescaledb.transaction_per_chunk)");
        assert!(h.run_alone);

        let toks = super::super::split::tokenize_piece(
            "CALL add_columnstore_policy('app.metrics', after => INTERVAL '1 day')",
        )
        .unwrap();
        let mut refs = Vec::new();
        token_references(&toks, &Defined::default(), false, &mut refs);
        assert!(
            refs.contains(&name(NameClass::Relation, Some("app"), "metrics")),
            "{refs:?}"
        );
        let toks = super::super::split::tokenize_piece(
            "SELECT create_hypertable('metrics', by_range('ts'))",
        )
        .unwrap();
        let mut refs = Vec::new();
        token_references(&toks, &Defined::default(), false, &mut refs);
        assert!(
            refs.contains(&name(NameClass::Relation, None, "metrics")),
            "{refs:?}"
        );
    }

    #[test]
    fn leading_keywords() {
        let h = head("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS Ix ON app.t (a)");
        assert_eq!(h.kind, StatementKind::Create(ObjectKind::Index));
        assert!(h.run_alone);
        assert_eq!(h.creates, vec![name(NameClass::Relation, None, "ix")]);

        let h = head("CREATE OR REPLACE MATERIALIZED VIEW \"App\".\"Top\" AS SELECT 1");
        assert_eq!(h.kind, StatementKind::Create(ObjectKind::MaterializedView));
        assert!(h
            .creates
            .contains(&name(NameClass::Relation, Some("App"), "Top")));

        let h = head("ALTER TABLE ONLY public.a ADD CONSTRAINT x CHECK (true)");
        assert_eq!(
            h.references,
            vec![name(NameClass::Relation, Some("public"), "a")]
        );

        let h = head("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok'");
        assert!(h.run_alone);

        let h = head("COMMENT ON COLUMN app.t.c IS 'x'");
        assert_eq!(
            h.references,
            vec![name(NameClass::Relation, Some("app"), "t")]
        );

        let h = head("SET LOCAL search_path TO app, public");
        assert_eq!(h.kind, StatementKind::Setting);
        assert_eq!(h.setting.as_deref(), Some("search_path"));

        assert_eq!(
            head("CREATE DATABASE x").cluster_level.as_deref(),
            Some("CREATE DATABASE")
        );
        assert_eq!(
            head("GRANT app_owner TO deployer WITH ADMIN OPTION")
                .cluster_level
                .as_deref(),
            Some("GRANT role TO role")
        );
        assert_eq!(head("GRANT SELECT (a) ON t TO r").cluster_level, None);
        assert_eq!(
            head("REVOKE ADMIN OPTION FOR a FROM b")
                .cluster_level
                .as_deref(),
            Some("REVOKE role FROM role")
        );
        assert_eq!(head("BEGIN").kind, StatementKind::Transaction);
        assert_eq!(
            head("INSERT INTO t VALUES (1)").kind,
            StatementKind::Procedural
        );
    }

    #[test]
    fn grants_on_all_tables_wait_for_the_schema_tables() {
        let toks = super::super::split::tokenize_piece(
            "GRANT SELECT ON ALL TABLES IN SCHEMA app TO reader",
        )
        .unwrap();
        let mut defined = Defined::default();
        defined.add(&name(NameClass::Schema, None, "app"));
        let mut refs = Vec::new();
        token_references(&toks, &defined, false, &mut refs);
        assert!(refs.contains(&name(NameClass::Relation, Some("app"), "*")));
        assert!(refs.contains(&name(NameClass::Schema, None, "app")));
    }
}
