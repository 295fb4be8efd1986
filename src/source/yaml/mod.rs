//! YAML definitions: `*.yaml` / `*.yml` files of a schema folder, compiled to SQL statements
//! that enter the same split / classify / order / load path as `.sql` files (so the two
//! kinds mix in one folder and reference each other). Every compiled statement keeps a map
//! back to the YAML nodes, so PostgreSQL's errors point at the YAML line and column; YAML
//! errors (syntax, unknown key, wrong type, missing key, invalid value) do too.
//!
//! The format is [`model::Definitions`], documented in docs/yaml-definitions.md; its JSON
//! Schema is [`json_schema`] (`schemadiff config schema --definitions`). [`catalog_to_yaml`]
//! writes a catalog in this format (for `dump --format yaml`).

mod compile;
mod de;
mod dump;
mod dump_parse;
mod error;
mod forms;
mod map;
pub mod model;
mod table;
mod tree;

pub use de::Spanned;
pub use dump::{catalog_to_yaml, catalog_to_yaml_objects, YamlDump, YamlObject, YamlObjects};
pub use error::YamlError;
pub use map::Compiled;
pub use model::Definitions;

use std::path::Path;

use crate::source::SqlSource;

/// Whether a path names a YAML definitions file (by its extension).
pub fn is_yaml(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// Read the definitions in `text` (the contents of the file `name`).
pub fn parse(name: &str, text: &str) -> Result<Definitions, YamlError> {
    let fail = |p: error::Problem| p.into_error(SqlSource::new(name, text));
    match tree::parse(text).map_err(fail)? {
        Some(root) => de::from_node(&root).map_err(fail),
        None => Ok(Definitions::default()),
    }
}

/// Compile the definitions in `text` (the contents of the file `name`) to SQL.
pub fn compile(name: &str, text: &str) -> Result<Compiled, YamlError> {
    let defs = parse(name, text)?;
    compile::compile(text, &defs).map_err(|p| p.into_error(SqlSource::new(name, text)))
}

/// The JSON Schema of YAML definitions files, for editors.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Definitions);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;
