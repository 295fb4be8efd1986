//! Convention lint over the desired catalog: `schemadiff lint` loads a service's desired
//! files the usual way (dev database → [`Catalog`]), runs the [`Rule`]s over the catalog,
//! points each violation at the desired file and line that declares the object
//! ([`Provenance`]), and drops the violations a `-- schemadiff:lint-ignore RULE` comment
//! silences. The rules are documented in `docs/lint.md`.

mod ignore;
mod render;
mod rules;
mod words;

pub use render::{github, human, json, plural, summary as render_summary};

use crate::catalog::{Catalog, ObjectId};
use crate::config::LintFile;
use crate::source::{DesiredFiles, Provenance};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// A lint rule. Ids are `group.name`; a group (`naming`) names all its rules in
/// `lint-ignore` comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Rule {
    /// Every name (schemas, tables, columns, views, indexes, named constraints, sequences,
    /// types, routines, triggers, policies) is lower-case words joined by `_`.
    #[serde(rename = "naming.snake_case")]
    SnakeCase,
    /// The last word of a table name is not an English plural (`-s`, `-es`, `-ies`).
    #[serde(rename = "naming.singular_table")]
    SingularTable,
    /// Table names start with the service's prefix (only when `table_prefix` is set).
    #[serde(rename = "naming.table_prefix")]
    TablePrefix,
    /// The primary key is `id uuid` (plus the partitioning columns PostgreSQL or
    /// TimescaleDB require in it).
    #[serde(rename = "keys.uuid_primary_key")]
    UuidPrimaryKey,
    /// The configured timestamp columns (default `created_at`, `updated_at`) exist, typed
    /// as timestamps.
    #[serde(rename = "columns.timestamps")]
    Timestamps,
    /// A foreign key is named `<table>_<referenced_table>_fk` (or
    /// `<table>_<referenced_table>_<qualifier>_fk`).
    #[serde(rename = "fk.name")]
    FkName,
    /// A foreign key's columns are the leading columns of an index of its table.
    #[serde(rename = "fk.indexed")]
    FkIndexed,
    /// A JSONB column used by a non-GIN index, or declared queried, has a GIN index.
    #[serde(rename = "index.gin_for_jsonb")]
    GinForJsonb,
    /// A table without a primary key.
    #[serde(rename = "risk.no_primary_key")]
    NoPrimaryKey,
    /// A `real` / `double precision` column named like money (amount, price, balance, ...).
    #[serde(rename = "risk.float_for_money")]
    FloatForMoney,
    /// A `timestamp without time zone` column.
    #[serde(rename = "risk.timestamp_without_time_zone")]
    TimestampWithoutTimeZone,
    /// A foreign key without an `ON DELETE` action.
    #[serde(rename = "risk.missing_fk_action")]
    MissingFkAction,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 12] = [
        Rule::SnakeCase,
        Rule::SingularTable,
        Rule::TablePrefix,
        Rule::UuidPrimaryKey,
        Rule::Timestamps,
        Rule::FkName,
        Rule::FkIndexed,
        Rule::GinForJsonb,
        Rule::NoPrimaryKey,
        Rule::FloatForMoney,
        Rule::TimestampWithoutTimeZone,
        Rule::MissingFkAction,
    ];

    /// The rule id, as configured and reported.
    pub fn id(self) -> &'static str {
        match self {
            Rule::SnakeCase => "naming.snake_case",
            Rule::SingularTable => "naming.singular_table",
            Rule::TablePrefix => "naming.table_prefix",
            Rule::UuidPrimaryKey => "keys.uuid_primary_key",
            Rule::Timestamps => "columns.timestamps",
            Rule::FkName => "fk.name",
            Rule::FkIndexed => "fk.indexed",
            Rule::GinForJsonb => "index.gin_for_jsonb",
            Rule::NoPrimaryKey => "risk.no_primary_key",
            Rule::FloatForMoney => "risk.float_for_money",
            Rule::TimestampWithoutTimeZone => "risk.timestamp_without_time_zone",
            Rule::MissingFkAction => "risk.missing_fk_action",
        }
    }

    /// The level a rule has when the configuration does not set one.
    pub fn default_level(self) -> Level {
        match self {
            Rule::GinForJsonb | Rule::TimestampWithoutTimeZone | Rule::MissingFkAction => {
                Level::Warning
            }
            _ => Level::Error,
        }
    }

    /// The rule of an id.
    pub fn parse(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == id)
    }

    /// True when `name` (a rule id or a group such as `naming`) names this rule.
    pub fn named_by(self, name: &str) -> bool {
        let id = self.id();
        id == name || id.split('.').next() == Some(name)
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// How a rule reports: not at all, as a warning (exit 0 unless `--strict`), or as an error
/// (exit 1).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// Words that end in `s` and are singular, never reported by `naming.singular_table`.
pub const SINGULAR_EXCEPTIONS: &[&str] = &[
    "access",
    "address",
    "alias",
    "analysis",
    "axis",
    "basis",
    "bonus",
    "bus",
    "business",
    "campus",
    "canvas",
    "census",
    "chassis",
    "class",
    "corpus",
    "crisis",
    "diagnosis",
    "focus",
    "gas",
    "lens",
    "news",
    "process",
    "progress",
    "prognosis",
    "radius",
    "series",
    "species",
    "status",
    "success",
    "synopsis",
    "thesis",
    "virus",
];

/// Words that, as a whole `_`-separated word of a column name, mark money.
pub const MONEY_WORDS: &[&str] = &[
    "amount", "balance", "cost", "fee", "price", "salary", "tax", "total", "payment", "charge",
    "discount", "refund", "revenue", "budget",
];

/// The resolved lint configuration of one service.
#[derive(Debug, Clone)]
pub struct Settings {
    pub levels: BTreeMap<Rule, Level>,
    /// The prefix every table name starts with (`naming.table_prefix`).
    pub table_prefix: Option<String>,
    /// Singular words ending in `s`, on top of [`SINGULAR_EXCEPTIONS`].
    pub singular_exceptions: BTreeSet<String>,
    /// Columns every table has (`columns.timestamps`).
    pub timestamps: Vec<String>,
    /// JSONB columns declared queried, as `table.column` or `schema.table.column`.
    pub queried_jsonb: BTreeSet<String>,
    /// Words that mark a money column (`risk.float_for_money`).
    pub money_words: BTreeSet<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            levels: Rule::ALL.iter().map(|r| (*r, r.default_level())).collect(),
            table_prefix: None,
            singular_exceptions: SINGULAR_EXCEPTIONS.iter().map(|s| s.to_string()).collect(),
            timestamps: vec!["created_at".into(), "updated_at".into()],
            queried_jsonb: BTreeSet::new(),
            money_words: MONEY_WORDS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl Settings {
    /// The settings a `lint:` section gives (the defaults for what it leaves out); an unknown
    /// rule id is an error naming it.
    pub fn from_file(file: &LintFile) -> Result<Settings, String> {
        let mut s = Settings::default();
        for (id, level) in &file.rules {
            let rule = Rule::parse(id).ok_or_else(|| unknown_rule(id))?;
            s.levels.insert(rule, *level);
        }
        if let Some(p) = &file.table_prefix {
            s.table_prefix = Some(p.clone()).filter(|p| !p.is_empty());
        }
        if let Some(list) = &file.singular_exceptions {
            s.singular_exceptions
                .extend(list.iter().map(|w| w.to_lowercase()));
        }
        if let Some(list) = &file.timestamps {
            s.timestamps = list.clone();
        }
        if let Some(list) = &file.queried_jsonb {
            s.queried_jsonb = list.iter().cloned().collect();
        }
        if let Some(list) = &file.money_words {
            s.money_words = list.iter().map(|w| w.to_lowercase()).collect();
        }
        Ok(s)
    }

    /// The level of `rule`.
    pub fn level(&self, rule: Rule) -> Level {
        self.levels
            .get(&rule)
            .copied()
            .unwrap_or(rule.default_level())
    }
}

/// The message for a rule id that does not exist.
pub fn unknown_rule(id: &str) -> String {
    let ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
    format!(
        "unknown lint rule `{id}` (the rules are {})",
        ids.join(", ")
    )
}

/// What a rule found on one object, before it is placed in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub object: ObjectId,
    pub message: String,
    pub help: String,
}

/// One reported violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub rule: Rule,
    pub level: Level,
    /// The object, as `table public.orders`, `column public.orders.total`, ...
    pub object: String,
    /// The desired file that declares the object (`None` when no file line declares it).
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    pub message: String,
    pub help: String,
}

/// The lint result of one service.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Sorted by file, line, rule and object.
    pub violations: Vec<Violation>,
    /// Violations a `lint-ignore` comment silenced.
    pub suppressed: usize,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.count(Level::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Level::Warning)
    }

    fn count(&self, level: Level) -> usize {
        self.violations.iter().filter(|v| v.level == level).count()
    }
}

/// A problem with the lint input itself.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LintError {
    #[error("{at}: {message}")]
    #[diagnostic(
        code(schemadiff::lint::ignore),
        help("write `-- schemadiff:lint-ignore RULE[, RULE...]` with rule ids or groups as `schemadiff lint` reports them (docs/lint.md)")
    )]
    Ignore { at: String, message: String },
}

/// The rules run over `catalog`, unplaced and unsuppressed, in rule then object order.
pub fn check(catalog: &Catalog, settings: &Settings) -> Vec<Finding> {
    rules::check(catalog, settings)
}

/// Lint the desired `catalog` loaded from `files`: the findings of the enabled rules,
/// placed at the line that declares each object, less those a `lint-ignore` comment
/// covers. A `lint-ignore` that names no rule, or an unknown one, is an error.
pub fn lint(
    files: &DesiredFiles,
    catalog: &Catalog,
    settings: &Settings,
) -> Result<Report, LintError> {
    let findings: Vec<Finding> = check(catalog, settings)
        .into_iter()
        .filter(|f| settings.level(f.rule) != Level::Off)
        .collect();
    let wanted: BTreeSet<String> = findings
        .iter()
        .filter_map(|f| match &f.object {
            ObjectId::Table { name } => Some(name.name.as_str()),
            ObjectId::Column { table, .. } | ObjectId::Constraint { table, .. } => {
                Some(table.name.as_str())
            }
            ObjectId::Trigger { name, .. } | ObjectId::Policy { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .map(str::to_string)
        .collect();
    let provenance = Provenance::of_files_for(files, &wanted);
    let ignores = ignore::of_files(files)?;
    let mut report = Report::default();
    for f in findings {
        let at = provenance.locate(&f.object, catalog);
        if at
            .as_ref()
            .is_some_and(|at| ignore::silenced(&ignores, at, f.rule))
        {
            report.suppressed += 1;
            continue;
        }
        report.violations.push(Violation {
            rule: f.rule,
            level: settings.level(f.rule),
            object: f.object.to_string(),
            file: at.as_ref().map(|l| l.path.clone()),
            line: at.as_ref().map(|l| l.line),
            message: f.message,
            help: f.help,
        });
    }
    report.violations.sort_by(|a, b| {
        (&a.file, a.line, a.rule, &a.object).cmp(&(&b.file, b.line, b.rule, &b.object))
    });
    Ok(report)
}
