//! The `ving` command line; everything happens in [`ving_cli::run`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = ving_cli::Cli::parse();
    // Not locked for the whole run: the progress line of --up/--down writes between.
    ving_cli::run_with(
        cli,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
        ving_cli::Console::detect(),
    )
}
