//! Reverting migrations (`down`): the down files beside the applied migrations, run newest
//! first, refused when destructive unless forced.

use super::*;

/// One applied migration to revert, with its down file (`<tag>.down.sql`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revert {
    /// The migration's tag.
    pub tag: String,
    /// The migration's journal `when` (its `created_at` in `__drizzle_migrations`).
    pub when: i64,
    /// The down file.
    pub path: PathBuf,
    /// The down file's text.
    pub sql: String,
    /// What reverting it cannot keep (its `-- destructive:` lines, without the marker).
    pub destructive: Vec<String>,
}

impl Revert {
    /// The statements to run, without empty and comment-only ones.
    pub fn statements(&self) -> Vec<&str> {
        self.sql
            .split(BREAKPOINT)
            .map(str::trim)
            .filter(|s| s.lines().any(|l| !l.trim_start().starts_with("--")))
            .collect()
    }
}

/// The newest `count` migrations of `migrations` recorded in `applied`, newest first,
/// each with its down file.
pub(super) fn reverts(
    folder: &Folder,
    migrations: &[Migration],
    applied: &BTreeMap<i64, String>,
    count: usize,
) -> Result<Vec<Revert>, MigrateError> {
    migrations
        .iter()
        .rev()
        .filter(|m| applied.contains_key(&m.entry.when))
        .take(count)
        .map(|migration| {
            let tag = migration.entry.tag.clone();
            let path = folder.dir().join(format!("{tag}.down.sql"));
            let sql = match std::fs::read_to_string(&path) {
                Ok(sql) => sql,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(MigrateError::NoDownFile { tag, path })
                }
                Err(e) => return Err(file_error(&path, e)),
            };
            let destructive = sql
                .lines()
                .filter_map(|l| l.strip_prefix(DESTRUCTIVE))
                .map(|l| l.trim().to_owned())
                .collect();
            Ok(Revert {
                tag,
                when: migration.entry.when,
                path,
                sql,
                destructive,
            })
        })
        .collect()
}

/// Refuses a list of reverts when any of them cannot keep all data, naming the first
/// such one (newest first) and what it would lose.
pub fn refuse_destructive(reverts: &[Revert]) -> Result<(), MigrateError> {
    let Some(revert) = reverts.iter().find(|r| !r.destructive.is_empty()) else {
        return Ok(());
    };
    let before = reverts
        .iter()
        .take_while(|r| r.tag != revert.tag)
        .map(|r| r.tag.as_str())
        .collect::<Vec<_>>();
    Err(file_error(
        &revert.path,
        format!(
            "reverting {} cannot keep all data ({}); nothing was reverted; run with --force to revert anyway{}",
            revert.tag,
            revert.destructive.join("; "),
            if before.is_empty() {
                String::new()
            } else {
                format!(
                    ", or --down {} to revert only {}",
                    before.len(),
                    before.join(", ")
                )
            }
        ),
    ))
}

/// What [`down`] would revert, newest first, read without taking the lock and without
/// writing anything (`--down --dry-run`). A database never migrated reverts nothing.
pub async fn down_preview(
    db: &Db,
    folder: &Folder,
    count: usize,
) -> Result<Vec<Revert>, MigrateError> {
    let migrations = folder.migrations(db.dialect())?;
    let mut conn = Conn::acquire(db).await?;
    let applied = match conn.applied(migrations_table(db.backend())).await {
        Ok(applied) => applied,
        Err(sqlx::Error::Database(_)) => BTreeMap::new(),
        Err(e) => return Err(e.into()),
    };
    reverts(folder, &migrations, &applied, count)
}

/// Reverts the newest `count` applied migrations, newest first, with the `<tag>.down.sql`
/// beside each, under the same lock as [`up`]. A down migration marked destructive (it
/// drops what the migration added, with its data) runs only when `force` is set.
pub async fn down(
    db: &Db,
    folder: &Folder,
    count: usize,
    force: bool,
) -> Result<Vec<Applied>, MigrateError> {
    down_with(db, folder, count, force, &mut RunOptions::new(&mut |_| {})).await
}

/// [`down`], telling `options.on_done` about each migration as it is reverted.
pub async fn down_with(
    db: &Db,
    folder: &Folder,
    count: usize,
    force: bool,
    options: &mut RunOptions<'_>,
) -> Result<Vec<Applied>, MigrateError> {
    let migrations = folder.migrations(db.dialect())?;
    let backend = db.backend();
    let table = migrations_table(backend);
    let migrations = &migrations;
    locked_run(
        db,
        options,
        // Nothing applied: nothing to revert, nothing written.
        async |conn| {
            let applied = conn.applied_if_any(table).await?.unwrap_or_default();
            let any = migrations
                .iter()
                .any(|m| applied.contains_key(&m.entry.when));
            Ok((!any).then(Vec::new))
        },
        async |conn, cluster, options| {
            down_locked(
                conn,
                backend,
                table,
                folder,
                migrations,
                (count, force),
                cluster,
                options,
            )
            .await
        },
    )
    .await
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn down_locked(
    conn: &mut Conn,
    backend: Backend,
    table: &str,
    folder: &Folder,
    migrations: &[Migration],
    (count, force): (usize, bool),
    cluster: Option<&galera::ClusterLock>,
    options: &mut RunOptions<'_>,
) -> Result<Vec<Applied>, MigrateError> {
    let applied = conn.applied(table).await?;
    // A migration stopped part-way (MySQL's progress rows) is finished before anything
    // under it is reverted.
    for migration in migrations
        .iter()
        .filter(|m| !applied.contains_key(&m.entry.when))
    {
        match conn.progress(migration.entry.when).await {
            Ok(Some((done, _, _))) if done > 0 => {
                return Err(MigrateError::StoppedPartWay {
                    tag: migration.entry.tag.clone(),
                    applied: done,
                });
            }
            Ok(_) => {}
            // No progress table: no run ever stopped part-way here.
            Err(sqlx::Error::Database(_)) => break,
            Err(e) => return Err(e.into()),
        }
    }
    let reverts = reverts(folder, migrations, &applied, count)?;
    // Every step of the request is checked before the first one runs.
    if !force {
        refuse_destructive(&reverts)?;
    }
    let mut reverted = Vec::new();
    for revert in reverts {
        let start = Instant::now();
        let tag = &revert.tag;
        if let Some(cluster) = cluster {
            // Under the lock, the list as the cluster has it now.
            if !conn.applied(table).await?.contains_key(&revert.when) {
                continue;
            }
            if cluster.lost() {
                return Err(MigrateError::LockLost {
                    run: cluster.run.clone(),
                    seconds: options.lock_expiry.as_secs(),
                });
            }
        }
        if let Some(on_start) = options.on_start.as_mut() {
            on_start(tag);
        }
        let statements = revert.statements();
        let transactional = crate::sql::dialect(backend)
            .capabilities()
            .transactional_ddl;
        if transactional {
            conn.run(if backend == Backend::Sqlite {
                "BEGIN EXCLUSIVE"
            } else {
                "BEGIN"
            })
            .await?;
        }
        for (i, statement) in statements.iter().enumerate() {
            if let Err((e, conflict)) = run_statement(conn, statement, cluster.is_some(), 0).await {
                if transactional {
                    let _ = conn.run("ROLLBACK").await;
                }
                return Err(MigrateError::Statement {
                    tag: format!("{tag} (down)"),
                    number: i + 1,
                    total: statements.len(),
                    statement: statement.to_string(),
                    applied: if transactional {
                        "; the revert was rolled back".into()
                    } else {
                        conflict_note(conflict).into()
                    },
                    source: Box::new(e),
                });
            }
        }
        let forget = format!("DELETE FROM {table} WHERE created_at = {}", revert.when);
        // A progress row left by a killed run would make the next --up skip the
        // statements of the migration reverted here.
        let clear = super::apply::clear_progress(revert.when);
        match (cluster, conn.mysql()) {
            (Some(cluster), Some(c)) => cluster.write(c, &[forget, clear]).await?,
            _ => {
                if !transactional {
                    conn.run("START TRANSACTION").await?;
                }
                conn.run(&forget).await?;
                if !transactional {
                    conn.run(&clear).await?;
                }
                conn.run("COMMIT").await?;
            }
        }
        let done = Applied {
            tag: tag.clone(),
            millis: start.elapsed().as_millis(),
        };
        (options.on_done)(&done);
        reverted.push(done);
    }
    Ok(reverted)
}
