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

/// Sequence options in the order `CREATE SEQUENCE` documents them:
/// `INCREMENT BY i MINVALUE m MAXVALUE M START WITH s CACHE c [NO] CYCLE`.
pub(crate) fn sequence_options(
    increment: i64,
    min: i64,
    max: i64,
    start: i64,
    cache: i64,
    cycle: bool,
) -> String {
    format!(
        "INCREMENT BY {increment} MINVALUE {min} MAXVALUE {max} START WITH {start} CACHE {cache} {}",
        if cycle { "CYCLE" } else { "NO CYCLE" }
    )
}

/// `GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY (options)`.
pub(crate) fn identity_clause(id: &Identity) -> String {
    format!(
        "GENERATED {} AS IDENTITY ({})",
        generated_when(id.always),
        sequence_options(
            id.increment,
            id.min_value,
            id.max_value,
            id.start,
            id.cache,
            id.cycle
        )
    )
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
        s.push_str(&identity_clause(id));
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
