//! Reading a seeds folder: `*.yaml`/`*.yml` and `*.csv` files, one table each.

use super::{SeedError, SeedRow, SeedTable, SeedValue};
use crate::catalog::QualName;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlFile {
    table: String,
    key: Vec<String>,
    #[serde(default)]
    delete: bool,
    #[serde(default)]
    columns: Option<Vec<String>>,
    #[serde(default)]
    rows: Vec<BTreeMap<String, serde_yaml_ng::Value>>,
}

/// Every seed file of `dir`, sorted by file name; an absent folder has none.
pub fn load_dir(dir: &Path) -> Result<Vec<SeedTable>, SeedError> {
    let dir = &lexically_clean(dir);
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "csv")
            )
        })
        .collect();
    files.sort();
    let mut tables: Vec<SeedTable> = Vec::new();
    for f in files {
        let t = load_file(&f)?;
        if let Some(other) = tables.iter().find(|o| o.table == t.table) {
            return Err(SeedError::at(
                &t.file,
                1,
                format!(
                    "table {} is already seeded by {}",
                    t.table,
                    other.file.display()
                ),
            ));
        }
        tables.push(t);
    }
    Ok(tables)
}

/// `schema/austa/../../seeds/x` as `seeds/x`, for the paths diagnostics show.
fn lexically_clean(dir: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in dir.components() {
        match c {
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

fn io(path: &Path, e: std::io::Error) -> SeedError {
    SeedError::at(path, 0, format!("cannot read: {e}"))
}

/// One seed file.
pub fn load_file(path: &Path) -> Result<SeedTable, SeedError> {
    let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
    if path.extension().and_then(|e| e.to_str()) == Some("csv") {
        csv_table(path, &text)
    } else {
        yaml_table(path, &text)
    }
}

fn yaml_table(path: &Path, text: &str) -> Result<SeedTable, SeedError> {
    let file: YamlFile = serde_yaml_ng::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(1);
        SeedError::at(path, line, e.to_string())
    })?;
    let table = QualName::parse(&file.table).ok_or_else(|| {
        SeedError::at(
            path,
            line_of(text, "table:"),
            format!("`table: {}` is not a schema-qualified name", file.table),
        )
    })?;
    let lines = row_lines(text);
    let mut rows = Vec::new();
    for (i, raw) in file.rows.into_iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(1);
        let mut values = BTreeMap::new();
        for (col, v) in raw {
            values.insert(col.clone(), yaml_value(path, line, &col, v)?);
        }
        rows.push(SeedRow { line, values });
    }
    let columns = match file.columns {
        Some(c) => c,
        None => {
            let mut seen: Vec<String> = Vec::new();
            for r in &rows {
                for c in r.values.keys() {
                    if !seen.contains(c) {
                        seen.push(c.clone());
                    }
                }
            }
            seen
        }
    };
    SeedTable::checked(
        path.to_path_buf(),
        table,
        file.key,
        file.delete,
        columns,
        rows,
    )
}

fn yaml_value(
    path: &Path,
    line: usize,
    col: &str,
    v: serde_yaml_ng::Value,
) -> Result<SeedValue, SeedError> {
    use serde_yaml_ng::Value as Y;
    Ok(match v {
        Y::Null => SeedValue::Null,
        Y::Bool(b) => SeedValue::Text(b.to_string()),
        Y::Number(n) => SeedValue::Text(n.to_string()),
        Y::String(s) => SeedValue::Text(s),
        Y::Mapping(m) => {
            let get = |k: &str| m.get(Y::String(k.into()));
            let bad = || {
                SeedError::at(
                    path,
                    line,
                    format!("column {col}: a mapping must be {{lookup: schema.table, by: {{column: value}}, column: id}}"),
                )
            };
            let table = get("lookup")
                .and_then(|t| t.as_str())
                .and_then(QualName::parse)
                .ok_or_else(bad)?;
            let by_map = get("by").and_then(|b| b.as_mapping()).ok_or_else(bad)?;
            let mut by = BTreeMap::new();
            for (k, v) in by_map {
                let k = k.as_str().ok_or_else(bad)?.to_string();
                let v = match v {
                    Y::String(s) => s.clone(),
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    _ => return Err(bad()),
                };
                by.insert(k, v);
            }
            let column = match get("column") {
                Some(c) => c.as_str().ok_or_else(bad)?.to_string(),
                None => "id".to_string(),
            };
            if by.is_empty() || m.len() > 3 {
                return Err(bad());
            }
            SeedValue::Lookup { table, by, column }
        }
        Y::Sequence(_) | Y::Tagged(_) => {
            return Err(SeedError::at(
                path,
                line,
                format!("column {col}: write arrays and json as PostgreSQL text, e.g. '{{a,b}}' or '{{\"k\": 1}}'"),
            ))
        }
    })
}

fn line_of(text: &str, prefix: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().starts_with(prefix))
        .map(|i| i + 1)
        .unwrap_or(1)
}

/// The line of each `- ` item directly under `rows:` (block sequences, flow or block items).
fn row_lines(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| l.starts_with("rows:")) else {
        return Vec::new();
    };
    let mut indent: Option<usize> = None;
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate().skip(start + 1) {
        let trimmed = l.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let ind = l.len() - trimmed.len();
        if ind == 0 && !trimmed.starts_with('-') {
            break;
        }
        if trimmed.starts_with("- ") || trimmed == "-" {
            match indent {
                None => {
                    indent = Some(ind);
                    out.push(i + 1);
                }
                Some(n) if n == ind => out.push(i + 1),
                _ => {}
            }
        }
    }
    out
}

/// A CSV seed file: the name is `schema.table.csv`; leading `# key: a, b` and
/// `# delete: true` lines set the key and deletion; then a header row and the rows. An
/// unquoted empty field is NULL, a quoted one (`""`) the empty string.
fn csv_table(path: &Path, text: &str) -> Result<SeedTable, SeedError> {
    let stem = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".csv"))
        .unwrap_or_default();
    let table = QualName::parse(stem).ok_or_else(|| {
        SeedError::at(
            path,
            1,
            "a CSV seed file is named schema.table.csv".to_string(),
        )
    })?;
    let mut key: Vec<String> = Vec::new();
    let mut delete = false;
    let mut records = Vec::new();
    let mut line_no = 0;
    let mut pending: Option<(usize, String)> = None;
    for line in text.lines() {
        line_no += 1;
        if let Some((start, mut acc)) = pending.take() {
            acc.push('\n');
            acc.push_str(line);
            if quotes_balanced(&acc) {
                records.push((start, acc));
            } else {
                pending = Some((start, acc));
            }
            continue;
        }
        if records.is_empty() && line.starts_with('#') {
            let opt = line.trim_start_matches('#').trim();
            if let Some(k) = opt.strip_prefix("key:") {
                key = k.split(',').map(|s| s.trim().to_string()).collect();
            } else if let Some(d) = opt.strip_prefix("delete:") {
                delete = match d.trim() {
                    "true" => true,
                    "false" => false,
                    other => {
                        return Err(SeedError::at(
                            path,
                            line_no,
                            format!("`# delete:` is true or false, not {other}"),
                        ))
                    }
                };
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        if quotes_balanced(line) {
            records.push((line_no, line.to_string()));
        } else {
            pending = Some((line_no, line.to_string()));
        }
    }
    if let Some((start, _)) = pending {
        return Err(SeedError::at(
            path,
            start,
            "unterminated quoted field".into(),
        ));
    }
    let mut it = records.into_iter();
    let Some((hline, header)) = it.next() else {
        return Err(SeedError::at(path, 1, "no header row".into()));
    };
    let columns: Vec<String> = csv_fields(&header)
        .into_iter()
        .map(|f| f.unwrap_or_default())
        .collect();
    if key.is_empty() {
        return Err(SeedError::at(
            path,
            hline,
            "a CSV seed file needs a `# key: column[, column]` line before its header".into(),
        ));
    }
    let mut rows = Vec::new();
    for (line, rec) in it {
        let fields = csv_fields(&rec);
        if fields.len() != columns.len() {
            return Err(SeedError::at(
                path,
                line,
                format!("{} fields, the header has {}", fields.len(), columns.len()),
            ));
        }
        let values = columns
            .iter()
            .cloned()
            .zip(fields.into_iter().map(|f| match f {
                Some(s) => SeedValue::Text(s),
                None => SeedValue::Null,
            }))
            .collect();
        rows.push(SeedRow { line, values });
    }
    SeedTable::checked(path.to_path_buf(), table, key, delete, columns, rows)
}

fn quotes_balanced(s: &str) -> bool {
    s.chars().filter(|&c| c == '"').count() % 2 == 0
}

/// Split one record; `None` is an unquoted empty field.
fn csv_fields(rec: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut in_quotes = false;
    let mut chars = rec.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' && field.is_empty() && !quoted {
            quoted = true;
            in_quotes = true;
        } else if c == ',' {
            out.push(finish(std::mem::take(&mut field), quoted));
            quoted = false;
        } else {
            field.push(c);
        }
    }
    out.push(finish(field, quoted));
    out
}

fn finish(field: String, quoted: bool) -> Option<String> {
    if !quoted && field.is_empty() {
        None
    } else {
        Some(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_quoted_empty_and_null() {
        assert_eq!(
            csv_fields(r#"a,"b,c",,"",x"#),
            vec![
                Some("a".into()),
                Some("b,c".into()),
                None,
                Some(String::new()),
                Some("x".into())
            ]
        );
        assert_eq!(csv_fields("a,"), vec![Some("a".into()), None]);
        assert_eq!(
            csv_fields(r#""say ""hi""""#),
            vec![Some(r#"say "hi""#.into())]
        );
    }

    #[test]
    fn paths_are_shown_without_dot_dot() {
        assert_eq!(
            lexically_clean(Path::new("schema/austa/../../seeds/austa/auth")),
            PathBuf::from("seeds/austa/auth")
        );
        assert_eq!(
            lexically_clean(Path::new("../x/./y")),
            PathBuf::from("../x/y")
        );
        assert_eq!(lexically_clean(Path::new("a/..")), PathBuf::from("."));
    }

    #[test]
    fn row_lines_of_flow_and_block_items() {
        let text = "table: a.b\nkey: [k]\nrows:\n  - {k: 1}\n  - k: 2\n    v: x\n  - {k: 3}\n";
        assert_eq!(row_lines(text), vec![4, 5, 7]);
    }
}
