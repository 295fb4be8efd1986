//! The `lint:` section of `schemadiff.yaml`, at the top level (every service) and per
//! service (overriding the top level key by key, and rule by rule).

use crate::lint::Level;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Configuration of `schemadiff lint` (docs/lint.md).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LintFile {
    /// Rule id (`naming.snake_case`, `fk.indexed`, ...) → `off`, `warning` or `error`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, Level>,
    /// The prefix every table name starts with (`naming.table_prefix`), e.g. `health_`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_prefix: Option<String>,
    /// Words ending in `s` that are singular (`naming.singular_table`), added to the
    /// built-in list (status, address, series, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub singular_exceptions: Option<Vec<String>>,
    /// Columns every table has (`columns.timestamps`); default `[created_at, updated_at]`,
    /// add `deleted_at` where soft delete is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamps: Option<Vec<String>>,
    /// JSONB columns that queries filter on, as `table.column` or `schema.table.column`
    /// (`index.gin_for_jsonb`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queried_jsonb: Option<Vec<String>>,
    /// Words that mark a money column (`risk.float_for_money`); replaces the built-in list
    /// (amount, price, balance, cost, fee, total, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub money_words: Option<Vec<String>>,
}

impl LintFile {
    pub fn is_empty(&self) -> bool {
        *self == LintFile::default()
    }

    /// `over` applied on top of `self`: its rules replace these rule by rule, each of its
    /// other keys replaces this one when set.
    pub fn merged(&self, over: &LintFile) -> LintFile {
        let mut rules = self.rules.clone();
        rules.extend(over.rules.iter().map(|(k, v)| (k.clone(), *v)));
        let pick = |a: &Option<Vec<String>>, b: &Option<Vec<String>>| b.clone().or(a.clone());
        LintFile {
            rules,
            table_prefix: over.table_prefix.clone().or(self.table_prefix.clone()),
            singular_exceptions: pick(&self.singular_exceptions, &over.singular_exceptions),
            timestamps: pick(&self.timestamps, &over.timestamps),
            queried_jsonb: pick(&self.queried_jsonb, &over.queried_jsonb),
            money_words: pick(&self.money_words, &over.money_words),
        }
    }
}
