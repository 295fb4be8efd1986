//! A CHECK constraint that implies a partition bound, so that `ATTACH PARTITION` need not
//! read the table under ACCESS EXCLUSIVE: the CHECK is added `NOT VALID` and validated
//! (which reads the table but lets reads and writes go on), the attach finds the bound
//! implied by it and skips its scan, and the CHECK is dropped afterwards. This is the
//! procedure the PostgreSQL documentation recommends for attaching a loaded table.
//!
//! Only the forms whose constraint PostgreSQL proves from such a CHECK are handled: a key
//! that is one plain column, RANGE bounds without MINVALUE / MAXVALUE, LIST bounds without
//! NULL. Anything else (expressions, several columns, HASH, DEFAULT) is attached with its
//! scan.

use crate::catalog::Ident;

/// The method and the single column of a partition key printed by `pg_get_partkeydef`
/// (`RANGE (at)`, `LIST ("Region")`); None for anything else.
fn simple_key(key: &str) -> Option<(&str, Ident)> {
    let (method, rest) = key.split_once(' ')?;
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    let (column, tail) = read_ident(inner)?;
    tail.is_empty().then_some((method, Ident(column)))
}

/// An identifier as PostgreSQL prints it: quoted (`"A ""b"""`) or plain lower case.
fn read_ident(s: &str) -> Option<(String, &str)> {
    if let Some(body) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c != '"' {
                out.push(c);
            } else if matches!(chars.peek(), Some((_, '"'))) {
                chars.next();
                out.push('"');
            } else {
                return Some((out, &body[i + 1..]));
            }
        }
        return None;
    }
    let end = s
        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$'))
        .unwrap_or(s.len());
    let first = s.chars().next()?;
    (end > 0 && (first.is_ascii_lowercase() || first == '_'))
        .then(|| (s[..end].to_string(), &s[end..]))
}

/// The items of a parenthesized list at the start of `s` (after its `(`), split at
/// top-level commas outside quotes, and the rest after the closing `)`.
fn list(s: &str) -> Option<(Vec<&str>, &str)> {
    let (mut depth, mut quote, mut start) = (0usize, false, 0usize);
    let mut items = Vec::new();
    for (i, c) in s.char_indices() {
        match c {
            '\'' => quote = !quote,
            '(' if !quote => depth += 1,
            ')' if !quote && depth > 0 => depth -= 1,
            ')' if !quote => {
                items.push(s[start..i].trim());
                return Some((items, &s[i + 1..]));
            }
            ',' if !quote && depth == 0 => {
                items.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    None
}

/// The expression of a CHECK constraint that implies `bound` for a partition keyed by
/// `key`, or None when the bound has no such simple form.
///
/// ```sql
/// ((k IS NOT NULL) AND (k >= lo) AND (k < hi))   -- FOR VALUES FROM (lo) TO (hi)
/// ((k IS NOT NULL) AND (k IN (a, b)))            -- FOR VALUES IN (a, b)
/// ```
pub(crate) fn implied_check(key: &str, bound: &str) -> Option<String> {
    let (method, column) = simple_key(key)?;
    match method {
        "RANGE" => {
            let rest = bound.strip_prefix("FOR VALUES FROM (")?;
            let (from, rest) = list(rest)?;
            let (to, rest) = list(rest.strip_prefix(" TO (")?)?;
            let (&[lo], &[hi], "") = (from.as_slice(), to.as_slice(), rest) else {
                return None;
            };
            let unbounded = |v: &str| v == "MINVALUE" || v == "MAXVALUE";
            if unbounded(lo) || unbounded(hi) {
                return None;
            }
            Some(format!(
                "(({column} IS NOT NULL) AND ({column} >= {lo}) AND ({column} < {hi}))"
            ))
        }
        "LIST" => {
            let (values, rest) = list(bound.strip_prefix("FOR VALUES IN (")?)?;
            if !rest.is_empty() || values.is_empty() || values.contains(&"NULL") {
                return None;
            }
            Some(format!(
                "(({column} IS NOT NULL) AND ({column} IN ({})))",
                values.join(", ")
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_and_list_bounds_of_one_column() {
        assert_eq!(
            implied_check(
                "RANGE (earned_at)",
                "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00')"
            )
            .as_deref(),
            Some(
                "((earned_at IS NOT NULL) AND (earned_at >= '2024-01-01 00:00:00+00') \
                 AND (earned_at < '2024-02-01 00:00:00+00'))"
            )
        );
        assert_eq!(
            implied_check("RANGE (\"N\")", "FOR VALUES FROM (1) TO (10)").as_deref(),
            Some("((\"N\" IS NOT NULL) AND (\"N\" >= 1) AND (\"N\" < 10))")
        );
        assert_eq!(
            implied_check("LIST (region)", "FOR VALUES IN ('RS', 'a''b, c')").as_deref(),
            Some("((region IS NOT NULL) AND (region IN ('RS', 'a''b, c')))")
        );
    }

    #[test]
    fn other_forms_are_attached_with_their_scan() {
        for (key, bound) in [
            ("RANGE (a, b)", "FOR VALUES FROM (1, 2) TO (3, 4)"),
            ("RANGE (a)", "FOR VALUES FROM (MINVALUE) TO (10)"),
            ("RANGE (lower(a))", "FOR VALUES FROM ('a') TO ('b')"),
            ("RANGE (a COLLATE \"C\")", "FOR VALUES FROM ('a') TO ('b')"),
            (
                "RANGE (a text_pattern_ops)",
                "FOR VALUES FROM ('a') TO ('b')",
            ),
            ("LIST (a)", "FOR VALUES IN (NULL, 'x')"),
            ("LIST (a)", "DEFAULT"),
            ("HASH (a)", "FOR VALUES WITH (modulus 4, remainder 0)"),
        ] {
            assert_eq!(implied_check(key, bound), None, "{key} {bound}");
        }
    }
}
