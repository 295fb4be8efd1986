//! Plain sequences (identity sequences follow their column, see `column.rs`).

use super::build::{comment_change, Ctx, Draft, Phase, PlanError, Steps};
use super::deps::relation_name;
use super::sql::sequence_options;
use super::{Action, Hazard};
use crate::catalog::{ObjectId, Sequence};
use std::collections::BTreeSet;

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    for s in &ctx.diff.sequences.added {
        let id = seq_id(s);
        out.push(
            Draft::new(
                Phase::CreateSequence,
                id.clone(),
                Action::Create,
                format!(
                    "CREATE SEQUENCE {} AS {} {}",
                    s.name,
                    s.data_type,
                    sequence_options(
                        &s.data_type,
                        s.increment,
                        s.min_value,
                        s.max_value,
                        s.start,
                        s.cache,
                        s.cycle
                    )
                )
                .trim_end()
                .to_string(),
                "sequence added",
            )
            .creates([id.clone()])
            .claims([relation_name(&s.name)])
            .needs(without_owner(ctx.needs_in_to(&id), s)),
        );
        if s.owned_by.is_some() {
            out.push(owned_by(None, s));
        }
        out.0.extend(comment_change(
            id,
            format!("SEQUENCE {}", s.name),
            None,
            s.comment.as_ref(),
        ));
    }
    for (f, t) in &ctx.diff.sequences.kept {
        let id = seq_id(t);
        if let Some(d) = alter(ctx, f, t) {
            out.push(d);
        }
        if f.owned_by != t.owned_by {
            out.push(owned_by(Some(f), t));
        }
        out.0.extend(comment_change(
            id,
            format!("SEQUENCE {}", t.name),
            f.comment.as_ref(),
            t.comment.as_ref(),
        ));
    }
    for s in &ctx.diff.sequences.removed {
        if owner_dropped(ctx, s) {
            // DROP TABLE / DROP COLUMN of the owner drops it (see table.rs and column.rs).
            continue;
        }
        let id = seq_id(s);
        out.push(
            Draft::new(
                Phase::DropSequence,
                id.clone(),
                Action::Drop,
                format!("DROP SEQUENCE {}", s.name),
                "sequence removed",
            )
            .hazard(Hazard::DataLoss, "the sequence's current value is lost")
            .hazard(
                Hazard::BackwardIncompatible,
                format!("sequence {} no longer exists", s.name),
            )
            .drops([id.clone()])
            .frees([relation_name(&s.name)])
            .releases(without_owner(ctx.rests_on_in_from(&id), s)),
        );
    }
    Ok(())
}

fn seq_id(s: &Sequence) -> ObjectId {
    ObjectId::Sequence {
        name: s.name.clone(),
    }
}

/// The owning column (`pg_depend` records the sequence as depending on it) is handled by
/// the separate OWNED BY step, which would otherwise make the sequence and the column's
/// default wait for each other.
fn without_owner(mut deps: BTreeSet<ObjectId>, s: &Sequence) -> BTreeSet<ObjectId> {
    if let Some((t, c)) = &s.owned_by {
        deps.remove(&ObjectId::Column {
            table: t.clone(),
            column: c.clone(),
        });
        deps.remove(&ObjectId::Table { name: t.clone() });
    }
    deps
}

/// True when the plan drops the sequence's owning column, which drops the sequence.
pub(crate) fn owner_dropped(ctx: &Ctx, s: &Sequence) -> bool {
    let Some((t, c)) = &s.owned_by else {
        return false;
    };
    ctx.table_dropped(t)
        || ctx.column_replaced(t, c)
        || ctx
            .diff
            .columns
            .get(t)
            .is_some_and(|p| p.removed.iter().any(|col| &col.name == c))
}

/// `ALTER SEQUENCE s OWNED BY t.c` / `OWNED BY NONE`: needs the column, so it runs after
/// the table that uses the sequence in its default was created.
fn owned_by(from: Option<&Sequence>, to: &Sequence) -> Draft {
    let id = seq_id(to);
    let (sql, reason, needs) = match &to.owned_by {
        Some((t, c)) => (
            format!("ALTER SEQUENCE {} OWNED BY {t}.{c}", to.name),
            format!("owned by {t}.{c}"),
            vec![
                ObjectId::Column {
                    table: t.clone(),
                    column: c.clone(),
                },
                id.clone(),
            ],
        ),
        None => (
            format!("ALTER SEQUENCE {} OWNED BY NONE", to.name),
            "no longer owned by a column".to_string(),
            vec![id.clone()],
        ),
    };
    let releases = from
        .and_then(|f| f.owned_by.as_ref())
        .map(|(t, c)| ObjectId::Column {
            table: t.clone(),
            column: c.clone(),
        });
    Draft::new(Phase::OwnedBy, id, Action::Alter, sql, reason)
        .needs(needs)
        .releases(releases)
}

/// `ALTER SEQUENCE s [AS type] [INCREMENT BY i] [MINVALUE m] [MAXVALUE M] [START WITH s]
/// [CACHE c] [[NO] CYCLE]` with only what changed.
fn alter(ctx: &Ctx, f: &Sequence, t: &Sequence) -> Option<Draft> {
    let mut parts = Vec::new();
    let mut changed = Vec::new();
    if f.data_type != t.data_type {
        parts.push(format!("AS {}", t.data_type));
        changed.push("type");
    }
    let mut num = |name: &'static str, sql: &str, a: i64, b: i64| {
        if a != b {
            parts.push(format!("{sql} {b}"));
            changed.push(name);
        }
    };
    num("increment", "INCREMENT BY", f.increment, t.increment);
    num("minimum", "MINVALUE", f.min_value, t.min_value);
    num("maximum", "MAXVALUE", f.max_value, t.max_value);
    num("start", "START WITH", f.start, t.start);
    num("cache", "CACHE", f.cache, t.cache);
    if f.cycle != t.cycle {
        parts.push(if t.cycle { "CYCLE" } else { "NO CYCLE" }.to_string());
        changed.push("cycle");
    }
    if parts.is_empty() {
        return None;
    }
    let narrower = t.max_value < f.max_value || t.min_value > f.min_value;
    let id = seq_id(t);
    Some(
        Draft::new(
            Phase::AlterSequence,
            id.clone(),
            Action::Alter,
            format!("ALTER SEQUENCE {} {}", t.name, parts.join(" ")),
            format!("{} changed", changed.join(", ")),
        )
        .hazard_if(
            narrower,
            Hazard::DataDependent,
            "fails if the current value is outside the new bounds",
        )
        .needs(ctx.needs_in_to(&id)),
    )
}

#[cfg(test)]
mod tests {
    use crate::catalog::builder::CatalogBuilder;
    use crate::plan::testkit::{plan, render};

    #[test]
    fn sequence_changes() {
        let from = CatalogBuilder::new()
            .schema("public")
            .table("public.t", |t| {
                t.column("id", "integer").column("other", "integer")
            })
            .sequence("public.counter", |s| s.owned_by("public.t", "id"))
            .sequence("public.gone", |s| s)
            .sequence("public.retyped", |s| s.cache(10))
            .build();
        let to = CatalogBuilder::new()
            .schema("public")
            .table("public.t", |t| {
                t.column("id", "integer").column("other", "integer")
            })
            .sequence("public.counter", |s| {
                s.owned_by("public.t", "other").increment(5)
            })
            .sequence("public.retyped", |s| {
                s.data_type("integer").cycle().comment("wraps")
            })
            .sequence("public.fresh", |s| {
                s.data_type("smallint").start(100).min_value(100)
            })
            .build();
        insta::assert_snapshot!(render(&plan(&from, &to)));
    }
}
