//! Renames inside the canonical text PostgreSQL prints (`pg_get_constraintdef`,
//! `pg_get_indexdef`, `pg_get_viewdef`, `format_type`, `pg_get_expr`, read with
//! `search_path = pg_catalog`, so relations and types are always schema-qualified). After a
//! rename PostgreSQL prints the new name in all of them; these rewrites make the live
//! catalog read as it will after the rename, so that the diff sees only what else changed.

use crate::catalog::{quote_literal, Ident, QualName};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An identifier's value (unquoted ones as written: canonical text is already folded).
    Ident(String),
    /// A string literal's value.
    Str(String),
    /// `.`, `(`, `)`, `,`, `[`, `]`, or `::` (as ':').
    Punct(char),
    Other,
}

/// Tokens with their byte ranges; comments, dollar-quoted bodies and numbers are `Other`.
fn tokens(text: &str) -> Vec<(Tok, std::ops::Range<usize>)> {
    let b = text.as_bytes();
    let n = b.len();
    let mut out = Vec::new();
    let mut i = 0;
    let word_start = |c: u8| c.is_ascii_alphabetic() || c == b'_' || c >= 0x80;
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
    while i < n {
        let c = b[i];
        let s = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < n && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i = text[i + 2..].find("*/").map(|p| i + 2 + p + 2).unwrap_or(n);
            continue;
        }
        if c == b'\'' || ((c == b'E' || c == b'e') && b.get(i + 1) == Some(&b'\'')) {
            let escapes = c != b'\'';
            i += if escapes { 2 } else { 1 };
            let mut value = String::new();
            let mut from = i;
            while i < n {
                if escapes && b[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if b[i] == b'\'' {
                    value.push_str(&text[from..i]);
                    if b.get(i + 1) == Some(&b'\'') {
                        value.push('\'');
                        i += 2;
                        from = i;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
            let i_end = i.min(n);
            out.push((if escapes { Tok::Other } else { Tok::Str(value) }, s..i_end));
            continue;
        }
        if c == b'"' {
            i += 1;
            let mut value = String::new();
            let mut from = i;
            while i < n {
                if b[i] == b'"' {
                    value.push_str(&text[from..i]);
                    if b.get(i + 1) == Some(&b'"') {
                        value.push('"');
                        i += 2;
                        from = i;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
            out.push((Tok::Ident(value), s..i.min(n)));
            continue;
        }
        if c == b'$' {
            let tag_end = text[i + 1..]
                .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                .map(|p| i + 1 + p);
            if let Some(te) = tag_end.filter(|&te| b[te] == b'$') {
                let tag = &text[i..=te];
                let body_end = text[te + 1..]
                    .find(tag)
                    .map(|p| te + 1 + p + tag.len())
                    .unwrap_or(n);
                out.push((Tok::Other, s..body_end));
                i = body_end;
                continue;
            }
        }
        if word_start(c) {
            while i < n && word(b[i]) {
                i += 1;
            }
            out.push((Tok::Ident(text[s..i].to_string()), s..i));
            continue;
        }
        if c.is_ascii_digit() {
            while i < n && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
            out.push((Tok::Other, s..i));
            continue;
        }
        if c == b':' && b.get(i + 1) == Some(&b':') {
            out.push((Tok::Punct(':'), s..i + 2));
            i += 2;
            continue;
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        i += ch.len_utf8();
        let tok = if matches!(ch, '.' | '(' | ')' | ',' | '[' | ']') {
            Tok::Punct(ch)
        } else {
            Tok::Other
        };
        out.push((tok, s..i));
    }
    out
}

/// Replace byte ranges of `text` (sorted, disjoint).
fn splice(text: &str, edits: Vec<(std::ops::Range<usize>, String)>) -> String {
    if edits.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for (r, s) in edits {
        out.push_str(&text[at..r.start]);
        out.push_str(&s);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

fn is_ident(t: Option<&(Tok, std::ops::Range<usize>)>, v: &str) -> bool {
    matches!(t, Some((Tok::Ident(x), _)) if x == v)
}

fn is_punct(t: Option<&(Tok, std::ops::Range<usize>)>, c: char) -> bool {
    matches!(t, Some((Tok::Punct(x), _)) if *x == c)
}

/// `schema.old` → `schema.new` wherever the qualified name appears.
pub(crate) fn qualified(text: &str, from: &QualName, to: &Ident) -> String {
    if !text.contains(from.name.as_str()) {
        return text.to_string();
    }
    let toks = tokens(text);
    let mut edits = Vec::new();
    for i in 2..toks.len() {
        if is_ident(toks.get(i), from.name.as_str())
            && is_punct(toks.get(i - 1), '.')
            && is_ident(toks.get(i - 2), from.schema.as_str())
            && !is_punct(toks.get(i + 1), '.')
        {
            edits.push((toks[i].1.clone(), to.to_string()));
        }
    }
    splice(text, edits)
}

/// A bare column reference `old` → `new`: not qualified (`x.old`), not a qualifier
/// (`old.x`), not a function name (`old(`), not a type (`::old`). For the text of one
/// table's own expressions (checks, index keys, generated columns).
pub(crate) fn column(text: &str, from: &Ident, to: &Ident) -> String {
    if !text.contains(from.as_str()) {
        return text.to_string();
    }
    let toks = tokens(text);
    let edits = toks
        .iter()
        .enumerate()
        .filter(|(i, (t, _))| {
            matches!(t, Tok::Ident(v) if v == from.as_str())
                && !(*i > 0 && (is_punct(toks.get(i - 1), '.') || is_punct(toks.get(i - 1), ':')))
                && !is_punct(toks.get(i + 1), '.')
                && !is_punct(toks.get(i + 1), '(')
        })
        .map(|(_, (_, r))| (r.clone(), to.to_string()))
        .collect();
    splice(text, edits)
}

/// A foreign key's definition (`FOREIGN KEY (a) REFERENCES s.t(b) ...`): rename a column
/// of its own table (before `REFERENCES`) or of the referenced table (inside the
/// parentheses after it).
pub(crate) fn foreign_key_column(text: &str, own: bool, from: &Ident, to: &Ident) -> String {
    let Some(split) = text.find(" REFERENCES ") else {
        return text.to_string();
    };
    let (head, tail) = text.split_at(split);
    if own {
        return format!("{}{tail}", column(head, from, to));
    }
    let Some(open) = tail.find('(') else {
        return text.to_string();
    };
    let close = tail[open..]
        .find(')')
        .map(|c| open + c + 1)
        .unwrap_or(tail.len());
    format!(
        "{head}{}{}{}",
        &tail[..open],
        column(&tail[open..close], from, to),
        &tail[close..]
    )
}

/// A trigger's definition (`pg_get_triggerdef`): the column in `UPDATE OF a, b` and as
/// `new.a` / `old.a` in its `WHEN` condition.
pub(crate) fn trigger_column(text: &str, from: &Ident, to: &Ident) -> String {
    if !text.contains(from.as_str()) {
        return text.to_string();
    }
    let toks = tokens(text);
    let mut edits = Vec::new();
    let mut in_update_of = false;
    for i in 0..toks.len() {
        if is_ident(toks.get(i), "OF") && is_ident(toks.get(i.wrapping_sub(1)), "UPDATE") {
            in_update_of = true;
            continue;
        }
        if is_ident(toks.get(i), "ON") {
            in_update_of = false;
        }
        if !is_ident(toks.get(i), from.as_str()) {
            continue;
        }
        let listed =
            in_update_of && (is_ident(toks.get(i - 1), "OF") || is_punct(toks.get(i - 1), ','));
        let row = i >= 2
            && is_punct(toks.get(i - 1), '.')
            && (is_ident(toks.get(i - 2), "new") || is_ident(toks.get(i - 2), "old"))
            && !is_punct(toks.get(i + 1), '.');
        if listed || row {
            edits.push((toks[i].1.clone(), to.to_string()));
        }
    }
    splice(text, edits)
}

/// `'old'::schema.type` → `'new'::schema.type` (a label of an enum in an expression).
pub(crate) fn label(text: &str, ty: &QualName, from: &str, to: &str) -> String {
    if !text.contains(ty.name.as_str()) {
        return text.to_string();
    }
    let toks = tokens(text);
    let mut edits = Vec::new();
    for i in 0..toks.len() {
        if matches!(&toks[i].0, Tok::Str(v) if v == from)
            && is_punct(toks.get(i + 1), ':')
            && is_ident(toks.get(i + 2), ty.schema.as_str())
            && is_punct(toks.get(i + 3), '.')
            && is_ident(toks.get(i + 4), ty.name.as_str())
        {
            edits.push((toks[i].1.clone(), quote_literal(to)));
        }
    }
    splice(text, edits)
}

/// `'s.old'::regclass` → `'s.new'::regclass` (a sequence in `nextval(...)`).
pub(crate) fn regclass(text: &str, from: &QualName, to: &QualName) -> String {
    if !text.contains("regclass") {
        return text.to_string();
    }
    let toks = tokens(text);
    let mut edits = Vec::new();
    for i in 0..toks.len() {
        if matches!(&toks[i].0, Tok::Str(v) if QualName::parse(v).as_ref() == Some(from))
            && is_punct(toks.get(i + 1), ':')
            && is_ident(toks.get(i + 2), "regclass")
        {
            edits.push((toks[i].1.clone(), quote_literal(&to.to_string())));
        }
    }
    splice(text, edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names_only() {
        let from = QualName::new("public", "mood");
        let to = Ident::new("Feeling");
        assert_eq!(
            qualified("'ok'::public.mood", &from, &to),
            "'ok'::public.\"Feeling\""
        );
        assert_eq!(
            qualified("public.mood[]", &from, &to),
            "public.\"Feeling\"[]"
        );
        assert_eq!(
            qualified("mood, other.mood, public.mood.x, 'public.mood'", &from, &to),
            "mood, other.mood, public.mood.x, 'public.mood'"
        );
    }

    #[test]
    fn bare_columns_only() {
        let (a, b) = (Ident::new("qty"), Ident::new("quantity"));
        assert_eq!(
            column(
                "CHECK ((qty > 0) AND (t.qty < 9) AND qty(1) AND 'qty' <> x::qty)",
                &a,
                &b
            ),
            "CHECK ((quantity > 0) AND (t.qty < 9) AND qty(1) AND 'qty' <> x::qty)"
        );
        assert_eq!(
            column(
                "CREATE INDEX ON public.qty USING btree (qty) WHERE (qty IS NOT NULL)",
                &a,
                &b
            ),
            "CREATE INDEX ON public.qty USING btree (quantity) WHERE (quantity IS NOT NULL)"
        );
    }

    #[test]
    fn foreign_key_sides() {
        let (a, b) = (Ident::new("id"), Ident::new("key"));
        let fk = "FOREIGN KEY (id) REFERENCES public.t(id) ON DELETE CASCADE";
        assert_eq!(
            foreign_key_column(fk, true, &a, &b),
            "FOREIGN KEY (key) REFERENCES public.t(id) ON DELETE CASCADE"
        );
        assert_eq!(
            foreign_key_column(fk, false, &a, &b),
            "FOREIGN KEY (id) REFERENCES public.t(key) ON DELETE CASCADE"
        );
    }

    #[test]
    fn trigger_columns() {
        let (a, b) = (Ident::new("status"), Ident::new("state"));
        assert_eq!(
            trigger_column(
                "CREATE TRIGGER status AFTER UPDATE OF name, status ON public.t FOR EACH ROW WHEN ((old.status IS DISTINCT FROM new.status)) EXECUTE FUNCTION public.status()",
                &a,
                &b
            ),
            "CREATE TRIGGER status AFTER UPDATE OF name, state ON public.t FOR EACH ROW WHEN ((old.state IS DISTINCT FROM new.state)) EXECUTE FUNCTION public.status()"
        );
    }

    #[test]
    fn sequences_in_nextval() {
        let (a, b) = (
            QualName::new("public", "t_id_seq"),
            QualName::new("public", "u_id_seq"),
        );
        assert_eq!(
            regclass("nextval('public.t_id_seq'::regclass)", &a, &b),
            "nextval('public.u_id_seq'::regclass)"
        );
    }

    #[test]
    fn labels_of_the_type() {
        let ty = QualName::new("public", "mood");
        assert_eq!(
            label(
                "('sad'::public.mood = c) OR ('sad'::text = d)",
                &ty,
                "sad",
                "it's bad"
            ),
            "('it''s bad'::public.mood = c) OR ('sad'::text = d)"
        );
    }
}
