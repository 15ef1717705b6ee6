//! ving-rs: the data layer of the ving web framework.
//!
//! One schema file per kind is the single source of truth; from it come table
//! definitions, migrations and records. The stages, one module each:
//!
//! ```text
//! ving schema files ──► table definitions ──► migrations ──► database
//!  (TOML, one a kind)    (typed Rust, generated)  (SQL, generated)   (MySQL/MariaDB, PostgreSQL, SQLite)
//! ```
//!
//! - [`schema`]: loading and validating schema files (ving's codes 404, 441, 442).
//! - [`config`]: `ving.toml`, `.env` and the database URL rules.
//! - [`table`]: the table model each schema becomes (columns, indexes, foreign keys).
//! - [`sql`](mod@sql): the statement tree and the three dialects that render it.
//! - [`db`]: connection pools to MySQL/MariaDB, PostgreSQL and SQLite.
//! - [`drizzle`]: the typed, SQL-shaped query builder over generated tables.
//! - [`record`]: kinds and records at run time: validation, privileges, `describe`.
//! - [`replicas`]: read replicas: reads to replicas, writes to the primary.
//! - [`id`]: id strings (Skip32 and ving's base 62), as ids leave the system.
//! - [`codegen`]: the Rust table definitions `ving drizzle --tables` writes.
//! - [`migrate`]: migrations — snapshots, the diff engine, applying and status.
//! - [`embed`]: the schemas and migrations an app compiles in, applied at its start-up.
//! - [`transaction`]: transactions, savepoints and the closure form.
//! - `rest` (feature `rest`): records served over HTTP as ving serves them.
//! - [`testing`]: a fresh database per test, on each backend.

#![warn(missing_docs)]

pub mod codegen;
pub mod config;
pub mod db;
pub mod drizzle;
pub mod embed;
pub mod files;
pub mod id;
pub mod migrate;
mod naming;
pub mod record;
#[cfg(feature = "rest")]
pub mod rest;
pub use db::replicas;
pub mod schema;
pub mod sql;
pub mod table;
pub mod testing;
pub mod transaction;

/// The driver underneath, for generated code and work this crate does not cover.
pub use sqlx;
