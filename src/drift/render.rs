//! The human and Markdown forms of a drift report (JSON is its serde form).

use super::{Category, DriftReport, Finding, Kind};
use std::fmt::Write;

/// The groups of a report in the order they are shown: security, then missing, unexpected
/// and changed (of the other categories).
fn groups(r: &DriftReport) -> Vec<(&'static str, Vec<&Finding>)> {
    let security: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.category == Category::Security)
        .collect();
    let of = |k: Kind| -> Vec<&Finding> {
        r.findings
            .iter()
            .filter(|f| f.category != Category::Security && f.kind == k)
            .collect()
    };
    [
        ("security", security),
        ("missing", of(Kind::Missing)),
        ("unexpected", of(Kind::Unexpected)),
        ("changed", of(Kind::Changed)),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `6 security, 1 missing, 2 changed`: the sizes of the groups as shown.
fn counts(r: &DriftReport) -> String {
    groups(r)
        .iter()
        .map(|(title, list)| format!("{} {title}", list.len()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Unmanaged objects, schemas outside the scope with their object counts, and what the
/// ignore patterns matched.
fn outside_lines(r: &DriftReport, name: fn(&str) -> String) -> Vec<String> {
    let mut lines = Vec::new();
    if !r.unmanaged.is_empty() {
        let list: Vec<String> = r
            .unmanaged
            .iter()
            .map(|u| format!("{} {}", u.kind, name(&u.identity)))
            .collect();
        lines.push(format!(
            "not managed ({}): {}",
            plural(r.unmanaged.len(), "object", "objects"),
            list.join(", ")
        ));
    }
    for s in &r.out_of_scope.schemas {
        let what: Vec<String> = s.objects.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let what = if what.is_empty() {
            "empty".to_string()
        } else {
            what.join(", ")
        };
        lines.push(format!("schema {} (not managed): {what}", name(&s.schema)));
    }
    let ignored = &r.out_of_scope.ignored;
    if !ignored.is_empty() {
        let per: Vec<String> = ignored
            .iter()
            .map(|p| format!("{} {}", name(&p.pattern), p.objects.len()))
            .collect();
        let total: std::collections::BTreeSet<&String> =
            ignored.iter().flat_map(|p| &p.objects).collect();
        // patterns that matched nothing stay in the JSON; a text report names them only
        // beside a match, so a clean service reads clean
        if total.is_empty() {
            return lines;
        }
        lines.push(format!(
            "ignored: {} ({})",
            plural(total.len(), "object", "objects"),
            per.join(", ")
        ));
    }
    lines
}

/// The report for a terminal or a log: a headline, the findings by group with their fix
/// indented under them, then what is outside the managed scope.
pub fn human(r: &DriftReport) -> String {
    let mut s = if r.drift {
        format!(
            "{}: drift, {} ({})\n",
            r.target,
            plural(r.findings.len(), "finding", "findings"),
            counts(r)
        )
    } else {
        format!("{}: no drift\n", r.target)
    };
    for (title, list) in groups(r) {
        let _ = writeln!(s, "{title}:");
        for f in list {
            let _ = writeln!(
                s,
                "  {:<10} {:<28} {}: {}",
                f.kind.as_str(),
                f.code.as_str(),
                f.object,
                f.detail
            );
            for line in f.fix.lines() {
                let _ = writeln!(s, "      {line}");
            }
        }
    }
    let outside = outside_lines(r, |n| n.to_string());
    if !outside.is_empty() {
        s.push_str("outside the managed scope (not drift):\n");
        for l in outside {
            let _ = writeln!(s, "  {l}");
        }
    }
    s
}

/// `text` as inline code, with a fence longer than any run of backticks in it.
fn code_span(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The report for a pull request or an issue: a table per group (security first), the fix
/// folded, and what is outside the managed scope in a list.
pub fn markdown(r: &DriftReport) -> String {
    let mut s = format!("### schemadiff drift: `{}`\n\n", cell(&r.target));
    if !r.drift {
        s.push_str("No drift.\n");
    } else {
        let _ = writeln!(
            s,
            "**Drift: {}** ({})\n",
            plural(r.findings.len(), "finding", "findings"),
            counts(r)
        );
        for (title, list) in groups(r) {
            let mut heading = title.to_string();
            heading[..1].make_ascii_uppercase();
            let _ = writeln!(s, "#### {heading}\n");
            s.push_str("| kind | code | object | detail |\n|---|---|---|---|\n");
            for f in &list {
                let _ = writeln!(
                    s,
                    "| {} | `{}` | {} | {} |",
                    f.kind.as_str(),
                    f.code.as_str(),
                    cell(&code_span(&f.object)),
                    cell(&f.detail)
                );
            }
            let fix: Vec<&str> = list.iter().map(|f| f.fix.as_str()).collect();
            let statements: usize = list.iter().map(|f| f.steps.len()).sum();
            let _ = writeln!(
                s,
                "\n<details><summary>Fix ({})</summary>\n\n```sql\n{}\n```\n\n</details>\n",
                plural(statements, "statement", "statements"),
                fix.join("\n")
            );
        }
    }
    let outside = outside_lines(r, code_span);
    if !outside.is_empty() {
        s.push_str("\n#### Outside the managed scope (not drift)\n\n");
        for l in outside {
            let _ = writeln!(s, "- {}", l);
        }
    }
    s
}
