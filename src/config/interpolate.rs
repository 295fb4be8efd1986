//! `${VAR}` and `${VAR:-default}` in configuration values; `$$` is a literal `$`.

/// Replace every reference in `text` with the value `var` gives it (or its default). Fails
/// with the name of the first variable that has neither.
pub fn interpolate(text: &str, var: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let Some(end) = body.find('}') else {
                out.push_str(&rest[i..]);
                return Ok(out);
            };
            let inner = &body[..end];
            let (name, default) = match inner.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            match var(name).filter(|v| !v.is_empty() || default.is_none()) {
                Some(v) => out.push_str(&v),
                None => match default {
                    Some(d) => out.push_str(d),
                    None => return Err(name.to_string()),
                },
            }
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::interpolate;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOST" => Some("db.internal".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn variables_defaults_and_escapes() {
        assert_eq!(
            interpolate("postgresql://${HOST}:${PORT:-5432}/app", &env).as_deref(),
            Ok("postgresql://db.internal:5432/app")
        );
        assert_eq!(interpolate("${EMPTY:-x}", &env).as_deref(), Ok("x"));
        assert_eq!(interpolate("a${EMPTY}b", &env).as_deref(), Ok("ab"));
        assert_eq!(interpolate("pa$$word", &env).as_deref(), Ok("pa$word"));
        assert_eq!(interpolate("cost $5", &env).as_deref(), Ok("cost $5"));
        assert_eq!(
            interpolate("x ${AUTH_URL} ${HOST}", &env),
            Err("AUTH_URL".to_string())
        );
    }
}
