//! Schemas and extensions.

use super::build::{comment_change, Ctx, Draft, Phase, PlanError, Steps};
use super::{Action, Hazard};
use crate::catalog::{quote_literal, ObjectId};

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    schemas(ctx, out);
    extensions(ctx, out);
    Ok(())
}

/// `CREATE SCHEMA s`, `DROP SCHEMA s` (after everything in it), `COMMENT ON SCHEMA s`.
fn schemas(ctx: &Ctx, out: &mut Steps) {
    for s in &ctx.diff.schemas.added {
        let id = ObjectId::Schema {
            name: s.name.clone(),
        };
        out.push(
            Draft::new(
                Phase::CreateSchema,
                id.clone(),
                Action::Create,
                format!("CREATE SCHEMA {}", s.name),
                "schema added",
            )
            .creates([id.clone()])
            .needs(ctx.needs_in_to(&id)),
        );
        out.0.extend(comment_change(
            id,
            format!("SCHEMA {}", s.name),
            None,
            s.comment.as_ref(),
        ));
    }
    for (f, t) in &ctx.diff.schemas.kept {
        let id = ObjectId::Schema {
            name: t.name.clone(),
        };
        out.0.extend(comment_change(
            id,
            format!("SCHEMA {}", t.name),
            f.comment.as_ref(),
            t.comment.as_ref(),
        ));
    }
    for s in &ctx.diff.schemas.removed {
        let id = ObjectId::Schema {
            name: s.name.clone(),
        };
        out.push(
            Draft::new(
                Phase::DropSchema,
                id.clone(),
                Action::Drop,
                format!("DROP SCHEMA {}", s.name),
                "schema removed",
            )
            .drops([id.clone()])
            .releases(ctx.rests_on_in_from(&id)),
        );
    }
}

/// `CREATE EXTENSION IF NOT EXISTS e WITH SCHEMA s [VERSION 'v']`, `ALTER EXTENSION e SET
/// SCHEMA s`, `ALTER EXTENSION e UPDATE TO 'v'`, `DROP EXTENSION e`, `COMMENT ON EXTENSION`.
fn extensions(ctx: &Ctx, out: &mut Steps) {
    let versions = ctx.opts.compare_extension_versions;
    for e in &ctx.diff.extensions.added {
        let id = ObjectId::Extension {
            name: e.name.clone(),
        };
        let mut sql = format!(
            "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}",
            e.name, e.schema
        );
        if versions {
            sql.push_str(&format!(" VERSION {}", quote_literal(&e.version)));
        }
        out.push(
            Draft::new(
                Phase::CreateExtension,
                id.clone(),
                Action::Create,
                sql,
                "extension added",
            )
            .creates([id.clone()])
            .needs(ctx.needs_in_to(&id)),
        );
        out.0.extend(comment_change(
            id,
            format!("EXTENSION {}", e.name),
            None,
            e.comment.as_ref(),
        ));
    }
    for (f, t) in &ctx.diff.extensions.kept {
        let id = ObjectId::Extension {
            name: t.name.clone(),
        };
        if f.schema != t.schema {
            out.push(
                Draft::new(
                    Phase::AlterExtension,
                    id.clone(),
                    Action::Alter,
                    format!("ALTER EXTENSION {} SET SCHEMA {}", t.name, t.schema),
                    format!("schema changed from {} to {}", f.schema, t.schema),
                )
                .hazard(
                    Hazard::BackwardIncompatible,
                    format!(
                        "references to its objects qualified with {} break",
                        f.schema
                    ),
                )
                .needs(ctx.needs_in_to(&id))
                .releases(ctx.released_by_alter(&id)),
            );
        }
        if versions && f.version != t.version {
            out.push(
                Draft::new(
                    Phase::AlterExtension,
                    id.clone(),
                    Action::Alter,
                    format!(
                        "ALTER EXTENSION {} UPDATE TO {}",
                        t.name,
                        quote_literal(&t.version)
                    ),
                    format!("version changed from {} to {}", f.version, t.version),
                )
                .needs(ctx.needs_in_to(&id)),
            );
        }
        out.0.extend(comment_change(
            id,
            format!("EXTENSION {}", t.name),
            f.comment.as_ref(),
            t.comment.as_ref(),
        ));
    }
    for e in &ctx.diff.extensions.removed {
        let id = ObjectId::Extension {
            name: e.name.clone(),
        };
        out.push(
            Draft::new(
                Phase::DropExtension,
                id.clone(),
                Action::Drop,
                format!("DROP EXTENSION {}", e.name),
                "extension removed",
            )
            .hazard(
                Hazard::DataLoss,
                "every object the extension installed is dropped, with its data",
            )
            .drops([id.clone()])
            .releases(ctx.rests_on_in_from(&id)),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::builder::CatalogBuilder;
    use crate::plan::testkit::{plan, plan_with, render};
    use crate::plan::PlanOptions;

    #[test]
    fn schemas_and_extensions() {
        let from = CatalogBuilder::new()
            .schema("public")
            .schema("legacy")
            .extension("pgcrypto", "public", "1.3")
            .extension("hstore", "public", "1.8")
            .edit(|c| {
                c.schemas.get_mut(&"public".into()).unwrap().comment =
                    Some("standard public schema".into())
            })
            .build();
        let to = CatalogBuilder::new()
            .schema("public")
            .schema("App")
            .extension("pgcrypto", "App", "1.3")
            .extension("citext", "public", "1.6")
            .edit(|c| c.schemas.get_mut(&"App".into()).unwrap().comment = Some("the app's".into()))
            .build();
        insta::assert_snapshot!(render(&plan(&from, &to)));
    }

    #[test]
    fn extension_versions_only_when_asked() {
        let from = CatalogBuilder::new()
            .schema("public")
            .extension("citext", "public", "1.5")
            .build();
        let to = CatalogBuilder::new()
            .schema("public")
            .extension("citext", "public", "1.6")
            .build();
        assert!(plan(&from, &to).is_empty());
        let opts = PlanOptions {
            compare_extension_versions: true,
            ..PlanOptions::default()
        };
        insta::assert_snapshot!(render(&plan_with(&from, &to, &opts)));
    }
}
