//! Read replicas (drizzle's `withReplicas`): reads outside a transaction go to a replica,
//! writes and everything in a transaction to the primary.
//!
//! - Which replica: round-robin over the healthy ones by default, or any [`ChooseReplica`].
//! - Health: a replica that fails to answer (connection refused, timed out) is skipped
//!   for a few seconds and the read is retried on the primary; a replica lagging more
//!   than `max_replica_lag` behind (PostgreSQL: replay lag while WAL is still to replay;
//!   Galera: a node that is not `Synced`) is skipped until it catches up. With no healthy
//!   replica, reads go to the primary.
//! - [`Db::primary`] reads from the primary; [`Db::read_your_writes`] reads from a replica
//!   only once it has what the primary has (PostgreSQL: waits until the standby has
//!   replayed the primary's current WAL position; Galera: `wsrep_sync_wait`), else from
//!   the primary.
//!
//! Configured by `[database] replicas = ["postgres://…"]` in `ving.toml` or
//! `VING_DATABASE_REPLICAS` (comma-separated), see [`crate::config`].

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Db, DbError};
use crate::config::Backend;
use crate::sql::Param;

/// How long a replica that failed to answer is left alone.
pub const DOWN_FOR: Duration = Duration::from_secs(5);

/// How often a replica's lag is checked (at most; on the read path).
pub const CHECK_EVERY: Duration = Duration::from_secs(1);

/// How long a read that asked to see the caller's writes waits for a replica to catch
/// up before it reads from the primary.
pub const CATCH_UP_WAIT: Duration = Duration::from_secs(2);

/// Picks the replica of a read among the healthy ones (given as indexes into the
/// configured list). `turn` counts reads, for round-robin.
pub trait ChooseReplica: Send + Sync + fmt::Debug {
    /// The replica to read from, or `None` for the primary.
    fn choose(&self, healthy: &[usize], turn: usize) -> Option<usize>;
}

/// The default choice: each healthy replica in turn.
#[derive(Debug, Clone, Copy, Default)]
pub struct RoundRobin;

impl ChooseReplica for RoundRobin {
    fn choose(&self, healthy: &[usize], turn: usize) -> Option<usize> {
        (!healthy.is_empty()).then(|| healthy[turn % healthy.len()])
    }
}

/// Where a pool's reads go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// To a healthy replica, else the primary.
    Replica,
    /// To the primary.
    Primary,
    /// To a replica that has caught up with the primary, else the primary.
    ReadYourWrites,
}

/// The replicas of a pool and what is known of their health.
#[derive(Debug)]
pub(crate) struct Routing {
    replicas: Vec<Replica>,
    turn: AtomicUsize,
    chooser: Box<dyn ChooseReplica>,
    max_lag: Duration,
}

#[derive(Debug)]
struct Replica {
    db: Db,
    /// A pool whose connections wait for the cluster to apply every write they could
    /// see (Galera's `wsrep_sync_wait`), for read-your-writes.
    causal: Option<Db>,
    health: Mutex<Health>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Health {
    down_until: Option<Instant>,
    checked_at: Option<Instant>,
    lagging: bool,
}

impl Routing {
    pub(crate) fn new(
        replicas: Vec<(Db, Option<Db>)>,
        chooser: Box<dyn ChooseReplica>,
        max_lag: Duration,
    ) -> Routing {
        Routing {
            replicas: replicas
                .into_iter()
                .map(|(db, causal)| Replica {
                    db,
                    causal,
                    health: Mutex::new(Health::default()),
                })
                .collect(),
            turn: AtomicUsize::new(0),
            chooser,
            max_lag,
        }
    }

    pub(crate) fn with_chooser(&self, chooser: Box<dyn ChooseReplica>) -> Routing {
        Routing {
            replicas: self
                .replicas
                .iter()
                .map(|r| Replica {
                    db: r.db.clone(),
                    causal: r.causal.clone(),
                    health: Mutex::new(r.health()),
                })
                .collect(),
            turn: AtomicUsize::new(0),
            chooser,
            max_lag: self.max_lag,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.replicas.len()
    }

    pub(crate) fn replica(&self, index: usize) -> Option<&Db> {
        self.replicas.get(index).map(|r| &r.db)
    }

    /// The replica to read from, after checking the lag of the chosen one when it is due.
    async fn pick(&self) -> Option<usize> {
        let now = Instant::now();
        let healthy: Vec<usize> = self
            .replicas
            .iter()
            .enumerate()
            .filter(|(_, r)| r.health().usable(now, false))
            .map(|(i, _)| i)
            .collect();
        let turn = self.turn.fetch_add(1, Ordering::Relaxed);
        let index = self.chooser.choose(&healthy, turn)?;
        let replica = self.replicas.get(index)?;
        let due = replica
            .health()
            .checked_at
            .is_none_or(|at| now - at >= CHECK_EVERY);
        if due {
            let lagging = match lag(&replica.db, self.max_lag).await {
                Ok(lagging) => lagging,
                Err(_) => {
                    self.mark_down(index);
                    return None;
                }
            };
            replica.update(|h| {
                h.checked_at = Some(Instant::now());
                h.lagging = lagging;
                h.down_until = None;
            });
            if lagging {
                return None;
            }
        }
        Some(index)
    }

    /// The replica to read from by what is already known of their health (for streams,
    /// which start without waiting).
    fn pick_now(&self) -> Option<usize> {
        let now = Instant::now();
        let healthy: Vec<usize> = self
            .replicas
            .iter()
            .enumerate()
            .filter(|(_, r)| r.health().usable(now, true))
            .map(|(i, _)| i)
            .collect();
        let turn = self.turn.fetch_add(1, Ordering::Relaxed);
        self.chooser.choose(&healthy, turn)
    }

    fn mark_down(&self, index: usize) {
        if let Some(replica) = self.replicas.get(index) {
            replica.update(|h| h.down_until = Some(Instant::now() + DOWN_FOR));
        }
    }
}

impl Health {
    /// Whether reads may go to the replica: not down, and not known to lag (`strict`),
    /// or known to lag but due for another look.
    fn usable(&self, now: Instant, strict: bool) -> bool {
        let down = self.down_until.is_some_and(|until| until > now);
        let due = self.checked_at.is_none_or(|at| now - at >= CHECK_EVERY);
        !down && (!self.lagging || (!strict && due))
    }
}

impl Replica {
    fn health(&self) -> Health {
        self.health.lock().map(|h| *h).unwrap_or_default()
    }

    fn update(&self, change: impl FnOnce(&mut Health)) {
        if let Ok(mut health) = self.health.lock() {
            change(&mut health);
        }
    }
}

/// Whether `replica` lags more than `max_lag` behind its primary.
async fn lag(replica: &Db, max_lag: Duration) -> Result<bool, DbError> {
    match replica.backend() {
        Backend::Postgres => {
            // Behind only while WAL it has received is still to replay: an idle primary
            // makes the last replay old without any lag.
            let sql = "SELECT CASE WHEN pg_is_in_recovery() AND pg_last_wal_receive_lsn() IS DISTINCT FROM pg_last_wal_replay_lsn() THEN COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)::float8 ELSE 0::float8 END";
            let seconds = replica
                .fetch_all(sql, Vec::new(), |row| row.get_f64(0))
                .await?;
            Ok(seconds.first().is_some_and(|s| *s > max_lag.as_secs_f64()))
        }
        Backend::MySql => {
            // A Galera node serves reads only when Synced (state 4); a server without
            // Galera reports nothing and counts as caught up.
            let sql = "SELECT CAST(VARIABLE_VALUE AS CHAR) FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE'";
            let state = replica
                .fetch_all(sql, Vec::new(), |row| row.get_string(0))
                .await?;
            Ok(state.first().is_some_and(|s| s != "4"))
        }
        Backend::Sqlite => Ok(false),
    }
}

/// Whether a failure means the server did not answer (rather than refused the query).
pub(crate) fn is_unreachable(error: &DbError) -> bool {
    error.is_connection_error()
}

impl Db {
    /// Reads through this handle go to the primary (writes always do).
    pub fn primary(&self) -> Db {
        self.with_reads(ReadMode::Primary)
    }

    /// Reads through this handle see every write committed on the primary before they
    /// start: from a replica that has caught up, else from the primary.
    pub fn read_your_writes(&self) -> Db {
        self.with_reads(ReadMode::ReadYourWrites)
    }

    /// The number of configured replicas.
    pub fn replica_count(&self) -> usize {
        self.routing().map_or(0, Routing::len)
    }

    /// The pool of replica `index` (for checks and statistics).
    pub fn replica(&self, index: usize) -> Option<&Db> {
        self.routing().and_then(|r| r.replica(index))
    }

    /// The same pool, choosing replicas with `chooser` instead of round-robin.
    pub fn with_replica_chooser(&self, chooser: impl ChooseReplica + 'static) -> Db {
        match self.routing() {
            Some(routing) => self.with_routing(routing.with_chooser(Box::new(chooser))),
            None => self.clone(),
        }
    }

    /// Runs a read on the pool its read mode picks: a healthy replica (retried on the
    /// primary if it does not answer) or the primary.
    pub(crate) async fn route_read<T, F, Fut>(
        &self,
        params: Vec<Param>,
        run: F,
    ) -> Result<T, DbError>
    where
        F: Fn(Db, Vec<Param>) -> Fut,
        Fut: Future<Output = Result<T, DbError>>,
    {
        let mode = self.read_mode();
        let Some(routing) = self.routing().filter(|_| mode != ReadMode::Primary) else {
            return run(self.clone(), params).await;
        };
        let Some(index) = routing.pick().await else {
            return run(self.clone(), params).await;
        };
        let replica = &routing.replicas[index];
        let target = if mode == ReadMode::ReadYourWrites {
            match self.caught_up(replica).await {
                Some(db) => db,
                None => return run(self.clone(), params).await,
            }
        } else {
            replica.db.clone()
        };
        match run(target, params.clone()).await {
            Err(error) if is_unreachable(&error) => {
                routing.mark_down(index);
                run(self.clone(), params).await
            }
            other => other,
        }
    }

    /// The pool a stream reads from: a replica believed healthy (read-your-writes and
    /// primary reads stream from the primary).
    pub(crate) fn stream_reader(&self) -> Db {
        let routing = self
            .routing()
            .filter(|_| self.read_mode() == ReadMode::Replica);
        routing
            .and_then(|r| r.pick_now().and_then(|i| r.replica(i)).cloned())
            .unwrap_or_else(|| self.clone())
    }

    /// The pool of `replica` to read this pool's writes from, once it has them.
    async fn caught_up(&self, replica: &Replica) -> Option<Db> {
        match self.backend() {
            Backend::Postgres => {
                let position = self
                    .fetch_all("SELECT pg_current_wal_lsn()::text", Vec::new(), |row| {
                        row.get_string(0)
                    })
                    .await
                    .ok()?
                    .pop()?;
                let deadline = Instant::now() + CATCH_UP_WAIT;
                loop {
                    let replayed = replica
                        .db
                        .fetch_all(
                            "SELECT COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, true)",
                            vec![Param::String(Some(position.clone()))],
                            |row| row.get_bool(0),
                        )
                        .await
                        .ok()?;
                    if replayed.first() == Some(&true) {
                        return Some(replica.db.clone());
                    }
                    if Instant::now() >= deadline {
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
            Backend::MySql => replica.causal.clone(),
            Backend::Sqlite => Some(replica.db.clone()),
        }
    }
}
