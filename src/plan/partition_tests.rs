use crate::catalog::builder::{CatalogBuilder, TableBuilder};
use crate::plan::testkit::{plan, render};
use crate::plan::{build, Hazard, Plan, PlanError, PlanOptions};

/// `public.h` partitioned by range on `at`, with a primary key and a CHECK.
fn parent(t: TableBuilder) -> TableBuilder {
    t.column("id", "integer")
        .not_null()
        .column("at", "date")
        .not_null()
        .column("note", "text")
        .default("'x'::text")
        .primary_key("h_pkey", &["id", "at"])
        .check("h_id_check", &["id"], "CHECK ((id > 0))")
        .partition_by("RANGE (at)")
}

/// The columns PostgreSQL gives a partition of `parent`.
fn partition_columns(t: TableBuilder) -> TableBuilder {
    t.column("id", "integer")
        .not_null()
        .column("at", "date")
        .not_null()
        .column("note", "text")
        .default("'x'::text")
}

const JAN: &str = "FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')";
const FEB: &str = "FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')";

/// A partition of `public.h` as introspection reads it: inherited key and CHECK kept apart.
fn partition(t: TableBuilder, name: &str, bound: &str) -> TableBuilder {
    partition_columns(t)
        .partition_of("public.h", bound)
        .primary_key(&format!("{name}_pkey"), &["id", "at"])
        .inherited()
        .check("h_id_check", &["id"], "CHECK ((id > 0))")
        .inherited()
}

fn position(p: &Plan, starts: &str) -> usize {
    p.steps
        .iter()
        .position(|s| s.sql.starts_with(starts))
        .unwrap_or_else(|| panic!("no step starts with {starts}:\n{}", render(p)))
}

fn hazards_of(p: &Plan, starts: &str) -> Vec<Hazard> {
    p.steps[position(p, starts)]
        .hazards
        .iter()
        .map(|h| h.kind)
        .collect()
}

#[test]
fn partitioned_tables_and_partitions_are_created_from_their_parent() {
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.h", parent)
        .table("public.h_2024_01", |t| {
            partition(t, "h_2024_01", JAN).check(
                "jan_only",
                &["at"],
                "CHECK ((at < '2024-02-01'::date))",
            )
        })
        .table("public.h_rest", |t| {
            partition(t, "h_rest", "DEFAULT").partition_by("LIST (note)")
        })
        .table("public.h_rest_a", |t| {
            partition_columns(t).partition_of("public.h_rest", "FOR VALUES IN ('a')")
        })
        .index(
            "public.h_note_idx",
            "public.h",
            "CREATE INDEX ON ONLY public.h USING btree (note)",
        )
        .build();
    let p = plan(&CatalogBuilder::new().schema("public").build(), &to);
    insta::assert_snapshot!(render(&p));
    assert!(position(&p, "CREATE TABLE public.h ") < position(&p, "CREATE TABLE public.h_rest "));
    assert!(
        position(&p, "CREATE TABLE public.h_rest ") < position(&p, "CREATE TABLE public.h_rest_a ")
    );
    assert!(
        p.steps.iter().all(|s| s.hazards.is_empty()),
        "{}",
        render(&p)
    );
}

#[test]
fn parent_column_changes_reach_partitions_once() {
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.h", parent)
        .table("public.h_2024_01", |t| partition(t, "h_2024_01", JAN))
        .table("public.h_2024_02", |t| {
            partition(t, "h_2024_02", FEB)
                .edit_column("note", |c| c.default = Some("'feb'::text".into()))
        })
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.h", |t| {
            parent(t)
                .column("xp", "integer")
                .not_null()
                .default("0")
                .edit_column("note", |c| c.default = Some("'y'::text".into()))
        })
        .table("public.h_2024_01", |t| {
            partition(t, "h_2024_01", JAN)
                .column("xp", "integer")
                .not_null()
                .default("0")
                .edit_column("note", |c| c.default = Some("'y'::text".into()))
        })
        .table("public.h_2024_02", |t| {
            partition(t, "h_2024_02", FEB)
                .column("xp", "integer")
                .not_null()
                .default("5")
                .column_comment("bonus month")
                .edit_column("note", |c| c.default = Some("'feb'::text".into()))
        })
        .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert!(
        !sql.iter()
            .any(|s| s.starts_with("ALTER TABLE public.h_2024_01")),
        "what the parent does reaches the partition: {sql:#?}"
    );
    // The parent's SET DEFAULT reaches every partition: the partition's own default is set
    // again after it, and its own default for the new column after the column exists.
    let own = position(
        &p,
        "ALTER TABLE public.h_2024_02 ALTER COLUMN note SET DEFAULT 'feb'",
    );
    assert!(position(&p, "ALTER TABLE public.h ALTER COLUMN note SET DEFAULT") < own);
    let own_xp = position(
        &p,
        "ALTER TABLE public.h_2024_02 ALTER COLUMN xp SET DEFAULT 5",
    );
    assert!(position(&p, "ALTER TABLE public.h ADD COLUMN xp") < own_xp);
    assert!(position(&p, "COMMENT ON COLUMN public.h_2024_02.xp") > own_xp);
}

#[test]
fn the_partition_key_cannot_change_in_place() {
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.h", parent)
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.h", |t| parent(t).partition_by("LIST (note)"))
        .build();
    match build(&from, &to, &PlanOptions::default()) {
        Err(PlanError::Unsupported { object, reason, .. }) => {
            assert_eq!(object, "table public.h");
            assert_eq!(
                reason,
                "the partition key would change from RANGE (at) to LIST (note)"
            );
        }
        other => panic!("expected an unsupported change, got {other:?}"),
    }
    let plain = CatalogBuilder::new()
        .schema("public")
        .table("public.h", partition_columns)
        .build();
    assert!(matches!(
        build(&plain, &from, &PlanOptions::default()),
        Err(PlanError::Unsupported { .. })
    ));
}

#[test]
fn attaching_a_table_keeps_what_merges_and_adds_what_it_lacks() {
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.h", parent)
        .table("public.old", |t| {
            partition_columns(t)
                .column("legacy", "text")
                .primary_key("old_pkey", &["id", "at"])
                .check("h_id_check", &["id"], "CHECK ((id > 0))")
                .not_valid()
        })
        .index(
            "public.h_note_idx",
            "public.h",
            "CREATE INDEX ON ONLY public.h USING btree (note)",
        )
        .index(
            "public.h_at_idx",
            "public.h",
            "CREATE INDEX ON ONLY public.h USING btree (at)",
        )
        .index(
            "public.old_note_idx",
            "public.old",
            "CREATE INDEX ON public.old USING btree (note)",
        )
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.h", |t| {
            parent(t).check("h_at_check", &["at"], "CHECK ((at > '2000-01-01'::date))")
        })
        .table("public.old", |t| {
            partition(t, "old", JAN)
                .check("h_at_check", &["at"], "CHECK ((at > '2000-01-01'::date))")
                .inherited()
                .attached_index(
                    "public.old_note_idx",
                    "CREATE INDEX ON public.old USING btree (note)",
                )
                .attached_index(
                    "public.old_at_idx",
                    "CREATE INDEX ON public.old USING btree (at)",
                )
        })
        .index(
            "public.h_note_idx",
            "public.h",
            "CREATE INDEX ON ONLY public.h USING btree (note)",
        )
        .index(
            "public.h_at_idx",
            "public.h",
            "CREATE INDEX ON ONLY public.h USING btree (at)",
        )
        .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert!(
        !sql.iter().any(
            |s| (s.contains("DROP CONSTRAINT") && !s.contains("old_partition_bound"))
                || s.contains("DROP INDEX")
        ),
        "the key, the CHECK and the index merge into the parent's: {sql:#?}"
    );
    let attach = position(&p, "ALTER TABLE public.h ATTACH PARTITION public.old");
    assert!(position(&p, "ALTER TABLE public.old DROP COLUMN legacy") < attach);
    let add = position(&p, "ALTER TABLE public.h ADD CONSTRAINT h_at_check");
    let add_on_old = position(
        &p,
        "ALTER TABLE public.old ADD CONSTRAINT h_at_check CHECK ((at > '2000-01-01'::date)) NOT VALID",
    );
    let validate_new = position(&p, "ALTER TABLE public.old VALIDATE CONSTRAINT h_at_check");
    let validate_merged = position(&p, "ALTER TABLE public.old VALIDATE CONSTRAINT h_id_check");
    assert!(add_on_old < validate_new && validate_new < attach && validate_merged < attach);
    assert!(add < attach);
    // The bound is proved by a CHECK validated beforehand, which ATTACH finds and trusts.
    let bound = position(
        &p,
        "ALTER TABLE public.old ADD CONSTRAINT old_partition_bound CHECK ((at IS NOT NULL) \
         AND (at >= '2024-01-01') AND (at < '2024-02-01')) NOT VALID",
    );
    let validate_bound = position(
        &p,
        "ALTER TABLE public.old VALIDATE CONSTRAINT old_partition_bound",
    );
    let drop_bound = position(
        &p,
        "ALTER TABLE public.old DROP CONSTRAINT old_partition_bound",
    );
    assert!(bound < validate_bound && validate_bound < attach && attach < drop_bound);
    assert_eq!(
        hazards_of(
            &p,
            "ALTER TABLE public.old VALIDATE CONSTRAINT old_partition_bound"
        ),
        [Hazard::ValidationScan, Hazard::DataDependent]
    );
    assert_eq!(
        hazards_of(&p, "ALTER TABLE public.h ATTACH PARTITION"),
        [Hazard::AccessExclusiveLock, Hazard::IndexBuild],
        "h_at_idx is built on old; no scan under the exclusive lock"
    );
}

#[test]
fn a_hash_partition_is_attached_with_its_scan() {
    let hashed = |t: TableBuilder| {
        t.column("id", "integer")
            .not_null()
            .column("at", "date")
            .not_null()
            .column("note", "text")
            .default("'x'::text")
            .partition_by("HASH (id)")
    };
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.h", hashed)
        .table("public.old", partition_columns)
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.h", hashed)
        .table("public.old", |t| {
            partition_columns(t)
                .partition_of("public.h", "FOR VALUES WITH (modulus 2, remainder 0)")
        })
        .build();
    let p = plan(&from, &to);
    assert_eq!(p.steps.len(), 1, "{}", render(&p));
    assert_eq!(
        hazards_of(
            &p,
            "ALTER TABLE public.h ATTACH PARTITION public.old FOR VALUES WITH"
        ),
        [
            Hazard::AccessExclusiveLock,
            Hazard::ValidationScan,
            Hazard::DataDependent
        ]
    );
}

#[test]
fn a_detached_partition_owns_what_it_inherited() {
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.h", parent)
        .table("public.h_2024_01", |t| {
            partition(t, "h_2024_01", JAN).attached_index(
                "public.h_2024_01_note_idx",
                "CREATE INDEX ON public.h_2024_01 USING btree (note)",
            )
        })
        .index(
            "public.h_note_idx",
            "public.h",
            "CREATE INDEX ON ONLY public.h USING btree (note)",
        )
        .build();
    // The parent goes; the partition stays a plain table with the key it had, without the
    // CHECK and the index.
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.h_2024_01", |t| {
            partition_columns(t).primary_key("h_2024_01_pkey", &["id", "at"])
        })
        .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    let detach = position(&p, "ALTER TABLE public.h DETACH PARTITION public.h_2024_01");
    assert!(detach < position(&p, "DROP TABLE public.h"));
    assert!(
        detach
            < position(
                &p,
                "ALTER TABLE public.h_2024_01 DROP CONSTRAINT h_id_check"
            )
    );
    assert!(detach < position(&p, "DROP INDEX CONCURRENTLY public.h_2024_01_note_idx"));
    assert!(
        !p.steps.iter().any(|s| s.sql.contains("h_2024_01_pkey")),
        "the key it inherited is its own once detached: {}",
        render(&p)
    );
    assert_eq!(
        hazards_of(&p, "ALTER TABLE public.h DETACH"),
        [Hazard::AccessExclusiveLock, Hazard::BackwardIncompatible]
    );
}

#[test]
fn a_detached_partition_keeps_a_column_its_parent_drops() {
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.h", parent)
        .table("public.h_2024_01", |t| partition(t, "h_2024_01", JAN))
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.h", |t| {
            t.column("id", "integer")
                .not_null()
                .column("at", "date")
                .not_null()
                .primary_key("h_pkey", &["id", "at"])
                .check("h_id_check", &["id"], "CHECK ((id > 0))")
                .partition_by("RANGE (at)")
        })
        .table("public.h_2024_01", |t| {
            partition_columns(t)
                .primary_key("h_2024_01_pkey", &["id", "at"])
                .check("h_id_check", &["id"], "CHECK ((id > 0))")
        })
        .build();
    let p = plan(&from, &to);
    let detach = position(&p, "ALTER TABLE public.h DETACH PARTITION public.h_2024_01");
    assert!(
        detach < position(&p, "ALTER TABLE public.h DROP COLUMN note"),
        "{}",
        render(&p)
    );
    assert_eq!(p.steps.len(), 2, "{}", render(&p));
}

#[test]
fn bounds_are_given_up_before_they_are_taken() {
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.h", parent)
        .table("public.h_2024", |t| {
            partition(
                t,
                "h_2024",
                "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
            )
        })
        .table("public.h_other", |t| partition(t, "h_other", "DEFAULT"))
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.h", parent)
        .table("public.h_2024_01", |t| partition(t, "h_2024_01", JAN))
        .table("public.h_other", |t| {
            partition(
                t,
                "h_other",
                "FOR VALUES FROM ('2024-02-01') TO ('2025-01-01')",
            )
        })
        .build();
    let p = plan(&from, &to);
    insta::assert_snapshot!(render(&p));
    let create = position(&p, "CREATE TABLE public.h_2024_01");
    assert!(position(&p, "DROP TABLE public.h_2024") < create);
    assert!(position(&p, "ALTER TABLE public.h DETACH PARTITION public.h_other") < create);
    assert!(create < position(&p, "ALTER TABLE public.h ATTACH PARTITION public.h_other"));
    assert!(
        !hazards_of(&p, "CREATE TABLE public.h_2024_01").contains(&Hazard::ValidationScan),
        "the default partition is detached first: nothing is scanned"
    );
}

#[test]
fn a_new_partition_of_a_live_parent_locks_it_and_reads_its_default() {
    let from = CatalogBuilder::new()
        .schema("public")
        .table("public.h", parent)
        .table("public.h_other", |t| partition(t, "h_other", "DEFAULT"))
        .build();
    let to = CatalogBuilder::from_catalog(from.clone())
        .table("public.h_2024_01", |t| partition(t, "h_2024_01", JAN))
        .build();
    let p = plan(&from, &to);
    assert_eq!(
        hazards_of(&p, "CREATE TABLE public.h_2024_01"),
        [
            Hazard::AccessExclusiveLock,
            Hazard::ValidationScan,
            Hazard::DataDependent
        ]
    );
    assert_eq!(p.steps.len(), 1, "{}", render(&p));
}
