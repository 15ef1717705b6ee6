//! The table model and its DDL: snapshots of the `CREATE` statements for ving's four kinds
//! in each dialect (tier 2), and the same statements run on SQLite, MariaDB and
//! PostgreSQL, read back from each database's catalog (tier 3).

use std::path::Path;

use ving::config::Backend;
use ving::schema::{SchemaOptions, SchemaSet};
use ving::sql::{create_statements, dialect};
use ving::table::{ColumnType, ReferentialAction, TableModel};
use ving::testing::{TestDb, BACKENDS};

fn sample_model() -> TableModel {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sample-app/ving/schema/schemas");
    let schemas = SchemaSet::load(&dir, &SchemaOptions::default()).expect("sample schemas");
    TableModel::from_schemas(&schemas)
}

#[test]
fn the_model_has_vings_names_and_actions() {
    let model = sample_model();
    let users = model.table("users").expect("users");
    let names: Vec<&str> = users
        .unique_indexes
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(names, ["usernameIndex", "emailIndex"]);
    let avatar = &users.foreign_keys[0];
    assert_eq!(avatar.name, "users_avatar_39d62890_fk");
    assert_eq!(
        (avatar.column.as_str(), avatar.references_table.as_str()),
        ("avatarId", "s3files")
    );
    assert_eq!(
        (avatar.on_delete, avatar.on_update),
        (ReferentialAction::SetNull, ReferentialAction::NoAction)
    );
    let apikeys = model.table("apikeys").expect("apikeys");
    let user = &apikeys.foreign_keys[0];
    assert_eq!(
        (user.on_delete, user.on_update),
        (ReferentialAction::Cascade, ReferentialAction::Cascade)
    );
    assert_eq!(
        users.column("bio").map(|c| &c.column_type),
        Some(&ColumnType::MediumText)
    );
    // Tables come after the tables they reference, where the references allow it.
    let order: Vec<&str> = model
        .creation_order()
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        order,
        ["cronjobs", "s3files", "users", "apikeys", "ving_sessions"]
    );
    // With ving's User kind comes the sessions table: a session is deleted with its user.
    let sessions = model.table(ving::table::SESSIONS_TABLE).expect("sessions");
    assert_eq!(sessions.kind, ving::table::SESSIONS_KIND);
    let user = &sessions.foreign_keys[0];
    assert_eq!(
        (user.references_table.as_str(), user.on_delete),
        ("users", ReferentialAction::Cascade)
    );
    assert_eq!(sessions.unique_indexes[0].column, "sessionId");
}

#[test]
fn create_statements_per_dialect() {
    let model = sample_model();
    for backend in BACKENDS {
        let statements = create_statements(&model, dialect(backend));
        let name = format!("create_{}", format!("{backend:?}").to_lowercase());
        insta::assert_snapshot!(name, statements.join(";\n\n"));
    }
}

#[test]
fn mysql_columns_are_exactly_vings() {
    let statements = create_statements(&sample_model(), dialect(Backend::MySql)).join("\n");
    for expected in [
        "`id` bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY",
        "`createdAt` timestamp NOT NULL DEFAULT (now())",
        "`updatedAt` timestamp NOT NULL DEFAULT (now()) ON UPDATE CURRENT_TIMESTAMP",
        "`username` varchar(60) NOT NULL DEFAULT ''",
        "`bio` mediumtext NOT NULL",
        "`url` text NOT NULL",
        "`useAsDisplayName` enum('username','email','realName') NOT NULL DEFAULT 'username'",
        "`admin` boolean NOT NULL DEFAULT false",
        "`enabled` boolean NOT NULL DEFAULT true",
        "`sizeInBytes` int NOT NULL DEFAULT 0",
        "`params` json NOT NULL DEFAULT ('{}')",
        "`avatarId` bigint unsigned DEFAULT NULL",
        "`userId` bigint unsigned NOT NULL",
        "CREATE UNIQUE INDEX `usernameIndex` ON `users` (`username`)",
        "ALTER TABLE `users` ADD CONSTRAINT `users_avatar_39d62890_fk` FOREIGN KEY (`avatarId`) REFERENCES `s3files`(`id`) ON DELETE set null ON UPDATE no action",
    ] {
        assert!(statements.contains(expected), "missing: {expected}\n{statements}");
    }
}

/// (table, column) pairs, foreign key names and unique index names, from the catalog.
async fn introspect(test: &TestDb) -> (Vec<(String, String)>, Vec<String>, Vec<String>) {
    let db = test.db();
    let name = test.name().to_owned();
    let (columns, fks, indexes) = match test.backend() {
        Backend::MySql => (
            format!("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{name}' ORDER BY TABLE_NAME, ORDINAL_POSITION"),
            format!("SELECT CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = '{name}' ORDER BY CONSTRAINT_NAME"),
            format!("SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '{name}' AND INDEX_NAME <> 'PRIMARY' ORDER BY INDEX_NAME"),
        ),
        Backend::Postgres => (
            "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position".to_owned(),
            "SELECT conname::text FROM pg_constraint WHERE contype = 'f' ORDER BY conname".to_owned(),
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' ORDER BY indexname".to_owned(),
        ),
        Backend::Sqlite => (
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name <> 'sqlite_sequence' ORDER BY m.name, p.cid".to_owned(),
            "SELECT DISTINCT m.name || '.' || f.\"from\" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY 1".to_owned(),
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name".to_owned(),
        ),
    };
    let columns = db
        .fetch_all(&columns, Vec::new(), |row| {
            Ok((row.get_string(0)?, row.get_string(1)?))
        })
        .await
        .expect("columns");
    let fks = db
        .fetch_all(&fks, Vec::new(), |row| row.get_string(0))
        .await
        .expect("foreign keys");
    let indexes = db
        .fetch_all(&indexes, Vec::new(), |row| row.get_string(0))
        .await
        .expect("indexes");
    (columns, fks, indexes)
}

#[tokio::test]
async fn the_four_kinds_are_created_on_every_backend() {
    let model = sample_model();
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        test.db()
            .create_tables(&model)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let (columns, fks, indexes) = introspect(&test).await;
        let expected_columns: Vec<(String, String)> = {
            let mut tables: Vec<_> = model.tables.iter().collect();
            tables.sort_by(|a, b| a.name.cmp(&b.name));
            tables
                .iter()
                .flat_map(|t| t.columns.iter().map(|c| (t.name.clone(), c.name.clone())))
                .collect()
        };
        assert_eq!(columns, expected_columns, "{backend}");
        assert_eq!(fks.len(), 4, "{backend}: {fks:?}");
        if backend != Backend::Sqlite {
            assert!(
                fks.contains(&"users_avatar_39d62890_fk".to_owned()),
                "{backend}: {fks:?}"
            );
        }
        // The unique indexes, and every foreign key's column indexed under the
        // constraint's name: by InnoDB itself on MariaDB, by ving-rs on the others.
        let mut expected_indexes = vec![
            "apikeys_user_90ada4_fk",
            "s3files_user_40cb3d4d_fk",
            "users_avatar_39d62890_fk",
            "ving_sessions_user_3cd62126_fk",
        ];
        expected_indexes.extend(match backend {
            Backend::MySql => ["emailIndex", "usernameIndex", "sessionIdIndex"],
            _ => [
                "users_emailIndex",
                "users_usernameIndex",
                "ving_sessions_sessionIdIndex",
            ],
        });
        expected_indexes.sort_unstable();
        assert_eq!(indexes, expected_indexes, "{backend}");
        // Dropping works whatever the foreign keys, and leaves nothing behind.
        test.db()
            .drop_tables(&model)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert!(
            introspect(&test).await.0.is_empty(),
            "{backend}: tables left after drop"
        );
        test.cleanup().await;
    }
}

/// A uuid prop's column gives back what was written on every backend: PostgreSQL's
/// `char(36)` padded an empty string to 36 spaces, so it is a `varchar(36)` there.
#[tokio::test]
async fn a_uuid_column_reads_back_as_written() {
    let schema = "kind = \"Token\"\ntableName = \"tokens\"\nowner = [\"admin\"]\n\n[[props]]\ntype = \"string\"\nname = \"code\"\ndb = \"uuid\"\nlength = 36\ndefault = \"\"\nrequired = true\nview = []\nedit = []\n";
    let file = ving::schema::SourceFile::new("Token.toml", schema);
    let set =
        SchemaSet::from_files(&[file], &SchemaOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let model = TableModel::from_schemas(&set);
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let db = test.db();
        db.create_tables(&model).await.expect("tables");
        for code in ["", "short", "0b5c7a4e-8f40-4c32-9a51-7b7f62c2a0e1"] {
            db.execute(
                &format!(
                    "INSERT INTO tokens ({}) VALUES ({})",
                    db.dialect().quote("code"),
                    if backend == Backend::Postgres {
                        "$1"
                    } else {
                        "?"
                    }
                ),
                vec![code.into()],
            )
            .await
            .expect("insert");
        }
        let codes = db
            .fetch_all(
                &format!(
                    "SELECT {} FROM tokens ORDER BY id",
                    db.dialect().quote("code")
                ),
                Vec::new(),
                |row| row.get_string(0),
            )
            .await
            .expect("codes");
        assert_eq!(
            codes,
            ["", "short", "0b5c7a4e-8f40-4c32-9a51-7b7f62c2a0e1"],
            "{backend}"
        );
        test.cleanup().await;
    }
}
