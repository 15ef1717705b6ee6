//! Connections: one sqlx pool per database, behind an enum ving-rs owns (sqlx's `Any`
//! driver supports only the types every backend shares, so it is not used).
//!
//! [`use_db`] gives the process's one pool, made on first use from the configuration of
//! the project in the current directory; [`Db::connect`] makes a pool from any URL.
//!
//! # Examples
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use ving::config::DatabaseUrl;
//! use ving::db::Db;
//!
//! let url = DatabaseUrl::parse("sqlite::memory:").unwrap();
//! let db = Db::connect(&url, std::path::Path::new(".")).await.unwrap();
//! db.ping().await.unwrap();
//! # });
//! ```

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::ConnectOptions;
use tokio::sync::OnceCell;

use crate::config::{Backend, Config, ConfigError, DatabaseUrl};

/// How long to wait for a server before saying it cannot be reached.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

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
    /// A query failed.
    #[error("{backend} query failed: {source}")]
    Query {
        /// The backend.
        backend: Backend,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
}

/// A connection pool to one database.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Db {
    /// MySQL or MariaDB.
    MySql(MySqlPool),
    /// PostgreSQL.
    Postgres(PgPool),
    /// SQLite.
    Sqlite(SqlitePool),
}

impl Db {
    /// Opens a pool to `url`. A relative SQLite path is taken relative to `root` (the
    /// project folder) and the file is created when missing.
    pub async fn connect(url: &DatabaseUrl, root: &Path) -> Result<Db, DbError> {
        let connect_error = |source| DbError::Connect {
            backend: url.backend(),
            url: url.to_string(),
            source,
        };
        let db = match url.backend() {
            Backend::MySql => {
                let options = MySqlConnectOptions::from_url(&driver_url(url)?)
                    .map_err(connect_error)?
                    .disable_statement_logging();
                let pool = MySqlPoolOptions::new()
                    .acquire_timeout(CONNECT_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(connect_error)?;
                Db::MySql(pool)
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_url(&driver_url(url)?)
                    .map_err(connect_error)?
                    .disable_statement_logging();
                let pool = PgPoolOptions::new()
                    .acquire_timeout(CONNECT_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(connect_error)?;
                Db::Postgres(pool)
            }
            Backend::Sqlite => {
                let mut options = SqliteConnectOptions::from_str(url.driver_url())
                    .map_err(connect_error)?
                    .foreign_keys(true)
                    .disable_statement_logging();
                let file = options.get_filename().to_path_buf();
                let in_memory = file.as_os_str() == ":memory:";
                if !in_memory && file.is_relative() {
                    options = options.filename(root.join(file));
                }
                if !url.driver_url().contains("mode=ro") {
                    options = options.create_if_missing(true);
                }
                let pool = SqlitePoolOptions::new()
                    .acquire_timeout(CONNECT_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(connect_error)?;
                Db::Sqlite(pool)
            }
        };
        Ok(db)
    }

    /// Which database family this pool talks to.
    pub fn backend(&self) -> Backend {
        match self {
            Db::MySql(_) => Backend::MySql,
            Db::Postgres(_) => Backend::Postgres,
            Db::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Runs `SELECT 1`: proves the database answers.
    pub async fn ping(&self) -> Result<(), DbError> {
        let one: i64 = match self {
            Db::MySql(pool) => {
                sqlx::query_scalar("SELECT CAST(1 AS SIGNED)")
                    .fetch_one(pool)
                    .await
            }
            Db::Postgres(pool) => sqlx::query_scalar("SELECT 1::int8").fetch_one(pool).await,
            Db::Sqlite(pool) => sqlx::query_scalar("SELECT 1").fetch_one(pool).await,
        }
        .map_err(|source| self.query_error(source))?;
        debug_assert_eq!(one, 1);
        Ok(())
    }

    /// The server's version string (`10.11.19-MariaDB…`, `PostgreSQL 15…`, `3.46.0`).
    pub async fn server_version(&self) -> Result<String, DbError> {
        match self {
            Db::MySql(pool) => sqlx::query_scalar("SELECT VERSION()").fetch_one(pool).await,
            Db::Postgres(pool) => sqlx::query_scalar("SELECT version()").fetch_one(pool).await,
            Db::Sqlite(pool) => {
                sqlx::query_scalar("SELECT sqlite_version()")
                    .fetch_one(pool)
                    .await
            }
        }
        .map_err(|source| self.query_error(source))
    }

    /// Closes every connection of the pool.
    pub async fn close(&self) {
        match self {
            Db::MySql(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
            Db::Sqlite(pool) => pool.close().await,
        }
    }

    fn query_error(&self, source: sqlx::Error) -> DbError {
        DbError::Query {
            backend: self.backend(),
            source,
        }
    }
}

fn driver_url(url: &DatabaseUrl) -> Result<url::Url, DbError> {
    url::Url::parse(url.driver_url()).map_err(|e| {
        DbError::Config(ConfigError::DatabaseUrl {
            url: url.to_string(),
            source_name: "the configuration".into(),
            message: e.to_string(),
        })
    })
}

static DB: OnceCell<Db> = OnceCell::const_new();

/// The process's one pool, made on first use from the project in the current directory
/// (see [`crate::config`] for where the URL comes from). Safe to call from any task; every
/// caller gets the same pool.
pub async fn use_db() -> Result<&'static Db, DbError> {
    DB.get_or_try_init(|| async {
        let root = std::env::current_dir().map_err(|source| {
            DbError::Config(ConfigError::Read {
                file: ".".into(),
                source,
            })
        })?;
        let config = Config::load(&root)?;
        Db::connect(&config.database_url()?, config.root()).await
    })
    .await
}
