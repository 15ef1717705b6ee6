//! SQLite's rows: each value read once.

use super::*;

/// A SQLite value read once: a `NULL` is an error naming the column, a value of another
/// type sqlx's mismatch error, anything else decoded (what `Row::try_get` does, without
/// reading the value a second time to test for `NULL`).
#[cfg(feature = "sqlite")]
#[inline]
pub(super) fn sqlite_value<T>(row: &SqliteRow, index: usize) -> Result<T, sqlx::Error>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    use sqlx::{Row, TypeInfo, ValueRef};
    let value = row.try_get_raw(index)?;
    if value.is_null() {
        return Err(row.unexpected_null(index));
    }
    let ty = value.type_info();
    if !ty.is_null() && !T::compatible(&ty) {
        return Err(sqlx::Error::ColumnDecode {
            index: format!("{index:?}"),
            source: format!(
                "mismatched types; Rust type `{}` (as SQL type `{}`) is not compatible with SQL type `{}`",
                std::any::type_name::<T>(),
                T::type_info().name(),
                ty.name()
            )
            .into(),
        });
    }
    T::decode(value).map_err(|source| sqlx::Error::ColumnDecode {
        index: format!("{index:?}"),
        source,
    })
}

#[cfg(feature = "sqlite")]
impl BackendRow for SqliteRow {
    null_checks!();
    sqlite_getter!(get_i32, i32);
    sqlite_getter!(get_i64, i64);
    sqlite_getter!(get_f64, f64);
    sqlite_getter!(get_bool, bool);
    sqlite_getter!(get_string, String);
    sqlite_getter!(get_datetime, chrono::NaiveDateTime);

    fn get_json(&self, index: usize) -> Result<serde_json::Value, sqlx::Error> {
        if self.is_null(index)? {
            return Err(self.unexpected_null(index));
        }
        let bytes: Vec<u8> = sqlx::Row::try_get(self, index)?;
        json_from_bytes(&bytes, index)
    }
}
