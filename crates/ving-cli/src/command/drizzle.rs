//! `ving drizzle`: write the table modules (`--tables`), prepare a migration (`--prepare`),
//! and hand the commands that talk to the database to [`database_command`].

use super::*;
use ving::schema;

/// `wrote FILE`, or in a dry run (which prints SQL) the comment `-- would write FILE`: the
/// file named as it will be, or by its number when the name is made when written.
fn written_or_not(file: &Path, args: &DrizzleArgs) -> String {
    if !args.dry_run {
        return format!("wrote {}", file.display());
    }
    if args.name.is_some() || args.custom.is_some() {
        return format!("-- would write {}; nothing written", file.display());
    }
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let number = name.split_once('_').map_or(name.as_ref(), |(n, _)| n);
    let dir = file.parent().unwrap_or(file);
    format!(
        "-- would write {}/{number}_<a name made when written>.sql; nothing written",
        dir.display()
    )
}

/// What a prepared migration holds: `1 statement`, `2 statements`, or that it is a custom
/// migration.
fn what_it_holds(statements: &[String], args: &DrizzleArgs) -> String {
    if args.custom.is_some() {
        return "a custom migration, for SQL written by hand".into();
    }
    let n = statements.len();
    format!("{n} statement{}", if n == 1 { "" } else { "s" })
}

pub(crate) fn drizzle_command(
    project: &Path,
    database_url: Option<&str>,
    args: &DrizzleArgs,
    out: &mut dyn Write,
    console: Console,
) -> Result<(), Failure> {
    let config = load_project_with(project, database_url)?;
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
        let folder = ving::migrate::Folder::new(config.migrations_dir_for(url.backend())?);
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
        for (table, column) in renames.fills.keys() {
            let problem = match model.table(table) {
                None => {
                    let tables: Vec<&str> = model.tables.iter().map(|t| t.name.as_str()).collect();
                    format!(
                        "there is no table {table} (the tables: {})",
                        tables.join(", ")
                    )
                }
                Some(t) if t.column(column).is_none() => {
                    let columns: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                    format!(
                        "table {table} has no column {column} (its columns: {})",
                        columns.join(", ")
                    )
                }
                Some(_) => continue,
            };
            return Err(Failure::Other(format!(
                "--fill {table}.{column}=…: {problem}"
            )));
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
                Err(ving::migrate::MigrateError::Diff(
                    error @ ving::migrate::DiffError::NeedsFill { .. },
                )) => {
                    let message = error.to_string();
                    let ving::migrate::DiffError::NeedsFill {
                        reason,
                        table,
                        column,
                        ..
                    } = error
                    else {
                        unreachable!("matched as NeedsFill above")
                    };
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
                        (&reason, &message),
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
        // Every other dialect's folder is planned too before anything is written: one
        // that cannot take the migration leaves every folder as it was.
        if !args.dry_run {
            for (backend, dir) in config.migration_folders() {
                if backend != url.backend() {
                    let other = ving::migrate::Folder::new(dir);
                    let dialect = ving::sql::dialect(backend);
                    ving::migrate::prepare(&other, &model, &renames, dialect, &planning)?;
                }
            }
        }
        let prepared = if args.dry_run {
            planned
        } else {
            ving::migrate::prepare(&folder, &model, &renames, dialect, &options)?
        };
        // The other dialects' folders get the same migration, under the same name.
        let name = match &prepared {
            ving::migrate::Prepared::Migration { tag, .. } if !args.dry_run => {
                tag.split_once('_').map(|(_, name)| name.to_owned())
            }
            _ => None,
        };
        let mut others = String::new();
        for (backend, dir) in config.migration_folders() {
            if backend == url.backend() {
                continue;
            }
            let other = ving::migrate::Folder::new(dir);
            let options = ving::migrate::PrepareOptions {
                name: name.clone().or_else(|| options.name.clone()),
                ..options.clone()
            };
            let done = ving::migrate::prepare(
                &other,
                &model,
                &renames,
                ving::sql::dialect(backend),
                &options,
            )?;
            if let ving::migrate::Prepared::Migration {
                tag, statements, ..
            } = done
            {
                others.push_str(&format!(
                    "{} ({}, {backend})\n",
                    written_or_not(&other.dir().join(format!("{tag}.sql")), args),
                    what_it_holds(&statements, args),
                ));
            }
        }
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
                text.push_str(&format!(
                    "{} ({})\n",
                    written_or_not(&folder.dir().join(format!("{tag}.sql")), args),
                    what_it_holds(&statements, args)
                ));
                if args.dry_run {
                    for statement in &statements {
                        text.push_str(statement);
                        text.push_str(";\n");
                    }
                }
                text
            }
        });
        text.push_str(&others);
        if !args.dry_run {
            text.push_str(&refresh_embedded(&config, &schemas)?);
        }
        return write_out(out, &text);
    }
    if args.tables {
        let (dir, files) = generated_tables(&config, &schemas, &model)?;
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
pub(crate) fn tables_dry_run(
    dir: &Path,
    files: &[ving::codegen::GeneratedFile],
    tables: usize,
) -> String {
    let plan = ving::codegen::plan_files(dir, files);
    let mut text = String::new();
    for name in &plan.removed {
        text.push_str(&format!("would remove {}\n", dir.join(name).display()));
    }
    for name in &plan.written {
        text.push_str(&format!("would write {}\n", dir.join(name).display()));
    }
    text.push_str(&format!(
        "dry run: {tables} table definitions in {}: {} to write, {} unchanged, {} to remove; nothing written\n",
        dir.display(),
        plan.written.len(),
        plan.unchanged.len(),
        plan.removed.len(),
    ));
    text
}

/// The generated table files of `schemas` and the folder they belong in.
pub(crate) fn generated_tables(
    config: &Config,
    schemas: &SchemaSet,
    model: &ving::table::TableModel,
) -> Result<(PathBuf, Vec<ving::codegen::GeneratedFile>), Failure> {
    Ok((
        config.tables_dir(),
        ving::codegen::project_table_files(config, schemas, model)?,
    ))
}

/// After a migration was written or discarded: writes the tables folder's
/// `ving_embedded.rs` again (and only it) when the folder has been generated, so the app
/// compiles in the migrations folder as it now is. Says what it wrote.
pub(crate) fn refresh_embedded(config: &Config, schemas: &SchemaSet) -> Result<String, Failure> {
    let dir = config.tables_dir();
    if !dir.join("mod.rs").exists() {
        return Ok(String::new());
    }
    let file = ving::codegen::project_embedded_file(config, schemas)?;
    let path = dir.join(&file.name);
    if std::fs::read_to_string(&path).is_ok_and(|text| text == file.contents) {
        return Ok(String::new());
    }
    ving::files::write_whole(&path, &file.contents)
        .map_err(|e| Failure::Other(format!("{}: cannot write: {e}", path.display())))?;
    Ok(format!("wrote {}\n", path.display()))
}

/// Before a migration that removes enum values is written: counts the rows of the
/// configured database holding them (when there is one to reach; a SQLite file that does
/// not exist is not created). Off a terminal, rows holding a removed value stop
/// `--prepare`; on one, it asks. Returns a note for the output.
pub(crate) fn check_removed_enum_values(
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
