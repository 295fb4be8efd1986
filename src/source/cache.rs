//! Cache of the normalized desired catalog, so that a plan of unchanged files costs no
//! dev database. An entry is `<dir>/<key>.json` (the catalog in serde_json), where the key
//! is a sha256 over everything that can change the result: every file's path and text,
//! the dev server's version and available extension versions (for an embedded cluster: the
//! binaries' `postgres --version` and extension control files), the scope, and the tool's
//! version with the cache format.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::devdb::server_fingerprint;
use super::{DesiredFiles, DevDb, SourceError, SourceFile};
use crate::catalog::Catalog;
use crate::introspect::Scope;

/// Bumped whenever what is cached changes meaning.
const FORMAT: &str = "schemadiff-desired-catalog-v3";

/// `SCHEMADIFF_CACHE_DIR`, else `$XDG_CACHE_HOME/schemadiff`, else `~/.cache/schemadiff`.
pub fn default_dir() -> Option<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(d) = env("SCHEMADIFF_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = env("XDG_CACHE_HOME") {
        return Some(PathBuf::from(d).join("schemadiff"));
    }
    dirs::home_dir().map(|h| h.join(".cache").join("schemadiff"))
}

/// The dev server's part of the key (connects to a server; never starts a cluster).
pub async fn fingerprint(dev: &DevDb) -> Result<String, SourceError> {
    Ok(server_fingerprint(dev).await?.text)
}

/// The cache key of `files` loaded on a dev server with `fingerprint`, read with `scope`.
pub fn cache_key(files: &DesiredFiles, fingerprint: &str, scope: &Scope) -> String {
    key_of_files(&files.files, fingerprint, scope)
}

/// [`cache_key`] of files read but not split (the same key: only paths and text count).
pub fn key_of_files(files: &[SourceFile], fingerprint: &str, scope: &Scope) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(FORMAT.as_bytes());
    field(env!("CARGO_PKG_VERSION").as_bytes());
    field(fingerprint.as_bytes());
    field(format!("{scope:?}").as_bytes());
    for f in files {
        field(f.path.to_string_lossy().as_bytes());
        field(f.text.as_bytes());
    }
    hex::encode(h.finalize())
}

fn entry(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("{key}.json"))
}

/// The cached catalog for `key`; a missing, unreadable or corrupt entry is a miss.
pub fn lookup(dir: &Path, key: &str) -> Option<Catalog> {
    let bytes = std::fs::read(entry(dir, key)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Store a catalog (best effort: a cache that cannot be written is only slower). The
/// entry is written to a temporary file and renamed, so readers never see half of it.
pub fn store(dir: &Path, key: &str, catalog: &Catalog) {
    let Ok(json) = serde_json::to_vec(catalog) else {
        return;
    };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) else {
        return;
    };
    if std::io::Write::write_all(&mut tmp, &json).is_ok() {
        let _ = tmp.persist(entry(dir, key));
    }
}

/// `postgres --version` of the binaries in `bin` and the name and contents digest of each
/// extension control file of their installation.
pub(crate) fn embedded_fingerprint(bin: &Path) -> String {
    let mut text = String::new();
    if let Ok(out) = Command::new(bin.join("postgres")).arg("--version").output() {
        text.push_str(String::from_utf8_lossy(&out.stdout).trim());
        text.push('\n');
    }
    let mut controls: Vec<(String, String)> = Vec::new();
    if let Some(dir) = extension_dir(bin) {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".control") {
                    let digest = std::fs::read(e.path())
                        .map(|b| hex::encode(Sha256::digest(&b)))
                        .unwrap_or_default();
                    controls.push((name, digest));
                }
            }
        }
    }
    controls.sort();
    for (name, digest) in controls {
        text.push_str(&format!("{name} {digest}\n"));
    }
    text
}

fn extension_dir(bin: &Path) -> Option<PathBuf> {
    let from_pg_config = Command::new(bin.join("pg_config"))
        .arg("--sharedir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let mut candidates: Vec<PathBuf> = from_pg_config.into_iter().collect();
    if let Some(prefix) = bin.parent() {
        candidates.push(prefix.join("share"));
        candidates.push(prefix.join("share").join("postgresql"));
        if let Some(major) = prefix.file_name() {
            candidates.push(Path::new("/usr/share/postgresql").join(major));
        }
    }
    candidates
        .into_iter()
        .map(|d| d.join("extension"))
        .find(|d| d.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_entries_are_misses_and_get_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(entry(dir.path(), "k"), b"{ not json").unwrap();
        assert!(lookup(dir.path(), "k").is_none());
        let catalog = Catalog {
            server_version: 150000,
            ..Catalog::default()
        };
        store(dir.path(), "k", &catalog);
        assert_eq!(lookup(dir.path(), "k"), Some(catalog));
    }

    #[test]
    fn key_changes_with_every_input() {
        let files = |text: &str| DesiredFiles {
            files: vec![super::super::SourceFile {
                path: "a.sql".into(),
                text: text.into(),
            }],
            statements: Vec::new(),
        };
        let scope = Scope::default();
        let base = cache_key(&files("x"), "server 150000", &scope);
        assert_eq!(base, cache_key(&files("x"), "server 150000", &scope));
        assert_ne!(base, cache_key(&files("y"), "server 150000", &scope));
        assert_ne!(base, cache_key(&files("x"), "server 160000", &scope));
        let narrow = Scope {
            schemas: Some(["app".to_string()].into_iter().collect()),
            ..Scope::default()
        };
        assert_ne!(base, cache_key(&files("x"), "server 150000", &narrow));
        let ignoring = Scope {
            ignore: crate::introspect::ignore::Ignore::migration_tools(),
            ..Scope::default()
        };
        assert_ne!(base, cache_key(&files("x"), "server 150000", &ignoring));
    }

    #[tokio::test]
    async fn a_hit_never_splits_the_files() {
        use super::super::{desired_catalog_of_files, CacheOptions, SourceFile};
        let dir = tempfile::tempdir().unwrap();
        let files = vec![SourceFile {
            path: "broken.sql".into(),
            text: "CREATE TABLE t (note text DEFAULT 'unterminated);\n".into(),
        }];
        let opts = CacheOptions {
            enabled: true,
            dir: Some(dir.path().into()),
        };
        let (dev, scope) = (DevDb::Embedded, Scope::default());
        let miss = desired_catalog_of_files(files.clone(), &dev, &scope, &opts).await;
        assert!(matches!(miss, Err(SourceError::Split { .. })), "{miss:?}");
        let key = key_of_files(&files, &fingerprint(&dev).await.unwrap(), &scope);
        let cached = Catalog {
            server_version: 150000,
            ..Catalog::default()
        };
        store(dir.path(), &key, &cached);
        let hit = desired_catalog_of_files(files, &dev, &scope, &opts).await;
        assert_eq!(hit.unwrap(), cached);
    }

    #[test]
    fn embedded_fingerprint_lists_extensions_without_a_cluster() {
        let bin = crate::embedded::EmbeddedCluster::find_binaries().expect("PostgreSQL binaries");
        let text = embedded_fingerprint(&bin);
        assert!(text.contains("PostgreSQL"), "{text}");
        assert!(text.contains("plpgsql.control"), "{text}");
    }
}
