//! The `ving` command line; everything happens in [`ving_cli::run`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = ving_cli::Cli::parse();
    // What the library logs rather than puts in an error a web client may see (the
    // driver's message behind a record's "database error", a scratch database not
    // dropped): this command's user runs the database, so it is shown, on stderr.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
        .without_time()
        .with_target(false)
        .try_init();
    // Not locked for the whole run: the progress line of --up/--down writes between.
    ving_cli::run_with(
        cli,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
        ving_cli::Console::detect(),
    )
}
