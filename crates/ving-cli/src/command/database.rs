//! The commands that talk to the database: `--up`, `--down`, `--status`, `--check`,
//! `--drop`, with their dry runs.

use super::*;

/// `--up`, `--down`, `--status` and `--check`: the commands that talk to the database.
pub(crate) fn database_command(
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
    let url = config.database_url()?;
    let folder = ving::migrate::Folder::new(config.migrations_dir_for(url.backend())?);
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
pub(crate) fn seconds_from_env(name: &str) -> Result<Option<std::time::Duration>, Failure> {
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

pub(crate) async fn database_action(
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
            let mut text = discard_newest(config, &url, &folder, args.dry_run).await?;
            if !args.dry_run {
                // The schemas are read only now: a folder whose schemas do not validate
                // can still lose its newest migration (and gets its compiled-in list at
                // the next `ving drizzle --tables`).
                if let Ok(schemas) = load_schemas(config) {
                    text.push_str(&refresh_embedded(config, &schemas)?);
                }
            }
            return write_out(out, &text);
        }
        if args.dry_run {
            let text = dry_run(config, &url, &folder, args).await?;
            return write_out(out, &text);
        }
        // A SQLite file that is not there is made by --up alone: the other commands read
        // an empty database in memory instead (nothing applied, nothing to revert).
        let missing = url.sqlite_file(config.root()).filter(|f| !f.exists());
        let db = match &missing {
            Some(file) if args.check => {
                return Err(Failure::Other(format!(
                    "no database at {}: nothing is applied, so there is no drift to check; `ving drizzle --up` creates it",
                    file.display()
                )));
            }
            Some(_) if !args.up => {
                let memory = ving::config::DatabaseUrl::parse("sqlite::memory:")
                    .map_err(|e| Failure::Other(e.to_string()))?;
                ving::db::Db::connect(&memory, config.root()).await?
            }
            _ => ving::db::Db::connect(&url, config.root()).await?,
        };
        let text = if args.check {
            let pending = ving::migrate::status(&db, &folder).await?.pending.len();
            let drift = ving::migrate::check(&db, &url, &folder).await?;
            let pending = match pending {
                0 => String::new(),
                1 => "; 1 migration is pending: run `ving drizzle --up`".to_owned(),
                n => format!("; {n} migrations are pending: run `ving drizzle --up`"),
            };
            if drift.is_empty() {
                format!("no drift: the database has the structure its applied migrations give{pending}\n")
            } else {
                db.close().await;
                return Err(Failure::Other(format!(
                    "the database has drifted from its applied migrations{pending}:\n  {}",
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
pub(crate) async fn apply_or_revert(
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
            format!("no whole migration was {verb} by this run")
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
            (true, false) if args.down == Some(0) => "nothing to revert: --down 0 reverts none\n",
            (true, false) => "nothing to revert: no migration is applied\n",
        },
    )
}

/// `--drop`: discards the newest migration after checking, in the configured database,
/// that it is not applied (a SQLite file that does not exist has nothing applied).
pub(crate) async fn discard_newest(
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
                "migration {tag} is partly applied to the database: finish it with --up, then revert it with --down and discard it; nothing removed"
            )));
        }
        if !status.pending.contains(tag) {
            return Err(Failure::Other(format!(
                "migration {tag} is applied to the database: revert it first with --down, then --drop; nothing removed"
            )));
        }
    }
    // `--prepare` wrote the migration in every dialect's folder: it goes from each where
    // it is the newest (their databases are not this one, and not asked). Every folder is
    // read before any file goes, so one that cannot be read leaves them all as they were.
    let mut others = Vec::new();
    for (backend, dir) in config.migration_folders() {
        let other = ving::migrate::Folder::new(dir);
        let other_dialect = ving::sql::dialect(backend);
        if backend == url.backend() || other.dir() == folder.dir() {
            continue;
        }
        let newest = (other.migrations(other_dialect)?.last()).map(|m| m.entry.tag.clone());
        if newest.as_ref() == Some(tag) {
            others.push((backend, other, other_dialect));
        }
    }
    let verb = if dry_run { "would remove" } else { "removed" };
    let mut text = String::new();
    for file in folder.discard_newest(dialect, dry_run)?.files {
        text.push_str(&format!("{verb} {}\n", file.display()));
    }
    for (backend, other, other_dialect) in others {
        for file in other.discard_newest(other_dialect, dry_run)?.files {
            text.push_str(&format!(
                "{verb} {} ({backend}'s folder: its databases are not checked)\n",
                file.display()
            ));
        }
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
pub(crate) async fn dry_run(
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
        if count == 0 {
            text.push_str("nothing to revert: --down 0 reverts none\n");
        } else if reverts.is_empty() {
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
