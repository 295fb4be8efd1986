//! Views and materialized views.

use super::{Ident, QualName};
use serde::{Deserialize, Serialize};

/// A view (`CREATE VIEW`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub name: QualName,
    /// `pg_get_viewdef(oid)` read with `search_path = pg_catalog` (every user object
    /// qualified), without its trailing `;`. Compared as is.
    pub definition: String,
    /// Output columns in `attnum` order: `CREATE OR REPLACE VIEW` must keep them (name, type
    /// and collation) and may only append new ones.
    pub columns: Vec<ViewColumn>,
    /// `reloptions`, sorted: `check_option=local|cascaded` (from `WITH [LOCAL | CASCADED]
    /// CHECK OPTION`), `security_barrier=true`, `security_invoker=true`.
    pub options: Vec<String>,
    pub comment: Option<String>,
}

/// A materialized view (`CREATE MATERIALIZED VIEW`). Its indexes are in
/// [`super::Catalog::indexes`], with the materialized view as their `table`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterializedView {
    pub name: QualName,
    /// `pg_get_viewdef(oid)` as for [`View::definition`].
    pub definition: String,
    /// Output columns in `attnum` order.
    pub columns: Vec<ViewColumn>,
    /// Storage parameters as `key=value`, sorted.
    pub reloptions: Vec<String>,
    /// `relispopulated`: false for one created `WITH NO DATA` and not refreshed since.
    pub populated: bool,
    pub comment: Option<String>,
}

/// An output column of a view or materialized view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewColumn {
    pub name: Ident,
    /// `format_type(atttypid, atttypmod)`.
    pub data_type: String,
    /// Collation name when it differs from the type's default collation (as for
    /// [`super::Column::collation`]).
    pub collation: Option<String>,
    pub comment: Option<String>,
}
