//! `update`: set, where, returning.

use super::*;

/// An update of `T`.
#[derive(Debug, Clone)]
pub struct UpdateQuery<'a, T> {
    pub(super) db: Executor<'a>,
    pub(super) update: sql::Update,
    /// A condition every `where_` is narrowed to (a record kind's prop defaults).
    pub(super) scope: Option<Node>,
    pub(super) table: PhantomData<fn() -> T>,
}

impl<T: Table> UpdateQuery<'_, T> {
    /// `SET column = value` (a value of the column's type, or an expression over `T`).
    pub fn set<V: Value, R: Operand<V>, I>(mut self, column: Column<T, V>, value: R) -> Self
    where
        R::Source: AppearsIn<T, I>,
    {
        let value = crate::drizzle::table::unsigned_checked::<T>(column.name(), value.into_node());
        self.update.set.push((column.name(), value));
        self
    }

    /// `WHERE condition` (replacing any earlier one; narrowed to a record kind's prop
    /// defaults on its builder).
    pub fn where_<P: Predicate, I>(mut self, condition: P) -> Self
    where
        P::Source: AppearsIn<T, I>,
    {
        self.update.where_ = Some(scoped(&self.scope, condition.into_condition()));
        self
    }

    /// The update narrowed to `scope` for good (see [`SelectQuery::where_`]).
    pub(crate) fn scoped(mut self, scope: Option<Node>) -> Self {
        self.update.where_ = scope.clone();
        self.scope = scope;
        self
    }

    /// The SQL and parameters this update runs.
    pub fn to_sql(&self) -> (String, Vec<Param>) {
        self.db
            .dialect()
            .render(Statement::Update(stamped::<T>(self.update.clone())))
    }

    pub(super) fn checked(&self) -> Result<(), DbError> {
        if self.update.set.is_empty() {
            return Err(DbError::Invalid(format!(
                "update of {} sets no column",
                T::NAME
            )));
        }
        Ok(())
    }

    /// Runs the update: the number of rows changed.
    pub async fn execute(self) -> Result<u64, DbError> {
        self.checked()?;
        let (sql, params) = self
            .db
            .dialect()
            .render(Statement::Update(stamped::<T>(self.update)));
        Ok(self.db.execute(&sql, params).await?.rows_affected)
    }

    /// Runs the update and reads back every changed row (`RETURNING`; PostgreSQL and
    /// SQLite — MySQL/MariaDB have no `UPDATE … RETURNING`: an error saying so).
    pub async fn returning(self) -> Result<Vec<T::Row>, DbError> {
        self.checked()?;
        let mut update = stamped::<T>(self.update);
        T::push_columns(&mut update.returning);
        run_update_returning::<RowsOf<T>>(self.db, update).await
    }

    /// Runs the update and reads back the chosen fields of every changed row.
    pub async fn returning_fields<F, I>(self, fields: F) -> Result<Vec<F::Out>, DbError>
    where
        F: SelectionIn<T, I>,
    {
        self.checked()?;
        let mut update = stamped::<T>(self.update);
        fields.push_exprs(&mut update.returning);
        run_update_returning::<FieldsOf<F, T, I>>(self.db, update).await
    }
}

pub(super) async fn run_update_returning<D: Decode>(
    executor: Executor<'_>,
    update: sql::Update,
) -> Result<Vec<D::Out>, DbError> {
    if !executor.dialect().capabilities().update_returning {
        return Err(DbError::Unsupported {
            backend: executor.dialect().backend(),
            feature: "UPDATE … RETURNING".into(),
        });
    }
    let (sql, params) = executor.dialect().render(Statement::Update(update));
    executor.fetch_decoded::<D>(&sql, params).await
}

/// `update` with every `autoUpdate` column of `T` it does not set set to the current
/// time, so that every database refreshes them alike (even when nothing else changes)
/// and `RETURNING` reads the new value.
fn stamped<T: Table>(mut update: sql::Update) -> sql::Update {
    for column in T::AUTO_UPDATE {
        if !update.set.iter().any(|(set, _)| set == column) {
            update.set.push((
                column,
                Node::Raw(vec![sql::RawPart::Text("CURRENT_TIMESTAMP".into())]),
            ));
        }
    }
    update
}
