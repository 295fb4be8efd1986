/// mimalloc: the planner allocates and frees many small object ids and strings; the
/// system allocator was a quarter of its time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use schemadiff::cli::{self, Cli, Output};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are successes; a command line that does not parse is 1.
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(!no_color && std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .build(),
        )
    }))
    .ok();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("schemadiff: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let mut out = Output::new();
    match runtime.block_on(cli::run(cli, &mut out)) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(err) => {
            eprintln!("{:?}", miette::Report::new(err));
            ExitCode::from(1)
        }
    }
}
