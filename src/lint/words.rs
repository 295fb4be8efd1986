//! Name checks and the small readers of index and partition text the rules need.

use std::collections::BTreeSet;

/// Lower-case ASCII words of letters and digits joined by single `_`, starting with a
/// letter: `health_metric`, `v2_user`; not `HealthMetric`, `health__metric`, `_x`, `x_`.
pub fn is_snake_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.split('_').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// `name` in snake_case: camelCase humps and non-alphanumerics become `_`.
pub fn to_snake_case(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_alphanumeric() {
            if c.is_uppercase() && prev_lower {
                out.push('_');
            }
            out.extend(c.to_lowercase());
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    out.trim_matches('_').to_string()
}

/// For a table name whose last `_` word looks like an English plural, that word's
/// singular. The check is deliberately small: `-ies` → `-y`, `-xes`/`-ches`/`-shes`/`-sses`/
/// `-zes` → drop `es`, another `-s` → drop `s`; words ending `ss`, `us`, `is` and the
/// `exceptions` are singular. Irregular plurals (`people`, `children`, `data`) are not
/// recognised.
pub fn plural_word(name: &str, exceptions: &BTreeSet<String>) -> Option<(String, String)> {
    let word = name.rsplit('_').next()?.to_lowercase();
    if word.len() < 3 || exceptions.contains(&word) || !word.ends_with('s') {
        return None;
    }
    if ["ss", "us", "is"].iter().any(|e| word.ends_with(e)) {
        return None;
    }
    let singular = if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if ["xes", "ches", "shes", "sses", "zes"]
        .iter()
        .any(|e| word.ends_with(e))
    {
        word[..word.len() - 2].to_string()
    } else {
        word[..word.len() - 1].to_string()
    };
    Some((word, singular))
}

/// The identifiers (unquoted words folded to lower case, quoted ones as written) of an
/// expression text, outside string literals; keywords and function names are included.
pub fn identifiers(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' => {
                while let Some((_, c)) = chars.next() {
                    if c == '\'' {
                        if matches!(chars.peek(), Some((_, '\''))) {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
            }
            '"' => {
                let mut word = String::new();
                while let Some((_, c)) = chars.next() {
                    if c == '"' {
                        if matches!(chars.peek(), Some((_, '"'))) {
                            chars.next();
                            word.push('"');
                        } else {
                            break;
                        }
                    } else {
                        word.push(c);
                    }
                }
                out.insert(word);
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' || d == '$' {
                        end = j + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.insert(text[i..end].to_lowercase());
            }
            _ => {}
        }
    }
    out
}

/// The access method and the text after it (key list and any `WHERE`) of
/// `CREATE [UNIQUE] INDEX ON t USING method (...) [WHERE ...]`.
pub fn index_method(def: &str) -> Option<(&str, &str)> {
    let at = def.find(" USING ")?;
    let rest = &def[at + " USING ".len()..];
    let end = rest.find(' ')?;
    Some((&rest[..end], &rest[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case() {
        for ok in ["health_metric", "v2_user", "a", "x1"] {
            assert!(is_snake_case(ok), "{ok}");
        }
        for bad in [
            "HealthMetric",
            "health__metric",
            "_x",
            "x_",
            "1x",
            "userName",
            "a-b",
        ] {
            assert!(!is_snake_case(bad), "{bad}");
        }
        assert_eq!(to_snake_case("userName"), "user_name");
        assert_eq!(to_snake_case("HealthMetric"), "health_metric");
        assert_eq!(to_snake_case("order-Items"), "order_items");
    }

    #[test]
    fn plurals() {
        let ex: BTreeSet<String> = ["status".to_string()].into();
        let p = |n: &str| plural_word(n, &ex).map(|(_, s)| s);
        assert_eq!(p("health_metrics").as_deref(), Some("metric"));
        assert_eq!(p("care_categories").as_deref(), Some("category"));
        assert_eq!(p("plan_boxes").as_deref(), Some("box"));
        assert_eq!(p("auth_matches").as_deref(), Some("match"));
        assert_eq!(p("plan_status"), None);
        assert_eq!(p("auth_address"), None);
        assert_eq!(p("care_diagnosis"), None);
        assert_eq!(p("health_metric"), None);
        assert_eq!(p("people"), None, "irregular plurals are not recognised");
    }

    #[test]
    fn identifiers_skip_literals() {
        let ids = identifiers("(payload ->> 'Kind'::text)) WHERE (\"Flag\" AND x_1)");
        let want: BTreeSet<String> = ["payload", "text", "where", "Flag", "and", "x_1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(ids, want);
    }
}
