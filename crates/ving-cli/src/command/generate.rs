//! `ving generate`: everything the schemas make, in one command — validation, the table
//! definitions, the records and the next migration — and `--check`, which writes
//! nothing and fails naming whatever is stale (for CI and pre-commit hooks).

use super::*;

/// `ving generate [--check]`.
pub(crate) fn generate_command(
    project: &Path,
    database_url: Option<&str>,
    args: &GenerateArgs,
    out: &mut dyn Write,
    console: Console,
) -> Result<(), Failure> {
    if args.check {
        return check_generated(project, database_url, out);
    }
    let drizzle = |tables: bool| DrizzleArgs {
        tables,
        prepare: !tables,
        up: false,
        status: false,
        check: false,
        down: None,
        drop: false,
        force: false,
        name: args.name.clone().filter(|_| !tables),
        custom: None,
        dry_run: false,
        no_renames: args.no_renames && !tables,
        fill: if tables {
            Vec::new()
        } else {
            args.fill.clone()
        },
    };
    // The code is made (not written) first, then the migration is prepared, then the
    // code written: a schema the code or the migration cannot take (a Rust name clash, a
    // rename without its hint) leaves every file as it was.
    let config = load_project_with(project, database_url)?;
    let schemas = load_schemas(&config)?;
    let model = ving::table::TableModel::from_schemas(&schemas);
    generated_tables(&config, &schemas, &model)?;
    generated_records(&config, &schemas)?;
    drizzle_command(project, database_url, &drizzle(false), out, console)?;
    drizzle_command(project, database_url, &drizzle(true), out, console)?;
    record_command(
        project,
        &RecordArgs {
            new: None,
            rest: None,
            dry_run: false,
        },
        out,
    )
}

/// What `ving generate` would change, as one failure naming each stale file and a due
/// migration; nothing when everything is up to date. Writes nothing.
fn check_generated(
    project: &Path,
    database_url: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let config = load_project_with(project, database_url)?;
    let schemas = load_schemas(&config)?;
    let model = ving::table::TableModel::from_schemas(&schemas);
    let mut stale = Vec::new();
    let (tables_dir, tables) = generated_tables(&config, &schemas, &model)?;
    stale.extend(stale_files(&tables_dir, &tables));
    let (records_dir, records) = generated_records(&config, &schemas)?;
    stale.extend(stale_files(&records_dir, &records));
    if let (path, RecordsModule::Write(_)) = records_module(&config, &schemas) {
        stale.push(if path.exists() {
            format!(
                "{}: its `ving record` lines differ from what the schemas make",
                path.display()
            )
        } else {
            format!("{} is missing", path.display())
        });
    }
    let url = config.database_url()?;
    let mut folders = config.migration_folders();
    if folders.is_empty() {
        folders.push((url.backend(), config.migrations_dir()));
    }
    let options = ving::migrate::PrepareOptions {
        dry_run: true,
        accept_drops: true,
        ..ving::migrate::PrepareOptions::default()
    };
    let mut renames = ving::migrate::Renames::from_schemas(&schemas);
    renames.allow_unfilled = true;
    for (backend, dir) in folders {
        let folder = ving::migrate::Folder::new(dir);
        let dialect = ving::sql::dialect(backend);
        match ving::migrate::prepare(&folder, &model, &renames, dialect, &options)? {
            ving::migrate::Prepared::NothingToDo => {}
            ving::migrate::Prepared::Migration { statements, .. } => stale.push(format!(
                "a migration is due in {}: the schemas differ from its newest snapshot ({} statement{})",
                folder.dir().display(),
                statements.len(),
                if statements.len() == 1 { "" } else { "s" }
            )),
        }
    }
    if stale.is_empty() {
        return write_out(
            out,
            "up to date: the tables, the records and the migrations are what the schemas make\n",
        );
    }
    Err(Failure::Other(format!(
        "generated code is stale; run `ving generate`:\n  {}",
        stale.join("\n  ")
    )))
}

/// What `ving generate` would write or remove in `dir` ([`ving::codegen::plan_files`]),
/// each as a line.
fn stale_files(dir: &Path, files: &[ving::codegen::GeneratedFile]) -> Vec<String> {
    let plan = ving::codegen::plan_files(dir, files);
    let written = plan.written.iter().map(|name| {
        let path = dir.join(name);
        if path.exists() {
            format!("{} differs from what the schemas make", path.display())
        } else {
            format!("{} is missing", path.display())
        }
    });
    let removed = plan
        .removed
        .iter()
        .map(|name| format!("{} is of a kind that is gone", dir.join(name).display()));
    written.chain(removed).collect()
}
