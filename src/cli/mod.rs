//! The command line. clap types live only here; arguments and environment are resolved
//! into library values (`ConnTarget`, `Desired`, `ApplyOptions`) before work starts.

mod apply;
mod args;
mod diff;
mod drift;
mod dump;
mod fleet;
mod generate;
mod lint;
mod output;
mod plan;
mod progress;

pub use output::{Exit, Output};

use clap::{Parser, Subcommand};

/// Declarative schema management for PostgreSQL and TimescaleDB.
///
/// Desired state lives in .sql files; schemadiff loads them into a scratch database, compares
/// them with the live database and emits an ordered, reviewable plan that it can apply.
#[derive(Debug, Parser)]
#[command(
    name = "schemadiff",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the steps that would bring the database to the desired schema.
    Plan(plan::PlanArgs),
    /// Apply the plan (or a reviewed plan file) to the database.
    Apply(apply::ApplyArgs),
    /// Report differences between the declared and the running schema (exit 2 on drift).
    Drift(drift::DriftArgs),
    /// Compare two sources (databases, files or directories).
    Diff(diff::DiffArgs),
    /// Write a database's schema as SQL or YAML that schemadiff can use as desired state.
    Dump(dump::DumpArgs),
    /// Check the desired schema against naming, key, index and risk conventions.
    Lint(lint::LintArgs),
    /// The configuration file (`schemadiff.yaml`).
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print the completion script of a shell (bash, zsh, fish, elvish, powershell).
    Completions(generate::CompletionsArgs),
    /// Print the manual page, or write every command's page with --out DIR.
    Man(generate::ManArgs),
}

/// `schemadiff config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the JSON Schema of schemadiff.yaml (for editors and CI checks).
    Schema {
        /// Print the JSON Schema of YAML definitions files (`*.yaml` in a schema folder)
        /// instead.
        #[arg(long)]
        definitions: bool,
    },
}

/// Run a parsed command line.
pub async fn run(cli: Cli, out: &mut Output) -> Result<Exit, crate::workflow::Error> {
    match cli.command {
        Command::Plan(a) => plan::run(a, out).await,
        Command::Apply(a) => apply::run(a, out).await,
        Command::Drift(a) => drift::run(a, out).await,
        Command::Diff(a) => diff::run(a, out).await,
        Command::Dump(a) => dump::run(a, out).await,
        Command::Lint(a) => lint::run(a, out).await,
        Command::Config(ConfigCommand::Schema { definitions }) => {
            out.product(&if definitions {
                crate::source::yaml::json_schema()
            } else {
                crate::config::json_schema()
            });
            Ok(Exit::Success)
        }
        Command::Completions(a) => generate::run_completions(a, out),
        Command::Man(a) => generate::run_man(a, out),
    }
}
