//! The lint report as text (`file:line: rule: message`), JSON and GitHub annotations.

use super::{Level, Report, Violation};
use crate::render::{escape_data, escape_property};
use serde_json::{json, Value};

fn place(v: &Violation) -> String {
    match (&v.file, v.line) {
        (Some(f), Some(l)) => format!("{}:{l}", f.display()),
        (Some(f), None) => f.display().to_string(),
        _ => "(no file)".into(),
    }
}

/// One line per violation, `file:line: rule (level): message`, its help below, and a
/// summary line.
pub fn human(report: &Report) -> String {
    let mut s = String::new();
    for v in &report.violations {
        s.push_str(&format!(
            "{}: {} ({}): {}\n    help: {}\n",
            place(v),
            v.rule,
            v.level.as_str(),
            v.message,
            v.help
        ));
    }
    s.push_str(&summary(report));
    s.push('\n');
    s
}

/// `1 error`, `2 errors`.
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// `2 errors, 1 warning (3 suppressed)`, or `no violations`.
pub fn summary(report: &Report) -> String {
    let mut s = if report.violations.is_empty() {
        "no violations".to_string()
    } else {
        format!(
            "{}, {}",
            plural(report.errors(), "error"),
            plural(report.warnings(), "warning")
        )
    };
    if report.suppressed > 0 {
        s.push_str(&format!(" ({} suppressed)", report.suppressed));
    }
    s
}

/// The report as JSON: `violations` (rule, level, object, file, line, message, help) and
/// `summary` (errors, warnings, suppressed).
pub fn json(report: &Report) -> Value {
    json!({
        "violations": report.violations,
        "summary": {
            "errors": report.errors(),
            "warnings": report.warnings(),
            "suppressed": report.suppressed,
        },
    })
}

/// One GitHub Actions annotation per violation (`error` or `warning`) at its file and
/// line; `service` is named in each title of a fleet run.
pub fn github(report: &Report, service: Option<&str>) -> String {
    let mut s = String::new();
    for v in &report.violations {
        let level = match v.level {
            Level::Error => "error",
            _ => "warning",
        };
        let mut props = Vec::new();
        if let Some(f) = &v.file {
            props.push(format!("file={}", escape_property(&f.to_string_lossy())));
        }
        if let Some(l) = v.line {
            props.push(format!("line={l}"));
        }
        let title = match service {
            Some(name) => format!("{name}: {}: {}", v.rule, v.object),
            None => format!("{}: {}", v.rule, v.object),
        };
        props.push(format!("title={}", escape_property(&title)));
        s.push_str(&format!(
            "::{level} {}::{}\n",
            props.join(","),
            escape_data(&format!("{}\nhelp: {}", v.message, v.help))
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::Rule;

    fn report() -> Report {
        Report {
            violations: vec![Violation {
                rule: Rule::FkIndexed,
                level: Level::Error,
                object: "constraint a_b_fk on public.a".into(),
                file: Some("schema/a, b.sql".into()),
                line: Some(7),
                message: "no index: 100%".into(),
                help: "CREATE INDEX ON public.a (b_id)".into(),
            }],
            suppressed: 1,
        }
    }

    #[test]
    fn human_lines_name_file_line_rule_and_help() {
        assert_eq!(
            human(&report()),
            "schema/a, b.sql:7: fk.indexed (error): no index: 100%\n    help: CREATE INDEX ON public.a (b_id)\n1 error, 0 warnings (1 suppressed)\n"
        );
    }

    #[test]
    fn github_annotations_escape_properties_and_data() {
        assert_eq!(
            github(&report(), Some("auth")),
            "::error file=schema/a%2C b.sql,line=7,title=auth%3A fk.indexed%3A constraint a_b_fk on public.a::no index: 100%25%0Ahelp: CREATE INDEX ON public.a (b_id)\n"
        );
    }

    #[test]
    fn json_has_rule_ids_and_counts() {
        let v = json(&report());
        assert_eq!(v["violations"][0]["rule"], "fk.indexed");
        assert_eq!(v["violations"][0]["level"], "error");
        assert_eq!(v["violations"][0]["line"], 7);
        assert_eq!(v["summary"]["errors"], 1);
        assert_eq!(v["summary"]["suppressed"], 1);
    }
}
