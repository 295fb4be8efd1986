//! Indexes that do not back a constraint.

use super::build::{comment_change, Ctx, Draft, Phase, PlanError, Steps};
use super::deps::relation_name;
use super::sql::create_index;
use super::{Action, Hazard};
use crate::catalog::{Ident, Index, ObjectId, QualName};

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    for ix in &ctx.diff.indexes.added {
        out.push(create(ctx, ix, "index added")?);
        out.0.extend(comment_change(
            ix_id(&ix.name),
            target(&ix.name),
            None,
            ix.comment.as_ref(),
        ));
    }
    for k in &ctx.diff.indexes.kept {
        let rebuild = if !k.from.valid {
            Some("INVALID (left by a failed concurrent build)")
        } else if super::routine_deps::rests_on_dropped_routine(ctx, &ix_id(&k.from.name)) {
            Some("a routine it calls is replaced")
        } else {
            ctx.rebuild.reason(&ix_id(&k.from.name))
        };
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

/// `CREATE [UNIQUE] INDEX name ON t USING …` (index_build on an existing table).
fn create(ctx: &Ctx, ix: &Index, reason: &str) -> Result<Draft, PlanError> {
    let id = ix_id(&ix.name);
    let existing =
        ctx.table_exists(&ix.table) || ctx.from.materialized_views.contains_key(&ix.table);
    let name: &Ident = &ix.name.name;
    let draft = Draft::new(
        Phase::CreateIndex,
        id.clone(),
        Action::Create,
        create_index(ix, name)?,
        reason,
    )
    .hazard_if(
        existing,
        Hazard::IndexBuild,
        format!(
            "built over all rows of {}; writes to it wait for the build",
            ix.table
        ),
    )
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

/// `DROP INDEX name`.
fn drop(ctx: &Ctx, ix: &Index, reason: &str) -> Draft {
    let id = ix_id(&ix.name);
    let draft = Draft::new(
        Phase::DropIndex,
        id.clone(),
        Action::Drop,
        format!("DROP INDEX {}", ix.name),
        reason,
    )
    .hazard_if(
        ix.unique && ix.valid,
        Hazard::BackwardIncompatible,
        "uniqueness and ON CONFLICT on these columns no longer hold",
    )
    .drops([id.clone()])
    .frees([relation_name(&ix.name)])
    .releases(ctx.rests_on_in_from(&id));
    super::timescale_index::adjust_drop(ctx, ix, draft)
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
