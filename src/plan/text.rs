//! Small readers of the canonical text PostgreSQL prints (`pg_get_expr`,
//! `pg_get_constraintdef`, `pg_get_indexdef`): just enough to find the sequences a default
//! calls, the columns a key names and the functions an expression calls.

use crate::catalog::{Ident, QualName};

/// Sequences named by `nextval('public.s'::regclass)` calls in an expression.
pub(crate) fn nextval_refs(expr: &str) -> Vec<QualName> {
    let mut out = Vec::new();
    let mut rest = expr;
    while let Some(at) = rest.find("nextval('") {
        rest = &rest[at + "nextval('".len()..];
        let Some((literal, after)) = read_literal_body(rest) else {
            break;
        };
        rest = after;
        if let Some(name) = QualName::parse(&literal) {
            out.push(name);
        }
    }
    out
}

/// The body of a single-quoted literal whose opening quote was consumed; returns the
/// unescaped text and what follows the closing quote.
fn read_literal_body(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if matches!(chars.peek(), Some((_, '\''))) {
                chars.next();
                out.push('\'');
            } else {
                return Some((out, &s[i + 1..]));
            }
        } else {
            out.push(c);
        }
    }
    None
}

/// Read one identifier (quoted or plain) at the start of `s`; returns it and the rest.
pub(crate) fn read_ident(s: &str) -> Option<(String, &str)> {
    if let Some(body) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if matches!(chars.peek(), Some((_, '"'))) {
                    chars.next();
                    out.push('"');
                } else {
                    return Some((out, &body[i + 1..]));
                }
            } else {
                out.push(c);
            }
        }
        None
    } else {
        let end = s
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(s.len());
        (end > 0).then(|| (s[..end].to_string(), &s[end..]))
    }
}

/// `(a, "B", c)` at the start of `s` (after the opening parenthesis was consumed): the
/// identifiers and the rest after `)`. None when an item is not a plain identifier.
pub(crate) fn read_ident_list(mut s: &str) -> Option<(Vec<Ident>, &str)> {
    let mut out = Vec::new();
    loop {
        let (id, rest) = read_ident(s)?;
        out.push(Ident(id));
        s = rest;
        if let Some(rest) = s.strip_prefix(", ") {
            s = rest;
        } else if let Some(rest) = s.strip_prefix(')') {
            return Some((out, rest));
        } else {
            return None;
        }
    }
}

/// The referenced columns of `FOREIGN KEY (a) REFERENCES public.t(id, x) ...`.
pub(crate) fn fk_referenced_columns(def: &str) -> Option<Vec<Ident>> {
    let at = def.find(" REFERENCES ")?;
    let mut rest = &def[at + " REFERENCES ".len()..];
    // the qualified table name, then `(`
    loop {
        let (_, after) = read_ident(rest)?;
        rest = after;
        if let Some(after) = rest.strip_prefix('.') {
            rest = after;
        } else {
            break;
        }
    }
    let rest = rest.strip_prefix('(')?;
    read_ident_list(rest).map(|(cols, _)| cols)
}

/// The key columns of `CREATE [UNIQUE] INDEX ON t USING m (a, b DESC, c text_pattern_ops)`,
/// or None when a key is an expression.
pub(crate) fn index_key_columns(def: &str) -> Option<Vec<Ident>> {
    let at = def.find(" USING ")?;
    let rest = &def[at + " USING ".len()..];
    let open = rest.find(" (")?;
    let body = &rest[open + 2..];
    let mut depth = 0usize;
    let mut end = None;
    let mut in_quote = false;
    for (i, c) in body.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            '(' if !in_quote => depth += 1,
            ')' if !in_quote && depth == 0 => {
                end = Some(i);
                break;
            }
            ')' if !in_quote => depth -= 1,
            _ => {}
        }
    }
    let body = &body[..end?];
    let mut cols = Vec::new();
    for item in split_top_level(body) {
        let (id, rest) = read_ident(item.trim())?;
        if rest.starts_with('(') || rest.starts_with('.') {
            return None;
        }
        cols.push(Ident(id));
    }
    Some(cols)
}

fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start, mut in_quote, mut in_lit) = (0usize, 0usize, false, false);
    for (i, c) in s.char_indices() {
        match c {
            '"' if !in_lit => in_quote = !in_quote,
            '\'' if !in_quote => in_lit = !in_lit,
            '(' if !in_quote && !in_lit => depth += 1,
            ')' if !in_quote && !in_lit => depth = depth.saturating_sub(1),
            ',' if depth == 0 && !in_quote && !in_lit => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Words that may follow a type name after `::` (`character varying`, `double precision`,
/// `timestamp with time zone`).
const TYPE_WORDS: &[&str] = &["varying", "precision", "with", "without", "time", "zone"];

/// Names of the functions an expression calls (`now`, `public.f`, `"Odd"`), in order of
/// appearance. String literals, casts and type modifiers are skipped.
pub(crate) fn called_functions(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = expr;
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let c = rest.chars().next().expect("i is a char boundary");
        if c == '\'' {
            let escaped = b[..i].ends_with(['E', 'e']);
            i += 1 + literal_len(&b[i + 1..], escaped);
        } else if rest.starts_with("::") {
            i += 2 + type_name_len(&b[i + 2..]);
        } else if c == '"' || c.is_alphabetic() || c == '_' {
            let (name, len) = qualified_name(rest);
            i += len;
            if b[i..].starts_with('(') {
                out.push(name);
            }
        } else if c.is_ascii_digit() {
            i += rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                .unwrap_or(rest.len());
        } else {
            i += c.len_utf8();
        }
    }
    out
}

/// Length of a literal body plus its closing quote.
fn literal_len(s: &str, backslash_escapes: bool) -> usize {
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if backslash_escapes => {
                chars.next();
            }
            '\'' => {
                if matches!(chars.peek(), Some((_, '\''))) {
                    chars.next();
                } else {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    s.len()
}

/// A possibly qualified name at the start of `s`, as written (quotes kept), and its length.
fn qualified_name(s: &str) -> (String, usize) {
    let mut len = 0;
    loop {
        let part = &s[len..];
        let n = if part.starts_with('"') {
            match read_ident(part) {
                Some((_, rest)) => part.len() - rest.len(),
                None => part.len(),
            }
        } else {
            part.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(part.len())
        };
        len += n;
        if n > 0 && s[len..].starts_with('.') && !s[len..].starts_with("..") {
            len += 1;
            continue;
        }
        return (s[..len].to_string(), len);
    }
}

/// Length of a type name after `::`: the name, a type modifier, trailing type words and
/// array brackets.
fn type_name_len(s: &str) -> usize {
    let (_, mut len) = qualified_name(s);
    loop {
        let rest = &s[len..];
        if rest.starts_with('(') {
            len += rest.find(')').map_or(rest.len(), |p| p + 1);
        } else if rest.starts_with("[]") {
            len += 2;
        } else if let Some(word) = rest.strip_prefix(' ').and_then(|r| {
            TYPE_WORDS.iter().find(|w| {
                r.starts_with(*w)
                    && !r[w.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
            })
        }) {
            len += 1 + word.len();
        } else {
            return len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sequences_in_defaults() {
        assert_eq!(
            nextval_refs("nextval('public.\"Odd''s\"'::regclass)"),
            vec![QualName::new("public", "Odd's")]
        );
        assert!(nextval_refs("0").is_empty());
    }

    #[test]
    fn reads_referenced_and_index_columns() {
        assert_eq!(
            fk_referenced_columns(
                "FOREIGN KEY (a, b) REFERENCES public.\"T(x)\"(id, \"Key\") ON DELETE CASCADE"
            ),
            Some(vec![Ident::from("id"), Ident::from("Key")])
        );
        assert_eq!(
            index_key_columns("CREATE UNIQUE INDEX ON public.t USING btree (a, \"B\" DESC, c text_pattern_ops) INCLUDE (d) WHERE (a > 0)"),
            Some(vec![Ident::from("a"), Ident::from("B"), Ident::from("c")])
        );
        assert_eq!(
            index_key_columns("CREATE INDEX ON public.t USING btree (lower(a))"),
            None
        );
    }

    #[test]
    fn lists_called_functions_skipping_casts_and_literals() {
        assert_eq!(
            called_functions("'now()'::character varying(10)"),
            Vec::<String>::new()
        );
        assert_eq!(called_functions("(now() + '1 day'::interval)"), ["now"]);
        assert_eq!(
            called_functions("nextval('public.s'::regclass)"),
            ["nextval"]
        );
        assert_eq!(
            called_functions("'x'::timestamp(3) with time zone"),
            Vec::<String>::new()
        );
        assert_eq!(
            called_functions("public.\"Gen\"(1, E'it\\'s(')"),
            ["public.\"Gen\""]
        );
        assert_eq!(called_functions("ARRAY[]::text[]"), Vec::<String>::new());
        assert_eq!(called_functions("CURRENT_TIMESTAMP"), Vec::<String>::new());
    }
}
