//! The `ving` command: argument parsing and one function per command.
//!
//! Every command takes plain data and writes to the given output and error streams, so
//! it can be run in tests without a process. `src/main.rs` only parses the arguments and
//! calls [`run`].

#![warn(missing_docs)]

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use ving::config::Config;
use ving::schema::{SchemaErrors, SchemaSet};

mod command;
mod console;
mod prompt;

use command::*;

use console::{paint, Progress};
pub use console::{wants_color, Console};
use prompt::{ask_fill, ask_renames, ask_write_anyway, make_optional, FillAnswer};

/// ving: schema-first data layer (schemas, tables, migrations, queries, records).
#[derive(Debug, Parser)]
#[command(name = "ving", version, about, long_about = None)]
pub struct Cli {
    /// The project folder (where ving.toml is).
    #[arg(
        short = 'C',
        long,
        global = true,
        value_name = "DIR",
        default_value = "."
    )]
    pub project: PathBuf,
    /// The database URL, over VING_DATABASE_URL, VING_MYSQL, .env and ving.toml (for the
    /// commands that talk to a database, and for --prepare's dialect).
    #[arg(long = "database-url", global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create and validate ving schema files (one TOML file per kind).
    Schema(SchemaArgs),
    /// Table definitions and migrations: generate, prepare, apply, show status.
    Drizzle(DrizzleArgs),
    /// Id strings: an id to the string ving shows (-s) and back (-i).
    ///
    /// Keyed by VING_SKIPJACK_KEY, from the environment or the project's .env.
    Id(IdArgs),
    /// Typed records: generate them for every kind, or start a kind's own record file.
    ///
    /// Without arguments, writes `<paths.records>/generated/` (byte-stable) and the lines
    /// between `// ving record: begin` and `// ving record: end` of `<paths.records>/mod.rs`
    /// (the whole file when there is none); `--new KIND` writes the kind's hand-written
    /// `<paths.records>/<kind>.rs`, never overwriting it, then generates again.
    Record(RecordArgs),
    /// Users: list, search, add and modify them (basic CRUD through the record layer).
    User(UserArgs),
    /// Everything the schemas make: tables, records and the next migration.
    ///
    /// Validates, then runs `drizzle --tables`, `record` and `drizzle --prepare` in one.
    /// `--check` writes nothing and fails naming every stale generated file and a due
    /// migration: for CI and pre-commit hooks.
    Generate(GenerateArgs),
}

/// The arguments of `ving generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Write nothing; fail (exit 1) naming whatever `ving generate` would change.
    #[arg(long = "check", conflicts_with_all = ["name", "fill", "no_renames"])]
    pub check: bool,
    /// The next migration's name (otherwise a generated one).
    #[arg(long = "name", value_name = "NAME")]
    pub name: Option<String>,
    /// The value rows already in a table get in a new required column (as `drizzle
    /// --prepare --fill`).
    #[arg(long = "fill", value_name = "TABLE.COLUMN=VALUE")]
    pub fill: Vec<String>,
    /// Treat tables and columns that disappear as drops, not renames.
    #[arg(long = "no-renames")]
    pub no_renames: bool,
}

/// The arguments of `ving user`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("action").required(true).multiple(false))]
pub struct UserArgs {
    /// List all users.
    #[arg(short = 'l', long = "list", group = "action")]
    pub list: bool,
    /// List all users that are admins.
    #[arg(long = "admins", group = "action")]
    pub admins: bool,
    /// Search all users by keyword (username, real name or email).
    #[arg(short = 's', long = "search", value_name = "KEYWORD", group = "action")]
    pub search: Option<String>,
    /// Create a new user.
    #[arg(short = 'a', long = "add", value_name = "USERNAME", group = "action")]
    pub add: Option<String>,
    /// Change an existing user.
    #[arg(
        short = 'm',
        long = "modify",
        value_name = "USERNAME",
        group = "action"
    )]
    pub modify: Option<String>,
    /// Set the email address.
    #[arg(long = "email", value_name = "EMAIL")]
    pub email: Option<String>,
    /// Set the password (hashed with bcrypt, cost 10).
    #[arg(long = "password", value_name = "PASSWORD")]
    pub password: Option<String>,
    /// Make the user an admin.
    #[arg(long = "admin", conflicts_with = "not_admin")]
    pub admin: bool,
    /// Make the user not an admin.
    #[arg(long = "not-admin")]
    pub not_admin: bool,
}

/// The arguments of `ving record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Write `<paths.records>/<kind>.rs` for KIND: where its methods and hooks go.
    #[arg(long = "new", value_name = "KIND")]
    pub new: Option<String>,
    /// Write `<paths.rest>/<kind>.rs` for KIND (its rules and routes over HTTP) and serve
    /// it from `<paths.rest>/mod.rs`'s `router`.
    #[arg(long = "rest", value_name = "KIND", conflicts_with = "new")]
    pub rest: Option<String>,
    /// Show what would be written, write nothing.
    #[arg(long = "dry-run", conflicts_with = "new")]
    pub dry_run: bool,
}

/// `ving id`: exactly one of `-s` and `-i`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).multiple(false))]
pub struct IdArgs {
    /// The id string of this integer id.
    #[arg(short = 's', long = "stringify", value_name = "ID", group = "what")]
    pub stringify: Option<i64>,
    /// The integer id of this id string (`UservDKaLb1` or `vDKaLb1`).
    #[arg(short = 'i', long = "int", value_name = "STRING", group = "what")]
    pub int: Option<String>,
    /// With -s: prefix the string with this kind (`User` gives `UservDKaLb1`), as records do.
    #[arg(long = "kind", value_name = "KIND", conflicts_with = "int")]
    pub kind: Option<String>,
}

/// `ving drizzle`: exactly one action, with its options.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("action").required(true).multiple(false))]
pub struct DrizzleArgs {
    /// Generate the typed Rust table definitions (ving.toml paths.tables) from the schemas.
    #[arg(short = 't', long = "tables", group = "action")]
    pub tables: bool,
    /// Write the next migration: the schemas against the newest snapshot.
    #[arg(short = 'p', long = "prepare", group = "action")]
    pub prepare: bool,
    /// Apply every migration not yet applied.
    #[arg(short = 'u', long = "up", group = "action")]
    pub up: bool,
    /// Show the last migration available and applied, and what is pending.
    #[arg(short = 's', long = "status", group = "action")]
    pub status: bool,
    /// Compare the live database's structure with what its migrations give; report drift.
    #[arg(long = "check", group = "action")]
    pub check: bool,
    /// Revert the last N applied migrations (1 when N is not given) with their .down.sql.
    #[arg(long = "down", value_name = "N", num_args = 0..=1, default_missing_value = "1", group = "action")]
    pub down: Option<usize>,
    /// Discard the newest migration, if it is not applied (drizzle-kit's `drop`): its
    /// files and its journal entry.
    #[arg(long = "drop", group = "action")]
    pub drop: bool,
    /// With --down: revert even when the reverse cannot keep all data.
    #[arg(long = "force", conflicts_with_all = ["tables", "prepare", "up", "status", "check", "drop"])]
    pub force: bool,
    /// With --prepare: the migration's name (otherwise a generated one).
    #[arg(long = "name", value_name = "NAME", conflicts_with_all = NOT_PREPARE)]
    pub name: Option<String>,
    /// With --prepare: write an empty migration named NAME for hand-written SQL (NAME
    /// names it: not with --name).
    #[arg(
        long = "custom",
        value_name = "NAME",
        conflicts_with_all = NOT_PREPARE,
        conflicts_with = "name"
    )]
    pub custom: Option<String>,
    /// With --tables, --prepare, --up, --down or --drop: print what would be done; write
    /// nothing.
    #[arg(long = "dry-run", conflicts_with_all = ["status", "check"])]
    pub dry_run: bool,
    /// With --prepare: treat tables and columns that disappear as drops, not renames.
    #[arg(long = "no-renames", conflicts_with_all = NOT_PREPARE)]
    pub no_renames: bool,
    /// With --prepare: the value rows already in TABLE get in COLUMN, a new required
    /// column without a default (repeatable; on a terminal --prepare asks).
    #[arg(long = "fill", value_name = "TABLE.COLUMN=VALUE", conflicts_with_all = NOT_PREPARE)]
    pub fill: Vec<String>,
}

/// The actions an option of --prepare cannot go with. (clap's `requires` is satisfied by
/// an argument that conflicts with the one given, so the actions are excluded instead.)
const NOT_PREPARE: [&str; 6] = ["tables", "up", "status", "check", "down", "drop"];

/// `ving schema`: exactly one action.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct SchemaArgs {
    /// Write a skeleton schema for a new kind (refuses to overwrite).
    #[arg(long = "new", value_name = "KIND")]
    pub new: Option<String>,
    /// Validate one kind's schema (in the context of the others).
    #[arg(short = 'v', long = "validate", value_name = "KIND")]
    pub validate: Option<String>,
    /// Validate every schema.
    #[arg(short = 'V', long = "validate-all")]
    pub validate_all: bool,
    /// Print the JSON Schema of the schema file format, for TOML editors.
    #[arg(long = "json-schema")]
    pub json_schema: bool,
}

/// Runs a parsed command line; every failure is reported on `err` and gives a non-zero
/// exit code.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    run_with(cli, out, err, Console::default())
}

/// [`run`] on a [`Console`]: coloured failures, progress while migrations run.
pub fn run_with(cli: Cli, out: &mut dyn Write, err: &mut dyn Write, console: Console) -> ExitCode {
    let result = match cli.command {
        Command::Schema(args) => schema_command(&cli.project, &args, out),
        Command::Drizzle(args) => drizzle_command(
            &cli.project,
            cli.database_url.as_deref(),
            &args,
            out,
            console,
        ),
        Command::Id(args) => id_command(&cli.project, &args, out),
        Command::Record(args) => record_command(&cli.project, &args, out),
        Command::User(args) => user_command(&cli.project, cli.database_url.as_deref(), &args, out),
        Command::Generate(args) => generate_command(
            &cli.project,
            cli.database_url.as_deref(),
            &args,
            out,
            console,
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let _ = writeln!(err, "{}", paint(&failure.to_string(), console.color));
            ExitCode::FAILURE
        }
    }
}

/// A command's failure, displayed as the lines to print.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Configuration could not be read.
    #[error("error: {0}")]
    Config(#[from] ving::config::ConfigError),
    /// Schema problems, one line each, then a count.
    #[error("{0}\n{count}", count = error_count(.0))]
    Schema(#[from] SchemaErrors),
    /// A migration step failed.
    #[error("error: {0}")]
    Migrate(#[from] ving::migrate::MigrateError),
    /// The database could not be used.
    #[error("error: {0}")]
    Db(#[from] ving::db::DbError),
    /// Code could not be generated.
    #[error("error: {0}")]
    Codegen(#[from] ving::codegen::CodegenError),
    /// A record could not be read or written (ving's code and message).
    #[error("error: {0}")]
    Record(#[from] ving::record::Ouch),
    /// Anything else, in one line.
    #[error("error: {0}")]
    Other(String),
}

fn error_count(errors: &SchemaErrors) -> String {
    let files: std::collections::BTreeSet<&Path> =
        errors.errors().iter().map(|e| e.file.as_path()).collect();
    let (n, f) = (errors.len(), files.len());
    format!(
        "{n} error{} in {f} file{}",
        if n == 1 { "" } else { "s" },
        if f == 1 { "" } else { "s" }
    )
}

/// `project`, when it is a folder.
fn existing_folder(project: &Path) -> Result<(), Failure> {
    if project.is_dir() {
        Ok(())
    } else {
        Err(Failure::Other(format!(
            "no such folder: {}",
            project.display()
        )))
    }
}

/// The configuration of the ving project at `project`: a folder with a `ving.toml` or a
/// schema folder. Anywhere else nothing is read or written (no stray `ving.db`).
fn load_project(project: &Path) -> Result<Config, Failure> {
    load_project_with(project, None)
}

/// [`load_project`], with the database URL `--database-url` gave, if it gave one.
fn load_project_with(project: &Path, database_url: Option<&str>) -> Result<Config, Failure> {
    existing_folder(project)?;
    let project = &find_project(project);
    let config = Config::load(project)?;
    if !project.join("ving.toml").is_file() && !config.schemas_dir().is_dir() {
        return Err(Failure::Other(format!(
            "not a ving project: {} (no ving.toml and no {}); run `ving schema --new <Kind>` there to start one",
            project.display(),
            config.schemas_dir().display()
        )));
    }
    Ok(match database_url {
        Some(url) => config.with_database_url(url, "--database-url"),
        None => config,
    })
}

/// The project `folder` is in: the folder itself when it holds a `ving.toml` or its
/// configured schema folder, else the nearest folder above it with a `ving.toml` or ving's
/// schema folder ([`Config::find_root`], as cargo finds `Cargo.toml`), else the folder
/// itself (which then says it is not a project).
pub(crate) fn find_project(folder: &Path) -> PathBuf {
    let is_project = |dir: &Path| {
        dir.join("ving.toml").is_file()
            || Config::load(dir).is_ok_and(|config| config.schemas_dir().is_dir())
    };
    if is_project(folder) {
        return folder.to_path_buf();
    }
    let absolute = std::path::absolute(folder).unwrap_or_else(|_| folder.to_path_buf());
    Config::find_root(&absolute).unwrap_or_else(|| folder.to_path_buf())
}

/// Loads and validates the project's schemas (validation runs before any generation).
fn load_schemas(config: &Config) -> Result<SchemaSet, Failure> {
    Ok(SchemaSet::load(
        &config.schemas_dir(),
        &config.schema_options(),
    )?)
}

fn write_out(out: &mut dyn Write, text: &str) -> Result<(), Failure> {
    out.write_all(text.as_bytes())
        .map_err(|e| Failure::Other(format!("cannot write the output: {e}")))
}
