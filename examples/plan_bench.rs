//! Planner benchmark: `cargo run --release --example plan_bench -- [TABLES]` plans a
//! synthetic catalog of TABLES tables (default 2000; each with an identity key, a serial
//! column, an enum column, eight plain columns, a foreign key, a check and two indexes)
//! from empty, against itself, with one column type changed per table, and back to empty.

use schemadiff::catalog::builder::CatalogBuilder;
use schemadiff::plan::{build, PlanOptions};
use std::time::Instant;

fn catalog(n: usize, variant: bool) -> schemadiff::catalog::Catalog {
    let mut b = CatalogBuilder::new()
        .schema("public")
        .enum_type("public.mood", &["a", "b"]);
    for i in 0..n {
        let name = format!("public.t{i}");
        let seq = format!("public.t{i}_serial_seq");
        let default = format!("nextval('{seq}'::regclass)");
        let prev = format!("public.t{}", if i == 0 { 0 } else { i - 1 });
        b = b
            .table(&name, |t| {
                let mut t = t
                    .column("id", "bigint")
                    .identity(false)
                    .column("serial", "integer")
                    .not_null()
                    .default(&default)
                    .column("prev", "bigint")
                    .column("m", "public.mood");
                for c in 0..8 {
                    t = t.column(
                        &format!("c{c}"),
                        if variant && c == 0 {
                            "bigint"
                        } else {
                            "integer"
                        },
                    );
                }
                t.primary_key(&format!("t{i}_pkey"), &["id"])
                    .foreign_key(&format!("t{i}_prev_fkey"), &["prev"], &prev, &["id"])
                    .check(&format!("t{i}_c1_check"), &["c1"], "CHECK ((c1 > 0))")
            })
            .sequence(&format!("public.t{i}_id_seq"), |s| {
                s.identity().owned_by(&name, "id")
            })
            .sequence(&seq, |s| s.data_type("integer").owned_by(&name, "serial"))
            .index(
                &format!("public.t{i}_c2_idx"),
                &name,
                &format!("CREATE INDEX ON {name} USING btree (c2)"),
            )
            .index(
                &format!("public.t{i}_c3_idx"),
                &name,
                &format!("CREATE INDEX ON {name} USING btree (c3, c4)"),
            );
    }
    b.build()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let empty = CatalogBuilder::new().schema("public").build();
    let a = catalog(n, false);
    let b = catalog(n, true);
    let t = Instant::now();
    let fp = a.fingerprint();
    println!(
        "fingerprint of {n} tables: {} in {:?}",
        &fp[..12],
        t.elapsed()
    );
    for (label, from, to) in [
        ("create all", &empty, &a),
        ("no change", &a, &a),
        ("alter one column per table", &a, &b),
        ("drop all", &a, &empty),
    ] {
        let t = Instant::now();
        let p = build(from, to, &PlanOptions::default()).unwrap();
        println!("{label}: {} steps in {:?}", p.steps.len(), t.elapsed());
    }
}
