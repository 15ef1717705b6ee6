//! Queries that look like SQL, in Rust: a typed builder over the tables
//! `ving drizzle --tables` generates, the same for MySQL/MariaDB, PostgreSQL and SQLite.
//!
//! ```text
//! db.select().from(UserTable).where_(eq(UserTable.email, "joe@example.com")).all().await?
//! db.select_fields((UserTable.username, count())).from(UserTable).group_by(UserTable.username)
//! db.insert(UserTable).values([UserInsert { username: Some("joe".into()), ..UserInsert::new(bio) }]).execute().await?
//! db.update(UserTable).set(UserTable.admin, true).where_(eq(UserTable.id, 1)).execute().await?
//! db.delete(UserTable).where_(eq(UserTable.id, 1)).execute().await?
//! ```
//!
//! `where` is a Rust keyword, hence `where_`. Queries run with explicit methods — `all`,
//! `first`, `stream` for selects and `execute` for the rest — so that an unfinished query
//! is an ordinary value to pass around and extend. Comparing a column with a value of
//! another type, or using a column of a table the query does not read, does not compile.
//! Values are always bound parameters, never SQL text.
//!
//! One query gives one answer on every database: `NULL` is never read as a made-up value,
//! the optional side of a join reads as `Option`, operands keep their precedence, `like`
//! escapes alike, a write split into several statements is atomic; what cannot be unified
//! (collations, `returning` on MySQL, full joins) is a documented difference or a clear
//! error. Every builder runs on a pool ([`Db`]) or in a transaction ([`Tx`]).
//!
//! # Examples
//!
//! ```
//! use ving::drizzle::{eq, BackendRow, Column, FromRow, InsertRow, Param, Table};
//!
//! // What `ving drizzle --tables` generates, in short.
//! #[derive(Debug, Clone, Copy)]
//! pub struct NoteTable { pub id: Column<NoteTable, i64>, pub body: Column<NoteTable, String> }
//! #[allow(non_upper_case_globals)]
//! pub const NoteTable: NoteTable = NoteTable { id: Column::new("id"), body: Column::new("body") };
//! #[derive(Debug, PartialEq)]
//! pub struct NoteRow { pub id: i64, pub body: String }
//! #[derive(Default)]
//! pub struct NoteInsert { pub body: Option<String> }
//! impl Table for NoteTable {
//!     const NAME: &'static str = "notes";
//!     const KIND: &'static str = "Note";
//!     const COLUMNS: &'static [&'static str] = &["id", "body"];
//!     const PRIMARY_KEY: Option<&'static str> = Some("id");
//!     type Row = NoteRow;
//!     type Insert = NoteInsert;
//! }
//! impl FromRow for NoteRow {
//!     fn from_row<R: BackendRow + ?Sized>(row: &R, i: &mut usize) -> Result<Self, sqlx::Error> {
//!         *i += 2;
//!         Ok(NoteRow { id: row.get_i64(*i - 2)?, body: row.get_string(*i - 1)? })
//!     }
//! }
//! impl InsertRow for NoteInsert {
//!     fn into_values(self, columns: &mut Vec<&'static str>, values: &mut Vec<Param>) {
//!         if let Some(body) = self.body {
//!             columns.push("body");
//!             values.push(Param::String(Some(body)));
//!         }
//!     }
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let url = ving::config::DatabaseUrl::parse("sqlite::memory:").unwrap();
//! let db = ving::db::Db::connect(&url, std::path::Path::new(".")).await.unwrap();
//! db.execute_script("CREATE TABLE notes (id integer PRIMARY KEY AUTOINCREMENT, body text NOT NULL)").await.unwrap();
//! let done = db.insert(NoteTable).values([NoteInsert { body: Some("hello".into()) }]).execute().await.unwrap();
//! assert_eq!((done.rows_affected, done.insert_id), (1, Some(1)));
//! let rows = db.select().from(NoteTable).where_(eq(NoteTable.body, "hello")).all().await.unwrap();
//! assert_eq!(rows, [NoteRow { id: 1, body: "hello".into() }]);
//! # });
//! ```

mod executor;
mod expr;
mod query;
mod table;
mod value;

pub use chrono::NaiveDateTime;
pub use serde_json::Value as JsonValue;

/// The `alias_name!` macro (names for [`Alias`]), beside the other helpers.
pub use crate::alias_name;
pub use crate::db::{use_db, BackendRow, Db, DbError, DbRow, Decode, RowStream};
/// The `select_struct!` macro (structs to select into), beside the other helpers.
pub use crate::select_struct;
/// The `sql!` macro (raw fragments), beside the other helpers.
pub use crate::sql;
pub use crate::sql::Param;
pub use crate::transaction::{Isolation, Tx};
pub use executor::Executor;
pub use expr::{
    and, asc, avg, between, count, count_of, count_placeholders, desc, eq, escape_like, excluded,
    gt, gte, ilike, in_array, in_subquery, is_not_null, is_null, like, lt, lte, max, min, ne, not,
    not_ilike, not_in_array, not_in_subquery, not_like, or, sum, Agg, Aggregated, AppearsIn, Both,
    Combine, Condition, Constant, Contains, Excluded, Expr, Expression, GroupList, Grouped,
    GroupedAs, Grouping, Here, InUpsert, Inner, Join, Left, LeftOuter, Mixed, Nothing, Nullify,
    Optional, Order, OrderList, PerRow, Predicate, Proposed, Required, Right, Sql, SqlArg,
    Subquery, Ungrouped, With,
};
pub use query::{
    All, Assignments, ConflictTarget, DeleteQuery, Fields, FieldsOf, InsertQuery, InsertResult,
    InsertStart, RowSource, RowsOf, SelectList, SelectQuery, SelectStart, SelectTables, Selection,
    SelectionIn, UpdateQuery,
};
pub use table::{get_table_name, Alias, AliasName, Column, FromRow, InsertRow, Table, TableInfo};
pub use value::{now, BaseValue, Comparable, EnumValue, Nullable, Numeric, Operand, Text, Value};
