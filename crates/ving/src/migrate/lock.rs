//! The lock of a run, one [`RunLock`] a kind of server: MySQL's `GET_LOCK`, PostgreSQL's
//! advisory lock, SQLite's (each migration then runs in an exclusive transaction), or on
//! Galera a lock row every node agrees on (see `galera.rs`). [`locked_run`] is the one
//! way `up` and `down` take and give back the lock that fits their server.

use super::*;

/// A lock a run of `up` or `down` holds on its connection while it writes, so that
/// concurrent runs apply each migration once.
pub(super) trait RunLock: Sized {
    /// Takes the lock on `conn`, a connection of `db`: waits at most the options'
    /// timeout, saying once through `on_wait` that it waits.
    async fn take(
        conn: &mut Conn,
        db: &Db,
        options: &mut RunOptions<'_>,
    ) -> Result<Self, MigrateError>;

    /// Gives the lock back (best effort: a connection that fails here is closed by
    /// the caller, which lets go of every lock it held).
    async fn release(self, conn: &mut Conn);
}

/// A run of `up` or `down`, the one way both take and give back their lock: on a held
/// connection, reads what kind of server it is; asks `done_already` (which reads without
/// the lock) whether there is nothing to do, and returns its answer then; otherwise
/// takes the server's lock ([`HeldLock::take`]), runs `run` under it, and releases it
/// whatever `run` gave, closing the connection after a failure rather than returning it
/// to the pool in an unknown state.
pub(super) async fn locked_run<T>(
    db: &Db,
    options: &mut RunOptions<'_>,
    done_already: impl AsyncFnOnce(&mut Conn) -> Result<Option<T>, MigrateError>,
    run: impl AsyncFnOnce(
        &mut Conn,
        Option<&galera::ClusterLock>,
        &mut RunOptions<'_>,
    ) -> Result<T, MigrateError>,
) -> Result<T, MigrateError> {
    let mut conn = Conn::acquire(db).await?;
    let result = async {
        let server = inspect(&mut conn).await?;
        if let Some(done) = done_already(&mut conn).await? {
            return Ok(done);
        }
        let held = HeldLock::take(&mut conn, db, &server, options).await?;
        let result = async {
            if held.cluster().is_none() {
                // Galera's lock made the table with its own.
                conn.run(create_migrations_table(db.backend())).await?;
            }
            run(&mut conn, held.cluster(), options).await
        }
        .await;
        held.release(&mut conn).await;
        result
    }
    .await;
    if result.is_err() {
        conn.close().await;
    }
    result
}

/// The lock a run holds: the one its server needs.
pub(super) enum HeldLock {
    /// MySQL's or MariaDB's `GET_LOCK`.
    #[cfg(feature = "mysql")]
    MySql(MySqlLock),
    /// A lock row every node of a MariaDB Galera cluster agrees on.
    #[cfg(feature = "mysql")]
    Galera(galera::ClusterLock),
    /// PostgreSQL's advisory lock.
    #[cfg(feature = "postgres")]
    Postgres(PostgresLock),
    /// SQLite's.
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteLock),
}

impl HeldLock {
    /// Takes the lock `server` needs on `conn`.
    async fn take(
        conn: &mut Conn,
        db: &Db,
        server: &Server,
        options: &mut RunOptions<'_>,
    ) -> Result<HeldLock, MigrateError> {
        // Only a MySQL connection can be a Galera node.
        #[cfg(not(feature = "mysql"))]
        let _ = server;
        match *conn {
            #[cfg(feature = "mysql")]
            Conn::MySql(_) if server.galera => Ok(HeldLock::Galera(
                galera::ClusterLock::take(conn, db, options).await?,
            )),
            #[cfg(feature = "mysql")]
            Conn::MySql(_) => Ok(HeldLock::MySql(MySqlLock::take(conn, db, options).await?)),
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => Ok(HeldLock::Postgres(
                PostgresLock::take(conn, db, options).await?,
            )),
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(_) => Ok(HeldLock::Sqlite(SqliteLock::take(conn, db, options).await?)),
        }
    }

    /// Galera's lock row, which the run renews with each migration it records.
    fn cluster(&self) -> Option<&galera::ClusterLock> {
        match self {
            #[cfg(feature = "mysql")]
            HeldLock::Galera(cluster) => Some(cluster),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Gives the lock back.
    async fn release(self, conn: &mut Conn) {
        match self {
            #[cfg(feature = "mysql")]
            HeldLock::MySql(lock) => lock.release(conn).await,
            #[cfg(feature = "mysql")]
            HeldLock::Galera(lock) => lock.release(conn).await,
            #[cfg(feature = "postgres")]
            HeldLock::Postgres(lock) => lock.release(conn).await,
            #[cfg(feature = "sqlite")]
            HeldLock::Sqlite(lock) => lock.release(conn).await,
        }
    }
}

/// The error of a lock asked of a connection to another kind of server, which
/// [`HeldLock::take`] (choosing the lock by the connection) never does.
#[cfg(any(feature = "mysql", feature = "postgres"))]
fn wrong_connection(lock: &str) -> MigrateError {
    let wrong = format!("{lock} needs a connection to its own kind of server");
    MigrateError::Database(Box::new(sqlx::Error::Configuration(wrong.into())))
}

/// What a run says when it starts waiting for another run's lock.
#[cfg_attr(not(any(feature = "mysql", feature = "postgres")), allow(dead_code))]
const WAITING: &str = "another run is applying migrations: waiting for it";

/// MySQL's `GET_LOCK`, named per database so that runs on different databases of one
/// server do not wait for each other (lock names are server-wide and at most 64
/// characters).
#[cfg(feature = "mysql")]
pub(super) struct MySqlLock;

#[cfg(feature = "mysql")]
impl MySqlLock {
    /// The lock's name, as SQL.
    const NAME: &str = "LEFT(CONCAT('ving_migrate:', IFNULL(DATABASE(), '')), 64)";
}

#[cfg(feature = "mysql")]
impl RunLock for MySqlLock {
    async fn take(
        conn: &mut Conn,
        _: &Db,
        options: &mut RunOptions<'_>,
    ) -> Result<MySqlLock, MigrateError> {
        let timeout = options.lock_timeout;
        let Some(c) = conn.mysql() else {
            return Err(wrong_connection("MySQL's GET_LOCK"));
        };
        let get = |seconds: u64| {
            format!(
                "SELECT GET_LOCK(n, {seconds}), n FROM (SELECT {} AS n) AS l",
                MySqlLock::NAME
            )
        };
        // 1: taken; 0: timed out; NULL: an error (the name could not be used).
        let row = sqlx::query(&get(0)).fetch_one(&mut *c).await?;
        let mut taken: Option<i64> = row.try_get(0)?;
        if taken == Some(0) {
            options.wait_note(&format!("{WAITING} (at most {} s)", timeout.as_secs()));
            let row = sqlx::query(&get(timeout.as_secs()))
                .fetch_one(&mut *c)
                .await?;
            taken = row.try_get(0)?;
        }
        if taken != Some(1) {
            let name = row.try_get_unchecked::<String, _>(1).unwrap_or_default();
            return Err(MigrateError::Locked {
                lock: name,
                seconds: timeout.as_secs(),
            });
        }
        Ok(MySqlLock)
    }

    async fn release(self, conn: &mut Conn) {
        let _ = conn
            .run(&format!("SELECT RELEASE_LOCK({})", MySqlLock::NAME))
            .await;
    }
}

/// The lock row of a MariaDB Galera cluster, where `GET_LOCK` is node-local; reads on
/// this connection wait until the node has applied what the cluster committed before
/// them while it is held.
#[cfg(feature = "mysql")]
impl RunLock for galera::ClusterLock {
    async fn take(
        conn: &mut Conn,
        db: &Db,
        options: &mut RunOptions<'_>,
    ) -> Result<galera::ClusterLock, MigrateError> {
        #[allow(irrefutable_let_patterns)]
        let (Some(c), Pool::MySql(pool)) = (conn.mysql(), db.pool()) else {
            return Err(wrong_connection("Galera's lock row"));
        };
        sqlx::raw_sql("SET SESSION wsrep_sync_wait = 1")
            .execute(&mut *c)
            .await?;
        galera::prepare_tables(c, migrations_table(Backend::MySql)).await?;
        let options_of_pool = pool.connect_options();
        let RunOptions {
            lock_timeout,
            lock_expiry,
            on_wait,
            ..
        } = options;
        let mut no_note = |_: &str| {};
        let on_wait: &mut dyn FnMut(&str) = match on_wait {
            Some(f) => *f,
            None => &mut no_note,
        };
        let cluster =
            galera::take(c, &options_of_pool, *lock_timeout, *lock_expiry, on_wait).await?;
        if let Some(from) = &cluster.took_over_from {
            on_wait(&format!(
                "took over the migration lock of run {from}, which was not renewed within {} s; continuing from its progress",
                lock_expiry.as_secs()
            ));
        }
        Ok(cluster)
    }

    async fn release(self, conn: &mut Conn) {
        if let Some(c) = conn.mysql() {
            self.hand_over(c).await;
        }
        let _ = conn.run("SET SESSION wsrep_sync_wait = DEFAULT").await;
    }
}

/// PostgreSQL's session-level advisory lock.
#[cfg(feature = "postgres")]
pub(super) struct PostgresLock;

#[cfg(feature = "postgres")]
impl PostgresLock {
    /// The advisory lock's key, the same for every ving run.
    const KEY: i64 = 7301999;
}

#[cfg(feature = "postgres")]
impl RunLock for PostgresLock {
    async fn take(
        conn: &mut Conn,
        _: &Db,
        options: &mut RunOptions<'_>,
    ) -> Result<PostgresLock, MigrateError> {
        let key = PostgresLock::KEY;
        #[allow(irrefutable_let_patterns)]
        let Conn::Postgres(c) = conn
        else {
            return Err(wrong_connection("PostgreSQL's advisory lock"));
        };
        let taken: bool = sqlx::query(&format!("SELECT pg_try_advisory_lock({key})"))
            .fetch_one(&mut **c)
            .await?
            .try_get(0)?;
        if !taken {
            options.wait_note(WAITING);
            conn.run(&format!("SELECT pg_advisory_lock({key})")).await?;
        }
        Ok(PostgresLock)
    }

    async fn release(self, conn: &mut Conn) {
        let key = PostgresLock::KEY;
        let _ = conn.run(&format!("SELECT pg_advisory_unlock({key})")).await;
    }
}

/// SQLite's: a file has one writer, and each migration runs in an exclusive transaction
/// that checks again inside what is applied; the lock turns foreign key checks off for
/// the run (a table rebuilt by a migration would fail them half-way).
#[cfg(feature = "sqlite")]
pub(super) struct SqliteLock;

#[cfg(feature = "sqlite")]
impl RunLock for SqliteLock {
    async fn take(
        conn: &mut Conn,
        _: &Db,
        _: &mut RunOptions<'_>,
    ) -> Result<SqliteLock, MigrateError> {
        conn.run("PRAGMA foreign_keys = OFF").await?;
        Ok(SqliteLock)
    }

    async fn release(self, conn: &mut Conn) {
        let _ = conn.run("PRAGMA foreign_keys = ON").await;
    }
}
