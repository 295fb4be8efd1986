//! `schemadiff dump`: a database's managed schema as desired-state SQL: one stream on
//! stdout, a folder of one file per object (`--out DIR`), or, without `--url`, every service
//! of `schemadiff.yaml` into its schema folder. With `--format yaml`, a folder's tables,
//! enums, schemas and extensions are written as YAML definitions where the format can
//! say them, with the rest beside them as SQL.

mod fleet;
pub mod layout;
mod write;
mod yaml;

use super::args::{DevArgs, FleetArgs};
use super::{Exit, Output};
use crate::conn::ConnTarget;
use crate::plan::{Action, Plan};
use crate::workflow::{self, Error};
use clap::{Args, ValueEnum};
use layout::{DumpFile, Kind, Owner};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// `schemadiff dump`: one database (`--url`, to stdout or `--out DIR`) or services of the
/// configuration file (into their schema folders).
#[derive(Debug, Args)]
pub struct DumpArgs {
    /// Connection string of the database to dump. Without it, or with SERVICE names (which
    /// win over DATABASE_URL), services of the configuration file are dumped into their
    /// schema folders.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub url: Option<String>,

    /// Write one file per object into this folder (see the README for the layout) instead
    /// of printing one stream.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Write into a folder that holds an earlier dump: its .sql and .yaml files are
    /// replaced (other files are kept; a .sql or .yaml file schemadiff did not write stops
    /// the dump).
    #[arg(long)]
    pub force: bool,

    /// How a folder's objects are written: `sql` statements, or `yaml` definitions where
    /// the format can say them (docs/yaml-definitions.md) with the rest as SQL beside them.
    #[arg(long, value_enum, default_value_t = Format::Sql)]
    pub format: Format,

    /// Services of the configuration file to dump [default: all of them].
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,

    #[command(flatten)]
    pub fleet: FleetArgs,

    #[command(flatten)]
    pub dev: DevArgs,
}

/// How a dump writes a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One `.sql` file per object.
    Sql,
    /// A `.yaml` file per table and enum, one for the schemas and one for the extensions,
    /// each beside the `.sql` file of what YAML cannot say about the object (when any).
    Yaml,
}

impl Format {
    /// The files of a dump of `catalog` in this format, with the plan they came from.
    fn files(self, catalog: &crate::catalog::Catalog) -> Result<(Vec<DumpFile>, Plan), Error> {
        match self {
            Format::Sql => layout::files(catalog),
            Format::Yaml => yaml::files(catalog),
        }
    }
}

/// The SQL of `plan` (from an empty database to the dumped one) as one stream that psql can
/// load as it is: its create steps in plan order.
fn stream(plan: &Plan) -> String {
    let mut out = String::from("-- schema dumped by schemadiff\n");
    for step in plan.steps.iter().filter(|s| s.action != Action::Drop) {
        out.push('\n');
        out.push_str(&step.sql);
        out.push_str(";\n");
    }
    out
}

/// `dump --url URL [--out DIR]`, or the fleet when there is no `--url` or SERVICE names are
/// given.
pub async fn run(args: DumpArgs, out: &mut Output) -> Result<Exit, Error> {
    if !args.services.is_empty() || args.url.is_none() {
        return fleet::run(&args, out).await;
    }
    let url = args.url.as_deref().unwrap_or_default();
    let target = ConnTarget::parse(url)?;
    let scope = args.dev.resolve(Vec::new())?.scope;
    let catalog = workflow::live_catalog(&target, &scope).await?;
    let plan =
        match &args.out {
            None if args.format == Format::Yaml => return Err(Error::Usage {
                message: "--format yaml writes a folder".into(),
                help: "pass --out DIR (or dump the services of schemadiff.yaml into their folders)"
                    .into(),
            }),
            None => {
                let plan = layout::create_plan(&catalog)?;
                out.product(&stream(&plan));
                plan
            }
            Some(dir) => {
                let (files, plan) = args.format.files(&catalog)?;
                write::write_dir(dir, &files, args.force)?;
                out.note(&format!("{} → {}", summary(&files), dir.display()));
                plan
            }
        };
    warn_unmanaged(&plan, out, "");
    Ok(Exit::Success)
}

/// `12 files: 9 tables, 2 views, 1 function` (objects counted once, also when YAML and SQL
/// files both hold parts of them).
pub(crate) fn summary(files: &[DumpFile]) -> String {
    let mut kinds: BTreeMap<Kind, usize> = BTreeMap::new();
    let owners: BTreeSet<&Owner> = files.iter().map(|f| &f.owner).collect();
    for owner in owners {
        if let Owner::Object(kind, _) = owner {
            *kinds.entry(*kind).or_default() += 1;
        }
    }
    let parts: Vec<String> = kinds
        .iter()
        .map(|(k, n)| {
            let dir = k.dir().replace('_', " ");
            if *n == 1 {
                format!("1 {}", dir.trim_end_matches('s'))
            } else {
                format!("{n} {dir}")
            }
        })
        .collect();
    let n = files.len();
    let files_word = if n == 1 { "file" } else { "files" };
    if parts.is_empty() {
        format!("{n} {files_word}")
    } else {
        format!("{n} {files_word}: {}", parts.join(", "))
    }
}

/// Objects of kinds schemadiff does not model are not in a dump: say so on stderr.
fn warn_unmanaged(plan: &Plan, out: &Output, prefix: &str) {
    if plan.unmanaged.is_empty() {
        return;
    }
    let listed: Vec<String> = plan
        .unmanaged
        .iter()
        .map(|u| format!("{} {}", u.kind, u.identity))
        .collect();
    out.note(&format!(
        "{prefix}warning: {} objects of kinds schemadiff does not model are not in the dump: {}",
        listed.len(),
        listed.join(", ")
    ));
}
