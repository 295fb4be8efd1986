//! Reading desired files: a file, or a directory searched recursively for `*.sql` and YAML
//! definitions (`*.yaml`, `*.yml`; never a `schemadiff.yaml` configuration file).

use std::path::{Path, PathBuf};

use super::error::SourceError;
use super::SourceFile;

/// Read every path: a file is taken as given, a directory contributes its `*.sql`, `*.yaml`
/// and `*.yml` files (recursively, hidden entries and `schemadiff.yaml` skipped) sorted by
/// path. A file named twice is read once.
pub(crate) fn read_files(paths: &[PathBuf]) -> Result<Vec<SourceFile>, SourceError> {
    let mut listed: Vec<PathBuf> = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| read_error(path, &e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found)?;
            if found.is_empty() {
                return Err(SourceError::NoSqlFiles { path: path.clone() });
            }
            found.sort();
            listed.extend(found);
        } else {
            listed.push(path.clone());
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut files = Vec::with_capacity(listed.len());
    for path in listed {
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if !seen.insert(key) {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| read_error(&path, &e))?;
        let mut text = String::from_utf8(bytes).map_err(|e| SourceError::Read {
            path: path.clone(),
            reason: format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        })?;
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        files.push(SourceFile { path, text });
    }
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), SourceError> {
    let entries = std::fs::read_dir(dir).map_err(|e| read_error(dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| read_error(dir, &e))?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let meta = std::fs::metadata(&path).map_err(|e| read_error(&path, &e))?;
        if meta.is_dir() {
            walk(&path, out)?;
        } else if is_definitions(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// A schema file a directory contributes: SQL, or YAML definitions other than the
/// configuration file.
fn is_definitions(path: &Path) -> bool {
    let sql = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("sql"));
    let config = path
        .file_stem()
        .is_some_and(|s| s.eq_ignore_ascii_case("schemadiff"));
    sql || (super::yaml::is_yaml(path) && !config)
}

fn read_error(path: &Path, e: &std::io::Error) -> SourceError {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    SourceError::Read {
        path: path.to_path_buf(),
        reason,
    }
}
