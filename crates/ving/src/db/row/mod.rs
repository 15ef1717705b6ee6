//! Reading typed values from rows: [`BackendRow`] for each backend's row (one file each)
//! and for [`DbRow`], and [`Decode`] for whole rows.

use super::*;

impl std::fmt::Debug for DbRow<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use sqlx::Row;
        let columns = match self {
            #[cfg(feature = "mysql")]
            DbRow::MySql(row) => row.len(),
            #[cfg(feature = "postgres")]
            DbRow::Postgres(row) => row.len(),
            #[cfg(feature = "sqlite")]
            DbRow::Sqlite(row) => row.len(),
        };
        f.debug_struct("DbRow").field("columns", &columns).finish()
    }
}

/// Reading typed values from a row of one backend. Implemented for each backend's row
/// (so generated decoders are compiled once per backend, with no dispatch per column)
/// and for [`DbRow`] (any backend, for ad-hoc code).
///
/// No getter makes up a value for SQL `NULL` (SQLite's driver would read `0`, `""` or
/// `false`): a `NULL` is an error naming the column, on every backend. Read nullable
/// columns with [`BackendRow::is_null`] first, or as an `Option` through
/// [`Value`](crate::drizzle::Value).
pub trait BackendRow {
    /// Whether the value at `index` is SQL `NULL`.
    fn is_null(&self, index: usize) -> Result<bool, sqlx::Error>;
    /// The error for a `NULL` read into a type that cannot hold it, naming the column.
    fn unexpected_null(&self, index: usize) -> sqlx::Error;
    /// An error decoding the value at `index`, naming the column.
    fn decode_error(&self, index: usize, message: String) -> sqlx::Error;
    /// A 64-bit integer (MySQL's unsigned `bigint` converted, refusing values above
    /// `i64::MAX`).
    fn get_i64(&self, index: usize) -> Result<i64, sqlx::Error>;
    /// A 32-bit integer.
    fn get_i32(&self, index: usize) -> Result<i32, sqlx::Error>;
    /// A double.
    fn get_f64(&self, index: usize) -> Result<f64, sqlx::Error>;
    /// A boolean.
    fn get_bool(&self, index: usize) -> Result<bool, sqlx::Error>;
    /// Text.
    fn get_string(&self, index: usize) -> Result<String, sqlx::Error>;
    /// A date and time (MySQL's `timestamp` and `datetime` alike).
    fn get_datetime(&self, index: usize) -> Result<chrono::NaiveDateTime, sqlx::Error>;
    /// A JSON value (stored as text in MariaDB and SQLite, as jsonb in PostgreSQL).
    fn get_json(&self, index: usize) -> Result<serde_json::Value, sqlx::Error>;
}

/// A value that cannot be read: the error names the column.
pub(super) fn column_error<C: sqlx::Column>(
    columns: &[C],
    index: usize,
    message: String,
) -> sqlx::Error {
    let name = columns
        .get(index)
        .map_or_else(|| index.to_string(), |c| format!("{:?}", c.name()));
    sqlx::Error::ColumnDecode {
        index: name,
        source: message.into(),
    }
}

#[cfg(any(feature = "mysql", feature = "sqlite"))]
pub(super) fn json_from_bytes(
    bytes: &[u8],
    index: usize,
) -> Result<serde_json::Value, sqlx::Error> {
    serde_json::from_slice(bytes).map_err(|e| sqlx::Error::ColumnDecode {
        index: index.to_string(),
        source: Box::new(e),
    })
}

/// The checks every backend's getters share: whether a value is `NULL`, and the error
/// naming the column when a `NULL` is read into a type that cannot hold it.
macro_rules! null_checks {
    () => {
        #[inline]
        fn is_null(&self, index: usize) -> Result<bool, sqlx::Error> {
            use sqlx::{Row, ValueRef};
            Ok(self.try_get_raw(index)?.is_null())
        }
        #[cold]
        fn unexpected_null(&self, index: usize) -> sqlx::Error {
            column_error(
                sqlx::Row::columns(self),
                index,
                "unexpected NULL (read a nullable column or expression as an Option)".into(),
            )
        }
        #[cold]
        fn decode_error(&self, index: usize, message: String) -> sqlx::Error {
            column_error(sqlx::Row::columns(self), index, message)
        }
    };
}

/// MySQL and PostgreSQL refuse a `NULL` read into a plain type themselves; the error
/// is renamed to name the column. `$read` is `try_get` or `try_get_unchecked`.
#[allow(unused_macros)]
macro_rules! server_getter {
    ($name:ident, $read:ident, $type:ty) => {
        #[inline]
        fn $name(&self, index: usize) -> Result<$type, sqlx::Error> {
            sqlx::Row::$read(self, index).map_err(|e| name_null(self, index, e))
        }
    };
}

/// SQLite would read a `NULL` as `0`, `""` or `false`: the getter checks first.
#[allow(unused_macros)]
macro_rules! sqlite_getter {
    ($name:ident, $type:ty) => {
        #[inline]
        fn $name(&self, index: usize) -> Result<$type, sqlx::Error> {
            sqlite_value::<$type>(self, index)
        }
    };
}

/// `error`, or the column-naming `NULL` error when the driver refused a `NULL`.
#[cold]
#[cfg(any(feature = "mysql", feature = "postgres"))]
pub(super) fn name_null<R: BackendRow + ?Sized>(
    row: &R,
    index: usize,
    error: sqlx::Error,
) -> sqlx::Error {
    match &error {
        sqlx::Error::ColumnDecode { source, .. }
            if source.is::<sqlx::error::UnexpectedNullError>() =>
        {
            row.unexpected_null(index)
        }
        _ => error,
    }
}

/// Any backend's row: each getter dispatches to the backend's.
macro_rules! dispatch {
    ($($name:ident -> $out:ty),+) => {
        /// The [`BackendRow`] getters, callable without importing the trait.
        impl DbRow<'_> {
            $(
                /// See [`BackendRow`].
                #[inline]
                pub fn $name(&self, index: usize) -> Result<$out, sqlx::Error> {
                    BackendRow::$name(self, index)
                }
            )+
        }

        impl BackendRow for DbRow<'_> {
            fn unexpected_null(&self, index: usize) -> sqlx::Error {
                match self {
                    #[cfg(feature = "mysql")]
                    DbRow::MySql(row) => row.unexpected_null(index),
                    #[cfg(feature = "postgres")]
                    DbRow::Postgres(row) => row.unexpected_null(index),
                    #[cfg(feature = "sqlite")]
                    DbRow::Sqlite(row) => row.unexpected_null(index),
                }
            }
            fn decode_error(&self, index: usize, message: String) -> sqlx::Error {
                match self {
                    #[cfg(feature = "mysql")]
                    DbRow::MySql(row) => row.decode_error(index, message),
                    #[cfg(feature = "postgres")]
                    DbRow::Postgres(row) => row.decode_error(index, message),
                    #[cfg(feature = "sqlite")]
                    DbRow::Sqlite(row) => row.decode_error(index, message),
                }
            }
            $(
                #[inline]
                fn $name(&self, index: usize) -> Result<$out, sqlx::Error> {
                    match self {
                        #[cfg(feature = "mysql")]
                        DbRow::MySql(row) => row.$name(index),
                        #[cfg(feature = "postgres")]
                        DbRow::Postgres(row) => row.$name(index),
                        #[cfg(feature = "sqlite")]
                        DbRow::Sqlite(row) => row.$name(index),
                    }
                }
            )+
        }
    };
}

dispatch!(
    is_null -> bool,
    get_i64 -> i64,
    get_i32 -> i32,
    get_f64 -> f64,
    get_bool -> bool,
    get_string -> String,
    get_datetime -> chrono::NaiveDateTime,
    get_json -> serde_json::Value
);

/// Decodes one result row into a value, compiled once per backend row type (the query
/// builder's decoders; ad-hoc code can pass closures over [`DbRow`] instead).
pub trait Decode {
    /// What one row becomes.
    type Out: Send + 'static;
    /// Reads one row.
    fn decode<R: BackendRow>(row: &R) -> Result<Self::Out, sqlx::Error>;
}

/// The first column as an `i64` (ids returned by inserts).
#[derive(Debug)]
pub struct FirstI64;

impl Decode for FirstI64 {
    type Out = i64;
    fn decode<R: BackendRow>(row: &R) -> Result<i64, sqlx::Error> {
        row.get_i64(0)
    }
}

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
