//! The central law of migrations, on SQLite, MariaDB and PostgreSQL: applying the
//! migrations ∅→A then A→B gives the structure that ∅→B gives directly; rows survive
//! every non-destructive step (SQLite's table recreations included); and preparing again
//! right after finds nothing to do. Plus the folder and journal formats, `up` being
//! idempotent, changed files being refused, and renames never being guessed.

use std::collections::BTreeSet;

use ving::config::Backend;
use ving::db::Db;
use ving::migrate::{self, Folder, PrepareOptions, Prepared, Renames};
use ving::schema::{SchemaOptions, SchemaSet, SourceFile};
use ving::table::TableModel;
use ving::testing::{TestDb, BACKENDS};

const WIDGET: &str = r#"
kind = "Widget"
tableName = "widgets"
owner = ["admin"]

[[props]]
type = "string"
name = "label"
required = true
length = 60
default = ""

[[props]]
type = "enum"
name = "color"
required = true
default = "red"
enums = ["red", "blue"]
enumLabels = ["Red", "Blue"]
"#;

const GADGET: &str = r#"
kind = "Gadget"
tableName = "gadgets"
owner = ["admin"]

[[props]]
type = "string"
name = "name"
required = true
length = 40
default = ""
unique = true

[[props]]
type = "id"
name = "widgetId"
required = false
[props.relation]
type = "parent"
name = "widget"
kind = "Widget"
"#;

fn schemas(files: &[(&str, String)]) -> SchemaSet {
    let files: Vec<_> = files
        .iter()
        .map(|(name, text)| SourceFile::new(*name, text.clone()))
        .collect();
    SchemaSet::from_files(&files, &SchemaOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn widget(extra: &str) -> (&'static str, String) {
    ("Widget.toml", format!("{WIDGET}{extra}"))
}

fn gadget(extra: &str) -> (&'static str, String) {
    ("Gadget.toml", format!("{GADGET}{extra}"))
}

/// Named pairs of schema sets: each step changes one thing.
fn cases() -> Vec<(&'static str, SchemaSet, SchemaSet)> {
    let count = "\n[[props]]\ntype = \"int\"\nname = \"count\"\nrequired = true\ndefault = 0\n";
    let note = "\n[[props]]\ntype = \"string\"\nname = \"note\"\nrequired = false\nlength = 200\ndefault = \"\"\n";
    let renamed_note = "\n[[props]]\ntype = \"string\"\nname = \"remark\"\nrequired = false\nlength = 200\ndefault = \"\"\nrenamedFrom = \"note\"\n";
    let wider_note = "\n[[props]]\ntype = \"string\"\nname = \"note\"\nrequired = false\nlength = 250\ndefault = \"none\"\n";
    let unique_note = "\n[[props]]\ntype = \"string\"\nname = \"note\"\nrequired = false\nlength = 200\ndefault = \"\"\nunique = true\n";
    let qualified_note = "\n[[props]]\ntype = \"string\"\nname = \"note\"\nrequired = false\nlength = 200\ndefault = \"\"\nunique = true\nuniqueQualifiers = [\"label\"]\n";
    let size = "\n[[props]]\ntype = \"enum\"\nname = \"size\"\nrequired = true\ndefault = \"small\"\nenums = [\"small\", \"large\"]\nenumLabels = [\"Small\", \"Large\"]\n";
    let more_colors = WIDGET
        .replace(
            r#"enums = ["red", "blue"]"#,
            r#"enums = ["red", "blue", "green"]"#,
        )
        .replace(
            r#"enumLabels = ["Red", "Blue"]"#,
            r#"enumLabels = ["Red", "Blue", "Green"]"#,
        );
    let gadget_required = GADGET.replace(
        "required = false\n[props.relation]",
        "required = true\n[props.relation]",
    );
    let renamed_gadgets = GADGET.replace(
        "tableName = \"gadgets\"",
        "tableName = \"gizmos\"\nrenamedFrom = \"gadgets\"",
    );
    vec![
        (
            "create a table with a foreign key",
            schemas(&[widget("")]),
            schemas(&[widget(""), gadget("")]),
        ),
        (
            "drop a table",
            schemas(&[widget(""), gadget("")]),
            schemas(&[widget("")]),
        ),
        (
            "add columns",
            schemas(&[widget(""), gadget("")]),
            schemas(&[widget(&format!("{count}{note}")), gadget("")]),
        ),
        (
            "drop a column",
            schemas(&[widget(note), gadget("")]),
            schemas(&[widget(""), gadget("")]),
        ),
        (
            "rename a column",
            schemas(&[widget(note), gadget("")]),
            schemas(&[widget(renamed_note), gadget("")]),
        ),
        (
            "widen a column and change its default",
            schemas(&[widget(note), gadget("")]),
            schemas(&[widget(wider_note), gadget("")]),
        ),
        (
            "add an enum column",
            schemas(&[widget(""), gadget("")]),
            schemas(&[widget(size), gadget("")]),
        ),
        (
            "add enum values",
            schemas(&[widget(""), gadget("")]),
            schemas(&[("Widget.toml", more_colors), gadget("")]),
        ),
        (
            "add a unique index",
            schemas(&[widget(note), gadget("")]),
            schemas(&[widget(unique_note), gadget("")]),
        ),
        (
            "unique index to composite unique",
            schemas(&[widget(unique_note), gadget("")]),
            schemas(&[widget(qualified_note), gadget("")]),
        ),
        (
            "optional relation becomes required",
            schemas(&[widget(""), gadget("")]),
            schemas(&[widget(""), ("Gadget.toml", gadget_required)]),
        ),
        (
            "rename a table",
            schemas(&[widget(""), gadget("")]),
            schemas(&[widget(""), ("Gadget.toml", renamed_gadgets)]),
        ),
    ]
}

/// The schemas' renames, and the value the cases give a gadget's widget when the relation
/// becomes required (widget 1, which [`seed`] writes).
fn renames(schemas: &SchemaSet) -> Renames {
    let mut renames = Renames::from_schemas(schemas);
    renames
        .fills
        .insert(("gadgets".into(), "widgetId".into()), "1".into());
    renames
}

fn options() -> PrepareOptions {
    PrepareOptions {
        accept_drops: true,
        ..PrepareOptions::default()
    }
}

async fn migrate_to(db: &Db, folder: &Folder, schemas: &SchemaSet) {
    let model = TableModel::from_schemas(schemas);
    migrate::prepare(folder, &model, &renames(schemas), db.dialect(), &options())
        .unwrap_or_else(|e| panic!("prepare: {e}"));
    migrate::up(db, folder)
        .await
        .unwrap_or_else(|e| panic!("up: {e}"));
}

/// The structure as the database's catalog describes it, in a comparable form.
async fn structure(test: &TestDb) -> BTreeSet<String> {
    let db = test.db();
    let name = test.name();
    let queries: Vec<String> = match test.backend() {
        Backend::MySql => vec![
            format!("SELECT CONCAT_WS('|', TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, IFNULL(COLUMN_DEFAULT, '-'), EXTRA) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{name}' AND TABLE_NAME <> '__drizzle_migrations'"),
            format!("SELECT CONCAT_WS('|', TABLE_NAME, INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '{name}' AND TABLE_NAME <> '__drizzle_migrations' GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE"),
            format!("SELECT CONCAT_WS('|', TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME, DELETE_RULE, UPDATE_RULE) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = '{name}'"),
        ],
        Backend::Postgres => vec![
            "SELECT concat_ws('|', table_name, column_name, data_type, character_maximum_length, is_nullable, coalesce(column_default, '-')) FROM information_schema.columns WHERE table_schema = 'public'".into(),
            "SELECT concat_ws('|', tablename, indexname, indexdef) FROM pg_indexes WHERE schemaname = 'public'".into(),
            "SELECT concat_ws('|', conrelid::regclass::text, conname, pg_get_constraintdef(oid)) FROM pg_constraint WHERE connamespace = 'public'::regnamespace".into(),
            "SELECT DISTINCT concat_ws('|', event_object_table, trigger_name, action_timing) FROM information_schema.triggers".into(),
            "SELECT concat_ws('|', sequence_name) FROM information_schema.sequences WHERE sequence_schema = 'public'".into(),
        ],
        Backend::Sqlite => vec![
            "SELECT m.name || '|' || p.name || '|' || p.type || '|' || p.\"notnull\" || '|' || ifnull(p.dflt_value, '-') || '|' || p.pk FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT IN ('sqlite_sequence', '__drizzle_migrations')".into(),
            "SELECT m.name || '|' || i.name || '|' || i.\"unique\" || '|' || (SELECT group_concat(name) FROM pragma_index_info(i.name)) FROM sqlite_master m JOIN pragma_index_list(m.name) i WHERE m.type = 'table'".into(),
            "SELECT m.name || '|' || f.\"table\" || '|' || f.\"from\" || '|' || f.\"to\" || '|' || f.on_update || '|' || f.on_delete FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'".into(),
            "SELECT name || '|' || tbl_name FROM sqlite_master WHERE type = 'trigger'".into(),
        ],
    };
    let mut out = BTreeSet::new();
    for query in queries {
        let rows = db
            .fetch_all(&query, Vec::new(), |row| row.get_string(0))
            .await
            .expect("catalog");
        out.extend(rows);
    }
    out
}

async fn seed(db: &Db) {
    db.execute_script("INSERT INTO widgets (label) VALUES ('kept')")
        .await
        .expect("seed widgets");
    if db.execute_script("SELECT 1 FROM gadgets").await.is_ok() {
        db.execute_script(
            "INSERT INTO gadgets (name, \"widgetId\") VALUES ('g', 1)"
                .replace(
                    '"',
                    if db.backend() == Backend::MySql {
                        "`"
                    } else {
                        "\""
                    },
                )
                .as_str(),
        )
        .await
        .expect("seed gadgets");
    }
}

async fn count(db: &Db, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let sql = if db.backend() == Backend::MySql {
        format!("SELECT CAST(COUNT(*) AS SIGNED) FROM {table}")
    } else {
        sql
    };
    db.fetch_all(&sql, Vec::new(), |row| row.get_i64(0))
        .await
        .expect("count")[0]
}

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
                count(stepwise.db(), "widgets").await,
                1,
                "{backend}, {case}: widget rows survive"
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
    assert!(matches!(prepared, Prepared::Migration { tag: Some(ref t), .. } if t == "0000_init"));
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

#[test]
fn generated_sql_per_case_and_dialect() {
    let mut transcript = String::new();
    for backend in BACKENDS {
        let dialect = ving::sql::dialect(backend);
        for (case, a, b) in cases() {
            let dir = tempfile::tempdir().expect("temp dir");
            let folder = Folder::new(dir.path());
            migrate::prepare(
                &folder,
                &TableModel::from_schemas(&a),
                &Renames::from_schemas(&a),
                dialect,
                &options(),
            )
            .expect("A");
            let old = folder.latest_snapshot(dialect).expect("snapshot");
            let plan = migrate::plan(
                &old,
                &TableModel::from_schemas(&b),
                dialect,
                &renames(&b),
                true,
            )
            .expect("plan");
            transcript.push_str(&format!("## {backend}: {case}\n"));
            for warning in &plan.warnings {
                transcript.push_str(&format!("-- warning: {warning}\n"));
            }
            for statement in &plan.statements {
                transcript.push_str(statement);
                transcript.push_str(";\n");
            }
            transcript.push('\n');
        }
    }
    insta::assert_snapshot!("migration_sql", transcript);
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
        let custom = PrepareOptions {
            name: Some("by_hand".into()),
            custom: true,
            ..PrepareOptions::default()
        };
        let model = TableModel::from_schemas(&schemas(&[widget("")]));
        let Prepared::Migration { tag: Some(tag), .. } =
            migrate::prepare(&folder, &model, &Renames::default(), db.dialect(), &custom)
                .expect("custom")
        else {
            panic!("no custom migration written");
        };
        let file = dir.path().join(format!("{tag}.sql"));
        let broken = "ALTER TABLE widgets ADD COLUMN extra1 int;\n--> statement-breakpoint\nTHIS IS NOT SQL;\n--> statement-breakpoint\nALTER TABLE widgets ADD COLUMN extra2 int;";
        std::fs::write(&file, broken).expect("write");
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
        let drift = migrate::check(test.db(), &url, &folder)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert!(drift.is_empty(), "{backend}: {drift:#?}");
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
    assert_eq!(tag.as_deref(), Some("0001_add_note"));
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

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
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
