//! Enums, domains and composite types.

use super::build::{comment_change, unsupported, Ctx, Draft, Phase, PlanError, Steps};
use super::deps::{relation_name, type_name};
use super::sql::collation;
use super::{Action, Hazard};
use crate::catalog::{
    quote_literal, CompositeType, Domain, DomainCheck, EnumType, ObjectId, QualName,
};
use std::collections::BTreeSet;

pub(crate) fn plan(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    enums(ctx, out)?;
    domains(ctx, out)?;
    composites(ctx, out)?;
    Ok(())
}

fn type_id(name: &QualName) -> ObjectId {
    ObjectId::Type { name: name.clone() }
}

/// Live objects that use the type and still use it in the desired catalog: they keep the
/// type from being dropped and created again.
fn surviving_users(ctx: &Ctx, name: &QualName) -> BTreeSet<ObjectId> {
    let after = ctx.to_lookup.type_users(name);
    ctx.from_lookup
        .type_users(name)
        .into_iter()
        .filter(|u| after.contains(u))
        .collect()
}

/// A drop and a create of the same type, for changes PostgreSQL cannot make in place; only
/// when nothing that survives the plan uses the type.
fn recreate(
    ctx: &Ctx,
    name: &QualName,
    what: &str,
    drop_sql: String,
    create: Draft,
    out: &mut Steps,
) -> Result<(), PlanError> {
    let users = surviving_users(ctx, name);
    if let Some(user) = users.iter().next() {
        return Err(unsupported(
            format!("type {name}"),
            format!("{what}, which PostgreSQL cannot do in place, and {user} uses the type"),
            "a guided rebuild (new type, column conversion, swap) is not available yet; make the change in steps: add a new type, move the columns to it, then drop the old one",
        ));
    }
    let id = type_id(name);
    out.push(
        Draft::new(
            Phase::DropType,
            id.clone(),
            Action::Drop,
            drop_sql,
            format!("{what}: dropped to be created again"),
        )
        .drops([id.clone()])
        .frees([type_name(name)])
        .releases(ctx.rests_on_in_from(&id)),
    );
    out.push(create);
    Ok(())
}

/// `CREATE TYPE t AS ENUM ('a', 'b')`.
fn create_enum(ctx: &Ctx, e: &EnumType, reason: &str) -> Draft {
    let id = type_id(&e.name);
    let labels: Vec<String> = e.labels.iter().map(|l| quote_literal(l)).collect();
    Draft::new(
        Phase::CreateType,
        id.clone(),
        Action::Create,
        format!("CREATE TYPE {} AS ENUM ({})", e.name, labels.join(", ")),
        reason,
    )
    .creates([id.clone()])
    .claims([type_name(&e.name)])
    .needs(ctx.needs_in_to(&id))
}

/// `ALTER TYPE t ADD VALUE 'x' {BEFORE | AFTER} 'y'`, one step per label, each in a
/// transaction of its own (PostgreSQL refuses a label in the transaction that added it, so
/// it commits before any step that uses it); removed or reordered labels → drop and create
/// when unused.
fn enums(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    for e in &ctx.diff.enums.added {
        out.push(create_enum(ctx, e, "enum type added"));
        out.0.extend(comment_change(
            type_id(&e.name),
            format!("TYPE {}", e.name),
            None,
            e.comment.as_ref(),
        ));
    }
    for (f, t) in &ctx.diff.enums.kept {
        let id = type_id(&t.name);
        if f.labels != t.labels {
            if is_subsequence(&f.labels, &t.labels) {
                for (i, label) in t.labels.iter().enumerate() {
                    if f.labels.contains(label) {
                        continue;
                    }
                    let position = match (i.checked_sub(1).map(|p| &t.labels[p]), f.labels.first())
                    {
                        (Some(prev), _) => format!(" AFTER {}", quote_literal(prev)),
                        (None, Some(first)) => format!(" BEFORE {}", quote_literal(first)),
                        (None, None) => String::new(),
                    };
                    out.push(
                        Draft::new(
                            Phase::AlterType,
                            id.clone(),
                            Action::Alter,
                            format!(
                                "ALTER TYPE {} ADD VALUE {}{position}",
                                t.name,
                                quote_literal(label)
                            ),
                            format!("label {} added", quote_literal(label)),
                        )
                        .alone()
                        // Adding a label is an expansion: no running code breaks.
                        .alters([id.clone()])
                        .needs(ctx.needs_in_to(&id)),
                    );
                }
            } else {
                recreate(
                    ctx,
                    &t.name,
                    "labels removed or reordered",
                    format!("DROP TYPE {}", f.name),
                    create_enum(ctx, t, "labels removed or reordered: created again"),
                    out,
                )?;
                out.0.extend(comment_change(
                    id,
                    format!("TYPE {}", t.name),
                    None,
                    t.comment.as_ref(),
                ));
                continue;
            }
        }
        out.0.extend(comment_change(
            id,
            format!("TYPE {}", t.name),
            f.comment.as_ref(),
            t.comment.as_ref(),
        ));
    }
    for e in &ctx.diff.enums.removed {
        out.push(drop_type(ctx, &e.name, "TYPE", "enum type removed"));
    }
    Ok(())
}

fn is_subsequence(sub: &[String], of: &[String]) -> bool {
    let mut it = of.iter();
    sub.iter().all(|s| it.any(|o| o == s))
}

/// `DROP TYPE t` / `DROP DOMAIN d`.
fn drop_type(ctx: &Ctx, name: &QualName, keyword: &str, reason: &str) -> Draft {
    let id = type_id(name);
    let relation = ctx
        .from
        .composites
        .contains_key(name)
        .then(|| relation_name(name));
    Draft::new(
        Phase::DropType,
        id.clone(),
        Action::Drop,
        format!("DROP {keyword} {name}"),
        reason,
    )
    .hazard(
        Hazard::BackwardIncompatible,
        format!("{} {name} no longer exists", keyword.to_lowercase()),
    )
    .drops([id.clone()])
    .frees([type_name(name)])
    .frees(relation)
    .releases(ctx.rests_on_in_from(&id))
}

/// `CREATE DOMAIN d AS base [COLLATE c] [DEFAULT e] [NOT NULL] [CONSTRAINT n CHECK …]`,
/// with NOT VALID checks added afterwards (CREATE DOMAIN cannot say NOT VALID).
fn create_domain(ctx: &Ctx, d: &Domain, reason: &str, out: &mut Steps) {
    let id = type_id(&d.name);
    let mut sql = format!("CREATE DOMAIN {} AS {}", d.name, d.base_type);
    if let Some(c) = &d.collation {
        sql.push_str(&format!(" COLLATE {}", collation(c)));
    }
    if let Some(e) = &d.default {
        sql.push_str(&format!(" DEFAULT {e}"));
    }
    if d.not_null {
        sql.push_str(" NOT NULL");
    }
    for c in d.checks.values().filter(|c| c.validated) {
        sql.push_str(&format!(" CONSTRAINT {} {}", c.name, c.definition));
    }
    out.push(
        Draft::new(Phase::CreateType, id.clone(), Action::Create, sql, reason)
            .creates([id.clone()])
            .claims([type_name(&d.name)])
            .needs(ctx.needs_in_to(&id)),
    );
    for c in d.checks.values().filter(|c| !c.validated) {
        out.push(add_domain_check(ctx, d, c, false));
    }
}

/// `ALTER DOMAIN d ADD CONSTRAINT n CHECK (…) [NOT VALID]`.
fn add_domain_check(ctx: &Ctx, d: &Domain, c: &DomainCheck, in_use: bool) -> Draft {
    let id = type_id(&d.name);
    let mut sql = format!(
        "ALTER DOMAIN {} ADD CONSTRAINT {} {}",
        d.name, c.name, c.definition
    );
    if !c.validated {
        sql.push_str(" NOT VALID");
    }
    let scans = in_use && c.validated;
    Draft::new(
        Phase::AlterType,
        id.clone(),
        Action::Alter,
        sql,
        format!("check {} added", c.name),
    )
    .hazard_if(
        scans,
        Hazard::ValidationScan,
        "every column of the domain is read to check existing values",
    )
    .hazard_if(
        scans,
        Hazard::DataDependent,
        "fails if an existing value violates the check",
    )
    .hazard_if(
        in_use,
        Hazard::BackwardIncompatible,
        "writes that violate the check now fail",
    )
    .needs(ctx.needs_in_to(&id))
}

fn alter_domain(ctx: &Ctx, d: &Domain, sql: String, reason: impl Into<String>) -> Draft {
    let id = type_id(&d.name);
    Draft::new(
        Phase::AlterType,
        id.clone(),
        Action::Alter,
        format!("ALTER DOMAIN {} {sql}", d.name),
        reason,
    )
    .needs(ctx.needs_in_to(&id))
    .releases(ctx.released_by_alter(&id))
}

/// `ALTER DOMAIN` SET/DROP DEFAULT, SET/DROP NOT NULL, ADD/DROP/VALIDATE CONSTRAINT; a
/// changed base type or collation → drop and create when unused.
fn domains(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    for d in &ctx.diff.domains.added {
        create_domain(ctx, d, "domain added", out);
        out.0.extend(comment_change(
            type_id(&d.name),
            format!("DOMAIN {}", d.name),
            None,
            d.comment.as_ref(),
        ));
    }
    for (f, t) in &ctx.diff.domains.kept {
        let id = type_id(&t.name);
        if f.base_type != t.base_type || f.collation != t.collation {
            let what = if f.base_type != t.base_type {
                format!("base type changed from {} to {}", f.base_type, t.base_type)
            } else {
                "collation changed".to_string()
            };
            let mut created = Steps::default();
            create_domain(ctx, t, &format!("{what}: created again"), &mut created);
            let mut drafts = created.0.into_iter();
            let first = drafts
                .next()
                .expect("create_domain emits the CREATE DOMAIN first");
            recreate(
                ctx,
                &t.name,
                &what,
                format!("DROP DOMAIN {}", f.name),
                first,
                out,
            )?;
            out.0.extend(drafts);
            out.0.extend(comment_change(
                id,
                format!("DOMAIN {}", t.name),
                None,
                t.comment.as_ref(),
            ));
            continue;
        }
        let in_use = !ctx.from_lookup.type_users(&f.name).is_empty();
        if f.default != t.default {
            out.push(match &t.default {
                Some(e) => alter_domain(ctx, t, format!("SET DEFAULT {e}"), "default changed"),
                None => alter_domain(ctx, t, "DROP DEFAULT".into(), "default removed"),
            });
        }
        if f.not_null != t.not_null {
            out.push(if t.not_null {
                alter_domain(ctx, t, "SET NOT NULL".into(), "made NOT NULL")
                    .hazard_if(
                        in_use,
                        Hazard::ValidationScan,
                        "every column of the domain is read to check for NULLs",
                    )
                    .hazard_if(
                        in_use,
                        Hazard::DataDependent,
                        "fails if a column of the domain holds NULLs",
                    )
            } else {
                alter_domain(ctx, t, "DROP NOT NULL".into(), "NOT NULL removed")
            });
        }
        for (name, fc) in &f.checks {
            if t.checks
                .get(name)
                .is_none_or(|tc| tc.definition != fc.definition)
            {
                out.push(alter_domain(
                    ctx,
                    t,
                    format!("DROP CONSTRAINT {name}"),
                    format!("check {name} removed"),
                ));
            }
        }
        for (name, tc) in &t.checks {
            match f.checks.get(name) {
                Some(fc) if fc.definition == tc.definition => {
                    if !fc.validated && tc.validated {
                        out.push(
                            alter_domain(
                                ctx,
                                t,
                                format!("VALIDATE CONSTRAINT {name}"),
                                format!("check {name} validated"),
                            )
                            .hazard_if(
                                in_use,
                                Hazard::ValidationScan,
                                "every column of the domain is read",
                            )
                            .hazard_if(
                                in_use,
                                Hazard::DataDependent,
                                "fails if an existing value violates the check",
                            ),
                        );
                    }
                }
                _ => out.push(add_domain_check(ctx, t, tc, in_use)),
            }
        }
        out.0.extend(comment_change(
            id,
            format!("DOMAIN {}", t.name),
            f.comment.as_ref(),
            t.comment.as_ref(),
        ));
    }
    for d in &ctx.diff.domains.removed {
        out.push(drop_type(ctx, &d.name, "DOMAIN", "domain removed"));
    }
    Ok(())
}

/// `CREATE TYPE t AS (a integer, b text COLLATE "C")`.
fn create_composite(ctx: &Ctx, c: &CompositeType) -> Draft {
    let id = type_id(&c.name);
    let attrs: Vec<String> = c
        .attributes
        .iter()
        .map(|a| {
            let mut s = format!("{} {}", a.name, a.data_type);
            if let Some(coll) = &a.collation {
                s.push_str(&format!(" COLLATE {}", collation(coll)));
            }
            s
        })
        .collect();
    Draft::new(
        Phase::CreateType,
        id.clone(),
        Action::Create,
        format!("CREATE TYPE {} AS ({})", c.name, attrs.join(", ")),
        "composite type added",
    )
    .creates([id.clone()])
    .claims([type_name(&c.name), relation_name(&c.name)])
    .needs(ctx.needs_in_to(&id))
}

/// `ALTER TYPE t ADD ATTRIBUTE a type`, `DROP ATTRIBUTE a`, `ALTER ATTRIBUTE a TYPE type`.
fn composites(ctx: &Ctx, out: &mut Steps) -> Result<(), PlanError> {
    for c in &ctx.diff.composites.added {
        out.push(create_composite(ctx, c));
        out.0.extend(comment_change(
            type_id(&c.name),
            format!("TYPE {}", c.name),
            None,
            c.comment.as_ref(),
        ));
    }
    for (f, t) in &ctx.diff.composites.kept {
        let id = type_id(&t.name);
        let in_use = !ctx.from_lookup.type_users(&f.name).is_empty();
        let alter = |sql: String, reason: String| {
            Draft::new(
                Phase::AlterType,
                id.clone(),
                Action::Alter,
                format!("ALTER TYPE {} {sql}", t.name),
                reason,
            )
            .needs(ctx.needs_in_to(&id))
            .releases(ctx.released_by_alter(&id))
        };
        for fa in &f.attributes {
            if !t.attributes.iter().any(|ta| ta.name == fa.name) {
                out.push(
                    alter(
                        format!("DROP ATTRIBUTE {}", fa.name),
                        format!("attribute {} removed", fa.name),
                    )
                    .hazard_if(
                        in_use,
                        Hazard::DataLoss,
                        format!("values of attribute {} in stored rows are lost", fa.name),
                    )
                    .hazard(
                        Hazard::BackwardIncompatible,
                        format!("attribute {} no longer exists", fa.name),
                    ),
                );
            }
        }
        for ta in &t.attributes {
            let coll = ta
                .collation
                .as_deref()
                .map(|c| format!(" COLLATE {}", collation(c)))
                .unwrap_or_default();
            match f.attributes.iter().find(|fa| fa.name == ta.name) {
                None => out.push(alter(
                    format!("ADD ATTRIBUTE {} {}{coll}", ta.name, ta.data_type),
                    format!("attribute {} added", ta.name),
                )),
                Some(fa) if fa.data_type != ta.data_type || fa.collation != ta.collation => {
                    if in_use {
                        let user = ctx
                            .from_lookup
                            .type_users(&f.name)
                            .into_iter()
                            .next()
                            .expect("in use");
                        return Err(unsupported(
                            format!("type {}", t.name),
                            format!("attribute {} changes type, and {user} uses the type", ta.name),
                            "PostgreSQL cannot change an attribute type of a composite type in use; a guided rebuild is not available yet",
                        ));
                    }
                    out.push(
                        alter(
                            format!("ALTER ATTRIBUTE {} TYPE {}{coll}", ta.name, ta.data_type),
                            format!(
                                "attribute {} type changed from {} to {}",
                                ta.name, fa.data_type, ta.data_type
                            ),
                        )
                        .hazard(
                            Hazard::BackwardIncompatible,
                            format!("attribute {} changes type", ta.name),
                        ),
                    );
                }
                Some(_) => {}
            }
        }
        out.0.extend(comment_change(
            id,
            format!("TYPE {}", t.name),
            f.comment.as_ref(),
            t.comment.as_ref(),
        ));
    }
    for c in &ctx.diff.composites.removed {
        out.push(drop_type(ctx, &c.name, "TYPE", "composite type removed"));
    }
    Ok(())
}

#[cfg(test)]
#[path = "types_tests.rs"]
mod tests;
