//! Rename annotations in desired SQL: a line comment
//!
//! ```sql
//! -- schemadiff:renamed-from old_name
//! ```
//!
//! right before the definition of the object that replaces `old_name`: before `CREATE
//! TABLE` (the old name optionally schema-qualified), a column definition inside `CREATE
//! TABLE (...)` or `ALTER TABLE ... ADD [COLUMN]`, `CREATE INDEX name`, a `CONSTRAINT name`
//! inside `CREATE TABLE (...)` or `ALTER TABLE ... ADD CONSTRAINT name`, `CREATE TYPE` /
//! `CREATE DOMAIN`, and an enum label inside `CREATE TYPE ... AS ENUM (...)` (the old label
//! as a bare word or a quoted literal). The annotation applies to the next token of the file.
//!
//! The same comments carry `-- schemadiff:lint-ignore RULE` for `schemadiff lint`
//! ([`lint_ignores`]); the rename parser passes over them.

use miette::SourceSpan;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

use super::split::Locator;
use super::{SourceError, SourceFile, SqlSource};
use crate::catalog::{Ident, RenameHint, RenameKind};

const PREFIX: &str = "schemadiff:";
const RENAMED_FROM: &str = "renamed-from";
const LINT_IGNORE: &str = "lint-ignore";

/// The rename hints declared in `files`, in file order. Files without `schemadiff:` cost one
/// substring search.
pub fn parse_files(files: &[SourceFile]) -> Result<Vec<RenameHint>, SourceError> {
    let mut out = Vec::new();
    for f in files {
        if f.text.contains(PREFIX) {
            out.extend(parse_file(f)?);
        }
    }
    Ok(out)
}

/// A significant token and the parenthesis depth before it.
struct Sig {
    token: Token,
    depth: usize,
    line: u64,
}

/// An annotation comment: its directive text, byte range, and the index of the next
/// significant token.
struct Note {
    text: String,
    at: std::ops::Range<usize>,
    line: u64,
    col: u64,
    next: usize,
}

/// The significant tokens of a file and its `-- schemadiff:` comments; `None` when the file
/// does not tokenize as a whole.
fn scan(file: &SourceFile) -> Option<(Vec<Sig>, Vec<Note>)> {
    let dialect = PostgreSqlDialect {};
    let tokens = Tokenizer::new(&dialect, &file.text)
        .tokenize_with_location()
        .ok()?;
    let mut locator = Locator::new(&file.text);
    let mut sig: Vec<Sig> = Vec::new();
    let mut notes: Vec<Note> = Vec::new();
    let mut depth = 0usize;
    for t in tokens {
        let start = locator.byte(t.span.start);
        match &t.token {
            Token::Whitespace(Whitespace::SingleLineComment { comment, .. }) => {
                let body = comment.trim();
                if let Some(rest) = body.strip_prefix(PREFIX) {
                    let end = locator.byte(t.span.end);
                    notes.push(Note {
                        text: rest.trim().to_string(),
                        at: start..end.max(start + 2).min(file.text.len()),
                        line: t.span.start.line,
                        col: t.span.start.column,
                        next: sig.len(),
                    });
                }
            }
            Token::Whitespace(_) => {}
            tok => {
                sig.push(Sig {
                    token: tok.clone(),
                    depth,
                    line: t.span.start.line,
                });
                match tok {
                    Token::LParen => depth += 1,
                    Token::RParen => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
        }
    }
    Some((sig, notes))
}

fn parse_file(file: &SourceFile) -> Result<Vec<RenameHint>, SourceError> {
    let src = || SqlSource::new(file.path.display().to_string(), file.text.clone());
    let fail = |at: std::ops::Range<usize>, message: String, help: &str| SourceError::Annotation {
        message,
        src: src(),
        at: SourceSpan::new(at.start.into(), at.end.saturating_sub(at.start)),
        help: help.to_string(),
    };
    let Some((sig, notes)) = scan(file) else {
        let at = file.text.find(PREFIX).unwrap_or(0);
        return Err(fail(
            at..at + PREFIX.len(),
            "cannot place this annotation: the file does not tokenize as a whole".into(),
            "schemadiff:renamed-from annotations need a file the SQL tokenizer reads; move the annotated definition to a file of its own",
        ));
    };
    let mut out: Vec<RenameHint> = Vec::new();
    let mut last_target: Option<usize> = None;
    for note in notes {
        if lint_rules(&note.text).is_some() {
            continue;
        }
        let location = format!("{}:{}:{}", file.path.display(), note.line, note.col);
        let Some(directive) = note.text.strip_prefix(RENAMED_FROM) else {
            return Err(fail(
                note.at,
                format!("unknown schemadiff annotation `{PREFIX}{}`", note.text),
                "the annotations are `-- schemadiff:renamed-from old_name` and `-- schemadiff:lint-ignore RULE`",
            ));
        };
        if !directive.is_empty() && !directive.starts_with(char::is_whitespace) {
            return Err(fail(
                note.at,
                format!("unknown schemadiff annotation `{PREFIX}{}`", note.text),
                "the annotations are `-- schemadiff:renamed-from old_name` and `-- schemadiff:lint-ignore RULE`",
            ));
        }
        if last_target == Some(note.next) {
            return Err(fail(
                note.at,
                "a second renamed-from annotation for the same definition".into(),
                "an object replaces one old name: keep one annotation",
            ));
        }
        last_target = Some(note.next);
        let target = target_of(&sig, note.next).map_err(|m| {
            fail(
                note.at.clone(),
                m,
                "put the annotation on the line right before CREATE TABLE, CREATE INDEX, CREATE TYPE, CREATE DOMAIN, ALTER TABLE ... ADD, a column or CONSTRAINT line of CREATE TABLE, or an enum label",
            )
        })?;
        let old = old_name(directive.trim(), target.kind).map_err(|m| {
            fail(
                note.at.clone(),
                m,
                "write `-- schemadiff:renamed-from old_name` (a table, index or type may be `schema.old_name`; an enum label may be 'quoted')",
            )
        })?;
        if let Some(s) = &old.schema {
            let same = target.schema.as_ref().is_none_or(|t| t == s);
            if !same {
                return Err(fail(
                    note.at,
                    format!(
                        "the old name is in schema {s}, the new one in schema {}",
                        target
                            .schema
                            .as_ref()
                            .map(Ident::to_string)
                            .unwrap_or_default()
                    ),
                    "a rename keeps the object's schema; moving between schemas is not a rename",
                ));
            }
        }
        out.push(RenameHint {
            kind: target.kind,
            schema: target.schema.or(old.schema),
            parent: target.parent,
            name: target.name,
            from: old.name,
            location,
        });
    }
    Ok(out)
}

/// A `-- schemadiff:lint-ignore RULE[, RULE...]` comment: the lint rules it silences and
/// the lines of the definition right after it. Before a statement it covers the whole
/// statement (a `CREATE TABLE` with its columns and constraints); before a column or
/// `CONSTRAINT` line inside one, that element's first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintIgnore {
    /// Rule ids (or rule groups such as `naming`) as written.
    pub rules: Vec<String>,
    /// The 1-based line of the comment.
    pub line: usize,
    /// The first and last 1-based line it covers (inclusive).
    pub covers: (usize, usize),
}

/// The lint-ignore comments of one SQL file, found with the tokens the rename annotations
/// are read from (so a comment inside a string or a function body is not one). A file that
/// does not tokenize has none.
pub fn lint_ignores(file: &SourceFile) -> Vec<LintIgnore> {
    if !file.text.contains(PREFIX) {
        return Vec::new();
    }
    let Some((sig, notes)) = scan(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for note in notes {
        let Some(rules) = lint_rules(&note.text) else {
            continue;
        };
        let Some(next) = sig.get(note.next) else {
            continue;
        };
        let first = next.line as usize;
        let starts_statement =
            note.next == 0 || (next.depth == 0 && sig[note.next - 1].token == Token::SemiColon);
        let last = if starts_statement {
            sig[note.next..]
                .iter()
                .find(|s| s.depth == 0 && s.token == Token::SemiColon)
                .or(sig.last())
                .map_or(first, |s| s.line as usize)
        } else {
            first
        };
        out.push(LintIgnore {
            rules,
            line: note.line as usize,
            covers: (first, last),
        });
    }
    out
}

/// The rules of a `lint-ignore` directive (the comment's text after `schemadiff:`, split on
/// commas and spaces), `None` for another directive.
pub fn lint_rules(directive: &str) -> Option<Vec<String>> {
    let rest = directive.strip_prefix(LINT_IGNORE)?;
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    Some(
        rest.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

/// What an annotation applies to.
struct Target {
    kind: RenameKind,
    schema: Option<Ident>,
    parent: Option<Ident>,
    name: String,
}

/// An old name as written in the annotation.
struct Old {
    schema: Option<Ident>,
    name: String,
}

fn word(t: Option<&Sig>) -> Option<(&str, Option<Keyword>, bool)> {
    match t.map(|s| &s.token) {
        Some(Token::Word(w)) => Some((w.value.as_str(), Some(w.keyword), w.quote_style.is_some())),
        _ => None,
    }
}

fn is_kw(t: Option<&Sig>, kw: Keyword) -> bool {
    matches!(word(t), Some((_, Some(k), false)) if k == kw)
}

/// The identifier value of a word token (unquoted words fold to lower case).
fn ident_value(t: Option<&Sig>) -> Option<String> {
    let (value, _, quoted) = word(t)?;
    Some(if quoted {
        value.to_string()
    } else {
        value.to_lowercase()
    })
}

/// A possibly qualified name at `sig[i]`: (schema, name, index after it).
fn qualified(sig: &[Sig], i: usize) -> Option<(Option<Ident>, String, usize)> {
    let first = ident_value(sig.get(i))?;
    if matches!(sig.get(i + 1).map(|s| &s.token), Some(Token::Period)) {
        let second = ident_value(sig.get(i + 2))?;
        return Some((Some(Ident(first)), second, i + 3));
    }
    Some((None, first, i + 1))
}

fn skip_if_exists(sig: &[Sig], mut i: usize, not: bool) -> usize {
    if is_kw(sig.get(i), Keyword::IF) {
        i += 1;
        if not && is_kw(sig.get(i), Keyword::NOT) {
            i += 1;
        }
        if is_kw(sig.get(i), Keyword::EXISTS) {
            i += 1;
        }
    }
    i
}

fn target_of(sig: &[Sig], k: usize) -> Result<Target, String> {
    if k >= sig.len() {
        return Err("this renamed-from annotation is followed by no definition".into());
    }
    let start = sig[..k]
        .iter()
        .rposition(|s| s.depth == 0 && s.token == Token::SemiColon)
        .map(|p| p + 1)
        .unwrap_or(0);
    if k == start {
        statement_target(sig, k)
    } else {
        inner_target(sig, start, k)
    }
}

/// The index just past `CREATE [modifiers] TABLE [IF NOT EXISTS]`, if the statement is one.
fn create_table_name(sig: &[Sig], start: usize) -> Option<usize> {
    if !is_kw(sig.get(start), Keyword::CREATE) {
        return None;
    }
    let mut i = start + 1;
    while matches!(
        word(sig.get(i)),
        Some((
            _,
            Some(
                Keyword::UNLOGGED
                    | Keyword::TEMP
                    | Keyword::TEMPORARY
                    | Keyword::GLOBAL
                    | Keyword::LOCAL
            ),
            false
        ))
    ) {
        i += 1;
    }
    is_kw(sig.get(i), Keyword::TABLE).then(|| skip_if_exists(sig, i + 1, true))
}

fn statement_target(sig: &[Sig], s: usize) -> Result<Target, String> {
    let named = |kind, (schema, name, _): (Option<Ident>, String, usize)| Target {
        kind,
        schema,
        parent: None,
        name,
    };
    if let Some(i) = create_table_name(sig, s) {
        let q = qualified(sig, i).ok_or("CREATE TABLE without a table name")?;
        return Ok(named(RenameKind::Table, q));
    }
    if is_kw(sig.get(s), Keyword::CREATE) {
        let mut i = s + 1;
        if is_kw(sig.get(i), Keyword::UNIQUE) {
            i += 1;
        }
        if is_kw(sig.get(i), Keyword::INDEX) {
            i += 1;
            if is_kw(sig.get(i), Keyword::CONCURRENTLY) {
                i += 1;
            }
            i = skip_if_exists(sig, i, true);
            if is_kw(sig.get(i), Keyword::ON) {
                return Err("a renamed-from annotation needs a named index".into());
            }
            let name = ident_value(sig.get(i)).ok_or("CREATE INDEX without an index name")?;
            i += 1;
            if !is_kw(sig.get(i), Keyword::ON) {
                return Err("CREATE INDEX name is not followed by ON table".into());
            }
            i += 1;
            if is_kw(sig.get(i), Keyword::ONLY) {
                i += 1;
            }
            let (schema, _, _) = qualified(sig, i).ok_or("CREATE INDEX ... ON without a table")?;
            return Ok(Target {
                kind: RenameKind::Index,
                schema,
                parent: None,
                name,
            });
        }
        if is_kw(sig.get(s + 1), Keyword::TYPE) || is_kw(sig.get(s + 1), Keyword::DOMAIN) {
            let q = qualified(sig, s + 2).ok_or("CREATE TYPE without a type name")?;
            return Ok(named(RenameKind::Type, q));
        }
    }
    if is_kw(sig.get(s), Keyword::ALTER) && is_kw(sig.get(s + 1), Keyword::TABLE) {
        let mut i = skip_if_exists(sig, s + 2, false);
        if is_kw(sig.get(i), Keyword::ONLY) {
            i += 1;
        }
        let (schema, table, mut i) = qualified(sig, i).ok_or("ALTER TABLE without a table name")?;
        if !is_kw(sig.get(i), Keyword::ADD) {
            return Err(
                "a renamed-from annotation on ALTER TABLE needs ADD COLUMN or ADD CONSTRAINT"
                    .into(),
            );
        }
        i += 1;
        let (kind, i) = if is_kw(sig.get(i), Keyword::CONSTRAINT) {
            (RenameKind::Constraint, i + 1)
        } else if is_kw(sig.get(i), Keyword::COLUMN) {
            (RenameKind::Column, skip_if_exists(sig, i + 1, true))
        } else {
            (RenameKind::Column, skip_if_exists(sig, i, true))
        };
        if kind == RenameKind::Column && unnamed_constraint(sig.get(i)) {
            return Err("only a named constraint (ADD CONSTRAINT name) can be renamed".into());
        }
        let name = ident_value(sig.get(i)).ok_or("ALTER TABLE ... ADD without a name")?;
        return Ok(Target {
            kind,
            schema,
            parent: Some(Ident(table)),
            name,
        });
    }
    Err("a renamed-from annotation must come right before CREATE TABLE, CREATE INDEX, CREATE TYPE, CREATE DOMAIN or ALTER TABLE ... ADD".into())
}

fn unnamed_constraint(t: Option<&Sig>) -> bool {
    matches!(
        word(t),
        Some((
            _,
            Some(
                Keyword::PRIMARY
                    | Keyword::UNIQUE
                    | Keyword::CHECK
                    | Keyword::FOREIGN
                    | Keyword::EXCLUDE
                    | Keyword::LIKE
            ),
            false
        ))
    )
}

fn inner_target(sig: &[Sig], start: usize, k: usize) -> Result<Target, String> {
    let listed = sig[k].depth == 1 && matches!(sig[k - 1].token, Token::LParen | Token::Comma);
    if let Some(i) = create_table_name(sig, start) {
        let (schema, table, after) =
            qualified(sig, i).ok_or("CREATE TABLE without a table name")?;
        if !listed || sig.get(after).map(|s| &s.token) != Some(&Token::LParen) || k <= after {
            return Err("inside CREATE TABLE, a renamed-from annotation goes before a column or a CONSTRAINT line".into());
        }
        let (kind, at) = if is_kw(sig.get(k), Keyword::CONSTRAINT) {
            (RenameKind::Constraint, k + 1)
        } else if unnamed_constraint(sig.get(k)) {
            return Err("only a named constraint (CONSTRAINT name ...) can be renamed".into());
        } else {
            (RenameKind::Column, k)
        };
        let name = ident_value(sig.get(at)).ok_or("expected a column or constraint name")?;
        return Ok(Target {
            kind,
            schema,
            parent: Some(Ident(table)),
            name,
        });
    }
    if is_kw(sig.get(start), Keyword::CREATE) && is_kw(sig.get(start + 1), Keyword::TYPE) {
        let (schema, ty, after) = qualified(sig, start + 2).ok_or("CREATE TYPE without a name")?;
        let is_enum =
            is_kw(sig.get(after), Keyword::AS) && is_kw(sig.get(after + 1), Keyword::ENUM);
        if let (true, true, Token::SingleQuotedString(label)) = (is_enum, listed, &sig[k].token) {
            return Ok(Target {
                kind: RenameKind::EnumValue,
                schema,
                parent: Some(Ident(ty)),
                name: label.clone(),
            });
        }
        return Err(
            "inside CREATE TYPE, a renamed-from annotation goes before an enum label".into(),
        );
    }
    Err("a renamed-from annotation inside a statement goes before a column or CONSTRAINT line of CREATE TABLE, or an enum label of CREATE TYPE ... AS ENUM".into())
}

/// Parse the old name: `name`, `schema.name`, `"Quoted"`, or for enum labels a bare word
/// (taken as written) or a `'quoted literal'`.
fn old_name(text: &str, kind: RenameKind) -> Result<Old, String> {
    if text.is_empty() {
        return Err("renamed-from without an old name".into());
    }
    if kind == RenameKind::EnumValue {
        let label = if let Some(rest) = text.strip_prefix('\'') {
            let (lit, tail) = literal(rest).ok_or("unterminated quoted label")?;
            if !tail.trim().is_empty() {
                return Err(format!("unexpected `{}` after the old label", tail.trim()));
            }
            lit
        } else if text.contains(char::is_whitespace) {
            return Err("an old label with spaces must be 'quoted'".into());
        } else {
            text.to_string()
        };
        return Ok(Old {
            schema: None,
            name: label,
        });
    }
    let (first, rest) = identifier(text)?;
    let (schema, name, rest) = match rest.strip_prefix('.') {
        Some(r) => {
            let (second, rest) = identifier(r)?;
            (Some(Ident(first)), second, rest)
        }
        None => (None, first, rest),
    };
    if !rest.trim().is_empty() {
        return Err(format!("unexpected `{}` after the old name", rest.trim()));
    }
    if schema.is_some() && matches!(kind, RenameKind::Column | RenameKind::Constraint) {
        return Err(format!(
            "the old name of a {} is not schema-qualified",
            kind.as_str()
        ));
    }
    Ok(Old { schema, name })
}

/// One identifier at the start of `text` (folded unless quoted) and the rest.
fn identifier(text: &str) -> Result<(String, &str), String> {
    if let Some(rest) = text.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = rest.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if matches!(chars.peek(), Some((_, '"'))) {
                    chars.next();
                    value.push('"');
                    continue;
                }
                if value.is_empty() {
                    return Err("empty quoted identifier".into());
                }
                return Ok((value, &rest[i + 1..]));
            }
            value.push(c);
        }
        return Err("unterminated quoted identifier".into());
    }
    let end = text
        .char_indices()
        .find(|&(i, c)| !(c.is_alphanumeric() || c == '_' || (i > 0 && c == '$') || !c.is_ascii()))
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let word = &text[..end];
    if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("`{text}` is not an identifier"));
    }
    Ok((word.to_lowercase(), &text[end..]))
}

/// The value of a literal whose opening quote is already consumed, and the rest.
fn literal(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if matches!(chars.peek(), Some((_, '\''))) {
                chars.next();
                value.push('\'');
                continue;
            }
            return Some((value, &text[i + 1..]));
        }
        value.push(c);
    }
    None
}

#[cfg(test)]
#[path = "annotations_tests.rs"]
mod tests;
