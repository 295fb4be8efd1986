//! Introspection against a real PostgreSQL: DDL into a fresh database, `introspect`, and
//! the catalog asserted field by field. Runs on whatever server the harness starts
//! (`SCHEMADIFF_PG_BIN` picks the major); cases gate version-specific syntax.
//!
//! `cargo test --test introspect -- --ignored` also runs the 1,000-table measurement.

mod support;

#[path = "introspect/cases_objects.rs"]
mod cases_objects;
#[path = "introspect/cases_partitions.rs"]
mod cases_partitions;
#[path = "introspect/cases_routines.rs"]
mod cases_routines;
#[path = "introspect/cases_schema.rs"]
mod cases_schema;
#[path = "introspect/cases_views.rs"]
mod cases_views;

use libtest_mimic::{Arguments, Failed, Trial};
use schemadiff::catalog::{Catalog, Ident, QualName};
use schemadiff::introspect::{introspect, Scope};
use std::collections::BTreeSet;
use std::sync::Arc;
use support::Harness;

/// The cluster and a runtime shared by every case.
pub struct Ctx {
    pub h: Harness,
    pub rt: tokio::runtime::Runtime,
}

impl Ctx {
    /// Run `ddl` in a fresh database and introspect it with `scope`.
    pub fn catalog_with(&self, label: &str, ddl: &str, scope: &Scope) -> Catalog {
        self.rt.block_on(async {
            let target = self.h.fresh_db(label).await;
            let client = target.connect().await.expect("connect");
            client
                .batch_execute(ddl)
                .await
                .unwrap_or_else(|e| panic!("DDL of {label} failed: {e:?}"));
            let catalog = introspect(&client, scope)
                .await
                .unwrap_or_else(|e| panic!("introspecting {label}: {e}"));
            drop(client);
            self.h.drop_db(&target).await;
            catalog
        })
    }

    pub fn catalog(&self, label: &str, ddl: &str) -> Catalog {
        self.catalog_with(label, ddl, &Scope::default())
    }

    pub fn version(&self) -> u32 {
        self.h.server_version
    }
}

pub fn q(schema: &str, name: &str) -> QualName {
    QualName::new(schema, name)
}

pub fn id(name: &str) -> Ident {
    Ident::new(name)
}

pub fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

pub fn scope(schemas: &[&str]) -> Scope {
    Scope {
        schemas: Some(
            schemas
                .iter()
                .map(|s| s.to_string())
                .collect::<BTreeSet<_>>(),
        ),
        ..Scope::default()
    }
}

/// A case: a name and a function of the shared context.
pub type Case = (&'static str, fn(&Ctx) -> Result<(), Failed>);

fn main() {
    let args = Arguments::from_args();
    let ctx = Arc::new(Ctx {
        h: Harness::start(),
        rt: support::runtime(),
    });
    let mut trials = Vec::new();
    for (name, case) in cases_objects::CASES
        .iter()
        .chain(cases_schema::CASES.iter())
        .chain(cases_views::CASES.iter())
        .chain(cases_routines::CASES.iter())
        .chain(cases_partitions::CASES.iter())
        .copied()
    {
        let ctx = Arc::clone(&ctx);
        trials.push(Trial::test(name, move || case(&ctx)));
    }
    for (name, case) in cases_schema::IGNORED.iter().copied() {
        let ctx = Arc::clone(&ctx);
        trials.push(Trial::test(name, move || case(&ctx)).with_ignored_flag(true));
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(ctx);
    conclusion.exit();
}
