//! The lock of a run: MySQL's `GET_LOCK`, PostgreSQL's advisory lock, SQLite's exclusive
//! transaction, or on Galera a lock row every node agrees on (see `galera.rs`).

use super::*;

/// A run of `up` or `down`, the one way both take and give back their lock: on a held
/// connection, reads what kind of server it is; asks `done_already` (which reads without
/// the lock) whether there is nothing to do, and returns its answer then; otherwise
/// takes the lock ([`lock`]), runs `run` under it, and releases it whatever `run` gave —
/// Galera's lock row, then the database lock, closing the connection after a failure
/// rather than returning it to the pool in an unknown state.
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
    let backend = db.backend();
    let mut conn = Conn::acquire(db).await?;
    let mut galera = false;
    let result = async {
        let server = inspect(&mut conn).await?;
        galera = server.galera;
        if let Some(done) = done_already(&mut conn).await? {
            return Ok(done);
        }
        let cluster = lock(&mut conn, db, &server, options).await?;
        let result = run(&mut conn, cluster.as_ref(), options).await;
        if let (Some(cluster), Some(c)) = (cluster, conn.mysql()) {
            cluster.release(c).await;
        }
        result
    }
    .await;
    release(conn, backend, galera, result.is_err()).await;
    result
}

/// Takes the lock of a run: Galera's lock row (returned, to be released), or the
/// database lock ([`take_lock`]).
pub(super) async fn lock(
    conn: &mut Conn,
    db: &Db,
    server: &Server,
    options: &mut RunOptions<'_>,
) -> Result<Option<galera::ClusterLock>, MigrateError> {
    let backend = db.backend();
    if !server.galera {
        take_lock(conn, backend, options).await?;
        conn.run(create_migrations_table(backend)).await?;
        return Ok(None);
    }
    #[cfg(not(feature = "mysql"))]
    {
        // Only a MySQL connection can be a Galera node.
        let _ = options;
        Ok(None)
    }
    #[cfg(feature = "mysql")]
    {
        #[allow(irrefutable_let_patterns)]
        let (Conn::MySql(c), Pool::MySql(pool)) = (conn, db.pool()) else {
            return Ok(None);
        };
        // Reads wait until this node has applied what the cluster committed before them.
        sqlx::raw_sql("SET SESSION wsrep_sync_wait = 1")
            .execute(&mut **c)
            .await?;
        galera::prepare_tables(c, migrations_table(backend)).await?;
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
        Ok(Some(cluster))
    }
}

/// The name of the MySQL lock runs take: one per database, so that runs on different
/// databases of one server do not wait for each other (lock names are server-wide and
/// at most 64 characters).
#[cfg_attr(not(feature = "mysql"), allow(dead_code))]
pub(super) const MYSQL_LOCK_NAME: &str =
    "LEFT(CONCAT('ving_migrate:', IFNULL(DATABASE(), '')), 64)";

/// What a run says when it starts waiting for another run's lock.
#[cfg_attr(not(any(feature = "mysql", feature = "postgres")), allow(dead_code))]
pub(super) const WAITING: &str = "another run is applying migrations: waiting for it";

/// Takes the database lock (SQLite: foreign key checks off; each migration then runs in
/// an exclusive transaction, checked again inside). On MySQL, waits at most the
/// options' timeout. When the lock is held, says so once through `on_wait`.
pub(super) async fn take_lock(
    conn: &mut Conn,
    backend: Backend,
    options: &mut RunOptions<'_>,
) -> Result<(), MigrateError> {
    // SQLite has no lock to wait for.
    let _ = &options;
    match backend {
        #[cfg(feature = "mysql")]
        Backend::MySql => {
            let timeout = options.lock_timeout;
            #[allow(irrefutable_let_patterns)]
            let Conn::MySql(c) = conn
            else {
                return Ok(());
            };
            let get = |seconds: u64| {
                format!(
                    "SELECT GET_LOCK(n, {seconds}), n FROM (SELECT {MYSQL_LOCK_NAME} AS n) AS l"
                )
            };
            // 1: taken; 0: timed out; NULL: an error (the name could not be used).
            let row = sqlx::query(&get(0)).fetch_one(&mut **c).await?;
            let mut taken: Option<i64> = row.try_get(0)?;
            if taken == Some(0) {
                options.wait_note(&format!("{WAITING} (at most {} s)", timeout.as_secs()));
                let row = sqlx::query(&get(timeout.as_secs()))
                    .fetch_one(&mut **c)
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
            Ok(())
        }
        #[cfg(feature = "postgres")]
        Backend::Postgres => {
            #[allow(irrefutable_let_patterns)]
            let Conn::Postgres(c) = conn
            else {
                return Ok(());
            };
            let taken: bool = sqlx::query("SELECT pg_try_advisory_lock(7301999)")
                .fetch_one(&mut **c)
                .await?
                .try_get(0)?;
            if !taken {
                options.wait_note(WAITING);
                conn.run("SELECT pg_advisory_lock(7301999)").await?;
            }
            Ok(())
        }
        Backend::Sqlite => Ok(conn.run("PRAGMA foreign_keys = OFF").await?),
        // A backend left out of the build has no connection to lock.
        #[allow(unreachable_patterns)]
        _ => Ok(()),
    }
}

/// Releases the lock; a connection left in an unknown state by a failure is closed
/// rather than returned to the pool.
pub(super) async fn release(mut conn: Conn, backend: Backend, galera: bool, failed: bool) {
    let _ = match backend {
        Backend::MySql if galera => conn.run("SET SESSION wsrep_sync_wait = DEFAULT").await,
        Backend::MySql => {
            conn.run(&format!("SELECT RELEASE_LOCK({MYSQL_LOCK_NAME})"))
                .await
        }
        Backend::Postgres => conn.run("SELECT pg_advisory_unlock(7301999)").await,
        Backend::Sqlite => conn.run("PRAGMA foreign_keys = ON").await,
    };
    if failed {
        conn.close().await;
    }
}
