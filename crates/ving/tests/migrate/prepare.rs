//! Preparing migrations: renames never guessed, drizzle-kit's folder, fill values for required columns, removed enum values.

use super::*;

#[test]
fn renames_are_never_guessed() {
    let dialect = ving::sql::dialect(Backend::Sqlite);
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = Folder::new(dir.path());
    let a = schemas(&[widget(""), gadget("")]);
    migrate::prepare(
        &folder,
        &TableModel::from_schemas(&a),
        &Renames::default(),
        dialect,
        &PrepareOptions::default(),
    )
    .expect("first");
    let b = schemas(&[
        widget(""),
        ("Gadget.toml", GADGET.replace("\"gadgets\"", "\"gizmos\"")),
    ]);
    let error = migrate::prepare(
        &folder,
        &TableModel::from_schemas(&b),
        &Renames::default(),
        dialect,
        &PrepareOptions::default(),
    )
    .expect_err("ambiguous");
    let text = error.to_string();
    assert!(
        text.contains("gadgets → gizmos") && text.contains("renamedFrom"),
        "{text}"
    );
    let renamed_widget = WIDGET.replace("name = \"label\"", "name = \"title\"")
        + "\n[[props]]\ntype = \"int\"\nname = \"size\"\nrequired = true\ndefault = 0\n";
    let c = schemas(&[("Widget.toml", renamed_widget), gadget("")]);
    let error = migrate::prepare(
        &folder,
        &TableModel::from_schemas(&c),
        &Renames::default(),
        dialect,
        &PrepareOptions::default(),
    )
    .expect_err("ambiguous column");
    assert!(
        error
            .to_string()
            .contains("column label is gone and columns title, size are new"),
        "{error}"
    );
    assert_eq!(
        folder.migrations(dialect).expect("journal").len(),
        1,
        "nothing written"
    );
    // An answer (as `--prepare` asks on a terminal): label was renamed to title, and what
    // else is new in widgets is created.
    let mut answered = Renames::default();
    answered
        .columns
        .insert(("widgets".into(), "title".into()), "label".into());
    answered.accepted.insert(Some("widgets".into()));
    let Prepared::Migration {
        statements,
        warnings,
        ..
    } = migrate::prepare(
        &folder,
        &TableModel::from_schemas(&c),
        &answered,
        dialect,
        &PrepareOptions::default(),
    )
    .expect("answered")
    else {
        panic!("a migration");
    };
    assert!(
        statements
            .iter()
            .any(|s| s.contains(r#"RENAME COLUMN "label" TO "title""#)),
        "{statements:#?}"
    );
    assert!(warnings.is_empty(), "nothing is dropped: {warnings:?}");
}

#[test]
fn the_folder_follows_drizzle_kit() {
    let dialect = ving::sql::dialect(Backend::MySql);
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = Folder::new(dir.path());
    let set = schemas(&[widget(""), gadget("")]);
    let options = PrepareOptions {
        name: Some("init".into()),
        ..PrepareOptions::default()
    };
    let prepared = migrate::prepare(
        &folder,
        &TableModel::from_schemas(&set),
        &Renames::default(),
        dialect,
        &options,
    )
    .expect("prepare");
    assert!(matches!(prepared, Prepared::Migration { tag: ref t, .. } if t == "0000_init"));
    let sql = std::fs::read_to_string(dir.path().join("0000_init.sql")).expect("sql");
    assert!(sql.contains(";\n--> statement-breakpoint\n"), "{sql}");
    let journal: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("meta/_journal.json")).expect("journal"),
    )
    .expect("json");
    assert_eq!(journal["version"], "5");
    assert_eq!(journal["dialect"], "mysql");
    assert_eq!(journal["entries"][0]["tag"], "0000_init");
    assert_eq!(journal["entries"][0]["breakpoints"], true);
    let snapshot: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("meta/0000_snapshot.json")).expect("snapshot"),
    )
    .expect("json");
    assert_eq!(snapshot["prevId"], migrate::EMPTY_ID);
    let label = &snapshot["tables"]["widgets"]["columns"]["label"];
    assert_eq!(label["type"], "varchar(60)");
    assert_eq!(label["default"], "''");
    assert_eq!(
        snapshot["tables"]["widgets"]["columns"]["color"]["type"],
        "enum('red','blue')"
    );
    assert_eq!(
        snapshot["tables"]["widgets"]["columns"]["updatedAt"]["onUpdate"],
        true
    );
    assert_eq!(
        snapshot["tables"]["gadgets"]["indexes"]["nameIndex"]["isUnique"],
        true
    );
    let fk = &snapshot["tables"]["gadgets"]["foreignKeys"];
    assert!(
        fk.as_object().is_some_and(|m| m
            .keys()
            .any(|k| k.starts_with("gadgets_widget_") && k.ends_with("_fk"))),
        "{fk}"
    );
}

/// A prop added required and without a default to a table with rows: `--prepare` stops
/// and names it (no migration that fails at `--up`); with a fill value the rows get it, on
/// every backend, and the structure is the one ∅→B gives.
#[tokio::test]
async fn a_required_prop_without_a_default_needs_a_fill_value() {
    let notes = "\n[[props]]\ntype = \"string\"\nname = \"notes\"\nrequired = true\nlength = 65535\ndb = \"text\"\n";
    let b = schemas(&[widget(notes)]);
    for backend in BACKENDS {
        let (Some(test), Some(direct)) = (
            TestDb::fresh_or_skip(backend).await,
            TestDb::fresh_or_skip(backend).await,
        ) else {
            continue;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Folder::new(dir.path().join("m"));
        migrate_to(test.db(), &folder, &schemas(&[widget("")])).await;
        seed(test.db()).await;
        let model = TableModel::from_schemas(&b);
        let error = migrate::prepare(
            &folder,
            &model,
            &Renames::from_schemas(&b),
            test.db().dialect(),
            &options(),
        )
        .expect_err("a required column without a default needs an answer");
        let message = error.to_string();
        assert!(
            message.contains("prop Widget.props.notes is new and its column widgets.notes is NOT NULL without a default")
                && message.contains("--fill widgets.notes=<value>"),
            "{backend}: {message}"
        );
        assert_eq!(
            folder
                .migrations(test.db().dialect())
                .expect("journal")
                .len(),
            1,
            "{backend}: nothing written"
        );
        let mut renames = Renames::from_schemas(&b);
        renames
            .fills
            .insert(("widgets".into(), "notes".into()), "n/a".into());
        migrate::prepare(&folder, &model, &renames, test.db().dialect(), &options())
            .unwrap_or_else(|e| panic!("{backend}: prepare: {e}"));
        migrate::up(test.db(), &folder)
            .await
            .unwrap_or_else(|e| panic!("{backend}: up: {e}"));
        let filled = test
            .db()
            .fetch_all("SELECT notes FROM widgets", Vec::new(), |row| {
                row.get_string(0)
            })
            .await
            .expect("notes");
        assert_eq!(filled, ["n/a"], "{backend}");
        let direct_folder = Folder::new(dir.path().join("direct"));
        migrate_to(direct.db(), &direct_folder, &b).await;
        assert_eq!(
            structure(&test).await,
            structure(&direct).await,
            "{backend}"
        );
        let again = migrate::prepare(&folder, &model, &renames, test.db().dialect(), &options())
            .expect("prepare again");
        assert_eq!(again, Prepared::NothingToDo, "{backend}");
        migrate::down(test.db(), &folder, 1, true)
            .await
            .unwrap_or_else(|e| panic!("{backend}: down: {e}"));
        test.cleanup().await;
        direct.cleanup().await;
    }
}

/// An optional prop made required while rows hold NULL in it: `--prepare` stops as for
/// a new NOT NULL column (no migration that fails at `--up`); with a fill value only the
/// rows holding NULL get it, on every backend.
#[tokio::test]
async fn a_prop_made_required_needs_a_fill_value_for_its_nulls() {
    let required = GADGET.replace(
        "required = false\n[props.relation]",
        "required = true\n[props.relation]",
    );
    let b = schemas(&[widget(""), ("Gadget.toml", required)]);
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let db = test.db();
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Folder::new(dir.path());
        migrate_to(db, &folder, &schemas(&[widget(""), gadget("")])).await;
        let quoted = |sql: &str| {
            let quote = if backend == Backend::MySql { "`" } else { "\"" };
            sql.replace('"', quote)
        };
        db.execute_script("INSERT INTO widgets (label) VALUES ('w1'), ('w2')")
            .await
            .expect("widgets");
        db.execute_script(&quoted(
            "INSERT INTO gadgets (name, \"widgetId\") VALUES ('set', 1), ('unset', NULL)",
        ))
        .await
        .expect("gadgets");
        let model = TableModel::from_schemas(&b);
        let error = migrate::prepare(
            &folder,
            &model,
            &Renames::from_schemas(&b),
            db.dialect(),
            &options(),
        )
        .expect_err("NULLs in a column made NOT NULL need an answer");
        assert_eq!(
            error.to_string(),
            "prop Gadget.props.widgetId is now required and its column gadgets.widgetId becomes NOT NULL, so rows of gadgets that hold NULL in it would have no value. Give them one: run again with --fill gadgets.widgetId=<value> (on a terminal, --prepare asks); or keep the prop optional (required = false)",
            "{backend}"
        );
        assert_eq!(folder.migrations(db.dialect()).expect("journal").len(), 1);
        // A fill naming no widget breaks the foreign key: refused, nothing kept, and on
        // SQLite (which checks after the migration) the key is named. (On MariaDB, where
        // DDL commits as it goes, a failed migration is resumed, not replaced: tested by
        // a_failing_statement_rolls_back_or_resumes_after_the_fix.)
        let mut renames = Renames::from_schemas(&b);
        renames
            .fills
            .insert(("gadgets".into(), "widgetId".into()), "99".into());
        let other = tempfile::tempdir().expect("temp dir");
        let broken = Folder::new(other.path());
        copy_dir(folder.dir(), broken.dir());
        migrate::prepare(&broken, &model, &renames, db.dialect(), &options())
            .unwrap_or_else(|e| panic!("{backend}: prepare: {e}"));
        let error = if backend == Backend::MySql {
            None
        } else {
            let error = migrate::up(db, &broken).await;
            Some(error.expect_err("a fill naming no parent breaks the foreign key"))
        };
        if let Some(error) = error.filter(|_| backend == Backend::Sqlite) {
            assert_eq!(
                error.to_string(),
                format!(
                    "migration {} left rows whose parent does not exist, breaking a foreign key: gadgets.widgetId → widgets (1 row); it was rolled back",
                    broken.migrations(db.dialect()).expect("journal")[1].entry.tag
                )
            );
        }
        renames
            .fills
            .insert(("gadgets".into(), "widgetId".into()), "2".into());
        migrate::prepare(&folder, &model, &renames, db.dialect(), &options())
            .unwrap_or_else(|e| panic!("{backend}: prepare: {e}"));
        migrate::up(db, &folder)
            .await
            .unwrap_or_else(|e| panic!("{backend}: up: {e}"));
        let rows = db
            .fetch_all(
                &quoted("SELECT name, \"widgetId\" FROM gadgets ORDER BY name"),
                Vec::new(),
                |row| Ok((row.get_string(0)?, row.get_i64(1)?)),
            )
            .await
            .expect("gadgets");
        assert_eq!(
            rows,
            [("set".to_owned(), 1), ("unset".to_owned(), 2)],
            "{backend}: only the NULL got the fill"
        );
        let inserted = db
            .execute_script(&quoted("INSERT INTO gadgets (name) VALUES ('none')"))
            .await;
        assert!(inserted.is_err(), "{backend}: the column is NOT NULL now");
        migrate::down(db, &folder, 1, true)
            .await
            .unwrap_or_else(|e| panic!("{backend}: down: {e}"));
        test.cleanup().await;
    }
}

/// Removing an enum value is a warning on every dialect (a MySQL enum type, a CHECK
/// elsewhere), and the rows holding it are counted by value.
#[tokio::test]
async fn removing_an_enum_value_warns_on_every_dialect() {
    let three = WIDGET
        .replace(
            r#"enums = ["red", "blue"]"#,
            r#"enums = ["red", "blue", "green"]"#,
        )
        .replace(
            r#"enumLabels = ["Red", "Blue"]"#,
            r#"enumLabels = ["Red", "Blue", "Green"]"#,
        );
    let two = schemas(&[widget("")]);
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Folder::new(dir.path());
        migrate_to(
            test.db(),
            &folder,
            &schemas(&[("Widget.toml", three.clone())]),
        )
        .await;
        test.db()
            .execute_script(
                "INSERT INTO widgets (label, color) VALUES ('a', 'green'), ('b', 'green'), ('c', 'blue')",
            )
            .await
            .expect("rows");
        let dry_run = PrepareOptions {
            dry_run: true,
            ..options()
        };
        let Prepared::Migration {
            warnings,
            removed_enum_values,
            ..
        } = migrate::prepare(
            &folder,
            &TableModel::from_schemas(&two),
            &Renames::default(),
            test.db().dialect(),
            &dry_run,
        )
        .expect("prepare")
        else {
            panic!("{backend}: a migration");
        };
        assert_eq!(
            warnings,
            ["removes enum value green from widgets.color: rows holding it make it fail (change them first)"],
            "{backend}"
        );
        let rows = migrate::rows_holding(test.db(), &removed_enum_values).await;
        assert_eq!(
            rows,
            [migrate::RowsHoldingValue {
                table: "widgets".into(),
                column: "color".into(),
                value: "green".into(),
                rows: 2
            }],
            "{backend}"
        );
        test.cleanup().await;
    }
}
