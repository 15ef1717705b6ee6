//! Applying migrations: A then B equals B, idempotent runs, failures and resumes, the lock, drizzle-kit's folders continued.

use super::*;

#[tokio::test]
async fn migrating_a_then_b_equals_creating_b() {
    for backend in BACKENDS {
        for (case, a, b) in cases() {
            let (Some(stepwise), Some(direct)) = (
                TestDb::fresh_or_skip(backend).await,
                TestDb::fresh_or_skip(backend).await,
            ) else {
                break;
            };
            let dir = tempfile::tempdir().expect("temp dir");
            let folder = Folder::new(dir.path().join("stepwise"));
            migrate_to(stepwise.db(), &folder, &a).await;
            let a_structure = structure(&stepwise).await;
            seed(stepwise.db()).await;
            migrate_to(stepwise.db(), &folder, &b).await;
            let direct_folder = Folder::new(dir.path().join("direct"));
            migrate_to(direct.db(), &direct_folder, &b).await;
            let (got, want) = (structure(&stepwise).await, structure(&direct).await);
            let missing: Vec<_> = want.difference(&got).collect();
            let extra: Vec<_> = got.difference(&want).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{backend}, {case}:\n  missing {missing:#?}\n  extra {extra:#?}"
            );
            assert_eq!(
                labels(stepwise.db()).await,
                ["kept"],
                "{backend}, {case}: widget rows survive, their values too"
            );
            let again = migrate::prepare(
                &folder,
                &TableModel::from_schemas(&b),
                &renames(&b),
                stepwise.db().dialect(),
                &options(),
            )
            .expect("prepare");
            assert_eq!(again, Prepared::NothingToDo, "{backend}, {case}");
            // And --down returns to A's structure.
            let reverted = migrate::down(stepwise.db(), &folder, 1, true)
                .await
                .unwrap_or_else(|e| panic!("{backend}, {case}: down: {e}"));
            assert_eq!(reverted.len(), 1);
            assert_eq!(
                labels(stepwise.db()).await,
                ["kept"],
                "{backend}, {case}, down"
            );
            let back = structure(&stepwise).await;
            let missing: Vec<_> = a_structure.difference(&back).collect();
            let extra: Vec<_> = back.difference(&a_structure).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{backend}, {case}, down:\n  missing {missing:#?}\n  extra {extra:#?}"
            );
            stepwise.cleanup().await;
            direct.cleanup().await;
        }
    }
}

#[tokio::test]
async fn up_is_idempotent_and_refuses_changed_files() {
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Folder::new(dir.path());
        let set = schemas(&[widget(""), gadget("")]);
        migrate_to(test.db(), &folder, &set).await;
        assert!(migrate::up(test.db(), &folder)
            .await
            .expect("second up")
            .is_empty());
        let status = migrate::status(test.db(), &folder).await.expect("status");
        assert!(status.pending.is_empty() && status.changed.is_empty() && !status.uninitialized);
        let file = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .find(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.ends_with(".sql") && !name.ends_with(".down.sql")
            })
            .expect("sql file")
            .path();
        let text = std::fs::read_to_string(&file).expect("read");
        std::fs::write(&file, format!("{text}\n-- edited")).expect("edit");
        let error = migrate::up(test.db(), &folder)
            .await
            .expect_err("changed file");
        assert!(error.to_string().contains("must not change"), "{error}");
        let status = migrate::status(test.db(), &folder).await.expect("status");
        assert_eq!(status.changed.len(), 1, "{backend}");
        test.cleanup().await;
    }
}

/// A migration whose first statement the database refuses applied nothing, on every
/// database: it is pending, not stopped part-way (on MariaDB too), so it can be fixed or
/// dropped, and the one under it reverted.
#[tokio::test]
async fn a_refused_first_statement_leaves_the_migration_pending() {
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let db = test.db();
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Folder::new(dir.path());
        migrate_to(db, &folder, &schemas(&[widget("")])).await;
        let tag = custom_migration(
            db,
            &folder,
            "refused",
            "THIS IS NOT SQL;\n--> statement-breakpoint\nALTER TABLE widgets ADD COLUMN extra int;",
        );
        let error = migrate::up(db, &folder).await.expect_err("refused");
        let said = if backend == Backend::MySql {
            "nothing of it was applied"
        } else {
            "the migration was rolled back"
        };
        assert!(error.to_string().contains(said), "{backend}: {error}");
        let status = migrate::status(db, &folder).await.expect("status");
        assert_eq!(status.pending, std::slice::from_ref(&tag), "{backend}");
        assert!(
            status.partial.is_empty() && !status.needs_attention(),
            "{backend}: {:?}",
            status.partial
        );
        // Dropped from the folder, the migrations are back as they were.
        folder
            .discard_newest(db.dialect(), false)
            .expect("discarded");
        let status = migrate::status(db, &folder).await.expect("status");
        assert!(
            status.pending.is_empty() && !status.needs_attention(),
            "{backend}"
        );
        test.cleanup().await;
    }
}

/// A migration whose second statement fails: PostgreSQL and SQLite roll all of it back;
/// MariaDB, where DDL commits as it goes, says what was applied, records nothing, and a
/// rerun after the fix continues from the failed statement.
#[tokio::test]
async fn a_failing_statement_rolls_back_or_resumes_after_the_fix() {
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let db = test.db();
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Folder::new(dir.path());
        migrate_to(db, &folder, &schemas(&[widget("")])).await;
        let broken = "ALTER TABLE widgets ADD COLUMN extra1 int;\n--> statement-breakpoint\nTHIS IS NOT SQL;\n--> statement-breakpoint\nALTER TABLE widgets ADD COLUMN extra2 int;";
        let tag = custom_migration(db, &folder, "by_hand", broken);
        let file = dir.path().join(format!("{tag}.sql"));
        let error = migrate::up(db, &folder)
            .await
            .expect_err("a broken statement");
        let text = error.to_string();
        assert!(
            text.contains(&format!("migration {tag}, statement 2 of 3 failed")),
            "{backend}: {text}"
        );
        assert!(text.contains("THIS IS NOT SQL"), "{text}");
        let extra1 = db
            .execute_script("SELECT extra1 FROM widgets")
            .await
            .is_ok();
        if backend == Backend::MySql {
            assert!(text.contains("statements 1 to 1 were applied"), "{text}");
            assert!(extra1, "MariaDB kept the first statement");
        } else {
            assert!(text.contains("rolled back"), "{text}");
            assert!(!extra1, "{backend}: nothing of the migration stays");
        }
        let status = migrate::status(db, &folder).await.expect("status");
        assert_eq!(
            status.pending,
            std::slice::from_ref(&tag),
            "{backend}: not recorded as applied"
        );
        if backend == Backend::MySql {
            assert_eq!(
                status.partial,
                [migrate::Partial {
                    tag: tag.clone(),
                    done: 1,
                    total: 3
                }]
            );
            assert!(status.needs_attention());
            // Nothing under it is reverted while it stands part-way.
            let refused = migrate::down(db, &folder, 1, true)
                .await
                .expect_err("stopped part-way");
            assert!(
                refused
                    .to_string()
                    .contains(&format!("migration {tag} stopped part-way")),
                "{refused}"
            );
            assert!(db.execute_script("SELECT label FROM widgets").await.is_ok());
        } else {
            assert!(status.partial.is_empty() && !status.needs_attention());
        }
        std::fs::write(&file, broken.replace("THIS IS NOT SQL", "SELECT 1")).expect("fix");
        let applied = migrate::up(db, &folder)
            .await
            .unwrap_or_else(|e| panic!("{backend}: rerun after the fix: {e}"));
        assert_eq!(applied.len(), 1);
        assert!(
            db.execute_script("SELECT extra1, extra2 FROM widgets")
                .await
                .is_ok(),
            "{backend}"
        );
        assert!(migrate::status(db, &folder)
            .await
            .expect("status")
            .pending
            .is_empty());
        test.cleanup().await;
    }
}

/// MariaDB: the migration lock is named per database and its result is checked: a run
/// that cannot take it in time stops with a clear error instead of going on unlocked,
/// and a lock held for another database does not block.
#[tokio::test]
async fn the_mysql_lock_is_per_database_and_checked() {
    let Some(test) = TestDb::fresh_or_skip(Backend::MySql).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = Folder::new(dir.path());
    let set = schemas(&[widget("")]);
    migrate::prepare(
        &folder,
        &TableModel::from_schemas(&set),
        &Renames::default(),
        test.db().dialect(),
        &options(),
    )
    .expect("prepare");
    // Another session of the same server holds the lock of this database.
    let url = ving::config::DatabaseUrl::parse(test.url()).expect("url");
    let holder = Db::connect(&url, dir.path()).await.expect("second pool");
    let take = |name: String| format!("SELECT CAST(GET_LOCK('ving_migrate:{name}', 0) AS SIGNED)");
    let taken = holder
        .fetch_all(&take(test.name().to_owned()), Vec::new(), |row| {
            row.get_i64(0)
        })
        .await
        .expect("hold the lock");
    assert_eq!(taken, [1]);
    let mut on_done = |_: &migrate::Applied| {};
    let mut notes = Vec::new();
    let mut on_wait = |note: &str| notes.push(note.to_owned());
    let mut run = migrate::RunOptions::new(&mut on_done);
    run.lock_timeout = std::time::Duration::from_secs(1);
    run.on_wait = Some(&mut on_wait);
    let error = migrate::up_with(test.db(), &folder, &mut run)
        .await
        .expect_err("the lock is held");
    assert_eq!(
        notes,
        ["another run is applying migrations: waiting for it (at most 1 s)"],
        "said once, when it starts waiting"
    );
    let text = error.to_string();
    assert!(
        text.starts_with("another run is applying migrations to this database")
            && text.contains(&format!("ving_migrate:{}", test.name())),
        "{text}"
    );
    let status = migrate::status(test.db(), &folder).await.expect("status");
    assert_eq!(status.pending.len(), 1, "nothing applied without the lock");
    // The lock of another database does not block this one.
    holder.close().await;
    let holder = Db::connect(&url, dir.path()).await.expect("third pool");
    let taken = holder
        .fetch_all(&take("another_database".into()), Vec::new(), |row| {
            row.get_i64(0)
        })
        .await
        .expect("another lock");
    assert_eq!(taken, [1]);
    let mut on_done = |_: &migrate::Applied| {};
    let mut run = migrate::RunOptions::new(&mut on_done);
    run.lock_timeout = std::time::Duration::from_secs(1);
    let applied = migrate::up_with(test.db(), &folder, &mut run)
        .await
        .expect("up while another database's lock is held");
    assert_eq!(applied.len(), 1);
    holder.close().await;
    test.cleanup().await;
}

/// `up` with nothing pending writes nothing: not even ving's own tables are created
/// (MariaDB's progress table, dropped here, stays gone), so that it runs against a server
/// where the run may only read.
#[tokio::test]
async fn up_with_nothing_pending_writes_nothing() {
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let db = test.db();
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Folder::new(dir.path());
        migrate_to(db, &folder, &schemas(&[widget("")])).await;
        if backend == Backend::MySql {
            db.execute_script("DROP TABLE __ving_migration_progress")
                .await
                .expect("drop");
        }
        let applied = migrate::up(db, &folder).await.expect("up");
        assert!(applied.is_empty(), "{backend}");
        let reverted = migrate::down(db, &Folder::new(dir.path().join("none")), 1, true)
            .await
            .expect("down with nothing applied");
        assert!(reverted.is_empty(), "{backend}");
        if backend == Backend::MySql {
            assert!(
                db.execute_script("SELECT 1 FROM __ving_migration_progress")
                    .await
                    .is_err(),
                "not created again"
            );
        }
        test.cleanup().await;
    }
}

/// A migrations folder and `__drizzle_migrations` table written the way drizzle-kit and
/// drizzle-orm 0.x write them (`tests/fixtures/drizzle-kit-mysql`, made by hand from their
/// formats) are read by `--status` and continued by `--prepare` and `--up` on MariaDB.
#[tokio::test]
async fn a_drizzle_kit_folder_is_continued_on_mariadb() {
    let Some(test) = TestDb::fresh_or_skip(Backend::MySql).await else {
        return;
    };
    let db = test.db();
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drizzle-kit-mysql");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("meta")).expect("meta");
    for file in [
        "0000_wide_falcon.sql",
        "meta/_journal.json",
        "meta/0000_snapshot.json",
    ] {
        std::fs::copy(fixture.join(file), dir.path().join(file)).expect("copy fixture");
    }
    // What drizzle-orm's migrator did when it applied the fixture.
    let sql = std::fs::read_to_string(dir.path().join("0000_wide_falcon.sql")).expect("sql");
    db.execute_script("CREATE TABLE IF NOT EXISTS __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)")
        .await
        .expect("drizzle's table");
    db.execute_script(&sql).await.expect("drizzle's migration");
    db.execute_script(&format!(
        "INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('{}', 1700000000000)",
        migrate::hash(&sql)
    ))
    .await
    .expect("drizzle's record");

    let folder = Folder::new(dir.path());
    let status = migrate::status(db, &folder).await.expect("status");
    assert_eq!(
        status.last_applied.map(|(tag, _)| tag).as_deref(),
        Some("0000_wide_falcon")
    );
    assert!(status.pending.is_empty() && status.changed.is_empty() && !status.uninitialized);

    let same = schemas(&[(
        "Widget.toml",
        "kind = \"Widget\"\ntableName = \"widgets\"\nowner = [\"admin\"]\n\n[[props]]\ntype = \"string\"\nname = \"label\"\nrequired = true\nlength = 60\ndefault = \"\"\n".to_owned(),
    )]);
    let dialect = db.dialect();
    let prepared = migrate::prepare(
        &folder,
        &TableModel::from_schemas(&same),
        &Renames::default(),
        dialect,
        &PrepareOptions::default(),
    )
    .expect("prepare");
    assert_eq!(
        prepared,
        Prepared::NothingToDo,
        "drizzle-kit's snapshot reads as the same structure"
    );

    let more = schemas(&[(
        "Widget.toml",
        "kind = \"Widget\"\ntableName = \"widgets\"\nowner = [\"admin\"]\n\n[[props]]\ntype = \"string\"\nname = \"label\"\nrequired = true\nlength = 60\ndefault = \"\"\n\n[[props]]\ntype = \"string\"\nname = \"note\"\nrequired = false\nlength = 100\ndefault = \"\"\n".to_owned(),
    )]);
    let options = PrepareOptions {
        name: Some("add_note".into()),
        ..PrepareOptions::default()
    };
    let Prepared::Migration {
        tag, statements, ..
    } = migrate::prepare(
        &folder,
        &TableModel::from_schemas(&more),
        &Renames::default(),
        dialect,
        &options,
    )
    .expect("prepare")
    else {
        panic!("a migration was expected");
    };
    assert_eq!(tag, "0001_add_note");
    assert_eq!(
        statements,
        ["ALTER TABLE `widgets` ADD COLUMN `note` varchar(100) NOT NULL DEFAULT ''"]
    );
    let applied = migrate::up(db, &folder).await.expect("up");
    assert_eq!(
        applied.iter().map(|a| a.tag.as_str()).collect::<Vec<_>>(),
        ["0001_add_note"]
    );
    let url = ving::config::DatabaseUrl::parse(test.url()).expect("url");
    assert_eq!(
        migrate::check(db, &url, &folder).await.expect("check"),
        Vec::<String>::new()
    );
    test.cleanup().await;
}

/// Every journal entry not recorded is applied — not only those newer than the last
/// applied one (drizzle#5769: a migration merged from another branch with an older `when`
/// is skipped by drizzle-orm's migrator, not by ving).
#[tokio::test]
async fn an_older_merged_migration_is_applied_too() {
    let test = TestDb::fresh(Backend::Sqlite).await.expect("sqlite");
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = Folder::new(dir.path());
    migrate_to(test.db(), &folder, &schemas(&[widget("")])).await;
    // Another branch's migration, journaled with an older `when` than the applied one.
    let journal_path = dir.path().join("meta/_journal.json");
    let mut journal: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&journal_path).expect("journal"))
            .expect("json");
    let first_when = journal["entries"][0]["when"].as_i64().expect("when");
    std::fs::write(
        dir.path().join("0001_from_branch.sql"),
        "CREATE TABLE branch_notes (body text);",
    )
    .expect("sql");
    journal["entries"].as_array_mut().expect("entries").push(serde_json::json!({
        "idx": 1, "version": "6", "when": first_when - 1000, "tag": "0001_from_branch", "breakpoints": true
    }));
    std::fs::write(
        &journal_path,
        serde_json::to_string_pretty(&journal).expect("json"),
    )
    .expect("journal");
    let applied = migrate::up(test.db(), &folder).await.expect("up");
    assert_eq!(
        applied.iter().map(|a| a.tag.as_str()).collect::<Vec<_>>(),
        ["0001_from_branch"]
    );
    assert!(test
        .db()
        .execute_script("SELECT body FROM branch_notes")
        .await
        .is_ok());
    test.cleanup().await;
}

/// MariaDB: a run killed right after the server executed statement k but before its
/// progress was recorded resumes, for every statement of every named case — each kind
/// of statement the plan emits (DROP TABLE included) is recognised as already done.
/// Simulated by recording "statement k started" and executing it by hand.
#[tokio::test]
async fn mariadb_resumes_after_a_kill_between_any_statement_and_its_record() {
    for (case, a, b) in cases() {
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Folder::new(dir.path().join("full"));
        let dialect = ving::sql::dialect(Backend::MySql);
        let prepare = |schemas: &SchemaSet| {
            migrate::prepare(
                &folder,
                &TableModel::from_schemas(schemas),
                &renames(schemas),
                dialect,
                &options(),
            )
            .unwrap_or_else(|e| panic!("{case}: prepare: {e}"))
        };
        prepare(&a);
        copy_dir(folder.dir(), &dir.path().join("a"));
        let a_only = Folder::new(dir.path().join("a"));
        prepare(&b);
        let migration = folder.migrations(dialect).expect("migrations")[1].clone();
        let statements = migration.statements();
        let Some(direct) = TestDb::fresh_or_skip(Backend::MySql).await else {
            return;
        };
        let direct_folder = Folder::new(dir.path().join("direct"));
        migrate_to(direct.db(), &direct_folder, &b).await;
        let want = structure(&direct).await;
        direct.cleanup().await;
        for k in 0..statements.len() {
            let Some(test) = TestDb::fresh_or_skip(Backend::MySql).await else {
                return;
            };
            migrate::up(test.db(), &a_only)
                .await
                .unwrap_or_else(|e| panic!("{case}: up to A: {e}"));
            let prefix = migrate::hash(&statements[..k].join("\n"));
            for statement in &statements[..k] {
                test.db().execute_script(statement).await.expect("before k");
            }
            test.db()
                .execute_script(&format!(
                    "REPLACE INTO __ving_migration_progress (created_at, done, prefix, started) VALUES ({}, {k}, '{prefix}', {})",
                    migration.entry.when,
                    k + 1
                ))
                .await
                .expect("progress");
            test.db()
                .execute_script(statements[k])
                .await
                .unwrap_or_else(|e| panic!("{case}: statement {} by hand: {e}", k + 1));
            migrate::up(test.db(), &folder).await.unwrap_or_else(|e| {
                panic!(
                    "{case}: killed after statement {} of {}: {e}",
                    k + 1,
                    statements.len()
                )
            });
            let got = structure(&test).await;
            assert_eq!(got, want, "{case}: after statement {}", k + 1);
            test.cleanup().await;
        }
    }
}

/// Waits until the clock is late in a second (past .6), then runs `act` on `db` and reads
/// `column` of the one widget: the second it ran in, with what the database stamped. Done
/// again if the second turned while it ran (thirty tries at most).
async fn stamped_late_in_a_second(
    db: &Db,
    act: &str,
    column: &str,
) -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
    use chrono::Timelike;
    let read = format!("SELECT {} FROM widgets", db.dialect().quote(column));
    for _ in 0..30 {
        let millis = chrono::Utc::now().timestamp_subsec_millis();
        if !(600..800).contains(&millis) {
            let wait = (1_650 - u64::from(millis)) % 1_000;
            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            continue;
        }
        let second = ving::drizzle::now();
        db.execute_script(act).await.expect(act);
        let stamped = db
            .fetch_all(&read, Vec::new(), |row| row.get_datetime(0))
            .await
            .expect("stamp")[0];
        if ving::drizzle::now() == second {
            assert_eq!(stamped.nanosecond(), 0, "{column} keeps whole seconds");
            return (second, stamped);
        }
    }
    panic!("{act}: thirty tries, each ran into the next second");
}

/// The second a widget made and then changed late in a second are stamped with by the
/// database's defaults (`createdAt`) and on-update rules (`updatedAt`).
async fn stamps_late_in_a_second(db: &Db) -> [(chrono::NaiveDateTime, chrono::NaiveDateTime); 2] {
    db.execute_script("DELETE FROM widgets")
        .await
        .expect("empty");
    let made = stamped_late_in_a_second(
        db,
        "INSERT INTO widgets (label) VALUES ('late')",
        "createdAt",
    )
    .await;
    let changed =
        stamped_late_in_a_second(db, "UPDATE widgets SET label = 'later'", "updatedAt").await;
    [made, changed]
}

/// A row stamped by the database keeps the second it was made in, cut as the record layer
/// cuts the times it writes: PostgreSQL's `now()` stored in a `timestamp(0)` was rounded,
/// so rows stamped late in a second sorted after records made later in that second.
#[tokio::test]
async fn the_database_stamps_the_second_cut_as_records_are() {
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let db = test.db();
        let dir = tempfile::tempdir().expect("temp dir");
        migrate_to(db, &Folder::new(dir.path()), &schemas(&[widget("")])).await;
        for (second, stamped) in stamps_late_in_a_second(db).await {
            assert_eq!(stamped, second, "{backend}");
        }
        test.cleanup().await;
    }
}

/// A PostgreSQL folder prepared while ving-rs wrote `DEFAULT now()` (rounded) gets the
/// defaults and triggers that cut the second at its next `--prepare`, and then nothing more.
#[tokio::test]
async fn a_postgres_folder_prepared_before_gets_the_second_cut() {
    let Some(test) = TestDb::fresh_or_skip(Backend::Postgres).await else {
        return;
    };
    let db = test.db();
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = Folder::new(dir.path());
    let widgets = schemas(&[widget("")]);
    let model = TableModel::from_schemas(&widgets);
    migrate::prepare(
        &folder,
        &model,
        &renames(&widgets),
        db.dialect(),
        &options(),
    )
    .expect("prepare");
    // The folder as ving-rs wrote it before.
    let mut rewritten = 0;
    for entry in walk(dir.path()) {
        let text = std::fs::read_to_string(&entry).expect("read");
        let old = text.replace("date_trunc('second', now())", "now()");
        if old != text {
            std::fs::write(&entry, old).expect("write");
            rewritten += 1;
        }
    }
    assert_eq!(rewritten, 2, "the SQL and the snapshot");
    migrate::up(db, &folder).await.expect("up");
    for (second, stamped) in stamps_late_in_a_second(db).await {
        assert_eq!(
            stamped,
            second + chrono::Duration::seconds(1),
            "rounded before"
        );
    }

    let Prepared::Migration { statements, .. } = migrate::prepare(
        &folder,
        &model,
        &renames(&widgets),
        db.dialect(),
        &options(),
    )
    .expect("prepare again") else {
        panic!("the defaults are written anew");
    };
    assert_eq!(
        statements,
        [
            "DROP TRIGGER IF EXISTS \"widgets_updatedAt_on_update\" ON \"widgets\"",
            "ALTER TABLE \"widgets\" ALTER COLUMN \"createdAt\" SET DEFAULT date_trunc('second', now())",
            "ALTER TABLE \"widgets\" ALTER COLUMN \"updatedAt\" SET DEFAULT date_trunc('second', now())",
            "CREATE OR REPLACE FUNCTION \"widgets_updatedAt_on_update\"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.\"updatedAt\" IS NOT DISTINCT FROM OLD.\"updatedAt\" THEN NEW.\"updatedAt\" := date_trunc('second', now()); END IF; RETURN NEW; END $$",
            "CREATE TRIGGER \"widgets_updatedAt_on_update\" BEFORE UPDATE ON \"widgets\" FOR EACH ROW EXECUTE FUNCTION \"widgets_updatedAt_on_update\"()",
        ]
    );
    migrate::up(db, &folder).await.expect("up again");
    for (second, stamped) in stamps_late_in_a_second(db).await {
        assert_eq!(stamped, second, "cut after");
    }
    assert!(matches!(
        migrate::prepare(
            &folder,
            &model,
            &renames(&widgets),
            db.dialect(),
            &options()
        )
        .expect("prepare a third time"),
        Prepared::NothingToDo
    ));
    test.cleanup().await;
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Narrowing a column never cuts a value to fit: a label longer than the new length makes
/// the migration fail on MariaDB and PostgreSQL (PostgreSQL's cast to varchar(n) would
/// cut it), and the label is kept; SQLite ignores lengths and keeps it as it is.
#[tokio::test]
async fn narrowing_never_cuts_a_value() {
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Folder::new(dir.path());
        migrate_to(test.db(), &folder, &schemas(&[widget("")])).await;
        test.db()
            .execute_script("INSERT INTO widgets (label) VALUES ('alpha')")
            .await
            .expect("seed");
        let narrow = WIDGET.replace("length = 60", "length = 3");
        let model = TableModel::from_schemas(&schemas(&[("Widget.toml", narrow)]));
        migrate::prepare(
            &folder,
            &model,
            &Renames::default(),
            test.db().dialect(),
            &options(),
        )
        .expect("prepare");
        let applied = migrate::up(test.db(), &folder).await;
        match backend {
            Backend::Sqlite => {
                applied.expect("SQLite ignores lengths");
            }
            _ => {
                let error = applied.expect_err("a value does not fit").to_string();
                assert!(
                    error.to_lowercase().contains("too long") || error.contains("1265"),
                    "{backend}: {error}"
                );
            }
        }
        assert_eq!(labels(test.db()).await, ["alpha"], "{backend}: never cut");
        test.cleanup().await;
    }
}

/// A down file brings back a NOT NULL column the migration dropped on a table with rows
/// (its values went with the migration: the rows get the type's empty value), on every
/// database; it failed on SQLite and PostgreSQL.
#[tokio::test]
async fn a_dropped_column_comes_back_down_on_a_table_with_rows() {
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let db = test.db();
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Folder::new(dir.path());
        migrate_to(db, &folder, &schemas(&[widget(MEMO)])).await;
        db.execute_script("INSERT INTO widgets (label, memo) VALUES ('kept', 'm')")
            .await
            .expect("seed");
        migrate_to(db, &folder, &schemas(&[widget("")])).await;
        migrate::down(db, &folder, 1, true)
            .await
            .unwrap_or_else(|e| panic!("{backend}: down: {e}"));
        let memos = db
            .fetch_all("SELECT memo FROM widgets", Vec::new(), |row| {
                row.get_string(0)
            })
            .await
            .expect("memo is back");
        assert_eq!(memos, [""], "{backend}");
        assert_eq!(labels(db).await, ["kept"], "{backend}");
        test.cleanup().await;
    }
}

/// A column added NOT NULL and filled (`--fill`) leaves every row's `updatedAt` as it was
/// on every database: the rows' records did not change (MariaDB's ON UPDATE and
/// PostgreSQL's trigger stamped them all).
#[tokio::test]
async fn a_fill_leaves_the_update_stamps_alone() {
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let db = test.db();
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Folder::new(dir.path());
        migrate_to(db, &folder, &schemas(&[widget("")])).await;
        let stamp = if backend == Backend::MySql {
            "`updatedAt`"
        } else {
            "\"updatedAt\""
        };
        db.execute_script(&format!(
            "INSERT INTO widgets (label, {stamp}) VALUES ('kept', '2001-02-03 04:05:06')"
        ))
        .await
        .expect("seed");
        let next = schemas(&[widget(MEMO)]);
        let mut renames = Renames::from_schemas(&next);
        renames
            .fills
            .insert(("widgets".into(), "memo".into()), "x".into());
        migrate::prepare(
            &folder,
            &TableModel::from_schemas(&next),
            &renames,
            db.dialect(),
            &options(),
        )
        .unwrap_or_else(|e| panic!("{backend}: prepare: {e}"));
        migrate::up(db, &folder)
            .await
            .unwrap_or_else(|e| panic!("{backend}: up: {e}"));
        let cast = if backend == Backend::Postgres {
            "VARCHAR(19)"
        } else {
            "CHAR(19)"
        };
        let read = format!("SELECT CAST({stamp} AS {cast}), memo FROM widgets");
        let rows = db
            .fetch_all(&read, Vec::new(), |row| {
                Ok((row.get_string(0)?, row.get_string(1)?))
            })
            .await
            .expect("read");
        assert_eq!(
            rows,
            [("2001-02-03 04:05:06".to_owned(), "x".to_owned())],
            "{backend}"
        );
        test.cleanup().await;
    }
}

/// A required text prop: its column is NOT NULL without a default (MySQL's text has none).
const MEMO: &str = "\n[[props]]\ntype = \"string\"\nname = \"memo\"\nrequired = true\nlength = 500\ndb = \"text\"\ndefault = \"\"\n";
