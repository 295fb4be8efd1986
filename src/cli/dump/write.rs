//! Writing a dump into a folder: only into an empty (or missing) folder, or with `--force`
//! over an earlier dump, whose `.sql` and `.yaml` files are recognised by their header line.

use super::layout::{DumpFile, HEADER_MARK, YAML_HEADER_MARK};
use crate::workflow::Error;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// Write `files` under `dir`. `dir` must be missing or empty (hidden entries such as
/// `.gitkeep` aside); with `force`, the `.sql` files an earlier dump wrote are removed first
/// (and the folders they leave empty), other files are kept, and any other `.sql` file
/// stops the dump before anything is removed.
pub fn write_dir(dir: &Path, files: &[DumpFile], force: bool) -> Result<(), Error> {
    let found = if dir.exists() {
        let mut entries = Vec::new();
        walk(dir, &mut entries)?;
        entries
    } else {
        Vec::new()
    };
    if !found.is_empty() {
        if !force {
            return Err(Error::Usage {
                message: format!(
                    "{} is not empty: a dump writes only into an empty folder",
                    dir.display()
                ),
                help: "dump into a new folder, or pass --force to replace the .sql and .yaml files an earlier dump wrote there (other files are kept)".into(),
            });
        }
        remove_earlier_dump(dir, &found)?;
    }
    for file in files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| io(&format!("creating {}", parent.display()), &e))?;
        }
        std::fs::write(&path, file.text())
            .map_err(|e| io(&format!("writing {}", path.display()), &e))?;
    }
    Ok(())
}

/// Remove the schema files of `found` that a dump wrote, then the folders that became
/// empty; refuse (removing nothing) when another schema file is there, since it would be
/// loaded together with the new dump.
fn remove_earlier_dump(dir: &Path, found: &[PathBuf]) -> Result<(), Error> {
    let mut ours = Vec::new();
    let mut foreign = Vec::new();
    for path in found.iter().filter(|p| is_schema_file(p)) {
        if written_by_dump(path)? {
            ours.push(path);
        } else {
            foreign.push(path.display().to_string());
        }
    }
    if !foreign.is_empty() {
        let shown = foreign.len().min(10);
        let more = foreign.len() - shown;
        return Err(Error::Usage {
            message: format!(
                "{} holds schema files that schemadiff did not write: {}{}",
                dir.display(),
                foreign[..shown].join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
            help: format!(
                "they would be loaded together with the dump as desired state; move them out of the folder (nothing was removed), or dump into a new folder. A dump's files start with `{HEADER_MARK}` (YAML: `{YAML_HEADER_MARK}`)"
            ),
        });
    }
    for path in &ours {
        std::fs::remove_file(path).map_err(|e| io(&format!("removing {}", path.display()), &e))?;
    }
    let mut dirs: Vec<&Path> = ours.iter().filter_map(|p| p.parent()).collect();
    dirs.sort();
    dirs.dedup();
    for d in dirs.into_iter().rev() {
        let mut at = Some(d);
        while let Some(p) = at.filter(|p| *p != dir && p.starts_with(dir)) {
            if std::fs::remove_dir(p).is_err() {
                break;
            }
            at = p.parent();
        }
    }
    Ok(())
}

/// A file the schema loader reads: `.sql`, `.yaml`, `.yml`.
fn is_schema_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("sql"))
        || crate::source::yaml::is_yaml(path)
}

fn written_by_dump(path: &Path) -> Result<bool, Error> {
    let file =
        std::fs::File::open(path).map_err(|e| io(&format!("reading {}", path.display()), &e))?;
    let mut first = String::new();
    BufReader::new(file)
        .read_line(&mut first)
        .map_err(|e| io(&format!("reading {}", path.display()), &e))?;
    let mark = if crate::source::yaml::is_yaml(path) {
        YAML_HEADER_MARK
    } else {
        HEADER_MARK
    };
    Ok(first.starts_with(mark))
}

/// Every file under `dir` (folders are walked, not listed), hidden entries skipped.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| io(&format!("reading {}", dir.display()), &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io(&format!("reading {}", dir.display()), &e))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn io(what: &str, e: &std::io::Error) -> Error {
    Error::Io {
        what: what.to_string(),
        reason: e.to_string(),
    }
}
