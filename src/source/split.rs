//! Splitting a file into statements on top-level `;`, with byte spans into the file.
//!
//! The primary splitter is sqlparser's PostgreSQL tokenizer, so dollar quotes, strings,
//! `E''` strings, quoted identifiers and nested comments are read as PostgreSQL reads them.
//! Like psql, a `;` inside parentheses or inside the `BEGIN ... END` body of a
//! `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (SQL-standard bodies) does not end a statement.
//!
//! The tokenizer rejects a few literals PostgreSQL accepts (e.g. `E'\xZZ'`). When it fails
//! on a file, the file is split by [`scan`], a small scanner that knows only what splitting
//! needs (quotes, comments, dollar quotes, parentheses, words), and each statement is
//! tokenized on its own; a statement that still does not tokenize is kept as text and
//! classified from its first words.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};
use std::ops::Range;

/// A statement found in a file: its span and its non-trivia tokens (when it tokenizes).
pub(crate) struct Piece {
    pub span: Range<usize>,
    pub tokens: Option<Vec<TokenWithSpan>>,
}

/// Why a file cannot be split, at a byte range of the file.
#[derive(Debug)]
pub(crate) enum SplitError {
    Unterminated {
        what: &'static str,
        at: Range<usize>,
    },
    MetaCommand {
        command: String,
        at: Range<usize>,
    },
}

/// Split `text` into statements. Empty statements (`;;`, comments only) are skipped.
pub(crate) fn split(text: &str) -> Result<Vec<Piece>, SplitError> {
    let dialect = PostgreSqlDialect {};
    match Tokenizer::new(&dialect, text).tokenize_with_location() {
        Ok(tokens) => Ok(split_tokens(text, tokens)?),
        Err(_) => {
            let spans = scan(text)?;
            Ok(spans
                .into_iter()
                .map(|span| {
                    let tokens = tokenize_piece(&text[span.clone()]);
                    Piece { span, tokens }
                })
                .collect())
        }
    }
}

/// Tokenize one statement's text on its own, dropping trivia.
pub(crate) fn tokenize_piece(sql: &str) -> Option<Vec<TokenWithSpan>> {
    let dialect = PostgreSqlDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .ok()?;
    Some(
        tokens
            .into_iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .collect(),
    )
}

/// psql's heuristic for SQL-standard function bodies: inside a statement that starts with
/// `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, `BEGIN` (and `CASE` within it) open a block that
/// `END` closes, and `;` inside a block does not end the statement.
#[derive(Default)]
struct BodyDepth {
    firsts: [u8; 4],
    count: usize,
    depth: usize,
}

impl BodyDepth {
    fn word(&mut self, word: &str, paren: usize) {
        let lower = word.to_ascii_lowercase();
        if self.count < 4
            && matches!(
                lower.as_str(),
                "create" | "function" | "procedure" | "or" | "replace"
            )
        {
            self.firsts[self.count] = lower.as_bytes()[0];
        }
        self.count += 1;
        let f = self.firsts;
        let routine = f[0] == b'c'
            && (f[1] == b'f'
                || f[1] == b'p'
                || (f[1] == b'o' && f[2] == b'r' && (f[3] == b'f' || f[3] == b'p')));
        if routine && paren == 0 {
            match lower.as_str() {
                "begin" => self.depth += 1,
                "case" if self.depth >= 1 => self.depth += 1,
                "end" => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
    }
}

fn split_tokens(text: &str, tokens: Vec<TokenWithSpan>) -> Result<Vec<Piece>, SplitError> {
    let mut locator = Locator::new(text);
    let mut pieces = Vec::new();
    let mut cur: Vec<TokenWithSpan> = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0usize;
    let mut paren = 0usize;
    let mut body = BodyDepth::default();
    for t in tokens {
        match &t.token {
            Token::Whitespace(_) => continue,
            Token::SemiColon if paren == 0 && body.depth == 0 => {
                if let Some(s) = start.take() {
                    pieces.push(Piece {
                        span: s..end,
                        tokens: Some(std::mem::take(&mut cur)),
                    });
                }
                cur.clear();
                body = BodyDepth::default();
                continue;
            }
            Token::Backslash => {
                let at = locator.byte(t.span.start);
                return Err(meta_command(text, at));
            }
            Token::LParen => paren += 1,
            Token::RParen => paren = paren.saturating_sub(1),
            Token::Word(w) if w.quote_style.is_none() => body.word(&w.value, paren),
            _ => {}
        }
        let s = locator.byte(t.span.start);
        if start.is_none() {
            start = Some(s);
        }
        end = locator.byte(t.span.end);
        cur.push(t);
    }
    if let Some(s) = start {
        pieces.push(Piece {
            span: s..end,
            tokens: Some(cur),
        });
    }
    Ok(pieces)
}

fn meta_command(text: &str, at: usize) -> SplitError {
    let len = text[at..]
        .find(char::is_whitespace)
        .unwrap_or(text.len() - at);
    SplitError::MetaCommand {
        command: text[at..at + len].to_string(),
        at: at..at + len,
    }
}

/// Converts the tokenizer's line/column locations (1-based, columns in characters) to byte
/// offsets. Locations must be asked for in non-decreasing order; the walk is linear.
pub(crate) struct Locator<'a> {
    text: &'a str,
    line: u64,
    col: u64,
    byte: usize,
}

impl<'a> Locator<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Locator {
            text,
            line: 1,
            col: 1,
            byte: 0,
        }
    }

    pub(crate) fn byte(&mut self, loc: Location) -> usize {
        let bytes = self.text.as_bytes();
        while self.line < loc.line && self.byte < bytes.len() {
            match memchr_newline(&bytes[self.byte..]) {
                Some(i) => {
                    self.byte += i + 1;
                    self.line += 1;
                    self.col = 1;
                }
                None => {
                    self.byte = bytes.len();
                    break;
                }
            }
        }
        let mut chars = self.text[self.byte..].chars();
        while self.col < loc.column {
            match chars.next() {
                Some(c) => {
                    self.byte += c.len_utf8();
                    self.col += 1;
                }
                None => break,
            }
        }
        self.byte
    }
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// The fallback splitter: spans of statements, knowing only quotes, comments, dollar
/// quotes, parentheses and words.
pub(crate) fn scan(text: &str) -> Result<Vec<Range<usize>>, SplitError> {
    let b = text.as_bytes();
    let n = b.len();
    let mut i = 0;
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    let mut paren = 0usize;
    let mut body = BodyDepth::default();
    let is_word_start = |c: u8| c.is_ascii_alphabetic() || c == b'_' || c >= 0x80;
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
    while i < n {
        let c = b[i];
        let tok_start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0c => {
                i += 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < n && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 1;
                i += 2;
                while depth > 0 {
                    if i + 1 >= n {
                        return Err(unterminated("comment", tok_start, text));
                    }
                    if b[i] == b'/' && b[i + 1] == b'*' {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b[i + 1] == b'/' {
                        depth -= 1;
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b';' if paren == 0 && body.depth == 0 => {
                if let Some(s) = start.take() {
                    out.push(s..end);
                }
                body = BodyDepth::default();
                i += 1;
                continue;
            }
            b'\\' => return Err(meta_command(text, i)),
            b'\'' => {
                i = quoted(b, i, b'\'', false).ok_or_else(|| unterminated("string", i, text))?
            }
            b'"' => {
                i = quoted(b, i, b'"', false)
                    .ok_or_else(|| unterminated("quoted identifier", i, text))?
            }
            b'$' => i = dollar(b, i).ok_or_else(|| unterminated("dollar quote", i, text))?,
            b'(' => {
                paren += 1;
                i += 1;
            }
            b')' => {
                paren = paren.saturating_sub(1);
                i += 1;
            }
            c if is_word_start(c) => {
                while i < n && is_word(b[i]) {
                    i += 1;
                }
                let word = &text[tok_start..i];
                if word.eq_ignore_ascii_case("e") && b.get(i) == Some(&b'\'') {
                    i = quoted(b, i, b'\'', true)
                        .ok_or_else(|| unterminated("string", tok_start, text))?;
                } else {
                    body.word(word, paren);
                }
            }
            c if c.is_ascii_digit() => {
                while i < n && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
        if start.is_none() {
            start = Some(tok_start);
        }
        end = i;
    }
    if let Some(s) = start {
        out.push(s..end);
    }
    Ok(out)
}

/// End (exclusive) of a quoted token starting at `i`; the quote doubles to escape itself,
/// and with `backslash` a backslash escapes the next byte.
fn quoted(b: &[u8], i: usize, q: u8, backslash: bool) -> Option<usize> {
    let mut j = i + 1;
    loop {
        let c = *b.get(j)?;
        if backslash && c == b'\\' {
            j += 2;
        } else if c == q {
            if b.get(j + 1) == Some(&q) {
                j += 2;
            } else {
                return Some(j + 1);
            }
        } else {
            j += 1;
        }
    }
}

/// End of a `$tag$ ... $tag$` string or of a `$1` parameter starting at `i`.
fn dollar(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if b.get(j).is_some_and(u8::is_ascii_digit) {
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        return Some(j);
    }
    if b.get(j)
        .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_' || c >= 0x80)
    {
        while b
            .get(j)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80)
        {
            j += 1;
        }
    }
    if b.get(j) != Some(&b'$') {
        return Some(i + 1);
    }
    let tag = &b[i..=j];
    let body = j + 1;
    let close = b[body..].windows(tag.len()).position(|w| w == tag)?;
    Some(body + close + tag.len())
}

fn unterminated(what: &'static str, at: usize, text: &str) -> SplitError {
    let len = text[at..].chars().next().map_or(0, char::len_utf8);
    SplitError::Unterminated {
        what,
        at: at..at + len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        split(sql)
            .unwrap()
            .into_iter()
            .map(|p| &sql[p.span])
            .collect()
    }

    #[test]
    fn splits_on_top_level_semicolons_only() {
        let sql = "/* a /* nested; */ ; */ select 'x;y', E'it\\'s;', \"a;b\";\n\
                   create function f() returns int as $body$ select 1; $body$ language sql;;\n\
                   -- trailing; comment\n";
        assert_eq!(
            texts(sql),
            vec![
                "select 'x;y', E'it\\'s;', \"a;b\"",
                "create function f() returns int as $body$ select 1; $body$ language sql",
            ]
        );
    }

    #[test]
    fn keeps_standard_function_bodies_whole() {
        let sql = "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC \
                   SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END; SELECT 2; END; SELECT 3";
        let got = texts(sql);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with("SELECT 2; END"));
    }

    #[test]
    fn spans_count_characters_not_bytes() {
        let sql = "-- héllo wörld\nselect 'ü';  select 2";
        let got = texts(sql);
        assert_eq!(got, vec!["select 'ü'", "select 2"]);
    }

    #[test]
    fn falls_back_when_the_tokenizer_chokes() {
        let sql = "select E'\\xZZ;'; select 2";
        assert_eq!(texts(sql), vec!["select E'\\xZZ;'", "select 2"]);
        assert_eq!(scan(sql).unwrap().len(), 2);
    }

    #[test]
    fn reports_unterminated_and_meta_commands() {
        match split("select 1;\nselect 'abc") {
            Err(SplitError::Unterminated { what, at }) => {
                assert_eq!(what, "string");
                assert_eq!(at.start, 17);
            }
            other => panic!("{:?}", other.map(|v| v.len())),
        }
        match split("select 1;\n\\i other.sql\n") {
            Err(SplitError::MetaCommand { command, at }) => {
                assert_eq!(command, "\\i");
                assert_eq!(at.start, 10);
            }
            other => panic!("{:?}", other.map(|v| v.len())),
        }
    }
}
