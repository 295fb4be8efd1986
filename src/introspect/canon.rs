//! Canonical expression text where PostgreSQL's own deparse is not a fixed point.
//!
//! PostgreSQL prints some expressions in a form that, executed again, is stored and printed
//! differently. A desired `CHECK (code IN ('a', 'b'))` on a `varchar` column is printed as
//! `((code)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))`;
//! a database built from that text prints
//! `((code)::text = ANY (ARRAY[('a'::character varying)::text, ('b'::character varying)::text]))`,
//! which is stable. Both sides of a diff are rewritten to the stable form, so a database
//! built from either text compares equal, and the SQL a plan emits is already stable.

/// Rewrite every `(ARRAY[lit::t, ...])::u[]` whose elements are all cast string literals
/// into `ARRAY[(lit::t)::u, ...]`.
pub fn expression(text: &str) -> String {
    const OPEN: &str = "(ARRAY[";
    if !text.contains(OPEN) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(pos) = find_outside_quotes(rest, OPEN) {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + OPEN.len()..];
        match rewrite_one(after) {
            Some((replacement, consumed)) => {
                out.push_str(&replacement);
                rest = &after[consumed..];
            }
            None => {
                out.push_str(OPEN);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `s` starts right after `(ARRAY[`. On success returns the replacement and how many bytes
/// of `s` it replaces.
fn rewrite_one(s: &str) -> Option<(String, usize)> {
    let close = matching_bracket(s)?;
    let elements = split_top_level(&s[..close]);
    let tail = &s[close..];
    // `])::type[]` — the array cast must follow immediately.
    let cast = tail.strip_prefix("])::")?;
    let type_end = type_name_end(cast)?;
    let array_type = &cast[..type_end];
    let element_type = array_type.strip_suffix("[]")?;
    if element_type.is_empty() || element_type.ends_with("[]") {
        return None;
    }
    if elements.is_empty() || !elements.iter().all(|e| is_cast_literal(e)) {
        return None;
    }
    let items: Vec<String> = elements
        .iter()
        .map(|e| format!("({})::{element_type}", e.trim()))
        .collect();
    let consumed = close + "])::".len() + type_end;
    Some((format!("ARRAY[{}]", items.join(", ")), consumed))
}

/// A string literal with one cast: `'it''s'::character varying`.
fn is_cast_literal(e: &str) -> bool {
    let e = e.trim();
    let Some(body) = e.strip_prefix('\'') else {
        return false;
    };
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().map(|&(_, n)| n) == Some('\'') {
                chars.next();
                continue;
            }
            let after = &body[i + 1..];
            return after.starts_with("::")
                && !after[2..].is_empty()
                && !after[2..].contains("::")
                && !after[2..].contains('\'');
        }
    }
    false
}

/// Index of the `]` closing the bracket opened just before `s`.
fn matching_bracket(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut quoted = false;
    let mut dquoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '\'' if !dquoted => quoted = !quoted,
            '"' if !quoted => dquoted = !dquoted,
            '[' | '(' if !quoted && !dquoted => depth += 1,
            ']' | ')' if !quoted && !dquoted => {
                if depth == 0 {
                    return (c == ']').then_some(i);
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    None
}

fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quoted = false;
    let mut dquoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '\'' if !dquoted => quoted = !quoted,
            '"' if !quoted => dquoted = !dquoted,
            '(' | '[' if !quoted && !dquoted => depth += 1,
            ')' | ']' if !quoted && !dquoted => depth -= 1,
            ',' if !quoted && !dquoted && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if !s.trim().is_empty() {
        parts.push(&s[start..]);
    }
    parts
}

/// End of an array type name such as `text[]`, `character varying[]`, `public.mood[]`,
/// `"Weird"[]` or `numeric(10,2)[]`: just past its first `[]`.
fn type_name_end(s: &str) -> Option<usize> {
    let end = s.find("[]")? + 2;
    let name = &s[..end - 2];
    let plain = name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | ' ' | '.' | '"' | '(' | ')' | ','));
    (plain && !name.is_empty() && name.matches('(').count() == name.matches(')').count())
        .then_some(end)
}

fn find_outside_quotes(s: &str, pat: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        if c == '\'' {
            quoted = !quoted;
        } else if !quoted && s[i..].starts_with(pat) {
            return Some(i);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::expression;

    #[test]
    fn in_list_on_varchar_reaches_the_fixed_point() {
        assert_eq!(
            expression(
                "CHECK (((b)::text = ANY ((ARRAY['A+'::character varying, 'B-'::character varying])::text[])))"
            ),
            "CHECK (((b)::text = ANY (ARRAY[('A+'::character varying)::text, ('B-'::character varying)::text])))"
        );
    }

    #[test]
    fn stable_forms_are_left_alone() {
        for s in [
            "CHECK (((b)::text = ANY (ARRAY[('A+'::character varying)::text, ('B-'::character varying)::text])))",
            "CHECK ((d = ANY (ARRAY['p'::text, 'q'::text])))",
            "CHECK ((n = ANY (ARRAY[1, 2])))",
            "CHECK ((x = '(ARRAY[''a''::character varying])::text[]'::text))",
            "CHECK (((c)::text = ANY ((ARRAY[lower('x'::text), 'y'::character varying])::text[])))",
        ] {
            assert_eq!(expression(s), s);
        }
    }

    #[test]
    fn quotes_and_multi_word_types_inside_elements() {
        assert_eq!(
            expression("(s = ANY ((ARRAY['it''s'::character varying, 'a,b'::character varying])::text[]))"),
            "(s = ANY (ARRAY[('it''s'::character varying)::text, ('a,b'::character varying)::text]))"
        );
        assert_eq!(
            expression("WHERE ((k)::text = ANY ((ARRAY['x'::bpchar])::character varying[]))"),
            "WHERE ((k)::text = ANY (ARRAY[('x'::bpchar)::character varying]))"
        );
    }
}
