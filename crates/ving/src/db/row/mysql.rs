//! MySQL's and MariaDB's rows.

use super::*;

#[cfg(feature = "mysql")]
impl BackendRow for MySqlRow {
    null_checks!();
    server_getter!(get_i32, try_get, i32);
    server_getter!(get_f64, try_get, f64);
    server_getter!(get_bool, try_get, bool);
    // Unchecked: text under a binary collation reads as a blob.
    server_getter!(get_string, try_get_unchecked, String);
    // Unchecked: sqlx types `timestamp` and `datetime` apart; both are date-times.
    server_getter!(get_datetime, try_get_unchecked, chrono::NaiveDateTime);

    #[inline]
    fn get_i64(&self, index: usize) -> Result<i64, sqlx::Error> {
        use sqlx::{Column, Row, TypeInfo};
        let unsigned = self
            .columns()
            .get(index)
            .is_some_and(|c| c.type_info().name().ends_with("UNSIGNED"));
        if unsigned {
            let value: u64 = self.try_get(index).map_err(|e| name_null(self, index, e))?;
            i64::try_from(value).map_err(|e| sqlx::Error::ColumnDecode {
                index: index.to_string(),
                source: Box::new(e),
            })
        } else {
            self.try_get(index).map_err(|e| name_null(self, index, e))
        }
    }

    fn get_json(&self, index: usize) -> Result<serde_json::Value, sqlx::Error> {
        let bytes: Vec<u8> =
            sqlx::Row::try_get_unchecked(self, index).map_err(|e| name_null(self, index, e))?;
        json_from_bytes(&bytes, index)
    }
}
