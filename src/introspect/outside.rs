//! The schemas a scope leaves out: what they hold is reported apart from drift (so that a
//! user sees what schemadiff does not look at), never compared or touched.

use super::IntrospectError;
use crate::conn::describe_error;
use serde::Serialize;
use std::collections::BTreeMap;
use tokio_postgres::types::Type;
use tokio_postgres::Client;

/// A schema outside the managed scope and how many objects of each kind it holds
/// (`table`, `view`, `materialized view`, `sequence`, `foreign table`, `index`,
/// `function`, `procedure`, `aggregate`, `type`), extension members left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutsideSchema {
    pub schema: String,
    pub objects: BTreeMap<String, i64>,
}

/// The non-system schemas of the database `client` is connected to that are not among
/// `managed` and hold objects (an empty `public` says nothing). Empty when `managed` is
/// `None` (every user schema is managed then).
pub async fn outside_scope(
    client: &Client,
    managed: Option<&[String]>,
) -> Result<Vec<OutsideSchema>, IntrospectError> {
    let Some(managed) = managed else {
        return Ok(Vec::new());
    };
    let rows = client
        .query_typed(
            include_str!("queries/outside.sql"),
            &[(&managed, Type::TEXT_ARRAY)],
        )
        .await
        .map_err(|e| IntrospectError::Query {
            what: "schemas outside the managed scope",
            reason: describe_error(&e),
        })?;
    let mut out: Vec<OutsideSchema> = Vec::new();
    for r in rows {
        let decode = |column: &'static str, e: tokio_postgres::Error| IntrospectError::Decode {
            what: "schemas outside the managed scope",
            column,
            reason: e.to_string(),
        };
        let schema: String = r.try_get("schema").map_err(|e| decode("schema", e))?;
        let kind: Option<String> = r.try_get("kind").map_err(|e| decode("kind", e))?;
        let count: i64 = r.try_get("objects").map_err(|e| decode("objects", e))?;
        if out.last().map(|o| &o.schema) != Some(&schema) {
            out.push(OutsideSchema {
                schema,
                objects: BTreeMap::new(),
            });
        }
        if let (Some(kind), Some(last)) = (kind, out.last_mut()) {
            last.objects.insert(kind, count);
        }
    }
    out.retain(|o| !o.objects.is_empty());
    Ok(out)
}
