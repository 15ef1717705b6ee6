//! Migrations: prepared by diffing the newest snapshot against the schemas' table model,
//! written in drizzle-kit's folder layout, applied in order and recorded in
//! `__drizzle_migrations`.
//!
//! ```text
//! ving/drizzle/migrations/
//!   0000_brave_otter.sql          statements joined by `--> statement-breakpoint`
//!   meta/_journal.json            {version, dialect, entries[{idx, version, when, tag, breakpoints}]}
//!   meta/0000_snapshot.json       the structure after 0000
//! ```
//!
//! Applying takes a database lock (MySQL `GET_LOCK`, PostgreSQL advisory lock, SQLite an
//! exclusive transaction; on MariaDB Galera, where `GET_LOCK` is node-local, a lock row
//! every node agrees on: see `galera.rs`), so concurrent runs apply each migration once. A migration is
//! one transaction where DDL is transactional (PostgreSQL, SQLite); on MySQL, where DDL
//! commits as it goes, a failure names the statement and what was already applied, and
//! nothing is recorded as applied that was not. The hash recorded is the sha256 of the
//! file's bytes as drizzle computes it (no line-ending normalisation).
//!
//! The flow, room by room: [`folder`](Folder) reads and writes drizzle-kit's files;
//! `prepare` diffs the newest snapshot (`snapshot`, `diff`) against the table model and
//! writes the next migration; `apply` runs `up` under the run's `lock` through one held
//! connection (`conn`, which also keeps MySQL's progress rows); `revert` runs `down`;
//! `status` compares a database with the folder; `check` compares a database with the
//! snapshots; `galera` holds what a MariaDB Galera cluster needs; `error` says why a step
//! failed.

pub(crate) mod apply;
mod check;
mod conn;
mod diff;
mod error;
mod folder;
#[cfg(feature = "mysql")]
mod galera;
/// Without the `mysql` feature no connection is MySQL's, so no run is a Galera run: the
/// Galera items exist only for the types of the code that would use them.
#[cfg(not(feature = "mysql"))]
#[allow(dead_code)]
mod galera {
    /// No connection is a MySQL connection in this build.
    pub(super) enum MySqlConnection {}

    /// What a run marks the progress it hands over with.
    pub(super) const RELEASED: &str = "released";

    /// No run holds a Galera lock in this build.
    pub(super) struct ClusterLock {
        pub(super) run: String,
        pub(super) took_over_from: Option<String>,
        never: std::convert::Infallible,
    }

    impl ClusterLock {
        pub(super) fn lost(&self) -> bool {
            match self.never {}
        }
        pub(super) async fn write(
            &self,
            _: &mut MySqlConnection,
            _: &[String],
        ) -> Result<(), super::MigrateError> {
            match self.never {}
        }
    }

    pub(super) fn is_conflict(_: &sqlx::Error) -> bool {
        false
    }

    pub(super) fn mysql_error(_: &sqlx::Error) -> Option<(u16, String)> {
        None
    }

    pub(super) async fn progress_run(
        connection: &mut MySqlConnection,
        _: &str,
    ) -> Result<Option<Option<String>>, sqlx::Error> {
        match *connection {}
    }

    pub(super) async fn progress(
        connection: &mut MySqlConnection,
        _: &str,
    ) -> Result<Option<(usize, String, usize)>, sqlx::Error> {
        match *connection {}
    }
}
mod lock;
mod prepare;
mod revert;
mod snapshot;
mod status;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest, Sha256};
use sqlx::pool::PoolConnection;
use sqlx::{Connection, Row};

use crate::config::Backend;
use crate::db::{Db, Pool};
use crate::sql::Dialect;
use crate::table::TableModel;

pub use check::check;
pub use diff::{plan, DiffError, Plan, RemovedEnumValues, Renames};
pub use snapshot::{
    default_sql, format_of, Journal, JournalEntry, Meta, Snapshot, SnapshotCheck, SnapshotColumn,
    SnapshotForeignKey, SnapshotIndex, SnapshotTable, SnapshotUnique, EMPTY_ID,
};

pub use apply::*;
pub use conn::migrations_table;
use conn::*;
pub use error::*;
pub use folder::*;
use lock::*;
pub use prepare::*;
pub use revert::*;
pub use status::*;

/// What separates the statements of a migration file.
pub const BREAKPOINT: &str = "--> statement-breakpoint";
