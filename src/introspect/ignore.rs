//! Ignore patterns: globs over qualified names (`public._prisma_migrations`,
//! `*.flyway_schema_history`, `audit.log_*`) whose objects are taken out of a catalog right
//! after it is read, so that neither side of a diff ever mentions them.

use crate::catalog::{Catalog, ObjectId, QualName, Unmanaged};
use crate::plan::text::read_ident;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A glob over the unquoted qualified name `schema.name`: `*` matches any run of
/// characters, `?` one character; everything else matches itself (case-sensitively, as
/// PostgreSQL names are).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct NamePattern(pub String);

impl NamePattern {
    pub fn new(glob: impl Into<String>) -> NamePattern {
        NamePattern(glob.into())
    }

    /// True when `schema.name` matches the glob.
    pub fn matches(&self, name: &QualName) -> bool {
        let text = format!("{}.{}", name.schema.as_str(), name.name.as_str());
        glob(self.0.as_bytes(), text.as_bytes())
    }
}

fn glob(pat: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pat.len() && (pat[p] == b'?' || pat[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

/// The objects to leave out of both catalogs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ignore {
    pub patterns: BTreeSet<NamePattern>,
}

impl Ignore {
    /// The bookkeeping tables of migration tools, in any schema: Prisma's
    /// `_prisma_migrations`, Flyway's `flyway_schema_history`, Alembic's `alembic_version`.
    pub fn migration_tools() -> Ignore {
        Ignore {
            patterns: [
                "*._prisma_migrations",
                "*.flyway_schema_history",
                "*.alembic_version",
            ]
            .into_iter()
            .map(NamePattern::new)
            .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// True when a pattern matches `name`.
    pub fn hides(&self, name: &QualName) -> bool {
        self.patterns.iter().any(|p| p.matches(name))
    }

    /// True when the object, or the table or relation it belongs to, is hidden.
    pub fn hides_object(&self, id: &ObjectId) -> bool {
        match id {
            ObjectId::Schema { .. }
            | ObjectId::Extension { .. }
            | ObjectId::EventTrigger { .. }
            | ObjectId::Other { .. } => false,
            ObjectId::Type { name }
            | ObjectId::Sequence { name }
            | ObjectId::Table { name }
            | ObjectId::Index { name }
            | ObjectId::View { name }
            | ObjectId::MaterializedView { name }
            | ObjectId::Function { name, .. } => self.hides(name),
            ObjectId::Column { table, .. }
            | ObjectId::Constraint { table, .. }
            | ObjectId::Trigger { table, .. }
            | ObjectId::Policy { table, .. } => self.hides(table),
        }
    }

    /// Remove every hidden object from `catalog`: relations with their indexes, triggers,
    /// policies, row security and privileges; sequences (also those owned by a hidden
    /// table), types, views and routines; unmanaged objects of a hidden name (a rule or a
    /// trigger by its table's); and the dependencies that mention any of them. Returns what
    /// each pattern matched.
    pub fn filter(&self, catalog: &mut Catalog) -> Ignored {
        let mut ignored = Ignored {
            by_pattern: self
                .patterns
                .iter()
                .map(|p| (p.clone(), BTreeSet::new()))
                .collect(),
        };
        if self.is_empty() {
            return ignored;
        }
        let mut note = |kind: &str, name: &QualName, shown: String| {
            for (p, seen) in ignored.by_pattern.iter_mut() {
                if p.matches(name) {
                    seen.insert(format!("{kind} {shown}"));
                }
            }
        };
        for (kind, list) in [
            ("table", names(&catalog.tables)),
            ("sequence", names(&catalog.sequences)),
            ("type", names(&catalog.enums)),
            ("type", names(&catalog.domains)),
            ("type", names(&catalog.composites)),
            ("view", names(&catalog.views)),
            ("materialized view", names(&catalog.materialized_views)),
        ] {
            for n in list {
                note(kind, &n, n.to_string());
            }
        }
        for f in catalog.all_functions() {
            note("function", &f.name, format!("{}({})", f.name, f.args));
        }
        for u in &catalog.unmanaged {
            if let Some(n) = unmanaged_name(u) {
                note(&u.kind, &n, u.identity.clone());
            }
        }
        let hidden_table = |name: &QualName| self.hides(name);
        catalog.tables.retain(|n, _| !hidden_table(n));
        catalog
            .indexes
            .retain(|n, i| !self.hides(n) && !hidden_table(&i.table));
        catalog.sequences.retain(|n, s| {
            !self.hides(n) && !s.owned_by.as_ref().is_some_and(|(t, _)| hidden_table(t))
        });
        catalog.enums.retain(|n, _| !self.hides(n));
        catalog.domains.retain(|n, _| !self.hides(n));
        catalog.composites.retain(|n, _| !self.hides(n));
        catalog.views.retain(|n, _| !self.hides(n));
        catalog.materialized_views.retain(|n, _| !self.hides(n));
        catalog.functions.retain(|n, _| !self.hides(n));
        catalog.triggers.retain(|t, _| !hidden_table(t));
        catalog.policies.retain(|t, _| !hidden_table(t));
        catalog.row_security.retain(|t, _| !hidden_table(t));
        catalog
            .unmanaged
            .retain(|u| !unmanaged_name(u).is_some_and(|n| self.hides(&n)));
        catalog
            .timescale
            .hypertables
            .retain(|t, _| !hidden_table(t));
        catalog
            .timescale
            .continuous_aggregates
            .retain(|n, _| !self.hides(n));
        catalog
            .privileges
            .objects
            .retain(|id, _| !self.hides_object(id));
        catalog.depends.retain(|id, _| !self.hides_object(id));
        for deps in catalog.depends.values_mut() {
            deps.retain(|d| !self.hides_object(d));
        }
        ignored
    }
}

fn names<T>(m: &BTreeMap<QualName, T>) -> Vec<QualName> {
    m.keys().cloned().collect()
}

/// What [`Ignore::filter`] took out of one catalog: for each pattern (also those that
/// matched nothing), the objects it matched by name, as `kind name` (tables, sequences,
/// types, views, routines and unmanaged objects; not the indexes, triggers or grants that
/// went with them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ignored {
    pub by_pattern: BTreeMap<NamePattern, BTreeSet<String>>,
}

impl Ignored {
    /// How many distinct objects the patterns matched.
    pub fn count(&self) -> usize {
        self.by_pattern
            .values()
            .flatten()
            .collect::<BTreeSet<_>>()
            .len()
    }
}

/// The qualified name an ignore pattern is matched against for an unmanaged object, read
/// from its `pg_identify_object` identity: the object's own `schema.name` (`public.ft`,
/// `public.f(integer)`, `public.ops USING btree`, `public.t.col`), or the table's for a
/// rule or trigger (`r on public.t`) and the child's for inheritance (`public.c inherits
/// public.p`). `None` for objects in no schema (publications).
pub fn unmanaged_name(u: &Unmanaged) -> Option<QualName> {
    if u.kind == "publication" {
        return None;
    }
    let text = u.identity.as_str();
    let rest = match u.kind.as_str() {
        "rule" | "trigger" => {
            let (_, after) = read_ident(text)?;
            after.strip_prefix(" on ")?
        }
        _ => text,
    };
    let (schema, after) = read_ident(rest)?;
    let after = after.strip_prefix('.')?;
    let (name, _) = read_ident(after)?;
    Some(QualName::new(schema, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::builder::CatalogBuilder;

    #[test]
    fn globs_match_qualified_names() {
        let p = NamePattern::new("*.flyway_schema_history");
        assert!(p.matches(&QualName::new("public", "flyway_schema_history")));
        assert!(p.matches(&QualName::new("app", "flyway_schema_history")));
        assert!(!p.matches(&QualName::new("public", "flyway_schema_history2")));
        let p = NamePattern::new("audit.log_?_*");
        assert!(p.matches(&QualName::new("audit", "log_1_2024")));
        assert!(!p.matches(&QualName::new("audit", "log_12_2024")));
        assert!(!p.matches(&QualName::new("public", "log_1_2024")));
        assert!(NamePattern::new("*").matches(&QualName::new("a", "b")));
    }

    #[test]
    fn filter_removes_tables_and_their_indexes() {
        let mut c = CatalogBuilder::new()
            .schema("public")
            .table("public.flyway_schema_history", |t| t.column("a", "integer"))
            .table("public.kept", |t| t.column("a", "integer"))
            .index(
                "public.fsh_idx",
                "public.flyway_schema_history",
                "CREATE INDEX ON public.flyway_schema_history USING btree (a)",
            )
            .index(
                "public.kept_idx",
                "public.kept",
                "CREATE INDEX ON public.kept USING btree (a)",
            )
            .build();
        Ignore::migration_tools().filter(&mut c);
        let tables: Vec<String> = c.tables.keys().map(|n| n.to_string()).collect();
        let indexes: Vec<String> = c.indexes.keys().map(|n| n.to_string()).collect();
        assert_eq!(tables, ["public.kept"]);
        assert_eq!(indexes, ["public.kept_idx"]);
    }

    #[test]
    fn unmanaged_objects_are_matched_by_their_table_or_own_name() {
        let u = |kind: &str, identity: &str| Unmanaged {
            kind: kind.into(),
            identity: identity.into(),
        };
        let name = |kind: &str, identity: &str| unmanaged_name(&u(kind, identity));
        assert_eq!(
            name("foreign table", "public.ft"),
            Some(QualName::new("public", "ft"))
        );
        assert_eq!(
            name("trigger", "\"On t\" on \"My S\".\"T.x\""),
            Some(QualName::new("My S", "T.x"))
        );
        assert_eq!(
            name("rule", "r on public.t"),
            Some(QualName::new("public", "t"))
        );
        assert_eq!(
            name("table inheritance", "public.c inherits public.p"),
            Some(QualName::new("public", "c"))
        );
        assert_eq!(
            name("function", "public.f(integer)"),
            Some(QualName::new("public", "f"))
        );
        assert_eq!(
            name("operator class", "public.ops USING btree"),
            Some(QualName::new("public", "ops"))
        );
        assert_eq!(name("publication", "pub"), None);

        let mut c = CatalogBuilder::new().schema("public").build();
        c.unmanaged.insert(u("foreign table", "public.legacy_ft"));
        c.unmanaged.insert(u("rule", "r on public.legacy_t"));
        c.unmanaged.insert(u("foreign table", "public.kept_ft"));
        let ignore = Ignore {
            patterns: [NamePattern::new("public.legacy_*"), NamePattern::new("x.*")]
                .into_iter()
                .collect(),
        };
        let ignored = ignore.filter(&mut c);
        let left: Vec<&str> = c.unmanaged.iter().map(|u| u.identity.as_str()).collect();
        assert_eq!(left, ["public.kept_ft"]);
        assert_eq!(ignored.count(), 2);
        assert_eq!(
            ignored.by_pattern[&NamePattern::new("public.legacy_*")]
                .iter()
                .collect::<Vec<_>>(),
            [
                "foreign table public.legacy_ft",
                "rule r on public.legacy_t"
            ]
        );
        assert!(ignored.by_pattern[&NamePattern::new("x.*")].is_empty());
    }
}
