//! `schemadiff completions SHELL` and `schemadiff man`: shell completions and manual pages
//! generated from the clap definitions, so they never disagree with `--help`.

use super::{Cli, Exit, Output};
use crate::workflow::Error;
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::path::{Path, PathBuf};

/// `schemadiff completions SHELL`
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write the completion script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `schemadiff man [--out DIR]`
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `schemadiff.1` and one page per command (`schemadiff-plan.1`, …) into DIR
    /// instead of printing `schemadiff.1`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// The completion script of `shell`, for the command as built.
pub fn completions(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "schemadiff", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// The manual pages: `schemadiff.1` first, then `schemadiff-<command>.1` for every command
/// and sub-command, as (file name, roff text).
pub fn man_pages() -> Result<Vec<(String, String)>, std::io::Error> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, "schemadiff", &mut pages)?;
    Ok(pages)
}

fn collect(
    cmd: &clap::Command,
    name: &str,
    pages: &mut Vec<(String, String)>,
) -> Result<(), std::io::Error> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone().name(name.to_owned())).render(&mut buf)?;
    pages.push((
        format!("{name}.1"),
        String::from_utf8_lossy(&buf).into_owned(),
    ));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        collect(sub, &format!("{name}-{}", sub.get_name()), pages)?;
    }
    Ok(())
}

pub fn run_completions(args: CompletionsArgs, out: &mut Output) -> Result<Exit, Error> {
    out.product(&completions(args.shell));
    Ok(Exit::Success)
}

pub fn run_man(args: ManArgs, out: &mut Output) -> Result<Exit, Error> {
    let io = |what: String| {
        move |e: std::io::Error| Error::Io {
            what,
            reason: e.to_string(),
        }
    };
    let pages = man_pages().map_err(io("rendering the manual".into()))?;
    match &args.out {
        None => out.product(&pages[0].1),
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
            for (file, text) in &pages {
                let path: &Path = &dir.join(file);
                std::fs::write(path, text).map_err(io(format!("writing {}", path.display())))?;
            }
            out.note(&format!(
                "wrote {} pages into {}",
                pages.len(),
                dir.display()
            ));
        }
    }
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_name_every_command_and_flag() {
        let bash = completions(Shell::Bash);
        for word in [
            "plan",
            "apply",
            "drift",
            "dump",
            "--format",
            "--allow-hazards",
            "--jobs",
        ] {
            assert!(bash.contains(word), "bash completion lacks {word}");
        }
        let zsh = completions(Shell::Zsh);
        assert!(zsh.starts_with("#compdef schemadiff"), "{}", &zsh[..40]);
        assert!(zsh.contains("--lock-timeout"));
        let fish = completions(Shell::Fish);
        assert!(fish.contains("complete -c schemadiff"));
    }

    #[test]
    fn man_pages_cover_every_command() {
        let pages = man_pages().unwrap();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        for want in [
            "schemadiff.1",
            "schemadiff-plan.1",
            "schemadiff-apply.1",
            "schemadiff-drift.1",
            "schemadiff-dump.1",
            "schemadiff-config-schema.1",
        ] {
            assert!(names.contains(&want), "missing {want} in {names:?}");
        }
        let apply = &pages
            .iter()
            .find(|(n, _)| n == "schemadiff-apply.1")
            .unwrap()
            .1;
        assert!(
            apply.starts_with(".ie") || apply.contains(".TH schemadiff-apply 1"),
            "{apply}"
        );
        assert!(
            apply.contains("lock\\-timeout"),
            "apply page lacks its flags"
        );
    }
}
