//! What the online forms need to know: whether a relation is live (others read and write
//! it while the plan runs, so its changes take the online forms), the deterministic names
//! of the temporary objects those forms create, and how a PRIMARY KEY or UNIQUE
//! constraint is built as a unique index first.
//!
//! A table the plan creates is empty and invisible to other sessions until its transaction
//! commits: its indexes and constraints keep their plain forms.

use super::build::Ctx;
use super::text::read_ident_list;
use crate::catalog::{Constraint, ConstraintKind, Ident, Index, QualName};
use sha2::{Digest, Sha256};

/// PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes.
const MAX_IDENT_BYTES: usize = 63;

/// True when `t` is a table the live database has and the plan keeps: it may hold rows and
/// serve traffic while the plan runs.
pub(crate) fn live_table(ctx: &Ctx, t: &QualName) -> bool {
    !ctx.opts.plain_forms && ctx.from.tables.contains_key(t) && ctx.to.tables.contains_key(t)
}

/// True when `t` is a live partitioned table (PostgreSQL has no concurrent index build, no
/// `USING INDEX` and, before 18, no NOT VALID foreign key on it).
pub(crate) fn partitioned(ctx: &Ctx, t: &QualName) -> bool {
    ctx.from
        .tables
        .get(t)
        .is_some_and(|t| t.partition_by.is_some())
}

/// True when an index on `rel` (a table or a materialized view) is built and dropped
/// concurrently: `rel` is live, kept, and not partitioned.
pub(crate) fn concurrent_index_on(ctx: &Ctx, rel: &QualName) -> bool {
    let live_view = !ctx.opts.plain_forms
        && ctx.from.materialized_views.contains_key(rel)
        && ctx.to.materialized_views.contains_key(rel)
        && !ctx.relation_dropped(rel);
    // TimescaleDB refuses CONCURRENTLY on a hypertable, also one the plan converts
    // (see timescale_index.rs)
    let hypertable = ctx.from.is_hypertable(rel) || ctx.to.is_hypertable(rel);
    (live_table(ctx, rel) && !partitioned(ctx, rel) && !hypertable) || live_view
}

/// A name of at most 63 bytes made of `prefix` and `base`: `prefix` + `base` when it fits,
/// else `prefix` + the start of `base` + `_` + 8 hex digits of a SHA-256 of `base`, so that
/// two long bases never share a name and the same base always gets the same one.
pub(crate) fn tmp_name(prefix: &str, base: &str) -> Ident {
    let whole = format!("{prefix}{base}");
    if whole.len() <= MAX_IDENT_BYTES {
        return Ident(whole);
    }
    let digest = Sha256::digest(base.as_bytes());
    let tag = hex::encode(&digest[..4]);
    let room = MAX_IDENT_BYTES - prefix.len() - 1 - tag.len();
    let mut cut = room.min(base.len());
    while !base.is_char_boundary(cut) {
        cut -= 1;
    }
    Ident(format!("{prefix}{}_{tag}", &base[..cut]))
}

/// The name an index takes while its replacement is built (`ALTER INDEX i RENAME TO
/// schemadiff_old_i`).
pub(crate) fn old_index_name(name: &QualName) -> QualName {
    QualName {
        schema: name.schema.clone(),
        name: tmp_name("schemadiff_old_", name.name.as_str()),
    }
}

/// The temporary check that proves a column NOT NULL before `SET NOT NULL`:
/// `schemadiff_tmp_nn_<column>`.
pub(crate) fn not_null_check_name(column: &Ident) -> Ident {
    tmp_name("schemadiff_tmp_nn_", column.as_str())
}

/// `CHECK ((c IS NOT NULL))`, as `pg_get_constraintdef` prints the temporary check.
pub(crate) fn not_null_check_definition(column: &Ident) -> String {
    format!("CHECK (({column} IS NOT NULL))")
}

/// True when `c` is the temporary NOT NULL check of `column`, as a previous run left it.
pub(crate) fn is_not_null_check(c: &Constraint, column: &Ident) -> bool {
    c.kind == ConstraintKind::Check
        && c.name == not_null_check_name(column)
        && c.definition == not_null_check_definition(column)
}

/// The table's columns that the plan makes NOT NULL through a temporary check: kept
/// columns of a live table, nullable in the live table and NOT NULL in the desired one,
/// whose temporary check name is free (or holds a check a previous run left).
pub(crate) fn not_null_through_check(ctx: &Ctx, table: &QualName) -> Vec<Ident> {
    // TimescaleDB refuses VALIDATE CONSTRAINT on a hypertable with columnstore
    if ctx.opts.plain_forms || ctx.columnstore_either_side(table) {
        return Vec::new();
    }
    let (Some(f), Some(t)) = (ctx.from.tables.get(table), ctx.to.tables.get(table)) else {
        return Vec::new();
    };
    let Some(pairs) = ctx.diff.columns.get(table) else {
        return Vec::new();
    };
    pairs
        .kept
        .iter()
        .filter(|(fc, c)| !fc.not_null && c.not_null)
        .filter(|(_, c)| !ctx.column_replaced(table, &c.name))
        .map(|(_, c)| c.name.clone())
        .filter(|col| {
            let name = not_null_check_name(col);
            !t.constraints.contains_key(&name)
                && f.constraints
                    .get(&name)
                    .is_none_or(|k| is_not_null_check(k, col))
        })
        .collect()
}

/// A temporary NOT NULL check of a previous run that the NOT NULL recipe of this plan takes
/// over (validates if needed, then drops), so the constraint planner leaves it alone.
pub(crate) fn taken_over_check(ctx: &Ctx, table: &QualName, c: &Constraint) -> bool {
    not_null_through_check(ctx, table)
        .iter()
        .any(|col| is_not_null_check(c, col))
}

/// A PRIMARY KEY or UNIQUE constraint as the unique index it can be built from:
/// `CREATE UNIQUE INDEX CONCURRENTLY n ON t USING btree (cols) [INCLUDE (cols)] [NULLS NOT
/// DISTINCT]`, then `ALTER TABLE t ADD CONSTRAINT n {PRIMARY KEY | UNIQUE} USING INDEX n
/// [DEFERRABLE] [INITIALLY DEFERRED]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyIndex {
    pub primary: bool,
    pub columns: Vec<Ident>,
    pub include: Vec<Ident>,
    pub nulls_not_distinct: bool,
    /// ` DEFERRABLE`, ` DEFERRABLE INITIALLY DEFERRED` or nothing.
    pub timing: String,
}

impl KeyIndex {
    /// Read the constraint's `pg_get_constraintdef` text; None for anything `USING INDEX`
    /// cannot rebuild (an exclusion, `WITHOUT OVERLAPS`, storage options in the text).
    pub fn of(c: &Constraint) -> Option<KeyIndex> {
        let def = c.definition.as_str();
        let (primary, rest) = match c.kind {
            ConstraintKind::PrimaryKey => (true, def.strip_prefix("PRIMARY KEY (")?),
            ConstraintKind::Unique => {
                let rest = def.strip_prefix("UNIQUE ")?;
                match rest.strip_prefix("NULLS NOT DISTINCT (") {
                    Some(r) => {
                        return Self::rest(false, true, r);
                    }
                    None => (false, rest.strip_prefix('(')?),
                }
            }
            _ => return None,
        };
        Self::rest(primary, false, rest)
    }

    fn rest(primary: bool, nulls_not_distinct: bool, s: &str) -> Option<KeyIndex> {
        let (columns, mut rest) = read_ident_list(s)?;
        let mut include = Vec::new();
        if let Some(r) = rest.strip_prefix(" INCLUDE (") {
            let (cols, r) = read_ident_list(r)?;
            include = cols;
            rest = r;
        }
        let timing = match rest {
            "" | " DEFERRABLE" | " DEFERRABLE INITIALLY DEFERRED" => rest.to_string(),
            _ => return None,
        };
        Some(KeyIndex {
            primary,
            columns,
            include,
            nulls_not_distinct,
            timing,
        })
    }

    fn tail(&self) -> String {
        let list = |cols: &[Ident]| {
            cols.iter()
                .map(Ident::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut s = format!("USING btree ({})", list(&self.columns));
        if !self.include.is_empty() {
            s.push_str(&format!(" INCLUDE ({})", list(&self.include)));
        }
        if self.nulls_not_distinct {
            s.push_str(" NULLS NOT DISTINCT");
        }
        s
    }

    /// `CREATE UNIQUE INDEX CONCURRENTLY name ON table USING btree (...)`.
    pub fn create_sql(&self, table: &QualName, name: &Ident) -> String {
        format!(
            "CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} {}",
            self.tail()
        )
    }

    /// The index as the catalog holds it (`pg_get_indexdef` without the name), to
    /// recognise the index a previous run built and did not get to attach.
    pub fn definition(&self, table: &QualName) -> String {
        format!("CREATE UNIQUE INDEX ON {table} {}", self.tail())
    }

    /// `ALTER TABLE t ADD CONSTRAINT n {PRIMARY KEY | UNIQUE} USING INDEX n [DEFERRABLE
    /// [INITIALLY DEFERRED]]`.
    pub fn attach_sql(&self, table: &QualName, name: &Ident) -> String {
        format!(
            "ALTER TABLE {table} ADD CONSTRAINT {name} {} USING INDEX {name}{}",
            if self.primary {
                "PRIMARY KEY"
            } else {
                "UNIQUE"
            },
            self.timing
        )
    }
}

/// True when the PRIMARY KEY or UNIQUE constraint `c` added to `table` is built online:
/// from a unique index built concurrently (live, unpartitioned table; a plain key).
pub(crate) fn key_online(ctx: &Ctx, table: &QualName, c: &Constraint) -> Option<KeyIndex> {
    // TimescaleDB refuses `ADD CONSTRAINT ... USING INDEX` on a hypertable
    let hypertable = ctx.from.is_hypertable(table) || ctx.to.is_hypertable(table);
    if !live_table(ctx, table) || partitioned(ctx, table) || hypertable {
        return None;
    }
    KeyIndex::of(c)
}

/// The index a previous run built for the constraint `c` and did not get to attach: a live
/// index of the constraint's name on `table`, with the definition the online form builds.
pub(crate) fn leftover_key_index<'a>(
    ctx: &Ctx<'a>,
    table: &QualName,
    c: &Constraint,
) -> Option<&'a Index> {
    let key = key_online(ctx, table, c)?;
    let name = QualName {
        schema: table.schema.clone(),
        name: c.name.clone(),
    };
    ctx.from
        .indexes
        .get(&name)
        .filter(|ix| &ix.table == table && ix.definition == key.definition(table))
}

/// True when the live index `ix` is the leftover of an interrupted online key build that a
/// constraint added by this plan takes over (so the index planner does not drop it).
pub(crate) fn taken_over_index(ctx: &Ctx, ix: &Index) -> bool {
    let Some(pairs) = ctx.diff.constraints.get(&ix.table) else {
        return false;
    };
    pairs.added.iter().any(|c| {
        c.name == ix.name.name
            && leftover_key_index(ctx, &ix.table, c).is_some_and(|l| l.name == ix.name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::builder::qn;

    fn key(kind: ConstraintKind, def: &str) -> Constraint {
        Constraint {
            name: Ident::from("k"),
            kind,
            definition: def.into(),
            columns: Vec::new(),
            references: None,
            deferrable: false,
            initially_deferred: false,
            validated: true,
            name_is_generated: false,
            comment: None,
        }
    }

    #[test]
    fn temporary_names_fit_and_are_stable() {
        assert_eq!(
            not_null_check_name(&Ident::from("email")).as_str(),
            "schemadiff_tmp_nn_email"
        );
        let long = "a_column_name_that_is_long_enough_to_overflow_the_limit_xx";
        let n = not_null_check_name(&Ident::from(long));
        assert!(n.as_str().len() <= 63, "{n}");
        assert_eq!(n, not_null_check_name(&Ident::from(long)));
        assert_ne!(n, not_null_check_name(&Ident::from(&long[1..])));
        let multibyte = "é".repeat(40);
        let n = tmp_name("schemadiff_old_", &multibyte);
        assert!(n.as_str().len() <= 63 && n.as_str().starts_with("schemadiff_old_é"));
        assert_eq!(
            old_index_name(&qn("public.\"Odd Name\"")).to_string(),
            "public.\"schemadiff_old_Odd Name\""
        );
        assert_eq!(
            not_null_check_definition(&Ident::from("Mixed")),
            "CHECK ((\"Mixed\" IS NOT NULL))"
        );
    }

    #[test]
    fn keys_read_as_unique_indexes() {
        let t = qn("public.t");
        let n = Ident::from("t_pkey");
        let pk = KeyIndex::of(&key(ConstraintKind::PrimaryKey, "PRIMARY KEY (id, \"B\")")).unwrap();
        assert_eq!(
            pk.create_sql(&t, &n),
            "CREATE UNIQUE INDEX CONCURRENTLY t_pkey ON public.t USING btree (id, \"B\")"
        );
        assert_eq!(
            pk.attach_sql(&t, &n),
            "ALTER TABLE public.t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_pkey"
        );
        let u = KeyIndex::of(&key(
            ConstraintKind::Unique,
            "UNIQUE NULLS NOT DISTINCT (a) INCLUDE (b) DEFERRABLE INITIALLY DEFERRED",
        ))
        .unwrap();
        assert_eq!(
            u.definition(&t),
            "CREATE UNIQUE INDEX ON public.t USING btree (a) INCLUDE (b) NULLS NOT DISTINCT"
        );
        assert_eq!(
            u.attach_sql(&t, &Ident::from("u")),
            "ALTER TABLE public.t ADD CONSTRAINT u UNIQUE USING INDEX u DEFERRABLE INITIALLY DEFERRED"
        );
        for def in [
            "PRIMARY KEY (id, valid WITHOUT OVERLAPS)",
            "UNIQUE (a) WITH (fillfactor='70')",
            "UNIQUE (a) USING INDEX TABLESPACE x",
        ] {
            let kind = if def.starts_with("PRIMARY") {
                ConstraintKind::PrimaryKey
            } else {
                ConstraintKind::Unique
            };
            assert_eq!(KeyIndex::of(&key(kind, def)), None, "{def}");
        }
        assert_eq!(
            KeyIndex::of(&key(
                ConstraintKind::Exclude,
                "EXCLUDE USING gist (r WITH &&)"
            )),
            None
        );
    }
}

#[cfg(test)]
#[path = "online_tests.rs"]
mod shape_tests;
