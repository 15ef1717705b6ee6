//! Schema errors: ving's codes (404, 441, 442) with the file, the position and the
//! prop path of every problem.

use std::fmt;
use std::path::PathBuf;

use super::source::Position;

/// ving's schema error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SchemaCode {
    /// 404: the schema (or its folder) was not found.
    NotFound,
    /// 441: a required attribute is missing.
    Missing,
    /// 442: an attribute is present but its value is out of range (wrong type, unknown
    /// name, not allowed here, not valid TOML …).
    OutOfRange,
}

impl SchemaCode {
    /// The numeric code, as ving reports it.
    pub fn code(self) -> u16 {
        match self {
            SchemaCode::NotFound => 404,
            SchemaCode::Missing => 441,
            SchemaCode::OutOfRange => 442,
        }
    }
}

impl fmt::Display for SchemaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// One problem found in a schema file.
///
/// Displayed on one line as `file:line:column: code path: message`, for example
/// `ving/schema/schemas/User.toml:14:10: 442 User.props.email: length must be at most 256`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SchemaError {
    /// ving's code for the problem.
    pub code: SchemaCode,
    /// The file the problem is in (or the folder searched, for a 404).
    pub file: PathBuf,
    /// Where in the file, when the problem has a place.
    pub position: Option<Position>,
    /// ving's path of the thing at fault: `User`, `User.tableName`, `User.props.email`,
    /// `User.props.userId{apikeys}`.
    pub path: String,
    /// A one-line reason.
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(position) = self.position {
            write!(f, ":{}:{}", position.line, position.column)?;
        }
        write!(f, ": {} {}: {}", self.code, self.path, self.message)
    }
}

/// Every problem found in one run: loading and validation report all of them, not just
/// the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SchemaErrors(pub Vec<SchemaError>);

impl SchemaErrors {
    /// The errors, in file and position order.
    pub fn errors(&self) -> &[SchemaError] {
        &self.0
    }

    /// How many errors there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no errors (never the case for a returned `Err`).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for SchemaErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl From<SchemaError> for SchemaErrors {
    fn from(error: SchemaError) -> Self {
        SchemaErrors(vec![error])
    }
}
