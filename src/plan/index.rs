//! Indexes that do not back a constraint.
//!
//! On a live table (or materialized view) that the plan keeps, indexes are built and
//! dropped concurrently, so writes continue: `CREATE [UNIQUE] INDEX CONCURRENTLY`, `DROP
//! INDEX CONCURRENTLY`, `REINDEX INDEX CONCURRENTLY` for an INVALID index left by a failed
//! build. A changed definition builds the new index before the old one goes, so queries
//! always have one: `ALTER INDEX i RENAME TO schemadiff_old_i`, `CREATE INDEX CONCURRENTLY
//! i ...`, `DROP INDEX CONCURRENTLY schemadiff_old_i`. Indexes of new tables, and of
//! partitioned tables (PostgreSQL has no concurrent form there), keep the plain forms.

use super::build::{comment_change, Ctx, Draft, Phase, PlanError, Steps};
use super::deps::relation_name;
use super::online::{concurrent_index_on, old_index_name, taken_over_index};
use super::sql::{create_index, create_index_concurrently};
use super::{Action, Budget, Hazard};
use crate::catalog::{Ident, Index, ObjectId, QualName};
use std::collections::BTreeMap;

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    // A live index whose definition changes under the same name, on a table where the new
    // one is built concurrently: replaced rather than dropped and created.
    let removed: BTreeMap<&QualName, &Index> = ctx
        .diff
        .indexes
        .removed
        .iter()
        .map(|ix| (&ix.name, *ix))
        .collect();
    let replaced: BTreeMap<&QualName, &Index> = ctx
        .diff
        .indexes
        .added
        .iter()
        .filter_map(|ix| removed.get(&ix.name).map(|old| (&ix.name, *old)))
        .filter(|(_, old)| concurrent_index_on(ctx, &old.table))
        .collect();
    for ix in &ctx.diff.indexes.added {
        match replaced.get(&ix.name) {
            Some(old) if old.table == ix.table => replace(ctx, old, ix, out)?,
            Some(old) => {
                out.push(drop(ctx, old, "index removed"));
                out.push(create(ctx, ix, "index added")?);
            }
            None => out.push(create(ctx, ix, "index added")?),
        }
        out.0.extend(comment_change(
            ix_id(&ix.name),
            target(&ix.name),
            None,
            ix.comment.as_ref(),
        ));
    }
    for k in &ctx.diff.indexes.kept {
        let rebuild = if super::routine_deps::rests_on_dropped_routine(ctx, &ix_id(&k.from.name)) {
            Some("a routine it calls is replaced")
        } else {
            ctx.rebuild.reason(&ix_id(&k.from.name))
        };
        let repair = rebuild.is_none() && !k.from.valid;
        let rebuild = rebuild.or((!k.from.valid && !concurrent_index_on(ctx, &k.from.table))
            .then_some("INVALID (left by a failed concurrent build)"));
        if let Some(why) = rebuild {
            if !ctx.relation_dropped(&k.from.table) {
                out.push(drop(
                    ctx,
                    k.from,
                    &format!("{why}: dropped to be built again"),
                ));
            }
            out.push(create(ctx, k.to, &format!("{why}: built again"))?);
            out.0.extend(comment_change(
                ix_id(&k.to.name),
                target(&k.to.name),
                None,
                k.to.comment.as_ref(),
            ));
            continue;
        }
        if k.renamed() {
            let id = ix_id(&k.to.name);
            out.push(
                Draft::new(
                    Phase::Rename,
                    id.clone(),
                    Action::Rename,
                    format!("ALTER INDEX {} RENAME TO {}", k.from.name, k.to.name.name),
                    format!("renamed from {}", k.from.name.name),
                )
                .creates([id.clone()])
                .drops([ix_id(&k.from.name)])
                .claims([relation_name(&k.to.name)])
                .frees([relation_name(&k.from.name)])
                .needs([ObjectId::Table {
                    name: k.to.table.clone(),
                }]),
            );
        }
        if repair {
            out.push(reindex(k.to));
        }
        out.0.extend(comment_change(
            ix_id(&k.to.name),
            target(&k.to.name),
            k.from.comment.as_ref(),
            k.to.comment.as_ref(),
        ));
    }
    for ix in &ctx.diff.indexes.removed {
        if ctx.relation_dropped(&ix.table) {
            continue; // DROP TABLE / DROP MATERIALIZED VIEW drops it
        }
        if replaced.contains_key(&ix.name) || taken_over_index(ctx, ix) {
            continue;
        }
        out.push(drop(ctx, ix, "index removed"));
    }
    Ok(())
}

fn ix_id(name: &QualName) -> ObjectId {
    ObjectId::Index { name: name.clone() }
}

fn target(name: &QualName) -> String {
    format!("INDEX {name}")
}

/// `CREATE [UNIQUE] INDEX CONCURRENTLY name ON t USING …` on a live table (outside a
/// transaction, the concurrent budget); `CREATE [UNIQUE] INDEX name ON t USING …` on a new
/// one, or on a partitioned table, which has no concurrent build.
fn create(ctx: &Ctx, ix: &Index, reason: &str) -> Result<Draft, PlanError> {
    let id = ix_id(&ix.name);
    let name: &Ident = &ix.name.name;
    let d = if concurrent_index_on(ctx, &ix.table) {
        Draft::new(
            Phase::CreateIndex,
            id.clone(),
            Action::Create,
            create_index_concurrently(ix, name)?,
            reason,
        )
        .non_transactional()
        .budget(Budget::Concurrent)
        .hazard(
            Hazard::IndexBuild,
            format!(
                "built concurrently over all rows of {}: reads and writes continue, the build \
                 scans the table twice and waits for transactions that started before it",
                ix.table
            ),
        )
        .hazard(
            Hazard::NonTransactional,
            "CREATE INDEX CONCURRENTLY runs outside a transaction; a failed build leaves an \
             INVALID index that the next plan rebuilds",
        )
    } else {
        let existing =
            ctx.table_exists(&ix.table) || ctx.from.materialized_views.contains_key(&ix.table);
        let partitions = ctx
            .from
            .tables
            .get(&ix.table)
            .is_some_and(|t| t.partition_by.is_some());
        let d = Draft::new(
            Phase::CreateIndex,
            id.clone(),
            Action::Create,
            create_index(ix, name)?,
            reason,
        );
        // a build over existing rows holds its lock to commit: nothing else shares it
        if existing { d.alone() } else { d }.hazard_if(
            existing,
            Hazard::IndexBuild,
            if partitions {
                format!(
                    "built over all rows of every partition of {} in one transaction (a \
                     partitioned table has no concurrent build); writes to them wait for it",
                    ix.table
                )
            } else {
                format!(
                    "built over all rows of {}; writes to it wait for the build",
                    ix.table
                )
            },
        )
    };
    let existing =
        ctx.table_exists(&ix.table) || ctx.from.materialized_views.contains_key(&ix.table);
    let draft = d
        .hazard_if(
            existing && ix.unique,
            Hazard::DataDependent,
            "fails if existing rows hold duplicate keys",
        )
        .creates([id.clone()])
        .claims([relation_name(&ix.name)])
        .needs(ctx.needs_in_to(&id));
    Ok(super::timescale_index::adjust(ctx, ix, draft))
}

/// `DROP INDEX CONCURRENTLY name` on a live table (outside a transaction); `DROP INDEX
/// name` on a partitioned table, which has no concurrent drop.
fn drop(ctx: &Ctx, ix: &Index, reason: &str) -> Draft {
    let id = ix_id(&ix.name);
    let concurrent = concurrent_index_on(ctx, &ix.table);
    let d = Draft::new(
        Phase::DropIndex,
        id.clone(),
        Action::Drop,
        format!(
            "DROP INDEX {}{}",
            if concurrent { "CONCURRENTLY " } else { "" },
            ix.name
        ),
        reason,
    );
    let d = if concurrent {
        d.non_transactional().budget(Budget::Concurrent).hazard(
            Hazard::NonTransactional,
            "DROP INDEX CONCURRENTLY runs outside a transaction; it waits for running \
             transactions on the table while reads and writes continue",
        )
    } else {
        d
    };
    d.hazard_if(
        ix.unique && ix.valid,
        Hazard::BackwardIncompatible,
        "uniqueness and ON CONFLICT on these columns no longer hold",
    )
    .drops([id.clone()])
    .frees([relation_name(&ix.name)])
    .releases(ctx.rests_on_in_from(&id))
}

/// `REINDEX INDEX CONCURRENTLY name`: an INVALID index whose definition is the desired
/// one, rebuilt in place (outside a transaction).
fn reindex(ix: &Index) -> Draft {
    let id = ix_id(&ix.name);
    Draft::new(
        Phase::CreateIndex,
        id.clone(),
        Action::Alter,
        format!("REINDEX INDEX CONCURRENTLY {}", ix.name),
        "INVALID (left by a failed concurrent build): rebuilt",
    )
    .non_transactional()
    .budget(Budget::Concurrent)
    .hazard(
        Hazard::IndexBuild,
        format!(
            "built again concurrently over all rows of {}: reads and writes continue",
            ix.table
        ),
    )
    .hazard(
        Hazard::NonTransactional,
        "REINDEX CONCURRENTLY runs outside a transaction; a failure leaves the index INVALID",
    )
    .hazard_if(
        ix.unique,
        Hazard::DataDependent,
        "fails if existing rows hold duplicate keys",
    )
    .needs([id])
}

/// A live index whose definition changes (I7), on a table where indexes are built
/// concurrently. The new one is built before the old one goes, so queries always have an
/// index:
///
/// ```sql
/// ALTER INDEX s.i RENAME TO schemadiff_old_i;
/// CREATE INDEX CONCURRENTLY i ON s.t ...;
/// DROP INDEX CONCURRENTLY s.schemadiff_old_i;
/// ```
///
/// An INVALID old index serves no query, and an old index on a column the plan drops or
/// retypes must go before that change: those are dropped (concurrently) first, then built.
fn replace(ctx: &Ctx, old: &Index, new: &Index, out: &mut Steps) -> Result<(), PlanError> {
    let why = "definition changed";
    if !old.valid || !survives(ctx, old) {
        let what = if old.valid {
            format!("{why}, and a column it is on changes: dropped to be built again")
        } else {
            format!("{why}; INVALID (left by a failed concurrent build): dropped")
        };
        out.push(drop(ctx, old, &what));
        out.push(create(ctx, new, &format!("{why}: built again"))?);
        return Ok(());
    }
    let tmp = old_index_name(&old.name);
    let old_id = ix_id(&old.name);
    let tmp_id = ix_id(&tmp);
    out.push(
        Draft::new(
            Phase::CreateIndex,
            tmp_id.clone(),
            Action::Rename,
            format!("ALTER INDEX {} RENAME TO {}", old.name, tmp.name),
            format!("{why}: the old index steps aside until its replacement is built"),
        )
        .creates([tmp_id.clone()])
        .drops([old_id.clone()])
        .claims([relation_name(&tmp)])
        .frees([relation_name(&old.name)])
        .needs([ObjectId::Table {
            name: old.table.clone(),
        }]),
    );
    out.push(create(
        ctx,
        new,
        &format!("{why}: built beside the old index"),
    )?);
    out.push(
        Draft::new(
            Phase::DropIndex,
            tmp_id,
            Action::Drop,
            format!("DROP INDEX CONCURRENTLY {tmp}"),
            format!("{why}: the old index goes once its replacement is built"),
        )
        .non_transactional()
        .budget(Budget::Concurrent)
        .hazard(
            Hazard::NonTransactional,
            "DROP INDEX CONCURRENTLY runs outside a transaction; it waits for running \
             transactions on the table while reads and writes continue",
        )
        .needs([old_id.clone()])
        // its columns stay with their type (see `survives`): a NOT NULL or default change
        // on them need not wait for it
        .releases(
            ctx.rests_on_in_from(&old_id)
                .into_iter()
                .filter(|x| !matches!(x, ObjectId::Column { .. })),
        ),
    );
    Ok(())
}

/// True when nothing the old index rests on is dropped or changed in place by the plan
/// (its columns keep their type and collation, the routines it calls stay), so it can
/// stay while its replacement is built.
fn survives(ctx: &Ctx, old: &Index) -> bool {
    let id = ix_id(&old.name);
    if super::routine_deps::rests_on_dropped_routine(ctx, &id) {
        return false;
    }
    let Some(pairs) = ctx.diff.columns.get(&old.table) else {
        return ctx.from.materialized_views.contains_key(&old.table);
    };
    ctx.rests_on_in_from(&id).iter().all(|x| match x {
        ObjectId::Column { table, column } if table == &old.table => {
            !ctx.column_replaced(table, column)
                && pairs.kept.iter().any(|(f, t)| {
                    &f.name == column && f.data_type == t.data_type && f.collation == t.collation
                })
        }
        _ => true,
    })
}

#[cfg(test)]
mod tests {
    use crate::catalog::builder::CatalogBuilder;
    use crate::plan::testkit::{plan, render};

    fn base() -> CatalogBuilder {
        CatalogBuilder::new()
            .schema("public")
            .table("public.t", |t| t.column("a", "integer").column("b", "text"))
    }

    #[test]
    fn index_changes() {
        let from = base()
            .index(
                "public.t_a_idx",
                "public.t",
                "CREATE INDEX ON public.t USING btree (a)",
            )
            .index(
                "public.t_b_idx",
                "public.t",
                "CREATE INDEX ON public.t USING btree (b)",
            )
            .index(
                "public.gone",
                "public.t",
                "CREATE INDEX ON public.t USING hash (b)",
            )
            .index(
                "public.broken",
                "public.t",
                "CREATE UNIQUE INDEX ON public.t USING btree (a, b)",
            )
            .edit(|c| {
                c.indexes
                    .get_mut(&crate::catalog::builder::qn("public.broken"))
                    .unwrap()
                    .valid = false;
            })
            .build();
        let to = base()
            .index(
                "public.by_a",
                "public.t",
                "CREATE INDEX ON public.t USING btree (a)",
            )
            .index(
                "public.t_b_idx",
                "public.t",
                "CREATE INDEX ON public.t USING btree (b) WHERE (a > 0)",
            )
            .index(
                "public.broken",
                "public.t",
                "CREATE UNIQUE INDEX ON public.t USING btree (a, b)",
            )
            .index(
                "public.t_lower_idx",
                "public.t",
                "CREATE INDEX ON public.t USING btree (lower(b))",
            )
            .edit(|c| {
                c.indexes
                    .get_mut(&crate::catalog::builder::qn("public.by_a"))
                    .unwrap()
                    .comment = Some("lookups by a".into());
            })
            .build();
        insta::assert_snapshot!(render(&plan(&from, &to)));
    }

    #[test]
    fn indexes_of_new_tables_have_no_hazards() {
        let to = base()
            .index(
                "public.t_a_idx",
                "public.t",
                "CREATE UNIQUE INDEX ON public.t USING btree (a)",
            )
            .build();
        let p = plan(&CatalogBuilder::new().schema("public").build(), &to);
        assert!(
            p.steps.iter().all(|s| s.hazards.is_empty()),
            "{}",
            render(&p)
        );
        assert_eq!(
            p.steps.last().unwrap().sql,
            "CREATE UNIQUE INDEX t_a_idx ON public.t USING btree (a)"
        );
    }
}
