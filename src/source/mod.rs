//! Desired state: schema files are split into statements, ordered by their references,
//! loaded into a dev database and introspected there.
//! (Placeholder signatures until the loader lands.)

use crate::catalog::Catalog;
use crate::conn::ConnTarget;
use crate::introspect::Scope;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SourceError {
    #[error("loading desired files is not available yet")]
    #[diagnostic(code(schemadiff::source::missing))]
    Missing,
}

pub struct DesiredFiles {
    pub files: Vec<SourceFile>,
}
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}
pub fn read_paths(_paths: &[PathBuf]) -> Result<DesiredFiles, SourceError> {
    Err(SourceError::Missing)
}
pub enum DevDb {
    TargetServer(ConnTarget),
    Url(ConnTarget),
    Embedded,
}
#[derive(Debug, Clone, Default)]
pub struct CacheOptions {
    pub enabled: bool,
    pub dir: Option<PathBuf>,
}
pub async fn desired_catalog(
    _files: &DesiredFiles,
    _dev: &DevDb,
    _scope: &Scope,
    _cache: &CacheOptions,
) -> Result<Catalog, SourceError> {
    Err(SourceError::Missing)
}
