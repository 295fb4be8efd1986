//! Which finding a plan step belongs to: the object it is reported under and its code,
//! read from the two catalogs (is the object, or the table or schema it belongs to, on one
//! side only?) and from the statement itself for security statements, which the plan emits
//! on the object they concern (`GRANT ... ON TABLE t` is a step on `t`).

use super::code::{self, Code, Family, Kind};
use crate::catalog::{Catalog, Column, Function, Ident, ObjectId, QualName};
use crate::plan::{Action, Step};
use std::collections::BTreeSet;

/// Where a step is reported: the object of its finding, the code, and a detail when the
/// catalogs say more than the step's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Class {
    pub object: ObjectId,
    pub code: Code,
    pub detail: Option<String>,
}

/// Classify `step` of the plan from `live` to `want`; `renamed` holds the objects the plan
/// renames (their other steps, such as a comment, belong to the rename).
pub(crate) fn classify(
    step: &Step,
    live: &Catalog,
    want: &Catalog,
    renamed: &BTreeSet<ObjectId>,
) -> Class {
    let id = &step.object;
    for a in ancestors(id, live, want) {
        if let Some(kind) = one_sided(&a, live, want) {
            return Class {
                code: family(&a).of(kind),
                detail: Some(side_detail(kind)),
                object: a,
            };
        }
    }
    if step.action == Action::Rename || renamed.contains(id) {
        return at(id, Code::ObjectRenamed, None);
    }
    if let Some(kind) = one_sided(id, live, want) {
        let side = side_detail(kind);
        let shown = match kind {
            Kind::Missing => definition(want, id),
            _ => definition(live, id),
        };
        let detail = match shown {
            Some(d) => format!("{side}: {d}"),
            None => side,
        };
        return at(id, family(id).of(kind), Some(detail));
    }
    if let Some(c) = security(step, live, want) {
        return c;
    }
    if step.action == Action::Comment {
        return at(id, Code::CommentChanged, None);
    }
    if !live.holds(id) && !want.holds(id) {
        let kind = match step.action {
            Action::Create => Kind::Missing,
            Action::Drop => Kind::Unexpected,
            _ => Kind::Changed,
        };
        return at(id, family(id).of(kind), None);
    }
    if same(live, want, id) == Some(true) {
        return at(id, Code::ObjectRebuilt, None);
    }
    match id {
        ObjectId::Column { table, column } => column_change(step, live, want, table, column),
        ObjectId::Function { name, args } => {
            match (live.function(name, args), want.function(name, args)) {
                (Some(l), Some(w)) => function_change(l, w),
                _ => at(id, Code::FunctionChanged, None),
            }
        }
        ObjectId::Index { name } => {
            let pair = (live.indexes.get(name), want.indexes.get(name));
            match pair {
                (Some(l), Some(w)) if !l.valid && l.definition == w.definition => at(
                    id,
                    Code::IndexInvalid,
                    Some("INVALID (left by a failed concurrent build)".into()),
                ),
                (Some(l), Some(w)) if l.definition != w.definition => at(
                    id,
                    Code::IndexChanged,
                    Some(format!("{}, declared {}", l.definition, w.definition)),
                ),
                _ => at(id, Code::IndexChanged, None),
            }
        }
        ObjectId::Constraint { table, name } => {
            let con = |c: &Catalog| {
                c.tables
                    .get(table)
                    .and_then(|t| t.constraints.get(name))
                    .cloned()
            };
            match (con(live), con(want)) {
                (Some(l), Some(w)) if l.definition != w.definition => at(
                    id,
                    Code::ConstraintChanged,
                    Some(format!("{}, declared {}", l.definition, w.definition)),
                ),
                (Some(l), Some(w)) if l.validated != w.validated => at(
                    id,
                    Code::ConstraintChanged,
                    Some(if l.validated {
                        "validated, declared NOT VALID".into()
                    } else {
                        "NOT VALID, declared validated".into()
                    }),
                ),
                _ => at(id, Code::ConstraintChanged, None),
            }
        }
        _ => at(id, family(id).changed, None),
    }
}

/// A short definition of `id` in `cat` for the detail of a missing or unexpected object:
/// a column's type, an index's or a constraint's definition.
fn definition(cat: &Catalog, id: &ObjectId) -> Option<String> {
    match id {
        ObjectId::Column { table, column } => cat
            .tables
            .get(table)
            .and_then(|t| t.column(column))
            .map(|c| c.data_type.clone()),
        ObjectId::Index { name } => cat.indexes.get(name).map(|i| i.definition.clone()),
        ObjectId::Constraint { table, name } => cat
            .tables
            .get(table)
            .and_then(|t| t.constraints.get(name))
            .map(|c| c.definition.clone()),
        _ => None,
    }
}

fn at(id: &ObjectId, code: Code, detail: Option<String>) -> Class {
    Class {
        object: id.clone(),
        code,
        detail,
    }
}

fn side_detail(kind: Kind) -> String {
    match kind {
        Kind::Missing => "declared, absent from the database".into(),
        Kind::Unexpected => "in the database, not declared".into(),
        Kind::Changed => "differs".into(),
    }
}

/// `Missing` when `id` is only in `want`, `Unexpected` when only in `live`.
fn one_sided(id: &ObjectId, live: &Catalog, want: &Catalog) -> Option<Kind> {
    match (live.holds(id), want.holds(id)) {
        (false, true) => Some(Kind::Missing),
        (true, false) => Some(Kind::Unexpected),
        _ => None,
    }
}

/// The codes of the object kind of `id`.
fn family(id: &ObjectId) -> Family {
    match id {
        ObjectId::Schema { .. } => code::SCHEMA,
        ObjectId::Extension { .. } => code::EXTENSION,
        ObjectId::Type { .. } => code::TYPE,
        ObjectId::Sequence { .. } => code::SEQUENCE,
        ObjectId::Table { .. } => code::TABLE,
        ObjectId::Column { .. } => code::COLUMN,
        ObjectId::Constraint { .. } => code::CONSTRAINT,
        ObjectId::Index { .. } => code::INDEX,
        ObjectId::View { .. } => code::VIEW,
        ObjectId::MaterializedView { .. } => code::MATVIEW,
        ObjectId::Function { .. } => code::FUNCTION,
        ObjectId::Trigger { .. } => code::TRIGGER,
        ObjectId::EventTrigger { .. } => code::EVENT_TRIGGER,
        ObjectId::Policy { .. } => code::POLICY,
        ObjectId::Other { kind, .. } => match kind.as_str() {
            "hypertable" | "timescaledb compression" | "timescaledb decompressed chunks" => {
                code::HYPERTABLE
            }
            "timescaledb policy" => code::TIMESCALE_POLICY,
            "continuous aggregate refresh" => code::MATVIEW,
            "partition attachment" => code::PARTITION,
            _ => code::OTHER,
        },
    }
}

/// Whether `id` is the same on both sides, for the kinds that are dropped and created
/// again for another object's sake; `None` for the others.
fn same(live: &Catalog, want: &Catalog, id: &ObjectId) -> Option<bool> {
    fn eq<T: PartialEq>(a: Option<&T>, b: Option<&T>) -> Option<bool> {
        Some(a? == b?)
    }
    match id {
        ObjectId::Table { name } => eq(live.tables.get(name), want.tables.get(name)),
        ObjectId::Column { table, column } => eq(
            live.tables.get(table).and_then(|t| t.column(column)),
            want.tables.get(table).and_then(|t| t.column(column)),
        ),
        ObjectId::Constraint { table, name } => eq(
            live.tables.get(table).and_then(|t| t.constraints.get(name)),
            want.tables.get(table).and_then(|t| t.constraints.get(name)),
        ),
        ObjectId::Index { name } => eq(live.indexes.get(name), want.indexes.get(name)),
        ObjectId::View { name } => eq(live.views.get(name), want.views.get(name)),
        ObjectId::MaterializedView { name } => eq(
            live.materialized_views.get(name),
            want.materialized_views.get(name),
        ),
        ObjectId::Function { name, args } => {
            eq(live.function(name, args), want.function(name, args))
        }
        ObjectId::Trigger { table, name } => eq(
            live.triggers.get(table).and_then(|t| t.get(name)),
            want.triggers.get(table).and_then(|t| t.get(name)),
        ),
        ObjectId::Policy { table, name } => eq(
            live.policies.get(table).and_then(|p| p.get(name)),
            want.policies.get(table).and_then(|p| p.get(name)),
        ),
        _ => None,
    }
}

/// The table, view or materialized view `name` as an object id.
fn relation(cat: &Catalog, name: &QualName) -> Option<ObjectId> {
    let name = name.clone();
    if cat.tables.contains_key(&name) {
        Some(ObjectId::Table { name })
    } else if cat.views.contains_key(&name) {
        Some(ObjectId::View { name })
    } else if cat.materialized_views.contains_key(&name)
        || cat.timescale.continuous_aggregates.contains_key(&name)
    {
        Some(ObjectId::MaterializedView { name })
    } else {
        None
    }
}

/// What `id` belongs to, outermost first: its schema, then the relation of a column,
/// constraint, trigger, policy or index, the table that owns a sequence, or the relation
/// of a TimescaleDB object or a partition attachment.
fn ancestors(id: &ObjectId, live: &Catalog, want: &Catalog) -> Vec<ObjectId> {
    let either = |n: &QualName| {
        relation(want, n)
            .or_else(|| relation(live, n))
            .unwrap_or(ObjectId::Table { name: n.clone() })
    };
    let schema = |n: &QualName| ObjectId::Schema {
        name: n.schema.clone(),
    };
    match id {
        ObjectId::Schema { .. } | ObjectId::Extension { .. } | ObjectId::EventTrigger { .. } => {
            vec![]
        }
        ObjectId::Other { kind, identity } => {
            let rel = match kind.as_str() {
                "hypertable"
                | "timescaledb compression"
                | "timescaledb decompressed chunks"
                | "partition attachment"
                | "continuous aggregate refresh" => QualName::parse(identity),
                "timescaledb policy" => identity
                    .split_once(" on ")
                    .and_then(|(_, rel)| QualName::parse(rel)),
                _ => None,
            };
            rel.map(|r| vec![schema(&r), either(&r)])
                .unwrap_or_default()
        }
        ObjectId::Type { name }
        | ObjectId::Table { name }
        | ObjectId::View { name }
        | ObjectId::MaterializedView { name }
        | ObjectId::Function { name, .. } => vec![schema(name)],
        ObjectId::Sequence { name } => {
            let owner = want
                .sequences
                .get(name)
                .or_else(|| live.sequences.get(name))
                .and_then(|s| s.owned_by.as_ref());
            let mut out = vec![schema(name)];
            out.extend(owner.map(|(t, _)| ObjectId::Table { name: t.clone() }));
            out
        }
        ObjectId::Column { table, .. }
        | ObjectId::Constraint { table, .. }
        | ObjectId::Trigger { table, .. }
        | ObjectId::Policy { table, .. } => vec![schema(table), either(table)],
        ObjectId::Index { name } => {
            let table = want
                .indexes
                .get(name)
                .or_else(|| live.indexes.get(name))
                .map(|i| i.table.clone());
            let mut out = vec![schema(name)];
            out.extend(table.as_ref().map(either));
            out
        }
    }
}

/// Security statements: `GRANT`, `REVOKE`, `ALTER DEFAULT PRIVILEGES`, `OWNER TO`, and row
/// level security switches; a `SECURITY DEFINER` change of a routine.
fn security(step: &Step, live: &Catalog, want: &Catalog) -> Option<Class> {
    let id = &step.object;
    let sql = step.sql.as_str();
    let words = words_outside_quotes(sql);
    let first = words.first().map(String::as_str).unwrap_or("");
    let reason = step.reason.as_str();
    if first == "GRANT" {
        let detail = reason.contains(" granted to ").then(|| {
            format!(
                "{}, not held",
                reason.replace(" granted to ", " declared for ")
            )
        });
        return Some(at(id, Code::PrivilegeRevoked, detail));
    }
    if first == "REVOKE" {
        let detail = reason.contains(" revoked from ").then(|| {
            format!(
                "{}, not declared",
                reason.replace(" revoked from ", " held by ")
            )
        });
        return Some(at(id, Code::PrivilegeGrantedUnexpected, detail));
    }
    if words.starts_with(&["ALTER".into(), "DEFAULT".into(), "PRIVILEGES".into()]) {
        let revokes = words
            .iter()
            .find(|w| *w == "GRANT" || *w == "REVOKE")
            .is_some_and(|w| w == "REVOKE");
        let code = if revokes {
            Code::DefaultPrivilegeGrantedUnexpected
        } else {
            Code::DefaultPrivilegeRevoked
        };
        return Some(at(id, code, None));
    }
    let tail = |n: usize| &words[words.len().saturating_sub(n)..];
    let owner_to = |w: &[String]| w.len() >= 2 && w[0] == "OWNER" && w[1] == "TO";
    if first == "ALTER" && (owner_to(tail(2)) || owner_to(tail(3))) {
        let owner = |c: &Catalog| c.privileges.objects.get(id).map(|p| p.owner.clone());
        let detail = match (owner(live), owner(want)) {
            (Some(l), Some(w)) => Some(format!("owned by {l}, declared {w}")),
            _ => None,
        };
        return Some(at(id, Code::OwnerChanged, detail));
    }
    if first == "ALTER" && words.ends_with(&["LEVEL".into(), "SECURITY".into()]) {
        let switch: Vec<&str> = words[words.len().saturating_sub(5)..words.len() - 3]
            .iter()
            .map(String::as_str)
            .collect();
        let (code, detail) = match switch.as_slice() {
            [_, "ENABLE"] => (
                Code::RlsDisabled,
                "row-level security is disabled, declared enabled",
            ),
            [_, "DISABLE"] => (
                Code::RlsEnabledUnexpected,
                "row-level security is enabled, not declared",
            ),
            ["NO", "FORCE"] => (
                Code::RlsForcedUnexpected,
                "row-level security is forced on the owner, not declared",
            ),
            [_, "FORCE"] => (
                Code::RlsNotForced,
                "row-level security is not forced on the owner, declared forced",
            ),
            _ => return None,
        };
        return Some(at(id, code, Some(detail.into())));
    }
    if let ObjectId::Function { name, args } = id {
        if let (Some(l), Some(w)) = (live.function(name, args), want.function(name, args)) {
            if security_differs(l, w) {
                return Some(function_change(l, w));
            }
        }
    }
    None
}

fn security_differs(l: &Function, w: &Function) -> bool {
    l.security_definer != w.security_definer
        || ((l.security_definer || w.security_definer) && l.config != w.config)
}

fn function_change(l: &Function, w: &Function) -> Class {
    let id = w.id();
    let definer = |f: &Function| {
        if f.security_definer {
            "SECURITY DEFINER"
        } else {
            "SECURITY INVOKER"
        }
    };
    if security_differs(l, w) {
        let detail = if l.security_definer != w.security_definer {
            format!("{}, declared {}", definer(l), definer(w))
        } else {
            format!(
                "SECURITY DEFINER with SET {}, declared SET {}",
                list_or_none(&l.config),
                list_or_none(&w.config)
            )
        };
        return at(&id, Code::FunctionSecurityChanged, Some(detail));
    }
    let mut only_body = l.clone();
    only_body.definition = w.definition.clone();
    only_body.comment = w.comment.clone();
    if only_body == *w && l.definition != w.definition {
        at(
            &id,
            Code::FunctionBodyChanged,
            Some("the body differs from the declared one".into()),
        )
    } else {
        at(&id, Code::FunctionChanged, None)
    }
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(", ")
    }
}

/// The finer code of a column present on both sides: among the properties that differ, the
/// one the statement names (`TYPE`, `NOT NULL`, `DEFAULT`, `IDENTITY`, `GENERATED`,
/// `COLLATE`), else the first.
fn column_change(
    step: &Step,
    live: &Catalog,
    want: &Catalog,
    table: &QualName,
    column: &Ident,
) -> Class {
    let id = &step.object;
    let col = |c: &Catalog| c.tables.get(table).and_then(|t| t.column(column)).cloned();
    let (Some(l), Some(w)) = (col(live), col(want)) else {
        return at(id, Code::ColumnChanged, None);
    };
    let diffs = column_diffs(&l, &w);
    let words = words_outside_quotes(&step.sql);
    let names = |w: &str| words.iter().any(|x| x == w);
    let hinted = diffs.iter().find(|(code, _)| match code {
        Code::ColumnTypeChanged => names("TYPE"),
        Code::ColumnNullabilityChanged => names("NULL"),
        Code::ColumnDefaultChanged => names("DEFAULT"),
        Code::ColumnIdentityChanged => names("IDENTITY"),
        Code::ColumnGeneratedChanged => names("GENERATED") || names("EXPRESSION"),
        Code::ColumnCollationChanged => names("COLLATE"),
        _ => false,
    });
    match hinted.or(diffs.first()) {
        Some((code, detail)) => at(id, *code, Some(detail.clone())),
        None => at(id, Code::ColumnChanged, None),
    }
}

fn column_diffs(l: &Column, w: &Column) -> Vec<(Code, String)> {
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "none".into());
    let null = |c: &Column| if c.not_null { "NOT NULL" } else { "nullable" };
    let mut out = Vec::new();
    if l.data_type != w.data_type {
        out.push((
            Code::ColumnTypeChanged,
            format!("type {}, declared {}", l.data_type, w.data_type),
        ));
    }
    if l.not_null != w.not_null {
        out.push((
            Code::ColumnNullabilityChanged,
            format!("{}, declared {}", null(l), null(w)),
        ));
    }
    if l.default != w.default {
        out.push((
            Code::ColumnDefaultChanged,
            format!("default {}, declared {}", opt(&l.default), opt(&w.default)),
        ));
    }
    if l.identity != w.identity {
        out.push((
            Code::ColumnIdentityChanged,
            "identity differs from the declared one".into(),
        ));
    }
    if l.generated != w.generated {
        out.push((
            Code::ColumnGeneratedChanged,
            format!(
                "generated as {}, declared {}",
                opt(&l.generated),
                opt(&w.generated)
            ),
        ));
    }
    if l.collation != w.collation {
        out.push((
            Code::ColumnCollationChanged,
            format!(
                "collation {}, declared {}",
                opt(&l.collation),
                opt(&w.collation)
            ),
        ));
    }
    out
}

/// The upper-cased words of `sql` outside double-quoted identifiers and string literals
/// (so that a role or table named `GRANT` is not a keyword).
fn words_outside_quotes(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                quote = Some(c);
            }
            None if c.is_alphanumeric() || c == '_' => cur.push(c.to_ascii_uppercase()),
            None => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_skip_quoted_names_and_literals() {
        assert_eq!(
            words_outside_quotes("ALTER TABLE \"GRANT\".t OWNER TO \"Owner TO\""),
            ["ALTER", "TABLE", "T", "OWNER", "TO"]
        );
        assert_eq!(
            words_outside_quotes("COMMENT ON TABLE t IS 'REVOKE it'"),
            ["COMMENT", "ON", "TABLE", "T", "IS"]
        );
    }
}
