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

mod console;
mod prompt;

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
    /// Without arguments, writes `<paths.records>/generated/` (byte-stable); `--new KIND`
    /// writes the kind's hand-written `<paths.records>/<kind>.rs`, never overwriting it.
    Record(RecordArgs),
    /// Users: list, search, add and modify them (basic CRUD through the record layer).
    User(UserArgs),
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
    /// With --prepare: write an empty migration named NAME for hand-written SQL.
    #[arg(long = "custom", value_name = "NAME", conflicts_with_all = NOT_PREPARE)]
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
        Command::Drizzle(args) => drizzle_command(&cli.project, &args, out, console),
        Command::Id(args) => id_command(&cli.project, &args, out),
        Command::Record(args) => record_command(&cli.project, &args, out),
        Command::User(args) => user_command(&cli.project, &args, out),
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

fn schema_command(project: &Path, args: &SchemaArgs, out: &mut dyn Write) -> Result<(), Failure> {
    if args.json_schema {
        return write_out(out, &schema::json_schema());
    }
    if let Some(kind) = &args.new {
        // A new kind may start a new project: only the folder must exist.
        existing_folder(project)?;
        return new_schema(&Config::load(project)?, kind, out);
    }
    let config = load_project(project)?;
    let dir = config.schemas_dir();
    let options = config.schema_options();
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

/// `ving id`: as ving's command, `42 becomes vDKaLb1` and `vDKaLb1 back to 42`.
fn id_command(project: &Path, args: &IdArgs, out: &mut dyn Write) -> Result<(), Failure> {
    existing_folder(project)?;
    let key = Config::load(project)?
        .skipjack_key()
        .map_err(|e| Failure::Other(e.to_string()))?;
    let ids = ving::id::IdCodec::new(key);
    let line = match (args.stringify, &args.int) {
        (Some(id), _) => {
            let text = ids
                .stringify(args.kind.as_deref().unwrap_or(""), id)
                .map_err(|e| Failure::Other(e.to_string()))?;
            format!("{id} becomes {text}\n")
        }
        (None, Some(text)) => {
            let id = ids.parse(text).map_err(|e| Failure::Other(e.to_string()))?;
            format!("{text} back to {id}\n")
        }
        (None, None) => return Err(Failure::Other("give -s ID or -i STRING".into())),
    };
    write_out(out, &line)
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
    existing_folder(project)?;
    let config = Config::load(project)?;
    if !project.join("ving.toml").is_file() && !config.schemas_dir().is_dir() {
        return Err(Failure::Other(format!(
            "not a ving project: {} (no ving.toml and no {}); run `ving schema --new <Kind>` there to start one",
            project.display(),
            config.schemas_dir().display()
        )));
    }
    Ok(config)
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
    let has_user = schemas.iter().any(|s| s.kind == "User");
    let text = schema::skeleton(kind, json_schema, has_user);
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

/// The Rust path of the generated table modules: the tables folder under `src/`
/// (`src/drizzle/schema` → `crate::drizzle::schema`).
fn tables_module(config: &Config) -> String {
    let tables = config.tables_dir();
    let relative = tables
        .strip_prefix(config.root().join("src"))
        .map(|p| p.to_path_buf())
        .unwrap_or_else(|_| PathBuf::from("drizzle/schema"));
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    format!("crate::{}", parts.join("::"))
}

fn record_command(project: &Path, args: &RecordArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let config = load_project(project)?;
    let schemas = load_schemas(&config)?;
    if let Some(kind) = &args.new {
        return new_record(&config, &schemas, kind, out);
    }
    let model = ving::table::TableModel::from_schemas(&schemas);
    let source_of = |kind: &str| {
        schemas
            .get(kind)
            .map_or_else(String::new, |s| s.origin.relative_path(config.root()))
    };
    let records = config.records_dir();
    let hand_written = |kind: &str| {
        std::fs::read_to_string(records.join(format!("{}.rs", ving::codegen::snake_case(kind))))
            .ok()
    };
    let files = ving::codegen::record_files(
        &schemas,
        &model,
        &tables_module(&config),
        source_of,
        hand_written,
    )?;
    let dir = config.records_dir().join("generated");
    if args.dry_run {
        let mut text = String::new();
        for file in &files {
            let same =
                std::fs::read_to_string(dir.join(&file.name)).is_ok_and(|old| old == file.contents);
            let verb = if same { "unchanged" } else { "would write" };
            text.push_str(&format!("{verb} {}\n", dir.join(&file.name).display()));
        }
        return write_out(out, &text);
    }
    let report = ving::codegen::write_files(&dir, &files)?;
    let mut text = String::new();
    for name in &report.written {
        text.push_str(&format!("wrote {}\n", dir.join(name).display()));
    }
    for name in &report.removed {
        text.push_str(&format!("removed {}\n", dir.join(name).display()));
    }
    text.push_str(&format!(
        "{} kinds' records in {}: {} written, {} unchanged, {} removed\n",
        schemas.schemas().len(),
        dir.display(),
        report.written.len(),
        report.unchanged.len(),
        report.removed.len()
    ));
    write_out(out, &text)
}

/// `ving record --new Kind`: the kind's hand-written record file, from a template.
fn new_record(
    config: &Config,
    schemas: &SchemaSet,
    kind: &str,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    if schemas.get(kind).is_none() {
        return Err(Failure::Other(format!(
            "no kind {kind} in {}; run `ving schema --new {kind}` first",
            config.schemas_dir().display()
        )));
    }
    let module = ving::codegen::snake_case(kind);
    let dir = config.records_dir();
    let path = dir.join(format!("{module}.rs"));
    if path.exists() {
        return Err(Failure::Other(format!(
            "{} already exists; not overwriting it",
            path.display()
        )));
    }
    let text = ving::codegen::record_skeleton(kind);
    std::fs::create_dir_all(&dir)
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
        })
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| Failure::Other(format!("{}: cannot write: {e}", path.display())))?;
    let declared = std::fs::read_to_string(dir.join("mod.rs"))
        .is_ok_and(|m| m.contains(&format!("mod {module};")));
    let mut text = format!("wrote {}\n", path.display());
    if !declared {
        text.push_str(&format!(
            "add `pub mod {module};` to {}, and register its hooks: kinds.with_hooks(\"{kind}\", {module}::{kind}Hooks)\n",
            dir.join("mod.rs").display()
        ));
    }
    write_out(out, &text)
}

/// ving's user list: username (30 wide), email (60 wide), admin, separated by spaces.
fn user_lines(users: &[ving::record::Record<'_>]) -> String {
    let text = |user: &ving::record::Record<'_>, prop: &str| {
        user.get(prop)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut lines = format!("{:<30} {:<60} Admin\n", "Username", "Email");
    for user in users {
        let admin = user.get("admin").and_then(serde_json::Value::as_bool) == Some(true);
        lines.push_str(&format!(
            "{:<30} {:<60} {admin}\n",
            text(user, "username"),
            text(user, "email")
        ));
    }
    lines
}

/// Hashes `password` as ving's User record does (bcrypt, cost 10) into the user.
fn set_password(user: &mut ving::record::Record<'_>, password: &str) -> Result<(), Failure> {
    let hash = bcrypt::hash(password, 10)
        .map_err(|e| Failure::Other(format!("cannot hash the password: {e}")))?;
    user.set("password", serde_json::Value::from(hash))?;
    user.set("passwordType", serde_json::Value::from("bcrypt"))?;
    Ok(())
}

/// `ving user`, as ving's command, through the record layer. Unlike ving, `--add`
/// without `--password` adds the user without one (ving throws after the insert), an
/// email is validated (442) and a user `--modify` cannot find is a failure.
fn user_command(project: &Path, args: &UserArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let config = load_project(project)?;
    let schemas = load_schemas(&config)?;
    // Id strings are not shown: without a key, any key will do.
    let key = match config.skipjack_key() {
        Ok(key) => key,
        Err(_) => "0,0,0,0,0,0,0,0,0,0"
            .parse()
            .map_err(|e: ving::id::IdError| Failure::Other(e.to_string()))?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let url = config.database_url()?;
        let db = ving::db::Db::connect(&url, config.root()).await?;
        let result = user_action(&schemas, &db, ving::id::IdCodec::new(key), args).await;
        db.close().await;
        write_out(out, &result?)
    })
}

async fn user_action(
    schemas: &SchemaSet,
    db: &ving::db::Db,
    codec: ving::id::IdCodec,
    args: &UserArgs,
) -> Result<String, Failure> {
    use ving::record::{FindOptions, OrderBy};
    let kinds = ving::record::Kinds::new(schemas, db, codec);
    let users = kinds.kind("User")?;
    let by_name = FindOptions {
        order_by: vec![OrderBy::asc("username")],
        ..FindOptions::default()
    };
    let listed = if args.list {
        users.find_many((), &by_name).await?
    } else if args.admins {
        users
            .find_many(users.prop_eq("admin", true)?, &by_name)
            .await?
    } else if let Some(keyword) = &args.search {
        let query = vec![("search".to_owned(), keyword.clone())];
        let mut filter = users.describe_list_where(&query)?;
        if filter.is_none() {
            filter = Some(users.prop_eq("username", keyword.as_str())?);
        }
        users.find_many(filter, &by_name).await?
    } else if let Some(name) = &args.add {
        let mut props = serde_json::Map::new();
        props.insert("username".into(), name.as_str().into());
        props.insert("realName".into(), name.as_str().into());
        let mut user = users.mint(props);
        if let Some(email) = &args.email {
            user.set("email", email.as_str().into())?;
        }
        user.set("admin", args.admin.into())?;
        if let Some(password) = &args.password {
            set_password(&mut user, password)?;
        }
        user.insert().await?;
        vec![user]
    } else if let Some(name) = &args.modify {
        let Some(mut user) = users
            .find_one(users.prop_eq("username", name.as_str())?)
            .await?
        else {
            return Err(Failure::Other(format!("Could not find user: {name}")));
        };
        if let Some(email) = &args.email {
            user.set("email", email.as_str().into())?;
        }
        if let Some(password) = &args.password {
            set_password(&mut user, password)?;
        }
        if args.admin {
            user.set("admin", true.into())?;
        }
        if args.not_admin {
            user.set("admin", false.into())?;
        }
        user.update().await?;
        vec![user]
    } else {
        Vec::new()
    };
    Ok(user_lines(&listed))
}

/// Loads and validates the project's schemas (validation runs before any generation).
fn load_schemas(config: &Config) -> Result<SchemaSet, Failure> {
    Ok(SchemaSet::load(
        &config.schemas_dir(),
        &config.schema_options(),
    )?)
}

fn drizzle_command(
    project: &Path,
    args: &DrizzleArgs,
    out: &mut dyn Write,
    console: Console,
) -> Result<(), Failure> {
    let config = load_project(project)?;
    if args.up || args.status || args.check || args.drop || args.down.is_some() {
        return database_command(&config, args, out, console);
    }
    let mut schemas = load_schemas(&config)?;
    let mut model = ving::table::TableModel::from_schemas(&schemas);
    if args.prepare {
        for (flag, value) in [("--custom", &args.custom), ("--name", &args.name)] {
            if value.as_ref().is_some_and(|v| v.trim().is_empty()) {
                return Err(Failure::Other(format!(
                    "{flag} needs a name for the migration, such as {flag} fix_data; it was empty"
                )));
            }
        }
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
        for fill in &args.fill {
            let (target, value) = fill
                .split_once('=')
                .and_then(|(target, value)| Some((target.split_once('.')?, value)))
                .ok_or_else(|| {
                    Failure::Other(format!(
                        "--fill {fill:?}: expected TABLE.COLUMN=VALUE, such as --fill widgets.notes=none"
                    ))
                })?;
            renames
                .fills
                .insert((target.0.to_owned(), target.1.to_owned()), value.to_owned());
        }
        // Plan first (asking what must be asked), check, then write.
        let planning = ving::migrate::PrepareOptions {
            dry_run: true,
            ..options.clone()
        };
        let planned = loop {
            match ving::migrate::prepare(&folder, &model, &renames, dialect, &planning) {
                Err(ving::migrate::MigrateError::Diff(
                    ving::migrate::DiffError::AmbiguousRename {
                        message,
                        table,
                        gone,
                        new,
                    },
                )) => {
                    if !std::io::stdin().is_terminal() {
                        return Err(Failure::Other(message));
                    }
                    ask_renames(
                        &mut renames,
                        table,
                        (&gone, &new),
                        &mut std::io::stdin().lock(),
                        &mut std::io::stderr(),
                    )?;
                }
                Err(ving::migrate::MigrateError::Diff(ving::migrate::DiffError::NeedsFill {
                    message,
                    table,
                    column,
                })) => {
                    if !std::io::stdin().is_terminal() {
                        return Err(Failure::Other(message));
                    }
                    // A prop whose column is nullable when optional (a relation, a uuid)
                    // can be made optional instead, in its schema file (not in a dry run).
                    let optional = schemas
                        .schemas()
                        .iter()
                        .find(|s| s.table_name == table)
                        .and_then(|s| s.column_prop(&column))
                        .filter(|p| {
                            !args.dry_run
                                && p.origin.attribute_span("required").is_some()
                                && matches!(
                                    p.db,
                                    Some(schema::DbHelper::Relation | schema::DbHelper::Uuid)
                                )
                        });
                    let answer = ask_fill(
                        (&table, &column),
                        &message,
                        optional.map(|p| p.origin.file().path()),
                        &mut std::io::stdin().lock(),
                        &mut std::io::stderr(),
                    )?;
                    match (answer, optional) {
                        (FillAnswer::Value(value), _) => {
                            renames.fills.insert((table, column), value);
                        }
                        (FillAnswer::Optional, Some(prop)) => {
                            make_optional(prop)?;
                            schemas = load_schemas(&config)?;
                            model = ving::table::TableModel::from_schemas(&schemas);
                        }
                        (FillAnswer::Optional, None) => {}
                    }
                }
                Err(ving::migrate::MigrateError::Diff(
                    error @ ving::migrate::DiffError::BadFill { .. },
                )) if std::io::stdin().is_terminal() => {
                    // An answer that does not suit the column: say so and ask again.
                    let _ = writeln!(std::io::stderr(), "{error}");
                    if let ving::migrate::DiffError::BadFill { table, column, .. } = error {
                        renames.fills.remove(&(table, column));
                    }
                }
                other => break other?,
            }
        };
        let mut text = String::new();
        if let ving::migrate::Prepared::Migration {
            removed_enum_values,
            ..
        } = &planned
        {
            if !removed_enum_values.is_empty() {
                text.push_str(&check_removed_enum_values(
                    &config,
                    &url,
                    removed_enum_values,
                )?);
            }
        }
        let prepared = if args.dry_run {
            planned
        } else {
            ving::migrate::prepare(&folder, &model, &renames, dialect, &options)?
        };
        text.push_str(&match prepared {
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
                ..
            } => {
                let mut text = String::new();
                for warning in &warnings {
                    text.push_str(&format!("warning: this migration {warning}\n"));
                }
                match tag {
                    Some(tag) => text.push_str(&format!(
                        "wrote {} ({} statement{})\n",
                        folder.dir().join(format!("{tag}.sql")).display(),
                        statements.len(),
                        if statements.len() == 1 { "" } else { "s" }
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
        });
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
        if args.dry_run {
            return write_out(out, &tables_dry_run(&dir, &files, model.tables.len()));
        }
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

/// What `--tables` would write and remove in `dir`, as `write_files` decides it.
fn tables_dry_run(dir: &Path, files: &[ving::codegen::GeneratedFile], tables: usize) -> String {
    let mut text = String::new();
    let names: std::collections::BTreeSet<&str> = files.iter().map(|f| f.name.as_str()).collect();
    let mut removed = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let generated = name.ends_with(".rs")
            && std::fs::read_to_string(&path)
                .is_ok_and(|t| t.starts_with(ving::codegen::GENERATED_HEADER));
        if generated && !names.contains(name.as_str()) {
            text.push_str(&format!("would remove {}\n", path.display()));
            removed += 1;
        }
    }
    let mut written = 0;
    for file in files {
        let path = dir.join(&file.name);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == file.contents) {
            continue;
        }
        text.push_str(&format!("would write {}\n", path.display()));
        written += 1;
    }
    text.push_str(&format!(
        "dry run: {tables} table definitions in {}: {written} to write, {} unchanged, {removed} to remove; nothing written\n",
        dir.display(),
        files.len() - written,
    ));
    text
}

/// Before a migration that removes enum values is written: counts the rows of the
/// configured database holding them (when there is one to reach; a SQLite file that does
/// not exist is not created). Off a terminal, rows holding a removed value stop
/// `--prepare`; on one, it asks. Returns a note for the output.
fn check_removed_enum_values(
    config: &Config,
    url: &ving::config::DatabaseUrl,
    removed: &[ving::migrate::RemovedEnumValues],
) -> Result<String, Failure> {
    if url.sqlite_file(config.root()).is_some_and(|f| !f.exists()) {
        return Ok(String::new());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(format!("cannot start the runtime: {e}")))?;
    let found = runtime.block_on(async {
        let db = ving::db::Db::connect(url, config.root()).await?;
        let found = ving::migrate::rows_holding(&db, removed).await;
        db.close().await;
        Ok::<_, ving::db::DbError>(found)
    });
    let found = match found {
        Ok(found) => found,
        Err(e) => {
            return Ok(format!(
                "note: could not count the rows holding removed enum values: {e}
"
            ))
        }
    };
    if found.is_empty() {
        return Ok(String::new());
    }
    let lines: Vec<String> = found
        .iter()
        .map(|f| {
            format!(
                "{} row{} of {} hold{} {} = {:?}",
                f.rows,
                if f.rows == 1 { "" } else { "s" },
                f.table,
                if f.rows == 1 { "s" } else { "" },
                f.column,
                f.value
            )
        })
        .collect();
    let problem = format!(
        "this migration removes enum values that rows of the database still hold: {}",
        lines.join("; ")
    );
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Other(format!(
            "{problem}; stopped before writing. Change those rows first (or keep the values), then run again"
        )));
    }
    ask_write_anyway(
        &problem,
        &mut std::io::stdin().lock(),
        &mut std::io::stderr(),
    )
    .map(|()| String::new())
}

/// `--up`, `--down`, `--status` and `--check`: the commands that talk to the database.
fn database_command(
    config: &Config,
    args: &DrizzleArgs,
    out: &mut dyn Write,
    console: Console,
) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(format!("cannot start the runtime: {e}")))?;
    let folder = ving::migrate::Folder::new(config.migrations_dir());
    let url = config.database_url()?;
    runtime
        .block_on(database_action(config, &url, &folder, args, out, console))
        .map_err(|failure| match failure {
            Failure::Migrate(ving::migrate::MigrateError::ReadOnly { reason }) => {
                Failure::Other(format!(
                    "read-only standby: run this against the primary: {url} {reason}; nothing was written"
                ))
            }
            other => other,
        })
}

/// The seconds in the environment variable `name`, if set.
fn seconds_from_env(name: &str) -> Result<Option<std::time::Duration>, Failure> {
    match std::env::var(name) {
        Ok(text) if !text.trim().is_empty() => text
            .trim()
            .parse::<u64>()
            .map(|s| Some(std::time::Duration::from_secs(s)))
            .map_err(|_| {
                Failure::Other(format!(
                    "{name}={text:?}: expected a number of seconds, such as {name}=60"
                ))
            }),
        _ => Ok(None),
    }
}

async fn database_action(
    config: &Config,
    url: &ving::config::DatabaseUrl,
    folder: &ving::migrate::Folder,
    args: &DrizzleArgs,
    out: &mut dyn Write,
    console: Console,
) -> Result<(), Failure> {
    let (url, folder) = (url.clone(), folder.clone());
    {
        if args.drop {
            let text = discard_newest(config, &url, &folder, args.dry_run).await?;
            return write_out(out, &text);
        }
        if args.dry_run {
            let text = dry_run(config, &url, &folder, args).await?;
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
        } else if args.up || args.down.is_some() {
            let progress = console.progress.then(|| {
                Progress::start(
                    Box::new(std::io::stdout()),
                    if args.up { "applying" } else { "reverting" },
                )
            });
            let result = apply_or_revert(&db, &folder, args, out, progress.as_ref()).await;
            drop(progress);
            db.close().await;
            return result;
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
            for partial in &status.partial {
                text.push_str(&format!(
                    "stopped part-way: {} ({} of {} statements applied); --up continues from statement {}\n",
                    partial.tag,
                    partial.done,
                    partial.total,
                    partial.done + 1
                ));
            }
            for tag in &status.changed {
                text.push_str(&format!(
                    "changed: applied migration {tag} has changed since it was applied\n"
                ));
            }
            if status.needs_attention() {
                db.close().await;
                write_out(out, &text)?;
                let mut problems = Vec::new();
                if !status.changed.is_empty() {
                    problems.push(format!(
                        "applied migrations changed since they were applied: {} (restore them; write a new migration instead)",
                        status.changed.join(", ")
                    ));
                }
                if !status.partial.is_empty() {
                    let tags: Vec<&str> = status.partial.iter().map(|p| p.tag.as_str()).collect();
                    problems.push(format!(
                        "migrations stopped part-way: {} (fix the failing statement, then run --up)",
                        tags.join(", ")
                    ));
                }
                return Err(Failure::Other(problems.join("; ")));
            }
            text
        };
        db.close().await;
        write_out(out, &text)?;
        Ok(())
    }
}

/// `--up` or `--down`: a line per migration as it is recorded (flushed then), and on
/// failure what this run completed.
async fn apply_or_revert(
    db: &ving::db::Db,
    folder: &ving::migrate::Folder,
    args: &DrizzleArgs,
    out: &mut dyn Write,
    progress: Option<&Progress>,
) -> Result<(), Failure> {
    let verb = if args.up { "applied" } else { "reverted" };
    let mut completed = Vec::new();
    let mut write_error = None;
    let mut on_start = |tag: &str| {
        if let Some(progress) = progress {
            progress.begin(tag);
        }
    };
    let mut on_done = |done: &ving::migrate::Applied| {
        if let Some(progress) = progress {
            progress.end();
        }
        let line = format!("{verb} {} in {} ms\n", done.tag, done.millis);
        if let Err(e) = out.write_all(line.as_bytes()).and_then(|()| out.flush()) {
            write_error.get_or_insert(e);
        }
        completed.push(done.tag.clone());
    };
    // Said on stderr: stdout keeps one line per migration.
    let mut on_wait = |note: &str| {
        if let Some(progress) = progress {
            progress.end();
        }
        let mut err = std::io::stderr();
        let _ = writeln!(err, "{note}");
        let _ = err.flush();
    };
    let timeout = seconds_from_env("VING_MIGRATION_LOCK_TIMEOUT")?;
    let expiry = seconds_from_env("VING_MIGRATION_LOCK_EXPIRY")?;
    let mut options = ving::migrate::RunOptions::new(&mut on_done);
    options.on_start = Some(&mut on_start);
    options.on_wait = Some(&mut on_wait);
    if let Some(timeout) = timeout {
        options.lock_timeout = timeout;
    }
    if let Some(expiry) = expiry {
        options.lock_expiry = expiry.max(std::time::Duration::from_secs(1));
    }
    let result = match args.down {
        Some(count) => ving::migrate::down_with(db, folder, count, args.force, &mut options).await,
        None => ving::migrate::up_with(db, folder, &mut options).await,
    };
    if let Err(e) = result {
        if matches!(e, ving::migrate::MigrateError::ReadOnly { .. }) {
            return Err(e.into());
        }
        let done = if completed.is_empty() {
            format!("nothing was {verb} by this run")
        } else {
            format!(
                "{verb} by this run before the failure: {}",
                completed.join(", ")
            )
        };
        return Err(Failure::Other(format!("{e}\n  {done}")));
    }
    if let Some(e) = write_error {
        return Err(Failure::Other(format!("cannot write the output: {e}")));
    }
    write_out(
        out,
        match (completed.is_empty(), args.up) {
            (false, _) => "",
            (true, true) => "nothing to apply: the database is up to date\n",
            (true, false) => "nothing to revert: no migration is applied\n",
        },
    )
}

/// `--drop`: discards the newest migration after checking, in the configured database,
/// that it is not applied (a SQLite file that does not exist has nothing applied).
async fn discard_newest(
    config: &Config,
    url: &ving::config::DatabaseUrl,
    folder: &ving::migrate::Folder,
    dry_run: bool,
) -> Result<String, Failure> {
    let dialect = ving::sql::dialect(url.backend());
    let migrations = folder.migrations(dialect)?;
    let Some(newest) = migrations.last() else {
        return Err(Failure::Other(format!(
            "no migration to discard in {}",
            folder.dir().display()
        )));
    };
    let tag = &newest.entry.tag;
    if url.sqlite_file(config.root()).is_none_or(|f| f.exists()) {
        let db = ving::db::Db::connect(url, config.root())
            .await
            .map_err(|e| {
                Failure::Other(format!(
                    "cannot tell whether {tag} is applied, so it is kept: {e}"
                ))
            })?;
        let status = ving::migrate::status(&db, folder).await;
        db.close().await;
        let status = status?;
        if status.partial.iter().any(|p| &p.tag == tag) {
            return Err(Failure::Other(format!(
                "migration {tag} is partly applied to the database: finish it with --up (or revert it), then discard it; nothing removed"
            )));
        }
        if !status.pending.contains(tag) {
            return Err(Failure::Other(format!(
                "migration {tag} is applied to the database: revert it first with --down, then --drop; nothing removed"
            )));
        }
    }
    let discarded = folder.discard_newest(dialect, dry_run)?;
    let verb = if dry_run { "would remove" } else { "removed" };
    let mut text = String::new();
    for file in &discarded.files {
        text.push_str(&format!(
            "{verb} {}
",
            file.display()
        ));
    }
    let newest_left = migrations
        .len()
        .checked_sub(2)
        .map_or("none", |i| migrations[i].entry.tag.as_str());
    text.push_str(&if dry_run {
        format!(
            "dry run: would discard {tag} and its journal entry; nothing was written
"
        )
    } else {
        format!(
            "discarded {tag}: the journal now ends at {newest_left}
"
        )
    });
    Ok(text)
}

/// `--up --dry-run` and `--down --dry-run`: what would be applied or reverted, found
/// by reading the database; nothing is written (a SQLite file that does not exist yet is
/// not created: nothing is applied there).
async fn dry_run(
    config: &Config,
    url: &ving::config::DatabaseUrl,
    folder: &ving::migrate::Folder,
    args: &DrizzleArgs,
) -> Result<String, Failure> {
    let missing_file = url.sqlite_file(config.root()).is_some_and(|f| !f.exists());
    let db = if missing_file {
        None
    } else {
        Some(ving::db::Db::connect(url, config.root()).await?)
    };
    let mut text = String::new();
    if let Some(count) = args.down {
        let reverts = match &db {
            Some(db) => ving::migrate::down_preview(db, folder, count).await,
            None => Ok(Vec::new()),
        };
        if let Some(db) = &db {
            db.close().await;
        }
        let reverts = reverts?;
        if reverts.is_empty() {
            text.push_str("nothing to revert: no migration is applied\n");
        }
        if !args.force {
            ving::migrate::refuse_destructive(&reverts)?;
        }
        for revert in &reverts {
            text.push_str(&format!(
                "-- would revert {} with {}\n",
                revert.tag,
                revert.path.display()
            ));
            for statement in revert.statements() {
                text.push_str(statement.trim_end_matches(';'));
                text.push_str(";\n");
            }
        }
    } else {
        let dialect = ving::sql::dialect(url.backend());
        let migrations = folder.migrations(dialect)?;
        let pending: Vec<String> = match &db {
            Some(db) => {
                let status = ving::migrate::status(db, folder).await;
                db.close().await;
                status?.pending
            }
            None => migrations.iter().map(|m| m.entry.tag.clone()).collect(),
        };
        if pending.is_empty() {
            text.push_str("nothing to apply: the database is up to date\n");
        }
        for migration in migrations.iter().filter(|m| pending.contains(&m.entry.tag)) {
            text.push_str(&format!("-- would apply {}\n", migration.entry.tag));
            for statement in migration.statements() {
                text.push_str(statement.trim_end_matches(';'));
                text.push_str(";\n");
            }
        }
    }
    text.push_str("-- dry run: nothing was written\n");
    Ok(text)
}

fn write_out(out: &mut dyn Write, text: &str) -> Result<(), Failure> {
    out.write_all(text.as_bytes())
        .map_err(|e| Failure::Other(format!("cannot write the output: {e}")))
}
