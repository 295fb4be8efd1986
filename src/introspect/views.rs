//! Views and materialized views from the rows of `views.sql`.

use super::build::collation;
use super::depends::{Oids, PG_CLASS, PG_TYPE};
use super::queries::{read, Rows};
use super::IntrospectError;
use crate::catalog::{Catalog, Ident, MaterializedView, ObjectId, QualName, View, ViewColumn};

type Oid = u32;

/// `pg_rewrite`'s OID: a view's dependencies are recorded on its `_RETURN` rule.
const PG_REWRITE: Oid = 2618;

/// `pg_get_viewdef` text without the trailing `;` and the leading space it prints.
fn definition(text: &str) -> String {
    text.trim().trim_end_matches(';').trim_end().to_string()
}

/// Add every view and materialized view to `cat`, and map the view's OID, its `_RETURN`
/// rule and its row types to it (before indexes: an index on a materialized view finds its
/// relation through these OIDs).
pub(super) fn build(
    rows: &Rows,
    oids: &mut Oids,
    cat: &mut Catalog,
) -> Result<(), IntrospectError> {
    const WHAT: &str = "views";
    for r in read(&rows.views, WHAT) {
        let name = QualName::new(r.get::<String>("schema")?, r.get::<String>("name")?);
        let materialized = r.get::<String>("kind")? == "m";
        let id = if materialized {
            ObjectId::MaterializedView { name: name.clone() }
        } else {
            ObjectId::View { name: name.clone() }
        };
        let at = oids.map(PG_CLASS, r.get("oid")?, id);
        if let Some(rule) = r.get::<Option<Oid>>("rule")? {
            oids.also(PG_REWRITE, rule, at);
        }
        for type_oid in [r.get::<Oid>("rowtype")?, r.get::<Oid>("rowtype_array")?] {
            if type_oid != 0 {
                oids.also(PG_TYPE, type_oid, at);
            }
        }

        let names: Vec<String> = r.get("names")?;
        let types: Vec<String> = r.get("types")?;
        let coll_schemas: Vec<Option<String>> = r.get("collation_schemas")?;
        let coll_names: Vec<Option<String>> = r.get("collation_names")?;
        let comments: Vec<Option<String>> = r.get("comments")?;
        let n = names.len();
        if [
            types.len(),
            coll_schemas.len(),
            coll_names.len(),
            comments.len(),
        ]
        .iter()
        .any(|&l| l != n)
        {
            return Err(IntrospectError::Inconsistent {
                detail: format!("the column arrays of view {name} differ in length"),
            });
        }
        let columns: Vec<ViewColumn> = names
            .into_iter()
            .zip(types)
            .zip(coll_schemas.into_iter().zip(coll_names))
            .zip(comments)
            .map(|(((name, data_type), (cs, cn)), comment)| ViewColumn {
                name: Ident(name),
                data_type,
                collation: collation(cs, cn),
                comment,
            })
            .collect();
        let definition = definition(&r.get::<String>("definition")?);
        let mut options: Vec<String> = r.get("options")?;
        options.sort();
        let comment = r.get("comment")?;
        if materialized {
            cat.materialized_views.insert(
                name.clone(),
                MaterializedView {
                    name,
                    definition,
                    columns,
                    reloptions: options,
                    populated: r.get("populated")?,
                    comment,
                },
            );
        } else {
            cat.views.insert(
                name.clone(),
                View {
                    name,
                    definition,
                    columns,
                    options,
                    comment,
                },
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_lose_the_semicolon_and_outer_blanks() {
        assert_eq!(
            definition(" SELECT t.id\n   FROM public.t;"),
            "SELECT t.id\n   FROM public.t"
        );
        assert_eq!(definition("SELECT 1"), "SELECT 1");
    }
}
