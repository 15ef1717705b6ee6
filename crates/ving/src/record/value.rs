//! Prop values as ving holds them (JSON) and as the database stores them: rows read into
//! JSON by the table model's column types, JSON bound as parameters, dates as ving's ISO
//! strings (`2025-04-09T22:31:46.000Z`).

use chrono::NaiveDateTime;
use serde_json::Value;

use crate::db::{BackendRow, DbRow};
use crate::sql::Param;
use crate::table::ColumnType;

use super::date::parse_date;
use super::props::Cell;
use super::Ouch;

trait ZeroNanos {
    fn with_nanosecond_zero(self) -> Self;
}

impl ZeroNanos for NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

/// A JSON number as the whole number JavaScript sees in it: `4`, and `4.0` or `4e0` too
/// (JSON.parse makes one number of them, which ving's code then uses as 4); `None` for a
/// fraction, a number too big for an `i64`, or anything not a number.
pub(crate) fn whole_number(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        let float = value.as_f64().filter(|f| f.fract() == 0.0)?;
        // i64::MAX as f64 rounds up to 2^63, which is out of range.
        (float >= i64::MIN as f64 && float < i64::MAX as f64).then_some(float as i64)
    })
}

/// A whole number written as JavaScript's `Number` reads one with a base (`0x1f`, `0o17`,
/// `0b101`, either case, no sign), else `None`.
pub(crate) fn js_prefixed_number(text: &str) -> Option<i64> {
    let radix = match text.get(..2)? {
        "0x" | "0X" => 16,
        "0o" | "0O" => 8,
        "0b" | "0B" => 2,
        _ => return None,
    };
    let digits = &text[2..];
    // `from_str_radix` would take a sign, which `Number` does not.
    if digits.starts_with(['+', '-']) {
        return None;
    }
    i64::from_str_radix(digits, radix).ok()
}

/// A filter's text as JavaScript's `Number` reads it (ving's filters do), when that is a
/// whole number: ` 10`, `1e1`, `10.0` and `0xa` are 10, and the empty text is 0.
pub(crate) fn whole_number_text(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return Some(0);
    }
    if let Some(number) = js_prefixed_number(text) {
        return Some(number);
    }
    text.parse::<i64>().ok().or_else(|| {
        let float = text.parse::<f64>().ok().filter(|f| f.is_finite())?;
        whole_number(&Value::from(float))
    })
}

/// Reads the value at `index` of `row` as ving holds a prop of `column_type`.
pub(crate) fn read_json(
    row: &DbRow<'_>,
    index: usize,
    column_type: &ColumnType,
) -> Result<Value, sqlx::Error> {
    if row.is_null(index)? {
        return Ok(Value::Null);
    }
    Ok(read_value(row, index, column_type)?
        .to_value()
        .unwrap_or(Value::Null))
}

/// Reads a row's cells: `columns` are each column's type and whether it is `NOT NULL`
/// (read once, without asking first whether it is `NULL`: a `NULL` is the getter's error
/// naming the column). The backend is matched once a row, and each backend's getters are
/// compiled in.
pub(crate) fn read_cells(
    row: &DbRow<'_>,
    columns: &[(ColumnType, bool)],
) -> Result<Vec<Cell>, sqlx::Error> {
    match row {
        #[cfg(feature = "mysql")]
        DbRow::MySql(row) => read_row(*row, columns),
        #[cfg(feature = "postgres")]
        DbRow::Postgres(row) => read_row(*row, columns),
        #[cfg(feature = "sqlite")]
        DbRow::Sqlite(row) => read_row(*row, columns),
    }
}

#[inline]
fn read_row<R: BackendRow>(
    row: &R,
    columns: &[(ColumnType, bool)],
) -> Result<Vec<Cell>, sqlx::Error> {
    let mut cells = Vec::with_capacity(columns.len());
    for (index, (column_type, not_null)) in columns.iter().enumerate() {
        cells.push(if !*not_null && row.is_null(index)? {
            Cell::Null
        } else {
            read_value(row, index, column_type)?
        });
    }
    Ok(cells)
}

/// The cell of a value that is not `NULL`.
#[inline]
fn read_value<R: BackendRow + ?Sized>(
    row: &R,
    index: usize,
    column_type: &ColumnType,
) -> Result<Cell, sqlx::Error> {
    Ok(match column_type {
        ColumnType::BigIntUnsigned => Cell::Int(row.get_i64(index)?),
        ColumnType::Int => Cell::Int(i64::from(row.get_i32(index)?)),
        ColumnType::Boolean => Cell::Bool(row.get_bool(index)?),
        // ving's date columns keep whole seconds (fsp 0); a trigger of PostgreSQL or
        // SQLite may store more, which reads as ving would see it.
        ColumnType::Timestamp | ColumnType::DateTime => {
            Cell::Date(row.get_datetime(index)?.with_nanosecond_zero())
        }
        ColumnType::Varchar(_)
        | ColumnType::Char(_)
        | ColumnType::Text
        | ColumnType::MediumText
        | ColumnType::Enum(_) => Cell::Text(row.get_string(index)?.into_boxed_str()),
        // As ving reads it (JSON.parse): `4.0` written by another client is 4.
        ColumnType::Json => match row.get_json(index)? {
            Value::Null => Cell::Null,
            value => Cell::Json(Box::new(super::props::as_javascript_numbers(value))),
        },
    })
}

/// The parameter that stores `value` in a column of `column_type`; a value the column
/// cannot hold is a 442 about `prop`.
pub(crate) fn to_param(prop: &str, column_type: &ColumnType, value: &Value) -> Result<Param, Ouch> {
    let bad = || {
        Ouch::about(
            442,
            prop,
            format!("{prop} cannot be stored as {column_type:?}: {value}"),
        )
    };
    let null = value.is_null();
    Ok(match column_type {
        ColumnType::BigIntUnsigned => Param::I64(if null {
            None
        } else {
            Some(value.as_i64().ok_or_else(bad)?)
        }),
        ColumnType::Int => Param::I32(if null {
            None
        } else {
            Some(
                value
                    .as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .ok_or_else(bad)?,
            )
        }),
        ColumnType::Boolean => Param::Bool(if null {
            None
        } else {
            Some(value.as_bool().ok_or_else(bad)?)
        }),
        ColumnType::Timestamp | ColumnType::DateTime => Param::DateTime(if null {
            None
        } else {
            Some(value.as_str().and_then(parse_date).ok_or_else(bad)?)
        }),
        ColumnType::Varchar(_)
        | ColumnType::Char(_)
        | ColumnType::Text
        | ColumnType::MediumText
        | ColumnType::Enum(_) => Param::String(if null {
            None
        } else {
            Some(value.as_str().ok_or_else(bad)?.to_owned())
        }),
        ColumnType::Json => Param::Json(Some(value.clone())),
    })
}

/// JavaScript's truthiness of a JSON value (`0`, `''`, `false` and `null` are falsy).
pub(crate) fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(_) | Value::Object(_)) => true,
    }
}

/// ving's `isNil`: missing, `null` or `''`.
pub(crate) fn is_nil(value: Option<&Value>) -> bool {
    matches!(value, None | Some(Value::Null)) || value.and_then(Value::as_str) == Some("")
}

/// zod's name of a value's type, for "Expected …, received …".
pub(crate) fn zod_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truthiness_is_javascript_s() {
        assert!(!truthy(Some(&Value::from(0))));
        assert!(!truthy(Some(&Value::from(""))));
        assert!(truthy(Some(&Value::from("x"))));
        assert!(is_nil(Some(&Value::from(""))));
        assert!(!is_nil(Some(&Value::from(0))));
    }

    #[test]
    fn filter_numbers_are_javascript_s() {
        let cases = [
            (" 10 ", Some(10)),
            ("1e1", Some(10)),
            ("10.0", Some(10)),
            ("0xa", Some(10)),
            ("0XA", Some(10)),
            ("0o12", Some(10)),
            ("0b1010", Some(10)),
            ("", Some(0)),
            ("0x", None),
            ("0x-1", None),
            ("-0xa", None),
            ("10.5", None),
            ("ten", None),
        ];
        for (text, number) in cases {
            assert_eq!(whole_number_text(text), number, "{text:?}");
        }
    }
}
