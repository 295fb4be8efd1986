//! A YAML document as a tree of nodes with byte spans, read with saphyr's event parser
//! (serde_yaml_ng gives no positions for values that parse), so that every generated
//! statement and every error can point at the node it comes from.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::BTreeMap;
use std::ops::Range;

use super::error::Problem;

/// One node and where it is in the file (bytes).
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub span: Range<usize>,
    pub kind: Kind,
}

/// What a node holds.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A scalar; `plain` when unquoted and untagged (so `null`, `true`, `12` take their
    /// YAML meaning).
    Scalar {
        value: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A plain scalar YAML reads as null (`~`, `null`, nothing).
    pub(crate) fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { value, plain: true, .. }
            if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }
}

/// Char index to byte offset (the parser counts characters).
struct Offsets {
    bytes: Option<Vec<usize>>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Self {
        let bytes = (!text.is_ascii()).then(|| {
            let mut v: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
            v.push(text.len());
            v
        });
        Offsets {
            bytes,
            len: text.len(),
        }
    }

    fn byte(&self, index: usize) -> usize {
        match &self.bytes {
            Some(v) => v.get(index).copied().unwrap_or(self.len),
            None => index.min(self.len),
        }
    }

    fn range(&self, span: Span) -> Range<usize> {
        self.byte(span.start.index())..self.byte(span.end.index())
    }
}

enum Open {
    Seq(Range<usize>, Vec<Node>, usize),
    Map(Range<usize>, Vec<(Node, Node)>, Option<Node>, usize),
}

/// Parse one YAML document; `None` for a file without content (empty or comments only).
pub(crate) fn parse(text: &str) -> Result<Option<Node>, Problem> {
    let offsets = Offsets::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: BTreeMap<usize, Node> = BTreeMap::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            let at = offsets.byte(e.marker().index());
            Problem::syntax(e.info().to_string(), at..at)
        })?;
        let range = offsets.range(span);
        let done = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(Problem::invalid(
                        "a definitions file holds one YAML document".into(),
                        "merge the documents or split them into separate files",
                        range,
                    ));
                }
                None
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => Some((
                    Node {
                        span: range,
                        kind: n.kind.clone(),
                    },
                    0,
                )),
                None => {
                    return Err(Problem::syntax("unknown alias".into(), range));
                }
            },
            Event::Scalar(value, style, anchor, tag) => {
                let tagged = tag.is_some();
                let plain = style == ScalarStyle::Plain && !tagged;
                let trimmed = text
                    .get(range.clone())
                    .map_or(0, |t| t.len() - t.trim_end().len());
                let range = range.start..(range.end - trimmed).max(range.start);
                Some((
                    Node {
                        span: range,
                        kind: Kind::Scalar {
                            value: value.into_owned(),
                            plain,
                        },
                    },
                    anchor,
                ))
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Open::Seq(range, Vec::new(), anchor));
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Open::Map(range, Vec::new(), None, anchor));
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Open::Seq(start, items, anchor)) => {
                    let end = items
                        .last()
                        .map_or(range.end, |n| n.span.end.max(range.start));
                    let end = if text[start.start..].starts_with('[') {
                        range.end
                    } else {
                        end
                    };
                    Some((
                        Node {
                            span: start.start..end.max(start.start),
                            kind: Kind::Seq(items),
                        },
                        anchor,
                    ))
                }
                _ => None,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Open::Map(start, entries, _, anchor)) => {
                    let end = entries.last().map_or(range.end, |(_, v)| v.span.end);
                    let end = if text[start.start..].starts_with('{') {
                        range.end
                    } else {
                        end
                    };
                    Some((
                        Node {
                            span: start.start..end.max(start.start),
                            kind: Kind::Map(entries),
                        },
                        anchor,
                    ))
                }
                _ => None,
            },
        };
        let Some((node, anchor)) = done else {
            continue;
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            Some(Open::Seq(_, items, _)) => items.push(node),
            Some(Open::Map(_, entries, key, _)) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => *key = Some(node),
            },
            None => root = Some(node),
        }
    }
    Ok(root.filter(|n| !n.is_null()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_bytes_of_the_nodes() {
        let text = "# é\ntables:\n  t:\n    columns:\n      id: uuid\n      n: { type: 'int' }\n";
        let root = parse(text).unwrap().unwrap();
        let Kind::Map(top) = &root.kind else { panic!() };
        assert_eq!(&text[top[0].0.span.clone()], "tables");
        let Kind::Map(tables) = &top[0].1.kind else {
            panic!()
        };
        let Kind::Map(t) = &tables[0].1.kind else {
            panic!()
        };
        let Kind::Map(cols) = &t[0].1.kind else {
            panic!()
        };
        assert_eq!(&text[cols[0].1.span.clone()], "uuid");
        assert_eq!(&text[cols[1].1.span.clone()], "{ type: 'int' }");
        let Kind::Map(n) = &cols[1].1.kind else {
            panic!()
        };
        assert_eq!(&text[n[0].1.span.clone()], "'int'");
        assert!(matches!(&n[0].1.kind, Kind::Scalar { plain: false, .. }));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(
            e.class == crate::source::yaml::error::Class::Syntax,
            "{e:?}"
        );
        assert!(parse("").unwrap().is_none());
        assert!(parse("# nothing\n").unwrap().is_none());
    }
}
