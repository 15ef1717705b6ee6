//! The query builders: `select`, `insert`, `update`, `delete`, in drizzle's shape.
//!
//! Builders are ordinary values: pass an unfinished query to a function, extend it,
//! return it. Nothing runs until a terminal method: `all`, `first` or `stream` for a
//! select, `execute` for the others.

use std::marker::PhantomData;

use crate::db::{BackendRow, Db, DbError, Decode, FirstI64, RowStream};
use crate::transaction::Tx;

use super::executor::Executor;
use crate::sql::{self, Expr as Node, JoinKind, Param, Statement};

use super::expr::Condition;
use super::expr::{
    AppearsIn, Combine, Constant, Contains, Expr, Expression, FullOuter, GroupList, Grouped,
    GroupedAs, Grouping, Inner, Join, LeftOuter, Nullify, OrderList, PerRow, Predicate, RightOuter,
    Subquery, Ungrouped,
};
use super::table::{Column, FromRow, InsertRow, Table};
use super::value::{Operand, Value};
mod delete;
mod insert;
mod rows;
mod select;
mod update;

pub use delete::*;
pub use insert::*;
pub use rows::*;
pub use select::*;
pub use update::*;

/// Most parameters one statement binds; bigger inserts are split (SQLite allows 32766,
/// MySQL and PostgreSQL 65535).
const MAX_PARAMS: usize = 30_000;

/// The builders' entry points, the same on a pool and in a transaction.
macro_rules! query_builders {
    ($($target:ty),+) => {$(
impl $target {
    /// `SELECT` whole rows: `db.select().from(UserTable)` reads `UserRow`s.
    pub fn select(&self) -> SelectStart<'_, All> {
        SelectStart {
            db: Executor::from(self),
            fields: All,
        }
    }

    /// `SELECT` chosen fields: `db.select_fields((UserTable.id, count()))`.
    pub fn select_fields<F: Selection>(&self, fields: F) -> SelectStart<'_, Fields<F>> {
        SelectStart {
            db: Executor::from(self),
            fields: Fields(fields),
        }
    }

    /// `INSERT INTO table`.
    pub fn insert<T: Table>(&self, table: T) -> InsertStart<'_, T> {
        let _ = table;
        InsertStart {
            db: Executor::from(self),
            table: PhantomData,
        }
    }

    /// `UPDATE table`.
    pub fn update<T: Table>(&self, table: T) -> UpdateQuery<'_, T> {
        let _ = table;
        UpdateQuery {
            db: Executor::from(self),
            update: sql::Update {
                table: T::NAME,
                set: Vec::new(),
                where_: None,
                returning: Vec::new(),
            },
            scope: None,
            table: PhantomData,
        }
    }

    /// `DELETE FROM table`.
    pub fn delete<T: Table>(&self, table: T) -> DeleteQuery<'_, T> {
        let _ = table;
        DeleteQuery {
            db: Executor::from(self),
            delete: sql::Delete {
                table: T::NAME,
                where_: None,
                returning: Vec::new(),
            },
            scope: None,
            table: PhantomData,
        }
    }

    /// Runs a raw statement made with `sql!` (a write, DDL, anything that returns no
    /// rows): columns quoted, values bound. Read rows with
    /// `select_fields(sql!(…).typed::<T>())` instead.
    pub async fn run(&self, statement: super::expr::Sql) -> Result<crate::db::ExecResult, DbError> {
        let executor = Executor::from(self);
        let (sql, params) = executor.dialect().render(statement.into_statement());
        executor.execute(&sql, params).await
    }
}
    )+};
}

query_builders!(Db, Tx<'_>);

/// `condition`, narrowed to `scope` when there is one.
fn scoped(scope: &Option<Node>, condition: Node) -> Node {
    match scope {
        Some(scope) => Node::And(vec![scope.clone(), condition]),
        None => condition,
    }
}
