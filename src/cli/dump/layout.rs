//! The folder layout of a dump: the planner's create steps (from an empty database to the
//! dumped catalog) grouped by the object that owns them, one file per object.
//!
//! ```text
//! 00_extensions.sql            CREATE EXTENSION, COMMENT ON EXTENSION
//! 01_schemas.sql               CREATE SCHEMA, their comments and grants (for `public`, what
//!                              differs from a new database)
//! 02_roles.sql                 CREATE ROLE (only when the plan creates roles)
//! <schema>/types/<name>.sql               enum, domain or composite type, comment, grants
//! <schema>/sequences/<name>.sql           a sequence not owned by a column
//! <schema>/tables/<name>.sql              the table, its owned sequences, constraints,
//!                                         indexes, triggers, policies, row security,
//!                                         comments, grants and hypertable settings
//! <schema>/views/<name>.sql               the view, its triggers, comments and grants
//! <schema>/materialized_views/<name>.sql  materialized view or continuous aggregate,
//!                                         its indexes, policies, comments and grants
//! <schema>/functions/<name>.sql           every overload of the function, procedure or
//!                                         aggregate, comments and grants
//! 99_other.sql                 a step whose object none of the above owns
//! zz_default_privileges.sql    ALTER DEFAULT PRIVILEGES
//! zz_event_triggers.sql        CREATE EVENT TRIGGER
//! ```
//!
//! The loader orders statements by what they reference, files in path order breaking ties:
//! the `zz_` files come last so that, as in the plan the dump comes from, default
//! privileges apply only to objects created after them and event triggers do not fire
//! while the schema is loaded.
//!
//! Names are kept as they are in file names except for characters that are not letters,
//! digits, `_`, `-` or a `.` after the first character: those are written `%XX` (UTF-8
//! bytes). Two names of one folder that differ only in letter case get `~2`, `~3`, ... (in
//! name order) so that the dump also fits a case-insensitive file system.

use crate::catalog::security::{Acl, Grant, ObjectPrivileges};
use crate::catalog::{Catalog, Grantee, Ident, ObjectId, QualName};
use crate::plan::{self, Action, Plan, PlanOptions};
use crate::workflow::Error;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

/// The first characters of every SQL file a dump writes: `--force` removes only `.sql`
/// files that start with them.
pub const HEADER_MARK: &str = "-- schemadiff dump:";

/// The first characters of every YAML file a dump writes (`dump --format yaml`): `--force`
/// removes only `.yaml` files that start with them.
pub const YAML_HEADER_MARK: &str = "# schemadiff dump:";

/// The kinds of schema object that get a file of their own, in the order of the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Type,
    Sequence,
    Table,
    View,
    MaterializedView,
    Function,
}

impl Kind {
    /// The folder of this kind inside its schema's folder.
    pub fn dir(self) -> &'static str {
        match self {
            Kind::Type => "types",
            Kind::Sequence => "sequences",
            Kind::Table => "tables",
            Kind::View => "views",
            Kind::MaterializedView => "materialized_views",
            Kind::Function => "functions",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Type => "type",
            Kind::Sequence => "sequence",
            Kind::Table => "table",
            Kind::View => "view",
            Kind::MaterializedView => "materialized view",
            Kind::Function => "function",
        }
    }
}

/// The file a statement of the dump goes to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Owner {
    Extensions,
    Schemas,
    Roles,
    DefaultPrivileges,
    EventTriggers,
    Object(Kind, QualName),
    Other,
}

impl Owner {
    fn header(&self) -> String {
        match self {
            Owner::Extensions => "extensions".into(),
            Owner::Schemas => "schemas".into(),
            Owner::Roles => "roles".into(),
            Owner::DefaultPrivileges => "default privileges".into(),
            Owner::EventTriggers => "event triggers".into(),
            Owner::Object(kind, name) => format!("{} {name}", kind.label()),
            Owner::Other => "other statements".into(),
        }
    }

    /// The file stem of a top-level file, or `None` for a schema object (which lives in
    /// its schema's folder).
    fn top_level(&self) -> Option<&'static str> {
        match self {
            Owner::Extensions => Some("00_extensions"),
            Owner::Schemas => Some("01_schemas"),
            Owner::Roles => Some("02_roles"),
            Owner::DefaultPrivileges => Some("zz_default_privileges"),
            Owner::EventTriggers => Some("zz_event_triggers"),
            Owner::Other => Some("99_other"),
            Owner::Object(..) => None,
        }
    }
}

/// Names already used in each folder, compared without letter case.
#[derive(Default)]
struct Taken(BTreeMap<PathBuf, BTreeSet<String>>);

impl Taken {
    /// `stem`, or `stem~2`, `stem~3`, ... when a name of `dir` already equals it but for
    /// letter case.
    fn claim(&mut self, dir: &std::path::Path, stem: &str, ext: &str) -> String {
        let used = self.0.entry(dir.to_path_buf()).or_default();
        let mut name = format!("{stem}{ext}");
        let mut n = 1;
        while !used.insert(name.to_lowercase()) {
            n += 1;
            name = format!("{stem}~{n}{ext}");
        }
        name
    }
}

/// What one file of a dump holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// SQL statements without their semicolons, in plan order.
    Sql(Vec<String>),
    /// YAML definitions (docs/yaml-definitions.md).
    Yaml(String),
}

/// One file of a dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpFile {
    /// Relative to the dump's folder.
    pub path: PathBuf,
    pub owner: Owner,
    pub body: Body,
}

impl DumpFile {
    /// A header line, then each statement with its semicolon, separated by blank lines; or,
    /// for YAML, a header comment line, then the definitions.
    pub fn text(&self) -> String {
        match &self.body {
            Body::Sql(statements) => {
                let mut s = format!("{HEADER_MARK} {}\n", self.owner.header());
                for stmt in statements {
                    let _ = write!(s, "\n{stmt};\n");
                }
                s
            }
            Body::Yaml(text) => format!("{YAML_HEADER_MARK} {}\n{text}", self.owner.header()),
        }
    }
}

/// The plan that builds `catalog` in a fresh database of the same server version.
pub fn create_plan(catalog: &Catalog) -> Result<Plan, Error> {
    Ok(plan::build(
        &fresh_database(catalog),
        catalog,
        &PlanOptions::default(),
    )?)
}

/// What a new database of `catalog`'s server version holds: the `public` schema, with its
/// comment and the privileges PUBLIC has on it (USAGE; CREATE too before PostgreSQL 15), so
/// that a dump says only how the dumped database differs (`REVOKE CREATE ON SCHEMA public
/// FROM PUBLIC` where it was hardened).
pub(super) fn fresh_database(catalog: &Catalog) -> Catalog {
    let mut base = Catalog {
        server_version: catalog.server_version,
        ..Catalog::default()
    };
    let public = Ident::new("public");
    base.schemas.insert(
        public.clone(),
        crate::catalog::Schema {
            name: public.clone(),
            comment: Some("standard public schema".into()),
        },
    );
    let id = ObjectId::Schema { name: public };
    let owner = catalog
        .privileges
        .objects
        .get(&id)
        .map(|p| p.owner.clone())
        .unwrap_or_else(|| Ident::new("pg_database_owner"));
    let mut granted = vec!["USAGE"];
    if catalog.server_version < 150000 {
        granted.push("CREATE");
    }
    let acl = Acl {
        granted: granted
            .into_iter()
            .map(|p| Grant {
                grantee: Grantee::Public,
                privilege: p.to_string(),
                grantable: false,
            })
            .collect(),
        ..Acl::default()
    };
    base.privileges
        .objects
        .insert(id, ObjectPrivileges { owner, acl });
    base
}

/// The files of a dump of `catalog`, sorted by path, with the plan they came from.
pub fn files(catalog: &Catalog) -> Result<(Vec<DumpFile>, Plan), Error> {
    let plan = create_plan(catalog)?;
    let relations = Relations::new(catalog);
    let mut grouped: BTreeMap<Owner, Vec<String>> = BTreeMap::new();
    for step in plan.steps.iter().filter(|s| s.action != Action::Drop) {
        grouped
            .entry(owner_of(&step.object, catalog, &relations))
            .or_default()
            .push(step.sql.clone());
    }
    Ok((arrange(grouped, BTreeMap::new()), plan))
}

/// The files of a dump, sorted by path: the SQL statements and the YAML definitions of
/// each owner, an owner's `.yaml` and `.sql` files side by side under one name.
pub(super) fn arrange(
    sql: BTreeMap<Owner, Vec<String>>,
    yaml: BTreeMap<Owner, String>,
) -> Vec<DumpFile> {
    let mut owners: BTreeMap<&Owner, (bool, bool)> = BTreeMap::new();
    for o in sql.keys() {
        owners.entry(o).or_default().0 = true;
    }
    for o in yaml.keys() {
        owners.entry(o).or_default().1 = true;
    }
    let mut taken = Taken::default();
    let root = PathBuf::new();
    for (owner, (has_sql, has_yaml)) in &owners {
        if let Some(stem) = owner.top_level() {
            if *has_sql {
                taken.claim(&root, stem, ".sql");
            }
            if *has_yaml {
                taken.claim(&root, stem, ".yaml");
            }
        }
    }
    let mut schema_dirs: BTreeMap<&Ident, PathBuf> = BTreeMap::new();
    for owner in owners.keys() {
        if let Owner::Object(_, name) = owner {
            if !schema_dirs.contains_key(&name.schema) {
                let dir = taken.claim(&root, &file_stem(name.schema.as_str()), "");
                schema_dirs.insert(&name.schema, PathBuf::from(dir));
            }
        }
    }
    let mut stems: BTreeMap<Owner, PathBuf> = BTreeMap::new();
    for owner in owners.keys() {
        let stem = match owner {
            Owner::Object(kind, name) => {
                let dir = schema_dirs[&name.schema].join(kind.dir());
                let file = taken.claim(&dir, &file_stem(name.name.as_str()), "");
                dir.join(file)
            }
            top => PathBuf::from(top.top_level().unwrap_or("99_other")),
        };
        stems.insert((*owner).clone(), stem);
    }
    let mut files: Vec<DumpFile> = Vec::new();
    for (owner, text) in &yaml {
        files.push(DumpFile {
            path: with_ext(&stems[owner], "yaml"),
            owner: owner.clone(),
            body: Body::Yaml(text.clone()),
        });
    }
    for (owner, statements) in sql {
        files.push(DumpFile {
            path: with_ext(&stems[&owner], "sql"),
            owner,
            body: Body::Sql(statements),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// `stem.ext` (a stem may hold dots, so `Path::with_extension` would cut it).
fn with_ext(stem: &std::path::Path, ext: &str) -> PathBuf {
    let mut s = stem.as_os_str().to_os_string();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// `name` as a file name: letters, digits, `_`, `-` and a `.` after the first character
/// are kept, every other byte is written `%XX`.
pub fn file_stem(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' || (c == '.' && i > 0) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// The relations of a catalog by kind, and by the text `ObjectId::Other` identities use.
pub(super) struct Relations {
    by_text: BTreeMap<String, (Kind, QualName)>,
    cagg_indexes: BTreeMap<QualName, QualName>,
}

impl Relations {
    pub(super) fn new(cat: &Catalog) -> Relations {
        let mut by_text = BTreeMap::new();
        for name in cat.tables.keys() {
            by_text.insert(name.to_string(), (Kind::Table, name.clone()));
        }
        for name in cat.views.keys() {
            by_text.insert(name.to_string(), (Kind::View, name.clone()));
        }
        for name in cat
            .materialized_views
            .keys()
            .chain(cat.timescale.continuous_aggregates.keys())
        {
            by_text.insert(name.to_string(), (Kind::MaterializedView, name.clone()));
        }
        let mut cagg_indexes = BTreeMap::new();
        for cagg in cat.timescale.continuous_aggregates.values() {
            for (name, ix) in &cagg.indexes {
                cagg_indexes.insert(
                    QualName {
                        schema: ix.schema.clone(),
                        name: name.clone(),
                    },
                    cagg.name.clone(),
                );
            }
        }
        Relations {
            by_text,
            cagg_indexes,
        }
    }

    /// The file of relation `name`: its kind from the catalog (a table when unknown).
    fn owner(&self, name: &QualName) -> Owner {
        match self.by_text.get(&name.to_string()) {
            Some((kind, n)) => Owner::Object(*kind, n.clone()),
            None => Owner::Object(Kind::Table, name.clone()),
        }
    }

    /// The relation an `Other` identity names: the whole identity (`public.metrics`), or
    /// what follows one of its ` on ` (`add_retention_policy on public.metrics`).
    fn named_in(&self, identity: &str) -> Option<Owner> {
        let hit = |text: &str| {
            self.by_text
                .get(text)
                .map(|(k, n)| Owner::Object(*k, n.clone()))
        };
        hit(identity).or_else(|| {
            identity
                .match_indices(" on ")
                .find_map(|(at, sep)| hit(&identity[at + sep.len()..]))
        })
    }
}

/// The file a step on `id` goes to.
pub(super) fn owner_of(id: &ObjectId, cat: &Catalog, rel: &Relations) -> Owner {
    match id {
        ObjectId::Schema { .. } => Owner::Schemas,
        ObjectId::Extension { .. } => Owner::Extensions,
        ObjectId::EventTrigger { .. } => Owner::EventTriggers,
        ObjectId::Type { name } => Owner::Object(Kind::Type, name.clone()),
        ObjectId::Sequence { name } => {
            match cat.sequences.get(name).and_then(|s| s.owned_by.as_ref()) {
                Some((table, _)) => rel.owner(table),
                None => Owner::Object(Kind::Sequence, name.clone()),
            }
        }
        ObjectId::Table { name }
        | ObjectId::View { name }
        | ObjectId::MaterializedView { name } => rel.owner(name),
        ObjectId::Column { table, .. }
        | ObjectId::Constraint { table, .. }
        | ObjectId::Trigger { table, .. }
        | ObjectId::Policy { table, .. } => rel.owner(table),
        ObjectId::Index { name } => match cat.indexes.get(name) {
            Some(ix) => rel.owner(&ix.table),
            None => match rel.cagg_indexes.get(name) {
                Some(cagg) => rel.owner(cagg),
                None => Owner::Other,
            },
        },
        ObjectId::Function { name, .. } => Owner::Object(Kind::Function, name.clone()),
        ObjectId::Other { kind, identity } => match kind.as_str() {
            "default privileges" => Owner::DefaultPrivileges,
            "role" => Owner::Roles,
            _ => rel.named_in(identity).unwrap_or(Owner::Other),
        },
    }
}

/// A schema with an extension, an enum, a standalone and an owned sequence, three tables
/// (two whose names differ only by letter case), a foreign key and an index.
#[cfg(test)]
pub(super) fn sample_catalog() -> Catalog {
    use crate::catalog::builder::{column_id, sequence_id, CatalogBuilder};
    CatalogBuilder::new()
        .schema("public")
        .schema("app")
        .extension("pgcrypto", "public", "1.3")
        .enum_type("app.mood", &["sad", "ok"])
        .sequence("app.tickets", |s| s.comment("standalone"))
        .sequence("app.orders_id_seq", |s| s.owned_by("app.orders", "id"))
        .table("app.orders", |t| {
            t.column("id", "integer")
                .not_null()
                .default("nextval('app.orders_id_seq'::regclass)")
                .column("mood", "app.mood")
                .primary_key("orders_pkey", &["id"])
                .comment("what was bought")
        })
        .table("app.\"Users\"", |t| t.column("id", "integer"))
        .table("app.users", |t| {
            t.column("id", "integer")
                .foreign_key("users_id_fkey", &["id"], "app.orders", &["id"])
        })
        .index(
            "app.orders_mood_idx",
            "app.orders",
            "CREATE INDEX ON app.orders USING btree (mood)",
        )
        .depends(
            column_id("app.orders", "id"),
            sequence_id("app.orders_id_seq"),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_go_to_the_file_of_the_object_that_owns_them() {
        let cat = sample_catalog();
        let (files, _) = files(&cat).expect("plan");
        let paths: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
        assert_eq!(
            paths,
            [
                "00_extensions.sql",
                "01_schemas.sql",
                "app/sequences/tickets.sql",
                "app/tables/Users.sql",
                "app/tables/orders.sql",
                "app/tables/users~2.sql",
                "app/types/mood.sql",
            ]
        );
        let orders = files[4].text();
        assert!(
            orders.starts_with(
                "-- schemadiff dump: table app.orders\n\nCREATE SEQUENCE app.orders_id_seq"
            ),
            "{orders}"
        );
        for want in [
            "CREATE TABLE app.orders (",
            "CREATE INDEX orders_mood_idx ON app.orders USING btree (mood);",
            "COMMENT ON TABLE app.orders IS 'what was bought';",
        ] {
            assert!(orders.contains(want), "{want} not in\n{orders}");
        }
        assert!(files[5]
            .text()
            .contains("ADD CONSTRAINT users_id_fkey FOREIGN KEY"));
        assert!(files[2]
            .text()
            .contains("COMMENT ON SEQUENCE app.tickets IS 'standalone';"));
    }

    #[test]
    fn file_stems_keep_plain_names_and_encode_the_rest() {
        assert_eq!(file_stem("users"), "users");
        assert_eq!(file_stem("User"), "User");
        assert_eq!(file_stem("v2.archive-old"), "v2.archive-old");
        assert_eq!(file_stem(".hidden"), "%2Ehidden");
        assert_eq!(file_stem("a/b c"), "a%2Fb%20c");
        assert_eq!(file_stem("ü"), "%C3%BC");
        assert_eq!(file_stem("x~2"), "x%7E2");
    }
}
