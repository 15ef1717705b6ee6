//! Why a migration step failed: [`MigrateError`].

use super::*;

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
    #[error("migration {tag} left rows whose parent does not exist, breaking a foreign key: {keys}; it was rolled back")]
    ForeignKeys {
        /// The migration.
        tag: String,
        /// Rows found.
        rows: usize,
        /// The keys broken: `table.column → parent (n rows)`, comma-separated.
        keys: String,
    },
    /// A migration was partly applied (MySQL) and its applied statements changed since.
    #[error("migration {tag} was partly applied ({applied} statements) and those statements have changed since: restore them and fix only what failed")]
    PartlyApplied {
        /// The migration.
        tag: String,
        /// Statements applied.
        applied: usize,
    },
    /// `down` was asked while a migration is partly applied (MySQL): reverting the ones
    /// before it would leave its statements on a schema they were not written for.
    #[error("migration {tag} stopped part-way ({applied} statements applied): finish it with --up before reverting anything; nothing reverted")]
    StoppedPartWay {
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
    /// A run resuming after a kill cannot tell whether a DML statement took effect: the
    /// database holds a table that ignores transactions (MyISAM, Aria, MEMORY), so the
    /// statement may have committed without its progress row. Nothing is run twice.
    #[error("{tag}: cannot tell whether statement {number} ran before the last run stopped: the database has tables outside transactions (not InnoDB), so its rows may be written without its progress. Check its rows and undo what it wrote, if anything; then run `UPDATE __ving_migration_progress SET started = done WHERE created_at = {when}` and --up again, which runs it once:\n  {statement}")]
    Uncertain {
        /// The migration's tag.
        tag: String,
        /// The migration's `when` (its progress row's key).
        when: i64,
        /// The statement's number (from 1).
        number: usize,
        /// The statement.
        statement: String,
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
    /// An app's binary holds no migrations for its database's dialect
    /// ([`crate::embed::Embedded::migrate`]).
    #[error("this app was built without migrations for {dialect} (compiled in: {compiled_in}): give {dialect} a migrations folder in ving.toml ([migrations] {key} = \"…\"), run `ving generate`, and build the app again")]
    NotCompiledIn {
        /// The database's dialect (`mysql`, `postgresql`, `sqlite`).
        dialect: String,
        /// The `[migrations]` key of the dialect.
        key: String,
        /// The folders compiled in, with their dialects, or `none`.
        compiled_in: String,
    },
}

impl From<sqlx::Error> for MigrateError {
    fn from(error: sqlx::Error) -> Self {
        MigrateError::Database(Box::new(error))
    }
}

pub(super) fn file_error(path: &Path, error: impl std::fmt::Display) -> MigrateError {
    MigrateError::File {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}
