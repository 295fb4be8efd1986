//! `schemadiff dump`: a database's managed schema as desired-state SQL.

use super::args::DevArgs;
use super::{Exit, Output};
use crate::catalog::{Catalog, Ident, Schema};
use crate::conn::ConnTarget;
use crate::plan::{self, Action, PlanOptions};
use crate::workflow::{self, Error};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DumpArgs {
    /// Connection string of the database to dump.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub url: String,

    /// Write `schema.sql` into this directory instead of printing.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    #[command(flatten)]
    pub dev: DevArgs,
}

/// The SQL that creates `catalog` in a fresh database (which already has `public`).
pub fn dump_sql(catalog: &Catalog) -> Result<String, Error> {
    let mut base = Catalog {
        server_version: catalog.server_version,
        ..Catalog::default()
    };
    let public = Ident::new("public");
    base.schemas.insert(
        public.clone(),
        Schema {
            name: public,
            comment: Some("standard public schema".into()),
        },
    );
    let plan = plan::build(&base, catalog, &PlanOptions::default())?;
    let mut out = String::from("-- schema dumped by schemadiff\n");
    for step in plan.steps.iter().filter(|s| s.action != Action::Drop) {
        out.push('\n');
        out.push_str(&step.sql);
        out.push_str(";\n");
    }
    Ok(out)
}

pub async fn run(args: DumpArgs, out: &mut Output) -> Result<Exit, Error> {
    let target = ConnTarget::parse(&args.url)?;
    let scope = args.dev.resolve(Vec::new())?.scope;
    let catalog = workflow::live_catalog(&target, &scope).await?;
    let sql = dump_sql(&catalog)?;
    match &args.out {
        None => out.product(&sql),
        Some(dir) => {
            let path = dir.join("schema.sql");
            std::fs::create_dir_all(dir)
                .and_then(|_| std::fs::write(&path, &sql))
                .map_err(|e| Error::Io {
                    what: format!("writing {}", path.display()),
                    reason: e.to_string(),
                })?;
            out.note(&format!("wrote {}", path.display()));
        }
    }
    Ok(Exit::Success)
}
