//! Identifiers: the one place where SQL names are quoted.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A PostgreSQL identifier as stored in the catalog (already case-folded, never quoted).
/// `Display` quotes it when PostgreSQL would need quotes to read it back unchanged.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ident(pub String);

impl Ident {
    pub fn new(s: impl Into<String>) -> Self {
        Ident(s.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Always-quoted form, for contexts where a reader must never guess.
    pub fn quoted(&self) -> String {
        quote_always(&self.0)
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_plain(&self.0) {
            return f.write_str(&self.0);
        }
        f.write_str("\"")?;
        for (i, part) in self.0.split('"').enumerate() {
            if i > 0 {
                f.write_str("\"\"")?;
            }
            f.write_str(part)?;
        }
        f.write_str("\"")
    }
}

impl From<&str> for Ident {
    fn from(s: &str) -> Self {
        Ident(s.to_string())
    }
}

/// A schema-qualified name: `schema.name`, the identity of tables, types, sequences, indexes.
/// Serialized as its SQL text (`public."Order"`), which parses back to the same name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QualName {
    pub schema: Ident,
    pub name: Ident,
}

impl QualName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualName {
            schema: Ident(schema.into()),
            name: Ident(name.into()),
        }
    }
}

impl QualName {
    /// Parse `schema.name` where each part is a plain or double-quoted identifier.
    pub fn parse(text: &str) -> Option<QualName> {
        let parts = split_qualified(text)?;
        match parts.as_slice() {
            [schema, name] => Some(QualName {
                schema: Ident(schema.clone()),
                name: Ident(name.clone()),
            }),
            _ => None,
        }
    }
}

/// Split `a."B".c` into its identifiers, unquoting quoted ones (unquoted parts are kept as
/// written: the catalog never holds unfolded names).
pub fn split_qualified(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut cur = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        cur.push('"');
                    }
                    '"' => break,
                    c => cur.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                cur.push(c);
                chars.next();
            }
            if cur.is_empty() {
                return None;
            }
        }
        parts.push(cur);
        match chars.next() {
            None => return Some(parts),
            Some('.') => continue,
            Some(_) => return None,
        }
    }
}

impl Serialize for QualName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for QualName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        QualName::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a qualified name: {text}")))
    }
}

impl fmt::Display for QualName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.schema, f)?;
        f.write_str(".")?;
        fmt::Display::fmt(&self.name, f)
    }
}

/// Quote with double quotes, doubling embedded quotes.
pub fn quote_always(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Quote only when needed (the rule of PostgreSQL's `quote_ident`): lower-case letters,
/// digits and underscores, not starting with a digit, and not a reserved keyword.
pub fn quote_ident(s: &str) -> String {
    if is_plain(s) {
        s.to_string()
    } else {
        quote_always(s)
    }
}

/// True when `s` reads back unchanged without quotes.
fn is_plain(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes
        .first()
        .is_some_and(|&c| c.is_ascii_lowercase() || c == b'_')
        && bytes
            .iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
        && !is_reserved(s)
}

/// A string literal: `'it''s'`, with `E''` never needed because we double quotes only.
pub fn quote_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    if s.contains('\\') {
        // standard_conforming_strings is on in every supported version, but a backslash
        // inside a plain literal still reads literally; keep it plain.
    }
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Keywords that `quote_ident` quotes (reserved, and non-reserved that cannot be a column
/// name or type/function name). Kept to the list PostgreSQL 14–18 reserve.
fn is_reserved(s: &str) -> bool {
    const RESERVED: &[&str] = &[
        "all",
        "analyse",
        "analyze",
        "and",
        "any",
        "array",
        "as",
        "asc",
        "asymmetric",
        "authorization",
        "between",
        "bigint",
        "binary",
        "bit",
        "boolean",
        "both",
        "case",
        "cast",
        "char",
        "character",
        "check",
        "coalesce",
        "collate",
        "collation",
        "column",
        "concurrently",
        "constraint",
        "create",
        "cross",
        "current_catalog",
        "current_date",
        "current_role",
        "current_schema",
        "current_time",
        "current_timestamp",
        "current_user",
        "dec",
        "decimal",
        "default",
        "deferrable",
        "desc",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "exists",
        "extract",
        "false",
        "fetch",
        "float",
        "for",
        "foreign",
        "freeze",
        "from",
        "full",
        "grant",
        "greatest",
        "group",
        "grouping",
        "having",
        "ilike",
        "in",
        "initially",
        "inner",
        "inout",
        "int",
        "integer",
        "intersect",
        "interval",
        "into",
        "is",
        "isnull",
        "join",
        "json",
        "json_array",
        "json_arrayagg",
        "json_exists",
        "json_object",
        "json_objectagg",
        "json_query",
        "json_scalar",
        "json_serialize",
        "json_table",
        "json_value",
        "lateral",
        "leading",
        "least",
        "left",
        "like",
        "limit",
        "localtime",
        "localtimestamp",
        "merge_action",
        "national",
        "natural",
        "nchar",
        "none",
        "normalize",
        "not",
        "notnull",
        "null",
        "nullif",
        "numeric",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "out",
        "outer",
        "overlaps",
        "overlay",
        "placing",
        "position",
        "precision",
        "primary",
        "real",
        "references",
        "returning",
        "right",
        "row",
        "select",
        "session_user",
        "setof",
        "similar",
        "smallint",
        "some",
        "substring",
        "symmetric",
        "system_user",
        "table",
        "tablesample",
        "then",
        "time",
        "timestamp",
        "to",
        "trailing",
        "treat",
        "trim",
        "true",
        "union",
        "unique",
        "user",
        "using",
        "values",
        "varchar",
        "variadic",
        "verbose",
        "when",
        "where",
        "window",
        "with",
        "xmlattributes",
        "xmlconcat",
        "xmlelement",
        "xmlexists",
        "xmlforest",
        "xmlnamespaces",
        "xmlparse",
        "xmlpi",
        "xmlroot",
        "xmlserialize",
        "xmltable",
    ];
    // Byte by byte rather than through `memcmp`: this runs for every identifier printed.
    RESERVED
        .binary_search_by(|w| w.bytes().cmp(s.bytes()))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_list_is_sorted_for_binary_search() {
        // binary_search silently misses on an unsorted list
        assert!(is_reserved("all") && is_reserved("xmltable") && is_reserved("user"));
        assert!(is_reserved("order") && !is_reserved("users"));
    }

    #[test]
    fn quoting_follows_quote_ident() {
        assert_eq!(quote_ident("users"), "users");
        assert_eq!(quote_ident("Users"), "\"Users\"");
        assert_eq!(quote_ident("user"), "\"user\"");
        assert_eq!(quote_ident("1abc"), "\"1abc\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("with space"), "\"with space\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
        for s in [
            "users",
            "Users",
            "user",
            "1abc",
            "a\"b",
            "\"",
            "with space",
            "",
            "é",
        ] {
            assert_eq!(Ident::from(s).to_string(), quote_ident(s), "{s}");
        }
        assert_eq!(
            QualName::new("public", "Order").to_string(),
            "public.\"Order\""
        );
        for (schema, name) in [("public", "Order"), ("a.b", "c\"d"), ("s", "user")] {
            let q = QualName::new(schema, name);
            assert_eq!(QualName::parse(&q.to_string()), Some(q.clone()));
            let json = serde_json::to_string(&q).unwrap();
            assert_eq!(serde_json::from_str::<QualName>(&json).unwrap(), q);
        }
    }
}
