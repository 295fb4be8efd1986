//! Concurrent index builds made re-runnable. A `CREATE INDEX CONCURRENTLY` that fails or is
//! cancelled after its catalog entry committed leaves an INVALID index under its name: the
//! next attempt would fail on it, and a unique one keeps checking every write. So a retry
//! first drops such a leftover, and a build that returns is checked in `pg_index`.

use crate::catalog::{Ident, ObjectId, QualName};
use crate::plan::Step;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};
use tokio_postgres::Client;

/// The index a `CREATE [UNIQUE] INDEX CONCURRENTLY` step builds, as SQL text
/// (`schema.name` quoted by [`QualName`], or the bare name when the table is unqualified);
/// `None` for any other step.
pub(super) fn built_index(step: &Step) -> Option<String> {
    if step.transactional {
        return None;
    }
    let words = leading_words(&step.sql)?;
    let mut it = words.iter().peekable();
    let next_kw = |kw: &str, it: &mut std::iter::Peekable<std::slice::Iter<'_, Word>>| {
        if it.peek().is_some_and(|w| w.is_kw(kw)) {
            it.next();
            true
        } else {
            false
        }
    };
    if !next_kw("CREATE", &mut it) {
        return None;
    }
    next_kw("UNIQUE", &mut it);
    if !(next_kw("INDEX", &mut it) && next_kw("CONCURRENTLY", &mut it)) {
        return None;
    }
    if next_kw("IF", &mut it) && !(next_kw("NOT", &mut it) && next_kw("EXISTS", &mut it)) {
        return None;
    }
    let name = it.next()?.parts.last()?.clone();
    if !next_kw("ON", &mut it) {
        return None;
    }
    next_kw("ONLY", &mut it);
    let table = it.next()?;
    let schema = match (table.parts.len(), &step.object) {
        (2.., _) => Some(table.parts[table.parts.len() - 2].clone()),
        (_, ObjectId::Index { name: q }) if q.name == name => Some(q.schema.clone()),
        _ => None,
    };
    Some(match schema {
        Some(schema) => QualName { schema, name }.to_string(),
        None => name.to_string(),
    })
}

/// A possibly qualified name (`a.b.c`) or a keyword, case-folded as PostgreSQL does.
struct Word {
    parts: Vec<Ident>,
    keyword: bool,
}

impl Word {
    fn is_kw(&self, kw: &str) -> bool {
        self.keyword && self.parts.len() == 1 && self.parts[0].as_str().eq_ignore_ascii_case(kw)
    }
}

/// The names and keywords at the start of `sql`, up to the first other token.
fn leading_words(sql: &str) -> Option<Vec<Word>> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize().ok()?;
    let mut words: Vec<Word> = Vec::new();
    let mut after_period = false;
    for tok in tokens {
        match tok {
            Token::Whitespace(_) => {}
            Token::Period => after_period = true,
            Token::Word(w) => {
                let ident = match w.quote_style {
                    Some(_) => Ident::new(w.value),
                    None => Ident::new(w.value.to_lowercase()),
                };
                if after_period {
                    let last = words.last_mut()?;
                    last.parts.push(ident);
                    last.keyword = false;
                    after_period = false;
                } else {
                    words.push(Word {
                        parts: vec![ident],
                        keyword: w.quote_style.is_none(),
                    });
                }
            }
            _ => break,
        }
    }
    Some(words)
}

/// Whether `pg_index` says the index is valid: `Some(true|false)`, or `None` when no such
/// index exists.
pub(super) async fn index_valid(
    client: &Client,
    name: &str,
) -> Result<Option<bool>, tokio_postgres::Error> {
    let row = client
        .query_opt(
            "SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass($1)",
            &[&name],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}

/// `DROP INDEX CONCURRENTLY IF EXISTS name`, only when the index exists and is INVALID.
/// Returns whether it dropped one.
pub(super) async fn drop_invalid(
    client: &Client,
    name: &str,
) -> Result<bool, tokio_postgres::Error> {
    if index_valid(client, name).await? != Some(false) {
        return Ok(false);
    }
    client
        .batch_execute(&format!("DROP INDEX CONCURRENTLY IF EXISTS {name}"))
        .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, Budget};

    fn step(sql: &str, object: ObjectId) -> Step {
        Step {
            sql: sql.into(),
            object,
            action: Action::Create,
            reason: "test".into(),
            transactional: false,
            alone: true,
            budget: Budget::Concurrent,
            hazards: vec![],
        }
    }

    fn schema() -> ObjectId {
        ObjectId::Schema {
            name: Ident::new("s"),
        }
    }

    #[test]
    fn names_the_index_a_concurrent_build_makes() {
        let s = step(
            "CREATE UNIQUE INDEX CONCURRENTLY t_a_key ON public.t USING btree (a)",
            schema(),
        );
        assert_eq!(built_index(&s).as_deref(), Some("public.t_a_key"));
        let s = step(
            "create index concurrently if not exists \"Odd Name\" on only \"My\".\"T\" (lower(b))",
            schema(),
        );
        assert_eq!(built_index(&s).as_deref(), Some("\"My\".\"Odd Name\""));
        let s = step(
            "CREATE INDEX CONCURRENTLY ix ON t (a)",
            ObjectId::Index {
                name: QualName::new("app", "ix"),
            },
        );
        assert_eq!(built_index(&s).as_deref(), Some("app.ix"));
        let s = step("CREATE INDEX CONCURRENTLY ix ON t (a)", schema());
        assert_eq!(built_index(&s).as_deref(), Some("ix"));
    }

    #[test]
    fn other_steps_build_no_index() {
        assert_eq!(
            built_index(&step("DROP INDEX CONCURRENTLY public.ix", schema())),
            None
        );
        assert_eq!(
            built_index(&step("ALTER TYPE public.e ADD VALUE 'x'", schema())),
            None
        );
        let mut s = step("CREATE INDEX ix ON public.t (a)", schema());
        s.transactional = true;
        assert_eq!(built_index(&s), None);
    }
}
