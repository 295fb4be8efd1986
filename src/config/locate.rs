//! Re-finding the YAML line a value came from: serde gives positions for syntax and type
//! errors only, so the checks made after parsing look the key path up in the text.

use miette::SourceSpan;

/// The offset of the line that holds the last key of `keys` (each key searched after the
/// previous one, indented deeper than it); `None` when a key is not found.
pub fn key_offset(text: &str, keys: &[&str]) -> Option<usize> {
    let mut from = 0;
    let mut indent: Option<usize> = None;
    for key in keys {
        let mut found = None;
        let mut pos = from;
        for line in text[from..].split_inclusive('\n') {
            let trimmed = line.trim_start();
            let ind = line.len() - trimmed.len();
            let deeper = indent.is_none_or(|i| ind > i);
            let unquoted = trimmed.strip_prefix(key).and_then(|r| r.strip_prefix(':'));
            let quoted = trimmed
                .strip_prefix(&format!("\"{key}\""))
                .or_else(|| trimmed.strip_prefix(&format!("'{key}'")))
                .and_then(|r| r.strip_prefix(':'));
            if deeper && (unquoted.is_some() || quoted.is_some()) {
                found = Some((pos, ind));
                break;
            }
            pos += line.len();
        }
        let (at, ind) = found?;
        from = at;
        indent = Some(ind);
    }
    Some(from)
}

/// The offset of `needle` at or after the line of `keys` (the deepest key found), or of that
/// line when the needle is not there.
pub fn find(text: &str, keys: &[&str], needle: &str) -> usize {
    let mut keys = keys;
    let at = loop {
        if let Some(at) = key_offset(text, keys) {
            break at;
        }
        if keys.is_empty() {
            break 0;
        }
        keys = &keys[..keys.len() - 1];
    };
    text[at..].find(needle).map(|i| at + i).unwrap_or(at)
}

/// The span of the line holding `offset`, without its line break.
pub fn line_span(text: &str, offset: usize) -> SourceSpan {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let end = text[offset..]
        .find('\n')
        .map(|i| offset + i)
        .unwrap_or(text.len());
    let lead = text[start..end].len() - text[start..end].trim_start().len();
    let start = start + lead;
    (start, end.saturating_sub(start)).into()
}
