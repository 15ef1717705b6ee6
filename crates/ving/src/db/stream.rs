//! Streaming rows: a task reads batches from the driver and hands them over to a
//! [`RowStream`], so a caller holds at most a few rows at a time.

use super::*;

/// Where a stream's rows come from.
pub(crate) enum StreamSource {
    /// Any connection of the pool.
    Pool(Pool),
    /// A transaction's connection, and where the stream says which task it runs in
    /// while it holds the connection.
    Connection(Arc<tokio::sync::Mutex<Connection>>, Streamer),
}

/// Whether a stream holds a transaction's connection: a statement of the transaction
/// meanwhile would wait for it, forever when the same code reads the stream.
pub(crate) type Streamer = Arc<std::sync::atomic::AtomicBool>;

/// Marks the connection as held by a stream, until dropped.
struct Streaming(Streamer);

impl Streaming {
    fn start(streamer: &Streamer) -> Streaming {
        streamer.store(true, std::sync::atomic::Ordering::Release);
        Streaming(streamer.clone())
    }
}

impl Drop for Streaming {
    fn drop(&mut self) {
        self.0.store(false, std::sync::atomic::Ordering::Release);
    }
}

impl Db {
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
            let mut guard = None;
            let mut _streaming = None;
            let target = match &source {
                StreamSource::Pool(pool) => Target::from(pool),
                StreamSource::Connection(connection, streamer) => {
                    let held = guard.insert(connection.clone().lock_owned().await);
                    _streaming = Some(Streaming::start(streamer));
                    match held.target() {
                        Ok(target) => target,
                        Err(e) => {
                            put(&out, Err(e)).await;
                            return;
                        }
                    }
                }
            };
            if let Some(e) = super::run::refused(&params) {
                put(&out, Err(db.query_error(&sql, e))).await;
                return;
            }
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
                if let Some(held) = guard.as_mut() {
                    held.statement_failed(&e);
                }
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
}

/// Rows a stream takes from the driver at most at a time.
pub(super) const STREAM_BATCH: usize = 8;

/// A row owned by a stream's buffer.
pub(super) enum OwnedRow {
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

pub(super) type Slot = Arc<Mutex<Option<Result<Vec<OwnedRow>, DbError>>>>;

/// Puts a batch in the slot and pauses the producer until the stream has taken it.
pub(super) async fn put(slot: &Slot, item: Result<Vec<OwnedRow>, DbError>) {
    if let Ok(mut slot) = slot.lock() {
        *slot = Some(item);
    }
    Handover { done: false }.await;
}

/// Pending once (the stream then takes the batch in the slot), ready the next time.
pub(super) struct Handover {
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
pub(super) fn decode_owned<D: Decode>(row: &OwnedRow) -> Result<D::Out, sqlx::Error> {
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
