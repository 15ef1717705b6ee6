//! `insert`: values (split into statements under the parameter limit, applied atomically),
//! conflicts, returning.

use super::*;

/// `db.insert(table)` before `.values(…)`.
#[derive(Debug)]
pub struct InsertStart<'a, T> {
    pub(super) db: Executor<'a>,
    pub(super) table: PhantomData<fn() -> T>,
}

impl<'a, T: Table> InsertStart<'a, T> {
    /// The rows to insert: `[row]`, a `Vec`, any iterator of the table's insert struct.
    pub fn values(self, rows: impl IntoIterator<Item = T::Insert>) -> InsertQuery<'a, T> {
        InsertQuery {
            db: self.db,
            rows: rows.into_iter().collect(),
            on_conflict: None,
        }
    }
}

/// An insert of rows into `T`.
#[derive(Debug)]
pub struct InsertQuery<'a, T: Table> {
    pub(super) db: Executor<'a>,
    pub(super) rows: Vec<T::Insert>,
    pub(super) on_conflict: Option<sql::OnConflict>,
}

/// What an insert did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InsertResult {
    /// Rows inserted; for an upsert, rows inserted or updated (an updated row counts
    /// once, a conflicting row left alone not at all), the same on every database.
    pub rows_affected: u64,
    /// The id of the first row inserted (drizzle's `insertId`), for tables with an
    /// auto-increment key; for an upsert, of the first row that was new.
    pub insert_id: Option<i64>,
    /// The id of every row inserted, in order (PostgreSQL and SQLite return them;
    /// MySQL/MariaDB give consecutive ids to the rows of one statement); for an upsert,
    /// of every row inserted or updated. Empty for upserts on MySQL (and MariaDB before
    /// 10.5), which cannot return rows.
    pub ids: Vec<i64>,
}

/// The unique columns an upsert's conflict is about: a column of `T` or a tuple of them.
pub trait ConflictTarget<T> {
    /// Pushes the columns' names.
    fn push_names(self, out: &mut Vec<&'static str>);
}

impl<T: Table, V> ConflictTarget<T> for Column<T, V> {
    fn push_names(self, out: &mut Vec<&'static str>) {
        out.push(self.name());
    }
}

macro_rules! conflict_tuple {
    ($($name:ident),+) => {
        impl<T, $($name: ConflictTarget<T>),+> ConflictTarget<T> for ($($name,)+) {
            #[allow(non_snake_case)]
            fn push_names(self, out: &mut Vec<&'static str>) {
                let ($($name,)+) = self;
                $($name.push_names(out);)+
            }
        }
    };
}

conflict_tuple!(A);
conflict_tuple!(A, B);
conflict_tuple!(A, B, C);
conflict_tuple!(A, B, C, D);

/// The assignments of an upsert's update: `set.to(UserTable.real_name,
/// excluded(UserTable.real_name))`.
#[derive(Debug)]
pub struct Assignments<T> {
    pub(super) set: Vec<(&'static str, Node)>,
    pub(super) table: PhantomData<fn() -> T>,
}

impl<T: Table> Assignments<T> {
    /// `column = value` on the existing row (a value, an expression over `T`, or
    /// [`excluded`](crate::drizzle::excluded)`(column)` for the value the insert proposed).
    pub fn to<V: Value, R: Operand<V>, I>(mut self, column: Column<T, V>, value: R) -> Self
    where
        R::Source: crate::drizzle::InUpsert<T, I>,
    {
        self.set.push((column.name(), value.into_node()));
        self
    }
}

impl<'a, T: Table> InsertQuery<'a, T> {
    /// Rows that conflict with an existing row on a unique key are left out (an upsert
    /// that does nothing): `ON CONFLICT DO NOTHING`; on MySQL/MariaDB
    /// `ON DUPLICATE KEY UPDATE` of a column to itself.
    pub fn on_conflict_do_nothing(mut self) -> Self {
        self.on_conflict = Some(sql::OnConflict {
            target: Vec::new(),
            update: Vec::new(),
        });
        self
    }

    /// An upsert: a row that conflicts with an existing one on the `target` columns
    /// updates that row instead: `ON CONFLICT (target) DO UPDATE SET …` on PostgreSQL and
    /// SQLite, `ON DUPLICATE KEY UPDATE …` on MySQL/MariaDB — which acts on a conflict
    /// with any unique key, not only `target` (give the target that is the table's only
    /// possible conflict for one answer everywhere).
    ///
    /// ```text
    /// db.insert(UserTable).values(rows)
    ///     .on_conflict_do_update(UserTable.username, |set| set.to(UserTable.real_name, excluded(UserTable.real_name)))
    /// ```
    pub fn on_conflict_do_update<C: ConflictTarget<T>>(
        mut self,
        target: C,
        assignments: impl FnOnce(Assignments<T>) -> Assignments<T>,
    ) -> Self {
        let mut names = Vec::new();
        target.push_names(&mut names);
        let set = assignments(Assignments {
            set: Vec::new(),
            table: PhantomData,
        })
        .set;
        // No assignments: the conflicting rows are left as they are.
        self.on_conflict = Some(sql::OnConflict {
            target: names,
            update: set,
        });
        self
    }

    /// The statements this insert runs: rows giving the same columns go together, at most
    /// `MAX_PARAMS` parameters a statement.
    pub fn statements(self) -> Vec<sql::Insert> {
        let mut statements: Vec<sql::Insert> = Vec::new();
        let default_keyword = self.db.dialect().capabilities().insert_default_keyword;
        let mut columns = Vec::with_capacity(T::COLUMNS.len());
        for row in self.rows {
            columns.clear();
            let mut values = Vec::with_capacity(T::COLUMNS.len());
            row.into_values(&mut columns, &mut values);
            if !T::UNSIGNED.is_empty() {
                for (column, value) in columns.iter().zip(values.iter_mut()) {
                    let param = std::mem::replace(value, Param::Bool(None));
                    *value = crate::drizzle::table::unsigned_param::<T>(column, param);
                }
            }
            let fits = statements.last().is_some_and(|last| {
                last.columns == columns
                    && (last.rows.len() + 1) * columns.len().max(1) <= MAX_PARAMS
                    && (default_keyword || !columns.is_empty())
            });
            match statements.last_mut() {
                Some(last) if fits => last.rows.push(values),
                _ => statements.push(sql::Insert {
                    table: T::NAME,
                    columns: columns.clone(),
                    rows: vec![values],
                    on_conflict: self.on_conflict.clone(),
                    returning: Vec::new(),
                }),
            }
        }
        statements
    }

    /// Runs the insert. An insert split into several statements (more parameters than
    /// one statement takes, or rows giving different columns) runs in one transaction —
    /// a savepoint inside the caller's: all rows or none.
    pub async fn execute(self) -> Result<InsertResult, DbError> {
        let executor = self.db;
        let mut statements = self.statements();
        let returns_ids = executor.dialect().capabilities().insert_returning;
        if let (true, Some(key)) = (returns_ids, T::PRIMARY_KEY) {
            for statement in &mut statements {
                statement.returning = vec![Node::column(T::NAME, key)];
            }
        }
        let explicit_ids = gives_ids::<T>(&statements);
        let upsert = statements.iter().any(|s| s.on_conflict.is_some());
        let result = match T::PRIMARY_KEY {
            Some(key) if upsert && executor.db().supports_returning().await? => {
                for statement in &mut statements {
                    statement.returning = vec![Node::column(T::SOURCE, key)];
                }
                in_transaction(executor, statements, run_upserts).await?
            }
            _ => atomically(executor, statements, run_inserts).await?,
        };
        catch_up_identity::<T>(executor, explicit_ids).await?;
        Ok(result)
    }

    /// Runs the insert and reads back every row inserted (`RETURNING`; PostgreSQL,
    /// SQLite, MariaDB from 10.5 — an error saying so on MySQL).
    pub async fn returning(self) -> Result<Vec<T::Row>, DbError> {
        let executor = self.db;
        let mut statements = self.statements();
        for statement in &mut statements {
            T::push_columns(&mut statement.returning);
        }
        check_returning(executor, "INSERT … RETURNING").await?;
        let explicit_ids = gives_ids::<T>(&statements);
        let statements = statements.into_iter().map(Statement::Insert).collect();
        let rows = atomically(executor, statements, run_returning::<RowsOf<T>>).await?;
        catch_up_identity::<T>(executor, explicit_ids).await?;
        Ok(rows)
    }

    /// Runs the insert and reads back the chosen fields of every row inserted.
    pub async fn returning_fields<F, I>(self, fields: F) -> Result<Vec<F::Out>, DbError>
    where
        F: SelectionIn<T, I> + Clone + 'static,
        I: 'static,
    {
        let executor = self.db;
        let mut statements = self.statements();
        for statement in &mut statements {
            fields.clone().push_exprs(&mut statement.returning);
        }
        check_returning(executor, "INSERT … RETURNING").await?;
        let explicit_ids = gives_ids::<T>(&statements);
        let statements = statements.into_iter().map(Statement::Insert).collect();
        let rows = atomically(executor, statements, run_returning::<FieldsOf<F, T, I>>).await?;
        catch_up_identity::<T>(executor, explicit_ids).await?;
        Ok(rows)
    }
}

/// Whether `statements` give `T`'s auto-increment key a value of their own.
fn gives_ids<T: Table>(statements: &[sql::Insert]) -> bool {
    T::PRIMARY_KEY.is_some_and(|key| statements.iter().any(|s| s.columns.contains(&key)))
}

/// After rows with ids of their own, moves PostgreSQL's identity sequence past the
/// largest id, as MySQL's and SQLite's counters move by themselves: the next generated
/// id then follows them instead of colliding. Only ever forward.
async fn catch_up_identity<T: Table>(
    executor: Executor<'_>,
    explicit_ids: bool,
) -> Result<(), DbError> {
    let (true, Some(key)) = (explicit_ids, T::PRIMARY_KEY) else {
        return Ok(());
    };
    let dialect = executor.dialect();
    if dialect.backend() != crate::config::Backend::Postgres {
        return Ok(());
    }
    let table = dialect.quote(T::SOURCE);
    let column = dialect.quote(key);
    let sql = format!(
        "SELECT setval(s, m) FROM (SELECT pg_get_serial_sequence($1, $2) AS s, (SELECT max({column}) FROM {table}) AS m) AS t WHERE s IS NOT NULL AND m >= COALESCE(pg_sequence_last_value(s::regclass), 0)"
    );
    executor
        .fetch_decoded::<FirstI64>(&sql, vec![table.into(), key.into()])
        .await?;
    Ok(())
}

/// Refuses `RETURNING` where the server has none.
pub(super) async fn check_returning(executor: Executor<'_>, feature: &str) -> Result<(), DbError> {
    if executor.db().supports_returning().await? {
        Ok(())
    } else {
        Err(DbError::Unsupported {
            backend: executor.dialect().backend(),
            feature: format!("{feature} (MariaDB has it from 10.5; MySQL has none)"),
        })
    }
}

/// Runs `statements` with `run`; several statements run in one transaction (a savepoint
/// inside the caller's): all or nothing.
pub(super) async fn atomically<S, R, F>(
    executor: Executor<'_>,
    statements: Vec<S>,
    run: F,
) -> Result<R, DbError>
where
    F: for<'e> AsyncRun<'e, S, R>,
{
    if statements.len() <= 1 {
        return run.call(executor, statements).await;
    }
    in_transaction(executor, statements, run).await
}

/// Runs `statements` with `run` in one transaction (a savepoint inside the caller's),
/// however many there are: all or nothing.
pub(super) async fn in_transaction<S, R, F>(
    executor: Executor<'_>,
    statements: Vec<S>,
    run: F,
) -> Result<R, DbError>
where
    F: for<'e> AsyncRun<'e, S, R>,
{
    let tx = executor.begin_atomic().await?;
    match run.call(Executor::from(&tx), statements).await {
        Ok(result) => {
            tx.commit().await?;
            Ok(result)
        }
        Err(error) => {
            // Dropping would roll back too; waiting for it leaves the pool clean.
            let _ = tx.rollback().await;
            Err(error)
        }
    }
}

/// An async function over an executor and statements (what `atomically` runs).
pub(crate) trait AsyncRun<'e, S, R> {
    /// Its future.
    type Future: std::future::Future<Output = Result<R, DbError>> + Send + 'e;
    /// Runs the statements on the executor.
    fn call(&self, executor: Executor<'e>, statements: Vec<S>) -> Self::Future;
}

impl<'e, S, R, F, Fut> AsyncRun<'e, S, R> for F
where
    F: Fn(Executor<'e>, Vec<S>) -> Fut,
    Fut: std::future::Future<Output = Result<R, DbError>> + Send + 'e,
{
    type Future = Fut;
    fn call(&self, executor: Executor<'e>, statements: Vec<S>) -> Fut {
        self(executor, statements)
    }
}

pub(super) async fn run_inserts(
    executor: Executor<'_>,
    statements: Vec<sql::Insert>,
) -> Result<InsertResult, DbError> {
    let dialect = executor.dialect();
    let mut result = InsertResult::default();
    let mut step = None;
    for statement in statements {
        let returns_ids = !statement.returning.is_empty();
        let upsert = statement.on_conflict.is_some();
        let (sql, params) = dialect.render(Statement::Insert(statement));
        if returns_ids {
            let ids = executor.fetch_decoded::<FirstI64>(&sql, params).await?;
            result.rows_affected += ids.len() as u64;
            result.ids.extend(ids);
        } else {
            let done = executor.execute(&sql, params).await?;
            result.rows_affected += done.rows_affected;
            // MySQL/MariaDB: the first id of the statement; the ids of its rows follow it
            // `auto_increment_increment` apart (1, but the cluster's size on Galera).
            let first = i64::try_from(done.last_insert_id).unwrap_or(0);
            if first > 0 && !upsert {
                let count = i64::try_from(done.rows_affected).unwrap_or(0);
                let step = match step {
                    Some(step) => step,
                    None => *step.insert(executor.db().auto_increment_step().await?),
                };
                result.ids.extend((0..count).map(|n| first + n * step));
            } else if first > 0 && result.insert_id.is_none() {
                result.insert_id = Some(first);
            }
        }
    }
    result.insert_id = result.insert_id.or(result.ids.first().copied());
    Ok(result)
}

/// Upserts returning their key column, with one answer on every database that returns
/// rows (run in one transaction: see [`in_transaction`]): the largest id before, then each
/// statement returning the ids it wrote. Rows with ids above the largest before were
/// inserted; the others were updated, or (an upsert doing nothing; MariaDB returns them
/// too) left alone and not counted.
async fn run_upserts(
    on: Executor<'_>,
    statements: Vec<sql::Insert>,
) -> Result<InsertResult, DbError> {
    let Some(Node::Column { table, name: key }) = statements
        .first()
        .and_then(|s| s.returning.first())
        .cloned()
    else {
        return Err(DbError::Invalid("an upsert returns its key column".into()));
    };
    let dialect = on.dialect();
    let (key_sql, table_sql) = (dialect.statement_name(key), dialect.statement_name(table));
    let largest = format!("SELECT {key_sql} FROM {table_sql} ORDER BY {key_sql} DESC LIMIT 1");
    let before = on
        .fetch_decoded::<FirstI64>(&largest, Vec::new())
        .await?
        .first()
        .copied()
        .unwrap_or(0);
    let mut result = InsertResult::default();
    for statement in statements {
        let does_nothing = statement
            .on_conflict
            .as_ref()
            .is_some_and(|c| c.update.is_empty());
        let (sql, params) = dialect.render(Statement::Insert(statement));
        for id in on.fetch_decoded::<FirstI64>(&sql, params).await? {
            let new = id > before;
            if new && result.insert_id.is_none() {
                result.insert_id = Some(id);
            }
            if new || !does_nothing {
                result.ids.push(id);
                result.rows_affected += 1;
            }
        }
    }
    Ok(result)
}

pub(super) async fn run_returning<D: Decode>(
    executor: Executor<'_>,
    statements: Vec<Statement>,
) -> Result<Vec<D::Out>, DbError> {
    let dialect = executor.dialect();
    let mut rows = Vec::new();
    for statement in statements {
        let (sql, params) = dialect.render(statement);
        rows.extend(executor.fetch_decoded::<D>(&sql, params).await?);
    }
    Ok(rows)
}
