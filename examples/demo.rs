//! The README's main job: plan and apply the PredictHealth example schema against a
//! throwaway PostgreSQL, show that drift is empty, then show a plan for an edit and the
//! drift report for a manual change. Run with `./scripts/demo.sh`.

use clap::Parser;
use schemadiff::cli::{self, Cli, Output};
use schemadiff::embedded::EmbeddedCluster;
use std::path::Path;

async fn schemadiff(args: &[&str]) -> u8 {
    let cli = Cli::parse_from(std::iter::once("schemadiff").chain(args.iter().copied()));
    let mut out = Output::new();
    match cli::run(cli, &mut out).await {
        Ok(exit) => exit.code(),
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            1
        }
    }
}

fn banner(text: &str) {
    eprintln!("\n\x1b[1m$ {text}\x1b[0m");
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/predicthealth");
    let schema = schema.to_str().ok_or("non-UTF-8 path")?.to_string();
    eprintln!("starting a throwaway PostgreSQL cluster...");
    let cluster = EmbeddedCluster::start(None)?;
    let admin = cluster.target("postgres").connect().await?;
    admin.batch_execute("CREATE DATABASE predicthealth").await?;
    let url = cluster.url("predicthealth");

    banner("schemadiff plan --url $URL --schema schema/predicthealth");
    let code = schemadiff(&[
        "plan",
        "--url",
        &url,
        "--schema",
        &schema,
        "--detailed-exitcode",
    ])
    .await;
    eprintln!("(exit status {code}: 2 means there are changes)");

    banner("schemadiff apply --url $URL --schema schema/predicthealth --auto-approve");
    let code = schemadiff(&[
        "apply",
        "--url",
        &url,
        "--schema",
        &schema,
        "--auto-approve",
    ])
    .await;
    if code != 0 {
        return Err(format!("apply failed with exit status {code}").into());
    }

    banner("schemadiff drift --url $URL --schema schema/predicthealth");
    let code = schemadiff(&["drift", "--url", &url, "--schema", &schema]).await;
    eprintln!("(exit status {code})");

    // An edit of the desired files: a new column and its index.
    let edited = tempfile::tempdir()?;
    for entry in std::fs::read_dir(&schema)? {
        let entry = entry?;
        std::fs::copy(entry.path(), edited.path().join(entry.file_name()))?;
    }
    std::fs::write(
        edited.path().join("40_doctor_bio.sql"),
        "ALTER TABLE doctors ADD COLUMN bio text;\nCREATE INDEX doctors_last_name_idx ON doctors (last_name);\n",
    )?;
    let edited_path = edited.path().to_str().ok_or("non-UTF-8 path")?.to_string();
    banner("schemadiff plan --url $URL --schema <schema with a new doctors.bio column>");
    schemadiff(&["plan", "--url", &url, "--schema", &edited_path]).await;

    // A manual change in the database shows up as drift.
    let db = cluster.target("predicthealth").connect().await?;
    db.batch_execute("ALTER TABLE patients DROP CONSTRAINT patients_birth_check")
        .await?;
    banner(
        "psql -c 'ALTER TABLE patients DROP CONSTRAINT patients_birth_check'; schemadiff drift ...",
    );
    let code = schemadiff(&["drift", "--url", &url, "--schema", &schema]).await;
    eprintln!("(exit status {code}: 2 means drift)");
    Ok(())
}
