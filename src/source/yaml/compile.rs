//! YAML definitions to SQL statements. Each statement, and each fragment inside it (a column
//! line, a type, a default, an expression), is recorded with the YAML node it comes from.
//! A `renamed_from:` becomes the `-- schemadiff:renamed-from old` line right before what
//! it annotates, the form the SQL annotation parser reads.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};
use std::collections::BTreeSet;
use std::ops::Range;

use super::de::Spanned;
use super::error::Problem;
use super::map::{Compiled, Out};
use super::model::{
    Definitions, EnumDef, ExtensionDef, IndexKey, Interval, Named, Nulls, Order, SchemaDef,
};
use crate::catalog::{quote_literal, Ident};

/// Compile parsed definitions of the file whose text is `text`. With a file `schema`, the
/// statements after the schemas and extensions run with `SET search_path TO schema,
/// public`, so that types and functions named without a schema in SQL values are found
/// there first (extensions without a `schema` still go to the server's default).
pub(crate) fn compile(text: &str, defs: &Definitions) -> Result<Compiled, Problem> {
    let mut c = C {
        out: Out::new(text),
        schema: defs.schema.as_ref(),
    };
    unique_names(&defs.schemas, "schema")?;
    unique_names(&defs.extensions, "extension")?;
    unique_names(&defs.enums, "enum")?;
    unique_names(&defs.tables, "table")?;
    for (name, def) in &defs.schemas.0 {
        c.schema_def(name, def)?;
    }
    for (name, def) in &defs.extensions.0 {
        c.extension(name, def)?;
    }
    if let Some(s) = &defs.schema {
        c.statement(&s.span, |c| {
            c.out.push("SET search_path TO ");
            c.push_name(s)?;
            c.out.push(", public");
            Ok(())
        })?;
    }
    for (name, def) in &defs.enums.0 {
        c.enum_def(name, def)?;
    }
    for (name, def) in &defs.tables.0 {
        c.table(name, def)?;
    }
    Ok(c.out.finish())
}

fn unique_names<T>(named: &Named<T>, what: &str) -> Result<(), Problem> {
    let mut seen = BTreeSet::new();
    for (k, _) in &named.0 {
        if !seen.insert(k.value.as_str()) {
            return Err(Problem::invalid(
                format!("{what} `{}` is defined twice", k.value),
                "keep one definition",
                k.span.clone(),
            ));
        }
    }
    Ok(())
}

/// The whole span of an entry: from its key to the end of its value.
pub(crate) fn entry_span<T>(key: &Spanned<String>, value: &Spanned<T>) -> Range<usize> {
    key.span.start..value.span.end.max(key.span.end)
}

pub(crate) struct C<'a> {
    pub out: Out<'a>,
    pub schema: Option<&'a Spanned<String>>,
}

impl<'a> C<'a> {
    /// An identifier as written (never folded).
    pub(crate) fn name(&self, s: &Spanned<String>) -> Result<Ident, Problem> {
        if s.value.is_empty() || s.value.contains('\0') {
            return Err(Problem::invalid(
                "a name cannot be empty or hold a NUL character".into(),
                "write the object's name",
                s.span.clone(),
            ));
        }
        Ok(Ident::new(s.value.clone()))
    }

    /// Append a name, mapped to its node.
    pub(crate) fn push_name(&mut self, s: &Spanned<String>) -> Result<(), Problem> {
        let n = self.name(s)?.to_string();
        self.out.frag(&n, &s.span);
        Ok(())
    }

    /// Append `schema.name` (or `name` when no schema is given here or for the file).
    pub(crate) fn push_qual(
        &mut self,
        schema: Option<&Spanned<String>>,
        name: &Spanned<String>,
    ) -> Result<(), Problem> {
        if let Some(s) = schema.or(self.schema) {
            self.push_name(s)?;
            self.out.push(".");
        }
        self.push_name(name)
    }

    /// The text of `schema.name` (for literals and comments).
    pub(crate) fn qual_text(
        &self,
        schema: Option<&Spanned<String>>,
        name: &Spanned<String>,
    ) -> Result<String, Problem> {
        let n = self.name(name)?;
        Ok(match schema.or(self.schema) {
            Some(s) => format!("{}.{}", self.name(s)?, n),
            None => n.to_string(),
        })
    }

    /// Append a list of names: `a, b`.
    pub(crate) fn push_names(&mut self, names: &[Spanned<String>]) -> Result<(), Problem> {
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                self.out.push(", ");
            }
            self.push_name(n)?;
        }
        Ok(())
    }

    /// Append an SQL fragment written in the YAML (a type, a default, an expression).
    pub(crate) fn push_sql(&mut self, s: &Spanned<String>) -> Result<(), Problem> {
        check_fragment(s)?;
        self.out.frag(&s.value, &s.span);
        Ok(())
    }

    /// Append a string literal made from a YAML value.
    pub(crate) fn push_literal(&mut self, s: &Spanned<String>) {
        self.out.frag(&quote_literal(&s.value), &s.span);
    }

    /// Append an interval: `INTERVAL '7 days'` or an integer.
    pub(crate) fn push_interval(&mut self, i: &Spanned<Interval>) {
        let text = match &i.value {
            Interval::Text(t) => format!("INTERVAL {}", quote_literal(t)),
            Interval::Integer(n) => n.to_string(),
        };
        self.out.frag(&text, &i.span);
    }

    /// The `-- schemadiff:renamed-from old` line; `label` for an enum value.
    pub(crate) fn renamed(
        &mut self,
        old: Option<&Spanned<String>>,
        label: bool,
    ) -> Result<(), Problem> {
        let Some(old) = old else { return Ok(()) };
        if old.value.contains(['\n', '\r']) {
            return Err(Problem::invalid(
                "renamed_from holds a line break".into(),
                "write the old name on one line",
                old.span.clone(),
            ));
        }
        let text = if label {
            quote_literal(&old.value)
        } else {
            self.name(old)?.to_string()
        };
        let m = self.out.open(&old.span);
        self.out.push("-- schemadiff:renamed-from ");
        self.out.frag(&text, &old.span);
        self.out.close(m);
        self.out.push("\n");
        Ok(())
    }

    /// One statement made from the node at `yaml`: `body` appends its text, then `;`.
    pub(crate) fn statement(
        &mut self,
        yaml: &Range<usize>,
        body: impl FnOnce(&mut Self) -> Result<(), Problem>,
    ) -> Result<(), Problem> {
        let m = self.out.open(yaml);
        body(self)?;
        self.out.close(m);
        self.out.push(";\n");
        Ok(())
    }

    /// `COMMENT ON <what> IS '...'` for the comment node `c`; `target` appends the object.
    pub(crate) fn comment(
        &mut self,
        c: Option<&Spanned<String>>,
        what: &str,
        target: impl FnOnce(&mut Self) -> Result<(), Problem>,
    ) -> Result<(), Problem> {
        let Some(c) = c else { return Ok(()) };
        self.statement(&c.span, |s| {
            s.out.push("COMMENT ON ");
            s.out.push(what);
            s.out.push(" ");
            target(s)?;
            s.out.push(" IS ");
            s.push_literal(c);
            Ok(())
        })
    }

    /// `CREATE SCHEMA IF NOT EXISTS name`
    fn schema_def(
        &mut self,
        name: &Spanned<String>,
        def: &Spanned<SchemaDef>,
    ) -> Result<(), Problem> {
        self.statement(&entry_span(name, def), |s| {
            s.out.push("CREATE SCHEMA IF NOT EXISTS ");
            s.push_name(name)
        })?;
        self.comment(def.comment.as_ref(), "SCHEMA", |s| s.push_name(name))
    }

    /// `CREATE EXTENSION IF NOT EXISTS name [WITH SCHEMA s] [VERSION 'v']`
    fn extension(
        &mut self,
        name: &Spanned<String>,
        def: &Spanned<ExtensionDef>,
    ) -> Result<(), Problem> {
        self.statement(&entry_span(name, def), |s| {
            s.out.push("CREATE EXTENSION IF NOT EXISTS ");
            s.push_name(name)?;
            if let Some(schema) = &def.schema {
                s.out.push(" WITH SCHEMA ");
                s.push_name(schema)?;
            }
            if let Some(v) = &def.version {
                s.out.push(" VERSION ");
                s.push_literal(v);
            }
            Ok(())
        })
    }

    /// `CREATE TYPE name AS ENUM ('a', 'b')`, a label per line.
    fn enum_def(&mut self, name: &Spanned<String>, def: &Spanned<EnumDef>) -> Result<(), Problem> {
        let mut seen = BTreeSet::new();
        for v in &def.values {
            if !seen.insert(v.0.name.value.as_str()) {
                return Err(Problem::invalid(
                    format!("label `{}` is listed twice", v.0.name.value),
                    "an enum's labels are distinct",
                    v.span.clone(),
                ));
            }
        }
        self.renamed(def.renamed_from.as_ref(), false)?;
        self.statement(&entry_span(name, def), |s| {
            s.out.push("CREATE TYPE ");
            s.push_qual(def.schema.as_ref(), name)?;
            s.out.push(" AS ENUM (");
            for (i, v) in def.values.iter().enumerate() {
                s.out.push(if i == 0 { "\n" } else { ",\n" });
                let m = s.out.open(&v.span);
                s.renamed(v.0.renamed_from.as_ref(), true)?;
                s.out.push("    ");
                s.push_literal(&v.0.name);
                s.out.close(m);
            }
            s.out.push(if def.values.is_empty() { ")" } else { "\n)" });
            Ok(())
        })?;
        self.comment(def.comment.as_ref(), "TYPE", |s| {
            s.push_qual(def.schema.as_ref(), name)
        })
    }
}

/// Append an index key: `column` or `(expression)`, then `COLLATE`, operator class, order,
/// nulls.
pub(crate) fn push_key(
    c: &mut C,
    k: &Spanned<super::model::Form<IndexKey>>,
) -> Result<(), Problem> {
    let key = &k.0;
    let m = c.out.open(&k.span);
    match (&key.column, &key.expression) {
        (Some(col), None) => c.push_name(col)?,
        (None, Some(e)) => {
            c.out.push("(");
            c.push_sql(e)?;
            c.out.push(")");
        }
        _ => {
            return Err(Problem::invalid(
                "a key has either `column` or `expression`".into(),
                "give one of them",
                k.span.clone(),
            ))
        }
    }
    if let Some(coll) = &key.collation {
        c.out.push(" COLLATE ");
        c.push_name(coll)?;
    }
    if let Some(op) = &key.opclass {
        c.out.push(" ");
        push_dotted(c, op)?;
    }
    match key.order {
        Some(Order::Asc) => c.out.push(" ASC"),
        Some(Order::Desc) => c.out.push(" DESC"),
        None => {}
    }
    match key.nulls {
        Some(Nulls::First) => c.out.push(" NULLS FIRST"),
        Some(Nulls::Last) => c.out.push(" NULLS LAST"),
        None => {}
    }
    c.out.close(m);
    Ok(())
}

/// Append `schema.name` written as one string (an operator class).
pub(crate) fn push_dotted(c: &mut C, s: &Spanned<String>) -> Result<(), Problem> {
    let text = match s.value.split_once('.') {
        Some((schema, name)) if !schema.is_empty() && !name.is_empty() => {
            format!("{}.{}", Ident::new(schema), Ident::new(name))
        }
        _ => c.name(s)?.to_string(),
    };
    c.out.frag(&text, &s.span);
    Ok(())
}

/// An SQL fragment must stay inside its place: no `;`, no comment (it would swallow the
/// rest of the line), no unterminated quote.
fn check_fragment(s: &Spanned<String>) -> Result<(), Problem> {
    let bad = |what: &str| {
        Problem::invalid(
            format!("this SQL value {what}"),
            "a value is one SQL type or expression: no `;`, no SQL comment (use a YAML `#` comment), quotes closed",
            s.span.clone(),
        )
    };
    if s.value.trim().is_empty() {
        return Err(bad("is empty"));
    }
    let dialect = PostgreSqlDialect {};
    let tokens = Tokenizer::new(&dialect, &s.value)
        .tokenize()
        .map_err(|_| bad("does not tokenize (an unterminated quote or string?)"))?;
    let mut depth = 0i32;
    for t in tokens {
        match t {
            Token::SemiColon => return Err(bad("holds `;`")),
            Token::Whitespace(Whitespace::SingleLineComment { .. })
            | Token::Whitespace(Whitespace::MultiLineComment(_)) => {
                return Err(bad("holds an SQL comment"))
            }
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth < 0 {
                    return Err(bad("closes a parenthesis it did not open"));
                }
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(bad("leaves a parenthesis open"));
    }
    Ok(())
}
