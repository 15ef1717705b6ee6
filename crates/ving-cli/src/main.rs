//! The `ving` command line; everything happens in [`ving_cli::run`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = ving_cli::Cli::parse();
    let color = ving_cli::wants_color(
        std::io::IsTerminal::is_terminal(&std::io::stderr()),
        std::env::var_os("NO_COLOR"),
    );
    ving_cli::run_with_color(
        cli,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
        color,
    )
}
