//! Drift: does the live database have the structure its migrations describe?
//!
//! The migrations are applied to a scratch database (SQLite in memory; a temporary
//! database on the same MySQL or PostgreSQL server), then both are read through the same
//! catalog queries (information_schema, pg_catalog, sqlite_master) and compared, so that
//! only real differences show — never two spellings of one type.

use std::collections::BTreeMap;

use crate::config::{Backend, DatabaseUrl};
use crate::db::Db;

use super::{up, Folder, MigrateError};

/// (table, what, name) → description, for every column, index and foreign key.
type Catalog = BTreeMap<(String, &'static str, String), String>;

async fn catalog(db: &Db) -> Result<Catalog, MigrateError> {
    let queries: [(&'static str, &str); 3] = match db.backend() {
        Backend::MySql => [
            ("column", "SELECT TABLE_NAME, COLUMN_NAME, CONCAT_WS(' ', COLUMN_TYPE, IF(IS_NULLABLE = 'NO', 'NOT NULL', 'NULL'), CONCAT('DEFAULT ', COLUMN_DEFAULT), EXTRA) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE '\\_\\_%'"),
            ("index", "SELECT TABLE_NAME, INDEX_NAME, CONCAT(IF(NON_UNIQUE = 0, 'unique ', ''), '(', GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX), ')') FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE '\\_\\_%' GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE"),
            ("foreign key", "SELECT TABLE_NAME, CONSTRAINT_NAME, CONCAT('to ', REFERENCED_TABLE_NAME, ' on delete ', DELETE_RULE, ' on update ', UPDATE_RULE) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"),
        ],
        Backend::Postgres => [
            ("column", "SELECT table_name::text, column_name::text, concat_ws(' ', data_type, '(' || character_maximum_length || ')', CASE WHEN is_nullable = 'NO' THEN 'NOT NULL' ELSE 'NULL' END, 'DEFAULT ' || column_default) FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '\\_\\_%'"),
            ("index", "SELECT tablename::text, indexname::text, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE '\\_\\_%'"),
            ("constraint", "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype IN ('f', 'c', 'u')"),
        ],
        Backend::Sqlite => [
            ("column", "SELECT m.name, p.name, p.type || CASE WHEN p.\"notnull\" THEN ' NOT NULL' ELSE ' NULL' END || ifnull(' DEFAULT ' || p.dflt_value, '') || CASE WHEN p.pk THEN ' PRIMARY KEY' ELSE '' END FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE '\\_\\_%' ESCAPE '\\' AND m.name <> 'sqlite_sequence'"),
            ("index", "SELECT m.name, i.name, CASE WHEN i.\"unique\" THEN 'unique (' ELSE '(' END || (SELECT group_concat(name) FROM pragma_index_info(i.name)) || ')' FROM sqlite_master m JOIN pragma_index_list(m.name) i WHERE m.type = 'table' AND i.origin = 'c'"),
            ("foreign key", "SELECT m.name, f.\"from\", 'to ' || f.\"table\" || '(' || f.\"to\" || ') on delete ' || f.on_delete || ' on update ' || f.on_update FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'"),
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
    Ok(catalog)
}

/// The differences between the live database and the structure its migrations give, in
/// plain words; empty when there is no drift.
pub async fn check(
    db: &Db,
    url: &DatabaseUrl,
    folder: &Folder,
) -> Result<Vec<String>, MigrateError> {
    let scratch_name = format!("ving_check_{}", std::process::id());
    let (scratch, drop) = match db.backend() {
        Backend::Sqlite => (
            DatabaseUrl::parse("sqlite::memory:").map_err(crate::db::DbError::from)?,
            None,
        ),
        backend => {
            let quote = if backend == Backend::MySql { '`' } else { '"' };
            db.execute_script(&format!("CREATE DATABASE {quote}{scratch_name}{quote}"))
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
        let reference = Db::connect(&scratch, std::path::Path::new(".")).await?;
        let applied = up(&reference, folder).await;
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
