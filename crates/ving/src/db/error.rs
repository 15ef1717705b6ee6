//! Why the database could not be used: [`DbError`].

use super::*;

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The configuration could not be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The server could not be reached or refused the connection.
    #[error("cannot connect to {backend} at {url}: {source}{}; the URL is from {from}", connect_hint(.source))]
    Connect {
        /// The backend.
        backend: Backend,
        /// The URL, with any password hidden.
        url: String,
        /// Where the URL came from (`VING_DATABASE_URL`, `ving.toml [database] url`, …).
        from: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A statement failed.
    #[error("{backend} query failed: {source} (SQL: {sql})")]
    Query {
        /// The backend.
        backend: Backend,
        /// The statement's SQL (parameters are not shown).
        sql: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The pool gave no connection in time, and one more attempt to connect says why:
    /// the server refused, is not there, or every connection is busy.
    #[error("{backend}: no connection within the pool's timeout; the last attempt to connect got: {cause}")]
    Unavailable {
        /// The backend.
        backend: Backend,
        /// What one attempt to connect got (`connection refused`, …).
        cause: String,
    },
    /// The connection was lost during a statement: the server closed it, restarted or
    /// went away (the driver's error says what it was reading).
    #[error("{backend}: the connection to the server was lost during the statement (it closed the connection, restarted or went away); whether the statement took effect is unknown (SQL: {sql})")]
    Lost {
        /// The backend.
        backend: Backend,
        /// The statement's SQL (parameters are not shown).
        sql: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A statement could not be built (for example a `sql!` template whose placeholders
    /// and arguments do not match).
    #[error("invalid statement: {0}")]
    Invalid(String),
    /// A commit was asked of a transaction a failed statement had aborted (PostgreSQL
    /// refuses every statement after a failure until a rollback, and would roll back at
    /// `COMMIT` while reporting success): it was rolled back, and nothing of it is kept.
    /// Put a statement that may fail in a savepoint (`tx.transaction(…)`) to go on after
    /// its failure, on every backend.
    #[error("{backend}: the transaction was rolled back, not committed: a statement in it failed, which aborts a {backend} transaction")]
    Aborted {
        /// The backend.
        backend: Backend,
    },
    /// A MySQL/MariaDB database whose character set cannot hold every character (latin1
    /// stores an emoji as `?`): refused when the pool opens.
    #[error("database `{database}` has the character set {charset}, which stores text it cannot hold as `?`: ving needs utf8mb4 (ALTER DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci, then convert its tables)")]
    Charset {
        /// The database.
        database: String,
        /// Its character set.
        charset: String,
    },
    /// A PostgreSQL database whose encoding is not UTF8 (LATIN1 refuses an emoji;
    /// SQL_ASCII counts lengths in bytes and folds no case beyond ASCII): refused when the
    /// pool opens.
    #[error("database `{database}` has the encoding {encoding}, which cannot hold or compare every character as ving does: ving needs UTF8 (CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0, then copy the data over)")]
    Encoding {
        /// The database.
        database: String,
        /// Its encoding.
        encoding: String,
    },
    /// The database cannot do what the statement asks.
    #[error("{backend} does not support {feature}")]
    Unsupported {
        /// The backend.
        backend: Backend,
        /// What it cannot do (`FULL JOIN`, `UPDATE … RETURNING`).
        feature: String,
    },
}

/// The rule of a table a refused statement broke, when it is one a caller can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// A unique index or constraint: the (first) column it covers, when the database names
    /// it or the index is ving's `<prop>Index`.
    Unique(Option<String>),
    /// A `NOT NULL` column given no value: its name, when the database says.
    NotNull(Option<String>),
}

impl DbError {
    /// The rule the statement broke (unique, not null), with the column when the database
    /// names it — the same answer on every backend, read from each driver's error.
    pub fn violation(&self) -> Option<Violation> {
        let DbError::Query {
            source: sqlx::Error::Database(error),
            ..
        } = self
        else {
            return None;
        };
        let message = error.message();
        if error.is_unique_violation() {
            return Some(Violation::Unique(unique_column(error.as_ref(), message)));
        }
        not_null_column(error.as_ref(), message).map(Violation::NotNull)
    }

    /// Whether the server could not be used at all: it could not be reached, refused or
    /// lost the connection, or the pool gave none in time. Such a statement may be tried
    /// again once the server is back (it may have taken effect if the connection was
    /// lost during it).
    pub fn is_connection_error(&self) -> bool {
        match self {
            DbError::Connect { .. } | DbError::Unavailable { .. } | DbError::Lost { .. } => true,
            // SQLite's "unable to open database file" (SQLITE_CANTOPEN) is its "no answer".
            DbError::Query {
                backend: Backend::Sqlite,
                source: sqlx::Error::Database(error),
                ..
            } => error.code().as_deref() == Some("14"),
            DbError::Query { source, .. } => matches!(
                source,
                sqlx::Error::Io(_)
                    | sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::WorkerCrashed
                    | sqlx::Error::Tls(_)
                    | sqlx::Error::Protocol(_)
            ),
            _ => false,
        }
    }

    /// Whether trying again may succeed: a connection error, or the database gave up on
    /// the statement because of others (a deadlock, a serialization failure, a lock wait
    /// timeout, SQLite's "database is locked").
    pub fn is_transient(&self) -> bool {
        if self.is_connection_error() {
            return true;
        }
        let DbError::Query {
            source: sqlx::Error::Database(error),
            ..
        } = self
        else {
            return false;
        };
        let code = error.code();
        match code.as_deref() {
            // PostgreSQL: serialization failure, deadlock, lock not available.
            Some("40001" | "40P01" | "55P03") => true,
            // SQLite: SQLITE_BUSY, SQLITE_LOCKED (and their extended codes).
            Some(code) if matches!(code.parse::<u32>().map(|c| c & 0xff), Ok(5 | 6)) => true,
            _ => {
                #[cfg(feature = "mysql")]
                if let Some(mysql) = error.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                    // Deadlock, lock wait timeout, Galera's certification conflict.
                    return matches!(mysql.number(), 1213 | 1205 | 1317);
                }
                false
            }
        }
    }

    /// Whether the database refused the statement because it would break a unique index
    /// or constraint (ving's 409).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Query {
                source: sqlx::Error::Database(error),
                ..
            } => error.is_unique_violation(),
            _ => false,
        }
    }
}

/// What to check after a connection error the driver's words leave unclear.
fn connect_hint(error: &sqlx::Error) -> &'static str {
    let text = error.to_string();
    if text.contains("invalid peer certificate") {
        " (the server's certificate is not one the TLS settings trust: check sslrootcert / ssl-ca, or the host name for verify-full / VERIFY_IDENTITY)"
    } else if text.contains("SSL") || text.contains("TLS") || text.contains("tls") {
        " (check the TLS settings: sslmode / ssl-mode)"
    } else {
        ""
    }
}

/// The text between `start` and the next `end` in `text`.
fn between<'t>(text: &'t str, start: &str, end: &str) -> Option<&'t str> {
    let from = text.find(start)? + start.len();
    let rest = &text[from..];
    Some(&rest[..rest.find(end)?])
}

/// The column after `table.` in SQLite's `… constraint failed: users.email, users.x`.
fn sqlite_column(message: &str, what: &str) -> Option<String> {
    let columns = message.strip_prefix(what)?;
    let first = columns.split(',').next()?.trim();
    Some(first.rsplit('.').next()?.to_owned())
}

/// The first column of a unique violation: PostgreSQL's detail (`Key (email)=(…)`),
/// MySQL's key name (`for key 'users.emailIndex'`: ving's `<prop>Index`, or `PRIMARY`),
/// SQLite's message.
fn unique_column(error: &dyn sqlx::error::DatabaseError, message: &str) -> Option<String> {
    #[cfg(feature = "postgres")]
    if let Some(pg) = error.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        let columns = between(pg.detail()?, "Key (", ")=")?;
        return Some(
            columns
                .split(',')
                .next()?
                .trim()
                .trim_matches('"')
                .to_owned(),
        );
    }
    let _ = error;
    if let Some(key) = between(message, "for key '", "'") {
        let key = key.rsplit('.').next()?;
        return match key {
            "PRIMARY" => Some("id".to_owned()),
            _ => key.strip_suffix("Index").map(str::to_owned),
        };
    }
    sqlite_column(message, "UNIQUE constraint failed: ")
}

/// The column of a `NOT NULL` violation, when the error is one: PostgreSQL's 23502 with
/// its column, MySQL's 1048 (`Column 'x' cannot be null`) and 1364 (`Field 'x' doesn't
/// have a default value`), SQLite's `NOT NULL constraint failed: users.x`.
fn not_null_column(
    error: &dyn sqlx::error::DatabaseError,
    message: &str,
) -> Option<Option<String>> {
    #[cfg(feature = "postgres")]
    if let Some(pg) = error.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return (pg.code() == "23502").then(|| pg.column().map(str::to_owned));
    }
    let _ = error;
    if let Some(column) = between(message, "Column '", "' cannot be null")
        .or_else(|| between(message, "Field '", "' doesn't have a default value"))
    {
        return Some(Some(column.to_owned()));
    }
    message
        .starts_with("NOT NULL constraint failed: ")
        .then(|| sqlite_column(message, "NOT NULL constraint failed: "))
}
