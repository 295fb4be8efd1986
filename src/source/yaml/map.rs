//! The SQL compiled from a YAML file and the map from its fragments back to the YAML nodes
//! they come from.

use std::ops::Range;

/// The SQL statements compiled from one YAML definitions file (each ends with `;` and a
/// line break) and where each fragment came from.
#[derive(Debug, Clone, Default)]
pub struct Compiled {
    pub sql: String,
    entries: Vec<Entry>,
}

/// A fragment of the SQL and the YAML node it was made from. `verbatim` when the
/// fragment is a copy of the node's text, so offsets inside it map one to one.
#[derive(Debug, Clone)]
struct Entry {
    sql: Range<usize>,
    yaml: Range<usize>,
    verbatim: bool,
}

impl Compiled {
    /// The YAML range for `len` bytes at `offset` of the compiled SQL: inside the innermost
    /// fragment there (to the byte when the fragment is verbatim YAML text, else the node's
    /// first line).
    pub fn locate(&self, text: &str, offset: usize, len: usize) -> Range<usize> {
        let best = self
            .entries
            .iter()
            .filter(|e| e.sql.start <= offset && offset < e.sql.end.max(e.sql.start + 1))
            .min_by_key(|e| e.sql.end - e.sql.start);
        let Some(e) = best else {
            return 0..0;
        };
        if e.verbatim {
            let start = e.yaml.start + (offset - e.sql.start);
            let end = (start + len.max(1)).min(e.yaml.end).max(start);
            return start..end;
        }
        first_line(text, &e.yaml)
    }

    /// The YAML node a whole statement was made from (the innermost fragment holding all
    /// of `sql`).
    pub fn statement(&self, sql: &Range<usize>) -> Range<usize> {
        self.entries
            .iter()
            .filter(|e| e.sql.start <= sql.start && sql.end <= e.sql.end)
            .min_by_key(|e| e.sql.end - e.sql.start)
            .map_or(0..0, |e| e.yaml.clone())
    }
}

fn first_line(text: &str, r: &Range<usize>) -> Range<usize> {
    let start = r.start.min(text.len());
    let end = r.end.min(text.len()).max(start);
    let cut = text[start..end].find('\n').map_or(end, |i| start + i);
    start..cut.max(start)
}

/// Builds [`Compiled`].
pub(crate) struct Out<'a> {
    pub text: &'a str,
    sql: String,
    entries: Vec<Entry>,
}

/// An open fragment, closed by [`Out::close`].
pub(crate) struct Mark {
    start: usize,
    yaml: Range<usize>,
}

impl<'a> Out<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Out {
            text,
            sql: String::new(),
            entries: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, s: &str) {
        self.sql.push_str(s);
    }

    /// Append `s`, made from the node at `yaml`.
    pub(crate) fn frag(&mut self, s: &str, yaml: &Range<usize>) {
        let start = self.sql.len();
        self.sql.push_str(s);
        let verbatim = self.text.get(yaml.clone()) == Some(s);
        self.entries.push(Entry {
            sql: start..self.sql.len(),
            yaml: yaml.clone(),
            verbatim,
        });
    }

    pub(crate) fn open(&self, yaml: &Range<usize>) -> Mark {
        Mark {
            start: self.sql.len(),
            yaml: yaml.clone(),
        }
    }

    pub(crate) fn close(&mut self, m: Mark) {
        self.entries.push(Entry {
            sql: m.start..self.sql.len(),
            yaml: m.yaml,
            verbatim: false,
        });
    }

    pub(crate) fn finish(self) -> Compiled {
        Compiled {
            sql: self.sql,
            entries: self.entries,
        }
    }
}
