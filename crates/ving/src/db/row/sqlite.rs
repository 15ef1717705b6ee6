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

    /// Dates as SQLite holds them (text `YYYY-MM-DD hh:mm:ss[.f…]`, what ving-rs binds and
    /// `CURRENT_TIMESTAMP` writes) are read by hand; anything else as sqlx
    /// reads it. sqlx tries chrono's pattern parser on a dozen patterns, offsets first:
    /// about 4,700 instructions a date, half of what reading a User cost.
    fn get_datetime(&self, index: usize) -> Result<chrono::NaiveDateTime, sqlx::Error> {
        use sqlx::{Row, TypeInfo, ValueRef};
        let value = self.try_get_raw(index)?;
        if !value.is_null() && value.type_info().name() == "TEXT" {
            let text = <&str as sqlx::Decode<sqlx::Sqlite>>::decode(value).ok();
            if let Some(date) = text.and_then(sql_datetime) {
                return Ok(date);
            }
        }
        sqlite_value::<chrono::NaiveDateTime>(self, index)
    }

    fn get_json(&self, index: usize) -> Result<serde_json::Value, sqlx::Error> {
        if self.is_null(index)? {
            return Err(self.unexpected_null(index));
        }
        let bytes: Vec<u8> = sqlx::Row::try_get(self, index)?;
        json_from_bytes(&bytes, index)
    }
}

/// `YYYY-MM-DD hh:mm:ss` with an optional fraction of one to nine digits, read by hand:
/// what chrono's `%F %T%.f` reads it as (sqlx's first pattern for text without an offset),
/// or `None` for any other text and for a date or time that does not exist (sqlx then
/// reads it, as it would have).
#[cfg(feature = "sqlite")]
fn sql_datetime(text: &str) -> Option<chrono::NaiveDateTime> {
    let bytes = text.as_bytes();
    let separators = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')];
    if bytes.len() < 19 || separators.iter().any(|&(at, sep)| bytes[at] != sep) {
        return None;
    }
    let number = |digits: &[u8]| {
        (digits.iter()).try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let nanos = match &bytes[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            number(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let year = i32::try_from(number(&bytes[0..4])?).ok()?;
    let date =
        chrono::NaiveDate::from_ymd_opt(year, number(&bytes[5..7])?, number(&bytes[8..10])?)?;
    let (hour, minute) = (number(&bytes[11..13])?, number(&bytes[14..16])?);
    date.and_hms_nano_opt(hour, minute, number(&bytes[17..19])?, nanos)
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::sql_datetime;
    use chrono::NaiveDateTime;
    use proptest::prelude::*;

    fn chrono_reads(text: &str) -> Option<NaiveDateTime> {
        NaiveDateTime::parse_from_str(text, "%F %T%.f").ok()
    }

    proptest! {
        // Parts in and out of range (months 0-13, seconds up to 61, ten-digit fractions):
        // what is read by hand is what chrono reads, and every real date is read.
        #[test]
        fn dates_are_read_as_chrono_reads_them(
            year in 0u32..10_000, month in 0u32..14, day in 0u32..33,
            hour in 0u32..26, minute in 0u32..62, second in 0u32..62,
            fraction in proptest::option::of("[0-9]{1,10}"),
        ) {
            let mut text = format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}");
            if let Some(fraction) = &fraction {
                text.push('.');
                text.push_str(fraction);
            }
            let by_hand = sql_datetime(&text);
            if let Some(date) = by_hand {
                prop_assert_eq!(Some(date), chrono_reads(&text), "{}", text);
            }
            let real = chrono::NaiveDate::from_ymd_opt(year as i32, month, day)
                .and_then(|d| d.and_hms_opt(hour, minute, second))
                .is_some();
            if real && fraction.as_ref().is_none_or(|f| f.len() <= 9) {
                prop_assert!(by_hand.is_some(), "{}", text);
            }
        }

        #[test]
        fn other_text_is_left_to_sqlx(text in "\\PC{0,30}") {
            if let Some(date) = sql_datetime(&text) {
                prop_assert_eq!(Some(date), chrono_reads(&text), "{}", text);
            }
        }
    }

    #[test]
    fn offsets_and_other_forms_are_left_to_sqlx() {
        for text in [
            "2026-12-04T10:27:10",
            "2026-12-04 10:27:10Z",
            "2026-12-04 10:27:10+02:00",
            "2026-12-04 10:27",
            "2026-12-04 10:27:10.",
            "2026-12-04 10:27:10.1234567890",
            "+2026-12-04 10:27:10",
            "2026-12-04 23:59:60",
        ] {
            assert_eq!(sql_datetime(text), None, "{text}");
        }
        assert_eq!(
            sql_datetime("2026-12-04 10:27:10.5").map(|d| d.to_string()),
            Some("2026-12-04 10:27:10.500".into())
        );
    }
}
