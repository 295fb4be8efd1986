//! The guided rebuild of an enum whose labels are removed or reordered while columns use
//! it (PostgreSQL can only add and rename labels in place):
//!
//! 1. a guard (`DO` block) that counts, per table, column and removed label, the rows that
//!    still use one, and raises an error listing them (nothing has changed yet);
//! 2. `ALTER TYPE s.t RENAME TO t__schemadiff_old`;
//! 3. `CREATE TYPE s.t AS ENUM (...)` with the desired labels;
//! 4. per column, `ALTER TABLE ... ALTER COLUMN c TYPE s.t USING c::text::s.t` (arrays
//!    `s.t[]`; defaults dropped around it, checks, indexes and views on it replaced);
//! 5. `DROP TYPE s.t__schemadiff_old`.
//!
//! Steps 3 to 5 are the ordinary plan once the live catalog reads the old type under its
//! aside name; this module plans 1 and 2 and renames the type in the live catalog.

use super::build::{unsupported, Draft, Phase, PlanError};
use super::deps::type_name;
use super::rename::{apply, Rename};
use super::{Action, Budget, Hazard};
use crate::catalog::{quote_literal, Catalog, Ident, ObjectId, QualName};

/// The suffix of the aside name of a rebuilt enum.
const ASIDE: &str = "__schemadiff_old";

/// `t__schemadiff_old`, cut to fit PostgreSQL's 63-byte names.
fn aside_name(name: &Ident) -> Ident {
    let mut base = name.as_str().to_string();
    while base.len() + ASIDE.len() > 63 {
        base.pop();
    }
    Ident(format!("{base}{ASIDE}"))
}

/// Plan the guard and the rename aside of every enum of `cat` (the live catalog, read
/// under the declared renames) that `to` changes in a way `ADD VALUE` cannot, and that
/// table columns use; `cat` then reads each under its aside name.
pub(crate) fn prepare(
    cat: &mut Catalog,
    to: &Catalog,
    drafts: &mut Vec<Draft>,
) -> Result<(), PlanError> {
    let rebuilt: Vec<(QualName, Vec<String>)> = cat
        .enums
        .iter()
        .filter_map(|(name, live)| {
            let want = to.enums.get(name)?;
            let mut it = want.labels.iter();
            let in_place = live.labels.iter().all(|l| it.any(|w| w == l));
            (!in_place).then(|| {
                let removed = live
                    .labels
                    .iter()
                    .filter(|l| !want.labels.contains(l))
                    .cloned()
                    .collect();
                (name.clone(), removed)
            })
        })
        .collect();
    for (name, removed) in rebuilt {
        let columns = columns_of(cat, to, &name);
        if columns.is_empty() {
            continue; // nothing uses it: dropped and created again (types.rs)
        }
        refuse_other_users(cat, &name)?;
        let id = ObjectId::Type { name: name.clone() };
        let guard_id = ObjectId::Other {
            kind: "enum guard".into(),
            identity: name.to_string(),
        };
        let mut needs: Vec<ObjectId> = vec![id.clone()];
        if !removed.is_empty() {
            needs.push(guard_id.clone());
            // After the declared renames of what it reads; it needs nothing the rebuild
            // alters (that would put the rebuild before its guard).
            let read: Vec<ObjectId> = std::iter::once(id.clone())
                .chain(columns.iter().flat_map(|c| {
                    [
                        ObjectId::Table {
                            name: c.table.clone(),
                        },
                        ObjectId::Column {
                            table: c.table.clone(),
                            column: c.column.clone(),
                        },
                    ]
                }))
                .collect();
            let after: Vec<ObjectId> = drafts
                .iter()
                .filter(|d| read.iter().any(|r| d.deps.creates.contains(r)))
                .flat_map(|d| d.deps.drops.iter().cloned())
                .collect();
            drafts.push(
                Draft::new(
                    Phase::CreateType,
                    guard_id.clone(),
                    Action::Alter,
                    guard_sql(cat, &name, &columns, &removed),
                    format!(
                        "labels {} of {name} removed: refuse while rows use them",
                        listed(&removed)
                    ),
                )
                .budget(Budget::Validation)
                .hazard(
                    Hazard::DataDependent,
                    format!(
                        "fails, before anything changes, when rows still use {}",
                        listed(&removed)
                    ),
                )
                .creates([guard_id.clone()])
                .follows_drops(after),
            );
        }
        let aside = aside_name(&name.name);
        let what = if removed.is_empty() {
            "labels reordered".to_string()
        } else {
            format!("labels {} removed", listed(&removed))
        };
        let tables: Vec<String> = columns
            .iter()
            .map(|c| format!("{}.{}", c.table, c.column))
            .collect();
        // Declared label renames of the type run on the old type, before it steps aside.
        let renamed_labels = ObjectId::Other {
            kind: "enum labels renamed".into(),
            identity: name.to_string(),
        };
        for d in drafts.iter_mut().filter(|d| d.step.object == id) {
            d.deps.creates.insert(renamed_labels.clone());
        }
        needs.push(renamed_labels);
        // Its object is the rebuild, neither the type nor the aside type: steps on one
        // object put its drop first, and this step drops the one and is dropped by the other.
        drafts.push(
            Draft::new(
                Phase::Rename,
                ObjectId::Other {
                    kind: "enum rebuild".into(),
                    identity: name.to_string(),
                },
                Action::Rename,
                format!("ALTER TYPE {name} RENAME TO {aside}"),
                format!("{what}: the old type steps aside, its columns move to a new {name}"),
            )
            .hazard_if(
                !removed.is_empty(),
                Hazard::DataLoss,
                format!(
                    "{} can no longer be stored in {}",
                    listed(&removed),
                    tables.join(", ")
                ),
            )
            .hazard(
                Hazard::TableRewrite,
                format!("{} are rewritten to the new type", tables.join(", ")),
            )
            .hazard(
                Hazard::AccessExclusiveLock,
                "the tables using the type are locked until the plan's transaction ends",
            )
            .hazard(
                Hazard::BackwardIncompatible,
                if removed.is_empty() {
                    format!("clients that rely on the order of the labels of {name} see a new one")
                } else {
                    format!("clients that use {} break", listed(&removed))
                },
            )
            // Neither creates the aside type nor claims its name: its own DROP TYPE would
            // then have to come first. The columns moving off it order that drop.
            .drops([id.clone()])
            .frees([type_name(&name)])
            .needs(needs),
        );
        apply(
            cat,
            &Rename::Type {
                from: name.clone(),
                to: aside,
            },
        );
    }
    Ok(())
}

fn listed(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| quote_literal(l))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A table column of the enum type (or an array of it).
struct Use {
    table: QualName,
    column: Ident,
    array: bool,
}

/// The columns of `cat` of the type that keep it in `to` (one that leaves the type is
/// converted by its own type change).
fn columns_of(cat: &Catalog, to: &Catalog, name: &QualName) -> Vec<Use> {
    let plain = name.to_string();
    let array = format!("{plain}[]");
    let of_type = |ty: &str| ty == plain || ty == array;
    let mut out = Vec::new();
    for t in cat.tables.values() {
        for c in &t.columns {
            let kept = to
                .tables
                .get(&t.name)
                .and_then(|d| d.column(&c.name))
                .is_some_and(|d| of_type(&d.data_type));
            if of_type(&c.data_type) && kept {
                out.push(Use {
                    table: t.name.clone(),
                    column: c.name.clone(),
                    array: c.data_type == array,
                });
            }
        }
    }
    out
}

/// Domains, composite types and routine signatures over the type would have to move to the
/// new type too: not planned, refused with the way out.
fn refuse_other_users(cat: &Catalog, name: &QualName) -> Result<(), PlanError> {
    let q = name.to_string();
    let mentions = |s: &str| s == q || s.trim_end_matches("[]") == q;
    let mut users: Vec<String> = Vec::new();
    users.extend(
        cat.domains
            .values()
            .filter(|d| mentions(&d.base_type))
            .map(|d| format!("domain {}", d.name)),
    );
    users.extend(
        cat.composites
            .values()
            .filter(|c| c.attributes.iter().any(|a| mentions(&a.data_type)))
            .map(|c| format!("type {}", c.name)),
    );
    users.extend(
        cat.all_functions()
            .filter(|f| f.args.contains(&q) || f.result.as_deref().is_some_and(|r| r.contains(&q)))
            .map(|f| format!("function {}({})", f.name, f.args)),
    );
    if users.is_empty() {
        return Ok(());
    }
    Err(unsupported(
        format!("type {name}"),
        format!(
            "labels are removed or reordered, and {} use the type besides table columns",
            users.join(", ")
        ),
        "the guided enum rebuild moves table columns only: move these to another type first (or drop them in one plan and create them in the next)",
    ))
}

/// `DO $schemadiff$ ... $schemadiff$`: per column, the rows whose value (or array element)
/// is a removed label, grouped by label; an error listing `table.column = 'label': N rows`
/// when there are any.
fn guard_sql(cat: &Catalog, name: &QualName, columns: &[Use], removed: &[String]) -> String {
    let labels = removed
        .iter()
        .map(|l| quote_literal(l))
        .collect::<Vec<_>>()
        .join(", ");
    let mut body = String::new();
    // A partitioned table's scan covers its partitions: they are not counted twice.
    let partition = |t: &QualName| cat.tables.get(t).is_some_and(|t| t.partition_of.is_some());
    for c in columns.iter().filter(|c| !partition(&c.table)) {
        let target = quote_literal(&format!("{}.{}", c.table, c.column));
        let query = if c.array {
            format!(
                "SELECT u::text AS v, count(*) AS n FROM {} CROSS JOIN LATERAL unnest({}) AS u WHERE u::text IN ({labels}) GROUP BY 1 ORDER BY 1",
                c.table, c.column
            )
        } else {
            format!(
                "SELECT {}::text AS v, count(*) AS n FROM {} WHERE {}::text IN ({labels}) GROUP BY 1 ORDER BY 1",
                c.column, c.table, c.column
            )
        };
        let unit = if c.array { "values" } else { "rows" };
        body.push_str(&format!(
            "  FOR r IN {query} LOOP\n    found := found || format(E'\\n  %s = %L: %s {unit}', {target}, r.v, r.n);\n  END LOOP;\n"
        ));
    }
    let message = quote_literal(&format!(
        "enum {name}: rows still use labels the desired schema removes (nothing was changed):"
    ));
    let hint = quote_literal(
        "update or delete these rows (or keep the labels in the desired schema), then apply again",
    );
    let mut tag = "$schemadiff$".to_string();
    while body.contains(&tag) || message.contains(&tag) {
        tag.insert(tag.len() - 1, '_');
    }
    format!(
        "DO {tag}\nDECLARE\n  r record;\n  found text := '';\nBEGIN\n{body}  IF found <> '' THEN\n    RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE = {message} || found, HINT = {hint};\n  END IF;\nEND\n{tag}"
    )
}
