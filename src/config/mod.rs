//! `schemadiff.yaml`: the services of a fleet, each with its database URL (with `${VAR}` and
//! `${VAR:-default}` interpolation), desired-schema folder, seed folder, managed schemas,
//! ignore patterns, hazard policy, apply timeouts and per-environment URLs.
//!
//! The file is parsed once into [`ConfigFile`] (the shape the JSON Schema describes); each
//! selected service is then resolved into a [`Service`]. Every error is a diagnostic that
//! points at the line of the file it comes from.

mod error;
mod interpolate;
mod lint;
mod locate;

pub use error::ConfigError;
pub use lint::LintFile;

use crate::introspect::ignore::{Ignore, NamePattern};
use crate::introspect::Scope;
use crate::plan::Hazard;
use crate::source::SqlSource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file name looked for when `--config` is not given.
pub const DEFAULT_PATH: &str = "schemadiff.yaml";

/// The contents of `schemadiff.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "schemadiff.yaml")]
pub struct ConfigFile {
    /// Where desired SQL is loaded to be normalized, for every service: a connection string,
    /// or `embedded` for a private throwaway cluster. Default: a temporary database on each
    /// service's own server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dev_url: Option<String>,
    /// `schemadiff lint` configuration of every service (each may override it).
    #[serde(default, skip_serializing_if = "LintFile::is_empty")]
    pub lint: LintFile,
    /// The services of the fleet, by name.
    pub services: BTreeMap<String, ServiceFile>,
}

/// One service: one database and its desired state.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceFile {
    /// Connection string (URL or key=value). `${VAR}` and `${VAR:-default}` are replaced by
    /// environment variables; a variable that is not set and has no default is an error.
    pub url: String,
    /// Folder (or .sql file) of the desired schema, relative to this file.
    pub schema: String,
    /// Folder of declarative reference data, relative to this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seeds: Option<String>,
    /// PostgreSQL schemas this service manages. Default: every non-system schema.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// Globs over qualified names (`schema.name`, `*` and `?`) of objects to leave alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    /// Also ignore the bookkeeping tables of Prisma (`_prisma_migrations`), Flyway
    /// (`flyway_schema_history`) and Alembic (`alembic_version`) in every schema.
    #[serde(default = "yes")]
    pub ignore_migration_tables: bool,
    /// Hazard kinds `apply` may run for this service (as listed by `schemadiff plan`), or
    /// `all`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_hazards: Vec<String>,
    /// Apply timeouts; a command-line flag overrides the value here.
    #[serde(default)]
    pub timeouts: TimeoutsFile,
    /// Plan and apply `ALTER ... OWNER TO` for the owners the desired files declare (an
    /// `ALTER ... OWNER TO r` naming a role other than the one that loads the files).
    /// Default: owners are left as they are (`drift` still reports them).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub manage_ownership: bool,
    /// URLs of this service's database per environment (`dev`, `staging`, `prod`, ...),
    /// chosen with `--environment NAME`; interpolated like `url`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: BTreeMap<String, String>,
    /// `schemadiff lint` configuration of this service, over the top-level `lint`.
    #[serde(default, skip_serializing_if = "LintFile::is_empty")]
    pub lint: LintFile,
}

fn yes() -> bool {
    true
}

/// Apply budgets, as durations with a unit (`500ms`, `3s`, `10min`, `1h`; `0` = no limit).
/// The names and defaults are those of the `apply` flags.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeoutsFile {
    /// lock_timeout of catalog steps (default 3s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_timeout: Option<String>,
    /// statement_timeout of catalog steps (default 10min).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement_timeout: Option<String>,
    /// lock_timeout of VALIDATE CONSTRAINT steps (default 3s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_lock_timeout: Option<String>,
    /// statement_timeout of VALIDATE CONSTRAINT steps (default 0: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_timeout: Option<String>,
    /// lock_timeout of concurrent index builds and drops (default 30min).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrent_lock_timeout: Option<String>,
    /// statement_timeout of concurrent index builds and drops (default 0: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrent_timeout: Option<String>,
    /// Attempts per step on a lock timeout or deadlock (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_attempts: Option<u32>,
    /// How long to wait for another apply on the same database (default 60s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_wait: Option<String>,
}

/// Apply timeouts a service sets; `None` leaves the flag or the built-in default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeoutSettings {
    pub lock_timeout: Option<Duration>,
    pub statement_timeout: Option<Duration>,
    pub validation_lock_timeout: Option<Duration>,
    pub validation_timeout: Option<Duration>,
    pub concurrent_lock_timeout: Option<Duration>,
    pub concurrent_timeout: Option<Duration>,
    pub lock_attempts: Option<u32>,
    pub lock_wait: Option<Duration>,
}

/// A parsed `schemadiff.yaml`, kept with its text so that later errors point into it.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub file: ConfigFile,
    text: String,
}

/// One service resolved for a run.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    /// The interpolated connection string.
    pub url: String,
    pub schema: PathBuf,
    pub seeds: Option<PathBuf>,
    /// Managed schemas and ignore patterns.
    pub scope: Scope,
    pub allowed: BTreeSet<Hazard>,
    pub timeouts: TimeoutSettings,
    /// `manage_ownership`: plan the declared owners.
    pub manage_ownership: bool,
    /// The top-level `lint` with the service's own on top.
    pub lint: LintFile,
}

/// `500ms`, `3s`, `10min`, `2h`, or a bare number of milliseconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 500ms, 3s, 10min or 1h"))?;
    let ms = match unit.trim() {
        "" | "ms" => 1,
        "s" => 1000,
        "min" => 60_000,
        "h" => 3_600_000,
        other => return Err(format!("unknown unit `{other}` (use ms, s, min or h)")),
    };
    Ok(Duration::from_millis(n.saturating_mul(ms)))
}

/// Hazard kinds from a list of names or `all`.
pub fn parse_hazards(list: &[String]) -> Result<BTreeSet<Hazard>, String> {
    let mut set = BTreeSet::new();
    for item in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if item.eq_ignore_ascii_case("all") {
            set.extend(Hazard::ALL);
        } else {
            set.insert(item.parse::<Hazard>()?);
        }
    }
    Ok(set)
}

/// The JSON Schema of `schemadiff.yaml`, for editors (`schemadiff config schema`).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(ConfigFile);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}

impl Config {
    /// Read and parse the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Config::parse(path, text)
    }

    /// Parse `text` as the contents of the file at `path`.
    pub fn parse(path: &Path, text: String) -> Result<Config, ConfigError> {
        let file: ConfigFile = serde_yaml_ng::from_str(&text).map_err(|e| {
            let at = e
                .location()
                .map(|l| l.index())
                .unwrap_or_else(|| locate::key_offset(&text, &[]).unwrap_or(0));
            ConfigError::Syntax {
                message: e.to_string(),
                src: SqlSource::new(path.display().to_string(), text.clone()),
                span: locate::line_span(&text, at),
            }
        })?;
        let config = Config {
            path: path.to_path_buf(),
            file,
            text,
        };
        if config.file.services.is_empty() {
            return Err(config.invalid(&[], "services", "no services are declared"));
        }
        config.lint_rules(&[], &config.file.lint)?;
        for (name, s) in &config.file.services {
            config.static_checks(name, s)?;
        }
        Ok(config)
    }

    /// The names of the declared services, in order.
    pub fn names(&self) -> Vec<String> {
        self.file.services.keys().cloned().collect()
    }

    /// Check that every name in `selected` is a declared service; an empty selection means
    /// all of them.
    pub fn select(&self, selected: &[String]) -> Result<Vec<String>, ConfigError> {
        if selected.is_empty() {
            return Ok(self.names());
        }
        let mut out = Vec::new();
        for name in selected {
            if !self.file.services.contains_key(name) {
                return Err(ConfigError::UnknownService {
                    name: name.clone(),
                    path: self.path.display().to_string(),
                    known: self.names().join(", "),
                });
            }
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        Ok(out)
    }

    fn src(&self) -> SqlSource {
        SqlSource::new(self.path.display().to_string(), self.text.clone())
    }

    fn invalid(&self, keys: &[&str], needle: &str, message: &str) -> ConfigError {
        let at = locate::find(&self.text, keys, needle);
        ConfigError::Invalid {
            message: message.to_string(),
            src: self.src(),
            span: locate::line_span(&self.text, at),
        }
    }

    /// Checks that need no environment: hazards, durations, patterns.
    fn static_checks(&self, name: &str, s: &ServiceFile) -> Result<(), ConfigError> {
        let keys = ["services", name];
        for h in &s.allow_hazards {
            parse_hazards(std::slice::from_ref(h))
                .map_err(|e| self.invalid(&[&keys[..], &["allow_hazards"]].concat(), h, &e))?;
        }
        self.timeouts(name, &s.timeouts)?;
        for p in &s.ignore {
            if p.trim().is_empty() {
                return Err(self.invalid(
                    &[&keys[..], &["ignore"]].concat(),
                    "ignore",
                    "an ignore pattern is empty",
                ));
            }
        }
        if s.schema.trim().is_empty() {
            return Err(self.invalid(&keys, "schema", "the schema folder is empty"));
        }
        self.lint_rules(&keys, &s.lint)
    }

    /// Every rule id of a `lint:` section (under `keys`) exists.
    fn lint_rules(&self, keys: &[&str], lint: &LintFile) -> Result<(), ConfigError> {
        for id in lint.rules.keys() {
            if crate::lint::Rule::parse(id).is_none() {
                let at = [keys, &["lint", "rules"]].concat();
                return Err(self.invalid(&at, id, &crate::lint::unknown_rule(id)));
            }
        }
        Ok(())
    }

    fn timeouts(&self, name: &str, t: &TimeoutsFile) -> Result<TimeoutSettings, ConfigError> {
        let d = |field: &str, v: &Option<String>| -> Result<Option<Duration>, ConfigError> {
            v.as_deref()
                .map(|text| {
                    parse_duration(text)
                        .map_err(|e| self.invalid(&["services", name, "timeouts", field], text, &e))
                })
                .transpose()
        };
        Ok(TimeoutSettings {
            lock_timeout: d("lock_timeout", &t.lock_timeout)?,
            statement_timeout: d("statement_timeout", &t.statement_timeout)?,
            validation_lock_timeout: d("validation_lock_timeout", &t.validation_lock_timeout)?,
            validation_timeout: d("validation_timeout", &t.validation_timeout)?,
            concurrent_lock_timeout: d("concurrent_lock_timeout", &t.concurrent_lock_timeout)?,
            concurrent_timeout: d("concurrent_timeout", &t.concurrent_timeout)?,
            lock_attempts: t.lock_attempts,
            lock_wait: d("lock_wait", &t.lock_wait)?,
        })
    }

    /// Resolve service `name` for `environment` (its `url` when `None`), reading variables
    /// with `var`.
    pub fn service(
        &self,
        name: &str,
        environment: Option<&str>,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Service, ConfigError> {
        let s = self
            .file
            .services
            .get(name)
            .ok_or_else(|| ConfigError::UnknownService {
                name: name.to_string(),
                path: self.path.display().to_string(),
                known: self.names().join(", "),
            })?;
        let (raw, keys): (&str, Vec<&str>) = match environment {
            None => (&s.url, vec!["services", name, "url"]),
            Some(env) => match s.environments.get(env) {
                Some(u) => (u, vec!["services", name, "environments", env]),
                None => {
                    return Err(ConfigError::NoEnvironment {
                        service: name.to_string(),
                        environment: env.to_string(),
                        known: s
                            .environments
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", "),
                        src: self.src(),
                        span: locate::line_span(
                            &self.text,
                            locate::find(&self.text, &["services", name], name),
                        ),
                    })
                }
            },
        };
        let url = interpolate::interpolate(raw, var).map_err(|missing| {
            let needle = format!("${{{missing}");
            ConfigError::MissingVariable {
                variable: missing.clone(),
                service: name.to_string(),
                src: self.src(),
                span: locate::line_span(&self.text, locate::find(&self.text, &keys, &needle)),
            }
        })?;
        let base = self.path.parent().unwrap_or(Path::new("."));
        let mut ignore = if s.ignore_migration_tables {
            Ignore::migration_tools()
        } else {
            Ignore::default()
        };
        ignore
            .patterns
            .extend(s.ignore.iter().map(|p| NamePattern::new(p.trim())));
        let allowed = parse_hazards(&s.allow_hazards)
            .map_err(|e| self.invalid(&["services", name, "allow_hazards"], "allow_hazards", &e))?;
        Ok(Service {
            name: name.to_string(),
            url,
            schema: base.join(&s.schema),
            seeds: s.seeds.as_ref().map(|p| base.join(p)),
            scope: Scope {
                schemas: if s.schemas.is_empty() {
                    None
                } else {
                    Some(s.schemas.iter().cloned().collect())
                },
                ignore,
            },
            allowed,
            timeouts: self.timeouts(name, &s.timeouts)?,
            manage_ownership: s.manage_ownership,
            lint: self.file.lint.merged(&s.lint),
        })
    }
}

#[cfg(test)]
mod tests;
