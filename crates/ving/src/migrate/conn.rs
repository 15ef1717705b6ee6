//! The connection a run holds (locks are per connection), the progress rows MySQL runs keep,
//! and the kinds of statement a MySQL migration holds.

use super::*;

/// One connection, held for the whole run (locks are per connection).
pub(super) enum Conn {
    #[cfg(feature = "mysql")]
    MySql(PoolConnection<sqlx::MySql>),
    #[cfg(feature = "postgres")]
    Postgres(PoolConnection<sqlx::Postgres>),
    #[cfg(feature = "sqlite")]
    Sqlite(PoolConnection<sqlx::Sqlite>),
}

impl Conn {
    pub(super) async fn acquire(db: &Db) -> Result<Conn, MigrateError> {
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
    pub(super) fn mysql(&mut self) -> Option<&mut galera::MySqlConnection> {
        match self {
            #[cfg(feature = "mysql")]
            Conn::MySql(c) => Some(&mut **c),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Whether the database has the table recording applied migrations.
    pub(super) async fn applied_if_any(
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
    pub(super) async fn progress_run(
        &mut self,
        when: i64,
    ) -> Result<Option<Option<String>>, sqlx::Error> {
        let Some(c) = self.mysql() else {
            return Ok(None);
        };
        let sql = format!("SELECT run FROM {PROGRESS_TABLE} WHERE created_at = {when}");
        galera::progress_run(c, &sql).await
    }

    pub(super) async fn run(&mut self, sql: &str) -> Result<(), sqlx::Error> {
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
    pub(super) async fn applied(
        &mut self,
        table: &str,
    ) -> Result<BTreeMap<i64, String>, sqlx::Error> {
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
    pub(super) async fn progress(
        &mut self,
        when: i64,
    ) -> Result<Option<(usize, String, usize)>, sqlx::Error> {
        let Some(c) = self.mysql() else {
            return Ok(None);
        };
        let sql =
            format!("SELECT done, prefix, started FROM {PROGRESS_TABLE} WHERE created_at = {when}");
        galera::progress(c, &sql).await
    }

    pub(super) async fn set_progress(
        &mut self,
        when: i64,
        done: usize,
        prefix: &str,
        started: usize,
    ) -> Result<(), sqlx::Error> {
        self.run(&progress_row(when, done, prefix, started, None))
            .await
    }

    /// Whether the database holds a table whose engine does not take part in transactions
    /// (MyISAM, Aria, MEMORY…): DML on it commits at once, whatever transaction it is in.
    pub(super) async fn has_non_transactional_tables(&mut self) -> Result<bool, sqlx::Error> {
        #[cfg(feature = "mysql")]
        if let Some(c) = self.mysql() {
            let found: Option<String> = sqlx::query_scalar(
                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND ENGINE <> 'InnoDB' LIMIT 1",
            )
            .fetch_optional(c)
            .await?;
            return Ok(found.is_some());
        }
        Ok(false)
    }

    /// The foreign keys rows break, each as `table.column → parent` with its count of
    /// rows (SQLite's `PRAGMA foreign_key_check`; none elsewhere, where the database
    /// refuses the statement that would break one).
    pub(super) async fn foreign_key_violations(
        &mut self,
    ) -> Result<Vec<(String, usize)>, sqlx::Error> {
        match self {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(c) => {
                let rows = sqlx::query(
                    "SELECT c.\"table\", c.parent, group_concat(k.\"from\", ', '), count(*) \
                     FROM pragma_foreign_key_check() c \
                     LEFT JOIN pragma_foreign_key_list(c.\"table\") k ON k.id = c.fkid \
                     GROUP BY c.\"table\", c.parent, c.fkid ORDER BY 1, 2",
                )
                .fetch_all(&mut **c)
                .await?;
                let mut broken = Vec::with_capacity(rows.len());
                for row in rows {
                    let table: String = row.try_get(0)?;
                    let parent: String = row.try_get(1)?;
                    let column: Option<String> = row.try_get(2)?;
                    let count: i64 = row.try_get(3)?;
                    let column = column.unwrap_or_else(|| "?".to_owned());
                    broken.push((
                        format!("{table}.{column} → {parent}"),
                        usize::try_from(count).unwrap_or(usize::MAX),
                    ));
                }
                Ok(broken)
            }
            #[allow(unreachable_patterns)]
            _ => Ok(Vec::new()),
        }
    }

    pub(super) async fn record(
        &mut self,
        table: &str,
        migration: &Migration,
    ) -> Result<(), sqlx::Error> {
        let sql = format!(
            "INSERT INTO {table} (hash, created_at) VALUES ('{}', {})",
            migration.hash, migration.entry.when
        );
        self.run(&sql).await
    }

    pub(super) async fn close(self) {
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
pub(super) const PROGRESS_TABLE: &str = "__ving_migration_progress";

/// The kinds of statement ving's MySQL migrations hold, told apart by their first words
/// (the runner reads migration files, which may be hand-edited, so it reads SQL text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StatementKind {
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
    /// `INSERT`, `UPDATE`, `DELETE`, `REPLACE`: rows, not structure. Run in one
    /// transaction with its progress row, so it is applied once or not at all.
    Dml,
    Other,
}

impl StatementKind {
    pub(super) fn of(statement: &str) -> StatementKind {
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
        } else if ["INSERT", "UPDATE", "DELETE", "REPLACE"]
            .iter()
            .any(|verb| starts(&[verb]))
        {
            StatementKind::Dml
        } else {
            StatementKind::Other
        }
    }

    /// The MySQL/MariaDB errors that, on a rerun of a statement of this kind, say its work
    /// is already there (the table, column, key or foreign key exists, or what it drops or
    /// renames is gone). `MODIFY COLUMN` can be run twice and needs none; DML commits with
    /// its progress row, so it is never uncertain; an unknown statement gets none (never
    /// assumed done).
    pub(super) fn already_done_errors(self) -> &'static [u16] {
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
            StatementKind::ModifyColumn | StatementKind::Dml | StatementKind::Other => &[],
        }
    }
}

/// Whether a MySQL error says the work of `statement` is already there.
pub(super) fn applied_before(statement: &str, error: &sqlx::Error) -> bool {
    let kind = StatementKind::of(statement);
    galera::mysql_error(error).is_some_and(|(number, message)| {
        kind.already_done_errors().contains(&number)
            && (number != 1005 || message.contains("errno: 121"))
    })
}

/// sha256 of the first `count` statements.
pub(super) fn prefix_hash(statements: &[&str], count: usize) -> String {
    hash(&statements[..count.min(statements.len())].join("\n"))
}

/// The table drizzle records applied migrations in, for a backend.
pub fn migrations_table(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "\"drizzle\".\"__drizzle_migrations\"",
        _ => "__drizzle_migrations",
    }
}

pub(super) fn create_migrations_table(backend: Backend) -> &'static str {
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

/// The statement that records how far a MySQL migration got (tagged with a Galera run).
pub(super) fn progress_row(
    when: i64,
    done: usize,
    prefix: &str,
    started: usize,
    run: Option<&str>,
) -> String {
    match run {
        Some(run) => format!(
            "REPLACE INTO {PROGRESS_TABLE} (created_at, done, prefix, started, run) VALUES ({when}, {done}, '{prefix}', {started}, '{run}')"
        ),
        None => format!(
            "REPLACE INTO {PROGRESS_TABLE} (created_at, done, prefix, started) VALUES ({when}, {done}, '{prefix}', {started})"
        ),
    }
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
            ("UPDATE `w` SET `n` = 1", StatementKind::Dml),
            ("insert into `w` select * from `v`", StatementKind::Dml),
            ("DELETE FROM `w`", StatementKind::Dml),
            ("INSERT INTO w VALUES (1)", StatementKind::Dml),
        ];
        for (statement, kind) in cases {
            assert_eq!(StatementKind::of(statement), kind, "{statement}");
        }
    }
}
