//! Applying migrations (`up`): in order, one transaction each where DDL is transactional;
//! on MySQL statement by statement with progress recorded, resumed after a crash.

use super::*;

/// One migration applied by [`up`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Its tag.
    pub tag: String,
    /// How long it took, in milliseconds.
    pub millis: u128,
}

/// How [`up_with`] and [`down_with`] run.
pub struct RunOptions<'a> {
    /// How long to wait for another run's lock before giving up (MySQL's `GET_LOCK`,
    /// Galera's lock row).
    pub lock_timeout: std::time::Duration,
    /// Galera: how long the lock row holds without being renewed; a run that crashed
    /// leaves a lock another run takes over after this long. The holder renews it every
    /// quarter of it.
    pub lock_expiry: std::time::Duration,
    /// Called as each migration is applied (or reverted), right after it is recorded,
    /// so that progress can be shown while a long run goes on.
    pub on_done: &'a mut dyn FnMut(&Applied),
    /// Called with a migration's tag as it starts being applied (or reverted), so that a
    /// terminal can show it running.
    pub on_start: Option<&'a mut dyn FnMut(&str)>,
    /// Called once when another run holds the lock and this one starts waiting for it
    /// ("another run is applying migrations…").
    pub on_wait: Option<&'a mut dyn FnMut(&str)>,
}

/// How long a run waits for another run's lock by default.
pub const LOCK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// How long a Galera lock row holds without renewal by default.
pub const LOCK_EXPIRY: std::time::Duration = std::time::Duration::from_secs(30);

impl<'a> RunOptions<'a> {
    /// The default lock timeout, with `on_done` called as each migration finishes.
    pub fn new(on_done: &'a mut dyn FnMut(&Applied)) -> RunOptions<'a> {
        RunOptions {
            lock_timeout: LOCK_TIMEOUT,
            lock_expiry: LOCK_EXPIRY,
            on_done,
            on_start: None,
            on_wait: None,
        }
    }

    #[cfg_attr(not(any(feature = "mysql", feature = "postgres")), allow(dead_code))]
    pub(super) fn wait_note(&mut self, note: &str) {
        if let Some(on_wait) = self.on_wait.as_mut() {
            on_wait(note);
        }
    }
}

/// What a run must know of the server before it writes.
pub(super) struct Server {
    /// MariaDB Galera (`wsrep_on`): the lock is a row, not `GET_LOCK`.
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    pub(super) galera: bool,
}

/// Reads what kind of server `conn` talks to, and refuses a read-only one (a standby)
/// and a Galera node applying schema changes node by node.
pub(super) async fn inspect(conn: &mut Conn) -> Result<Server, MigrateError> {
    match conn {
        #[cfg(feature = "mysql")]
        Conn::MySql(c) => {
            let rows = sqlx::query("SHOW VARIABLES WHERE Variable_name IN ('wsrep_on', 'wsrep_osu_method', 'read_only', 'super_read_only', 'innodb_read_only')")
                .fetch_all(&mut **c)
                .await?;
            let mut vars = BTreeMap::new();
            for row in rows {
                let name = row.try_get_unchecked::<String, _>(0)?.to_ascii_lowercase();
                let value = row.try_get_unchecked::<String, _>(1)?.to_ascii_uppercase();
                vars.insert(name, value);
            }
            for name in ["read_only", "super_read_only", "innodb_read_only"] {
                if vars.get(name).is_some_and(|v| v == "ON" || v == "1") {
                    return Err(MigrateError::ReadOnly {
                        reason: format!("has {name} = ON"),
                    });
                }
            }
            let galera = vars.get("wsrep_on").is_some_and(|v| v == "ON" || v == "1");
            if galera && vars.get("wsrep_osu_method").is_some_and(|v| v == "RSU") {
                return Err(MigrateError::RollingSchemaUpgrade);
            }
            Ok(Server { galera })
        }
        #[cfg(feature = "postgres")]
        Conn::Postgres(c) => {
            let row = sqlx::query(
                "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'",
            )
            .fetch_one(&mut **c)
            .await?;
            if row.try_get::<bool, _>(0)? {
                return Err(MigrateError::ReadOnly {
                    reason: "is in recovery: pg_is_in_recovery() is true".into(),
                });
            }
            if row.try_get::<bool, _>(1)? {
                return Err(MigrateError::ReadOnly {
                    reason: "has default_transaction_read_only = on".into(),
                });
            }
            Ok(Server { galera: false })
        }
        #[cfg(feature = "sqlite")]
        Conn::Sqlite(_) => Ok(Server { galera: false }),
    }
}

/// Refuses a read-only server (a standby): `--check` creates a scratch database on it.
pub async fn refuse_read_only(db: &Db) -> Result<(), MigrateError> {
    let mut conn = Conn::acquire(db).await?;
    let result = inspect(&mut conn).await.map(drop);
    conn.close().await;
    result
}

/// Applies every migration of `folder` not yet recorded in the database, in order, under
/// a database lock. Checks first that no applied migration's file has changed.
pub async fn up(db: &Db, folder: &Folder) -> Result<Vec<Applied>, MigrateError> {
    up_with(db, folder, &mut RunOptions::new(&mut |_| {})).await
}

/// [`up`], telling `options.on_done` about each migration as it is applied. On failure,
/// what was reported to `on_done` is what this run applied. With nothing pending, nothing
/// is written (not even ving's own tables): a run against an up-to-date database only
/// reads.
pub async fn up_with(
    db: &Db,
    folder: &Folder,
    options: &mut RunOptions<'_>,
) -> Result<Vec<Applied>, MigrateError> {
    up_these(db, &folder.migrations(db.dialect())?, options).await
}

/// [`up_with`] for `migrations`, a folder's list or the start of it.
pub(crate) async fn up_these(
    db: &Db,
    migrations: &[Migration],
    options: &mut RunOptions<'_>,
) -> Result<Vec<Applied>, MigrateError> {
    let backend = db.backend();
    let table = migrations_table(backend);
    locked_run(
        db,
        options,
        // Everything applied already (and unchanged): nothing to lock for.
        async |conn| {
            if let Some(applied) = conn.applied_if_any(table).await? {
                if migrations
                    .iter()
                    .all(|m| applied.contains_key(&m.entry.when))
                {
                    changed_files(migrations, &applied)?;
                    return Ok(Some(Vec::new()));
                }
            }
            Ok(None)
        },
        async |conn, cluster, options| {
            up_locked(conn, backend, table, migrations, cluster, options).await
        },
    )
    .await
}

/// An applied migration whose file changed is an error.
pub(super) fn changed_files(
    migrations: &[Migration],
    applied: &BTreeMap<i64, String>,
) -> Result<(), MigrateError> {
    for migration in migrations {
        if let Some(recorded) = applied.get(&migration.entry.when) {
            if recorded != &migration.hash {
                return Err(MigrateError::Changed {
                    tag: migration.entry.tag.clone(),
                    applied: recorded.clone(),
                    now: migration.hash.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Runs one statement of a migration. On Galera, a conflict (1213, 1317) is tried again
/// when that is safe: the statement can run twice, or its kind has an error saying its
/// work is already there (then that error on the retry means done). Returns the error
/// of the last try, and whether it was a conflict. `tried` says how many times the
/// statement already ran.
pub(super) async fn run_statement(
    conn: &mut Conn,
    statement: &str,
    galera: bool,
    tried: u64,
) -> Result<(), (sqlx::Error, bool)> {
    let kind = StatementKind::of(statement);
    let retry_safe = kind != StatementKind::Other;
    let mut attempt = tried;
    loop {
        match conn.run(statement).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt > 0 && applied_before(statement, &e) => return Ok(()),
            Err(e) if galera && galera::is_conflict(&e) => {
                if !retry_safe || attempt >= 5 {
                    return Err((e, true));
                }
            }
            Err(e) => return Err((e, false)),
        }
        attempt += 1;
        tokio::time::sleep(std::time::Duration::from_millis(100 * attempt)).await;
    }
}

/// What a Galera conflict on a statement means, in words, for the error.
pub(super) fn conflict_note(conflict: bool) -> &'static str {
    if conflict {
        " (a Galera conflict: a write replicated from another node touched the same table; ving tries again only statements that are safe to run twice)"
    } else {
        ""
    }
}

pub(super) async fn up_locked(
    conn: &mut Conn,
    backend: Backend,
    table: &str,
    migrations: &[Migration],
    cluster: Option<&galera::ClusterLock>,
    options: &mut RunOptions<'_>,
) -> Result<Vec<Applied>, MigrateError> {
    let applied = conn.applied(table).await?;
    changed_files(migrations, &applied)?;
    let transactional_ddl = crate::sql::dialect(backend)
        .capabilities()
        .transactional_ddl;
    let mut done = Vec::new();
    for migration in migrations
        .iter()
        .filter(|m| !applied.contains_key(&m.entry.when))
    {
        let when = migration.entry.when;
        if let Some(cluster) = cluster {
            // Under the lock, the list as the cluster has it now (reads wait for the
            // node to have applied what was committed before them).
            let now_applied = conn.applied(table).await?;
            changed_files(migrations, &now_applied)?;
            if now_applied.contains_key(&when) {
                continue;
            }
            // A progress row is trusted when this run wrote it, took it over with an
            // expired lock, or a run that stopped handed it over when letting go.
            if let Some(run) = conn.progress_run(when).await? {
                if run.as_deref() != Some(cluster.run.as_str())
                    && run.as_deref() != Some(galera::RELEASED)
                {
                    let done = conn.progress(when).await?.map_or(0, |p| p.0);
                    return Err(MigrateError::UntrustedProgress {
                        tag: migration.entry.tag.clone(),
                        done,
                        writer: run.map_or_else(
                            || {
                                "a run that did not use the cluster-wide lock (an older ving?)"
                                    .to_owned()
                            },
                            |run| format!("run {run}"),
                        ),
                        when,
                    });
                }
            }
        }
        let start = Instant::now();
        if let Some(on_start) = options.on_start.as_mut() {
            on_start(&migration.entry.tag);
        }
        let statements = migration.statements();
        let fail = |number: usize, applied: String, source: sqlx::Error| MigrateError::Statement {
            tag: migration.entry.tag.clone(),
            number,
            total: statements.len(),
            statement: statements
                .get(number - 1)
                .map_or_else(String::new, |s| s.to_string()),
            applied,
            source: Box::new(source),
        };
        if !transactional_ddl {
            // DDL commits as it goes (MySQL): progress is recorded after each
            // statement, so that a rerun after a fix continues where the last run
            // stopped.
            let done = conn.progress(when).await?;
            let (skip, uncertain) = match done {
                Some((count, prefix, started)) if prefix == prefix_hash(&statements, count) => {
                    (count, started > count)
                }
                Some((count, _, _)) => {
                    return Err(MigrateError::PartlyApplied {
                        tag: migration.entry.tag.clone(),
                        applied: count,
                    })
                }
                None => (0, false),
            };
            for (i, statement) in statements.iter().enumerate().skip(skip) {
                set_progress(conn, cluster, when, i, &prefix_hash(&statements, i), i + 1).await?;
                if StatementKind::of(statement) == StatementKind::Dml {
                    // Rows, not structure: the statement and its progress row commit
                    // together, so a kill leaves it applied and recorded, or neither —
                    // unless a table ignores transactions, when a resumed run cannot
                    // tell and stops.
                    if i == skip && uncertain && conn.has_non_transactional_tables().await? {
                        return Err(MigrateError::Uncertain {
                            tag: migration.entry.tag.clone(),
                            when,
                            number: i + 1,
                            statement: statement.to_string(),
                        });
                    }
                    let progress = progress_row(
                        when,
                        i + 1,
                        &prefix_hash(&statements, i + 1),
                        i + 1,
                        cluster.map(|c| c.run.as_str()),
                    );
                    if let Err(e) = run_with_progress(conn, cluster, statement, &progress).await {
                        return Err(match e {
                            RowsFailed::Statement(e) => {
                                if i == 0 && !lost(&e) {
                                    forget_progress(conn, cluster, when).await?;
                                }
                                fail(i + 1, applied_note(i, &e), e)
                            }
                            RowsFailed::Other(e) => e,
                        });
                    }
                    fault_point(&migration.entry.tag, i + 1);
                    continue;
                }
                let result = match conn.run(statement).await {
                    // A run killed between a statement and its record leaves that
                    // statement uncertain: if it says it was already done, it was.
                    Err(e) if i == skip && uncertain && applied_before(statement, &e) => Ok(()),
                    Err(e) if cluster.is_some() && galera::is_conflict(&e) => {
                        if StatementKind::of(statement) == StatementKind::Other {
                            Err((e, true))
                        } else {
                            run_statement(conn, statement, true, 1).await
                        }
                    }
                    Err(e) => Err((e, false)),
                    Ok(()) => Ok(()),
                };
                if let Err((e, conflict)) = result {
                    // A first statement the database refused applied nothing: the
                    // migration is pending, not stopped part-way (`--drop` may take it).
                    if i == 0 && !conflict && !lost(&e) {
                        forget_progress(conn, cluster, when).await?;
                    }
                    let applied = applied_note(i, &e);
                    return Err(fail(
                        i + 1,
                        format!("{}{applied}", conflict_note(conflict)),
                        e,
                    ));
                }
                fault_point(&migration.entry.tag, i + 1);
                set_progress(
                    conn,
                    cluster,
                    when,
                    i + 1,
                    &prefix_hash(&statements, i + 1),
                    i + 1,
                )
                .await?;
            }
            // The record and the end of the progress row are one transaction: a
            // kill between them must not leave a progress row saying "all done".
            let record = format!(
                "INSERT INTO {table} (hash, created_at) VALUES ('{}', {when})",
                migration.hash
            );
            let clear = clear_progress(when);
            match (cluster, conn.mysql()) {
                (Some(cluster), Some(c)) => cluster.write(c, &[record, clear]).await?,
                _ => {
                    conn.run("START TRANSACTION").await?;
                    conn.run(&record).await?;
                    conn.run(&clear).await?;
                    conn.run("COMMIT").await?;
                }
            }
        } else {
            // One transaction for the migration and its record.
            conn.run(if backend == Backend::Sqlite {
                "BEGIN EXCLUSIVE"
            } else {
                "BEGIN"
            })
            .await?;
            // Another process may have applied it while this one waited.
            let now_applied = conn.applied(table).await?;
            if now_applied.contains_key(&migration.entry.when) {
                conn.run("COMMIT").await?;
                continue;
            }
            for (i, statement) in statements.iter().enumerate() {
                if let Err(e) = conn.run(statement).await {
                    let _ = conn.run("ROLLBACK").await;
                    return Err(fail(i + 1, "; the migration was rolled back".into(), e));
                }
            }
            if let Err(e) = conn.record(table, migration).await {
                let _ = conn.run("ROLLBACK").await;
                return Err(e.into());
            }
            // Foreign key checks were off (SQLite): prove the rows still satisfy them.
            let broken = conn.foreign_key_violations().await?;
            if !broken.is_empty() {
                let _ = conn.run("ROLLBACK").await;
                return Err(MigrateError::ForeignKeys {
                    tag: migration.entry.tag.clone(),
                    rows: broken.iter().map(|(_, rows)| rows).sum(),
                    keys: broken
                        .iter()
                        .map(|(key, rows)| {
                            format!("{key} ({rows} row{})", if *rows == 1 { "" } else { "s" })
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            conn.run("COMMIT").await?;
        }
        let applied = Applied {
            tag: migration.entry.tag.clone(),
            millis: start.elapsed().as_millis(),
        };
        (options.on_done)(&applied);
        done.push(applied);
    }
    Ok(done)
}

/// Fault trials: with `VING_FAULT_KILL_AFTER=<tag>:<n>`, the process aborts right after
/// statement `n` of migration `<tag>` has committed on MySQL, before its progress is
/// written (what a kill or a power cut can do at that moment).
fn fault_point(tag: &str, number: usize) {
    if let Ok(spec) = std::env::var("VING_FAULT_KILL_AFTER") {
        if spec.rsplit_once(':') == Some((tag, number.to_string().as_str())) {
            eprintln!("VING_FAULT_KILL_AFTER: aborting after statement {number} of {tag}");
            std::process::abort();
        }
    }
}

/// Why a DML statement and its progress row were not committed.
enum RowsFailed {
    /// The statement failed (nothing of it is kept).
    Statement(sqlx::Error),
    /// The bookkeeping failed (or, on Galera, the lock was lost).
    Other(MigrateError),
}

/// Runs a DML `statement` and its `progress` row as one transaction (on Galera, one that
/// renews the lock row).
async fn run_with_progress(
    conn: &mut Conn,
    cluster: Option<&galera::ClusterLock>,
    statement: &str,
    progress: &str,
) -> Result<(), RowsFailed> {
    if let (Some(cluster), Some(c)) = (cluster, conn.mysql()) {
        return cluster
            .write(c, &[statement.to_owned(), progress.to_owned()])
            .await
            .map_err(|e| match e {
                MigrateError::Bookkeeping { source, .. } => RowsFailed::Statement(*source),
                other => RowsFailed::Other(other),
            });
    }
    let other = |e: sqlx::Error| RowsFailed::Other(e.into());
    conn.run("START TRANSACTION").await.map_err(other)?;
    if let Err(e) = conn.run(statement).await {
        let _ = conn.run("ROLLBACK").await;
        return Err(RowsFailed::Statement(e));
    }
    if let Err(e) = conn.run(progress).await {
        let _ = conn.run("ROLLBACK").await;
        return Err(other(e));
    }
    conn.run("COMMIT").await.map_err(other)
}

/// Records how far a migration got (MySQL): on Galera in a transaction that renews the
/// lock row (so only the holder writes it), tagged with the run.
pub(super) async fn set_progress(
    conn: &mut Conn,
    cluster: Option<&galera::ClusterLock>,
    when: i64,
    done: usize,
    prefix: &str,
    started: usize,
) -> Result<(), MigrateError> {
    match (cluster, conn.mysql()) {
        (Some(cluster), Some(c)) => {
            cluster
                .write(
                    c,
                    &[progress_row(
                        when,
                        done,
                        prefix,
                        started,
                        Some(&cluster.run),
                    )],
                )
                .await
        }
        _ => Ok(conn.set_progress(when, done, prefix, started).await?),
    }
}

/// What a migration that failed at statement `i + 1` (on MySQL, which commits DDL as it
/// goes) had applied, and what to do: fix the statement, or, when the connection was lost
/// rather than the statement refused, only run again.
fn applied_note(i: usize, error: &sqlx::Error) -> String {
    match i {
        0 => "; nothing of it was applied".to_owned(),
        _ if lost(error) => format!("; statements 1 to {i} were applied (MySQL commits DDL as it goes) before the connection was lost: run again to continue from statement {}", i + 1),
        _ => format!("; statements 1 to {i} were applied (MySQL commits DDL as it goes): fix the failing statement and run again to continue from it"),
    }
}

/// Whether `error` is the connection lost rather than the statement refused (the
/// statement may then have been applied or not).
fn lost(error: &sqlx::Error) -> bool {
    matches!(
        error,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
    )
}

/// The statement removing the progress row of the migration made at `when`.
pub(super) fn clear_progress(when: i64) -> String {
    format!("DELETE FROM {PROGRESS_TABLE} WHERE created_at = {when}")
}

/// Removes the progress row of the migration made at `when` (MySQL): its first statement
/// was refused, so nothing of it is applied.
async fn forget_progress(
    conn: &mut Conn,
    cluster: Option<&galera::ClusterLock>,
    when: i64,
) -> Result<(), MigrateError> {
    let clear = clear_progress(when);
    match (cluster, conn.mysql()) {
        (Some(cluster), Some(c)) => cluster.write(c, &[clear]).await,
        _ => conn.run(&clear).await.map_err(MigrateError::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_connection_asks_only_for_another_run() {
        let lost = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        let refused = sqlx::Error::Protocol("Table 'users' already exists".into());
        assert_eq!(applied_note(0, &lost), "; nothing of it was applied");
        let note = applied_note(2, &lost);
        assert!(
            note.contains("statements 1 to 2 were applied")
                && note.contains(
                    "before the connection was lost: run again to continue from statement 3"
                )
                && !note.contains("fix"),
            "{note}"
        );
        let note = applied_note(2, &refused);
        assert!(note.contains("fix the failing statement"), "{note}");
    }
}
