//! Opening pools: from a URL (with the pool settings and, for MySQL, the session a
//! connection starts with), with replicas, and the process's one pool ([`use_db`]).

use super::*;

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
pub(super) const REPLICA_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// The session `sql_mode` of every MySQL connection: the server's, made strict (a value
/// that does not fit is an error, never cut or clamped) and without the modes that change
/// what SQL text means (`NO_BACKSLASH_ESCAPES`, which breaks `LIKE … ESCAPE '\\'`) or what
/// is stored (`PAD_CHAR_TO_FULL_LENGTH`, `EMPTY_STRING_IS_NULL`).
#[cfg(feature = "mysql")]
const MYSQL_SQL_MODE: &str = "sql_mode = TRIM(BOTH ',' FROM REPLACE(REPLACE(REPLACE(\
    CONCAT(',', @@SESSION.sql_mode, ',STRICT_ALL_TABLES,'), \
    ',NO_BACKSLASH_ESCAPES,', ','), ',PAD_CHAR_TO_FULL_LENGTH,', ','), \
    ',EMPTY_STRING_IS_NULL,', ','))";

/// What every PostgreSQL connection sets first: backslashes in string literals are
/// themselves (a database or role set to `standard_conforming_strings = off` would read
/// `'C:\temp'` as a tab and `LIKE … ESCAPE '\'` as an unterminated string).
#[cfg(feature = "postgres")]
const POSTGRES_SESSION: &str = "SET standard_conforming_strings = on";

/// The database and its encoding when it is not UTF8.
#[cfg(feature = "postgres")]
async fn postgres_encoding(
    connection: &mut sqlx::PgConnection,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let (database, encoding): (String, String) =
        sqlx::query_as("SELECT current_database(), pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()")
            .fetch_one(connection)
            .await?;
    Ok((encoding != "UTF8").then_some((database, encoding)))
}

/// The database and its character set when text in it would not keep every character
/// (anything but utf8mb4); `None` when it would, or when no database is selected.
#[cfg(feature = "mysql")]
async fn mysql_charset(
    connection: &mut sqlx::MySqlConnection,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let (database, charset): (Option<String>, String) =
        sqlx::query_as("SELECT DATABASE(), @@character_set_database")
            .fetch_one(connection)
            .await?;
    Ok(database
        .filter(|_| !charset.starts_with("utf8mb4"))
        .map(|d| (d, charset)))
}

/// How a pool is opened.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Opening {
    /// Connect on first use (replicas: one that is down must not stop the app).
    lazy: bool,
    /// At most this long to wait for a connection.
    acquire_cap: Option<Duration>,
    /// What each new MySQL connection sets besides its `sql_mode` (Galera's
    /// `wsrep_sync_wait = 1`).
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
                    session: Some("wsrep_sync_wait = 1"),
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

    pub(super) async fn open(
        url: &DatabaseUrl,
        root: &Path,
        opening: Opening,
    ) -> Result<Db, DbError> {
        // Only SQLite's file paths are relative to the project.
        let _ = root;
        let connect_error = |source| DbError::Connect {
            backend: url.backend(),
            url: url.to_string(),
            from: url.source().to_owned(),
            source,
        };
        let pool = match url.backend() {
            #[cfg(feature = "mysql")]
            Backend::MySql => {
                let options = MySqlConnectOptions::from_url(&driver_url(url)?)
                    .map_err(connect_error)?
                    .disable_statement_logging();
                // Every statement outside a transaction is committed as it ends, whatever the
                // server's `autocommit` (off, a write would stay uncommitted on its pooled
                // connection, holding its locks, and be lost when that connection closes).
                let session: Arc<str> = match opening.session {
                    Some(extra) => format!("SET SESSION {MYSQL_SQL_MODE}, autocommit = 1, {extra}"),
                    None => format!("SET SESSION {MYSQL_SQL_MODE}, autocommit = 1"),
                }
                .into();
                let pool_options = pool_options!(MySqlPoolOptions, url.pool(), opening)
                    .after_connect(move |conn, _| {
                        let session = session.clone();
                        Box::pin(
                            async move { sqlx::Executor::execute(conn, &*session).await.map(drop) },
                        )
                    });
                if !opening.lazy {
                    // One direct connection first: the pool would retry a refused
                    // connection until its acquire timeout and then report only the timeout.
                    let mut probe =
                        <sqlx::MySqlConnection as sqlx::Connection>::connect_with(&options)
                            .await
                            .map_err(connect_error)?;
                    let charset = mysql_charset(&mut probe).await.map_err(connect_error);
                    let _ = sqlx::Connection::close(probe).await;
                    if let Some((database, charset)) = charset? {
                        return Err(DbError::Charset { database, charset });
                    }
                }
                Pool::MySql(open_pool!(pool_options, options, opening, connect_error))
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres => {
                let options = PgConnectOptions::from_url(&driver_url(url)?)
                    .map_err(connect_error)?
                    .disable_statement_logging();
                let pool_options =
                    pool_options!(PgPoolOptions, url.pool(), opening).after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::Executor::execute(conn, POSTGRES_SESSION)
                                .await
                                .map(drop)
                        })
                    });
                if !opening.lazy {
                    let mut probe =
                        <sqlx::PgConnection as sqlx::Connection>::connect_with(&options)
                            .await
                            .map_err(connect_error)?;
                    let encoding = postgres_encoding(&mut probe).await.map_err(connect_error);
                    let _ = sqlx::Connection::close(probe).await;
                    if let Some((database, encoding)) = encoding? {
                        return Err(DbError::Encoding { database, encoding });
                    }
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
                    if !in_memory {
                        // Write-ahead logging: a reader (a stream over the pool) does not
                        // stop a writer on another connection, as on the servers.
                        options = options.journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
                    }
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
}

#[cfg(any(feature = "mysql", feature = "postgres"))]
pub(super) fn driver_url(url: &DatabaseUrl) -> Result<url::Url, DbError> {
    url::Url::parse(url.driver_url()).map_err(|e| {
        DbError::Config(ConfigError::DatabaseUrl {
            url: url.to_string(),
            source_name: "the configuration".into(),
            message: e.to_string(),
        })
    })
}

pub(super) static DB: OnceCell<Db> = OnceCell::const_new();

/// The process's one pool, made on first use from the project the current directory is
/// in (it or the nearest folder above it with a `ving.toml` or ving's schema folder; see
/// [`crate::config`] for where the URL comes from). Outside any project and without a
/// database URL it is [`ConfigError::NoProject`], never a new empty `ving.db` in a folder
/// nobody chose. Safe to call from any task; every caller gets the same pool.
pub async fn use_db() -> Result<&'static Db, DbError> {
    DB.get_or_try_init(|| async {
        let cwd = std::env::current_dir().map_err(|source| {
            DbError::Config(ConfigError::Read {
                file: ".".into(),
                source,
            })
        })?;
        let root = Config::find_root(&cwd);
        let config = Config::load(root.as_deref().unwrap_or(&cwd))?;
        if root.is_none() && config.uses_default_database() {
            return Err(DbError::Config(ConfigError::NoProject { folder: cwd }));
        }
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
