//! What `set` checks: ving's zod rules with zod's messages (`email: Invalid email.`), and
//! — unlike ving — enum and boolean values.

use serde_json::Value;

use crate::schema::{EnumValue, Prop, PropType};

use super::date::{format_date, parse_date};
use super::value::zod_type;
use super::Ouch;

/// Why text holding a NUL character is refused: PostgreSQL's text and jsonb cannot hold
/// one (MariaDB and SQLite can), so no database is given one.
const NUL: &str = "Text must not contain the NUL character (\\u0000)";

/// The deepest a JSON prop's value may nest: MariaDB's JSON check refuses 32 levels or
/// more (PostgreSQL and SQLite would store them), so no database is given more.
const MAX_JSON_DEPTH: usize = 31;

/// How deep a JSON value nests: a scalar is 0, `{}` and `[]` 1, `{"a": []}` 2.
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Whether a JSON value holds a NUL character in a string or a key.
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

/// The value `prop` holds for `value`, or ving's 442 naming it.
pub(crate) fn check(
    prop: &Prop,
    value: Value,
    parse_id: impl Fn(&str) -> Option<i64>,
) -> Result<Value, Ouch> {
    let name = &prop.name;
    let fail =
        |errors: Vec<String>| Ouch::about(442, name, format!("{name}: {}.", errors.join(".")));
    let expected = |what: &str, value: &Value| {
        if value.is_null() {
            format!("Expected {what}, received null")
        } else {
            format!("Expected {what}, received {}", zod_type(value))
        }
    };
    match prop.prop_type {
        PropType::Virtual => Ok(value),
        PropType::String => {
            let Some(text) = value.as_str() else {
                return Err(fail(vec![expected("string", &value)]));
            };
            let mut errors = Vec::new();
            let max = prop
                .length
                .or_else(|| prop.db.and_then(|db| db.max_length()));
            // zod counts a string's UTF-16 code units (an emoji is two); a text of no more
            // bytes than that has no more units.
            if let Some(max) = max.filter(|max| text.len() > *max as usize) {
                if text.encode_utf16().count() > max as usize {
                    errors.push(format!("String must contain at most {max} character(s)"));
                }
            }
            // MySQL's TEXT and MEDIUMTEXT hold bytes, not characters: more is refused here
            // on every database rather than by MariaDB alone.
            if let Some(most) = prop.db.and_then(|db| db.max_bytes()) {
                if text.len() > most as usize {
                    errors.push(format!("String must take at most {most} bytes as UTF-8"));
                }
            }
            if text.contains('\0') {
                errors.push(NUL.into());
            }
            if prop.validate.email && !is_email(text) {
                errors.push("Invalid email".into());
            }
            if prop.validate.url && !is_url(text) {
                errors.push("Invalid url".into());
            }
            if let Some(pattern) = &prop.validate.regex {
                if regex::Regex::new(pattern).is_ok_and(|re| !re.is_match(text)) {
                    errors.push("Invalid".into());
                }
            }
            if errors.is_empty() {
                Ok(value)
            } else {
                Err(fail(errors))
            }
        }
        PropType::Int => {
            let Some(number) = value.as_f64().filter(|_| value.is_number()) else {
                return Err(fail(vec![expected("number", &value)]));
            };
            let mut errors = Vec::new();
            if let Some(min) = prop.validate.min {
                if number < min as f64 {
                    errors.push(format!("Number must be greater than or equal to {min}"));
                }
            }
            if let Some(max) = prop.validate.max {
                if number > max as f64 {
                    errors.push(format!("Number must be less than or equal to {max}"));
                }
            }
            if prop.validate.positive && number <= 0.0 {
                errors.push("Number must be greater than 0".into());
            }
            if prop.validate.nonnegative && number < 0.0 {
                errors.push("Number must be greater than or equal to 0".into());
            }
            if errors.is_empty() {
                // A whole number as an integer (4.0 is 4, as JavaScript has it).
                Ok(super::value::whole_number(&value).map_or(value, Value::from))
            } else {
                Err(fail(errors))
            }
        }
        PropType::Json => match value {
            Value::Object(_) if holds_nul(&value) => Err(fail(vec![NUL.into()])),
            Value::Object(_) if depth(&value) > MAX_JSON_DEPTH => Err(fail(vec![format!(
                "JSON must not nest deeper than {MAX_JSON_DEPTH} levels"
            )])),
            Value::Object(_) => Ok(value),
            other => Err(fail(vec![expected("object", &other)])),
        },
        PropType::Boolean => match value {
            Value::Bool(b) if prop.enums.is_empty() || prop.enums.contains(&EnumValue::Bool(b)) => {
                Ok(value)
            }
            Value::Bool(_) => Err(fail(vec!["Invalid enum value".into()])),
            other => Err(fail(vec![expected("boolean", &other)])),
        },
        PropType::Enum => {
            let allowed: Vec<&str> = prop
                .enums
                .iter()
                .filter_map(|e| match e {
                    EnumValue::String(s) => Some(s.as_str()),
                    EnumValue::Bool(_) => None,
                })
                .collect();
            let expected = (allowed.iter())
                .map(|a| format!("'{a}'"))
                .collect::<Vec<_>>()
                .join(" | ");
            // zod's two messages: a string not among them, or a value of another type
            // (named by its type).
            match &value {
                Value::String(text) if allowed.contains(&text.as_str()) => Ok(value),
                Value::String(text) => Err(fail(vec![format!(
                    "Invalid enum value. Expected {expected}, received '{text}'"
                )])),
                other => Err(fail(vec![format!(
                    "Expected {expected}, received {}",
                    zod_type(other)
                )])),
            }
        }
        PropType::Date => match value.as_str().and_then(parse_date) {
            Some(date) => Ok(Value::from(format_date(date))),
            None => Err(fail(vec!["Invalid date".into()])),
        },
        PropType::Id => match &value {
            Value::Null => Ok(value),
            Value::Number(n) if n.as_i64().is_some_and(|n| n >= 0) => Ok(value),
            Value::String(text) => parse_id(text).map(Value::from).ok_or_else(|| Ouch {
                prop: Some(name.clone()),
                ..super::ouch::invalid_id(text)
            }),
            other => Err(fail(vec![expected("number", other)])),
        },
    }
}

/// zod 3's email rule, in short: a local part, `@`, a dotted domain with a 2+ letter TLD.
fn is_email(text: &str) -> bool {
    static EMAIL: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    EMAIL
        .get_or_init(|| {
            regex::Regex::new(
                r"^(?:[A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+\-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$",
            )
            .ok()
        })
        .as_ref()
        .is_some_and(|re| re.is_match(text) && !text.starts_with('.') && !text.contains(".."))
}

/// zod 3's url rule: what `new URL()` accepts — a scheme, `:`, and something after it.
fn is_url(text: &str) -> bool {
    url::Url::parse(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_and_urls_follow_zod() {
        assert!(is_email("captain@shawshank.jail"));
        for bad in ["", "bad", "a@b", "a@@b.com", ".a@b.com"] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(is_url("https://example.com/hook") && is_url("ftp://x"));
        assert!(!is_url("") && !is_url("example"));
    }
}
