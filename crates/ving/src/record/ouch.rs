//! ving's errors as a web layer returns them: a code (400, 403, 404, 409, 441, 442, 454 …),
//! a message, and the prop it is about, serialised as ving's `ouch` body
//! (`{"statusCode": 442, "statusMessage": "Out of Range", "message": "…", "data": "email"}`:
//! the data is the prop's name, as ving's `ouch(code, message, prop)` puts it).

use serde::ser::SerializeStruct;

/// A ving error: the code, what went wrong, and the prop it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} {}: {message}", status_message(*.code))]
pub struct Ouch {
    /// ving's code, an HTTP status (441 and 442 are ving's own: a missing or an out of
    /// range parameter; 454 a wrong password).
    pub code: u16,
    /// What went wrong, for people.
    pub message: String,
    /// The prop the error is about, if any.
    pub prop: Option<String>,
}

impl Ouch {
    /// An error with `code` and `message`.
    pub fn new(code: u16, message: impl Into<String>) -> Ouch {
        Ouch {
            code,
            message: message.into(),
            prop: None,
        }
    }

    /// An error about `prop`.
    pub fn about(code: u16, prop: impl Into<String>, message: impl Into<String>) -> Ouch {
        Ouch {
            code,
            message: message.into(),
            prop: Some(prop.into()),
        }
    }

    /// The HTTP reason of the code, as ving words it (`Out of Range` for 442).
    pub fn status_message(&self) -> &'static str {
        status_message(self.code)
    }
}

/// ving's words for its codes; an unknown code is ving's 500 wording.
pub fn status_message(code: u16) -> &'static str {
    match code {
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        441 => "Missing Required Parameter",
        442 => "Out of Range",
        454 => "Password Incorrect",
        499 => "Offline Processing",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        504 => "Could Not Connect",
        _ => "Undefined Error",
    }
}

impl Ouch {
    /// ving's 409 for a unique prop whose value (`shown`) is already used.
    pub(crate) fn not_unique(prop: &str, shown: &str) -> Ouch {
        Ouch::about(
            409,
            prop,
            format!("{prop} must be unique, but {shown} has already been used."),
        )
    }
}

impl serde::Serialize for Ouch {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut body = serializer.serialize_struct("Ouch", 4)?;
        body.serialize_field("statusCode", &self.code)?;
        body.serialize_field("statusMessage", self.status_message())?;
        body.serialize_field("message", &self.message)?;
        match &self.prop {
            Some(prop) => body.serialize_field("data", prop)?,
            None => body.serialize_field("data", &serde_json::Value::Null)?,
        }
        body.end()
    }
}

impl From<crate::id::IdError> for Ouch {
    fn from(error: crate::id::IdError) -> Ouch {
        Ouch::new(error.code(), error.to_string())
    }
}

impl From<crate::db::DbError> for Ouch {
    /// What a client may read of a database failure, the same on every backend: a unique
    /// violation is ving's 409 and a missing required value its 441 (each naming the prop
    /// when the database names the column), an unreachable server a 504, anything else a
    /// 500 "database error". The driver's message and the SQL never reach the `Ouch`:
    /// they are logged (`tracing`, target `ving::db`).
    fn from(error: crate::db::DbError) -> Ouch {
        use crate::db::Violation;
        let ouch = match error.violation() {
            Some(Violation::Unique(Some(prop))) => Ouch::not_unique(&prop, "that value"),
            Some(Violation::Unique(None)) => {
                Ouch::new(409, "a record with the same unique values already exists.")
            }
            Some(Violation::NotNull(Some(prop))) => {
                Ouch::about(441, prop.clone(), format!("{prop} is required."))
            }
            Some(Violation::NotNull(None)) => Ouch::new(441, "a required value is missing."),
            None if crate::replicas::is_unreachable(&error) => {
                Ouch::new(504, "the database cannot be reached")
            }
            None => Ouch::new(500, "database error"),
        };
        // A violation is the client's to fix (its 409 or 441 says what): a trace for
        // whoever looks; a failure of the database itself is a warning.
        if ouch.code >= 500 {
            tracing::warn!(target: "ving::db", code = ouch.code, error = %error, "database error");
        } else {
            tracing::debug!(target: "ving::db", code = ouch.code, error = %error, "database error");
        }
        ouch
    }
}

/// ving's 400 for a string that is not an id string.
pub(crate) fn invalid_id(text: &str) -> Ouch {
    Ouch::new(
        400,
        format!("Invalid id: {text} trying to parse encrypted string as number."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_ving_s_body() {
        let body = serde_json::to_value(Ouch::about(442, "email", "email is not an email address"))
            .expect("json");
        assert_eq!(
            body,
            serde_json::json!({
                "statusCode": 442,
                "statusMessage": "Out of Range",
                "message": "email is not an email address",
                "data": "email"
            })
        );
        assert_eq!(
            Ouch::new(404, "no such user").to_string(),
            "404 Not Found: no such user"
        );
        assert_eq!(status_message(599), "Undefined Error");
    }
}
