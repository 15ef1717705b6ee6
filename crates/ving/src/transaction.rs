//! Transactions: `db.begin()` gives a [`Tx`] that runs every query builder of [`Db`]
//! (`select`, `select_fields`, `insert`, `update`, `delete`, raw SQL, streams) on one
//! connection, until [`Tx::commit`] or [`Tx::rollback`]. Dropping a transaction that was
//! neither rolls it back. [`Tx::begin`] nests with savepoints, and
//! [`Db::transaction`] runs a closure in a transaction: committed when it returns `Ok`,
//! rolled back when it returns `Err` or panics.
//!
//! # Examples
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use ving::db::{Db, DbError};
//!
//! let url = ving::config::DatabaseUrl::parse("sqlite::memory:").unwrap();
//! let db = Db::connect(&url, std::path::Path::new(".")).await.unwrap();
//! db.execute_script("CREATE TABLE notes (body text NOT NULL)").await.unwrap();
//!
//! let mut tx = db.begin().await.unwrap();
//! tx.execute("INSERT INTO notes (body) VALUES (?)", vec!["kept".into()]).await.unwrap();
//! let inner = tx.begin().await.unwrap();
//! inner.execute("INSERT INTO notes (body) VALUES (?)", vec!["undone".into()]).await.unwrap();
//! inner.rollback().await.unwrap();
//! tx.commit().await.unwrap();
//!
//! let count = db
//!     .transaction(|tx| async move {
//!         let rows = tx.fetch_all("SELECT body FROM notes", vec![], |row| row.get_string(0)).await?;
//!         Ok::<_, DbError>(rows.len())
//!     })
//!     .await
//!     .unwrap();
//! assert_eq!(count, 1);
//! # });
//! ```

#[cfg(any(feature = "postgres", feature = "sqlite"))]
use std::borrow::Cow;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures_util::FutureExt;
use sqlx::{Database, TransactionManager};

use crate::config::Backend;
use crate::db::{
    finished, run_execute, run_fetch_all, run_fetch_decoded, run_fetch_first, run_script,
    Connection, Db, DbError, DbRow, Decode, ExecResult, Held, Pool, RowStream, StreamSource,
    Streamer,
};
use crate::sql::{Dialect, Param};

/// How much a transaction sees of others running at the same time (SQL's isolation
/// levels). MySQL/MariaDB default to [`Isolation::RepeatableRead`], PostgreSQL to
/// [`Isolation::ReadCommitted`]; SQLite transactions are always serializable (one writer
/// at a time), whatever is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// `READ UNCOMMITTED` (PostgreSQL runs it as `READ COMMITTED`).
    ReadUncommitted,
    /// `READ COMMITTED`
    ReadCommitted,
    /// `REPEATABLE READ`
    RepeatableRead,
    /// `SERIALIZABLE`
    Serializable,
}

impl Isolation {
    #[cfg_attr(not(any(feature = "mysql", feature = "postgres")), allow(dead_code))]
    fn sql(self) -> &'static str {
        match self {
            Isolation::ReadUncommitted => "READ UNCOMMITTED",
            Isolation::ReadCommitted => "READ COMMITTED",
            Isolation::RepeatableRead => "REPEATABLE READ",
            Isolation::Serializable => "SERIALIZABLE",
        }
    }
}

/// A transaction (or, nested, a savepoint): the query builders of [`Db`] on one
/// connection. `'p` is the borrow of the enclosing transaction for a savepoint
/// (`'static` for a transaction begun on a [`Db`]).
#[derive(Debug)]
pub struct Tx<'p> {
    db: Db,
    connection: Arc<tokio::sync::Mutex<Connection>>,
    abandoned: Arc<AtomicUsize>,
    streamer: Streamer,
    depth: usize,
    open: bool,
    rollback_on_drop: bool,
    parent: PhantomData<&'p mut ()>,
}

impl Db {
    /// Begins a transaction with the database's default isolation level.
    pub async fn begin(&self) -> Result<Tx<'static>, DbError> {
        self.begin_transaction(None).await
    }

    /// Begins a transaction with the given isolation level.
    pub async fn begin_with(&self, isolation: Isolation) -> Result<Tx<'static>, DbError> {
        self.begin_transaction(Some(isolation)).await
    }

    async fn begin_transaction(
        &self,
        isolation: Option<Isolation>,
    ) -> Result<Tx<'static>, DbError> {
        let held = begin_held(self.pool(), isolation)
            .await
            .map_err(|e| self.statement_error("BEGIN", e))?;
        Ok(Tx {
            db: self.clone(),
            connection: Arc::new(tokio::sync::Mutex::new(Connection::new(held, 1))),
            abandoned: Arc::new(AtomicUsize::new(0)),
            streamer: Streamer::default(),
            depth: 1,
            open: true,
            rollback_on_drop: true,
            parent: PhantomData,
        })
    }

    /// One connection of the pool, held outside any transaction until the handle is
    /// dropped: every builder runs on it, in order (session settings and temporary
    /// tables last as long as it does), and `begin()` starts a transaction on it. The
    /// handle is a [`Tx`] of depth 0; `commit`/`rollback` on it are errors.
    pub async fn connection(&self) -> Result<Tx<'static>, DbError> {
        let held = acquire_held(self.pool())
            .await
            .map_err(|e| self.statement_error("acquire a connection", e))?;
        Ok(Tx {
            db: self.clone(),
            connection: Arc::new(tokio::sync::Mutex::new(Connection::new(held, 0))),
            abandoned: Arc::new(AtomicUsize::new(0)),
            streamer: Streamer::default(),
            depth: 0,
            open: true,
            rollback_on_drop: false,
            parent: PhantomData,
        })
    }

    /// Runs `work` in a transaction: committed when it returns `Ok`, rolled back when it
    /// returns `Err` or panics (the panic then continues). The closure gets the
    /// transaction by value; its queries run in it.
    pub async fn transaction<T, E, F, Fut>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(Tx<'static>) -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
        E: From<DbError>,
    {
        let tx = self.begin().await?;
        tx.run_closure(work).await
    }

    /// [`Db::transaction`] with the given isolation level.
    pub async fn transaction_with<T, E, F, Fut>(
        &self,
        isolation: Isolation,
        work: F,
    ) -> Result<T, E>
    where
        F: FnOnce(Tx<'static>) -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
        E: From<DbError>,
    {
        let tx = self.begin_with(isolation).await?;
        tx.run_closure(work).await
    }
}

/// A connection of the pool, outside any transaction.
async fn acquire_held(pool: &Pool) -> Result<Held, sqlx::Error> {
    Ok(match pool {
        #[cfg(feature = "mysql")]
        Pool::MySql(pool) => Held::MySql(pool.acquire().await?),
        #[cfg(feature = "postgres")]
        Pool::Postgres(pool) => Held::Postgres(pool.acquire().await?),
        #[cfg(feature = "sqlite")]
        Pool::Sqlite(pool) => Held::Sqlite(pool.acquire().await?),
    })
}

async fn begin_held(pool: &Pool, isolation: Option<Isolation>) -> Result<Held, sqlx::Error> {
    Ok(match pool {
        #[cfg(feature = "mysql")]
        Pool::MySql(pool) => {
            let mut conn = pool.acquire().await?;
            if let Some(isolation) = isolation {
                // Applies to the next transaction of this connection only.
                let set = format!("SET TRANSACTION ISOLATION LEVEL {}", isolation.sql());
                sqlx::Executor::execute(&mut *conn, sqlx::raw_sql(&set)).await?;
            }
            <sqlx::MySql as Database>::TransactionManager::begin(&mut conn, None).await?;
            #[cfg(feature = "mysql")]
            Held::MySql(conn)
        }
        #[cfg(feature = "postgres")]
        Pool::Postgres(pool) => {
            let mut conn = pool.acquire().await?;
            let begin = isolation.map(|i| Cow::Owned(format!("BEGIN ISOLATION LEVEL {}", i.sql())));
            <sqlx::Postgres as Database>::TransactionManager::begin(&mut conn, begin).await?;
            #[cfg(feature = "postgres")]
            Held::Postgres(conn)
        }
        #[cfg(feature = "sqlite")]
        Pool::Sqlite(pool) => {
            let mut conn = pool.acquire().await?;
            // SQLite transactions are serializable whatever is asked.
            let _ = isolation;
            // Take the write lock at once: two deferred transactions that both read and
            // then write would deadlock; IMMEDIATE waits (busy timeout) instead.
            let begin = Some(Cow::Borrowed("BEGIN IMMEDIATE"));
            <sqlx::Sqlite as Database>::TransactionManager::begin(&mut conn, begin).await?;
            #[cfg(feature = "sqlite")]
            Held::Sqlite(conn)
        }
    })
}

impl<'p> Tx<'p> {
    /// The pool the transaction's connection came from (its backend, dialect, logging).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Which database family the transaction runs on.
    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// How this database writes SQL.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.db.dialect()
    }

    /// 1 for a transaction, 2 and more for savepoints inside it; 0 for a held connection
    /// ([`Db::connection`]).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// A savepoint inside this transaction: committing it keeps its work in the
    /// enclosing transaction (still to be committed); rolling it back, or dropping it,
    /// undoes only its own work. On a held connection, a transaction.
    pub async fn begin(&mut self) -> Result<Tx<'_>, DbError> {
        self.savepoint().await
    }

    /// A savepoint without borrowing `self` mutably: for the builders' own atomic writes.
    pub(crate) async fn savepoint(&self) -> Result<Tx<'_>, DbError> {
        let mut connection = self.lock().await?;
        connection.savepoint().await?;
        Ok(Tx {
            db: self.db.clone(),
            connection: self.connection.clone(),
            abandoned: self.abandoned.clone(),
            streamer: self.streamer.clone(),
            depth: self.depth + 1,
            open: true,
            rollback_on_drop: true,
            parent: PhantomData,
        })
    }

    /// Commits: a transaction's work becomes visible to others; a savepoint's joins the
    /// enclosing transaction.
    pub async fn commit(mut self) -> Result<(), DbError> {
        self.end(true).await
    }

    /// Undoes the work of the transaction (or of the savepoint).
    pub async fn rollback(mut self) -> Result<(), DbError> {
        self.end(false).await
    }

    async fn end(&mut self, commit: bool) -> Result<(), DbError> {
        if self.depth == 0 {
            return Err(DbError::Invalid(
                "a held connection is not a transaction: begin() one on it".into(),
            ));
        }
        if !self.open {
            return Err(finished());
        }
        let mut connection = locked(&self.connection, &self.streamer).await?;
        self.open = false;
        connection.settle(&self.abandoned);
        if connection.depth() < self.depth {
            return Err(finished());
        }
        let what = if commit { "COMMIT" } else { "ROLLBACK" };
        let done = connection
            .end(self.depth, commit)
            .await
            .map_err(|e| self.db.statement_error(what, e))?;
        if done {
            Ok(())
        } else {
            Err(DbError::Aborted {
                backend: self.backend(),
            })
        }
    }

    /// The error of a statement that failed, noted on the connection (on PostgreSQL it
    /// aborts the transaction: see [`DbError::Aborted`]).
    fn failed(&self, connection: &mut Connection, sql: &str, error: sqlx::Error) -> DbError {
        connection.statement_failed(&error);
        self.db.statement_error(sql, error)
    }

    /// Runs `work` in a savepoint of this transaction: kept when it returns `Ok`, undone
    /// when it returns `Err` or panics.
    pub async fn transaction<T, E, F, Fut>(&mut self, work: F) -> Result<T, E>
    where
        F: FnOnce(Tx<'static>) -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
        E: From<DbError>,
    {
        let savepoint = self.savepoint().await?.detach();
        savepoint.run_closure(work).await
    }

    /// The same level as a handle that does not borrow its parent: used only while the
    /// parent is borrowed anyway (the closure forms), and every use after the level has
    /// ended is refused as "already ended".
    fn detach(mut self) -> Tx<'static> {
        self.open = false;
        Tx {
            db: self.db.clone(),
            connection: self.connection.clone(),
            abandoned: self.abandoned.clone(),
            streamer: self.streamer.clone(),
            depth: self.depth,
            open: true,
            rollback_on_drop: self.rollback_on_drop,
            parent: PhantomData,
        }
    }

    async fn run_closure<T, E, F, Fut>(mut self, work: F) -> Result<T, E>
    where
        F: FnOnce(Tx<'static>) -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
        E: From<DbError>,
    {
        // The closure gets a handle of the same level that never rolls back on drop;
        // this one decides when the closure is done.
        let handle = Tx {
            db: self.db.clone(),
            connection: self.connection.clone(),
            abandoned: self.abandoned.clone(),
            streamer: self.streamer.clone(),
            depth: self.depth,
            open: true,
            rollback_on_drop: false,
            parent: PhantomData,
        };
        match AssertUnwindSafe(work(handle)).catch_unwind().await {
            Ok(Ok(value)) => {
                self.end_if_open(true).await?;
                Ok(value)
            }
            Ok(Err(error)) => {
                self.end_if_open(false).await?;
                Err(error)
            }
            Err(panic) => {
                let _ = self.end_if_open(false).await;
                std::panic::resume_unwind(panic)
            }
        }
    }

    /// Ends this level unless the closure already did.
    async fn end_if_open(&mut self, commit: bool) -> Result<(), DbError> {
        let still_open = locked(&self.connection, &self.streamer).await?.depth() >= self.depth;
        if still_open {
            self.end(commit).await
        } else {
            self.open = false;
            Ok(())
        }
    }

    /// The connection, locked, with abandoned levels rolled back; refused once this
    /// level has ended.
    async fn lock(&self) -> Result<tokio::sync::MutexGuard<'_, Connection>, DbError> {
        let mut connection = locked(&self.connection, &self.streamer).await?;
        connection.settle(&self.abandoned);
        if !self.open || connection.depth() < self.depth {
            return Err(finished());
        }
        Ok(connection)
    }

    /// Runs SQL text as is, without parameters, in the transaction.
    pub async fn execute_script(&self, sql: &str) -> Result<ExecResult, DbError> {
        self.db.log_statement(sql, &[]);
        let mut connection = self.lock().await?;
        let result = run_script(connection.target()?, sql).await;
        result.map_err(|e| self.failed(&mut connection, sql, e))
    }

    /// Runs one statement with parameters in the transaction.
    pub async fn execute(&self, sql: &str, params: Vec<Param>) -> Result<ExecResult, DbError> {
        self.db.log_statement(sql, &params);
        let mut connection = self.lock().await?;
        let result = run_execute(connection.target()?, sql, params).await;
        result.map_err(|e| self.failed(&mut connection, sql, e))
    }

    /// Runs a query in the transaction and decodes every row with `decode`.
    pub async fn fetch_all<T>(
        &self,
        sql: &str,
        params: Vec<Param>,
        decode: impl Fn(DbRow<'_>) -> Result<T, sqlx::Error> + Send,
    ) -> Result<Vec<T>, DbError>
    where
        T: Send,
    {
        self.db.log_statement(sql, &params);
        let mut connection = self.lock().await?;
        let result = run_fetch_all(connection.target()?, sql, params, decode).await;
        result.map_err(|e| self.failed(&mut connection, sql, e))
    }

    /// A query in the transaction, with `SELECT FOUND_ROWS()` after it on MySQL/MariaDB
    /// (the connection held between them), as [`Db`]'s for a `SELECT SQL_CALC_FOUND_ROWS
    /// …`: the rows, and how many matched without the `LIMIT` (`None` elsewhere).
    pub(crate) async fn fetch_all_found<T>(
        &self,
        sql: &str,
        params: Vec<Param>,
        decode: impl Fn(DbRow<'_>) -> Result<T, sqlx::Error> + Send,
    ) -> Result<(Vec<T>, Option<i64>), DbError>
    where
        T: Send,
    {
        if self.db.backend() != crate::config::Backend::MySql {
            return Ok((self.fetch_all(sql, params, decode).await?, None));
        }
        self.db.log_statement(sql, &params);
        let mut connection = self.lock().await?;
        let rows = run_fetch_all(connection.target()?, sql, params, decode).await;
        let rows = rows.map_err(|e| self.failed(&mut connection, sql, e))?;
        let found = crate::db::FOUND_ROWS;
        self.db.log_statement(found, &[]);
        let count = run_fetch_all(connection.target()?, found, Vec::new(), |row| {
            row.get_i64(0)
        });
        let count = count
            .await
            .map_err(|e| self.failed(&mut connection, found, e))?;
        Ok((rows, count.first().copied()))
    }

    /// Runs a query in the transaction and decodes every row with `D`.
    pub async fn fetch_decoded<D: Decode>(
        &self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Vec<D::Out>, DbError> {
        self.db.log_statement(sql, &params);
        let mut connection = self.lock().await?;
        let result = run_fetch_decoded::<D>(connection.target()?, sql, params).await;
        result.map_err(|e| self.failed(&mut connection, sql, e))
    }

    /// Runs a query in the transaction and decodes its first row, if any, with `D`.
    pub async fn fetch_first_decoded<D: Decode>(
        &self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Option<D::Out>, DbError> {
        self.db.log_statement(sql, &params);
        let mut connection = self.lock().await?;
        let result = run_fetch_first::<D>(connection.target()?, sql, params).await;
        result.map_err(|e| self.failed(&mut connection, sql, e))
    }

    /// Runs a query in the transaction and reads its rows as they come. The stream holds
    /// the transaction's connection until it ends or is dropped: finish it before the
    /// next statement or the commit.
    pub fn fetch_stream<D: Decode>(&self, sql: String, params: Vec<Param>) -> RowStream<D::Out> {
        if !self.open {
            return RowStream::failed(finished(), sql, self.backend());
        }
        self.db.stream_on::<D>(
            StreamSource::Connection(self.connection.clone(), self.streamer.clone()),
            sql,
            params,
        )
    }
}

/// A transaction's connection, once free. A stream of the transaction still open holds
/// it, and waiting would never end when the code waiting is the code reading the stream:
/// that is an error at once.
async fn locked<'c>(
    connection: &'c tokio::sync::Mutex<Connection>,
    streamer: &Streamer,
) -> Result<tokio::sync::MutexGuard<'c, Connection>, DbError> {
    if let Ok(connection) = connection.try_lock() {
        return Ok(connection);
    }
    if streamer.load(Ordering::Acquire) {
        return Err(DbError::Invalid(
            "a stream of this transaction is still open: read it to the end or drop it before the transaction's next statement (they share one connection)".into(),
        ));
    }
    Ok(connection.lock().await)
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.open || !self.rollback_on_drop {
            return;
        }
        match self.connection.try_lock() {
            Ok(mut connection) => {
                if connection.depth() >= self.depth {
                    connection.start_rollback_to(self.depth);
                }
            }
            // A stream holds the connection: the rollback happens at its next use.
            Err(_) => {
                let depth = self.depth;
                let _ =
                    self.abandoned
                        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| {
                            Some(if current == 0 {
                                depth
                            } else {
                                current.min(depth)
                            })
                        });
            }
        }
    }
}
