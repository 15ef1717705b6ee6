//! Connections: one sqlx pool per database, behind a type ving-rs owns (sqlx's `Any`
//! driver supports only the types every backend shares, so it is not used), and the
//! primitives every layer above runs SQL through: fetch, execute, stream, each logging
//! the query and its parameters when the URL says `?log=yes`.
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
use std::pin::Pin;
#[cfg(feature = "sqlite")]
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::{FutureExt, Stream, StreamExt};
#[cfg(feature = "mysql")]
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions, MySqlRow};
#[cfg(feature = "postgres")]
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
#[cfg(feature = "sqlite")]
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::ConnectOptions;
use tokio::sync::OnceCell;

use crate::config::{Backend, Config, ConfigError, DatabaseUrl};
use crate::replicas::{ReadMode, RoundRobin, Routing};

#[cfg(not(any(feature = "mysql", feature = "postgres", feature = "sqlite")))]
compile_error!("ving needs at least one of its features `mysql`, `postgres`, `sqlite`");
use crate::sql::{dialect, Dialect, Param};

/// How long to wait for a server before saying it cannot be reached (the default
/// `acquire_timeout`).
pub const CONNECT_TIMEOUT: Duration = crate::config::PoolSettings::DEFAULT_ACQUIRE_TIMEOUT;

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

/// A connection pool to one database.
#[derive(Debug, Clone)]
pub struct Db {
    pool: Pool,
    log: bool,
    version: Arc<OnceCell<String>>,
    increment: Arc<OnceCell<i64>>,
    routing: Option<Arc<Routing>>,
    reads: ReadMode,
}

/// The pool of one backend.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Pool {
    /// MySQL or MariaDB.
    #[cfg(feature = "mysql")]
    MySql(MySqlPool),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(PgPool),
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(SqlitePool),
}

/// A row read from any backend.
#[derive(Clone, Copy)]
pub enum DbRow<'r> {
    /// A MySQL/MariaDB row.
    #[cfg(feature = "mysql")]
    MySql(&'r MySqlRow),
    /// A PostgreSQL row.
    #[cfg(feature = "postgres")]
    Postgres(&'r PgRow),
    /// A SQLite row.
    #[cfg(feature = "sqlite")]
    Sqlite(&'r SqliteRow),
}

/// What an `INSERT`, `UPDATE` or `DELETE` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExecResult {
    /// Rows inserted, changed or deleted.
    pub rows_affected: u64,
    /// The auto-increment id MySQL/SQLite report for the last insert (0 when none).
    pub last_insert_id: u64,
}

#[cfg(feature = "mysql")]
impl From<sqlx::mysql::MySqlQueryResult> for ExecResult {
    fn from(result: sqlx::mysql::MySqlQueryResult) -> Self {
        ExecResult {
            rows_affected: result.rows_affected(),
            last_insert_id: result.last_insert_id(),
        }
    }
}

#[cfg(feature = "postgres")]
impl From<sqlx::postgres::PgQueryResult> for ExecResult {
    fn from(result: sqlx::postgres::PgQueryResult) -> Self {
        ExecResult {
            rows_affected: result.rows_affected(),
            last_insert_id: 0,
        }
    }
}

#[cfg(feature = "sqlite")]
impl From<sqlx::sqlite::SqliteQueryResult> for ExecResult {
    fn from(result: sqlx::sqlite::SqliteQueryResult) -> Self {
        ExecResult {
            rows_affected: result.rows_affected(),
            last_insert_id: u64::try_from(result.last_insert_rowid()).unwrap_or(0),
        }
    }
}

/// Where a statement runs: a pool (any free connection) or one connection (a
/// transaction's).
pub(crate) enum Target<'c> {
    #[cfg(feature = "mysql")]
    MySqlPool(&'c MySqlPool),
    #[cfg(feature = "mysql")]
    MySqlConn(&'c mut sqlx::MySqlConnection),
    #[cfg(feature = "postgres")]
    PostgresPool(&'c PgPool),
    #[cfg(feature = "postgres")]
    PostgresConn(&'c mut sqlx::PgConnection),
    #[cfg(feature = "sqlite")]
    SqlitePool(&'c SqlitePool),
    #[cfg(feature = "sqlite")]
    SqliteConn(&'c mut sqlx::SqliteConnection),
}

impl<'c> From<&'c Pool> for Target<'c> {
    fn from(pool: &'c Pool) -> Self {
        match pool {
            #[cfg(feature = "mysql")]
            Pool::MySql(pool) => Target::MySqlPool(pool),
            #[cfg(feature = "postgres")]
            Pool::Postgres(pool) => Target::PostgresPool(pool),
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(pool) => Target::SqlitePool(pool),
        }
    }
}

/// Runs `$body` with `$exec` bound to the target's sqlx executor (a pool or a connection)
/// and `$query` to a sqlx query of `$sql` with `$params` bound; `$wrap!(row)` makes a
/// [`DbRow`] of the backend's row.
macro_rules! with_target {
    ($target:expr, $sql:expr, $params:expr, |$exec:ident, $query:ident, $wrap:ident| $body:expr) => {
        with_target!(@arms $target, $sql, $params, $exec, $query, $wrap, $body,
            MySqlPool MySqlConn => bind_mysql, MySql, "mysql";
            PostgresPool PostgresConn => bind_postgres, Postgres, "postgres";
            SqlitePool SqliteConn => bind_sqlite, Sqlite, "sqlite")
    };
    (@arms $target:expr, $sql:expr, $params:expr, $exec:ident, $query:ident, $wrap:ident, $body:expr,
        $($pool:ident $conn:ident => $bind:ident, $row:ident, $feature:literal);+) => {
        match $target {
            $(
                #[cfg(feature = $feature)]
                Target::$pool($exec) => {
                    let $query = $bind(sqlx::query($sql), $params);
                    #[allow(unused_macros)]
                    macro_rules! $wrap {
                        ($r:expr) => {
                            DbRow::$row($r)
                        };
                    }
                    $body
                }
                #[cfg(feature = $feature)]
                Target::$conn($exec) => {
                    let $query = $bind(sqlx::query($sql), $params);
                    #[allow(unused_macros)]
                    macro_rules! $wrap {
                        ($r:expr) => {
                            DbRow::$row($r)
                        };
                    }
                    $body
                }
            )+
        }
    };
}

// The helpers below return boxed futures made directly from sqlx's (no `async fn`): an
// `async fn` holding `&mut Connection` across an await cannot be proven `Send` for
// every lifetime (rust-lang/rust#110338), which would keep transactions out of spawned
// tasks.

/// Runs one statement with parameters on `target`.
pub(crate) fn run_execute<'c>(
    target: Target<'c>,
    sql: &'c str,
    params: Vec<Param>,
) -> BoxFuture<'c, Result<ExecResult, sqlx::Error>> {
    with_target!(target, sql, params, |exec, query, wrap| query
        .execute(exec)
        .map(|done| done.map(ExecResult::from))
        .boxed())
}

/// Runs SQL text without parameters on `target` (several statements where allowed).
pub(crate) fn run_script<'c>(
    target: Target<'c>,
    sql: &'c str,
) -> BoxFuture<'c, Result<ExecResult, sqlx::Error>> {
    fn done<R: Into<ExecResult>>(
        result: Result<R, sqlx::Error>,
    ) -> Result<ExecResult, sqlx::Error> {
        result.map(Into::into)
    }
    use sqlx::Executor as _;
    let raw = sqlx::raw_sql(sql);
    match target {
        #[cfg(feature = "mysql")]
        Target::MySqlPool(e) => e.execute(raw).map(done).boxed(),
        #[cfg(feature = "mysql")]
        Target::MySqlConn(e) => e.execute(raw).map(done).boxed(),
        #[cfg(feature = "postgres")]
        Target::PostgresPool(e) => e.execute(raw).map(done).boxed(),
        #[cfg(feature = "postgres")]
        Target::PostgresConn(e) => e.execute(raw).map(done).boxed(),
        #[cfg(feature = "sqlite")]
        Target::SqlitePool(e) => e.execute(raw).map(done).boxed(),
        #[cfg(feature = "sqlite")]
        Target::SqliteConn(e) => e.execute(raw).map(done).boxed(),
    }
}

/// Runs a query on `target` and decodes every row with `decode`. Every row is fetched
/// first, then decoded: the driver hands rows over fastest when nothing runs between
/// them.
pub(crate) fn run_fetch_all<'c, T, F>(
    target: Target<'c>,
    sql: &'c str,
    params: Vec<Param>,
    decode: F,
) -> BoxFuture<'c, Result<Vec<T>, sqlx::Error>>
where
    T: Send + 'c,
    F: Fn(DbRow<'_>) -> Result<T, sqlx::Error> + Send + 'c,
{
    with_target!(target, sql, params, |exec, query, wrap| query
        .fetch_all(exec)
        .map(move |rows| decode_all(&rows?, |row| decode(wrap!(row))))
        .boxed())
}

/// Every row decoded, into a vector of the right size at once (collecting a `Result`
/// would grow it by doubling, copying the decoded values each time).
#[inline]
fn decode_all<R, T>(
    rows: &[R],
    mut decode: impl FnMut(&R) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, sqlx::Error> {
    let mut decoded = Vec::with_capacity(rows.len());
    for row in rows {
        decoded.push(decode(row)?);
    }
    Ok(decoded)
}

/// Runs a query on `target` and decodes every row with `D`.
pub(crate) fn run_fetch_decoded<'c, D: Decode>(
    target: Target<'c>,
    sql: &'c str,
    params: Vec<Param>,
) -> BoxFuture<'c, Result<Vec<D::Out>, sqlx::Error>> {
    with_target!(target, sql, params, |exec, query, wrap| query
        .fetch_all(exec)
        .map(|rows| decode_all(&rows?, |row| D::decode(row)))
        .boxed())
}

/// Runs a query on `target` and decodes its first row, if any, with `D`.
pub(crate) fn run_fetch_first<'c, D: Decode>(
    target: Target<'c>,
    sql: &'c str,
    params: Vec<Param>,
) -> BoxFuture<'c, Result<Option<D::Out>, sqlx::Error>> {
    with_target!(target, sql, params, |exec, query, wrap| query
        .fetch_optional(exec)
        .map(|row| row?.as_ref().map(|row| D::decode(row)).transpose())
        .boxed())
}

/// A backend's pool options from the pool settings.
macro_rules! pool_options {
    ($options:ident, $settings:expr, $opening:expr) => {{
        let settings = $settings;
        let acquire = match $opening.acquire_cap {
            Some(cap) => settings.acquire().min(cap),
            None => settings.acquire(),
        };
        $options::new()
            .max_connections(settings.max())
            .min_connections(settings.min())
            .acquire_timeout(acquire)
            .idle_timeout(settings.idle())
    }};
}

/// The pool: connected now, or on first use when the opening is lazy.
macro_rules! open_pool {
    ($pool_options:expr, $options:expr, $opening:expr, $error:expr) => {
        if $opening.lazy {
            $pool_options.connect_lazy_with($options)
        } else {
            $pool_options.connect_with($options).await.map_err($error)?
        }
    };
}

/// How long a read waits for a replica's connection before it counts the replica down
/// (and reads from the primary).
const REPLICA_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// How a pool is opened.
#[derive(Debug, Clone, Copy, Default)]
struct Opening {
    /// Connect on first use (replicas: one that is down must not stop the app).
    lazy: bool,
    /// At most this long to wait for a connection.
    acquire_cap: Option<Duration>,
    /// A statement each new connection runs first (MySQL: Galera's `wsrep_sync_wait`).
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    session: Option<&'static str>,
}

impl Db {
    /// Opens a pool to `url`. A relative SQLite path is taken relative to `root` (the
    /// project folder) and the file is created when missing.
    pub async fn connect(url: &DatabaseUrl, root: &Path) -> Result<Db, DbError> {
        Db::open(url, root, Opening::default()).await
    }

    /// Opens a pool to `url` whose reads go to `replicas` (see [`crate::replicas`]).
    /// A replica that cannot be reached now is not an error: it is tried when reads
    /// come, and skipped while it does not answer.
    pub async fn connect_with_replicas(
        url: &DatabaseUrl,
        replicas: &[DatabaseUrl],
        root: &Path,
        max_lag: Duration,
    ) -> Result<Db, DbError> {
        let primary = Db::open(url, root, Opening::default()).await?;
        if replicas.is_empty() {
            return Ok(primary);
        }
        let mut pools = Vec::with_capacity(replicas.len());
        for replica in replicas {
            if replica.backend() != url.backend() {
                return Err(DbError::Invalid(format!(
                    "replica {replica} is {}, the primary {}",
                    replica.backend(),
                    url.backend()
                )));
            }
            let lazy = Opening {
                lazy: true,
                acquire_cap: Some(REPLICA_ACQUIRE_TIMEOUT),
                session: None,
            };
            let db = Db::open(replica, root, lazy).await?;
            // Galera: a second pool whose reads wait for the cluster's writes.
            let causal = if replica.backend() == Backend::MySql {
                let causal = Opening {
                    session: Some("SET SESSION wsrep_sync_wait = 1"),
                    ..lazy
                };
                Some(Db::open(replica, root, causal).await?)
            } else {
                None
            };
            pools.push((db, causal));
        }
        let routing = Routing::new(pools, Box::new(RoundRobin), max_lag);
        Ok(primary.with_routing(routing))
    }

    async fn open(url: &DatabaseUrl, root: &Path, opening: Opening) -> Result<Db, DbError> {
        // Only SQLite's file paths are relative to the project.
        let _ = root;
        let connect_error = |source| DbError::Connect {
            backend: url.backend(),
            url: url.to_string(),
            source,
        };
        let pool = match url.backend() {
            #[cfg(feature = "mysql")]
            Backend::MySql => {
                let options = MySqlConnectOptions::from_url(&driver_url(url)?)
                    .map_err(connect_error)?
                    .disable_statement_logging();
                let mut pool_options = pool_options!(MySqlPoolOptions, url.pool(), opening);
                if let Some(session) = opening.session {
                    pool_options = pool_options.after_connect(move |conn, _| {
                        Box::pin(
                            async move { sqlx::Executor::execute(conn, session).await.map(drop) },
                        )
                    });
                }
                if !opening.lazy {
                    // One direct connection first: the pool would retry a refused
                    // connection until its acquire timeout and then report only the timeout.
                    let probe = <sqlx::MySqlConnection as sqlx::Connection>::connect_with(&options)
                        .await
                        .map_err(connect_error)?;
                    let _ = sqlx::Connection::close(probe).await;
                }
                Pool::MySql(open_pool!(pool_options, options, opening, connect_error))
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres => {
                let options = PgConnectOptions::from_url(&driver_url(url)?)
                    .map_err(connect_error)?
                    .disable_statement_logging();
                let pool_options = pool_options!(PgPoolOptions, url.pool(), opening);
                if !opening.lazy {
                    let probe = <sqlx::PgConnection as sqlx::Connection>::connect_with(&options)
                        .await
                        .map_err(connect_error)?;
                    let _ = sqlx::Connection::close(probe).await;
                }
                Pool::Postgres(open_pool!(pool_options, options, opening, connect_error))
            }
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => {
                let mut options = SqliteConnectOptions::from_str(url.driver_url())
                    .map_err(connect_error)?
                    .foreign_keys(true)
                    // LIKE matches case-sensitively, as on PostgreSQL and under MySQL's
                    // binary collations (SQLite's own default folds ASCII case).
                    .pragma("case_sensitive_like", "ON")
                    .disable_statement_logging();
                let file = options.get_filename().to_path_buf();
                let in_memory = url.driver_url().contains(":memory:")
                    || url.driver_url().contains("mode=memory");
                if !in_memory && file.is_relative() {
                    options = options.filename(root.join(file));
                }
                if !url.driver_url().contains("mode=ro") {
                    options = options.create_if_missing(true);
                }
                let mut pool_options = pool_options!(SqlitePoolOptions, url.pool(), opening);
                if in_memory {
                    // Each connection to :memory: is a database of its own: keep exactly
                    // one, for the life of the pool.
                    pool_options = pool_options
                        .max_connections(1)
                        .min_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None);
                }
                Pool::Sqlite(open_pool!(pool_options, options, opening, connect_error))
            }
            #[allow(unreachable_patterns)]
            backend => {
                return Err(DbError::Unsupported {
                    backend,
                    feature: format!(
                        "this database in this build: ving was compiled without its `{}` feature",
                        backend.feature()
                    ),
                })
            }
        };
        Ok(Db {
            pool,
            log: url.log(),
            version: Arc::new(OnceCell::new()),
            increment: Arc::new(OnceCell::new()),
            routing: None,
            reads: ReadMode::Replica,
        })
    }

    pub(crate) fn routing(&self) -> Option<&Routing> {
        self.routing.as_deref()
    }

    pub(crate) fn read_mode(&self) -> ReadMode {
        self.reads
    }

    pub(crate) fn with_reads(&self, reads: ReadMode) -> Db {
        Db {
            reads,
            ..self.clone()
        }
    }

    pub(crate) fn with_routing(&self, routing: Routing) -> Db {
        Db {
            routing: Some(Arc::new(routing)),
            ..self.clone()
        }
    }

    /// Which database family this pool talks to.
    pub fn backend(&self) -> Backend {
        match self.pool {
            #[cfg(feature = "mysql")]
            Pool::MySql(_) => Backend::MySql,
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// How this database writes SQL.
    pub fn dialect(&self) -> &'static dyn Dialect {
        dialect(self.backend())
    }

    /// The sqlx pool, for work this crate does not cover.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The most connections the pool opens.
    pub fn max_connections(&self) -> u32 {
        match &self.pool {
            #[cfg(feature = "mysql")]
            Pool::MySql(pool) => pool.options().get_max_connections(),
            #[cfg(feature = "postgres")]
            Pool::Postgres(pool) => pool.options().get_max_connections(),
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(pool) => pool.options().get_max_connections(),
        }
    }

    /// Whether every query is logged (`?log=yes`).
    pub fn logs_queries(&self) -> bool {
        self.log
    }

    /// Runs `SELECT 1`: proves the database answers.
    pub async fn ping(&self) -> Result<(), DbError> {
        let sql = match self.backend() {
            Backend::MySql => "SELECT CAST(1 AS SIGNED)",
            Backend::Postgres => "SELECT 1::int8",
            Backend::Sqlite => "SELECT 1",
        };
        let rows = self
            .fetch_all(sql, Vec::new(), |row| row.get_i64(0))
            .await?;
        match rows.as_slice() {
            [1] => Ok(()),
            other => Err(DbError::Invalid(format!("SELECT 1 answered {other:?}"))),
        }
    }

    /// The server's version, asked once per pool.
    async fn cached_version(&self) -> Result<&str, DbError> {
        self.version
            .get_or_try_init(|| self.server_version())
            .await
            .map(String::as_str)
    }

    /// How far apart the ids of one multi-row insert are on MySQL/MariaDB
    /// (`auto_increment_increment`: 1, but the cluster's size on Galera); 1 elsewhere.
    /// Asked once per pool.
    pub async fn auto_increment_step(&self) -> Result<i64, DbError> {
        if self.backend() != Backend::MySql {
            return Ok(1);
        }
        self.increment
            .get_or_try_init(|| async {
                let rows = self
                    .fetch_all(
                        "SELECT CAST(@@auto_increment_increment AS SIGNED)",
                        Vec::new(),
                        |row| row.get_i64(0),
                    )
                    .await?;
                Ok(rows.first().copied().unwrap_or(1).max(1))
            })
            .await
            .copied()
    }

    /// Whether the server takes `RETURNING` on `INSERT` and `DELETE`: PostgreSQL and
    /// SQLite do, MariaDB from 10.5, MySQL not.
    pub async fn supports_returning(&self) -> Result<bool, DbError> {
        if self.dialect().capabilities().returning {
            return Ok(true);
        }
        let version = self.cached_version().await?;
        Ok(mariadb_at_least(version, (10, 5)))
    }

    /// The server's version string (`10.11.19-MariaDB…`, `PostgreSQL 15…`, `3.46.0`).
    pub async fn server_version(&self) -> Result<String, DbError> {
        let sql = match self.backend() {
            Backend::MySql => "SELECT VERSION()",
            Backend::Postgres => "SELECT version()",
            Backend::Sqlite => "SELECT sqlite_version()",
        };
        let rows = self
            .fetch_all(sql, Vec::new(), |row| row.get_string(0))
            .await?;
        rows.into_iter()
            .next()
            .ok_or_else(|| DbError::Invalid("no version returned".into()))
    }

    /// Closes every connection of the pool.
    pub async fn close(&self) {
        match &self.pool {
            #[cfg(feature = "mysql")]
            Pool::MySql(pool) => pool.close().await,
            #[cfg(feature = "postgres")]
            Pool::Postgres(pool) => pool.close().await,
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(pool) => pool.close().await,
        }
    }

    fn log(&self, sql: &str, params: &[Param]) {
        if self.log {
            tracing::debug!(target: "drizzle", sql, params = ?params, "query");
        }
    }

    fn query_error(&self, sql: &str, source: sqlx::Error) -> DbError {
        DbError::Query {
            backend: self.backend(),
            sql: sql.to_owned(),
            source,
        }
    }

    /// Creates every table of `model` from nothing (see [`crate::sql::create_statements`]);
    /// returns the number of statements run.
    pub async fn create_tables(&self, model: &crate::table::TableModel) -> Result<usize, DbError> {
        let statements = crate::sql::create_statements(model, self.dialect());
        for statement in &statements {
            self.execute_script(statement).await?;
        }
        Ok(statements.len())
    }

    /// Drops the tables of `model` if they exist, with their data.
    pub async fn drop_tables(&self, model: &crate::table::TableModel) -> Result<(), DbError> {
        let names: Vec<&str> = model.tables.iter().map(|t| t.name.as_str()).collect();
        if !names.is_empty() {
            self.execute_script(&self.dialect().drop_tables_script(&names))
                .await?;
        }
        Ok(())
    }

    /// Runs SQL text as is, without parameters (DDL; several statements allowed where
    /// the database allows them).
    pub async fn execute_script(&self, sql: &str) -> Result<ExecResult, DbError> {
        self.log(sql, &[]);
        run_script(Target::from(&self.pool), sql)
            .await
            .map_err(|e| self.query_error(sql, e))
    }

    /// Runs one statement with parameters and reports what it changed.
    pub async fn execute(&self, sql: &str, params: Vec<Param>) -> Result<ExecResult, DbError> {
        self.log(sql, &params);
        run_execute(Target::from(&self.pool), sql, params)
            .await
            .map_err(|e| self.query_error(sql, e))
    }

    /// Runs a query and decodes every row with `decode`.
    pub async fn fetch_all<T>(
        &self,
        sql: &str,
        params: Vec<Param>,
        decode: impl Fn(DbRow<'_>) -> Result<T, sqlx::Error> + Send,
    ) -> Result<Vec<T>, DbError>
    where
        T: Send,
    {
        self.log(sql, &params);
        run_fetch_all(Target::from(&self.pool), sql, params, decode)
            .await
            .map_err(|e| self.query_error(sql, e))
    }

    /// Runs a query and decodes every row with `D` (compiled for each backend's row).
    pub async fn fetch_decoded<D: Decode>(
        &self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Vec<D::Out>, DbError> {
        self.log(sql, &params);
        run_fetch_decoded::<D>(Target::from(&self.pool), sql, params)
            .await
            .map_err(|e| self.query_error(sql, e))
    }

    /// Runs a query and decodes its first row, if any, with `D`.
    pub async fn fetch_first_decoded<D: Decode>(
        &self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Option<D::Out>, DbError> {
        self.log(sql, &params);
        run_fetch_first::<D>(Target::from(&self.pool), sql, params)
            .await
            .map_err(|e| self.query_error(sql, e))
    }

    /// Runs a query and hands its rows over as a stream, in batches of whatever the
    /// driver has ready, each row decoded as the stream hands it out: memory stays
    /// constant however many rows there are. Dropping the stream stops the query.
    pub fn fetch_stream<D: Decode>(&self, sql: String, params: Vec<Param>) -> RowStream<D::Out> {
        self.stream_on::<D>(StreamSource::Pool(self.pool.clone()), sql, params)
    }

    /// [`Db::fetch_stream`] on a pool or on a transaction's connection (held, locked, for
    /// as long as the stream runs).
    pub(crate) fn stream_on<D: Decode>(
        &self,
        source: StreamSource,
        sql: String,
        params: Vec<Param>,
    ) -> RowStream<D::Out> {
        self.log(&sql, &params);
        let db = self.clone();
        let error_sql = sql.clone();
        let slot: Slot = Arc::new(Mutex::new(None));
        let out = slot.clone();
        // The query runs inside this future, which owns the SQL; the stream polls it in
        // the consumer's task and takes each batch of rows from the slot.
        let producer = async move {
            let mut guard;
            let target = match &source {
                StreamSource::Pool(pool) => Target::from(pool),
                StreamSource::Connection(connection) => {
                    guard = connection.clone().lock_owned().await;
                    match guard.target() {
                        Ok(target) => target,
                        Err(e) => {
                            put(&out, Err(e)).await;
                            return;
                        }
                    }
                }
            };
            let result: Result<(), sqlx::Error> =
                with_target!(target, &sql, params, |exec, query, wrap| {
                    let mut rows = query.fetch(exec);
                    let mut batch = Vec::with_capacity(STREAM_BATCH);
                    loop {
                        // Wait for one row, then take every row the driver already has, up to
                        // a batch.
                        let mut next = rows.next().await;
                        let end = loop {
                            match next {
                                Some(Ok(row)) => batch.push(OwnedRow::from(row)),
                                Some(Err(e)) => break Some(Err(e)),
                                None => break Some(Ok(())),
                            }
                            if batch.len() >= STREAM_BATCH {
                                break None;
                            }
                            match rows.next().now_or_never() {
                                Some(row) => next = row,
                                None => break None,
                            }
                        };
                        if !batch.is_empty() {
                            let full =
                                std::mem::replace(&mut batch, Vec::with_capacity(STREAM_BATCH));
                            put(&out, Ok(full)).await;
                        }
                        if let Some(end) = end {
                            break end;
                        }
                    }
                });
            if let Err(e) = result {
                put(&out, Err(db.query_error(&sql, e))).await;
            }
        };
        RowStream {
            producer: Some(Box::pin(producer)),
            slot,
            buffer: Vec::new().into_iter(),
            decode: decode_owned::<D>,
            sql: error_sql,
            backend: self.backend(),
        }
    }

    /// Logs a statement when the URL asks for it (`?log=yes`).
    pub(crate) fn log_statement(&self, sql: &str, params: &[Param]) {
        self.log(sql, params);
    }

    /// The error of a failed statement.
    pub(crate) fn statement_error(&self, sql: &str, source: sqlx::Error) -> DbError {
        self.query_error(sql, source)
    }
}

/// Where a stream's rows come from.
pub(crate) enum StreamSource {
    /// Any connection of the pool.
    Pool(Pool),
    /// A transaction's connection.
    Connection(Arc<tokio::sync::Mutex<crate::transaction::Connection>>),
}

/// Whether a MySQL-protocol version string is MariaDB's, at least `major.minor`.
fn mariadb_at_least(version: &str, (major, minor): (u32, u32)) -> bool {
    if !version.to_ascii_lowercase().contains("mariadb") {
        return false;
    }
    let mut numbers = version
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse::<u32>().ok());
    match (numbers.next(), numbers.next()) {
        (Some(a), Some(b)) => (a, b) >= (major, minor),
        _ => false,
    }
}

/// Rows a stream takes from the driver at most at a time.
const STREAM_BATCH: usize = 8;

/// A row owned by a stream's buffer.
enum OwnedRow {
    #[cfg(feature = "mysql")]
    MySql(MySqlRow),
    #[cfg(feature = "postgres")]
    Postgres(PgRow),
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteRow),
}

#[cfg(feature = "mysql")]
impl From<MySqlRow> for OwnedRow {
    fn from(row: MySqlRow) -> Self {
        #[cfg(feature = "mysql")]
        OwnedRow::MySql(row)
    }
}

#[cfg(feature = "postgres")]
impl From<PgRow> for OwnedRow {
    fn from(row: PgRow) -> Self {
        #[cfg(feature = "postgres")]
        OwnedRow::Postgres(row)
    }
}

#[cfg(feature = "sqlite")]
impl From<SqliteRow> for OwnedRow {
    fn from(row: SqliteRow) -> Self {
        #[cfg(feature = "sqlite")]
        OwnedRow::Sqlite(row)
    }
}

type Slot = Arc<Mutex<Option<Result<Vec<OwnedRow>, DbError>>>>;

/// Puts a batch in the slot and pauses the producer until the stream has taken it.
async fn put(slot: &Slot, item: Result<Vec<OwnedRow>, DbError>) {
    if let Ok(mut slot) = slot.lock() {
        *slot = Some(item);
    }
    Handover { done: false }.await;
}

/// Pending once (the stream then takes the batch in the slot), ready the next time.
struct Handover {
    done: bool,
}

impl std::future::Future for Handover {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.done {
            Poll::Ready(())
        } else {
            self.done = true;
            Poll::Pending
        }
    }
}

/// Rows of a query, read as they come ([`Db::fetch_stream`]).
pub struct RowStream<T> {
    producer: Option<Pin<Box<dyn std::future::Future<Output = ()> + Send>>>,
    slot: Slot,
    buffer: std::vec::IntoIter<OwnedRow>,
    decode: fn(&OwnedRow) -> Result<T, sqlx::Error>,
    sql: String,
    backend: Backend,
}

impl<T> RowStream<T> {
    /// A stream whose only item is `error`.
    pub(crate) fn failed(error: DbError, sql: String, backend: Backend) -> Self {
        RowStream {
            producer: None,
            slot: Arc::new(Mutex::new(Some(Err(error)))),
            buffer: Vec::new().into_iter(),
            decode: |_| Err(sqlx::Error::RowNotFound),
            sql,
            backend,
        }
    }
}

/// Decodes an owned row with `D`, compiled for each backend's row type.
fn decode_owned<D: Decode>(row: &OwnedRow) -> Result<D::Out, sqlx::Error> {
    match row {
        #[cfg(feature = "mysql")]
        OwnedRow::MySql(row) => D::decode(row),
        #[cfg(feature = "postgres")]
        OwnedRow::Postgres(row) => D::decode(row),
        #[cfg(feature = "sqlite")]
        OwnedRow::Sqlite(row) => D::decode(row),
    }
}

impl<T> std::fmt::Debug for RowStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowStream")
            .field("done", &self.producer.is_none())
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl<T> Unpin for RowStream<T> {}

impl<T> Stream for RowStream<T> {
    type Item = Result<T, DbError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(row) = self.buffer.next() {
                let decoded = (self.decode)(&row);
                return Poll::Ready(Some(decoded.map_err(|source| DbError::Query {
                    backend: self.backend,
                    sql: self.sql.clone(),
                    source,
                })));
            }
            let Some(producer) = self.producer.as_mut() else {
                // A stream that failed before it started has its error in the slot.
                let failed = self.slot.lock().ok().and_then(|mut slot| slot.take());
                return Poll::Ready(failed.and_then(Result::err).map(Err));
            };
            let finished = producer.as_mut().poll(cx).is_ready();
            let taken = self.slot.lock().ok().and_then(|mut slot| slot.take());
            if finished {
                self.producer = None;
            }
            match taken {
                Some(Ok(batch)) => self.buffer = batch.into_iter(),
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None if finished => return Poll::Ready(None),
                None => return Poll::Pending,
            }
        }
    }
}

#[cfg(feature = "mysql")]
fn bind_mysql(
    mut query: sqlx::query::Query<'_, sqlx::MySql, sqlx::mysql::MySqlArguments>,
    params: Vec<Param>,
) -> sqlx::query::Query<'_, sqlx::MySql, sqlx::mysql::MySqlArguments> {
    for param in params {
        query = match param {
            Param::Bool(v) => query.bind(v),
            Param::I32(v) => query.bind(v),
            Param::I64(v) => query.bind(v),
            Param::F64(v) => query.bind(v),
            Param::String(v) => query.bind(v),
            Param::DateTime(v) => query.bind(v),
            // MariaDB's JSON is text; bind the JSON text.
            Param::Json(v) => query.bind(v.map(|json| json.to_string())),
            Param::Array(list) => query.bind(list.to_json()),
        };
    }
    query
}

#[cfg(feature = "postgres")]
fn bind_postgres(
    mut query: sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
    params: Vec<Param>,
) -> sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments> {
    for param in params {
        query = match param {
            Param::Bool(v) => query.bind(v),
            Param::I32(v) => query.bind(v),
            Param::I64(v) => query.bind(v),
            Param::F64(v) => query.bind(v),
            Param::String(v) => query.bind(v),
            Param::DateTime(v) => query.bind(v),
            Param::Json(v) => query.bind(v.map(sqlx::types::Json)),
            Param::Array(list) => {
                use crate::sql::ParamList;
                match list {
                    ParamList::Bool(v) => query.bind(v),
                    ParamList::I32(v) => query.bind(v),
                    ParamList::I64(v) => query.bind(v),
                    ParamList::F64(v) => query.bind(v),
                    ParamList::String(v) => query.bind(v),
                    ParamList::DateTime(v) => query.bind(v),
                }
            }
        };
    }
    query
}

#[cfg(feature = "sqlite")]
fn bind_sqlite<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    params: Vec<Param>,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for param in params {
        query = match param {
            Param::Bool(v) => query.bind(v),
            Param::I32(v) => query.bind(v),
            Param::I64(v) => query.bind(v),
            Param::F64(v) => query.bind(v),
            Param::String(v) => query.bind(v),
            Param::DateTime(v) => query.bind(v),
            Param::Json(v) => query.bind(v.map(|json| json.to_string())),
            Param::Array(list) => query.bind(list.to_json()),
        };
    }
    query
}

impl std::fmt::Debug for DbRow<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use sqlx::Row;
        let columns = match self {
            #[cfg(feature = "mysql")]
            DbRow::MySql(row) => row.len(),
            #[cfg(feature = "postgres")]
            DbRow::Postgres(row) => row.len(),
            #[cfg(feature = "sqlite")]
            DbRow::Sqlite(row) => row.len(),
        };
        f.debug_struct("DbRow").field("columns", &columns).finish()
    }
}

/// Reading typed values from a row of one backend. Implemented for each backend's row
/// (so generated decoders are compiled once per backend, with no dispatch per column)
/// and for [`DbRow`] (any backend, for ad-hoc code).
///
/// No getter makes up a value for SQL `NULL` (SQLite's driver would read `0`, `""` or
/// `false`): a `NULL` is an error naming the column, on every backend. Read nullable
/// columns with [`BackendRow::is_null`] first, or as an `Option` through
/// [`Value`](crate::drizzle::Value).
pub trait BackendRow {
    /// Whether the value at `index` is SQL `NULL`.
    fn is_null(&self, index: usize) -> Result<bool, sqlx::Error>;
    /// The error for a `NULL` read into a type that cannot hold it, naming the column.
    fn unexpected_null(&self, index: usize) -> sqlx::Error;
    /// An error decoding the value at `index`, naming the column.
    fn decode_error(&self, index: usize, message: String) -> sqlx::Error;
    /// A 64-bit integer (MySQL's unsigned `bigint` converted, refusing values above
    /// `i64::MAX`).
    fn get_i64(&self, index: usize) -> Result<i64, sqlx::Error>;
    /// A 32-bit integer.
    fn get_i32(&self, index: usize) -> Result<i32, sqlx::Error>;
    /// A double.
    fn get_f64(&self, index: usize) -> Result<f64, sqlx::Error>;
    /// A boolean.
    fn get_bool(&self, index: usize) -> Result<bool, sqlx::Error>;
    /// Text.
    fn get_string(&self, index: usize) -> Result<String, sqlx::Error>;
    /// A date and time (MySQL's `timestamp` and `datetime` alike).
    fn get_datetime(&self, index: usize) -> Result<chrono::NaiveDateTime, sqlx::Error>;
    /// A JSON value (stored as text in MariaDB and SQLite, as jsonb in PostgreSQL).
    fn get_json(&self, index: usize) -> Result<serde_json::Value, sqlx::Error>;
}

/// A value that cannot be read: the error names the column.
fn column_error<C: sqlx::Column>(columns: &[C], index: usize, message: String) -> sqlx::Error {
    let name = columns
        .get(index)
        .map_or_else(|| index.to_string(), |c| format!("{:?}", c.name()));
    sqlx::Error::ColumnDecode {
        index: name,
        source: message.into(),
    }
}

#[cfg(any(feature = "mysql", feature = "sqlite"))]
fn json_from_bytes(bytes: &[u8], index: usize) -> Result<serde_json::Value, sqlx::Error> {
    serde_json::from_slice(bytes).map_err(|e| sqlx::Error::ColumnDecode {
        index: index.to_string(),
        source: Box::new(e),
    })
}

/// The checks every backend's getters share: whether a value is `NULL`, and the error
/// naming the column when a `NULL` is read into a type that cannot hold it.
macro_rules! null_checks {
    () => {
        #[inline]
        fn is_null(&self, index: usize) -> Result<bool, sqlx::Error> {
            use sqlx::{Row, ValueRef};
            Ok(self.try_get_raw(index)?.is_null())
        }
        #[cold]
        fn unexpected_null(&self, index: usize) -> sqlx::Error {
            column_error(
                sqlx::Row::columns(self),
                index,
                "unexpected NULL (read a nullable column or expression as an Option)".into(),
            )
        }
        #[cold]
        fn decode_error(&self, index: usize, message: String) -> sqlx::Error {
            column_error(sqlx::Row::columns(self), index, message)
        }
    };
}

/// MySQL and PostgreSQL refuse a `NULL` read into a plain type themselves; the error
/// is renamed to name the column. `$read` is `try_get` or `try_get_unchecked`.
#[allow(unused_macros)]
macro_rules! server_getter {
    ($name:ident, $read:ident, $type:ty) => {
        #[inline]
        fn $name(&self, index: usize) -> Result<$type, sqlx::Error> {
            sqlx::Row::$read(self, index).map_err(|e| name_null(self, index, e))
        }
    };
}

/// SQLite would read a `NULL` as `0`, `""` or `false`: the getter checks first.
#[allow(unused_macros)]
macro_rules! sqlite_getter {
    ($name:ident, $type:ty) => {
        #[inline]
        fn $name(&self, index: usize) -> Result<$type, sqlx::Error> {
            sqlite_value::<$type>(self, index)
        }
    };
}

/// A SQLite value read once: a `NULL` is an error naming the column, a value of another
/// type sqlx's mismatch error, anything else decoded (what `Row::try_get` does, without
/// reading the value a second time to test for `NULL`).
#[cfg(feature = "sqlite")]
#[inline]
fn sqlite_value<T>(row: &SqliteRow, index: usize) -> Result<T, sqlx::Error>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    use sqlx::{Row, TypeInfo, ValueRef};
    let value = row.try_get_raw(index)?;
    if value.is_null() {
        return Err(row.unexpected_null(index));
    }
    let ty = value.type_info();
    if !ty.is_null() && !T::compatible(&ty) {
        return Err(sqlx::Error::ColumnDecode {
            index: format!("{index:?}"),
            source: format!(
                "mismatched types; Rust type `{}` (as SQL type `{}`) is not compatible with SQL type `{}`",
                std::any::type_name::<T>(),
                T::type_info().name(),
                ty.name()
            )
            .into(),
        });
    }
    T::decode(value).map_err(|source| sqlx::Error::ColumnDecode {
        index: format!("{index:?}"),
        source,
    })
}

/// `error`, or the column-naming `NULL` error when the driver refused a `NULL`.
#[cold]
#[cfg(any(feature = "mysql", feature = "postgres"))]
fn name_null<R: BackendRow + ?Sized>(row: &R, index: usize, error: sqlx::Error) -> sqlx::Error {
    match &error {
        sqlx::Error::ColumnDecode { source, .. }
            if source.is::<sqlx::error::UnexpectedNullError>() =>
        {
            row.unexpected_null(index)
        }
        _ => error,
    }
}

#[cfg(feature = "mysql")]
impl BackendRow for MySqlRow {
    null_checks!();
    server_getter!(get_i32, try_get, i32);
    server_getter!(get_f64, try_get, f64);
    server_getter!(get_bool, try_get, bool);
    // Unchecked: text under a binary collation reads as a blob.
    server_getter!(get_string, try_get_unchecked, String);
    // Unchecked: sqlx types `timestamp` and `datetime` apart; both are date-times.
    server_getter!(get_datetime, try_get_unchecked, chrono::NaiveDateTime);

    #[inline]
    fn get_i64(&self, index: usize) -> Result<i64, sqlx::Error> {
        use sqlx::{Column, Row, TypeInfo};
        let unsigned = self
            .columns()
            .get(index)
            .is_some_and(|c| c.type_info().name().ends_with("UNSIGNED"));
        if unsigned {
            let value: u64 = self.try_get(index).map_err(|e| name_null(self, index, e))?;
            i64::try_from(value).map_err(|e| sqlx::Error::ColumnDecode {
                index: index.to_string(),
                source: Box::new(e),
            })
        } else {
            self.try_get(index).map_err(|e| name_null(self, index, e))
        }
    }

    fn get_json(&self, index: usize) -> Result<serde_json::Value, sqlx::Error> {
        let bytes: Vec<u8> =
            sqlx::Row::try_get_unchecked(self, index).map_err(|e| name_null(self, index, e))?;
        json_from_bytes(&bytes, index)
    }
}

#[cfg(feature = "postgres")]
impl BackendRow for PgRow {
    null_checks!();
    server_getter!(get_i32, try_get, i32);
    server_getter!(get_i64, try_get, i64);
    server_getter!(get_f64, try_get, f64);
    server_getter!(get_bool, try_get, bool);
    server_getter!(get_string, try_get, String);
    server_getter!(get_datetime, try_get, chrono::NaiveDateTime);

    fn get_json(&self, index: usize) -> Result<serde_json::Value, sqlx::Error> {
        let sqlx::types::Json(value) =
            sqlx::Row::try_get(self, index).map_err(|e| name_null(self, index, e))?;
        Ok(value)
    }
}

#[cfg(feature = "sqlite")]
impl BackendRow for SqliteRow {
    null_checks!();
    sqlite_getter!(get_i32, i32);
    sqlite_getter!(get_i64, i64);
    sqlite_getter!(get_f64, f64);
    sqlite_getter!(get_bool, bool);
    sqlite_getter!(get_string, String);
    sqlite_getter!(get_datetime, chrono::NaiveDateTime);

    fn get_json(&self, index: usize) -> Result<serde_json::Value, sqlx::Error> {
        if self.is_null(index)? {
            return Err(self.unexpected_null(index));
        }
        let bytes: Vec<u8> = sqlx::Row::try_get(self, index)?;
        json_from_bytes(&bytes, index)
    }
}

/// Any backend's row: each getter dispatches to the backend's.
macro_rules! dispatch {
    ($($name:ident -> $out:ty),+) => {
        /// The [`BackendRow`] getters, callable without importing the trait.
        impl DbRow<'_> {
            $(
                /// See [`BackendRow`].
                #[inline]
                pub fn $name(&self, index: usize) -> Result<$out, sqlx::Error> {
                    BackendRow::$name(self, index)
                }
            )+
        }

        impl BackendRow for DbRow<'_> {
            fn unexpected_null(&self, index: usize) -> sqlx::Error {
                match self {
                    #[cfg(feature = "mysql")]
                    DbRow::MySql(row) => row.unexpected_null(index),
                    #[cfg(feature = "postgres")]
                    DbRow::Postgres(row) => row.unexpected_null(index),
                    #[cfg(feature = "sqlite")]
                    DbRow::Sqlite(row) => row.unexpected_null(index),
                }
            }
            fn decode_error(&self, index: usize, message: String) -> sqlx::Error {
                match self {
                    #[cfg(feature = "mysql")]
                    DbRow::MySql(row) => row.decode_error(index, message),
                    #[cfg(feature = "postgres")]
                    DbRow::Postgres(row) => row.decode_error(index, message),
                    #[cfg(feature = "sqlite")]
                    DbRow::Sqlite(row) => row.decode_error(index, message),
                }
            }
            $(
                #[inline]
                fn $name(&self, index: usize) -> Result<$out, sqlx::Error> {
                    match self {
                        #[cfg(feature = "mysql")]
                        DbRow::MySql(row) => row.$name(index),
                        #[cfg(feature = "postgres")]
                        DbRow::Postgres(row) => row.$name(index),
                        #[cfg(feature = "sqlite")]
                        DbRow::Sqlite(row) => row.$name(index),
                    }
                }
            )+
        }
    };
}

dispatch!(
    is_null -> bool,
    get_i64 -> i64,
    get_i32 -> i32,
    get_f64 -> f64,
    get_bool -> bool,
    get_string -> String,
    get_datetime -> chrono::NaiveDateTime,
    get_json -> serde_json::Value
);

/// Decodes one result row into a value, compiled once per backend row type (the query
/// builder's decoders; ad-hoc code can pass closures over [`DbRow`] instead).
pub trait Decode {
    /// What one row becomes.
    type Out: Send + 'static;
    /// Reads one row.
    fn decode<R: BackendRow>(row: &R) -> Result<Self::Out, sqlx::Error>;
}

/// The first column as an `i64` (ids returned by inserts).
#[derive(Debug)]
pub struct FirstI64;

impl Decode for FirstI64 {
    type Out = i64;
    fn decode<R: BackendRow>(row: &R) -> Result<i64, sqlx::Error> {
        row.get_i64(0)
    }
}

#[cfg(any(feature = "mysql", feature = "postgres"))]
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
        Db::connect_with_replicas(
            &config.database_url()?,
            &config.replica_urls()?,
            config.root(),
            config.max_replica_lag(),
        )
        .await
    })
    .await
}
