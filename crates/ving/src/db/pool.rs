//! The pool of one database ([`Db`]) and what it answers with: the backend's pool, rows
//! and results of statements.

use super::*;

/// How many rows MySQL's last `SELECT SQL_CALC_FOUND_ROWS` on the connection matched.
pub(crate) const FOUND_ROWS: &str = "SELECT FOUND_ROWS()";

/// How long to wait for a server before saying it cannot be reached (the default
/// `acquire_timeout`).
pub const CONNECT_TIMEOUT: Duration = crate::config::PoolSettings::DEFAULT_ACQUIRE_TIMEOUT;

/// A connection pool to one database.
#[derive(Debug, Clone)]
pub struct Db {
    pub(super) pool: Pool,
    pub(super) log: bool,
    pub(super) version: Arc<OnceCell<String>>,
    pub(super) increment: Arc<OnceCell<i64>>,
    pub(super) routing: Option<Arc<Routing>>,
    pub(super) reads: ReadMode,
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

impl Pool {
    /// What one attempt to open a connection the way the pool does gets, within 5 s: the
    /// driver's error (`connection refused`), or, when it succeeds, that the pool's own
    /// connections are all in use.
    async fn probe(&self) -> String {
        use sqlx::{ConnectOptions as _, Connection as _};
        let attempt = async {
            match self {
                #[cfg(feature = "mysql")]
                Pool::MySql(pool) => pool.connect_options().connect().await?.close().await,
                #[cfg(feature = "postgres")]
                Pool::Postgres(pool) => pool.connect_options().connect().await?.close().await,
                #[cfg(feature = "sqlite")]
                Pool::Sqlite(pool) => pool.connect_options().connect().await?.close().await,
            }
        };
        match tokio::time::timeout(std::time::Duration::from_secs(5), attempt).await {
            Ok(Ok(())) => "a new connection, which worked: every connection of the pool is in use (raise max_connections, or hold connections for less time)".to_owned(),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "no answer within 5 s".to_owned(),
        }
    }
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

impl Db {
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

    pub(super) fn log(&self, sql: &str, params: &[Param]) {
        if self.log {
            tracing::debug!(target: "drizzle", sql, params = ?params, "query");
        }
    }

    pub(super) fn query_error(&self, sql: &str, source: sqlx::Error) -> DbError {
        let backend = self.backend();
        let sql = sql.to_owned();
        if connection_lost(&source) {
            return DbError::Lost {
                backend,
                sql,
                source,
            };
        }
        DbError::Query {
            backend,
            sql,
            source,
        }
    }

    /// [`Db::query_error`], and when the pool gave no connection in time, one attempt to
    /// connect says why.
    async fn failed(&self, sql: &str, source: sqlx::Error) -> DbError {
        if matches!(source, sqlx::Error::PoolTimedOut) {
            return DbError::Unavailable {
                backend: self.backend(),
                cause: self.pool.probe().await,
            };
        }
        self.query_error(sql, source)
    }

    /// Whether the database has a table (or view) called `table` that this connection may
    /// read: a select of no rows, which needs no right beyond reading it. `false` too when
    /// the database cannot be asked.
    pub async fn has_table(&self, table: &str) -> bool {
        let quoted = self.dialect().statement_name(table);
        self.execute_script(&format!("SELECT 1 FROM {quoted} WHERE 1 = 0"))
            .await
            .is_ok()
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
        match run_script(Target::from(&self.pool), sql).await {
            Ok(done) => Ok(done),
            Err(e) => Err(self.failed(sql, e).await),
        }
    }

    /// Runs one statement with parameters and reports what it changed.
    pub async fn execute(&self, sql: &str, params: Vec<Param>) -> Result<ExecResult, DbError> {
        self.log(sql, &params);
        match run_execute(Target::from(&self.pool), sql, params).await {
            Ok(done) => Ok(done),
            Err(e) => Err(self.failed(sql, e).await),
        }
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
        match run_fetch_all(Target::from(&self.pool), sql, params, decode).await {
            Ok(done) => Ok(done),
            Err(e) => Err(self.failed(sql, e).await),
        }
    }

    /// Runs a query and decodes every row with `decode`; on MySQL/MariaDB, where the query
    /// is a `SELECT SQL_CALC_FOUND_ROWS …`, `SELECT FOUND_ROWS()` then runs on the same
    /// connection and says how many rows it would have given without its `LIMIT` (`None`
    /// on the other databases, which have no such count: only the query runs).
    pub(crate) async fn fetch_all_found<T>(
        &self,
        sql: &str,
        params: Vec<Param>,
        decode: impl Fn(DbRow<'_>) -> Result<T, sqlx::Error> + Send,
    ) -> Result<(Vec<T>, Option<i64>), DbError>
    where
        T: Send,
    {
        // The only pool there is when MySQL is the only backend built.
        #[cfg(feature = "mysql")]
        #[allow(irrefutable_let_patterns)]
        if let Pool::MySql(pool) = &self.pool {
            self.log(sql, &params);
            let mut conn = match pool.acquire().await {
                Ok(conn) => conn,
                Err(e) => return Err(self.failed(sql, e).await),
            };
            let rows = run_fetch_all(Target::MySqlConn(&mut conn), sql, params, decode).await;
            let rows = match rows {
                Ok(rows) => rows,
                Err(e) => return Err(self.failed(sql, e).await),
            };
            self.log(FOUND_ROWS, &[]);
            let target = Target::MySqlConn(&mut conn);
            let found = run_fetch_all(target, FOUND_ROWS, Vec::new(), |row| row.get_i64(0)).await;
            return match found {
                Ok(found) => Ok((rows, found.first().copied())),
                Err(e) => Err(self.failed(FOUND_ROWS, e).await),
            };
        }
        Ok((self.fetch_all(sql, params, decode).await?, None))
    }

    /// Runs a query and decodes every row with `D` (compiled for each backend's row).
    pub async fn fetch_decoded<D: Decode>(
        &self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Vec<D::Out>, DbError> {
        self.log(sql, &params);
        match run_fetch_decoded::<D>(Target::from(&self.pool), sql, params).await {
            Ok(done) => Ok(done),
            Err(e) => Err(self.failed(sql, e).await),
        }
    }

    /// Runs a query and decodes its first row, if any, with `D`.
    pub async fn fetch_first_decoded<D: Decode>(
        &self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Option<D::Out>, DbError> {
        self.log(sql, &params);
        match run_fetch_first::<D>(Target::from(&self.pool), sql, params).await {
            Ok(done) => Ok(done),
            Err(e) => Err(self.failed(sql, e).await),
        }
    }

    /// Runs a query and hands its rows over as a stream, in batches of whatever the
    /// driver has ready, each row decoded as the stream hands it out: memory stays
    /// constant however many rows there are. Dropping the stream stops the query.
    pub fn fetch_stream<D: Decode>(&self, sql: String, params: Vec<Param>) -> RowStream<D::Out> {
        self.stream_on::<D>(StreamSource::Pool(self.pool.clone()), sql, params)
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

/// Whether a driver error says the connection went away during a statement (the server
/// closed it, restarted or vanished): an end of input or a reset where a reply was due.
fn connection_lost(error: &sqlx::Error) -> bool {
    use std::io::ErrorKind;
    match error {
        sqlx::Error::Io(io) => matches!(
            io.kind(),
            ErrorKind::UnexpectedEof
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe
        ),
        sqlx::Error::Protocol(text) => text.contains("expected to read") || text.contains("closed"),
        _ => false,
    }
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
