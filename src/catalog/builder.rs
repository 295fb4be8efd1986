//! A small builder for catalogs written by hand: unit tests of the diff and the planner,
//! and integration tests that need a desired state without loading SQL files.
//!
//! Names are written as SQL text (`public.t`, `public."Order"`); the builder panics on a
//! malformed name, which is a bug in the test that wrote it. Definitions are written the
//! way PostgreSQL prints them (`CHECK ((a > 0))`, `character varying(10)`).

use super::{
    Catalog, Column, CompositeAttribute, CompositeType, Constraint, ConstraintKind, Domain,
    DomainCheck, EnumType, Extension, Ident, Identity, Index, ObjectId, PartitionOf, QualName,
    Schema, Sequence, Table,
};

/// Parse `schema.name`, panicking on malformed input (builder input is test code).
pub fn qn(text: &str) -> QualName {
    QualName::parse(text).unwrap_or_else(|| panic!("not a qualified name: {text}"))
}

pub fn schema_id(name: &str) -> ObjectId {
    ObjectId::Schema { name: name.into() }
}
pub fn extension_id(name: &str) -> ObjectId {
    ObjectId::Extension { name: name.into() }
}
pub fn type_id(name: &str) -> ObjectId {
    ObjectId::Type { name: qn(name) }
}
pub fn sequence_id(name: &str) -> ObjectId {
    ObjectId::Sequence { name: qn(name) }
}
pub fn table_id(name: &str) -> ObjectId {
    ObjectId::Table { name: qn(name) }
}
pub fn column_id(table: &str, column: &str) -> ObjectId {
    ObjectId::Column {
        table: qn(table),
        column: column.into(),
    }
}
pub fn constraint_id(table: &str, name: &str) -> ObjectId {
    ObjectId::Constraint {
        table: qn(table),
        name: name.into(),
    }
}
pub fn index_id(name: &str) -> ObjectId {
    ObjectId::Index { name: qn(name) }
}

/// Builds a [`Catalog`]; `server_version` defaults to 150000.
#[derive(Debug, Clone)]
pub struct CatalogBuilder {
    cat: Catalog,
}

impl Default for CatalogBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl CatalogBuilder {
    pub fn new() -> Self {
        CatalogBuilder {
            cat: Catalog {
                server_version: 150000,
                ..Catalog::default()
            },
        }
    }

    /// Continue building from an existing catalog.
    pub fn from_catalog(cat: Catalog) -> Self {
        CatalogBuilder { cat }
    }

    pub fn server_version(mut self, version: u32) -> Self {
        self.cat.server_version = version;
        self
    }

    pub fn schema(mut self, name: &str) -> Self {
        self.cat.schemas.insert(
            name.into(),
            Schema {
                name: name.into(),
                comment: None,
            },
        );
        self
    }

    pub fn extension(mut self, name: &str, schema: &str, version: &str) -> Self {
        self.cat.extensions.insert(
            name.into(),
            Extension {
                name: name.into(),
                schema: schema.into(),
                version: version.into(),
                comment: None,
            },
        );
        self
    }

    pub fn enum_type(mut self, name: &str, labels: &[&str]) -> Self {
        let name = qn(name);
        self.cat.enums.insert(
            name.clone(),
            EnumType {
                name,
                labels: labels.iter().map(|l| l.to_string()).collect(),
                comment: None,
            },
        );
        self
    }

    pub fn domain(
        mut self,
        name: &str,
        base: &str,
        f: impl FnOnce(DomainBuilder) -> DomainBuilder,
    ) -> Self {
        let name = qn(name);
        let d = f(DomainBuilder(Domain {
            name: name.clone(),
            base_type: base.into(),
            collation: None,
            default: None,
            not_null: false,
            checks: Default::default(),
            comment: None,
        }));
        self.cat.domains.insert(name, d.0);
        self
    }

    /// A composite type from `(attribute, type)` pairs.
    pub fn composite(mut self, name: &str, attributes: &[(&str, &str)]) -> Self {
        let name = qn(name);
        self.cat.composites.insert(
            name.clone(),
            CompositeType {
                name,
                attributes: attributes
                    .iter()
                    .map(|(a, t)| CompositeAttribute {
                        name: (*a).into(),
                        data_type: (*t).into(),
                        collation: None,
                    })
                    .collect(),
                comment: None,
            },
        );
        self
    }

    /// A `bigint` sequence with PostgreSQL's defaults, then `f` to change them.
    pub fn sequence(
        mut self,
        name: &str,
        f: impl FnOnce(SequenceBuilder) -> SequenceBuilder,
    ) -> Self {
        let name = qn(name);
        let s = f(SequenceBuilder(Sequence {
            name: name.clone(),
            data_type: "bigint".into(),
            start: 1,
            increment: 1,
            min_value: 1,
            max_value: i64::MAX,
            cache: 1,
            cycle: false,
            owned_by: None,
            identity: false,
            comment: None,
        }));
        self.cat.sequences.insert(name, s.0);
        self
    }

    pub fn table(mut self, name: &str, f: impl FnOnce(TableBuilder) -> TableBuilder) -> Self {
        let name = qn(name);
        let t = f(TableBuilder {
            table: Table {
                name: name.clone(),
                columns: Vec::new(),
                constraints: Default::default(),
                unlogged: false,
                reloptions: Vec::new(),
                comment: None,
                partition_by: None,
                partition_of: None,
            },
            last_constraint: None,
        });
        self.cat.tables.insert(name, t.table);
        self
    }

    /// An index from its name-less definition (`CREATE INDEX ON public.t USING btree (a)`).
    pub fn index(mut self, name: &str, table: &str, definition: &str) -> Self {
        let name = qn(name);
        self.cat.indexes.insert(
            name.clone(),
            Index {
                name,
                table: qn(table),
                definition: definition.into(),
                unique: definition.starts_with("CREATE UNIQUE"),
                valid: true,
                comment: None,
            },
        );
        self
    }

    /// Record that `dependent` depends on `on` (as `pg_depend` would).
    pub fn depends(mut self, dependent: ObjectId, on: ObjectId) -> Self {
        self.cat.depends.entry(dependent).or_default().insert(on);
        self
    }

    /// Make table `name` a TimescaleDB hypertable on `column` with chunks of `interval`
    /// (`7 days`), one time dimension, no compression and no policies; `f` sets the rest.
    pub fn hypertable(
        mut self,
        name: &str,
        column: &str,
        interval: &str,
        f: impl FnOnce(&mut super::timescale::Hypertable),
    ) -> Self {
        use super::timescale::{ChunkInterval, Hypertable, TimeDimension};
        let mut h = Hypertable {
            table: qn(name),
            time: TimeDimension {
                column: Ident::new(column),
                interval: ChunkInterval::Time(interval.into()),
                integer_now_func: None,
            },
            dimensions: Vec::new(),
            compression: None,
            policies: Default::default(),
        };
        f(&mut h);
        self.cat.timescale.hypertables.insert(qn(name), h);
        self
    }

    /// Any other change, made directly on the catalog.
    pub fn edit(mut self, f: impl FnOnce(&mut Catalog)) -> Self {
        f(&mut self.cat);
        self
    }

    pub fn build(self) -> Catalog {
        self.cat
    }
}

/// Builds a [`Domain`].
#[derive(Debug, Clone)]
pub struct DomainBuilder(Domain);

impl DomainBuilder {
    pub fn collate(mut self, collation: &str) -> Self {
        self.0.collation = Some(collation.into());
        self
    }
    pub fn default(mut self, expr: &str) -> Self {
        self.0.default = Some(expr.into());
        self
    }
    pub fn not_null(mut self) -> Self {
        self.0.not_null = true;
        self
    }
    /// A named check, e.g. `check("d_check", "CHECK ((VALUE > 0))", true)`.
    pub fn check(mut self, name: &str, definition: &str, validated: bool) -> Self {
        self.0.checks.insert(
            name.into(),
            DomainCheck {
                name: name.into(),
                definition: definition.into(),
                validated,
            },
        );
        self
    }
    pub fn comment(mut self, text: &str) -> Self {
        self.0.comment = Some(text.into());
        self
    }
}

/// Builds a [`Sequence`].
#[derive(Debug, Clone)]
pub struct SequenceBuilder(Sequence);

impl SequenceBuilder {
    /// `smallint`, `integer` or `bigint`; sets the type's maximum as MAXVALUE.
    pub fn data_type(mut self, data_type: &str) -> Self {
        self.0.max_value = type_max(data_type);
        self.0.data_type = data_type.into();
        self
    }
    pub fn start(mut self, v: i64) -> Self {
        self.0.start = v;
        self
    }
    pub fn increment(mut self, v: i64) -> Self {
        self.0.increment = v;
        self
    }
    pub fn min_value(mut self, v: i64) -> Self {
        self.0.min_value = v;
        self
    }
    pub fn max_value(mut self, v: i64) -> Self {
        self.0.max_value = v;
        self
    }
    pub fn cache(mut self, v: i64) -> Self {
        self.0.cache = v;
        self
    }
    pub fn cycle(mut self) -> Self {
        self.0.cycle = true;
        self
    }
    pub fn owned_by(mut self, table: &str, column: &str) -> Self {
        self.0.owned_by = Some((qn(table), column.into()));
        self
    }
    /// The sequence behind an identity column.
    pub fn identity(mut self) -> Self {
        self.0.identity = true;
        self
    }
    pub fn comment(mut self, text: &str) -> Self {
        self.0.comment = Some(text.into());
        self
    }
}

fn type_max(data_type: &str) -> i64 {
    match data_type {
        "smallint" => i16::MAX as i64,
        "integer" => i32::MAX as i64,
        _ => i64::MAX,
    }
}

/// Builds a [`Table`]. Column modifiers apply to the last column added, constraint
/// modifiers to the last constraint added.
#[derive(Debug, Clone)]
pub struct TableBuilder {
    table: Table,
    last_constraint: Option<Ident>,
}

impl TableBuilder {
    pub fn column(mut self, name: &str, data_type: &str) -> Self {
        self.table.columns.push(Column {
            name: name.into(),
            data_type: data_type.into(),
            not_null: false,
            default: None,
            identity: None,
            generated: None,
            collation: None,
            comment: None,
        });
        self
    }

    fn last_column(&mut self) -> &mut Column {
        self.table
            .columns
            .last_mut()
            .expect("a column modifier needs a column first")
    }

    pub fn not_null(mut self) -> Self {
        self.last_column().not_null = true;
        self
    }
    pub fn default(mut self, expr: &str) -> Self {
        self.last_column().default = Some(expr.into());
        self
    }
    pub fn collate(mut self, collation: &str) -> Self {
        self.last_column().collation = Some(collation.into());
        self
    }
    /// `GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY` with the defaults for the column type
    /// (also makes the column NOT NULL, as PostgreSQL does).
    pub fn identity(mut self, always: bool) -> Self {
        let col = self.last_column();
        col.not_null = true;
        col.identity = Some(Identity {
            always,
            start: 1,
            increment: 1,
            min_value: 1,
            max_value: type_max(&col.data_type),
            cache: 1,
            cycle: false,
        });
        self
    }
    pub fn identity_with(mut self, identity: Identity) -> Self {
        let col = self.last_column();
        col.not_null = true;
        col.identity = Some(identity);
        self
    }
    /// `GENERATED ALWAYS AS (expr) STORED`.
    pub fn generated(mut self, expr: &str) -> Self {
        self.last_column().generated = Some(expr.into());
        self
    }
    pub fn column_comment(mut self, text: &str) -> Self {
        self.last_column().comment = Some(text.into());
        self
    }

    fn constraint(
        mut self,
        name: &str,
        kind: ConstraintKind,
        columns: &[&str],
        definition: String,
        references: Option<QualName>,
    ) -> Self {
        let suffix = match kind {
            ConstraintKind::PrimaryKey => "pkey",
            ConstraintKind::Unique => "key",
            ConstraintKind::ForeignKey => "fkey",
            ConstraintKind::Check => "check",
            ConstraintKind::Exclude => "excl",
        };
        let generated = if kind == ConstraintKind::PrimaryKey || columns.is_empty() {
            format!("{}_{suffix}", self.table.name.name.as_str())
        } else {
            format!(
                "{}_{}_{suffix}",
                self.table.name.name.as_str(),
                columns.join("_")
            )
        };
        self.table.constraints.insert(
            name.into(),
            Constraint {
                name: name.into(),
                kind,
                definition,
                columns: columns.iter().map(|c| Ident::from(*c)).collect(),
                references,
                deferrable: false,
                initially_deferred: false,
                validated: true,
                name_is_generated: name == generated,
                comment: None,
            },
        );
        self.last_constraint = Some(name.into());
        self
    }

    fn last(&mut self) -> &mut Constraint {
        let name = self
            .last_constraint
            .clone()
            .expect("a constraint modifier needs a constraint first");
        self.table
            .constraints
            .get_mut(&name)
            .expect("last constraint")
    }

    pub fn primary_key(self, name: &str, columns: &[&str]) -> Self {
        let def = format!("PRIMARY KEY ({})", ident_list(columns));
        self.constraint(name, ConstraintKind::PrimaryKey, columns, def, None)
    }
    pub fn unique(self, name: &str, columns: &[&str]) -> Self {
        let def = format!("UNIQUE ({})", ident_list(columns));
        self.constraint(name, ConstraintKind::Unique, columns, def, None)
    }
    /// A check with its full definition, e.g. `CHECK ((a > 0))`.
    pub fn check(self, name: &str, columns: &[&str], definition: &str) -> Self {
        self.constraint(
            name,
            ConstraintKind::Check,
            columns,
            definition.into(),
            None,
        )
    }
    /// An exclusion constraint with its full definition.
    pub fn exclude(self, name: &str, columns: &[&str], definition: &str) -> Self {
        self.constraint(
            name,
            ConstraintKind::Exclude,
            columns,
            definition.into(),
            None,
        )
    }
    pub fn foreign_key(
        self,
        name: &str,
        columns: &[&str],
        references: &str,
        ref_columns: &[&str],
    ) -> Self {
        let target = qn(references);
        let def = format!(
            "FOREIGN KEY ({}) REFERENCES {target}({})",
            ident_list(columns),
            ident_list(ref_columns)
        );
        self.constraint(name, ConstraintKind::ForeignKey, columns, def, Some(target))
    }
    /// Append text to the last constraint's definition (`ON DELETE CASCADE`, ...).
    pub fn with_clause(mut self, clause: &str) -> Self {
        let c = self.last();
        c.definition.push(' ');
        c.definition.push_str(clause);
        self
    }
    pub fn deferrable(mut self) -> Self {
        let c = self.last();
        c.deferrable = true;
        c.definition.push_str(" DEFERRABLE");
        self
    }
    pub fn not_valid(mut self) -> Self {
        self.last().validated = false;
        self
    }
    /// Override whether the last constraint's name counts as generated.
    pub fn generated_name(mut self, generated: bool) -> Self {
        self.last().name_is_generated = generated;
        self
    }
    pub fn constraint_comment(mut self, text: &str) -> Self {
        self.last().comment = Some(text.into());
        self
    }
    pub fn unlogged(mut self) -> Self {
        self.table.unlogged = true;
        self
    }
    /// A storage parameter as `key=value`; kept sorted.
    pub fn reloption(mut self, option: &str) -> Self {
        self.table.reloptions.push(option.into());
        self.table.reloptions.sort();
        self
    }
    pub fn comment(mut self, text: &str) -> Self {
        self.table.comment = Some(text.into());
        self
    }
    /// Change the column `name` in place.
    pub fn edit_column(mut self, name: &str, f: impl FnOnce(&mut Column)) -> Self {
        let column = self
            .table
            .columns
            .iter_mut()
            .find(|c| c.name.as_str() == name)
            .unwrap_or_else(|| panic!("no column {name}"));
        f(column);
        self
    }
    /// Make it a partitioned table: `key` as `pg_get_partkeydef` prints it (`RANGE (at)`).
    pub fn partition_by(mut self, key: &str) -> Self {
        self.table.partition_by = Some(key.into());
        self
    }
    /// Make it a partition of `parent` with `bound` as PostgreSQL prints it.
    pub fn partition_of(mut self, parent: &str, bound: &str) -> Self {
        self.table.partition_of = Some(PartitionOf {
            parent: qn(parent),
            bound: bound.into(),
            inherited_constraints: Default::default(),
            attached_indexes: Default::default(),
        });
        self
    }
    /// Move the last constraint to the partition's inherited ones (call after
    /// `partition_of`).
    pub fn inherited(mut self) -> Self {
        let name = self.last_constraint.take().expect("a constraint was added");
        let c = self.table.constraints.remove(&name).expect("it is there");
        self.table
            .partition_of
            .as_mut()
            .expect("partition_of comes first")
            .inherited_constraints
            .insert(name, c);
        self
    }
    /// An index of the partition attached to an index of its parent (call after
    /// `partition_of`).
    pub fn attached_index(mut self, name: &str, definition: &str) -> Self {
        let name = qn(name);
        let index = Index {
            name: name.clone(),
            table: self.table.name.clone(),
            definition: definition.into(),
            unique: definition.starts_with("CREATE UNIQUE"),
            valid: true,
            comment: None,
        };
        self.table
            .partition_of
            .as_mut()
            .expect("partition_of comes first")
            .attached_indexes
            .insert(name, index);
        self
    }
}

fn ident_list(columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| Ident::from(*c).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_what_postgres_would_print() {
        let cat = CatalogBuilder::new()
            .schema("public")
            .table("public.child", |t| {
                t.column("id", "integer")
                    .identity(false)
                    .column("parent", "integer")
                    .primary_key("child_pkey", &["id"])
                    .foreign_key("child_parent_fkey", &["parent"], "public.parent", &["id"])
                    .with_clause("ON DELETE CASCADE")
                    .check("positive", &["parent"], "CHECK ((parent > 0))")
            })
            .build();
        let t = &cat.tables[&qn("public.child")];
        let fk = &t.constraints[&Ident::from("child_parent_fkey")];
        assert_eq!(
            fk.definition,
            "FOREIGN KEY (parent) REFERENCES public.parent(id) ON DELETE CASCADE"
        );
        assert!(fk.name_is_generated);
        assert!(t.constraints[&Ident::from("child_pkey")].name_is_generated);
        assert!(!t.constraints[&Ident::from("positive")].name_is_generated);
        let id = t.column(&"id".into()).unwrap();
        assert!(id.not_null);
        assert_eq!(id.identity.as_ref().unwrap().max_value, i32::MAX as i64);
    }
}
