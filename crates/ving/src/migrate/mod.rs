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

mod check;
mod diff;
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
        pub(super) async fn release(&self, _: &mut MySqlConnection) {
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
mod snapshot;

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

/// What separates the statements of a migration file.
pub const BREAKPOINT: &str = "--> statement-breakpoint";

/// Why a migration step failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// A file of the migrations folder could not be read or written.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The plan could not be made.
    #[error(transparent)]
    Diff(#[from] DiffError),
    /// An applied migration's file changed since.
    #[error("migration {tag} was applied with hash {applied} but its file now hashes to {now}: applied migrations must not change (revert the file, or write a new migration)")]
    Changed {
        /// The migration.
        tag: String,
        /// The hash recorded when it was applied.
        applied: String,
        /// The file's hash now.
        now: String,
    },
    /// A statement failed.
    #[error(
        "migration {tag}, statement {number} of {total} failed: {source}{applied}\n  {statement}"
    )]
    Statement {
        /// The migration.
        tag: String,
        /// 1-based number of the failing statement.
        number: usize,
        /// Statements in the migration.
        total: usize,
        /// The statement.
        statement: String,
        /// What was applied before it, in words (MySQL), or that all was rolled back.
        applied: String,
        /// The database's error.
        #[source]
        source: Box<sqlx::Error>,
    },
    /// The database could not be used.
    #[error("{0}")]
    Database(Box<sqlx::Error>),
    /// A migration left rows that break a foreign key (SQLite checks after each).
    #[error("migration {tag} left {rows} rows breaking a foreign key; it was rolled back")]
    ForeignKeys {
        /// The migration.
        tag: String,
        /// Rows found.
        rows: usize,
    },
    /// A migration was partly applied (MySQL) and its applied statements changed since.
    #[error("migration {tag} was partly applied ({applied} statements) and those statements have changed since: restore them and fix only what failed")]
    PartlyApplied {
        /// The migration.
        tag: String,
        /// Statements applied.
        applied: usize,
    },
    /// The pool could not be used.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    /// Another run holds the migration lock (MySQL) and did not let go in time.
    #[error("another run is applying migrations to this database: it holds the lock {lock:?} and did not release it within {seconds} s; run again when it has finished")]
    Locked {
        /// The lock's name.
        lock: String,
        /// How long this run waited.
        seconds: u64,
    },
    /// The server is a read-only standby (a PostgreSQL server in recovery, a MySQL
    /// server with `read_only`): what writes must run against the primary.
    #[error("read-only standby: run this against the primary (this server {reason}); nothing was written")]
    ReadOnly {
        /// What says the server is read-only.
        reason: String,
    },
    /// A Galera node set to apply schema changes node by node (`wsrep_OSU_method=RSU`).
    #[error("this Galera node applies schema changes with wsrep_OSU_method = RSU (rolling schema upgrade): they would stay on this node and the nodes would disagree; nothing was applied. Set it to TOI (SET GLOBAL wsrep_OSU_method = 'TOI') and run again")]
    RollingSchemaUpgrade,
    /// This run's Galera lock expired and another run took it over.
    #[error("this run ({run}) lost the migration lock: it was not renewed within {seconds} s and another run took it over; this run stopped before its next write")]
    LockLost {
        /// This run's id.
        run: String,
        /// The lock's expiry.
        seconds: u64,
    },
    /// A write recording progress failed (after retries of Galera conflicts).
    #[error("recording progress failed: {source}\n  {statements}")]
    Bookkeeping {
        /// The statements of the transaction.
        statements: String,
        /// The database's error.
        #[source]
        source: Box<sqlx::Error>,
    },
    /// A progress row (Galera) was written by a run that neither let go of the lock nor
    /// had it taken over by this run.
    #[error("migration {tag} has a progress row ({done} statements applied) written by {writer}, which did not hand it over under the cluster-wide lock; nothing was applied. Compare the database with the migration's statements, then delete the row (DELETE FROM __ving_migration_progress WHERE created_at = {when}) and run again")]
    UntrustedProgress {
        /// The migration.
        tag: String,
        /// Statements the row says were applied.
        done: usize,
        /// Who wrote it, in words.
        writer: String,
        /// The migration's `created_at`.
        when: i64,
    },
    /// A migration to revert has no down file (drizzle-kit writes none).
    #[error("migration {tag} has no down file: {path} does not exist (drizzle-kit writes none; ving writes one beside each migration it prepares). Write the SQL that reverts {tag} there, statements separated by `--> statement-breakpoint` lines, then run --down again")]
    NoDownFile {
        /// The migration.
        tag: String,
        /// Where its down file should be.
        path: PathBuf,
    },
}

impl From<sqlx::Error> for MigrateError {
    fn from(error: sqlx::Error) -> Self {
        MigrateError::Database(Box::new(error))
    }
}

fn file_error(path: &Path, error: impl std::fmt::Display) -> MigrateError {
    MigrateError::File {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

/// A migrations folder.
#[derive(Debug, Clone)]
pub struct Folder {
    dir: PathBuf,
}

/// One migration of a folder, with its SQL and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// Its journal entry.
    pub entry: JournalEntry,
    /// The file's text.
    pub sql: String,
    /// sha256 of the file's bytes, lower-case hex.
    pub hash: String,
}

impl Migration {
    /// The statements, split at the breakpoints, without empty ones.
    pub fn statements(&self) -> Vec<&str> {
        self.sql
            .split(BREAKPOINT)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// sha256 of `text`, lower-case hex.
pub fn hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Folder {
    /// The folder at `dir` (it need not exist yet).
    pub fn new(dir: impl Into<PathBuf>) -> Folder {
        Folder { dir: dir.into() }
    }

    /// The folder's path.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn journal_path(&self) -> PathBuf {
        self.dir.join("meta").join("_journal.json")
    }

    fn snapshot_path(&self, idx: u32) -> PathBuf {
        self.dir
            .join("meta")
            .join(format!("{idx:04}_snapshot.json"))
    }

    /// The journal (empty when the folder has none). A folder serves one dialect: a
    /// journal of another is an error.
    pub fn journal(&self, dialect: &dyn Dialect) -> Result<Journal, MigrateError> {
        let path = self.journal_path();
        let journal: Journal = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| file_error(&path, e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Journal::empty(dialect))
            }
            Err(e) => return Err(file_error(&path, e)),
        };
        let (_, wanted) = format_of(dialect);
        if journal.dialect != wanted {
            return Err(file_error(
                &path,
                format!(
                    "these migrations are for {} but the database is {wanted}; one migrations folder serves one dialect",
                    journal.dialect
                ),
            ));
        }
        Ok(journal)
    }

    /// The newest snapshot (empty before the first migration).
    pub fn latest_snapshot(&self, dialect: &dyn Dialect) -> Result<Snapshot, MigrateError> {
        let journal = self.journal(dialect)?;
        let Some(last) = journal.entries.last() else {
            return Ok(Snapshot::empty(dialect));
        };
        let path = self.snapshot_path(last.idx);
        let text = std::fs::read_to_string(&path).map_err(|e| file_error(&path, e))?;
        serde_json::from_str(&text).map_err(|e| file_error(&path, e))
    }

    /// Every migration of the journal, with its file.
    pub fn migrations(&self, dialect: &dyn Dialect) -> Result<Vec<Migration>, MigrateError> {
        self.journal(dialect)?
            .entries
            .into_iter()
            .map(|entry| {
                let path = self.dir.join(format!("{}.sql", entry.tag));
                let sql = std::fs::read_to_string(&path).map_err(|e| file_error(&path, e))?;
                Ok(Migration {
                    hash: hash(&sql),
                    sql,
                    entry,
                })
            })
            .collect()
    }

    /// Writes the next migration: its SQL, its snapshot and its journal entry. Returns
    /// the tag.
    pub fn write(
        &self,
        dialect: &dyn Dialect,
        name: &str,
        statements: &[String],
        down: &Plan,
        snapshot: &Snapshot,
    ) -> Result<String, MigrateError> {
        let mut journal = self.journal(dialect)?;
        let idx = journal.entries.last().map_or(0, |e| e.idx + 1);
        let tag = format!("{idx:04}_{name}");
        let meta = self.dir.join("meta");
        std::fs::create_dir_all(&meta).map_err(|e| file_error(&meta, e))?;
        let sql: Vec<String> = statements
            .iter()
            .map(|s| format!("{};", s.trim_end_matches(';')))
            .collect();
        let sql_path = self.dir.join(format!("{tag}.sql"));
        let text = sql.join(&format!("\n{BREAKPOINT}\n"));
        std::fs::write(&sql_path, text).map_err(|e| file_error(&sql_path, e))?;
        let down_path = self.dir.join(format!("{tag}.down.sql"));
        std::fs::write(&down_path, down_text(down)).map_err(|e| file_error(&down_path, e))?;
        let snapshot_path = self.snapshot_path(idx);
        let json =
            serde_json::to_string_pretty(snapshot).map_err(|e| file_error(&snapshot_path, e))?;
        std::fs::write(&snapshot_path, json).map_err(|e| file_error(&snapshot_path, e))?;
        let when = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let (version, _) = format_of(dialect);
        journal.entries.push(JournalEntry {
            idx,
            version: version.into(),
            when: journal
                .entries
                .last()
                .map_or(when, |e| when.max(e.when + 1)),
            tag: tag.clone(),
            breakpoints: true,
        });
        let journal_path = self.journal_path();
        let json =
            serde_json::to_string_pretty(&journal).map_err(|e| file_error(&journal_path, e))?;
        std::fs::write(&journal_path, json).map_err(|e| file_error(&journal_path, e))?;
        Ok(tag)
    }
}

/// What discarding the newest migration removes: its tag and files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discarded {
    /// The migration's tag.
    pub tag: String,
    /// The files removed (or that a dry run would remove), the journal aside.
    pub files: Vec<PathBuf>,
}

impl Folder {
    /// Discards the newest migration (drizzle-kit's `drop`): its SQL, down file and
    /// snapshot, and its journal entry, so the folder is as it was before `--prepare`
    /// wrote it. Whether it is applied somewhere is the caller's to check first
    /// ([`status`]). With `dry_run`, only says what it would remove.
    pub fn discard_newest(
        &self,
        dialect: &dyn Dialect,
        dry_run: bool,
    ) -> Result<Discarded, MigrateError> {
        let mut journal = self.journal(dialect)?;
        let Some(entry) = journal.entries.last().cloned() else {
            return Err(file_error(
                &self.journal_path(),
                "there is no migration to discard",
            ));
        };
        let files: Vec<PathBuf> = [
            self.dir.join(format!("{}.sql", entry.tag)),
            self.dir.join(format!("{}.down.sql", entry.tag)),
            self.snapshot_path(entry.idx),
        ]
        .into_iter()
        .filter(|f| f.exists())
        .collect();
        if !dry_run {
            // The journal first: a folder whose journal no longer names the files is
            // consistent even if removing one of them fails.
            journal.entries.pop();
            let journal_path = self.journal_path();
            let json =
                serde_json::to_string_pretty(&journal).map_err(|e| file_error(&journal_path, e))?;
            std::fs::write(&journal_path, json).map_err(|e| file_error(&journal_path, e))?;
            for file in &files {
                std::fs::remove_file(file).map_err(|e| file_error(file, e))?;
            }
        }
        Ok(Discarded {
            tag: entry.tag,
            files,
        })
    }
}

/// Marks a down migration that destroys data: `--down` refuses it unless forced.
pub const DESTRUCTIVE: &str = "-- destructive:";

/// The text of a down migration: its destructive steps as comments, then its statements.
fn down_text(down: &Plan) -> String {
    let mut text =
        String::from("-- ving: reverts the migration beside it (drizzle-kit ignores this file)\n");
    for warning in &down.warnings {
        text.push_str(&format!("{DESTRUCTIVE} this {warning}\n"));
    }
    let statements: Vec<String> = down
        .statements
        .iter()
        .map(|s| format!("{};", s.trim_end_matches(';')))
        .collect();
    text.push_str(&statements.join(&format!("\n{BREAKPOINT}\n")));
    text
}

/// What `prepare` should do.
#[derive(Debug, Clone, Default)]
pub struct PrepareOptions {
    /// The migration's name (`--name`); a generated adjective_noun otherwise.
    pub name: Option<String>,
    /// Write an empty migration for hand-written SQL (`--custom`).
    pub custom: bool,
    /// Print, write nothing (`--dry-run`).
    pub dry_run: bool,
    /// Treat unmatched disappearances as drops (`--no-renames`).
    pub accept_drops: bool,
}

/// What `prepare` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    /// The schemas match the newest snapshot.
    NothingToDo,
    /// A migration was planned (and written unless dry-run).
    Migration {
        /// Its tag (`0001_brave_otter`); `None` for a dry run.
        tag: Option<String>,
        /// Its statements.
        statements: Vec<String>,
        /// Its destructive steps.
        warnings: Vec<String>,
        /// Enum values it removes (rows holding them make it fail).
        removed_enum_values: Vec<RemovedEnumValues>,
    },
}

/// Prepares the next migration of `folder` for `model` in `dialect`.
pub fn prepare(
    folder: &Folder,
    model: &TableModel,
    renames: &Renames,
    dialect: &dyn Dialect,
    options: &PrepareOptions,
) -> Result<Prepared, MigrateError> {
    let old = folder.latest_snapshot(dialect)?;
    let name = options.name.clone().unwrap_or_else(generated_name);
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if options.custom {
        let mut snapshot = old.clone();
        snapshot.prev_id = old.id.clone();
        snapshot.id = uuid::Uuid::new_v4().to_string();
        let tag = if options.dry_run {
            None
        } else {
            let down = Plan {
                warnings: vec![
                    "is the reverse of a custom migration: write it here, then remove this line"
                        .into(),
                ],
                ..Plan::default()
            };
            Some(folder.write(
                dialect,
                &name,
                &["-- Custom SQL migration file, put your code below! --".into()],
                &down,
                &snapshot,
            )?)
        };
        return Ok(Prepared::Migration {
            tag,
            statements: Vec::new(),
            warnings: Vec::new(),
            removed_enum_values: Vec::new(),
        });
    }
    let plan = diff::plan(&old, model, dialect, renames, options.accept_drops)?;
    if plan.is_empty() {
        return Ok(Prepared::NothingToDo);
    }
    let mut snapshot = Snapshot::of(model, dialect, &old.id);
    for (old_name, new_name) in &plan.renamed_tables {
        snapshot
            .meta
            .tables
            .insert(format!("\"{old_name}\""), format!("\"{new_name}\""));
    }
    for (table, old_name, new_name) in &plan.renamed_columns {
        snapshot.meta.columns.insert(
            format!("\"{table}\".\"{old_name}\""),
            format!("\"{table}\".\"{new_name}\""),
        );
    }
    // The reverse: from the new structure back to the old one, renames undone.
    let old_model = old
        .to_model(dialect)
        .map_err(|e| DiffError::Snapshot(e.to_string()))?;
    let mut reverse = Renames {
        allow_unfilled: true,
        ..Renames::default()
    };
    for (old_name, new_name) in &plan.renamed_tables {
        reverse.tables.insert(old_name.clone(), new_name.clone());
    }
    for (table, old_name, new_name) in &plan.renamed_columns {
        let old_table = plan
            .renamed_tables
            .iter()
            .find(|(_, n)| n == table)
            .map_or_else(|| table.clone(), |(o, _)| o.clone());
        reverse
            .columns
            .insert((old_table, old_name.clone()), new_name.clone());
    }
    let down = diff::plan(&snapshot, &old_model, dialect, &reverse, true)?;
    let tag = if options.dry_run {
        None
    } else {
        Some(folder.write(dialect, &name, &plan.statements, &down, &snapshot)?)
    };
    Ok(Prepared::Migration {
        tag,
        statements: plan.statements,
        warnings: plan.warnings,
        removed_enum_values: plan.removed_enum_values,
    })
}

/// Rows of the database holding a value a migration removes from an enum column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowsHoldingValue {
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
    /// The removed value.
    pub value: String,
    /// How many rows hold it.
    pub rows: i64,
}

/// Counts the rows of `db` that hold each of the `removed` enum values (a table the
/// database does not have yet holds none).
pub async fn rows_holding(db: &Db, removed: &[RemovedEnumValues]) -> Vec<RowsHoldingValue> {
    let dialect = db.dialect();
    let mut found = Vec::new();
    for item in removed {
        for value in &item.values {
            let count = match db.backend() {
                Backend::MySql => "CAST(COUNT(*) AS SIGNED)",
                _ => "COUNT(*)",
            };
            let sql = format!(
                "SELECT {count} FROM {} WHERE {} = {}",
                dialect.quote(&item.table),
                dialect.quote(&item.column),
                dialect.string_literal(value)
            );
            let Ok(counts) = db.fetch_all(&sql, Vec::new(), |row| row.get_i64(0)).await else {
                continue; // no such table or column yet: no rows
            };
            let rows = counts.first().copied().unwrap_or(0);
            if rows > 0 {
                found.push(RowsHoldingValue {
                    table: item.table.clone(),
                    column: item.column.clone(),
                    value: value.clone(),
                    rows,
                });
            }
        }
    }
    found
}

/// A name like drizzle-kit's: an adjective and a noun.
fn generated_name() -> String {
    const ADJECTIVES: &[&str] = &[
        "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "kind", "lively", "mighty",
        "nimble", "proud", "quick", "silly", "tidy", "witty",
    ];
    const NOUNS: &[&str] = &[
        "otter", "falcon", "badger", "comet", "ember", "glacier", "harbor", "island", "jaguar",
        "lantern", "meadow", "nebula", "orchid", "pebble", "quartz", "river",
    ];
    let bytes = uuid::Uuid::new_v4();
    let bytes = bytes.as_bytes();
    format!(
        "{}_{}",
        ADJECTIVES[usize::from(bytes[0]) % ADJECTIVES.len()],
        NOUNS[usize::from(bytes[1]) % NOUNS.len()]
    )
}

/// One connection, held for the whole run (locks are per connection).
enum Conn {
    #[cfg(feature = "mysql")]
    MySql(PoolConnection<sqlx::MySql>),
    #[cfg(feature = "postgres")]
    Postgres(PoolConnection<sqlx::Postgres>),
    #[cfg(feature = "sqlite")]
    Sqlite(PoolConnection<sqlx::Sqlite>),
}

impl Conn {
    async fn acquire(db: &Db) -> Result<Conn, MigrateError> {
        Ok(match db.pool() {
            #[cfg(feature = "mysql")]
            Pool::MySql(pool) => Conn::MySql(pool.acquire().await?),
            #[cfg(feature = "postgres")]
            Pool::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(pool) => Conn::Sqlite(pool.acquire().await?),
        })
    }

    /// The MySQL connection (Galera's lock and MySQL's progress rows work on it).
    fn mysql(&mut self) -> Option<&mut galera::MySqlConnection> {
        match self {
            #[cfg(feature = "mysql")]
            Conn::MySql(c) => Some(&mut **c),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Whether the database has the table recording applied migrations.
    async fn applied_if_any(
        &mut self,
        table: &str,
    ) -> Result<Option<BTreeMap<i64, String>>, sqlx::Error> {
        match self.applied(table).await {
            Ok(applied) => Ok(Some(applied)),
            Err(sqlx::Error::Database(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The `run` of a progress row (Galera), when there is one.
    async fn progress_run(&mut self, when: i64) -> Result<Option<Option<String>>, sqlx::Error> {
        let Some(c) = self.mysql() else {
            return Ok(None);
        };
        let sql = format!("SELECT run FROM {PROGRESS_TABLE} WHERE created_at = {when}");
        galera::progress_run(c, &sql).await
    }

    async fn run(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        match self {
            #[cfg(feature = "mysql")]
            Conn::MySql(c) => sqlx::raw_sql(sql).execute(&mut **c).await.map(drop),
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => sqlx::raw_sql(sql).execute(&mut **c).await.map(drop),
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(c) => sqlx::raw_sql(sql).execute(&mut **c).await.map(drop),
        }
    }

    /// `(created_at, hash)` of every recorded migration.
    async fn applied(&mut self, table: &str) -> Result<BTreeMap<i64, String>, sqlx::Error> {
        let sql = format!("SELECT created_at, hash FROM {table}");
        let rows: Vec<(i64, String)> = match self {
            // Text under a binary collation reads as a blob: take it unchecked.
            #[cfg(feature = "mysql")]
            Conn::MySql(c) => sqlx::query(&sql)
                .fetch_all(&mut **c)
                .await?
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get::<i64, _>(0)?,
                        r.try_get_unchecked::<String, _>(1)?,
                    ))
                })
                .collect::<Result<_, sqlx::Error>>()?,
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => sqlx::query(&sql)
                .fetch_all(&mut **c)
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?)))
                .collect::<Result<_, sqlx::Error>>()?,
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(c) => sqlx::query(&sql)
                .fetch_all(&mut **c)
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?)))
                .collect::<Result<_, sqlx::Error>>()?,
        };
        Ok(rows.into_iter().collect())
    }

    /// (statements applied, hash of them) of a partly applied migration (MySQL).
    /// (statements applied, hash of them, statements started) of a partly applied
    /// migration (MySQL).
    async fn progress(&mut self, when: i64) -> Result<Option<(usize, String, usize)>, sqlx::Error> {
        let Some(c) = self.mysql() else {
            return Ok(None);
        };
        let sql =
            format!("SELECT done, prefix, started FROM {PROGRESS_TABLE} WHERE created_at = {when}");
        galera::progress(c, &sql).await
    }

    async fn set_progress(
        &mut self,
        when: i64,
        done: usize,
        prefix: &str,
        started: usize,
    ) -> Result<(), sqlx::Error> {
        self.run(&format!(
            "REPLACE INTO {PROGRESS_TABLE} (created_at, done, prefix, started) VALUES ({when}, {done}, '{prefix}', {started})"
        ))
        .await
    }

    /// Rows breaking a foreign key (SQLite's `PRAGMA foreign_key_check`; 0 elsewhere).
    async fn foreign_key_violations(&mut self) -> Result<usize, sqlx::Error> {
        match self {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(c) => Ok(sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(&mut **c)
                .await?
                .len()),
            #[allow(unreachable_patterns)]
            _ => Ok(0),
        }
    }

    async fn record(&mut self, table: &str, migration: &Migration) -> Result<(), sqlx::Error> {
        let sql = format!(
            "INSERT INTO {table} (hash, created_at) VALUES ('{}', {})",
            migration.hash, migration.entry.when
        );
        self.run(&sql).await
    }

    async fn close(self) {
        let result = match self {
            #[cfg(feature = "mysql")]
            Conn::MySql(c) => c.detach().close().await,
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => c.detach().close().await,
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(c) => c.detach().close().await,
        };
        let _ = result;
    }
}

/// Where MySQL runs record how far a migration got (ving's own; drizzle ignores it).
const PROGRESS_TABLE: &str = "__ving_migration_progress";

/// The kinds of statement ving's MySQL migrations hold, told apart by their first words
/// (the runner reads migration files, which may be hand-edited, so it reads SQL text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatementKind {
    CreateTable,
    DropTable,
    RenameTable,
    AddColumn,
    DropColumn,
    RenameColumn,
    ModifyColumn,
    CreateIndex,
    DropIndex,
    AddUnique,
    AddForeignKey,
    DropForeignKey,
    Update,
    Other,
}

impl StatementKind {
    fn of(statement: &str) -> StatementKind {
        let words: Vec<String> = statement
            .split_whitespace()
            .map(str::to_ascii_uppercase)
            .collect();
        let starts = |prefix: &[&str]| {
            words.len() >= prefix.len() && words.iter().zip(prefix).all(|(w, p)| w == p)
        };
        // ALTER TABLE <name> <action…>
        let action = |prefix: &[&str]| {
            starts(&["ALTER", "TABLE"])
                && words.len() >= 3 + prefix.len()
                && words[3..].iter().zip(prefix).all(|(w, p)| w == p)
        };
        if starts(&["CREATE", "TABLE"]) {
            StatementKind::CreateTable
        } else if starts(&["DROP", "TABLE"]) {
            StatementKind::DropTable
        } else if starts(&["RENAME", "TABLE"]) || action(&["RENAME", "TO"]) {
            StatementKind::RenameTable
        } else if starts(&["CREATE", "UNIQUE", "INDEX"]) || starts(&["CREATE", "INDEX"]) {
            StatementKind::CreateIndex
        } else if starts(&["DROP", "INDEX"]) || action(&["DROP", "INDEX"]) {
            StatementKind::DropIndex
        } else if action(&["ADD", "COLUMN"]) {
            StatementKind::AddColumn
        } else if action(&["DROP", "COLUMN"]) {
            StatementKind::DropColumn
        } else if action(&["RENAME", "COLUMN"]) {
            StatementKind::RenameColumn
        } else if action(&["MODIFY", "COLUMN"]) {
            StatementKind::ModifyColumn
        } else if action(&["ADD", "CONSTRAINT"]) && words.iter().any(|w| w == "FOREIGN") {
            StatementKind::AddForeignKey
        } else if action(&["ADD", "CONSTRAINT"]) && words.iter().any(|w| w.starts_with("UNIQUE")) {
            StatementKind::AddUnique
        } else if action(&["DROP", "FOREIGN", "KEY"]) {
            StatementKind::DropForeignKey
        } else if starts(&["UPDATE"]) {
            StatementKind::Update
        } else {
            StatementKind::Other
        }
    }

    /// The MySQL/MariaDB errors that, on a rerun of a statement of this kind, say its work
    /// is already there (the table, column, key or foreign key exists, or what it drops or
    /// renames is gone). Statements that can be run twice (`MODIFY COLUMN`, `UPDATE`) need
    /// none; an unknown statement gets none (never assumed done).
    fn already_done_errors(self) -> &'static [u16] {
        match self {
            StatementKind::CreateTable => &[1050],
            StatementKind::DropTable => &[1051],
            StatementKind::RenameTable => &[1146],
            StatementKind::AddColumn => &[1060],
            StatementKind::DropColumn | StatementKind::DropIndex => &[1091],
            StatementKind::RenameColumn => &[1054],
            StatementKind::CreateIndex | StatementKind::AddUnique => &[1061],
            // MariaDB reports a foreign key that exists as 1005 "errno: 121" (checked below).
            StatementKind::AddForeignKey => &[1826, 1022, 1005],
            StatementKind::DropForeignKey => &[1091],
            StatementKind::ModifyColumn | StatementKind::Update | StatementKind::Other => &[],
        }
    }
}

/// Whether a MySQL error says the work of `statement` is already there.
fn applied_before(statement: &str, error: &sqlx::Error) -> bool {
    let kind = StatementKind::of(statement);
    galera::mysql_error(error).is_some_and(|(number, message)| {
        kind.already_done_errors().contains(&number)
            && (number != 1005 || message.contains("errno: 121"))
    })
}

/// sha256 of the first `count` statements.
fn prefix_hash(statements: &[&str], count: usize) -> String {
    hash(&statements[..count.min(statements.len())].join("\n"))
}

/// The table drizzle records applied migrations in, for a backend.
pub fn migrations_table(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "\"drizzle\".\"__drizzle_migrations\"",
        _ => "__drizzle_migrations",
    }
}

fn create_migrations_table(backend: Backend) -> &'static str {
    match backend {
        Backend::MySql => {
            "CREATE TABLE IF NOT EXISTS __drizzle_migrations (id serial primary key, hash text not null, created_at bigint); CREATE TABLE IF NOT EXISTS __ving_migration_progress (created_at bigint primary key, done int not null, prefix char(64) not null, started int not null default 0)"
        }
        Backend::Postgres => {
            "CREATE SCHEMA IF NOT EXISTS \"drizzle\"; CREATE TABLE IF NOT EXISTS \"drizzle\".\"__drizzle_migrations\" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)"
        }
        Backend::Sqlite => {
            "CREATE TABLE IF NOT EXISTS __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)"
        }
    }
}

/// One migration applied by [`up`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Its tag.
    pub tag: String,
    /// How long it took, in milliseconds.
    pub millis: u128,
}

/// How [`up_with`] and [`down_with`] run.
pub struct RunOptions<'a> {
    /// How long to wait for another run's lock before giving up (MySQL's `GET_LOCK`,
    /// Galera's lock row).
    pub lock_timeout: std::time::Duration,
    /// Galera: how long the lock row holds without being renewed; a run that crashed
    /// leaves a lock another run takes over after this long. The holder renews it every
    /// quarter of it.
    pub lock_expiry: std::time::Duration,
    /// Called as each migration is applied (or reverted), right after it is recorded,
    /// so that progress can be shown while a long run goes on.
    pub on_done: &'a mut dyn FnMut(&Applied),
    /// Called with a migration's tag as it starts being applied (or reverted), so that a
    /// terminal can show it running.
    pub on_start: Option<&'a mut dyn FnMut(&str)>,
    /// Called once when another run holds the lock and this one starts waiting for it
    /// ("another run is applying migrations…").
    pub on_wait: Option<&'a mut dyn FnMut(&str)>,
}

/// How long a run waits for another run's lock by default.
pub const LOCK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// How long a Galera lock row holds without renewal by default.
pub const LOCK_EXPIRY: std::time::Duration = std::time::Duration::from_secs(30);

impl<'a> RunOptions<'a> {
    /// The default lock timeout, with `on_done` called as each migration finishes.
    pub fn new(on_done: &'a mut dyn FnMut(&Applied)) -> RunOptions<'a> {
        RunOptions {
            lock_timeout: LOCK_TIMEOUT,
            lock_expiry: LOCK_EXPIRY,
            on_done,
            on_start: None,
            on_wait: None,
        }
    }

    #[cfg_attr(not(any(feature = "mysql", feature = "postgres")), allow(dead_code))]
    fn wait_note(&mut self, note: &str) {
        if let Some(on_wait) = self.on_wait.as_mut() {
            on_wait(note);
        }
    }
}

/// What a run must know of the server before it writes.
struct Server {
    /// MariaDB Galera (`wsrep_on`): the lock is a row, not `GET_LOCK`.
    galera: bool,
}

/// Reads what kind of server `conn` talks to, and refuses a read-only one (a standby)
/// and a Galera node applying schema changes node by node.
async fn inspect(conn: &mut Conn) -> Result<Server, MigrateError> {
    match conn {
        #[cfg(feature = "mysql")]
        Conn::MySql(c) => {
            let rows = sqlx::query("SHOW VARIABLES WHERE Variable_name IN ('wsrep_on', 'wsrep_osu_method', 'read_only', 'super_read_only', 'innodb_read_only')")
                .fetch_all(&mut **c)
                .await?;
            let mut vars = BTreeMap::new();
            for row in rows {
                let name = row.try_get_unchecked::<String, _>(0)?.to_ascii_lowercase();
                let value = row.try_get_unchecked::<String, _>(1)?.to_ascii_uppercase();
                vars.insert(name, value);
            }
            for name in ["read_only", "super_read_only", "innodb_read_only"] {
                if vars.get(name).is_some_and(|v| v == "ON" || v == "1") {
                    return Err(MigrateError::ReadOnly {
                        reason: format!("has {name} = ON"),
                    });
                }
            }
            let galera = vars.get("wsrep_on").is_some_and(|v| v == "ON" || v == "1");
            if galera && vars.get("wsrep_osu_method").is_some_and(|v| v == "RSU") {
                return Err(MigrateError::RollingSchemaUpgrade);
            }
            Ok(Server { galera })
        }
        #[cfg(feature = "postgres")]
        Conn::Postgres(c) => {
            let row = sqlx::query(
                "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'",
            )
            .fetch_one(&mut **c)
            .await?;
            if row.try_get::<bool, _>(0)? {
                return Err(MigrateError::ReadOnly {
                    reason: "is in recovery: pg_is_in_recovery() is true".into(),
                });
            }
            if row.try_get::<bool, _>(1)? {
                return Err(MigrateError::ReadOnly {
                    reason: "has default_transaction_read_only = on".into(),
                });
            }
            Ok(Server { galera: false })
        }
        #[cfg(feature = "sqlite")]
        Conn::Sqlite(_) => Ok(Server { galera: false }),
    }
}

/// Refuses a read-only server (a standby): `--check` creates a scratch database on it.
pub async fn refuse_read_only(db: &Db) -> Result<(), MigrateError> {
    let mut conn = Conn::acquire(db).await?;
    let result = inspect(&mut conn).await.map(drop);
    conn.close().await;
    result
}

/// Applies every migration of `folder` not yet recorded in the database, in order, under
/// a database lock. Checks first that no applied migration's file has changed.
pub async fn up(db: &Db, folder: &Folder) -> Result<Vec<Applied>, MigrateError> {
    up_with(db, folder, &mut RunOptions::new(&mut |_| {})).await
}

/// [`up`], telling `options.on_done` about each migration as it is applied. On failure,
/// what was reported to `on_done` is what this run applied. With nothing pending, nothing
/// is written (not even ving's own tables): a run against an up-to-date database only
/// reads.
pub async fn up_with(
    db: &Db,
    folder: &Folder,
    options: &mut RunOptions<'_>,
) -> Result<Vec<Applied>, MigrateError> {
    let migrations = folder.migrations(db.dialect())?;
    let backend = db.backend();
    let table = migrations_table(backend);
    let mut conn = Conn::acquire(db).await?;
    let mut galera = false;
    let result = async {
        let server = inspect(&mut conn).await?;
        galera = server.galera;
        if let Some(applied) = conn.applied_if_any(table).await? {
            if migrations
                .iter()
                .all(|m| applied.contains_key(&m.entry.when))
            {
                changed_files(&migrations, &applied)?;
                return Ok(Vec::new());
            }
        }
        let cluster = lock(&mut conn, db, &server, options).await?;
        let result = up_locked(
            &mut conn,
            backend,
            table,
            &migrations,
            cluster.as_ref(),
            options,
        )
        .await;
        if let (Some(cluster), Some(c)) = (cluster, conn.mysql()) {
            cluster.release(c).await;
        }
        result
    }
    .await;
    release(conn, backend, galera, result.is_err()).await;
    result
}

/// An applied migration whose file changed is an error.
fn changed_files(
    migrations: &[Migration],
    applied: &BTreeMap<i64, String>,
) -> Result<(), MigrateError> {
    for migration in migrations {
        if let Some(recorded) = applied.get(&migration.entry.when) {
            if recorded != &migration.hash {
                return Err(MigrateError::Changed {
                    tag: migration.entry.tag.clone(),
                    applied: recorded.clone(),
                    now: migration.hash.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Takes the lock of a run: Galera's lock row (returned, to be released), or the
/// database lock ([`take_lock`]).
async fn lock(
    conn: &mut Conn,
    db: &Db,
    server: &Server,
    options: &mut RunOptions<'_>,
) -> Result<Option<galera::ClusterLock>, MigrateError> {
    let backend = db.backend();
    if !server.galera {
        take_lock(conn, backend, options).await?;
        conn.run(create_migrations_table(backend)).await?;
        return Ok(None);
    }
    #[cfg(not(feature = "mysql"))]
    {
        // Only a MySQL connection can be a Galera node.
        let _ = options;
        Ok(None)
    }
    #[cfg(feature = "mysql")]
    {
        #[allow(irrefutable_let_patterns)]
        let (Conn::MySql(c), Pool::MySql(pool)) = (conn, db.pool()) else {
            return Ok(None);
        };
        // Reads wait until this node has applied what the cluster committed before them.
        sqlx::raw_sql("SET SESSION wsrep_sync_wait = 1")
            .execute(&mut **c)
            .await?;
        galera::prepare_tables(c, migrations_table(backend)).await?;
        let options_of_pool = pool.connect_options();
        let RunOptions {
            lock_timeout,
            lock_expiry,
            on_wait,
            ..
        } = options;
        let mut no_note = |_: &str| {};
        let on_wait: &mut dyn FnMut(&str) = match on_wait {
            Some(f) => *f,
            None => &mut no_note,
        };
        let cluster =
            galera::take(c, &options_of_pool, *lock_timeout, *lock_expiry, on_wait).await?;
        if let Some(from) = &cluster.took_over_from {
            on_wait(&format!(
            "took over the migration lock of run {from}, which was not renewed within {} s; continuing from its progress",
            lock_expiry.as_secs()
        ));
        }
        Ok(Some(cluster))
    }
}

/// The name of the MySQL lock runs take: one per database, so that runs on different
/// databases of one server do not wait for each other (lock names are server-wide and
/// at most 64 characters).
#[cfg_attr(not(feature = "mysql"), allow(dead_code))]
const MYSQL_LOCK_NAME: &str = "LEFT(CONCAT('ving_migrate:', IFNULL(DATABASE(), '')), 64)";

/// What a run says when it starts waiting for another run's lock.
#[cfg_attr(not(any(feature = "mysql", feature = "postgres")), allow(dead_code))]
const WAITING: &str = "another run is applying migrations: waiting for it";

/// Takes the database lock (SQLite: foreign key checks off; each migration then runs in
/// an exclusive transaction, checked again inside). On MySQL, waits at most the
/// options' timeout. When the lock is held, says so once through `on_wait`.
async fn take_lock(
    conn: &mut Conn,
    backend: Backend,
    options: &mut RunOptions<'_>,
) -> Result<(), MigrateError> {
    // SQLite has no lock to wait for.
    let _ = &options;
    match backend {
        #[cfg(feature = "mysql")]
        Backend::MySql => {
            let timeout = options.lock_timeout;
            #[allow(irrefutable_let_patterns)]
            let Conn::MySql(c) = conn
            else {
                return Ok(());
            };
            let get = |seconds: u64| {
                format!(
                    "SELECT GET_LOCK(n, {seconds}), n FROM (SELECT {MYSQL_LOCK_NAME} AS n) AS l"
                )
            };
            // 1: taken; 0: timed out; NULL: an error (the name could not be used).
            let row = sqlx::query(&get(0)).fetch_one(&mut **c).await?;
            let mut taken: Option<i64> = row.try_get(0)?;
            if taken == Some(0) {
                options.wait_note(&format!("{WAITING} (at most {} s)", timeout.as_secs()));
                let row = sqlx::query(&get(timeout.as_secs()))
                    .fetch_one(&mut **c)
                    .await?;
                taken = row.try_get(0)?;
            }
            if taken != Some(1) {
                let name = row.try_get_unchecked::<String, _>(1).unwrap_or_default();
                return Err(MigrateError::Locked {
                    lock: name,
                    seconds: timeout.as_secs(),
                });
            }
            Ok(())
        }
        #[cfg(feature = "postgres")]
        Backend::Postgres => {
            #[allow(irrefutable_let_patterns)]
            let Conn::Postgres(c) = conn
            else {
                return Ok(());
            };
            let taken: bool = sqlx::query("SELECT pg_try_advisory_lock(7301999)")
                .fetch_one(&mut **c)
                .await?
                .try_get(0)?;
            if !taken {
                options.wait_note(WAITING);
                conn.run("SELECT pg_advisory_lock(7301999)").await?;
            }
            Ok(())
        }
        Backend::Sqlite => Ok(conn.run("PRAGMA foreign_keys = OFF").await?),
        // A backend left out of the build has no connection to lock.
        #[allow(unreachable_patterns)]
        _ => Ok(()),
    }
}

/// Releases the lock; a connection left in an unknown state by a failure is closed
/// rather than returned to the pool.
async fn release(mut conn: Conn, backend: Backend, galera: bool, failed: bool) {
    let _ = match backend {
        Backend::MySql if galera => conn.run("SET SESSION wsrep_sync_wait = DEFAULT").await,
        Backend::MySql => {
            conn.run(&format!("SELECT RELEASE_LOCK({MYSQL_LOCK_NAME})"))
                .await
        }
        Backend::Postgres => conn.run("SELECT pg_advisory_unlock(7301999)").await,
        Backend::Sqlite => conn.run("PRAGMA foreign_keys = ON").await,
    };
    if failed {
        conn.close().await;
    }
}

/// One applied migration to revert, with its down file (`<tag>.down.sql`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revert {
    /// The migration's tag.
    pub tag: String,
    /// The migration's journal `when` (its `created_at` in `__drizzle_migrations`).
    pub when: i64,
    /// The down file.
    pub path: PathBuf,
    /// The down file's text.
    pub sql: String,
    /// What reverting it cannot keep (its `-- destructive:` lines, without the marker).
    pub destructive: Vec<String>,
}

impl Revert {
    /// The statements to run, without empty and comment-only ones.
    pub fn statements(&self) -> Vec<&str> {
        self.sql
            .split(BREAKPOINT)
            .map(str::trim)
            .filter(|s| s.lines().any(|l| !l.trim_start().starts_with("--")))
            .collect()
    }
}

/// The newest `count` migrations of `migrations` recorded in `applied`, newest first,
/// each with its down file.
fn reverts(
    folder: &Folder,
    migrations: &[Migration],
    applied: &BTreeMap<i64, String>,
    count: usize,
) -> Result<Vec<Revert>, MigrateError> {
    migrations
        .iter()
        .rev()
        .filter(|m| applied.contains_key(&m.entry.when))
        .take(count)
        .map(|migration| {
            let tag = migration.entry.tag.clone();
            let path = folder.dir().join(format!("{tag}.down.sql"));
            let sql = match std::fs::read_to_string(&path) {
                Ok(sql) => sql,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(MigrateError::NoDownFile { tag, path })
                }
                Err(e) => return Err(file_error(&path, e)),
            };
            let destructive = sql
                .lines()
                .filter_map(|l| l.strip_prefix(DESTRUCTIVE))
                .map(|l| l.trim().to_owned())
                .collect();
            Ok(Revert {
                tag,
                when: migration.entry.when,
                path,
                sql,
                destructive,
            })
        })
        .collect()
}

/// Refuses a list of reverts when any of them cannot keep all data, naming the first
/// such one (newest first) and what it would lose.
pub fn refuse_destructive(reverts: &[Revert]) -> Result<(), MigrateError> {
    let Some(revert) = reverts.iter().find(|r| !r.destructive.is_empty()) else {
        return Ok(());
    };
    let before = reverts
        .iter()
        .take_while(|r| r.tag != revert.tag)
        .map(|r| r.tag.as_str())
        .collect::<Vec<_>>();
    Err(file_error(
        &revert.path,
        format!(
            "reverting {} cannot keep all data ({}); nothing was reverted; run with --force to revert anyway{}",
            revert.tag,
            revert.destructive.join("; "),
            if before.is_empty() {
                String::new()
            } else {
                format!(
                    ", or --down {} to revert only {}",
                    before.len(),
                    before.join(", ")
                )
            }
        ),
    ))
}

/// What [`down`] would revert, newest first, read without taking the lock and without
/// writing anything (`--down --dry-run`). A database never migrated reverts nothing.
pub async fn down_preview(
    db: &Db,
    folder: &Folder,
    count: usize,
) -> Result<Vec<Revert>, MigrateError> {
    let migrations = folder.migrations(db.dialect())?;
    let mut conn = Conn::acquire(db).await?;
    let applied = match conn.applied(migrations_table(db.backend())).await {
        Ok(applied) => applied,
        Err(sqlx::Error::Database(_)) => BTreeMap::new(),
        Err(e) => return Err(e.into()),
    };
    reverts(folder, &migrations, &applied, count)
}

/// Reverts the newest `count` applied migrations, newest first, with the `<tag>.down.sql`
/// beside each, under the same lock as [`up`]. A down migration marked destructive (it
/// drops what the migration added, with its data) runs only when `force` is set.
pub async fn down(
    db: &Db,
    folder: &Folder,
    count: usize,
    force: bool,
) -> Result<Vec<Applied>, MigrateError> {
    down_with(db, folder, count, force, &mut RunOptions::new(&mut |_| {})).await
}

/// [`down`], telling `options.on_done` about each migration as it is reverted.
pub async fn down_with(
    db: &Db,
    folder: &Folder,
    count: usize,
    force: bool,
    options: &mut RunOptions<'_>,
) -> Result<Vec<Applied>, MigrateError> {
    let migrations = folder.migrations(db.dialect())?;
    let backend = db.backend();
    let table = migrations_table(backend);
    let mut conn = Conn::acquire(db).await?;
    let mut galera = false;
    let result = async {
        let server = inspect(&mut conn).await?;
        galera = server.galera;
        // Nothing applied: nothing to revert, nothing written.
        let applied = conn.applied_if_any(table).await?.unwrap_or_default();
        if !migrations
            .iter()
            .any(|m| applied.contains_key(&m.entry.when))
        {
            return Ok(Vec::new());
        }
        let cluster = lock(&mut conn, db, &server, options).await?;
        let result = down_locked(
            &mut conn,
            backend,
            table,
            folder,
            &migrations,
            (count, force),
            cluster.as_ref(),
            options,
        )
        .await;
        if let (Some(cluster), Some(c)) = (cluster, conn.mysql()) {
            cluster.release(c).await;
        }
        result
    }
    .await;
    release(conn, backend, galera, result.is_err()).await;
    result
}

/// Runs one statement of a migration. On Galera, a conflict (1213, 1317) is tried again
/// when that is safe: the statement can run twice, or its kind has an error saying its
/// work is already there (then that error on the retry means done). Returns the error
/// of the last try, and whether it was a conflict. `tried` says how many times the
/// statement already ran.
async fn run_statement(
    conn: &mut Conn,
    statement: &str,
    galera: bool,
    tried: u64,
) -> Result<(), (sqlx::Error, bool)> {
    let kind = StatementKind::of(statement);
    let retry_safe = kind != StatementKind::Other;
    let mut attempt = tried;
    loop {
        match conn.run(statement).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt > 0 && applied_before(statement, &e) => return Ok(()),
            Err(e) if galera && galera::is_conflict(&e) => {
                if !retry_safe || attempt >= 5 {
                    return Err((e, true));
                }
            }
            Err(e) => return Err((e, false)),
        }
        attempt += 1;
        tokio::time::sleep(std::time::Duration::from_millis(100 * attempt)).await;
    }
}

/// What a Galera conflict on a statement means, in words, for the error.
fn conflict_note(conflict: bool) -> &'static str {
    if conflict {
        " (a Galera conflict: a write replicated from another node touched the same table; ving tries again only statements that are safe to run twice)"
    } else {
        ""
    }
}

#[allow(clippy::too_many_arguments)]
async fn down_locked(
    conn: &mut Conn,
    backend: Backend,
    table: &str,
    folder: &Folder,
    migrations: &[Migration],
    (count, force): (usize, bool),
    cluster: Option<&galera::ClusterLock>,
    options: &mut RunOptions<'_>,
) -> Result<Vec<Applied>, MigrateError> {
    let applied = conn.applied(table).await?;
    let reverts = reverts(folder, migrations, &applied, count)?;
    // Every step of the request is checked before the first one runs.
    if !force {
        refuse_destructive(&reverts)?;
    }
    let mut reverted = Vec::new();
    for revert in reverts {
        let start = Instant::now();
        let tag = &revert.tag;
        if let Some(cluster) = cluster {
            // Under the lock, the list as the cluster has it now.
            if !conn.applied(table).await?.contains_key(&revert.when) {
                continue;
            }
            if cluster.lost() {
                return Err(MigrateError::LockLost {
                    run: cluster.run.clone(),
                    seconds: options.lock_expiry.as_secs(),
                });
            }
        }
        if let Some(on_start) = options.on_start.as_mut() {
            on_start(tag);
        }
        let statements = revert.statements();
        let transactional = crate::sql::dialect(backend)
            .capabilities()
            .transactional_ddl;
        if transactional {
            conn.run(if backend == Backend::Sqlite {
                "BEGIN EXCLUSIVE"
            } else {
                "BEGIN"
            })
            .await?;
        }
        for (i, statement) in statements.iter().enumerate() {
            if let Err((e, conflict)) = run_statement(conn, statement, cluster.is_some(), 0).await {
                if transactional {
                    let _ = conn.run("ROLLBACK").await;
                }
                return Err(MigrateError::Statement {
                    tag: format!("{tag} (down)"),
                    number: i + 1,
                    total: statements.len(),
                    statement: statement.to_string(),
                    applied: if transactional {
                        "; the revert was rolled back".into()
                    } else {
                        conflict_note(conflict).into()
                    },
                    source: Box::new(e),
                });
            }
        }
        let forget = format!("DELETE FROM {table} WHERE created_at = {}", revert.when);
        // A progress row left by a killed run would make the next --up skip the
        // statements of the migration reverted here.
        let clear = format!(
            "DELETE FROM {PROGRESS_TABLE} WHERE created_at = {}",
            revert.when
        );
        match (cluster, conn.mysql()) {
            (Some(cluster), Some(c)) => cluster.write(c, &[forget, clear]).await?,
            _ => {
                if !transactional {
                    conn.run("START TRANSACTION").await?;
                }
                conn.run(&forget).await?;
                if !transactional {
                    conn.run(&clear).await?;
                }
                conn.run("COMMIT").await?;
            }
        }
        let done = Applied {
            tag: tag.clone(),
            millis: start.elapsed().as_millis(),
        };
        (options.on_done)(&done);
        reverted.push(done);
    }
    Ok(reverted)
}

async fn up_locked(
    conn: &mut Conn,
    backend: Backend,
    table: &str,
    migrations: &[Migration],
    cluster: Option<&galera::ClusterLock>,
    options: &mut RunOptions<'_>,
) -> Result<Vec<Applied>, MigrateError> {
    let applied = conn.applied(table).await?;
    changed_files(migrations, &applied)?;
    let transactional_ddl = crate::sql::dialect(backend)
        .capabilities()
        .transactional_ddl;
    let mut done = Vec::new();
    for migration in migrations
        .iter()
        .filter(|m| !applied.contains_key(&m.entry.when))
    {
        let when = migration.entry.when;
        if let Some(cluster) = cluster {
            // Under the lock, the list as the cluster has it now (reads wait for the
            // node to have applied what was committed before them).
            let now_applied = conn.applied(table).await?;
            changed_files(migrations, &now_applied)?;
            if now_applied.contains_key(&when) {
                continue;
            }
            // A progress row is trusted when this run wrote it, took it over with an
            // expired lock, or a run that stopped handed it over when letting go.
            if let Some(run) = conn.progress_run(when).await? {
                if run.as_deref() != Some(cluster.run.as_str())
                    && run.as_deref() != Some(galera::RELEASED)
                {
                    let done = conn.progress(when).await?.map_or(0, |p| p.0);
                    return Err(MigrateError::UntrustedProgress {
                        tag: migration.entry.tag.clone(),
                        done,
                        writer: run.map_or_else(
                            || {
                                "a run that did not use the cluster-wide lock (an older ving?)"
                                    .to_owned()
                            },
                            |run| format!("run {run}"),
                        ),
                        when,
                    });
                }
            }
        }
        let start = Instant::now();
        if let Some(on_start) = options.on_start.as_mut() {
            on_start(&migration.entry.tag);
        }
        let statements = migration.statements();
        let fail = |number: usize, applied: String, source: sqlx::Error| MigrateError::Statement {
            tag: migration.entry.tag.clone(),
            number,
            total: statements.len(),
            statement: statements
                .get(number - 1)
                .map_or_else(String::new, |s| s.to_string()),
            applied,
            source: Box::new(source),
        };
        if !transactional_ddl {
            // DDL commits as it goes (MySQL): progress is recorded after each
            // statement, so that a rerun after a fix continues where the last run
            // stopped.
            let done = conn.progress(when).await?;
            let (skip, uncertain) = match done {
                Some((count, prefix, started)) if prefix == prefix_hash(&statements, count) => {
                    (count, started > count)
                }
                Some((count, _, _)) => {
                    return Err(MigrateError::PartlyApplied {
                        tag: migration.entry.tag.clone(),
                        applied: count,
                    })
                }
                None => (0, false),
            };
            for (i, statement) in statements.iter().enumerate().skip(skip) {
                set_progress(conn, cluster, when, i, &prefix_hash(&statements, i), i + 1).await?;
                let result = match conn.run(statement).await {
                    // A run killed between a statement and its record leaves that
                    // statement uncertain: if it says it was already done, it was.
                    Err(e) if i == skip && uncertain && applied_before(statement, &e) => Ok(()),
                    Err(e) if cluster.is_some() && galera::is_conflict(&e) => {
                        if StatementKind::of(statement) == StatementKind::Other {
                            Err((e, true))
                        } else {
                            run_statement(conn, statement, true, 1).await
                        }
                    }
                    Err(e) => Err((e, false)),
                    Ok(()) => Ok(()),
                };
                if let Err((e, conflict)) = result {
                    let applied = if i == 0 {
                        "; nothing of it was applied".to_owned()
                    } else {
                        format!("; statements 1 to {i} were applied (MySQL commits DDL as it goes): fix the failing statement and run again to continue from it")
                    };
                    return Err(fail(
                        i + 1,
                        format!("{}{applied}", conflict_note(conflict)),
                        e,
                    ));
                }
                set_progress(
                    conn,
                    cluster,
                    when,
                    i + 1,
                    &prefix_hash(&statements, i + 1),
                    i + 1,
                )
                .await?;
            }
            // The record and the end of the progress row are one transaction: a
            // kill between them must not leave a progress row saying "all done".
            let record = format!(
                "INSERT INTO {table} (hash, created_at) VALUES ('{}', {when})",
                migration.hash
            );
            let clear = format!("DELETE FROM {PROGRESS_TABLE} WHERE created_at = {when}");
            match (cluster, conn.mysql()) {
                (Some(cluster), Some(c)) => cluster.write(c, &[record, clear]).await?,
                _ => {
                    conn.run("START TRANSACTION").await?;
                    conn.run(&record).await?;
                    conn.run(&clear).await?;
                    conn.run("COMMIT").await?;
                }
            }
        } else {
            // One transaction for the migration and its record.
            conn.run(if backend == Backend::Sqlite {
                "BEGIN EXCLUSIVE"
            } else {
                "BEGIN"
            })
            .await?;
            // Another process may have applied it while this one waited.
            let now_applied = conn.applied(table).await?;
            if now_applied.contains_key(&migration.entry.when) {
                conn.run("COMMIT").await?;
                continue;
            }
            for (i, statement) in statements.iter().enumerate() {
                if let Err(e) = conn.run(statement).await {
                    let _ = conn.run("ROLLBACK").await;
                    return Err(fail(i + 1, "; the migration was rolled back".into(), e));
                }
            }
            if let Err(e) = conn.record(table, migration).await {
                let _ = conn.run("ROLLBACK").await;
                return Err(e.into());
            }
            // Foreign key checks were off (SQLite): prove the rows still satisfy them.
            let broken = conn.foreign_key_violations().await?;
            if broken > 0 {
                let _ = conn.run("ROLLBACK").await;
                return Err(MigrateError::ForeignKeys {
                    tag: migration.entry.tag.clone(),
                    rows: broken,
                });
            }
            conn.run("COMMIT").await?;
        }
        let applied = Applied {
            tag: migration.entry.tag.clone(),
            millis: start.elapsed().as_millis(),
        };
        (options.on_done)(&applied);
        done.push(applied);
    }
    Ok(done)
}

/// Records how far a migration got (MySQL): on Galera in a transaction that renews the
/// lock row (so only the holder writes it), tagged with the run.
async fn set_progress(
    conn: &mut Conn,
    cluster: Option<&galera::ClusterLock>,
    when: i64,
    done: usize,
    prefix: &str,
    started: usize,
) -> Result<(), MigrateError> {
    match (cluster, conn.mysql()) {
        (Some(cluster), Some(c)) => {
            cluster
                .write(
                    c,
                    &[format!(
                        "REPLACE INTO {PROGRESS_TABLE} (created_at, done, prefix, started, run) VALUES ({when}, {done}, '{prefix}', {started}, '{}')",
                        cluster.run
                    )],
                )
                .await
        }
        _ => Ok(conn.set_progress(when, done, prefix, started).await?),
    }
}

/// Where a database stands against a migrations folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The newest migration of the folder: (tag, hash).
    pub last_available: Option<(String, String)>,
    /// The newest migration applied: (tag, hash), when the folder knows it.
    pub last_applied: Option<(String, String)>,
    /// Migrations not yet applied, in order.
    pub pending: Vec<String>,
    /// Applied migrations whose file has changed since.
    pub changed: Vec<String>,
    /// The database has no `__drizzle_migrations` table.
    pub uninitialized: bool,
    /// Migrations stopped part-way (MySQL, whose DDL commits as it goes), in order.
    pub partial: Vec<Partial>,
}

/// A migration stopped part-way on MySQL: its first `done` statements are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partial {
    /// The migration.
    pub tag: String,
    /// Statements applied.
    pub done: usize,
    /// Statements in the migration.
    pub total: usize,
}

impl Status {
    /// Whether something needs attention: an applied migration's file changed, or a
    /// migration stopped part-way.
    pub fn needs_attention(&self) -> bool {
        !self.changed.is_empty() || !self.partial.is_empty()
    }
}

/// Compares the folder with what the database recorded.
pub async fn status(db: &Db, folder: &Folder) -> Result<Status, MigrateError> {
    let migrations = folder.migrations(db.dialect())?;
    let table = migrations_table(db.backend());
    let mut conn = Conn::acquire(db).await?;
    let applied = match conn.applied(table).await {
        Ok(applied) => Some(applied),
        Err(sqlx::Error::Database(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let last_available = migrations
        .last()
        .map(|m| (m.entry.tag.clone(), m.hash.clone()));
    let Some(applied) = applied else {
        return Ok(Status {
            last_available,
            last_applied: None,
            pending: migrations.iter().map(|m| m.entry.tag.clone()).collect(),
            changed: Vec::new(),
            uninitialized: true,
            partial: Vec::new(),
        });
    };
    let mut partial = Vec::new();
    for migration in migrations
        .iter()
        .filter(|m| !applied.contains_key(&m.entry.when))
    {
        // No progress table (a database migrated by drizzle-orm): nothing is partial.
        if let Ok(Some((done, _, _))) = conn.progress(migration.entry.when).await {
            partial.push(Partial {
                tag: migration.entry.tag.clone(),
                done,
                total: migration.statements().len(),
            });
        }
    }
    let last_applied = migrations
        .iter()
        .rfind(|m| applied.contains_key(&m.entry.when))
        .map(|m| (m.entry.tag.clone(), applied[&m.entry.when].clone()));
    Ok(Status {
        last_available,
        last_applied,
        pending: migrations
            .iter()
            .filter(|m| !applied.contains_key(&m.entry.when))
            .map(|m| m.entry.tag.clone())
            .collect(),
        changed: migrations
            .iter()
            .filter(|m| applied.get(&m.entry.when).is_some_and(|h| h != &m.hash))
            .map(|m| m.entry.tag.clone())
            .collect(),
        uninitialized: false,
        partial,
    })
}

#[cfg(test)]
mod statement_kind_tests {
    use super::StatementKind;

    #[test]
    fn statements_are_told_apart_by_their_first_words() {
        let cases = [
            (
                "CREATE TABLE `w` (\n\t`id` int)",
                StatementKind::CreateTable,
            ),
            ("DROP TABLE `w`", StatementKind::DropTable),
            ("ALTER TABLE `g` RENAME TO `z`", StatementKind::RenameTable),
            (
                "ALTER TABLE `w` ADD COLUMN `n` int",
                StatementKind::AddColumn,
            ),
            ("ALTER TABLE `w` DROP COLUMN `n`", StatementKind::DropColumn),
            (
                "ALTER TABLE `w` RENAME COLUMN `a` TO `b`",
                StatementKind::RenameColumn,
            ),
            (
                "ALTER TABLE `w` MODIFY COLUMN `a` int",
                StatementKind::ModifyColumn,
            ),
            (
                "CREATE UNIQUE INDEX `aIndex` ON `w` (`a`)",
                StatementKind::CreateIndex,
            ),
            ("DROP INDEX `aIndex` ON `w`", StatementKind::DropIndex),
            (
                "ALTER TABLE `w` DROP INDEX `x_uq`",
                StatementKind::DropIndex,
            ),
            (
                "ALTER TABLE `w` ADD CONSTRAINT `x_uq` UNIQUE(`a`,`b`)",
                StatementKind::AddUnique,
            ),
            (
                "ALTER TABLE `g` ADD CONSTRAINT `x_fk` FOREIGN KEY (`w`) REFERENCES `w`(`id`)",
                StatementKind::AddForeignKey,
            ),
            (
                "ALTER TABLE `g` DROP FOREIGN KEY `x_fk`",
                StatementKind::DropForeignKey,
            ),
            ("UPDATE `w` SET `n` = 1", StatementKind::Update),
            ("INSERT INTO w VALUES (1)", StatementKind::Other),
        ];
        for (statement, kind) in cases {
            assert_eq!(StatementKind::of(statement), kind, "{statement}");
        }
    }
}
