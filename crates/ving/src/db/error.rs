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
    #[error("cannot connect to {backend} at {url}: {source}")]
    Connect {
        /// The backend.
        backend: Backend,
        /// The URL, with any password hidden.
        url: String,
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
    /// A statement could not be built (for example a `sql!` template whose placeholders
    /// and arguments do not match).
    #[error("invalid statement: {0}")]
    Invalid(String),
    /// The database cannot do what the statement asks.
    #[error("{backend} does not support {feature}")]
    Unsupported {
        /// The backend.
        backend: Backend,
        /// What it cannot do (`FULL JOIN`, `UPDATE … RETURNING`).
        feature: String,
    },
}

impl DbError {
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
