//! `delete`: where, returning.

use super::*;

/// A delete from `T`.
#[derive(Debug, Clone)]
pub struct DeleteQuery<'a, T> {
    pub(super) db: Executor<'a>,
    pub(super) delete: sql::Delete,
    /// A condition every `where_` is narrowed to (a record kind's prop defaults).
    pub(super) scope: Option<Node>,
    pub(super) table: PhantomData<fn() -> T>,
}

impl<T: Table> DeleteQuery<'_, T> {
    /// `WHERE condition` (replacing any earlier one; narrowed to a record kind's prop
    /// defaults on its builder).
    pub fn where_<P: Predicate, I>(mut self, condition: P) -> Self
    where
        P::Source: AppearsIn<T, I>,
    {
        self.delete.where_ = Some(scoped(&self.scope, condition.into_condition()));
        self
    }

    /// The delete narrowed to `scope` for good (see [`SelectQuery::where_`]).
    pub(crate) fn scoped(mut self, scope: Option<Node>) -> Self {
        self.delete.where_ = scope.clone();
        self.scope = scope;
        self
    }

    /// The SQL and parameters this delete runs.
    pub fn to_sql(&self) -> (String, Vec<Param>) {
        self.db
            .dialect()
            .render(Statement::Delete(self.delete.clone()))
    }

    /// Runs the delete: the number of rows deleted.
    pub async fn execute(self) -> Result<u64, DbError> {
        let (sql, params) = self.db.dialect().render(Statement::Delete(self.delete));
        Ok(self.db.execute(&sql, params).await?.rows_affected)
    }

    /// Runs the delete and reads back every deleted row (`RETURNING`; PostgreSQL, SQLite,
    /// MariaDB from 10.5 — an error saying so on MySQL).
    pub async fn returning(self) -> Result<Vec<T::Row>, DbError> {
        let mut delete = self.delete;
        T::push_columns(&mut delete.returning);
        check_returning(self.db, "DELETE … RETURNING").await?;
        let (sql, params) = self.db.dialect().render(Statement::Delete(delete));
        self.db.fetch_decoded::<RowsOf<T>>(&sql, params).await
    }

    /// Runs the delete and reads back the chosen fields of every deleted row.
    pub async fn returning_fields<F, I>(self, fields: F) -> Result<Vec<F::Out>, DbError>
    where
        F: SelectionIn<T, I>,
    {
        let mut delete = self.delete;
        fields.push_exprs(&mut delete.returning);
        check_returning(self.db, "DELETE … RETURNING").await?;
        let (sql, params) = self.db.dialect().render(Statement::Delete(delete));
        self.db
            .fetch_decoded::<FieldsOf<F, T, I>>(&sql, params)
            .await
    }
}
