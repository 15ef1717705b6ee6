//! The sessions table: where `ving::rest` keeps its logins by default. It is no kind's
//! table (nobody describes or posts sessions), but it is part of an app's table model
//! whenever the app has ving's `User` kind, so that the app's migrations make it, change
//! it and revert it like every other table — and `ving drizzle --check`, drizzle-kit and
//! the typed tables all know it.

use super::{Column, ColumnType, ForeignKey, ReferentialAction, Table, UniqueIndex};
use crate::naming::{foreign_key_name, unique_index_name};
pub use crate::naming::{SESSIONS_KIND, SESSIONS_TABLE};
use crate::schema::SchemaSet;

/// The kind whose records log in: an app with it has the sessions table.
const USER_KIND: &str = "User";

/// The sessions table of an app with the schemas `schemas`: there when they have ving's
/// `User` kind, whose rows the sessions reference (a user's sessions are deleted with it).
pub(super) fn sessions_table(schemas: &SchemaSet) -> Option<Table> {
    let users = schemas.get(USER_KIND)?;
    let column = |name: &str, column_type: ColumnType, not_null: bool| Column {
        name: name.into(),
        column_type,
        not_null,
        default: None,
        on_update_now: false,
        primary_key: false,
        fill_now: false,
    };
    Some(Table {
        name: SESSIONS_TABLE.into(),
        kind: SESSIONS_KIND.into(),
        columns: vec![
            Column {
                primary_key: true,
                ..column("id", ColumnType::BigIntUnsigned, true)
            },
            // The `vingSessionId` cookie: a UUID.
            column("sessionId", ColumnType::Char(36), true),
            column("userId", ColumnType::BigIntUnsigned, true),
            // `native`, `become` or `apiKey`.
            column("sessionType", ColumnType::Varchar(16), true),
            column("apiKeyId", ColumnType::BigIntUnsigned, false),
            // The SHA-256 tag of the user's password hash at login: a password change
            // ends the session.
            column("passwordTag", ColumnType::Varchar(64), true),
            // When the session ends, in seconds since 1970.
            column("expiresAt", ColumnType::BigIntUnsigned, true),
        ],
        unique_indexes: vec![UniqueIndex {
            name: unique_index_name("sessionId"),
            column: "sessionId".into(),
        }],
        unique_constraints: Vec::new(),
        foreign_keys: vec![ForeignKey {
            name: foreign_key_name(SESSIONS_TABLE, "user"),
            column: "userId".into(),
            references_table: users.table_name.clone(),
            references_column: "id".into(),
            on_delete: ReferentialAction::Cascade,
            on_update: ReferentialAction::Cascade,
            indexed: true,
        }],
    })
}
