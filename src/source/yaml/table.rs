//! Tables: `CREATE TABLE` with its columns and inline constraints, then foreign keys
//! (`ALTER TABLE ... ADD CONSTRAINT`, so tables may reference each other in any order and
//! in cycles), indexes, comments and the TimescaleDB calls of a hypertable.

use std::collections::BTreeSet;
use std::ops::Range;

use super::compile::{entry_span, push_key, C};
use super::de::Spanned;
use super::error::Problem;
use super::model::{
    Action, ColumnDef, ExclusionDef, Form, HypertableDef, IdentityKind, IndexDef, Match, TableDef,
    UniqueDef,
};
use crate::catalog::quote_literal;

fn invalid(message: String, help: &str, at: &Range<usize>) -> Problem {
    Problem::invalid(message, help, at.clone())
}

fn action(a: Action) -> &'static str {
    match a {
        Action::NoAction => "NO ACTION",
        Action::Restrict => "RESTRICT",
        Action::Cascade => "CASCADE",
        Action::SetNull => "SET NULL",
        Action::SetDefault => "SET DEFAULT",
    }
}

/// A constraint that is commented or renamed must be named.
fn needs_name(
    name: Option<&Spanned<String>>,
    comment: Option<&Spanned<String>>,
    renamed: Option<&Spanned<String>>,
    at: &Range<usize>,
) -> Result<(), Problem> {
    if name.is_none() && (comment.is_some() || renamed.is_some()) {
        return Err(invalid(
            "a constraint with a comment or renamed_from needs a `name`".into(),
            "name the constraint",
            at,
        ));
    }
    Ok(())
}

impl C<'_> {
    /// A table and everything defined with it.
    pub(crate) fn table(
        &mut self,
        name: &Spanned<String>,
        def: &Spanned<TableDef>,
    ) -> Result<(), Problem> {
        let t = &def.value;
        let schema = t.schema.as_ref();
        let mut columns = BTreeSet::new();
        for (cname, _) in &t.columns.0 {
            if !columns.insert(cname.value.as_str()) {
                return Err(invalid(
                    format!("column `{}` is defined twice", cname.value),
                    "keep one definition",
                    &cname.span,
                ));
            }
        }
        self.renamed(t.renamed_from.as_ref(), false)?;
        self.statement(&entry_span(name, def), |s| s.create_table(name, t))?;
        for fk in &t.foreign_keys {
            needs_name(
                fk.name.as_ref(),
                fk.comment.as_ref(),
                fk.renamed_from.as_ref(),
                &fk.span,
            )?;
            if fk.columns.is_empty() {
                return Err(invalid(
                    "a foreign key needs `columns`".into(),
                    "list the referencing columns",
                    &fk.span,
                ));
            }
            let r = &fk.references.value;
            if !r.columns.is_empty() && r.columns.len() != fk.columns.len() {
                return Err(invalid(
                    format!(
                        "{} referencing column(s) but {} referenced",
                        fk.columns.len(),
                        r.columns.len()
                    ),
                    "list as many referenced columns as referencing ones",
                    &fk.references.span,
                ));
            }
            self.renamed(fk.renamed_from.as_ref(), false)?;
            self.statement(&fk.span, |s| {
                s.out.push("ALTER TABLE ");
                s.push_qual(schema, name)?;
                s.out.push(" ADD ");
                if let Some(n) = &fk.name {
                    s.out.push("CONSTRAINT ");
                    s.push_name(n)?;
                    s.out.push(" ");
                }
                s.out.push("FOREIGN KEY (");
                s.push_names(&fk.columns)?;
                s.out.push(") REFERENCES ");
                let m = s.out.open(&fk.references.span);
                s.push_qual(r.schema.as_ref().or(schema), &r.table)?;
                if !r.columns.is_empty() {
                    s.out.push(" (");
                    s.push_names(&r.columns)?;
                    s.out.push(")");
                }
                s.out.close(m);
                if fk.match_ == Some(Match::Full) {
                    s.out.push(" MATCH FULL");
                }
                if let Some(a) = fk.on_delete {
                    s.out.push(" ON DELETE ");
                    s.out.push(action(a));
                }
                if let Some(a) = fk.on_update {
                    s.out.push(" ON UPDATE ");
                    s.out.push(action(a));
                }
                deferral(s, fk.deferrable, fk.initially_deferred);
                Ok(())
            })?;
            if let Some(n) = &fk.name {
                self.constraint_comment(fk.comment.as_ref(), n, schema, name)?;
            }
        }
        for ix in &t.indexes {
            self.index(ix, schema, name)?;
        }
        self.comment(t.comment.as_ref(), "TABLE", |s| s.push_qual(schema, name))?;
        for (cname, col) in &t.columns.0 {
            self.comment(col.0.comment.as_ref(), "COLUMN", |s| {
                s.push_qual(schema, name)?;
                s.out.push(".");
                s.push_name(cname)
            })?;
        }
        if let Some(pk) = &t.primary_key {
            if let Some(n) = &pk.name {
                self.constraint_comment(pk.comment.as_ref(), n, schema, name)?;
            }
        }
        for u in &t.unique {
            if let Some(n) = &u.name {
                self.constraint_comment(u.comment.as_ref(), n, schema, name)?;
            }
        }
        for ch in &t.checks {
            if let Some(n) = &ch.0.name {
                self.constraint_comment(ch.0.comment.as_ref(), n, schema, name)?;
            }
        }
        for x in &t.exclusions {
            if let Some(n) = &x.name {
                self.constraint_comment(x.comment.as_ref(), n, schema, name)?;
            }
        }
        if let Some(h) = &t.hypertable {
            self.hypertable(h, schema, name)?;
        }
        Ok(())
    }

    fn constraint_comment(
        &mut self,
        comment: Option<&Spanned<String>>,
        constraint: &Spanned<String>,
        schema: Option<&Spanned<String>>,
        table: &Spanned<String>,
    ) -> Result<(), Problem> {
        self.comment(comment, "CONSTRAINT", |s| {
            s.push_name(constraint)?;
            s.out.push(" ON ");
            s.push_qual(schema, table)
        })
    }

    /// `CREATE TABLE name (column lines, constraint lines)`
    fn create_table(&mut self, name: &Spanned<String>, t: &TableDef) -> Result<(), Problem> {
        let schema = t.schema.as_ref();
        self.out.push("CREATE TABLE ");
        self.push_qual(schema, name)?;
        self.out.push(" (");
        let mut first = true;
        let mut line = |s: &mut Self| {
            s.out.push(if first { "\n" } else { ",\n" });
            first = false;
        };
        let pk_columns: BTreeSet<&str> = t
            .primary_key
            .iter()
            .flat_map(|k| k.columns.iter().map(|c| c.value.as_str()))
            .collect();
        for (cname, col) in &t.columns.0 {
            line(self);
            let m = self.out.open(&entry_span(cname, col));
            self.renamed(col.0.renamed_from.as_ref(), false)?;
            self.out.push("    ");
            self.push_name(cname)?;
            self.out.push(" ");
            self.column(&col.0, pk_columns.contains(cname.value.as_str()))?;
            self.out.close(m);
        }
        if let Some(pk) = &t.primary_key {
            needs_name(
                pk.name.as_ref(),
                pk.comment.as_ref(),
                pk.renamed_from.as_ref(),
                &pk.span,
            )?;
            if pk.columns.is_empty() {
                return Err(invalid(
                    "a primary key needs columns".into(),
                    "list the key's columns",
                    &pk.span,
                ));
            }
            line(self);
            let m = self.out.open(&pk.span);
            self.renamed(pk.renamed_from.as_ref(), false)?;
            self.out.push("    ");
            self.constraint_name(pk.name.as_ref())?;
            self.out.push("PRIMARY KEY (");
            self.push_names(&pk.columns)?;
            self.out.push(")");
            self.out.close(m);
        }
        for u in &t.unique {
            line(self);
            self.unique(u)?;
        }
        for ch in &t.checks {
            let c = &ch.0;
            needs_name(
                c.name.as_ref(),
                c.comment.as_ref(),
                c.renamed_from.as_ref(),
                &ch.span,
            )?;
            line(self);
            let m = self.out.open(&ch.span);
            self.renamed(c.renamed_from.as_ref(), false)?;
            self.out.push("    ");
            self.constraint_name(c.name.as_ref())?;
            self.out.push("CHECK (");
            self.push_sql(&c.expression)?;
            self.out.push(")");
            if c.no_inherit {
                self.out.push(" NO INHERIT");
            }
            self.out.close(m);
        }
        for x in &t.exclusions {
            line(self);
            self.exclusion(x)?;
        }
        self.out.push(if first { ")" } else { "\n)" });
        Ok(())
    }

    fn constraint_name(&mut self, name: Option<&Spanned<String>>) -> Result<(), Problem> {
        if let Some(n) = name {
            self.out.push("CONSTRAINT ");
            self.push_name(n)?;
            self.out.push(" ");
        }
        Ok(())
    }

    /// `type [COLLATE c] [GENERATED ...] [DEFAULT (e)] [NOT NULL]`
    fn column(&mut self, col: &ColumnDef, in_key: bool) -> Result<(), Problem> {
        self.push_sql(&col.type_)?;
        if let Some(c) = &col.collation {
            self.out.push(" COLLATE ");
            self.push_name(c)?;
        }
        let exclusive = [
            col.default.as_ref().map(|d| &d.span),
            col.identity.as_ref().map(|d| &d.span),
            col.generated.as_ref().map(|d| &d.span),
        ];
        if let Some(second) = exclusive.iter().flatten().nth(1) {
            return Err(invalid(
                "a column has at most one of `default`, `identity` and `generated`".into(),
                "keep one of them",
                second,
            ));
        }
        if let Some(id) = &col.identity {
            let i = &id.0;
            let m = self.out.open(&id.span);
            self.out.push(match i.generated {
                IdentityKind::Always => " GENERATED ALWAYS AS IDENTITY",
                IdentityKind::ByDefault => " GENERATED BY DEFAULT AS IDENTITY",
            });
            let mut opts = Vec::new();
            if let Some(v) = i.start {
                opts.push(format!("START WITH {v}"));
            }
            if let Some(v) = i.increment {
                opts.push(format!("INCREMENT BY {v}"));
            }
            if let Some(v) = i.min_value {
                opts.push(format!("MINVALUE {v}"));
            }
            if let Some(v) = i.max_value {
                opts.push(format!("MAXVALUE {v}"));
            }
            if let Some(v) = i.cache {
                opts.push(format!("CACHE {v}"));
            }
            if i.cycle {
                opts.push("CYCLE".into());
            }
            if !opts.is_empty() {
                self.out.push(&format!(" ({})", opts.join(" ")));
            }
            self.out.close(m);
        }
        if let Some(g) = &col.generated {
            self.out.push(" GENERATED ALWAYS AS (");
            self.push_sql(g)?;
            self.out.push(") STORED");
        }
        if let Some(d) = &col.default {
            self.out.push(" DEFAULT (");
            self.push_sql(d)?;
            self.out.push(")");
        }
        let not_null = col.nullable.as_ref().is_some_and(|n| !n.value);
        if let Some(n) = &col.nullable {
            if n.value && in_key {
                return Err(invalid(
                    "a primary key column cannot be nullable".into(),
                    "remove `nullable: true`",
                    &n.span,
                ));
            }
        }
        if not_null || (in_key && col.identity.is_none()) {
            self.out.push(" NOT NULL");
        }
        Ok(())
    }

    /// `[CONSTRAINT n] UNIQUE [NULLS NOT DISTINCT] (cols) [INCLUDE (cols)] [DEFERRABLE ...]`
    fn unique(&mut self, u: &Spanned<UniqueDef>) -> Result<(), Problem> {
        needs_name(
            u.name.as_ref(),
            u.comment.as_ref(),
            u.renamed_from.as_ref(),
            &u.span,
        )?;
        if u.columns.is_empty() {
            return Err(invalid(
                "a unique constraint needs columns".into(),
                "list its columns",
                &u.span,
            ));
        }
        let m = self.out.open(&u.span);
        self.renamed(u.renamed_from.as_ref(), false)?;
        self.out.push("    ");
        self.constraint_name(u.name.as_ref())?;
        self.out.push("UNIQUE ");
        if u.nulls_not_distinct {
            self.out.push("NULLS NOT DISTINCT ");
        }
        self.out.push("(");
        self.push_names(&u.columns)?;
        self.out.push(")");
        if !u.include.is_empty() {
            self.out.push(" INCLUDE (");
            self.push_names(&u.include)?;
            self.out.push(")");
        }
        deferral(self, u.deferrable, u.initially_deferred);
        self.out.close(m);
        Ok(())
    }

    /// `[CONSTRAINT n] EXCLUDE USING m (element WITH op, ...) [WHERE (p)] [DEFERRABLE ...]`
    fn exclusion(&mut self, x: &Spanned<ExclusionDef>) -> Result<(), Problem> {
        needs_name(
            x.name.as_ref(),
            x.comment.as_ref(),
            x.renamed_from.as_ref(),
            &x.span,
        )?;
        if x.elements.is_empty() {
            return Err(invalid(
                "an exclusion constraint needs `elements`".into(),
                "list its elements, each with `column` or `expression` and `operator`",
                &x.span,
            ));
        }
        let m = self.out.open(&x.span);
        self.renamed(x.renamed_from.as_ref(), false)?;
        self.out.push("    ");
        self.constraint_name(x.name.as_ref())?;
        self.out.push("EXCLUDE USING ");
        match &x.using {
            Some(u) => self.push_name(u)?,
            None => self.out.push("gist"),
        }
        self.out.push(" (");
        for (i, e) in x.elements.iter().enumerate() {
            if i > 0 {
                self.out.push(", ");
            }
            let key = super::model::IndexKey {
                column: e.column.clone(),
                expression: e.expression.clone(),
                opclass: e.opclass.clone(),
                ..Default::default()
            };
            push_key(
                self,
                &Spanned {
                    span: e.span.clone(),
                    value: Form(key),
                },
            )?;
            let op = &e.operator;
            if op.value.is_empty() || !op.value.chars().all(|c| "+-*/<>=~!@#%^&|`?".contains(c)) {
                return Err(invalid(
                    format!("`{}` is not an operator", op.value),
                    "write the operator itself, e.g. `=` or `&&`",
                    &op.span,
                ));
            }
            self.out.push(" WITH ");
            self.out.frag(&op.value, &op.span);
        }
        self.out.push(")");
        if let Some(w) = &x.where_ {
            self.out.push(" WHERE (");
            self.push_sql(w)?;
            self.out.push(")");
        }
        deferral(self, x.deferrable, x.initially_deferred);
        self.out.close(m);
        Ok(())
    }

    /// `CREATE [UNIQUE] INDEX [name] ON t [USING m] (keys) [INCLUDE (...)]
    /// [NULLS NOT DISTINCT] [WHERE p]`
    fn index(
        &mut self,
        ix: &Spanned<IndexDef>,
        schema: Option<&Spanned<String>>,
        table: &Spanned<String>,
    ) -> Result<(), Problem> {
        if ix.columns.is_empty() {
            return Err(invalid(
                "an index needs `columns`".into(),
                "list its keys",
                &ix.span,
            ));
        }
        if ix.name.is_none() && (ix.comment.is_some() || ix.renamed_from.is_some()) {
            return Err(invalid(
                "an index with a comment or renamed_from needs a `name`".into(),
                "name the index",
                &ix.span,
            ));
        }
        self.renamed(ix.renamed_from.as_ref(), false)?;
        self.statement(&ix.span, |s| {
            s.out.push(if ix.unique {
                "CREATE UNIQUE INDEX "
            } else {
                "CREATE INDEX "
            });
            if let Some(n) = &ix.name {
                s.push_name(n)?;
                s.out.push(" ");
            }
            s.out.push("ON ");
            s.push_qual(schema, table)?;
            if let Some(u) = &ix.using {
                s.out.push(" USING ");
                s.push_name(u)?;
            }
            s.out.push(" (");
            for (i, k) in ix.columns.iter().enumerate() {
                if i > 0 {
                    s.out.push(", ");
                }
                push_key(s, k)?;
            }
            s.out.push(")");
            if !ix.include.is_empty() {
                s.out.push(" INCLUDE (");
                s.push_names(&ix.include)?;
                s.out.push(")");
            }
            if ix.nulls_not_distinct {
                s.out.push(" NULLS NOT DISTINCT");
            }
            if let Some(w) = &ix.where_ {
                s.out.push(" WHERE (");
                s.push_sql(w)?;
                s.out.push(")");
            }
            Ok(())
        })?;
        if let Some(n) = &ix.name {
            self.comment(ix.comment.as_ref(), "INDEX", |s| s.push_qual(schema, n))?;
        }
        Ok(())
    }

    /// The TimescaleDB calls of a hypertable, in the forms the SQL examples use:
    /// `SELECT create_hypertable('t', 'time', chunk_time_interval => ...)`,
    /// `SELECT add_dimension('t', 'c', number_partitions => n)`,
    /// `ALTER TABLE t SET (timescaledb.compress, timescaledb.compress_segmentby = '...',
    /// timescaledb.compress_orderby = '...')`, `SELECT add_compression_policy('t', after)`,
    /// `SELECT add_retention_policy('t', after)`.
    fn hypertable(
        &mut self,
        h: &Spanned<HypertableDef>,
        schema: Option<&Spanned<String>>,
        table: &Spanned<String>,
    ) -> Result<(), Problem> {
        let rel = quote_literal(&self.qual_text(schema, table)?);
        self.statement(&h.span, |s| {
            s.out.push("SELECT create_hypertable(");
            s.out.frag(&rel, &table.span);
            s.out.push(", ");
            s.push_literal(&h.time_column);
            if let Some(i) = &h.chunk_interval {
                s.out.push(", chunk_time_interval => ");
                s.push_interval(i);
            }
            s.out.push(")");
            Ok(())
        })?;
        if let Some(p) = &h.partitioning {
            self.statement(&p.span, |s| {
                s.out.push("SELECT add_dimension(");
                s.out.frag(&rel, &table.span);
                s.out.push(", ");
                s.push_literal(&p.column);
                s.out.push(", number_partitions => ");
                s.out
                    .frag(&p.partitions.value.to_string(), &p.partitions.span);
                s.out.push(")");
                Ok(())
            })?;
        }
        if let Some(c) = &h.compression {
            self.statement(&c.span, |s| {
                s.out.push("ALTER TABLE ");
                s.push_qual(schema, table)?;
                s.out.push(" SET (timescaledb.compress");
                if !c.segment_by.is_empty() {
                    let list: Vec<String> = c
                        .segment_by
                        .iter()
                        .map(|n| s.name(n).map(|i| i.to_string()))
                        .collect::<Result<_, _>>()?;
                    s.out.push(", timescaledb.compress_segmentby = ");
                    let span =
                        c.segment_by[0].span.start..c.segment_by[c.segment_by.len() - 1].span.end;
                    s.out.frag(&quote_literal(&list.join(", ")), &span);
                }
                if !c.order_by.is_empty() {
                    let mut parts = Vec::new();
                    for k in &c.order_by {
                        parts.push(order_key(s, k)?);
                    }
                    s.out.push(", timescaledb.compress_orderby = ");
                    let span = c.order_by[0].span.start..c.order_by[c.order_by.len() - 1].span.end;
                    s.out.frag(&quote_literal(&parts.join(", ")), &span);
                }
                s.out.push(")");
                Ok(())
            })?;
        }
        for (p, call) in [
            (&h.compression_policy, "add_compression_policy"),
            (&h.retention_policy, "add_retention_policy"),
        ] {
            let Some(p) = p else { continue };
            self.statement(&p.span, |s| {
                s.out.push("SELECT ");
                s.out.push(call);
                s.out.push("(");
                s.out.frag(&rel, &table.span);
                s.out.push(", ");
                s.push_interval(&p.0.after);
                if let Some(si) = &p.0.schedule_interval {
                    s.out.push(", schedule_interval => INTERVAL ");
                    s.push_literal(si);
                }
                s.out.push(")");
                Ok(())
            })?;
        }
        Ok(())
    }
}

/// A `compress_orderby` item: `column [ASC|DESC] [NULLS FIRST|LAST]`.
fn order_key(c: &C, k: &Spanned<Form<super::model::IndexKey>>) -> Result<String, Problem> {
    let key = &k.0;
    let Some(col) = &key.column else {
        return Err(invalid(
            "a compression order key is a column".into(),
            "write `column:` (expressions are not allowed here)",
            &k.span,
        ));
    };
    if key.expression.is_some() || key.opclass.is_some() || key.collation.is_some() {
        return Err(invalid(
            "a compression order key has only `column`, `order` and `nulls`".into(),
            "remove the other keys",
            &k.span,
        ));
    }
    let mut s = c.name(col)?.to_string();
    match key.order {
        Some(super::model::Order::Asc) => s.push_str(" ASC"),
        Some(super::model::Order::Desc) => s.push_str(" DESC"),
        None => {}
    }
    match key.nulls {
        Some(super::model::Nulls::First) => s.push_str(" NULLS FIRST"),
        Some(super::model::Nulls::Last) => s.push_str(" NULLS LAST"),
        None => {}
    }
    Ok(s)
}

fn deferral(c: &mut C, deferrable: bool, initially_deferred: bool) {
    if deferrable || initially_deferred {
        c.out.push(" DEFERRABLE");
    }
    if initially_deferred {
        c.out.push(" INITIALLY DEFERRED");
    }
}
