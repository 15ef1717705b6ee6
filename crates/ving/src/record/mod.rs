//! Records: ving's kinds and records (a kind is a table, a record a row), driven by the
//! schema — typed props, validation, privileges and `describe`.
//!
//! Built so far: ving's errors ([`Ouch`]); the rest of the record layer is being built on
//! top of the query layer.

mod ouch;

pub use ouch::{status_message, Ouch};
