//! Reading back what `pg_get_indexdef` and `pg_get_constraintdef` print: index keys,
//! parenthesized groups, comma lists and identifiers.

use super::de::Spanned;
use super::model::{IndexKey, Nulls, Order};
use crate::catalog::ident::split_qualified;

pub(crate) fn sp(s: &str) -> Spanned<String> {
    Spanned::new(s.to_string())
}

/// An index key as `pg_get_indexdef` prints it: `col`, `col opclass`, `lower(x)`, `(a + b)`,
/// then `COLLATE c`, `DESC`, `NULLS FIRST|LAST`.
pub(crate) fn key(text: &str) -> Option<IndexKey> {
    let mut k = IndexKey::default();
    let mut t = text.trim();
    if let Some(r) = t.strip_suffix(" NULLS FIRST") {
        k.nulls = Some(Nulls::First);
        t = r;
    } else if let Some(r) = t.strip_suffix(" NULLS LAST") {
        k.nulls = Some(Nulls::Last);
        t = r;
    }
    if let Some(r) = t.strip_suffix(" DESC") {
        k.order = Some(Order::Desc);
        t = r;
    } else if let Some(r) = t.strip_suffix(" ASC") {
        k.order = Some(Order::Asc);
        t = r;
    }
    let words = split_words(t);
    let (head, opclass) = match words.as_slice() {
        [one] => (one.as_str(), None),
        [head, op] if single_name(op).is_some() || op.contains('.') => {
            (head.as_str(), Some(op.as_str()))
        }
        _ => (t, None),
    };
    let (head, collation) = match head.rfind(" COLLATE ") {
        Some(at) => (&head[..at], Some(&head[at + " COLLATE ".len()..])),
        None => (head, None),
    };
    if let Some(c) = collation {
        k.collation = Some(sp(&single_name(c)?));
    }
    if let Some(op) = opclass {
        let parts = split_qualified(op)?;
        k.opclass = Some(sp(&parts.join(".")));
    }
    match single_name(head) {
        Some(col) => k.column = Some(sp(&col)),
        None => {
            let expr = unwrap_parens(head).unwrap_or(head);
            k.expression = Some(sp(expr));
        }
    }
    Some(k)
}

/// The value of one identifier written plain or quoted, else `None`.
fn single_name(text: &str) -> Option<String> {
    let parts = split_qualified(text.trim())?;
    let [one] = parts.as_slice() else { return None };
    let plain = one
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    (plain || text.trim().starts_with('"')).then(|| one.clone())
}

/// Comma-separated identifiers.
pub(crate) fn names(text: &str) -> Option<Vec<Spanned<String>>> {
    split_top(text)
        .into_iter()
        .map(|p| single_name(p).map(|n| sp(&n)))
        .collect()
}

/// Words at parenthesis depth 0, outside quotes: `lower(a, b) text_ops` is two words.
fn split_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => depth -= 1,
                ' ' if depth == 0 => {
                    if !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                    continue;
                }
                _ => {}
            },
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Split on commas at depth 0, outside quotes.
pub(crate) fn split_top(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(text[start..i].trim());
                    start = i + 1;
                }
                _ => {}
            },
        }
    }
    out.push(text[start..].trim());
    out
}

/// `(inner) rest` → (`inner`, `rest`), for text starting with `(`.
pub(crate) fn group(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    if !text.starts_with('(') {
        return None;
    }
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some((&text[1..i], &text[i + 1..]));
                    }
                }
                _ => {}
            },
        }
    }
    None
}

/// `(x)` → `x` when the parentheses enclose the whole text.
pub(crate) fn unwrap_parens(text: &str) -> Option<&str> {
    let (inner, rest) = group(text)?;
    rest.trim().is_empty().then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::super::dump::catalog_to_yaml;
    use super::*;
    use crate::catalog::{Catalog, Ident, Table};

    fn k(text: &str) -> (Option<String>, Option<String>, Option<String>, String) {
        let k = key(text).unwrap();
        (
            k.column.map(|c| c.value),
            k.expression.map(|c| c.value),
            k.opclass.map(|c| c.value),
            format!(
                "{:?} {:?} {:?}",
                k.order,
                k.nulls,
                k.collation.map(|c| c.value)
            ),
        )
    }

    #[test]
    fn index_keys_as_pg_get_indexdef_prints_them() {
        assert_eq!(
            k("a"),
            (Some("a".into()), None, None, "None None None".into())
        );
        assert_eq!(
            k("\"Label\" DESC NULLS LAST"),
            (
                Some("Label".into()),
                None,
                None,
                "Some(Desc) Some(Last) None".into()
            )
        );
        assert_eq!(
            k("metadata jsonb_path_ops"),
            (
                Some("metadata".into()),
                None,
                Some("jsonb_path_ops".into()),
                "None None None".into()
            )
        );
        assert_eq!(
            k("lower((title)::text)"),
            (
                None,
                Some("lower((title)::text)".into()),
                None,
                "None None None".into()
            )
        );
        assert_eq!(
            k("(a + b) DESC"),
            (
                None,
                Some("a + b".into()),
                None,
                "Some(Desc) None None".into()
            )
        );
        assert_eq!(
            k("lower(name) public.text_ops"),
            (
                None,
                Some("lower(name)".into()),
                Some("public.text_ops".into()),
                "None None None".into()
            )
        );
        assert_eq!(
            k("name COLLATE \"C\""),
            (
                Some("name".into()),
                None,
                None,
                "None None Some(\"C\")".into()
            )
        );
    }

    #[test]
    fn what_the_format_cannot_say_stays_in_the_rest() {
        let mut c = Catalog::default();
        let name = crate::catalog::QualName::new("public", "t");
        c.schemas.insert(
            Ident::new("public"),
            crate::catalog::Schema {
                name: Ident::new("public"),
                comment: None,
            },
        );
        c.tables.insert(
            name.clone(),
            Table {
                name: name.clone(),
                columns: Vec::new(),
                constraints: Default::default(),
                unlogged: true,
                reloptions: Vec::new(),
                comment: None,
                partition_by: None,
                partition_of: None,
            },
        );
        let d = catalog_to_yaml(&c);
        assert!(d.rest.tables.contains_key(&name));
        assert_eq!(d.files.len(), 1);
        assert!(!d.files[0].1.contains("tables:"), "{}", d.files[0].1);
    }

    #[test]
    fn a_bare_index_predicate_is_written() {
        let c = crate::catalog::builder::CatalogBuilder::new()
            .schema("public")
            .table("public.t", |t| {
                t.column("a", "integer").column("flag", "boolean")
            })
            .index(
                "public.t_flag_idx",
                "public.t",
                "CREATE INDEX ON public.t USING btree (a) WHERE flag",
            )
            .index(
                "public.t_both_idx",
                "public.t",
                "CREATE INDEX ON public.t USING btree (a) WHERE ((a > 0) AND flag)",
            )
            .build();
        let d = catalog_to_yaml(&c);
        assert!(d.rest.tables.is_empty(), "{:?}", d.rest.tables.keys());
        let text = &d.files[0].1;
        assert!(text.contains("where: flag\n"), "{text}");
        assert!(text.contains("where: (a > 0) AND flag\n"), "{text}");
    }
}
