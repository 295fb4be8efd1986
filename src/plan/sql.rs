//! SQL fragments shared by the per-kind planners. Names always go through `Ident` /
//! `QualName` `Display`; text values through `quote_literal`.

use super::build::{unsupported, PlanError};
use crate::catalog::{quote_literal, Column, Ident, Identity, Index};

/// A collation name as the catalog holds it (`C`, `"C"`, `pg_catalog."C"`, `en_US`) in a
/// form PostgreSQL reads back unchanged: bare names are quoted as identifiers.
pub(crate) fn collation(name: &str) -> String {
    if name.contains('"') || name.contains('.') {
        name.to_string()
    } else {
        Ident::from(name).to_string()
    }
}

/// Sequence options in the order `CREATE SEQUENCE` documents them —
/// `INCREMENT BY i MINVALUE m MAXVALUE M START WITH s CACHE c CYCLE` — leaving out each one
/// equal to PostgreSQL's default for `data_type` (so a plain serial prints nothing), which
/// keeps plans short without changing what is created.
pub(crate) fn sequence_options(
    data_type: &str,
    increment: i64,
    min: i64,
    max: i64,
    start: i64,
    cache: i64,
    cycle: bool,
) -> String {
    let type_max = match data_type {
        "smallint" => i16::MAX as i64,
        "integer" => i32::MAX as i64,
        _ => i64::MAX,
    };
    let type_min = -type_max - 1;
    let (default_min, default_max) = if increment > 0 {
        (1, type_max)
    } else {
        (type_min, -1)
    };
    let default_start = if increment > 0 { min } else { max };
    let mut parts = Vec::new();
    if increment != 1 {
        parts.push(format!("INCREMENT BY {increment}"));
    }
    if min != default_min {
        parts.push(format!("MINVALUE {min}"));
    }
    if max != default_max {
        parts.push(format!("MAXVALUE {max}"));
    }
    if start != default_start {
        parts.push(format!("START WITH {start}"));
    }
    if cache != 1 {
        parts.push(format!("CACHE {cache}"));
    }
    if cycle {
        parts.push("CYCLE".into());
    }
    parts.join(" ")
}

/// `GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(options)]`, options as
/// [`sequence_options`] prints them for the column's type.
pub(crate) fn identity_clause(id: &Identity, data_type: &str) -> String {
    let opts = sequence_options(
        data_type,
        id.increment,
        id.min_value,
        id.max_value,
        id.start,
        id.cache,
        id.cycle,
    );
    let head = format!("GENERATED {} AS IDENTITY", generated_when(id.always));
    if opts.is_empty() {
        head
    } else {
        format!("{head} ({opts})")
    }
}

pub(crate) fn generated_when(always: bool) -> &'static str {
    if always {
        "ALWAYS"
    } else {
        "BY DEFAULT"
    }
}

/// A column definition as in `CREATE TABLE` and `ADD COLUMN`:
/// `name type [COLLATE c] [GENERATED … AS IDENTITY (…) | GENERATED ALWAYS AS (expr) STORED]
/// [DEFAULT e] [NOT NULL]`.
pub(crate) fn column_spec(col: &Column) -> String {
    let mut s = format!("{} {}", col.name, col.data_type);
    if let Some(c) = &col.collation {
        s.push_str(&format!(" COLLATE {}", collation(c)));
    }
    if let Some(id) = &col.identity {
        s.push(' ');
        s.push_str(&identity_clause(id, &col.data_type));
    }
    if let Some(expr) = &col.generated {
        s.push_str(&format!(" GENERATED ALWAYS AS ({expr}) STORED"));
    }
    if let Some(d) = &col.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    if col.not_null {
        s.push_str(" NOT NULL");
    }
    s
}

/// `COMMENT ON <target> IS 'text'` or `IS NULL`.
pub(crate) fn comment(target: &str, text: Option<&str>) -> String {
    match text {
        Some(t) => format!("COMMENT ON {target} IS {}", quote_literal(t)),
        None => format!("COMMENT ON {target} IS NULL"),
    }
}

/// `CREATE [UNIQUE] INDEX name ON ...`: the name-less definition with the name put back.
pub(crate) fn create_index(index: &Index, name: &Ident) -> Result<String, PlanError> {
    let def = &index.definition;
    let at = def
        .strip_prefix("CREATE ")
        .and_then(|rest| {
            rest.find("INDEX ")
                .map(|p| "CREATE ".len() + p + "INDEX ".len())
        })
        .ok_or_else(|| {
            unsupported(
                format!("index {}", index.name),
                format!("its definition does not read as CREATE INDEX: {def}"),
                "the catalog should hold pg_get_indexdef text with the name removed",
            )
        })?;
    // `ON ONLY parent` is how PostgreSQL prints an index of a partitioned table; created that
    // way it would stay INVALID and skip the partitions.
    let rest = match def[at..].strip_prefix("ON ONLY ") {
        Some(r) => format!("ON {r}"),
        None => def[at..].to_string(),
    };
    Ok(format!("{}{name} {rest}", &def[..at]))
}

/// `CREATE [UNIQUE] INDEX CONCURRENTLY name ON ...`.
pub(crate) fn create_index_concurrently(index: &Index, name: &Ident) -> Result<String, PlanError> {
    let plain = create_index(index, name)?;
    let at = plain.find("INDEX ").expect("create_index prints INDEX") + "INDEX ".len();
    Ok(format!("{}CONCURRENTLY {}", &plain[..at], &plain[at..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::builder::CatalogBuilder;

    #[test]
    fn fragments() {
        assert_eq!(collation("C"), "\"C\"");
        assert_eq!(collation("pg_catalog.\"C\""), "pg_catalog.\"C\"");
        assert_eq!(
            comment("TABLE public.t", Some("it's")),
            "COMMENT ON TABLE public.t IS 'it''s'"
        );
        let cat = CatalogBuilder::new()
            .index(
                "public.x",
                "public.t",
                "CREATE UNIQUE INDEX ON public.t USING btree (a)",
            )
            .build();
        let ix = cat.indexes.values().next().unwrap();
        assert_eq!(
            create_index(ix, &Ident::from("Odd Name")).unwrap(),
            "CREATE UNIQUE INDEX \"Odd Name\" ON public.t USING btree (a)"
        );
        assert_eq!(
            create_index_concurrently(ix, &Ident::from("INDEX x")).unwrap(),
            "CREATE UNIQUE INDEX CONCURRENTLY \"INDEX x\" ON public.t USING btree (a)"
        );
        let cat = CatalogBuilder::new()
            .index(
                "public.p_a_idx",
                "public.p",
                "CREATE INDEX ON ONLY public.p USING btree (a)",
            )
            .build();
        let ix = cat.indexes.values().next().unwrap();
        assert_eq!(
            create_index(ix, &Ident::from("p_a_idx")).unwrap(),
            "CREATE INDEX p_a_idx ON public.p USING btree (a)",
            "an index of a partitioned table is created on its partitions too"
        );
    }
}

#[cfg(test)]
mod sequence_option_tests {
    use super::sequence_options;

    #[test]
    fn only_options_that_differ_from_the_type_defaults_are_printed() {
        assert_eq!(
            sequence_options("integer", 1, 1, i32::MAX as i64, 1, 1, false),
            ""
        );
        // descending: defaults are MINVALUE = type minimum, MAXVALUE -1, START = MAXVALUE
        assert_eq!(
            sequence_options("smallint", -1, i16::MIN as i64, -1, -1, 1, false),
            "INCREMENT BY -1"
        );
        assert_eq!(
            sequence_options("bigint", -5, -100, -1, -10, 20, true),
            "INCREMENT BY -5 MINVALUE -100 START WITH -10 CACHE 20 CYCLE"
        );
        assert_eq!(
            sequence_options("integer", 10, 1, 999_999, 1000, 5, true),
            "INCREMENT BY 10 MAXVALUE 999999 START WITH 1000 CACHE 5 CYCLE"
        );
    }
}
