//! Where a query runs: the pool, or a transaction's connection. Every builder holds an
//! [`Executor`], so one builder works on [`Db`] and on [`Tx`] without duplicate code.

use crate::db::{Db, DbError, Decode, ExecResult, RowStream};
use crate::sql::{Dialect, Param};
use crate::transaction::Tx;

/// What runs a builder's statements: a pool ([`Db`]) or a transaction ([`Tx`]).
#[derive(Debug, Clone, Copy)]
pub enum Executor<'a> {
    /// Any connection of the pool, one statement at a time.
    Pool(&'a Db),
    /// The transaction's connection.
    Transaction(&'a Tx<'a>),
}

impl<'a> From<&'a Db> for Executor<'a> {
    fn from(db: &'a Db) -> Self {
        Executor::Pool(db)
    }
}

impl<'a, 'p: 'a> From<&'a Tx<'p>> for Executor<'a> {
    fn from(tx: &'a Tx<'p>) -> Self {
        Executor::Transaction(tx)
    }
}

impl<'a> Executor<'a> {
    /// The pool (a transaction's: the pool its connection came from).
    pub fn db(&self) -> &'a Db {
        match self {
            Executor::Pool(db) => db,
            Executor::Transaction(tx) => tx.db(),
        }
    }

    /// How the database writes SQL.
    pub fn dialect(&self) -> &'static dyn Dialect {
        match self {
            Executor::Pool(db) => db.dialect(),
            Executor::Transaction(tx) => tx.dialect(),
        }
    }

    /// Runs one statement with parameters.
    pub async fn execute(&self, sql: &str, params: Vec<Param>) -> Result<ExecResult, DbError> {
        match self {
            Executor::Pool(db) => db.execute(sql, params).await,
            Executor::Transaction(tx) => tx.execute(sql, params).await,
        }
    }

    /// Runs a query and decodes every row with `D`.
    pub async fn fetch_decoded<D: Decode>(
        &self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Vec<D::Out>, DbError> {
        match self {
            Executor::Pool(db) => db.fetch_decoded::<D>(sql, params).await,
            Executor::Transaction(tx) => tx.fetch_decoded::<D>(sql, params).await,
        }
    }

    /// Runs a query and decodes its first row, if any, with `D`.
    pub async fn fetch_first_decoded<D: Decode>(
        &self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Option<D::Out>, DbError> {
        match self {
            Executor::Pool(db) => db.fetch_first_decoded::<D>(sql, params).await,
            Executor::Transaction(tx) => tx.fetch_first_decoded::<D>(sql, params).await,
        }
    }

    /// Runs a query and reads its rows as they come.
    pub fn fetch_stream<D: Decode>(&self, sql: String, params: Vec<Param>) -> RowStream<D::Out> {
        match self {
            Executor::Pool(db) => db.fetch_stream::<D>(sql, params),
            Executor::Transaction(tx) => tx.fetch_stream::<D>(sql, params),
        }
    }

    /// A read (a select): on a pool with replicas it goes where the pool's read mode says
    /// (see [`crate::replicas`]); in a transaction, to the transaction.
    pub(crate) async fn read_decoded<D: Decode>(
        &self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Vec<D::Out>, DbError> {
        match self {
            Executor::Pool(db) if db.replica_count() > 0 => {
                db.route_read(params, |db, params| async move {
                    db.fetch_decoded::<D>(sql, params).await
                })
                .await
            }
            _ => self.fetch_decoded::<D>(sql, params).await,
        }
    }

    /// The first row of a read (see [`Executor::read_decoded`]).
    pub(crate) async fn read_first<D: Decode>(
        &self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Option<D::Out>, DbError> {
        match self {
            Executor::Pool(db) if db.replica_count() > 0 => {
                db.route_read(params, |db, params| async move {
                    db.fetch_first_decoded::<D>(sql, params).await
                })
                .await
            }
            _ => self.fetch_first_decoded::<D>(sql, params).await,
        }
    }

    /// A read as a stream (see [`Executor::read_decoded`]).
    pub(crate) fn read_stream<D: Decode>(
        &self,
        sql: String,
        params: Vec<Param>,
    ) -> RowStream<D::Out> {
        match self {
            Executor::Pool(db) if db.replica_count() > 0 => {
                db.stream_reader().fetch_stream::<D>(sql, params)
            }
            _ => self.fetch_stream::<D>(sql, params),
        }
    }

    /// A transaction for work that must be all or nothing: a new one on a pool, a
    /// savepoint inside a transaction.
    pub(crate) async fn begin_atomic(&self) -> Result<Tx<'a>, DbError> {
        match self {
            Executor::Pool(db) => db.begin().await,
            Executor::Transaction(tx) => tx.savepoint().await,
        }
    }
}
