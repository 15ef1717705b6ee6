//! The connection a transaction holds: shared by the transaction's handle, its
//! savepoints and its streams, with the levels (transaction, savepoints) open on it.
//! Below both [`crate::transaction`] (which opens and ends levels) and the streams of
//! [`crate::db`] (which read through it).

use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::pool::PoolConnection;
use sqlx::{Database, TransactionManager};

use crate::config::Backend;

use super::{DbError, Target};

/// The connection a transaction holds, shared by its handle, its savepoints and its
/// streams (`None` once the transaction has ended and the connection went back to the
/// pool), and how many levels (transaction, savepoints) are open on it. The depth is
/// counted here, not read from the driver: SQLite's driver applies a queued rollback
/// later, on its worker thread.
#[derive(Debug)]
pub(crate) struct Connection {
    pub(crate) held: Option<Held>,
    pub(crate) depth: usize,
    /// The depth at which the connection goes back to the pool when its levels end: 1
    /// for a transaction begun on the pool, 0 for a held connection (which keeps it
    /// until its last handle is dropped).
    pub(crate) root: usize,
    /// The level open when a statement failed on PostgreSQL, which then refuses every
    /// statement until that level is rolled back (and turns a `COMMIT` into a silent
    /// rollback): such a commit is an error here, never a success.
    aborted_at: Option<usize>,
}

/// A connection taken from the pool, of one backend.
#[derive(Debug)]
pub(crate) enum Held {
    #[cfg(feature = "mysql")]
    MySql(PoolConnection<sqlx::MySql>),
    #[cfg(feature = "postgres")]
    Postgres(PoolConnection<sqlx::Postgres>),
    #[cfg(feature = "sqlite")]
    Sqlite(PoolConnection<sqlx::Sqlite>),
}

/// Calls `$body` with `$conn` bound to the held connection (`&mut` the backend's
/// connection) and `$manager` to its sqlx transaction manager.
macro_rules! with_held {
    ($held:expr, |$conn:ident, $manager:ident| $body:expr) => {
        match $held {
            #[cfg(feature = "mysql")]
            Held::MySql($conn) => {
                type $manager = <sqlx::MySql as Database>::TransactionManager;
                let $conn = &mut **$conn;
                $body
            }
            #[cfg(feature = "postgres")]
            Held::Postgres($conn) => {
                type $manager = <sqlx::Postgres as Database>::TransactionManager;
                let $conn = &mut **$conn;
                $body
            }
            #[cfg(feature = "sqlite")]
            Held::Sqlite($conn) => {
                type $manager = <sqlx::Sqlite as Database>::TransactionManager;
                let $conn = &mut **$conn;
                $body
            }
        }
    };
}

impl Connection {
    /// A held connection with `depth` levels open, going back to the pool when they end.
    pub(crate) fn new(held: Held, depth: usize) -> Connection {
        Connection {
            held: Some(held),
            depth,
            root: depth,
            aborted_at: None,
        }
    }

    /// Notes a failed statement: on PostgreSQL, inside a transaction, the database error
    /// aborted the transaction up to the level open now.
    pub(crate) fn statement_failed(&mut self, error: &sqlx::Error) {
        #[cfg(feature = "postgres")]
        if matches!(self.held, Some(Held::Postgres(_)))
            && self.depth > 0
            && matches!(error, sqlx::Error::Database(_))
        {
            self.aborted_at = Some(self.aborted_at.map_or(self.depth, |at| at.min(self.depth)));
        }
        let _ = error;
    }

    /// Forgets an abort once the level it happened in (or one below) is rolled back.
    fn rolled_back_to(&mut self, depth: usize) {
        if self.aborted_at.is_some_and(|at| at >= depth) {
            self.aborted_at = None;
        }
    }
    /// Where statements of the transaction run.
    pub(crate) fn target(&mut self) -> Result<Target<'_>, DbError> {
        match &mut self.held {
            #[cfg(feature = "mysql")]
            Some(Held::MySql(c)) => Ok(Target::MySqlConn(c)),
            #[cfg(feature = "postgres")]
            Some(Held::Postgres(c)) => Ok(Target::PostgresConn(c)),
            #[cfg(feature = "sqlite")]
            Some(Held::Sqlite(c)) => Ok(Target::SqliteConn(c)),
            None => Err(finished()),
        }
    }

    /// Open transactions and savepoints on the connection (0 when it has ended).
    pub(crate) fn depth(&self) -> usize {
        if self.held.is_some() {
            self.depth
        } else {
            0
        }
    }

    /// Starts rolling back every level from `depth` up (the driver sends the statements
    /// with the next use of the connection); the connection goes back to the pool when
    /// the whole transaction is undone.
    pub(crate) fn start_rollback_to(&mut self, depth: usize) {
        let depth = depth.max(1);
        if let Some(held) = &mut self.held {
            while self.depth >= depth {
                with_held!(held, |conn, M| M::start_rollback(conn));
                self.depth -= 1;
            }
        }
        self.rolled_back_to(depth);
        if depth <= self.root {
            self.held = None;
        }
    }

    /// Opens a savepoint.
    pub(crate) async fn savepoint(&mut self) -> Result<(), DbError> {
        let Some(held) = &mut self.held else {
            return Err(finished());
        };
        with_held!(held, |conn, M| M::begin(conn, None).await).map_err(|e| DbError::Query {
            backend: held_backend(held),
            sql: "SAVEPOINT".into(),
            source: e,
        })?;
        self.depth += 1;
        Ok(())
    }

    /// Applies the rollbacks of transactions dropped while a stream held the connection.
    pub(crate) fn settle(&mut self, abandoned: &AtomicUsize) {
        let depth = abandoned.swap(0, Ordering::AcqRel);
        if depth > 0 {
            self.start_rollback_to(depth);
        }
    }

    /// Ends the level `depth` (and any savepoint above it, undone): commits or rolls it
    /// back. `Ok(false)` when a commit was asked of a level a failed statement aborted
    /// (PostgreSQL): it is rolled back instead.
    pub(crate) async fn end(&mut self, depth: usize, commit: bool) -> Result<bool, sqlx::Error> {
        let Some(held) = &mut self.held else {
            return Ok(true);
        };
        // Savepoints opened inside this level and not ended are undone first.
        while self.depth > depth {
            with_held!(held, |conn, M| M::rollback(conn).await)?;
            self.depth -= 1;
        }
        // The levels above `depth` are undone: an abort in them is gone with them.
        if self.aborted_at.is_some_and(|at| at > depth) {
            self.aborted_at = None;
        }
        let mut committed = commit;
        if self.depth == depth {
            committed = commit && self.aborted_at.is_none();
            let result = if committed {
                with_held!(held, |conn, M| M::commit(conn).await)
            } else {
                with_held!(held, |conn, M| M::rollback(conn).await)
            };
            self.depth -= 1;
            if self.aborted_at.is_some_and(|at| at >= depth) {
                self.aborted_at = None;
            }
            result?;
        }
        if depth <= self.root {
            self.held = None;
        }
        Ok(committed || !commit)
    }
}

/// The backend of a held connection.
pub(crate) fn held_backend(held: &Held) -> Backend {
    match held {
        #[cfg(feature = "mysql")]
        Held::MySql(_) => Backend::MySql,
        #[cfg(feature = "postgres")]
        Held::Postgres(_) => Backend::Postgres,
        #[cfg(feature = "sqlite")]
        Held::Sqlite(_) => Backend::Sqlite,
    }
}

/// The error of a statement on a transaction that has ended.
pub(crate) fn finished() -> DbError {
    DbError::Invalid("the transaction has already ended (committed or rolled back)".into())
}

impl Drop for Connection {
    fn drop(&mut self) {
        // The last handle is gone (a stream outlived the transaction, or a held
        // connection was dropped): undo what is open; the connection goes back to the pool.
        if self.held.is_some() {
            self.start_rollback_to(1);
            self.held = None;
        }
    }
}
