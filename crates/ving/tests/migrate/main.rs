//! The central law of migrations, on SQLite, MariaDB and PostgreSQL: applying the
//! migrations ∅→A then A→B gives the structure that ∅→B gives directly; rows survive
//! every non-destructive step (SQLite's table recreations included); and preparing again
//! right after finds nothing to do. Here: the cases, the shared helpers and the generated
//! SQL (a snapshot); `prepare` (renames, drizzle-kit's folder, fills, enum values),
//! `apply` (the law, idempotent and resumed runs, the lock) and `revert` (downs, drift
//! checks).

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

/// A kind with no enum and no relation, whose table SQLite renames in place (the others'
/// are made again: their CHECKs and foreign keys carry the table's name).
const THING: &str = r#"
kind = "Thing"
tableName = "things"
owner = ["admin"]

[[props]]
type = "string"
name = "name"
required = true
length = 40
default = ""
unique = true
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
    let flag = "\n[[props]]\ntype = \"boolean\"\nname = \"flag\"\nrequired = true\ndefault = false\nenums = [false, true]\nenumLabels = [\"No\", \"Yes\"]\n";
    let flag_count = "\n[[props]]\ntype = \"int\"\nname = \"flag\"\nrequired = true\ndefault = 0\n";
    let seen = "\n[[props]]\ntype = \"date\"\nname = \"seen\"\nrequired = true\ndefault = \"now\"\nautoUpdate = true\n";
    let last_seen = "\n[[props]]\ntype = \"date\"\nname = \"lastSeen\"\nrenamedFrom = \"seen\"\nrequired = true\ndefault = \"now\"\nautoUpdate = true\n";
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
    let thing = ("Thing.toml", THING.to_owned());
    let renamed_things = (
        "Thing.toml",
        THING.replace(
            "tableName = \"things\"",
            "tableName = \"stuffs\"\nrenamedFrom = \"things\"",
        ),
    );
    let renamed_wider_label = WIDGET.replace(
        "name = \"label\"\nrequired = true\nlength = 60",
        "name = \"title\"\nrenamedFrom = \"label\"\nrequired = true\nlength = 80",
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
            "rename a column and widen it",
            schemas(&[widget(""), gadget("")]),
            schemas(&[("Widget.toml", renamed_wider_label), gadget("")]),
        ),
        (
            "widen a column and change its default",
            schemas(&[widget(note), gadget("")]),
            schemas(&[widget(wider_note), gadget("")]),
        ),
        (
            // PostgreSQL cannot cast the default `false` to an int by itself.
            "a boolean with a default becomes an int",
            schemas(&[widget(flag), gadget("")]),
            schemas(&[widget(flag_count), gadget("")]),
        ),
        (
            // Its trigger (and PostgreSQL's trigger function) takes the new name.
            "rename an autoUpdate column",
            schemas(&[widget(seen), gadget("")]),
            schemas(&[widget(last_seen), gadget("")]),
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
        (
            // SQLite renames it in place: its updatedAt trigger takes the new name.
            "rename a table without foreign keys",
            schemas(&[widget(""), thing]),
            schemas(&[widget(""), renamed_things]),
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

/// A custom migration named `name` over the widgets-only folder, holding `sql`: its tag.
fn custom_migration(db: &Db, folder: &Folder, name: &str, sql: &str) -> String {
    let custom = PrepareOptions {
        name: Some(name.into()),
        custom: true,
        ..PrepareOptions::default()
    };
    let model = TableModel::from_schemas(&schemas(&[widget("")]));
    let Prepared::Migration { tag, .. } =
        migrate::prepare(folder, &model, &Renames::default(), db.dialect(), &custom)
            .expect("custom")
    else {
        panic!("no custom migration written");
    };
    std::fs::write(folder.dir().join(format!("{tag}.sql")), sql).expect("write");
    tag
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

/// The widgets' labels, under the column's name before or after a rename (unquoted:
/// SQLite reads a double-quoted name it cannot find as a string).
async fn labels(db: &Db) -> Vec<String> {
    for column in ["label", "title"] {
        let sql = format!("SELECT {column} FROM widgets");
        if let Ok(labels) = db
            .fetch_all(&sql, Vec::new(), |row| row.get_string(0))
            .await
        {
            return labels;
        }
    }
    panic!("widgets have neither label nor title");
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

mod apply;
mod prepare;
mod revert;
