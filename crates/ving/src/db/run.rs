//! Running one statement on a target (a pool or a transaction's connection): the
//! primitives every layer above runs SQL through, and the binding of parameters per backend.

use super::*;

/// Where a statement runs: a pool (any free connection) or one connection (a
/// transaction's).
pub(crate) enum Target<'c> {
    #[cfg(feature = "mysql")]
    MySqlPool(&'c MySqlPool),
    #[cfg(feature = "mysql")]
    MySqlConn(&'c mut sqlx::MySqlConnection),
    #[cfg(feature = "postgres")]
    PostgresPool(&'c PgPool),
    #[cfg(feature = "postgres")]
    PostgresConn(&'c mut sqlx::PgConnection),
    #[cfg(feature = "sqlite")]
    SqlitePool(&'c SqlitePool),
    #[cfg(feature = "sqlite")]
    SqliteConn(&'c mut sqlx::SqliteConnection),
}

impl<'c> From<&'c Pool> for Target<'c> {
    fn from(pool: &'c Pool) -> Self {
        match pool {
            #[cfg(feature = "mysql")]
            Pool::MySql(pool) => Target::MySqlPool(pool),
            #[cfg(feature = "postgres")]
            Pool::Postgres(pool) => Target::PostgresPool(pool),
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(pool) => Target::SqlitePool(pool),
        }
    }
}

/// Runs `$body` with `$exec` bound to the target's sqlx executor (a pool or a connection)
/// and `$query` to a sqlx query of `$sql` with `$params` bound; `$wrap!(row)` makes a
/// [`DbRow`] of the backend's row. The caller checks the parameters first ([`refused`]).
macro_rules! with_target {
    ($target:expr, $sql:expr, $params:expr, |$exec:ident, $query:ident, $wrap:ident| $body:expr) => {
        with_target!(@arms $target, $sql, $params, $exec, $query, $wrap, $body,
            MySqlPool MySqlConn => bind_mysql, MySql, "mysql";
            PostgresPool PostgresConn => bind_postgres, Postgres, "postgres";
            SqlitePool SqliteConn => bind_sqlite, Sqlite, "sqlite")
    };
    (@arms $target:expr, $sql:expr, $params:expr, $exec:ident, $query:ident, $wrap:ident, $body:expr,
        $($pool:ident $conn:ident => $bind:ident, $row:ident, $feature:literal);+) => {
        match $target {
            $(
                #[cfg(feature = $feature)]
                Target::$pool($exec) => {
                    let $query = $bind(sqlx::query($sql), $params);
                    #[allow(unused_macros)]
                    macro_rules! $wrap {
                        ($r:expr) => {
                            DbRow::$row($r)
                        };
                    }
                    $body
                }
                #[cfg(feature = $feature)]
                Target::$conn($exec) => {
                    let $query = $bind(sqlx::query($sql), $params);
                    #[allow(unused_macros)]
                    macro_rules! $wrap {
                        ($r:expr) => {
                            DbRow::$row($r)
                        };
                    }
                    $body
                }
            )+
        }
    };
}

// The helpers below return boxed futures made directly from sqlx's (no `async fn`): an
// `async fn` holding `&mut Connection` across an await cannot be proven `Send` for
// every lifetime (rust-lang/rust#110338), which would keep transactions out of spawned
// tasks.

/// Why `params` cannot be bound, if they cannot: a [`Param::Refused`] says.
pub(crate) fn refused(params: &[Param]) -> Option<sqlx::Error> {
    use chrono::Datelike;
    // Years every database holds and compares as dates: MariaDB stores a year past 9999 as
    // the zero date (a row no select reads again) and SQLite compares such a year as text.
    let outside = |date: &chrono::NaiveDateTime| !(1..=9999).contains(&date.year());
    let refused_date = |date: &chrono::NaiveDateTime| {
        let reason =
            format!("the date {date} is outside the years 1 to 9999 that every database holds");
        Some(sqlx::Error::Encode(reason.into()))
    };
    params.iter().find_map(|param| match param {
        Param::Refused(reason) => Some(sqlx::Error::Encode(reason.clone().into())),
        Param::DateTime(Some(date)) if outside(date) => refused_date(date),
        Param::Array(crate::sql::ParamList::DateTime(dates)) => dates
            .iter()
            .find(|date| outside(date))
            .and_then(refused_date),
        _ => None,
    })
}

/// Runs one statement with parameters on `target`.
pub(crate) fn run_execute<'c>(
    target: Target<'c>,
    sql: &'c str,
    params: Vec<Param>,
) -> BoxFuture<'c, Result<ExecResult, sqlx::Error>> {
    if let Some(e) = refused(&params) {
        return futures_util::future::ready(Err(e)).boxed();
    }
    with_target!(target, sql, params, |exec, query, wrap| query
        .execute(exec)
        .map(|done| done.map(ExecResult::from))
        .boxed())
}

/// Runs SQL text without parameters on `target` (several statements where allowed).
pub(crate) fn run_script<'c>(
    target: Target<'c>,
    sql: &'c str,
) -> BoxFuture<'c, Result<ExecResult, sqlx::Error>> {
    fn done<R: Into<ExecResult>>(
        result: Result<R, sqlx::Error>,
    ) -> Result<ExecResult, sqlx::Error> {
        result.map(Into::into)
    }
    use sqlx::Executor as _;
    let raw = sqlx::raw_sql(sql);
    match target {
        #[cfg(feature = "mysql")]
        Target::MySqlPool(e) => e.execute(raw).map(done).boxed(),
        #[cfg(feature = "mysql")]
        Target::MySqlConn(e) => e.execute(raw).map(done).boxed(),
        #[cfg(feature = "postgres")]
        Target::PostgresPool(e) => e.execute(raw).map(done).boxed(),
        #[cfg(feature = "postgres")]
        Target::PostgresConn(e) => e.execute(raw).map(done).boxed(),
        #[cfg(feature = "sqlite")]
        Target::SqlitePool(e) => e.execute(raw).map(done).boxed(),
        #[cfg(feature = "sqlite")]
        Target::SqliteConn(e) => e.execute(raw).map(done).boxed(),
    }
}

/// Runs a query on `target` and decodes every row with `decode`. Every row is fetched
/// first, then decoded: the driver hands rows over fastest when nothing runs between
/// them.
pub(crate) fn run_fetch_all<'c, T, F>(
    target: Target<'c>,
    sql: &'c str,
    params: Vec<Param>,
    decode: F,
) -> BoxFuture<'c, Result<Vec<T>, sqlx::Error>>
where
    T: Send + 'c,
    F: Fn(DbRow<'_>) -> Result<T, sqlx::Error> + Send + 'c,
{
    if let Some(e) = refused(&params) {
        return futures_util::future::ready(Err(e)).boxed();
    }
    with_target!(target, sql, params, |exec, query, wrap| query
        .fetch_all(exec)
        .map(move |rows| decode_all(&rows?, |row| decode(wrap!(row))))
        .boxed())
}

/// Every row decoded, into a vector of the right size at once (collecting a `Result`
/// would grow it by doubling, copying the decoded values each time).
#[inline]
pub(super) fn decode_all<R, T>(
    rows: &[R],
    mut decode: impl FnMut(&R) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, sqlx::Error> {
    let mut decoded = Vec::with_capacity(rows.len());
    for row in rows {
        decoded.push(decode(row)?);
    }
    Ok(decoded)
}

/// Runs a query on `target` and decodes every row with `D`.
pub(crate) fn run_fetch_decoded<'c, D: Decode>(
    target: Target<'c>,
    sql: &'c str,
    params: Vec<Param>,
) -> BoxFuture<'c, Result<Vec<D::Out>, sqlx::Error>> {
    if let Some(e) = refused(&params) {
        return futures_util::future::ready(Err(e)).boxed();
    }
    with_target!(target, sql, params, |exec, query, wrap| query
        .fetch_all(exec)
        .map(|rows| decode_all(&rows?, |row| D::decode(row)))
        .boxed())
}

/// Runs a query on `target` and decodes its first row, if any, with `D`.
pub(crate) fn run_fetch_first<'c, D: Decode>(
    target: Target<'c>,
    sql: &'c str,
    params: Vec<Param>,
) -> BoxFuture<'c, Result<Option<D::Out>, sqlx::Error>> {
    if let Some(e) = refused(&params) {
        return futures_util::future::ready(Err(e)).boxed();
    }
    with_target!(target, sql, params, |exec, query, wrap| query
        .fetch_optional(exec)
        .map(|row| row?.as_ref().map(|row| D::decode(row)).transpose())
        .boxed())
}

#[cfg(feature = "mysql")]
pub(super) fn bind_mysql(
    mut query: sqlx::query::Query<'_, sqlx::MySql, sqlx::mysql::MySqlArguments>,
    params: Vec<Param>,
) -> sqlx::query::Query<'_, sqlx::MySql, sqlx::mysql::MySqlArguments> {
    for param in params {
        query = match param {
            Param::Bool(v) => query.bind(v),
            Param::I32(v) => query.bind(v),
            Param::I64(v) => query.bind(v),
            Param::F64(v) => query.bind(v),
            Param::String(v) => query.bind(v),
            Param::DateTime(v) => query.bind(v.map(crate::sql::whole_seconds)),
            // MariaDB's JSON is text; bind the JSON text.
            Param::Json(v) => query.bind(v.map(|json| json.to_string())),
            Param::Array(list) => query.bind(list.to_json()),
            Param::Refused(_) => query.bind(None::<String>),
        };
    }
    query
}

#[cfg(feature = "postgres")]
pub(super) fn bind_postgres(
    mut query: sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
    params: Vec<Param>,
) -> sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments> {
    for param in params {
        query = match param {
            Param::Bool(v) => query.bind(v),
            Param::I32(v) => query.bind(v),
            Param::I64(v) => query.bind(v),
            Param::F64(v) => query.bind(v),
            Param::String(v) => query.bind(v),
            Param::DateTime(v) => query.bind(v.map(crate::sql::whole_seconds)),
            Param::Json(v) => query.bind(v.map(sqlx::types::Json)),
            Param::Array(list) => {
                use crate::sql::ParamList;
                match list {
                    ParamList::Bool(v) => query.bind(v),
                    ParamList::I32(v) => query.bind(v),
                    ParamList::I64(v) => query.bind(v),
                    ParamList::F64(v) => query.bind(v),
                    ParamList::String(v) => query.bind(v),
                    ParamList::DateTime(v) => query.bind(
                        v.into_iter()
                            .map(crate::sql::whole_seconds)
                            .collect::<Vec<_>>(),
                    ),
                }
            }
            Param::Refused(_) => query.bind(None::<String>),
        };
    }
    query
}

#[cfg(feature = "sqlite")]
pub(super) fn bind_sqlite<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    params: Vec<Param>,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for param in params {
        query = match param {
            Param::Bool(v) => query.bind(v),
            Param::I32(v) => query.bind(v),
            Param::I64(v) => query.bind(v),
            Param::F64(v) => query.bind(v),
            Param::String(v) => query.bind(v),
            Param::DateTime(v) => query.bind(v.map(crate::sql::whole_seconds)),
            Param::Json(v) => query.bind(v.map(|json| json.to_string())),
            Param::Array(list) => query.bind(list.to_json()),
            Param::Refused(_) => query.bind(None::<String>),
        };
    }
    query
}

pub(crate) use with_target;
