//! PostgreSQL's rows.

use super::*;

#[cfg(feature = "postgres")]
impl BackendRow for PgRow {
    null_checks!();
    server_getter!(get_i32, try_get, i32);
    server_getter!(get_i64, try_get, i64);
    server_getter!(get_f64, try_get, f64);
    server_getter!(get_bool, try_get, bool);
    server_getter!(get_string, try_get, String);
    server_getter!(get_datetime, try_get, chrono::NaiveDateTime);

    fn get_json(&self, index: usize) -> Result<serde_json::Value, sqlx::Error> {
        let sqlx::types::Json(value) =
            sqlx::Row::try_get(self, index).map_err(|e| name_null(self, index, e))?;
        Ok(value)
    }
}
