//! Dates as ving writes them in JSON (`2025-04-09T22:31:46.000Z`: UTC, milliseconds) and
//! reads them back.

use chrono::NaiveDateTime;

/// A date as ving writes it in JSON: `2025-04-09T22:31:46.000Z` (UTC, milliseconds).
pub fn format_date(date: NaiveDateTime) -> String {
    DateText(date).to_string()
}

/// A date shown as ving writes it in JSON ([`format_date`]), written where it goes
/// without a string of its own.
pub(crate) struct DateText(pub(crate) NaiveDateTime);

impl DateText {
    /// The text, for a year from 0 to 9999 (any other is written by chrono).
    pub(crate) fn bytes(&self) -> Option<[u8; 24]> {
        use chrono::{Datelike, Timelike};
        let date = self.0;
        let year = date.year();
        if !(0..=9999).contains(&year) || date.nanosecond() >= 1_000_000_000 {
            return None;
        }
        // Written by hand: chrono's `format` parses its pattern on every call, and every
        // date of every record described goes through here.
        let mut text = *b"0000-00-00T00:00:00.000Z";
        let mut digits = |at: usize, value: u32, width: usize| {
            for (i, slot) in text[at..at + width].iter_mut().enumerate() {
                let power = (width - 1 - i) as u32;
                *slot = b'0' + ((value / 10u32.pow(power)) % 10) as u8;
            }
        };
        digits(0, year.unsigned_abs(), 4);
        digits(5, date.month(), 2);
        digits(8, date.day(), 2);
        digits(11, date.hour(), 2);
        digits(14, date.minute(), 2);
        digits(17, date.second(), 2);
        digits(20, date.nanosecond() / 1_000_000, 3);
        Some(text)
    }
}

impl std::fmt::Display for DateText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.bytes() {
            // Only ASCII digits and separators were written.
            Some(text) => f.write_str(std::str::from_utf8(&text).map_err(|_| std::fmt::Error)?),
            None => write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S%.3fZ")),
        }
    }
}

/// Reads a date written as ving writes it, as RFC 3339 with any offset, as SQL's
/// `YYYY-MM-DD hh:mm:ss[.fff]` (UTC), or as a day alone, `YYYY-MM-DD`: its midnight in UTC
/// (as JavaScript's `new Date("2026-12-04")` reads it). A year outside 1 to 9999, which
/// not every database holds, is no date (a prop set to one is ving's 442 `Invalid date`).
pub fn parse_date(text: &str) -> Option<NaiveDateTime> {
    use chrono::Datelike;
    // Years every database holds (the query layer refuses others before the database).
    parse_any_date(text).filter(|date| (1..=9999).contains(&date.year()))
}

/// [`parse_date`] without the range of years.
fn parse_any_date(text: &str) -> Option<NaiveDateTime> {
    if let Ok(date) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(date.naive_utc());
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .or_else(|| {
            let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
            // Only the ten characters of the day (chrono would take `2026-1-4` too).
            (text.len() == 10).then(|| day.and_time(chrono::NaiveTime::MIN))
        })
}

/// Now, at the second (what the database keeps), as ving's ISO string.
pub(crate) fn now_string() -> String {
    format_date(crate::drizzle::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_and_write_as_ving_s() {
        let date = parse_date("2025-04-09T22:31:46.000Z").expect("date");
        assert_eq!(format_date(date), "2025-04-09T22:31:46.000Z");
        assert_eq!(
            parse_date("2025-04-09 22:31:46").map(format_date),
            Some("2025-04-09T22:31:46.000Z".into())
        );
        assert!(parse_date("yesterday").is_none());
        assert_eq!(
            parse_date("2026-12-04").map(format_date),
            Some("2026-12-04T00:00:00.000Z".into())
        );
        for not_a_day in ["2026-1-4", "2026-13-01", "2026-12-04x", "20261204"] {
            assert!(parse_date(not_a_day).is_none(), "{not_a_day}");
        }
        assert!(now_string().ends_with(".000Z"));
    }
}
