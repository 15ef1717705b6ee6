//! Reverting and checking: downs and their checks, progress rows, drift reports, triggers and constraint names.

use super::*;

/// A down migration that would drop data refuses to run unless forced.
#[tokio::test]
async fn destructive_downs_need_force() {
    let test = TestDb::fresh(Backend::Sqlite).await.expect("sqlite");
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = Folder::new(dir.path());
    migrate_to(test.db(), &folder, &schemas(&[widget("")])).await;
    let count = "\n[[props]]\ntype = \"int\"\nname = \"count\"\nrequired = true\ndefault = 0\n";
    migrate_to(test.db(), &folder, &schemas(&[widget(count)])).await;
    let error = migrate::down(test.db(), &folder, 1, false)
        .await
        .expect_err("destructive");
    let text = error.to_string();
    assert!(
        text.contains("drops column widgets.count") && text.contains("--force"),
        "{text}"
    );
    assert!(
        test.db()
            .execute_script("SELECT count FROM widgets")
            .await
            .is_ok(),
        "nothing reverted"
    );
    let reverted = migrate::down(test.db(), &folder, 1, true)
        .await
        .expect("forced");
    assert_eq!(reverted.len(), 1);
    assert!(
        test.db()
            .execute_script("SELECT count FROM widgets")
            .await
            .is_err(),
        "reverted"
    );
    let status = migrate::status(test.db(), &folder).await.expect("status");
    assert_eq!(
        status.pending.len(),
        1,
        "the reverted migration is pending again"
    );
    migrate::up(test.db(), &folder).await.expect("up again");
    test.cleanup().await;
}

/// `down(N)` checks every step of the request before the first one runs: when the
/// second of two is destructive, nothing is reverted, and the message names it.
#[tokio::test]
async fn down_checks_every_step_before_reverting_any() {
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Folder::new(dir.path());
        let count = "\n[[props]]\ntype = \"int\"\nname = \"count\"\nrequired = true\ndefault = 0\n";
        migrate_to(test.db(), &folder, &schemas(&[widget("")])).await;
        // Reverting this one drops the column: destructive.
        migrate_to(test.db(), &folder, &schemas(&[widget(count)])).await;
        // Reverting this one adds the column back: not destructive.
        migrate_to(test.db(), &folder, &schemas(&[widget("")])).await;
        let tags: Vec<String> = folder
            .migrations(test.db().dialect())
            .expect("migrations")
            .into_iter()
            .map(|m| m.entry.tag)
            .collect();
        let error = migrate::down(test.db(), &folder, 2, false)
            .await
            .expect_err("the second step is destructive");
        let text = error.to_string();
        assert!(
            text.contains(&format!("reverting {} cannot keep all data", tags[1]))
                && text.contains("drops column widgets.count")
                && text.contains("nothing was reverted")
                && text.contains(&format!("--down 1 to revert only {}", tags[2])),
            "{backend}: {text}"
        );
        let status = migrate::status(test.db(), &folder).await.expect("status");
        assert!(
            status.pending.is_empty(),
            "{backend}: the first step ran anyway: {status:?}"
        );
        assert!(
            test.db()
                .execute_script("SELECT count FROM widgets")
                .await
                .is_err(),
            "{backend}: the newest migration was reverted"
        );
        let preview = migrate::down_preview(test.db(), &folder, 2)
            .await
            .expect("preview");
        assert!(migrate::refuse_destructive(&preview).is_err());
        let reverted = migrate::down(test.db(), &folder, 2, true)
            .await
            .expect("forced");
        assert_eq!(reverted.len(), 2, "{backend}");
        test.cleanup().await;
    }
}

/// A migration without a down file (drizzle-kit writes none) cannot be reverted: the
/// error names it, says where the file goes and how to write it; nothing is reverted.
#[tokio::test]
async fn down_without_a_down_file_says_how_to_write_one() {
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Folder::new(dir.path());
        migrate_to(test.db(), &folder, &schemas(&[widget("")])).await;
        let tag = folder
            .journal(test.db().dialect())
            .expect("journal")
            .entries[0]
            .tag
            .clone();
        let path = dir.path().join(format!("{tag}.down.sql"));
        std::fs::remove_file(&path).expect("remove the down file");
        let error = migrate::down(test.db(), &folder, 1, true)
            .await
            .expect_err("no down file");
        let text = error.to_string();
        assert!(
            text.starts_with(&format!(
                "migration {tag} has no down file: {} does not exist",
                path.display()
            )) && text.contains("--> statement-breakpoint")
                && !text.contains("os error"),
            "{backend}: {text}"
        );
        assert!(
            migrate::status(test.db(), &folder)
                .await
                .expect("status")
                .pending
                .is_empty(),
            "{backend}"
        );
        test.cleanup().await;
    }
}

/// MariaDB: `--down` clears the progress row of what it reverts. A run killed between
/// recording a migration and deleting its progress row (now one transaction) left a row
/// saying "all done"; after `--down`, the next `--up` skipped every statement and recorded
/// the migration as applied without changing the structure.
#[tokio::test]
async fn down_clears_mariadb_progress_rows() {
    let Some(test) = TestDb::fresh_or_skip(Backend::MySql).await else {
        return;
    };
    let db = test.db();
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = Folder::new(dir.path());
    let count = "\n[[props]]\ntype = \"int\"\nname = \"count\"\nrequired = true\ndefault = 0\n";
    migrate_to(db, &folder, &schemas(&[widget("")])).await;
    migrate_to(db, &folder, &schemas(&[widget(count)])).await;
    let migrations = folder.migrations(db.dialect()).expect("migrations");
    let second = &migrations[1];
    let statements = second.statements();
    // What a kill between the record and the progress row's deletion left behind.
    db.execute_script(&format!(
        "INSERT INTO __ving_migration_progress (created_at, done, prefix, started) VALUES ({}, {n}, '{}', {n})",
        second.entry.when,
        migrate::hash(&statements.join("\n")),
        n = statements.len()
    ))
    .await
    .expect("progress row");
    migrate::down(db, &folder, 1, true).await.expect("down");
    assert!(db
        .execute_script("SELECT count FROM widgets")
        .await
        .is_err());
    let applied = migrate::up(db, &folder).await.expect("up again");
    assert_eq!(applied.len(), 1);
    db.execute_script("SELECT count FROM widgets")
        .await
        .expect("the migration's statements ran again");
    let left = db
        .fetch_all(
            "SELECT CAST(COUNT(*) AS SIGNED) FROM __ving_migration_progress",
            Vec::new(),
            |row| row.get_i64(0),
        )
        .await
        .expect("progress rows");
    assert_eq!(left, [0]);
    test.cleanup().await;
}

/// `--check` reads the live catalog and reports what differs from the migrations.
#[tokio::test]
async fn check_reports_drift_in_plain_words() {
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Folder::new(dir.path());
        migrate_to(test.db(), &folder, &schemas(&[widget(""), gadget("")])).await;
        let url = ving::config::DatabaseUrl::parse(test.url()).expect("url");
        // A scratch database a killed check left over an hour ago is dropped by the next
        // check; one of a check running now is not.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_secs();
        let (stale, recent) = (
            format!("ving_check_1000_{}", test.name()),
            format!("ving_check_{now}_{}", test.name()),
        );
        let quote = if backend == Backend::MySql { '`' } else { '"' };
        let db = test.db();
        let exists = |name: &str| {
            let sql = match backend {
                Backend::MySql => format!("SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{name}'"),
                _ => format!("SELECT COUNT(*) FROM pg_database WHERE datname = '{name}'"),
            };
            async move {
                db.fetch_all(&sql, Vec::new(), |row| row.get_i64(0))
                    .await
                    .expect("count")[0]
                    == 1
            }
        };
        if backend != Backend::Sqlite {
            for name in [&stale, &recent] {
                test.db()
                    .execute_script(&format!("CREATE DATABASE {quote}{name}{quote}"))
                    .await
                    .expect("a scratch database");
            }
        }
        let drift = migrate::check(test.db(), &url, &folder)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert!(drift.is_empty(), "{backend}: {drift:#?}");
        if backend != Backend::Sqlite {
            assert!(!exists(&stale).await, "{backend}: the stale one dropped");
            assert!(exists(&recent).await, "{backend}: the recent one kept");
            test.db()
                .execute_script(&format!("DROP DATABASE {quote}{recent}{quote}"))
                .await
                .expect("drop");
        }
        // A prepared migration not yet applied is pending, not drift: the database is
        // compared with what it has applied.
        let count = "\n[[props]]\ntype = \"int\"\nname = \"count\"\nrequired = true\ndefault = 0\n";
        let next = schemas(&[widget(count), gadget("")]);
        migrate::prepare(
            &folder,
            &TableModel::from_schemas(&next),
            &Renames::from_schemas(&next),
            test.db().dialect(),
            &options(),
        )
        .unwrap_or_else(|e| panic!("prepare: {e}"));
        let drift = migrate::check(test.db(), &url, &folder)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert!(
            drift.is_empty(),
            "{backend}: pending is not drift: {drift:#?}"
        );
        test.db()
            .execute_script("ALTER TABLE widgets ADD COLUMN sneaky int")
            .await
            .expect("drift");
        let drift = migrate::check(test.db(), &url, &folder)
            .await
            .expect("check");
        assert_eq!(drift.len(), 1, "{backend}: {drift:#?}");
        assert!(
            drift[0]
                .starts_with("column widgets.sneaky is in the database but not in the migrations"),
            "{backend}: {drift:?}"
        );
        test.cleanup().await;
    }
}

/// `--check` compares triggers (the `updatedAt` trigger of PostgreSQL and SQLite) and
/// constraint names; a SQLite rebuild gives constraints the table's names, not the
/// `__new_` copy's.
#[tokio::test]
async fn check_sees_triggers_and_rebuilds_keep_constraint_names() {
    let unique_note = "\n[[props]]\ntype = \"string\"\nname = \"note\"\nrequired = false\nlength = 200\ndefault = \"\"\nunique = true\n";
    let qualified_note = "\n[[props]]\ntype = \"string\"\nname = \"note\"\nrequired = false\nlength = 200\ndefault = \"\"\nunique = true\nuniqueQualifiers = [\"label\"]\n";
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Folder::new(dir.path());
        migrate_to(
            test.db(),
            &folder,
            &schemas(&[widget(unique_note), gadget("")]),
        )
        .await;
        migrate_to(
            test.db(),
            &folder,
            &schemas(&[widget(qualified_note), gadget("")]),
        )
        .await;
        let url = ving::config::DatabaseUrl::parse(test.url()).expect("url");
        let drift = migrate::check(test.db(), &url, &folder)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert!(drift.is_empty(), "{backend}: {drift:#?}");
        if backend == Backend::Sqlite {
            let tables = test
                .db()
                .fetch_all(
                    "SELECT sql FROM sqlite_master WHERE name = 'widgets'",
                    Vec::new(),
                    |row| row.get_string(0),
                )
                .await
                .expect("sqlite_master");
            assert!(
                tables[0].contains("CONSTRAINT \"widgets_note_label_")
                    && !tables[0].contains("__new_"),
                "{}",
                tables[0]
            );
        }
        let drop = match backend {
            Backend::Postgres => "DROP TRIGGER \"widgets_updatedAt_on_update\" ON widgets",
            _ => "DROP TRIGGER \"widgets_updatedAt_on_update\"",
        };
        test.db().execute_script(drop).await.expect("drop trigger");
        let drift = migrate::check(test.db(), &url, &folder)
            .await
            .expect("check");
        assert_eq!(drift.len(), 1, "{backend}: {drift:#?}");
        assert!(
            drift[0].starts_with(
                "trigger widgets.widgets_updatedAt_on_update is missing from the database"
            ),
            "{backend}: {drift:?}"
        );
        test.cleanup().await;
    }
}

/// PostgreSQL: dropping a table drops its `updatedAt` trigger function too (the trigger
/// goes with the table, the function would stay behind).
#[tokio::test]
async fn postgres_drops_the_trigger_functions_of_a_dropped_table() {
    let Some(test) = TestDb::fresh_or_skip(Backend::Postgres).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = Folder::new(dir.path());
    let functions = || async {
        test.db()
            .fetch_all(
                "SELECT proname::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1",
                Vec::new(),
                |row| row.get_string(0),
            )
            .await
            .expect("pg_proc")
    };
    migrate_to(test.db(), &folder, &schemas(&[widget(""), gadget("")])).await;
    assert_eq!(
        functions().await,
        ["gadgets_updatedAt_on_update", "widgets_updatedAt_on_update"]
    );
    migrate_to(test.db(), &folder, &schemas(&[widget("")])).await;
    assert_eq!(functions().await, ["widgets_updatedAt_on_update"]);
    migrate::down(test.db(), &folder, 1, true)
        .await
        .expect("down");
    assert_eq!(functions().await.len(), 2, "--down brings it back");
    test.cleanup().await;
}
