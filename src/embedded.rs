//! A private throwaway PostgreSQL cluster started from local binaries: the
//! `--dev-url embedded` dev database, the README demo, and the test harness.
//!
//! The cluster lives in a temporary directory, listens only on a unix socket in that
//! directory, and is stopped (immediate mode) and deleted when the value is dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::conn::ConnTarget;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum EmbeddedError {
    #[error(
        "no PostgreSQL server binaries found (looked for initdb, pg_ctl and postgres in {looked})"
    )]
    #[diagnostic(
        code(schemadiff::embedded::no_binaries),
        help("install the server (Debian: apt-get install postgresql) or point SCHEMADIFF_PG_BIN at a directory holding initdb, pg_ctl and postgres")
    )]
    NoBinaries { looked: String },

    #[error("{postgres} cannot run{as_user}: {output}")]
    #[diagnostic(
        code(schemadiff::embedded::unusable_binaries),
        help("the server binaries must run as the user that starts the cluster (the `postgres` OS user when running as root, so not under /root) and find their shared libraries; scripts/pg-install.sh installs usable ones under /opt/schemadiff-pg")
    )]
    Unusable {
        postgres: String,
        as_user: &'static str,
        output: String,
    },

    #[error("{step} failed: {output}")]
    #[diagnostic(code(schemadiff::embedded::start))]
    Start { step: &'static str, output: String },

    #[error("cannot create a temporary directory: {0}")]
    #[diagnostic(code(schemadiff::embedded::io))]
    Io(#[from] std::io::Error),
}

/// Server settings of an embedded cluster beyond the fixed fast ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterOptions {
    /// `shared_preload_libraries`, e.g. `["timescaledb"]`.
    pub preload: Vec<String>,
}

impl ClusterOptions {
    /// Preload TimescaleDB when the server with binaries in `bin` has it installed.
    pub fn detect(bin: &Path) -> ClusterOptions {
        ClusterOptions {
            preload: if timescaledb_installed(bin) {
                vec!["timescaledb".into()]
            } else {
                Vec::new()
            },
        }
    }

    /// The `-c` flags for `postgres` (each starting with a space).
    fn server_flags(&self) -> String {
        if self.preload.is_empty() {
            return String::new();
        }
        format!(" -c shared_preload_libraries={}", self.preload.join(","))
    }
}

/// `pg_config --<what>` of the server whose binaries are in `bin`: only the `pg_config`
/// beside them speaks for that server (another one on `PATH` may belong to another
/// version or build).
fn pg_config(bin: &Path, what: &str) -> Option<PathBuf> {
    let program = bin.join("pg_config");
    if !program.is_file() {
        return None;
    }
    let out = Command::new(program).arg(what).output().ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// True when TimescaleDB is installed for the server whose binaries are in `bin`: its
/// control file in the server's extension directory and its library in the server's
/// library directory, as the server's own `pg_config` names them.
pub fn timescaledb_installed(bin: &Path) -> bool {
    let control = pg_config(bin, "--sharedir")
        .is_some_and(|d| d.join("extension/timescaledb.control").is_file());
    let library = pg_config(bin, "--pkglibdir").is_some_and(|d| d.join("timescaledb.so").is_file());
    control && library
}

/// A running throwaway cluster. Dropping it stops the server and removes its files.
pub struct EmbeddedCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    stopped: bool,
}

impl EmbeddedCluster {
    /// Find the server binaries: `$SCHEMADIFF_PG_BIN`, then `pg_config --bindir`, then the
    /// newest `/usr/lib/postgresql/*/bin`, then `PATH`.
    pub fn find_binaries() -> Result<PathBuf, EmbeddedError> {
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Ok(p) = std::env::var("SCHEMADIFF_PG_BIN") {
            candidates.push(PathBuf::from(p));
        }
        if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
            if out.status.success() {
                candidates.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
            }
        }
        if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
            let mut versions: Vec<(u32, PathBuf)> = entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                    Some((v, e.path().join("bin")))
                })
                .collect();
            versions.sort();
            candidates.extend(versions.into_iter().rev().map(|(_, p)| p));
        }
        if let Some(path) = std::env::var_os("PATH") {
            candidates.extend(std::env::split_paths(&path));
        }
        let looked = candidates
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        candidates
            .into_iter()
            .find(|d| {
                ["initdb", "pg_ctl", "postgres"]
                    .iter()
                    .all(|b| d.join(b).is_file())
            })
            .ok_or(EmbeddedError::NoBinaries { looked })
    }

    /// initdb and start a cluster with the binaries in `bin` (or found by
    /// [`find_binaries`](Self::find_binaries)). Settings favour speed over durability:
    /// nothing here outlives the process. TimescaleDB is preloaded when it is installed
    /// (see [`ClusterOptions::detect`]).
    pub fn start(bin: Option<&Path>) -> Result<EmbeddedCluster, EmbeddedError> {
        let bin = match bin {
            Some(b) => b.to_path_buf(),
            None => Self::find_binaries()?,
        };
        let opts = ClusterOptions::detect(&bin);
        Self::start_with(Some(&bin), &opts)
    }

    /// [`start`](Self::start) with explicit options.
    pub fn start_with(
        bin: Option<&Path>,
        options: &ClusterOptions,
    ) -> Result<EmbeddedCluster, EmbeddedError> {
        let bin = match bin {
            Some(b) => b.to_path_buf(),
            None => Self::find_binaries()?,
        };
        let dir = tempfile::Builder::new()
            .prefix("schemadiff-pg-")
            .tempdir()?;
        let data = dir.path().join("data");
        let user = current_user();
        // initdb refuses to run as root; run the cluster as the postgres user then.
        let as_root = user == "root";
        if as_root {
            chown_postgres(dir.path())?;
        }
        let probe = run_as(as_root, Command::new(bin.join("postgres")).arg("--version"))?;
        if !probe.status.success() {
            return Err(EmbeddedError::Unusable {
                postgres: bin.join("postgres").display().to_string(),
                as_user: if as_root {
                    " as the postgres OS user"
                } else {
                    ""
                },
                output: String::from_utf8_lossy(&probe.stderr).trim().to_owned(),
            });
        }
        let initdb = run_as(
            as_root,
            Command::new(bin.join("initdb"))
                .arg("-D")
                .arg(&data)
                .args(["-U", "postgres", "--auth=trust", "--no-sync"])
                .args(["-E", "UTF8", "--locale=C"]),
        )?;
        if !initdb.status.success() {
            return Err(EmbeddedError::Start {
                step: "initdb",
                output: String::from_utf8_lossy(&initdb.stderr).into_owned(),
            });
        }
        let port = pick_port();
        let opts = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -p {port} \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
             -c max_connections=200 -c shared_buffers=128MB -c max_locks_per_transaction=1024 \
             -c log_min_messages=fatal -c TimeZone=UTC{}",
            dir.path().display(),
            options.server_flags()
        );
        let start = run_as(
            as_root,
            Command::new(bin.join("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .args(["-w", "-t", "60", "-o", &opts, "-l"])
                .arg(dir.path().join("server.log"))
                .arg("start"),
        )?;
        if !start.status.success() {
            let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
            return Err(EmbeddedError::Start {
                step: "pg_ctl start",
                output: format!("{}{}", String::from_utf8_lossy(&start.stderr), log),
            });
        }
        Ok(EmbeddedCluster {
            dir,
            bin,
            port,
            stopped: false,
        })
    }

    /// The unix socket directory.
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn bin_dir(&self) -> &Path {
        &self.bin
    }

    /// A libpq keyword connection string for `dbname` as the superuser `postgres`.
    pub fn conn_string(&self, dbname: &str) -> String {
        format!(
            "host={} port={} user=postgres dbname={dbname}",
            self.dir.path().display(),
            self.port
        )
    }

    /// A URL form, for commands that take `--url`.
    pub fn url(&self, dbname: &str) -> String {
        format!(
            "postgresql://postgres@/{dbname}?host={}&port={}",
            self.dir.path().display(),
            self.port
        )
    }

    pub fn target(&self, dbname: &str) -> ConnTarget {
        ConnTarget::parse(&self.conn_string(dbname)).expect("embedded connection string parses")
    }

    /// Stop the server now (also done on drop).
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let as_root = current_user() == "root";
        let _ = run_as(
            as_root,
            Command::new(self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(self.dir.path().join("data"))
                .args(["-m", "immediate", "-w", "stop"]),
        );
    }
}

impl Drop for EmbeddedCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn current_user() -> String {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc_geteuid() };
    if uid == 0 {
        "root".into()
    } else {
        std::env::var("USER").unwrap_or_default()
    }
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

fn chown_postgres(dir: &Path) -> Result<(), EmbeddedError> {
    let out = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(dir)
        .output()?;
    if !out.status.success() {
        return Err(EmbeddedError::Start {
            step: "chown to the postgres user (initdb cannot run as root)",
            output: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(())
}

/// Run a command, as the `postgres` user when we are root (through `runuser`, or `su`).
fn run_as(as_root: bool, cmd: &mut Command) -> Result<std::process::Output, EmbeddedError> {
    cmd.stdin(Stdio::null());
    if !as_root {
        return Ok(cmd.output()?);
    }
    let program = cmd.get_program().to_string_lossy().into_owned();
    let args: Vec<String> = cmd
        .get_args()
        .map(|a| shell_quote(&a.to_string_lossy()))
        .collect();
    let line = format!("{} {}", shell_quote(&program), args.join(" "));
    let mut wrapped = Command::new("runuser");
    wrapped
        .args(["-u", "postgres", "--", "sh", "-c", &line])
        .stdin(Stdio::null());
    Ok(wrapped.output()?)
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A port number for the socket file name; nothing listens on TCP, so any free-looking
/// number works as long as two clusters in one directory never share it (they don't:
/// each cluster has its own directory).
fn pick_port() -> u16 {
    5432
}
