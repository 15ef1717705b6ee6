//! The migration lock on MariaDB Galera, where `GET_LOCK` is node-local: a row with a
//! fixed key in `__ving_migration_lock`, inserted by the run that takes the lock. Every
//! node agrees on it: a second insert fails with a duplicate key (the row has reached
//! that node) or with a certification failure at commit (1213: it has not yet, but it
//! was ordered first). The row names its owner (a run id: host, pid, random) and an
//! expiry renewed by a heartbeat while the run lasts, so the lock of a crashed run is
//! taken over once it has expired.
//!
//! Every write of the holder that says what was done (progress rows, the record in
//! `__drizzle_migrations`) is one transaction with a renewal of the lock row that must
//! match its owner: a run that lost its lock cannot commit one (the renewal finds no row,
//! or fails certification against the run that took it over). Reads go through
//! `wsrep_sync_wait`, so that they see everything the cluster committed before them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(super) use sqlx::MySqlConnection;
use sqlx::{Connection, Row};

use super::MigrateError;

/// The table holding the lock row.
pub(super) const LOCK_TABLE: &str = "__ving_migration_lock";

/// What a progress row's `run` says when the run that wrote it let go of the lock
/// (it stopped on a failing statement): the next run continues from it.
pub(super) const RELEASED: &str = "released";

/// The server's clock in milliseconds (every node of a cluster must keep time).
const NOW_MS: &str = "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)";

/// How many times a write is tried again after a Galera conflict.
const RETRIES: usize = 5;

/// The MySQL error number of `error`, if the server sent one.
pub(super) fn code(error: &sqlx::Error) -> Option<u16> {
    error
        .as_database_error()
        .and_then(|e| e.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>())
        .map(sqlx::mysql::MySqlDatabaseError::number)
}

/// Whether `error` is one of Galera's conflicts: a certification failure or a
/// brute-force abort by a replicated write (1213), or a statement interrupted (1317).
pub(super) fn is_conflict(error: &sqlx::Error) -> bool {
    matches!(code(error), Some(1213 | 1317))
}

/// A run id: host, pid and a random part.
pub(super) fn run_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    let random = uuid::Uuid::new_v4().simple().to_string();
    let id = format!("{host}/{}/{}", std::process::id(), &random[..12]);
    // Quoted into SQL: keep it to safe characters.
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "/-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(200)
        .collect()
}

async fn exec(conn: &mut MySqlConnection, sql: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(sql).execute(conn).await?.rows_affected())
}

async fn table_exists(conn: &mut MySqlConnection, table: &str) -> Result<bool, sqlx::Error> {
    let sql = format!("SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}'");
    let count: i64 = sqlx::query(&sql).fetch_one(conn).await?.try_get(0)?;
    Ok(count > 0)
}

async fn column_exists(
    conn: &mut MySqlConnection,
    table: &str,
    column: &str,
) -> Result<bool, sqlx::Error> {
    let sql = format!("SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}' AND COLUMN_NAME = '{column}'");
    let count: i64 = sqlx::query(&sql).fetch_one(conn).await?.try_get(0)?;
    Ok(count > 0)
}

/// Runs `sql` (DDL that may run twice), again after a Galera conflict.
async fn exec_retrying(conn: &mut MySqlConnection, sql: &str) -> Result<(), sqlx::Error> {
    let mut attempt = 0;
    loop {
        match exec(conn, sql).await {
            Ok(_) => return Ok(()),
            Err(e) if is_conflict(&e) && attempt < RETRIES => attempt += 1,
            Err(e) => return Err(e),
        }
        tokio::time::sleep(Duration::from_millis(50 * attempt as u64)).await;
    }
}

/// Creates ving's tables where missing (asked first: even `IF NOT EXISTS` DDL is
/// replicated in total order and aborts what conflicts with it on the other nodes), and
/// gives the progress table its `run` column.
pub(super) async fn prepare_tables(
    conn: &mut MySqlConnection,
    migrations: &str,
) -> Result<(), sqlx::Error> {
    let tables = [
        (
            LOCK_TABLE,
            format!("CREATE TABLE IF NOT EXISTS {LOCK_TABLE} (id int NOT NULL PRIMARY KEY, owner varchar(255) NOT NULL, expires bigint NOT NULL, beats bigint NOT NULL DEFAULT 0) ENGINE=InnoDB"),
        ),
        (
            "__drizzle_migrations",
            format!("CREATE TABLE IF NOT EXISTS {migrations} (id serial primary key, hash text not null, created_at bigint)"),
        ),
        (
            super::PROGRESS_TABLE,
            format!("CREATE TABLE IF NOT EXISTS {} (created_at bigint primary key, done int not null, prefix char(64) not null, started int not null default 0, run varchar(255) NULL)", super::PROGRESS_TABLE),
        ),
    ];
    for (name, create) in tables {
        if !table_exists(conn, name).await? {
            exec_retrying(conn, &create).await?;
        }
    }
    if !column_exists(conn, super::PROGRESS_TABLE, "run").await? {
        exec_retrying(
            conn,
            &format!(
                "ALTER TABLE {} ADD COLUMN IF NOT EXISTS run varchar(255) NULL",
                super::PROGRESS_TABLE
            ),
        )
        .await?;
    }
    Ok(())
}

/// The cluster-wide lock, held by this run.
pub(super) struct ClusterLock {
    /// This run's id, the lock row's owner.
    pub(super) run: String,
    /// The run whose expired lock this one took over.
    pub(super) took_over_from: Option<String>,
    expiry: Duration,
    lost: Arc<AtomicBool>,
    heartbeat: tokio::task::JoinHandle<()>,
}

/// What the lock row says now: (owner, milliseconds until it expires).
async fn holder(conn: &mut MySqlConnection) -> Result<Option<(String, i64)>, sqlx::Error> {
    let sql = format!("SELECT owner, expires - {NOW_MS} FROM {LOCK_TABLE} WHERE id = 1");
    let row = sqlx::query(&sql).fetch_optional(conn).await?;
    row.map(|r| {
        Ok((
            r.try_get_unchecked::<String, _>(0)?,
            r.try_get::<i64, _>(1)?,
        ))
    })
    .transpose()
}

/// Takes the lock: waits for it at most `timeout`, telling `on_wait` once when it has to
/// wait. A lock whose holder has not renewed it within `expiry` is taken over, and the
/// progress rows of its run become this run's.
pub(super) async fn take(
    conn: &mut MySqlConnection,
    options: &sqlx::mysql::MySqlConnectOptions,
    timeout: Duration,
    expiry: Duration,
    on_wait: &mut dyn FnMut(&str),
) -> Result<ClusterLock, MigrateError> {
    let run = run_id();
    let ttl = i64::try_from(expiry.as_millis()).unwrap_or(i64::MAX);
    let deadline = Instant::now() + timeout;
    let mut told = false;
    let progress = super::PROGRESS_TABLE;
    loop {
        let insert = format!(
            "INSERT INTO {LOCK_TABLE} (id, owner, expires) VALUES (1, '{run}', {NOW_MS} + {ttl})"
        );
        let mut took_over_from = None;
        let taken = match exec(conn, &insert).await {
            Ok(_) => true,
            Err(e) if code(&e) == Some(1062) => {
                // Held: taken over when it has expired.
                match holder(conn).await? {
                    Some((owner, left)) if left < 0 => {
                        // Quoted into SQL (ving's run ids have no quotes; a row written
                        // by hand might).
                        let quoted = owner.replace('\\', "\\\\").replace('\'', "''");
                        let take_over = async {
                            exec(conn, "START TRANSACTION").await?;
                            let moved = exec(conn, &format!(
                                "UPDATE {LOCK_TABLE} SET owner = '{run}', expires = {NOW_MS} + {ttl}, beats = beats + 1 WHERE id = 1 AND owner = '{quoted}' AND expires < {NOW_MS}"
                            ))
                            .await?;
                            if moved == 1 {
                                exec(conn, &format!(
                                    "UPDATE {progress} SET run = '{run}' WHERE run = '{quoted}'"
                                ))
                                .await?;
                            }
                            exec(conn, "COMMIT").await?;
                            Ok::<_, sqlx::Error>(moved == 1)
                        }
                        .await;
                        match take_over {
                            Ok(true) => {
                                took_over_from = Some(owner);
                                true
                            }
                            Ok(false) => false,
                            Err(e) if is_conflict(&e) => {
                                let _ = exec(conn, "ROLLBACK").await;
                                false
                            }
                            Err(e) => {
                                let _ = exec(conn, "ROLLBACK").await;
                                return Err(e.into());
                            }
                        }
                    }
                    _ => false,
                }
            }
            // Certification failure: another node's insert was ordered first.
            Err(e) if is_conflict(&e) => false,
            Err(e) => return Err(e.into()),
        };
        if taken {
            let lost = Arc::new(AtomicBool::new(false));
            let heartbeat = tokio::spawn(beat(
                options.clone(),
                run.clone(),
                expiry,
                Arc::clone(&lost),
            ));
            return Ok(ClusterLock {
                run,
                took_over_from,
                expiry,
                lost,
                heartbeat,
            });
        }
        let now = Instant::now();
        if now >= deadline {
            let held = holder(conn).await.ok().flatten().map_or_else(
                || "row 1".to_owned(),
                |(owner, left)| {
                    format!("held by run {owner}, expiring in {} s", left.max(0) / 1000)
                },
            );
            return Err(MigrateError::Locked {
                lock: format!("{LOCK_TABLE} ({held})"),
                seconds: timeout.as_secs(),
            });
        }
        if !told {
            told = true;
            let held = holder(conn)
                .await
                .ok()
                .flatten()
                .map_or_else(String::new, |(owner, _)| format!(" (run {owner})"));
            on_wait(&format!(
                "another run is applying migrations{held}: waiting for it (at most {} s)",
                timeout.as_secs()
            ));
        }
        let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]);
        let pause = Duration::from_millis(150 + jitter).min(deadline - now);
        tokio::time::sleep(pause).await;
    }
}

/// Renews the lock row every quarter of `expiry` on a connection of its own (the run's
/// connection may be busy with a long statement); marks the lock lost when the row is no
/// longer this run's.
async fn beat(
    options: sqlx::mysql::MySqlConnectOptions,
    run: String,
    expiry: Duration,
    lost: Arc<AtomicBool>,
) {
    let ttl = i64::try_from(expiry.as_millis()).unwrap_or(i64::MAX);
    let renew = format!(
        "UPDATE {LOCK_TABLE} SET expires = {NOW_MS} + {ttl}, beats = beats + 1 WHERE id = 1 AND owner = '{run}'"
    );
    let mut conn: Option<MySqlConnection> = None;
    loop {
        if conn.is_none() {
            conn = MySqlConnection::connect_with(&options).await.ok();
        }
        tokio::time::sleep(expiry / 4).await;
        let Some(c) = conn.as_mut() else {
            continue;
        };
        match exec(c, &renew).await {
            Ok(1) => {}
            Ok(_) => {
                lost.store(true, Ordering::SeqCst);
                return;
            }
            Err(e) if is_conflict(&e) => {}
            Err(_) => conn = None,
        }
    }
}

impl Drop for ClusterLock {
    /// A run dropped half-way (its future cancelled) stops renewing the lock: it expires.
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

impl ClusterLock {
    /// Whether the lock was taken from this run (it expired and another run took it).
    pub(super) fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    fn lost_error(&self) -> MigrateError {
        MigrateError::LockLost {
            run: self.run.clone(),
            seconds: self.expiry.as_secs(),
        }
    }

    /// Runs `statements` as one transaction that first renews the lock row, which must
    /// still be this run's; tried again after a Galera conflict.
    pub(super) async fn write(
        &self,
        conn: &mut MySqlConnection,
        statements: &[String],
    ) -> Result<(), MigrateError> {
        let ttl = i64::try_from(self.expiry.as_millis()).unwrap_or(i64::MAX);
        let renew = format!(
            "UPDATE {LOCK_TABLE} SET expires = {NOW_MS} + {ttl}, beats = beats + 1 WHERE id = 1 AND owner = '{}'",
            self.run
        );
        let mut attempt = 0;
        loop {
            if self.lost() {
                return Err(self.lost_error());
            }
            let result = async {
                exec(conn, "START TRANSACTION").await?;
                if exec(conn, &renew).await? != 1 {
                    exec(conn, "ROLLBACK").await?;
                    return Ok(false);
                }
                for statement in statements {
                    exec(conn, statement).await?;
                }
                exec(conn, "COMMIT").await?;
                Ok::<_, sqlx::Error>(true)
            }
            .await;
            match result {
                Ok(true) => return Ok(()),
                Ok(false) => {
                    self.lost.store(true, Ordering::SeqCst);
                    return Err(self.lost_error());
                }
                Err(e) => {
                    let _ = exec(conn, "ROLLBACK").await;
                    if !is_conflict(&e) || attempt >= RETRIES {
                        return Err(MigrateError::Bookkeeping {
                            statements: statements.join("; "),
                            source: Box::new(e),
                        });
                    }
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(50 * attempt as u64)).await;
                }
            }
        }
    }

    /// Lets go of the lock: deletes the row and hands this run's progress rows over to
    /// the next run (a migration stopped on a failing statement continues from there).
    pub(super) async fn hand_over(self, conn: &mut MySqlConnection) {
        self.heartbeat.abort();
        let statements = [
            format!(
                "DELETE FROM {LOCK_TABLE} WHERE id = 1 AND owner = '{}'",
                self.run
            ),
            format!(
                "UPDATE {} SET run = '{RELEASED}' WHERE run = '{}'",
                super::PROGRESS_TABLE,
                self.run
            ),
        ];
        for attempt in 0..=RETRIES {
            let result = async {
                exec(conn, "START TRANSACTION").await?;
                for statement in &statements {
                    exec(conn, statement).await?;
                }
                exec(conn, "COMMIT").await
            }
            .await;
            match result {
                Ok(_) => return,
                Err(e) => {
                    let _ = exec(conn, "ROLLBACK").await;
                    if !is_conflict(&e) {
                        return;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(50 * (attempt as u64 + 1))).await;
        }
    }
}

/// The number and message of a MySQL error, if `error` is one.
pub(super) fn mysql_error(error: &sqlx::Error) -> Option<(u16, String)> {
    let error = error
        .as_database_error()?
        .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()?;
    Some((error.number(), error.message().to_owned()))
}

/// The `run` of a progress row (`sql` selects it), when there is one.
pub(super) async fn progress_run(
    connection: &mut MySqlConnection,
    sql: &str,
) -> Result<Option<Option<String>>, sqlx::Error> {
    let row = sqlx::query(sql).fetch_optional(connection).await?;
    row.map(|r| r.try_get_unchecked::<Option<String>, _>(0))
        .transpose()
}

/// (statements applied, hash of them, statements started) of a progress row (`sql`
/// selects it).
pub(super) async fn progress(
    connection: &mut MySqlConnection,
    sql: &str,
) -> Result<Option<(usize, String, usize)>, sqlx::Error> {
    let row = sqlx::query(sql).fetch_optional(connection).await?;
    row.map(|r| {
        let done: i64 = r.try_get(0)?;
        let started: i64 = r.try_get(2)?;
        Ok((
            usize::try_from(done).unwrap_or(0),
            r.try_get_unchecked::<String, _>(1)?,
            usize::try_from(started).unwrap_or(0),
        ))
    })
    .transpose()
}
