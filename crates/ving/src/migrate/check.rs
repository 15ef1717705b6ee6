//! Drift: does the live database have the structure its migrations describe?
//!
//! The migrations are applied to a scratch database (SQLite in memory; a temporary
//! database on the same MySQL or PostgreSQL server), then both are read through the same
//! catalog queries (information_schema, pg_catalog, sqlite_master) and compared, so that
//! only real differences show — never two spellings of one type.

use std::collections::BTreeMap;

use crate::config::{Backend, DatabaseUrl};
use crate::db::Db;

use super::apply::up_these;
use super::{refuse_read_only, status, Folder, MigrateError, Migration};

/// (table, what, name) → description, for every column, index and foreign key.
type Catalog = BTreeMap<(String, &'static str, String), String>;

async fn catalog(db: &Db) -> Result<Catalog, MigrateError> {
    let queries: Vec<(&'static str, &str)> = match db.backend() {
        Backend::MySql => vec![
            ("column", "SELECT TABLE_NAME, COLUMN_NAME, CONCAT_WS(' ', COLUMN_TYPE, IF(IS_NULLABLE = 'NO', 'NOT NULL', 'NULL'), CONCAT('DEFAULT ', COLUMN_DEFAULT), EXTRA) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE '\\_\\_%'"),
            ("index", "SELECT TABLE_NAME, INDEX_NAME, CONCAT(IF(NON_UNIQUE = 0, 'unique ', ''), '(', GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX), ')') FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE '\\_\\_%' GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE"),
            ("foreign key", "SELECT TABLE_NAME, CONSTRAINT_NAME, CONCAT('to ', REFERENCED_TABLE_NAME, ' on delete ', DELETE_RULE, ' on update ', UPDATE_RULE) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"),
        ],
        Backend::Postgres => vec![
            ("column", "SELECT table_name::text, column_name::text, concat_ws(' ', data_type, '(' || character_maximum_length || ')', CASE WHEN is_nullable = 'NO' THEN 'NOT NULL' ELSE 'NULL' END, 'DEFAULT ' || column_default) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_\\_%'"),
            ("index", "SELECT tablename::text, indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename NOT LIKE '\\_\\_%'"),
            ("constraint", "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = current_schema()::regnamespace AND contype IN ('f', 'c', 'u')"),
            ("trigger", "SELECT event_object_table::text, trigger_name::text, concat_ws(' ', action_timing, string_agg(event_manipulation, ' OR ' ORDER BY event_manipulation), action_statement) FROM information_schema.triggers WHERE trigger_schema = current_schema() GROUP BY event_object_table, trigger_name, action_timing, action_statement"),
            ("function", "SELECT 'public', p.proname::text, pg_get_function_result(p.oid) FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace AND p.prorettype = 'trigger'::regtype AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"),
        ],
        Backend::Sqlite => vec![
            ("column", "SELECT m.name, p.name, p.type || CASE WHEN p.\"notnull\" THEN ' NOT NULL' ELSE ' NULL' END || ifnull(' DEFAULT ' || p.dflt_value, '') || CASE WHEN p.pk THEN ' PRIMARY KEY' ELSE '' END FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE '\\_\\_%' ESCAPE '\\' AND m.name <> 'sqlite_sequence'"),
            ("index", "SELECT m.name, i.name, CASE WHEN i.\"unique\" THEN 'unique (' ELSE '(' END || (SELECT group_concat(name) FROM pragma_index_info(i.name)) || ')' FROM sqlite_master m JOIN pragma_index_list(m.name) i WHERE m.type = 'table' AND i.origin = 'c'"),
            ("foreign key", "SELECT m.name, f.\"from\", 'to ' || f.\"table\" || '(' || f.\"to\" || ') on delete ' || f.on_delete || ' on update ' || f.on_update FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'"),
            ("trigger", "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger'"),
        ],
    };
    let mut catalog = Catalog::new();
    for (what, sql) in queries {
        let rows = db
            .fetch_all(sql, Vec::new(), |row| {
                Ok((row.get_string(0)?, row.get_string(1)?, row.get_string(2)?))
            })
            .await?;
        for (table, name, description) in rows {
            catalog.insert((table, what, name), description);
        }
    }
    if db.backend() == Backend::Sqlite {
        // SQLite keeps constraint names only in the text of CREATE TABLE.
        let tables = db
            .fetch_all(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_\\_%' ESCAPE '\\' AND name <> 'sqlite_sequence'",
                Vec::new(),
                |row| Ok((row.get_string(0)?, row.get_string(1)?)),
            )
            .await?;
        for (table, sql) in tables {
            for (name, definition) in sqlite_constraints(&sql) {
                catalog.insert((table.clone(), "constraint", name), definition);
            }
        }
    }
    Ok(catalog)
}

/// The differences between the live database and the structure its applied migrations
/// give, in plain words; empty when there is no drift. Pending migrations are not drift:
/// the database is compared with the migrations it has recorded as applied ([`status`]
/// says what is pending).
///
/// [`status`]: super::status
pub async fn check(
    db: &Db,
    url: &DatabaseUrl,
    folder: &Folder,
) -> Result<Vec<String>, MigrateError> {
    // A standby takes no scratch database: refused before anything is written.
    refuse_read_only(db).await?;
    // Unique per run, not only per process: checks may run side by side. The time it is
    // made is in its name, so that one left by a killed run is dropped by a later one.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let scratch_name = format!("ving_check_{now}_{}", uuid::Uuid::new_v4().simple());
    if db.backend() != Backend::Sqlite {
        drop_stale_scratch(db, now).await;
    }
    let (scratch, drop) = match db.backend() {
        Backend::Sqlite => (
            DatabaseUrl::parse("sqlite::memory:").map_err(crate::db::DbError::from)?,
            None,
        ),
        backend => {
            let quote = if backend == Backend::MySql { '`' } else { '"' };
            // On MySQL/MariaDB the scratch database takes the live one's character set
            // and collation, not the server's default (a latin1 server's would be refused
            // when the scratch database is opened, as the live one would be).
            let like_live = match backend {
                Backend::MySql => {
                    let set = db
                        .fetch_all(
                            "SELECT @@character_set_database, @@collation_database",
                            Vec::new(),
                            |row| Ok((row.get_string(0)?, row.get_string(1)?)),
                        )
                        .await?;
                    set.first()
                        .filter(|(charset, collation)| plain(charset) && plain(collation))
                        .map(|(charset, collation)| {
                            format!(" CHARACTER SET {charset} COLLATE {collation}")
                        })
                        .unwrap_or_default()
                }
                _ => String::new(),
            };
            db.execute_script(&format!(
                "CREATE DATABASE {quote}{scratch_name}{quote}{like_live}"
            ))
            .await?;
            let mut parsed = url::Url::parse(url.driver_url())
                .map_err(|e| crate::db::DbError::Invalid(e.to_string()))?;
            parsed.set_path(&format!("/{scratch_name}"));
            let drop = format!("DROP DATABASE IF EXISTS {quote}{scratch_name}{quote}");
            (
                DatabaseUrl::parse(parsed.as_str()).map_err(crate::db::DbError::from)?,
                Some(drop),
            )
        }
    };
    let result = async {
        let applied: Vec<Migration> = {
            let status = status(db, folder).await?;
            let mut migrations = folder.migrations(db.dialect())?;
            migrations.retain(|m| !status.pending.contains(&m.entry.tag));
            migrations
        };
        let reference = Db::connect(&scratch, std::path::Path::new(".")).await?;
        let applied =
            up_these(&reference, &applied, &mut super::RunOptions::new(&mut |_| {})).await;
        let expected = catalog(&reference).await;
        reference.close().await;
        applied?;
        let expected = expected?;
        let live = catalog(db).await?;
        let mut drift = Vec::new();
        for (key, want) in &expected {
            let (table, what, name) = key;
            match live.get(key) {
                None => drift.push(format!("{what} {table}.{name} is missing from the database (the migrations have: {want})")),
                Some(have) if have != want => {
                    drift.push(format!("{what} {table}.{name} differs: the database has {have}, the migrations give {want}"))
                }
                Some(_) => {}
            }
        }
        for (key, have) in &live {
            if !expected.contains_key(key) {
                let (table, what, name) = key;
                drift.push(format!("{what} {table}.{name} is in the database but not in the migrations ({have})"));
            }
        }
        Ok(drift)
    }
    .await;
    if let Some(drop) = drop {
        let _ = db.execute_script(&drop).await;
    }
    result
}

/// Whether `text` is a name that may be written into SQL unquoted or between quotes
/// (letters, digits and `_`; a name the server gave).
fn plain(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// How old a scratch database of `--check` must be to be taken for one a killed run left
/// (no check takes this long).
const STALE_SCRATCH_SECONDS: u64 = 60 * 60;

/// Drops the scratch databases of checks made over an hour before `now` (a run killed
/// before its own drop); what cannot be listed or dropped is left.
async fn drop_stale_scratch(db: &Db, now: u64) {
    let (list, quote) = match db.backend() {
        Backend::MySql => (
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'ving\\_check\\_%'",
            '`',
        ),
        _ => (
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'ving\\_check\\_%'",
            '"',
        ),
    };
    let Ok(names) = db
        .fetch_all(list, Vec::new(), |row| row.get_string(0))
        .await
    else {
        return;
    };
    for name in names {
        let made = (name.strip_prefix("ving_check_"))
            .and_then(|rest| rest.split_once('_'))
            .and_then(|(secs, _)| secs.parse::<u64>().ok());
        if made.is_some_and(|made| made + STALE_SCRATCH_SECONDS < now) && plain(&name) {
            let drop = format!("DROP DATABASE IF EXISTS {quote}{name}{quote}");
            if let Err(error) = db.execute_script(&drop).await {
                tracing::warn!(%error, database = %name, "a stale scratch database of --check was not dropped");
            }
        }
    }
}

/// The named constraints of a SQLite `CREATE TABLE` text: name → what follows it up to
/// the next top-level comma.
fn sqlite_constraints(sql: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = sql;
    while let Some(at) = find_keyword(rest, "CONSTRAINT") {
        rest = rest[at + "CONSTRAINT".len()..].trim_start();
        let (name, after) = match rest.strip_prefix('"') {
            Some(quoted) => match quoted.find('"') {
                Some(end) => (quoted[..end].to_owned(), &quoted[end + 1..]),
                None => break,
            },
            None => {
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '(')
                    .unwrap_or(rest.len());
                (rest[..end].trim_matches('`').to_owned(), &rest[end..])
            }
        };
        let mut depth = 0usize;
        let end = after
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' if depth == 0 => return true,
                    ')' => depth -= 1,
                    ',' if depth == 0 => return true,
                    _ => {}
                }
                false
            })
            .map_or(after.len(), |(i, _)| i);
        found.push((name, after[..end].trim().to_owned()));
        rest = &after[end..];
    }
    found
}

/// Where `keyword` starts as a whole word in `text` (ASCII case-insensitive).
fn find_keyword(text: &str, keyword: &str) -> Option<usize> {
    let upper = text.to_ascii_uppercase();
    let mut from = 0;
    while let Some(found) = upper[from..].find(keyword) {
        let at = from + found;
        let before = upper[..at].chars().next_back();
        let after = upper[at + keyword.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if !word(before) && !word(after) {
            return Some(at);
        }
        from = at + keyword.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::sqlite_constraints;

    #[test]
    fn sqlite_constraint_names_are_read_from_create_table() {
        let sql = "CREATE TABLE \"widgets\" (\n\t\"id\" integer PRIMARY KEY,\n\t\"note\" text CHECK (\"note\" IN ('a','b')),\n\tCONSTRAINT \"widgets_note_uq\" UNIQUE(\"note\",\"label\"),\n\tCONSTRAINT \"w_fk\" FOREIGN KEY (\"x\") REFERENCES \"s\"(\"id\") ON DELETE cascade\n)";
        assert_eq!(
            sqlite_constraints(sql),
            [
                (
                    "widgets_note_uq".to_owned(),
                    "UNIQUE(\"note\",\"label\")".to_owned()
                ),
                (
                    "w_fk".to_owned(),
                    "FOREIGN KEY (\"x\") REFERENCES \"s\"(\"id\") ON DELETE cascade".to_owned()
                ),
            ]
        );
    }
}
