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
use ving::schema::{self, SchemaErrors, SchemaSet};

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
    /// With --down: revert even when the reverse cannot keep all data.
    #[arg(long = "force")]
    pub force: bool,
    /// With --prepare: the migration's name (otherwise a generated one).
    #[arg(long = "name", value_name = "NAME", requires = "prepare")]
    pub name: Option<String>,
    /// With --prepare: write an empty migration named NAME for hand-written SQL.
    #[arg(long = "custom", value_name = "NAME", requires = "prepare")]
    pub custom: Option<String>,
    /// With --prepare or --up: print the SQL instead of writing or applying it.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// With --prepare: treat tables and columns that disappear as drops, not renames.
    #[arg(long = "no-renames", requires = "prepare")]
    pub no_renames: bool,
}

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
    let result = match cli.command {
        Command::Schema(args) => schema_command(&cli.project, &args, out),
        Command::Drizzle(args) => drizzle_command(&cli.project, &args, out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let _ = writeln!(err, "{failure}");
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

fn schema_command(project: &Path, args: &SchemaArgs, out: &mut dyn Write) -> Result<(), Failure> {
    if args.json_schema {
        return write_out(out, &schema::json_schema());
    }
    let config = Config::load(project)?;
    let dir = config.schemas_dir();
    let options = config.schema_options();
    if let Some(kind) = &args.new {
        return new_schema(&config, kind, out);
    }
    let files = schema::read_dir(&dir)?;
    if let Some(kind) = &args.validate {
        schema::check_kind(&files, &options, kind, &dir)?;
        return write_out(out, &format!("{kind}: valid\n"));
    }
    let set = SchemaSet::from_files(&files, &options)?;
    let kinds: Vec<&str> = set.schemas().iter().map(|s| s.kind.as_str()).collect();
    let text = match kinds.len() {
        0 => format!("no schema files in {}\n", dir.display()),
        1 => format!("1 schema valid: {}\n", kinds[0]),
        n => format!("{n} schemas valid: {}\n", kinds.join(", ")),
    };
    write_out(out, &text)
}

fn new_schema(config: &Config, kind: &str, out: &mut dyn Write) -> Result<(), Failure> {
    let valid_kind = kind.starts_with(|c: char| c.is_ascii_uppercase())
        && kind.chars().all(|c| c.is_ascii_alphanumeric());
    if !valid_kind {
        return Err(Failure::Other(format!(
            "kind {kind:?} must be PascalCase: an upper-case letter, then letters and digits"
        )));
    }
    let table_name = schema::table_name_for(kind);
    if schema::RESERVED_TABLE_NAMES.contains(&table_name.to_ascii_uppercase().as_str()) {
        return Err(Failure::Other(format!(
            "kind {kind} would get the table name {table_name}, a MySQL reserved word; choose another kind name"
        )));
    }
    let dir = config.schemas_dir();
    let path = dir.join(format!("{kind}.toml"));
    if path.exists() {
        return Err(Failure::Other(format!(
            "{} already exists; not overwriting it",
            path.display()
        )));
    }
    let existing = if dir.is_dir() {
        schema::read_dir(&dir)?
    } else {
        Vec::new()
    };
    let (schemas, _) = schema::check(&existing, &config.schema_options());
    if let Some(other) = schemas.iter().find(|s| s.kind == kind) {
        return Err(Failure::Other(format!(
            "kind {kind} is already declared in {}",
            other.origin.file().path().display()
        )));
    }
    let json_schema = dir
        .parent()
        .is_some_and(|parent| parent.join("ving-schema.json").is_file())
        .then_some("../ving-schema.json");
    let text = schema::skeleton(kind, json_schema);
    std::fs::create_dir_all(&dir)
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
        })
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| Failure::Other(format!("{}: cannot write: {e}", path.display())))?;
    write_out(out, &format!("wrote {}\n", path.display()))?;
    let files = schema::read_dir(&dir)?;
    schema::check_kind(&files, &config.schema_options(), kind, &dir)?;
    Ok(())
}

/// Loads and validates the project's schemas (validation runs before any generation).
fn load_schemas(config: &Config) -> Result<SchemaSet, Failure> {
    Ok(SchemaSet::load(
        &config.schemas_dir(),
        &config.schema_options(),
    )?)
}

fn drizzle_command(project: &Path, args: &DrizzleArgs, out: &mut dyn Write) -> Result<(), Failure> {
    if args.force && args.down.is_none() {
        return Err(Failure::Other("--force goes with --down".into()));
    }
    if !args.prepare && (args.name.is_some() || args.custom.is_some() || args.no_renames) {
        return Err(Failure::Other(
            "--name, --custom and --no-renames go with --prepare".into(),
        ));
    }
    let config = Config::load(project)?;
    if args.up || args.status || args.check || args.down.is_some() {
        return database_command(&config, args, out);
    }
    let schemas = load_schemas(&config)?;
    let model = ving::table::TableModel::from_schemas(&schemas);
    if args.prepare {
        let url = config.database_url()?;
        let dialect = ving::sql::dialect(url.backend());
        let folder = ving::migrate::Folder::new(config.migrations_dir());
        let options = ving::migrate::PrepareOptions {
            name: args.custom.clone().or_else(|| args.name.clone()),
            custom: args.custom.is_some(),
            dry_run: args.dry_run,
            accept_drops: args.no_renames,
        };
        let mut renames = ving::migrate::Renames::from_schemas(&schemas);
        let prepared = loop {
            match ving::migrate::prepare(&folder, &model, &renames, dialect, &options) {
                Err(ving::migrate::MigrateError::Diff(
                    ving::migrate::DiffError::AmbiguousRename {
                        message,
                        table,
                        gone,
                        new,
                    },
                )) => {
                    if !std::io::stdin().is_terminal() || options.dry_run {
                        return Err(Failure::Other(message));
                    }
                    ask_renames(&mut renames, table, &gone, &new)?;
                }
                other => break other?,
            }
        };
        let text = match prepared {
            ving::migrate::Prepared::NothingToDo => {
                format!(
                    "nothing to do: the schemas match the newest snapshot in {}\n",
                    folder.dir().display()
                )
            }
            ving::migrate::Prepared::Migration {
                tag,
                statements,
                warnings,
            } => {
                let mut text = String::new();
                for warning in &warnings {
                    text.push_str(&format!("warning: this migration {warning}\n"));
                }
                match tag {
                    Some(tag) => text.push_str(&format!(
                        "wrote {} ({} statements)\n",
                        folder.dir().join(format!("{tag}.sql")).display(),
                        statements.len()
                    )),
                    None => {
                        for statement in &statements {
                            text.push_str(statement);
                            text.push_str(";\n");
                        }
                    }
                }
                text
            }
        };
        return write_out(out, &text);
    }
    if args.tables {
        let source_of = |kind: &str| {
            schemas
                .get(kind)
                .map_or_else(String::new, |s| s.origin.relative_path(config.root()))
        };
        let files = ving::codegen::table_files(&model, source_of)?;
        let dir = config.tables_dir();
        let report = ving::codegen::write_files(&dir, &files)?;
        let mut text = String::new();
        for name in &report.written {
            text.push_str(&format!("wrote {}\n", dir.join(name).display()));
        }
        for name in &report.removed {
            text.push_str(&format!("removed {}\n", dir.join(name).display()));
        }
        text.push_str(&format!(
            "{} table definitions in {}: {} written, {} unchanged, {} removed\n",
            model.tables.len(),
            dir.display(),
            report.written.len(),
            report.unchanged.len(),
            report.removed.len()
        ));
        write_out(out, &text)?;
    }
    Ok(())
}

/// Asks, on a terminal, which of the `new` tables (or columns of `table`) were renamed
/// from which of the `gone` ones, as drizzle-kit does; what is not renamed is created, and
/// what is gone and not renamed is dropped.
fn ask_renames(
    renames: &mut ving::migrate::Renames,
    table: Option<String>,
    gone: &[String],
    new: &[String],
) -> Result<(), Failure> {
    let what = table
        .as_ref()
        .map_or_else(|| "table".to_owned(), |t| format!("column of {t}"));
    let mut left: Vec<&String> = gone.iter().collect();
    for name in new {
        if left.is_empty() {
            break;
        }
        let choices: Vec<&str> = left.iter().map(|s| s.as_str()).collect();
        eprint!(
            "{what} {name} is new. Was it renamed from one of: {}? Type the old name, or press Enter to create it: ",
            choices.join(", ")
        );
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| Failure::Other(format!("cannot read the answer: {e}")))?;
        let answer = answer.trim();
        if answer.is_empty() {
            continue;
        }
        let Some(position) = left.iter().position(|g| g.as_str() == answer) else {
            return Err(Failure::Other(format!(
                "{answer} is not one of {}",
                choices.join(", ")
            )));
        };
        let old = left.remove(position).clone();
        match &table {
            None => renames.tables.insert(name.clone(), old),
            Some(t) => renames.columns.insert((t.clone(), name.clone()), old),
        };
    }
    for dropped in left {
        eprintln!("{what} {dropped} will be dropped");
    }
    renames.accepted.insert(table);
    Ok(())
}

/// `--up` and `--status`: the commands that talk to the database.
fn database_command(
    config: &Config,
    args: &DrizzleArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(format!("cannot start the runtime: {e}")))?;
    let folder = ving::migrate::Folder::new(config.migrations_dir());
    runtime.block_on(async {
        let url = config.database_url()?;
        if args.up && args.dry_run {
            let mut text = String::new();
            for migration in folder.migrations(ving::sql::dialect(url.backend()))? {
                text.push_str(&format!("-- {}\n{}\n", migration.entry.tag, migration.sql));
            }
            return write_out(out, &text);
        }
        let db = ving::db::Db::connect(&url, config.root()).await?;
        let text = if args.check {
            let drift = ving::migrate::check(&db, &url, &folder).await?;
            if drift.is_empty() {
                "no drift: the database has the structure its migrations give\n".to_owned()
            } else {
                db.close().await;
                return Err(Failure::Other(format!(
                    "the database has drifted from its migrations:\n  {}",
                    drift.join("\n  ")
                )));
            }
        } else if let Some(count) = args.down {
            let reverted = ving::migrate::down(&db, &folder, count, args.force).await?;
            let mut text = String::new();
            for migration in &reverted {
                text.push_str(&format!(
                    "reverted {} in {} ms\n",
                    migration.tag, migration.millis
                ));
            }
            if reverted.is_empty() {
                text.push_str("nothing to revert: no migration is applied\n");
            }
            text
        } else if args.up {
            let applied = ving::migrate::up(&db, &folder).await?;
            let mut text = String::new();
            for migration in &applied {
                text.push_str(&format!(
                    "applied {} in {} ms\n",
                    migration.tag, migration.millis
                ));
            }
            if applied.is_empty() {
                text.push_str("nothing to apply: the database is up to date\n");
            }
            text
        } else {
            let status = ving::migrate::status(&db, &folder).await?;
            let mut text = String::new();
            let show = |m: &Option<(String, String)>| {
                m.as_ref().map_or_else(
                    || "none".to_owned(),
                    |(tag, hash)| format!("{tag} ({hash})"),
                )
            };
            if status.uninitialized {
                text.push_str("database not initialized: no migration has been applied\n");
            }
            text.push_str(&format!(
                "last available: {}\n",
                show(&status.last_available)
            ));
            text.push_str(&format!("last applied:   {}\n", show(&status.last_applied)));
            if status.pending.is_empty() {
                text.push_str("pending: none\n");
            } else {
                text.push_str(&format!("pending: {}\n", status.pending.join(", ")));
            }
            for tag in &status.changed {
                text.push_str(&format!(
                    "error: applied migration {tag} has changed since it was applied\n"
                ));
            }
            text
        };
        db.close().await;
        write_out(out, &text)?;
        Ok(())
    })
}

fn write_out(out: &mut dyn Write, text: &str) -> Result<(), Failure> {
    out.write_all(text.as_bytes())
        .map_err(|e| Failure::Other(format!("cannot write the output: {e}")))
}
