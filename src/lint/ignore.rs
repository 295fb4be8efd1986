//! `schemadiff:lint-ignore` comments: `-- schemadiff:lint-ignore RULE` in SQL (read with the
//! rename annotations' tokens, [`lint_ignores`]) and `# schemadiff:lint-ignore RULE` in YAML
//! definitions, where the comment covers the next key and everything nested under it.

use super::{unknown_rule, LintError, Rule};
use crate::source::annotations::{lint_ignores, lint_rules, LintIgnore};
use crate::source::{yaml, DesiredFiles, Location, SourceFile};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The comments of every desired file, by the path provenance shows for it. A comment that
/// names no rule, or an unknown one, is an error at its line.
pub fn of_files(files: &DesiredFiles) -> Result<BTreeMap<PathBuf, Vec<LintIgnore>>, LintError> {
    let mut out: BTreeMap<PathBuf, Vec<LintIgnore>> = BTreeMap::new();
    for f in &files.files {
        let found = if yaml::is_yaml(&f.path) {
            yaml_ignores(f)
        } else {
            lint_ignores(f)
        };
        let path = crate::source::shown_path(&f.path);
        for ig in &found {
            let at = format!("{}:{}", path.display(), ig.line);
            if ig.rules.is_empty() {
                return Err(LintError::Ignore {
                    at,
                    message: "lint-ignore names no rule".into(),
                });
            }
            if let Some(r) = ig
                .rules
                .iter()
                .find(|r| !Rule::ALL.iter().any(|rule| rule.named_by(r)))
            {
                return Err(LintError::Ignore {
                    at,
                    message: unknown_rule(r),
                });
            }
        }
        if !found.is_empty() {
            out.entry(path).or_default().extend(found);
        }
    }
    Ok(out)
}

/// True when a comment covering `at` names `rule`.
pub fn silenced(ignores: &BTreeMap<PathBuf, Vec<LintIgnore>>, at: &Location, rule: Rule) -> bool {
    ignores.get(&at.path).is_some_and(|list| {
        list.iter().any(|ig| {
            (ig.covers.0..=ig.covers.1).contains(&at.line)
                && ig.rules.iter().any(|r| rule.named_by(r))
        })
    })
}

/// `# schemadiff:lint-ignore RULE` lines of a YAML file: each covers the next line that is
/// not blank or a comment, and the lines after it indented deeper (its nested keys).
fn yaml_ignores(file: &SourceFile) -> Vec<LintIgnore> {
    let lines: Vec<&str> = file.text.lines().collect();
    let content = |l: &str| {
        let t = l.trim_start();
        !t.is_empty() && !t.starts_with('#')
    };
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(directive) = line
            .trim_start()
            .strip_prefix('#')
            .and_then(|c| c.trim_start().strip_prefix("schemadiff:"))
        else {
            continue;
        };
        let Some(rules) = lint_rules(directive.trim()) else {
            continue;
        };
        let Some(first) = (i + 1..lines.len()).find(|&j| content(lines[j])) else {
            continue;
        };
        let depth = indent(lines[first]);
        let last = (first + 1..lines.len())
            .take_while(|&j| !content(lines[j]) || indent(lines[j]) > depth)
            .filter(|&j| content(lines[j]))
            .last()
            .unwrap_or(first);
        out.push(LintIgnore {
            rules,
            line: i + 1,
            covers: (first + 1, last + 1),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_yaml_comment_covers_the_next_key_and_its_nested_keys() {
        let text = "\
tables:
  # schemadiff:lint-ignore naming.singular_table, columns
  plan_members:
    columns:
      # schemadiff:lint-ignore naming.snake_case
      fullName: text

      id: uuid
  plan_claim:
    columns: {}
";
        let found = yaml_ignores(&SourceFile {
            path: "a.yaml".into(),
            text: text.into(),
        });
        assert_eq!(
            found,
            vec![
                LintIgnore {
                    rules: vec!["naming.singular_table".into(), "columns".into()],
                    line: 2,
                    covers: (3, 8),
                },
                LintIgnore {
                    rules: vec!["naming.snake_case".into()],
                    line: 5,
                    covers: (6, 6),
                },
            ]
        );
    }
}
