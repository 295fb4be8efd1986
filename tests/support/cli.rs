//! The `schemadiff` binary as a user runs it: exit status, stdout and stderr, with colour
//! off, a private desired-state cache, and `DATABASE_URL` (and any variable named in
//! `unset`) removed from the environment.

use libtest_mimic::Failed;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One finished run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A desired-state cache folder private to this test binary.
pub fn cache_dir(label: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "schemadiff-{label}-test-cache-{}",
        std::process::id()
    ))
}

/// Run the binary in `dir` with `args` and the extra variables `env`.
pub fn run<K: AsRef<str>, V: AsRef<str>>(
    dir: &Path,
    args: &[&str],
    env: &[(K, V)],
    unset: &[&str],
    cache: &Path,
) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_schemadiff"));
    cmd.current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("SCHEMADIFF_CACHE_DIR", cache)
        .env_remove("DATABASE_URL");
    for name in unset {
        cmd.env_remove(name);
    }
    for (k, v) in env {
        cmd.env(k.as_ref(), v.as_ref());
    }
    let out = cmd.output().expect("run schemadiff");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `Ok` when `cond` holds, else a failure showing `what` and the whole run.
pub fn check(cond: bool, what: &str, run: &Run) -> Result<(), Failed> {
    if cond {
        Ok(())
    } else {
        Err(format!(
            "{what}\n--- exit {} ---\n--- stdout ---\n{}\n--- stderr ---\n{}",
            run.code, run.stdout, run.stderr
        )
        .into())
    }
}

/// The run's stdout as JSON.
pub fn json(run: &Run) -> Result<Value, Failed> {
    serde_json::from_str(&run.stdout)
        .map_err(|e| format!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr).into())
}
