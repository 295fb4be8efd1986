//! What a column change costs: whether `ALTER COLUMN ... TYPE` rewrites the table or can
//! lose data (online-ddl.md C16a/b/c), and whether a new column's default forces a rewrite
//! (C2/C3).

use super::text::called_functions;

/// The effect of `ALTER COLUMN c TYPE new USING c::new` on existing rows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct TypeChange {
    /// Why the table is rewritten, or None when the change is binary-coercible.
    pub rewrite: Option<String>,
    /// Why values can be changed irreversibly (truncated, rounded).
    pub loss: Option<String>,
    /// Why the statement can fail on the rows present.
    pub dependent: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    VarChar(Option<u32>),
    BpChar(Option<u32>),
    Text,
    Numeric(Option<(u32, u32)>),
    VarBit(Option<u32>),
    Int(u8),
    Timestamp(bool),
    Other,
}

fn parse(ty: &str) -> Ty {
    let (base, modifier) = match ty.find('(') {
        Some(open) if !ty.ends_with("[]") => {
            let close = ty[open..].find(')').map(|c| open + c);
            let args = close.map(|c| &ty[open + 1..c]).unwrap_or("");
            let rest = close.map(|c| &ty[c + 1..]).unwrap_or("");
            (format!("{}{}", &ty[..open], rest), Some(args))
        }
        _ => (ty.to_string(), None),
    };
    let one = || modifier.and_then(|m| m.trim().parse::<u32>().ok());
    match base.as_str() {
        "character varying" => Ty::VarChar(one()),
        "character" => Ty::BpChar(one().or(Some(1))),
        "text" => Ty::Text,
        "numeric" => Ty::Numeric(modifier.and_then(|m| {
            let mut parts = m.split(',').map(|p| p.trim().parse::<u32>().ok());
            let p = parts.next().flatten()?;
            let s = parts.next().flatten().unwrap_or(0);
            Some((p, s))
        })),
        "bit varying" => Ty::VarBit(one()),
        "smallint" => Ty::Int(2),
        "integer" => Ty::Int(4),
        "bigint" => Ty::Int(8),
        "timestamp without time zone" => Ty::Timestamp(false),
        "timestamp with time zone" => Ty::Timestamp(true),
        _ => Ty::Other,
    }
}

/// Classify a type change from `from` to `to` (both `format_type` text).
pub(crate) fn classify(from: &str, to: &str) -> TypeChange {
    let rewrite = Some(format!(
        "changing {from} to {to} rewrites the table and its indexes"
    ));
    let cheap = TypeChange::default();
    let truncates = |what: &str| TypeChange {
        rewrite: rewrite.clone(),
        loss: Some(format!("{what} are cut to fit {to}")),
        dependent: None,
    };
    match (parse(from), parse(to)) {
        (Ty::VarChar(Some(n)), Ty::VarChar(Some(m))) if m >= n => cheap,
        (Ty::VarChar(_), Ty::Text) | (Ty::Text, Ty::VarChar(None)) => cheap,
        (Ty::VarChar(Some(_)), Ty::VarChar(None)) => cheap,
        (Ty::VarChar(n) | Ty::BpChar(n), Ty::VarChar(Some(m)) | Ty::BpChar(Some(m)))
            if n.is_some_and(|n| n <= m) =>
        {
            TypeChange {
                rewrite,
                ..TypeChange::default()
            }
        }
        (Ty::VarChar(_) | Ty::Text | Ty::BpChar(_), Ty::VarChar(Some(m)) | Ty::BpChar(Some(m))) => {
            truncates(&format!("values longer than {m} characters"))
        }
        (Ty::VarBit(Some(n)), Ty::VarBit(Some(m))) if m >= n => cheap,
        (Ty::VarBit(_), Ty::VarBit(None)) => cheap,
        (Ty::VarBit(_), Ty::VarBit(Some(m))) => truncates(&format!("bit strings longer than {m} bits")),
        (Ty::Numeric(Some((p, s))), Ty::Numeric(Some((p2, s2)))) => {
            if s2 == s && p2 >= p {
                return cheap;
            }
            TypeChange {
                rewrite,
                loss: (s2 < s).then(|| format!("values are rounded to {s2} decimal places")),
                dependent: (p2.saturating_sub(s2) < p.saturating_sub(s))
                    .then(|| format!("values with more than {} integer digits fail", p2.saturating_sub(s2))),
            }
        }
        (Ty::Numeric(Some(_)), Ty::Numeric(None)) => cheap,
        (Ty::Numeric(None), Ty::Numeric(Some((p, s)))) => TypeChange {
            rewrite,
            loss: Some(format!("values are rounded to {s} decimal places")),
            dependent: Some(format!("values with more than {} integer digits fail", p.saturating_sub(s))),
        },
        (Ty::Int(a), Ty::Int(b)) => TypeChange {
            rewrite,
            loss: None,
            dependent: (b < a).then(|| format!("values outside the range of {to} fail")),
        },
        (Ty::Int(_), Ty::Numeric(None) | Ty::Text | Ty::VarChar(None)) | (_, Ty::Text) => TypeChange {
            rewrite,
            ..TypeChange::default()
        },
        (Ty::Timestamp(a), Ty::Timestamp(b)) if a != b => TypeChange {
            rewrite: Some(format!(
                "changing {from} to {to} rewrites the table unless the session TimeZone is UTC, and rebuilds indexes on the column"
            )),
            ..TypeChange::default()
        },
        _ => TypeChange {
            rewrite,
            loss: None,
            dependent: Some(format!("existing values may not convert to {to}")),
        },
    }
}

/// Functions a column default may call without forcing a table rewrite when the column is
/// added: they are not volatile, so PostgreSQL evaluates them once (the "fast default").
const NON_VOLATILE: &[&str] = &[
    "now",
    "transaction_timestamp",
    "statement_timestamp",
    "current_timestamp",
    "current_time",
    "localtimestamp",
    "localtime",
    "timezone",
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "row",
    "array",
    "cast",
    "extract",
];

/// True when adding a column with this default rewrites the table: any function outside a
/// known non-volatile set is treated as volatile (`nextval`, `gen_random_uuid`,
/// `clock_timestamp`, and any user function).
pub(crate) fn default_is_volatile(expr: &str) -> bool {
    called_functions(expr).iter().any(|f| {
        let name = f.strip_prefix("pg_catalog.").unwrap_or(f);
        !(name.starts_with(|c: char| c.is_alphabetic() || c == '_')
            && NON_VOLATILE.contains(&name.to_ascii_lowercase().as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_coercible_changes_are_cheap() {
        for (a, b) in [
            ("character varying(10)", "character varying(20)"),
            ("character varying(10)", "text"),
            ("character varying(10)", "character varying"),
            ("text", "character varying"),
            ("numeric(10,2)", "numeric(12,2)"),
            ("numeric(10,2)", "numeric"),
            ("bit varying(4)", "bit varying(8)"),
        ] {
            assert_eq!(classify(a, b), TypeChange::default(), "{a} -> {b}");
        }
    }

    #[test]
    fn rewrites_and_data_hazards() {
        let c = classify("integer", "bigint");
        assert!(c.rewrite.is_some() && c.loss.is_none() && c.dependent.is_none());
        let c = classify("bigint", "integer");
        assert!(c.dependent.is_some() && c.loss.is_none());
        let c = classify("character varying(20)", "character varying(10)");
        assert!(c.rewrite.is_some() && c.loss.is_some());
        let c = classify("text", "character varying(5)");
        assert!(c.loss.is_some());
        let c = classify("numeric(10,2)", "numeric(8,1)");
        assert!(c.loss.is_some() && c.dependent.is_some());
        let c = classify("text", "integer");
        assert!(c.rewrite.is_some() && c.dependent.is_some());
        let c = classify("integer", "text");
        assert!(c.rewrite.is_some() && c.dependent.is_none());
        let c = classify("timestamp without time zone", "timestamp with time zone");
        assert!(c.rewrite.unwrap().contains("TimeZone"));
    }

    #[test]
    fn volatile_defaults() {
        for expr in [
            "now()",
            "CURRENT_TIMESTAMP",
            "'x'::text",
            "0",
            "ARRAY[]::text[]",
            "timezone('utc'::text, now())",
            "'{}'::jsonb",
        ] {
            assert!(!default_is_volatile(expr), "{expr}");
        }
        for expr in [
            "nextval('public.s'::regclass)",
            "gen_random_uuid()",
            "clock_timestamp()",
            "public.f()",
            "random()",
        ] {
            assert!(default_is_volatile(expr), "{expr}");
        }
    }
}
