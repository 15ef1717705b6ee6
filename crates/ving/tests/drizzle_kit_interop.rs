//! Dev-only interoperability with the real drizzle-kit (MySQL): a folder drizzle-kit
//! started is continued by ving, and drizzle-kit reads ving's next snapshot as its own —
//! `drizzle-kit generate` finds nothing to do.
//!
//! And with ving's real tables: after ving prepares the sample app's four kinds,
//! `drizzle-kit generate` over drizzle-orm table files shaped exactly as ving's
//! `drizzletable.mjs` writes them (its helpers, `.default(null)` on nullable relations)
//! finds nothing to do.
//!
//! Needs node and the packages of `tests/interop` (`npm ci` there); without them a
//! developer's run says it is skipped, and a CI run (`CI=true`) fails. No database is
//! involved: both tools only write files.

use std::path::{Path, PathBuf};
use std::process::Command;

use ving::config::Backend;
use ving::migrate::{self, Folder, PrepareOptions, Prepared, Renames};
use ving::schema::{SchemaOptions, SchemaSet, SourceFile};
use ving::table::{mini_hash, TableModel};

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

fn available() -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let kit = interop_dir().join("node_modules/.bin/drizzle-kit").exists();
    if !(node && kit) {
        let why = "drizzle-kit interop needs node and `npm ci` in crates/ving/tests/interop";
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true: {why} (a CI run does not skip it)"
        );
        eprintln!("SKIPPED {why}");
    }
    node && kit
}

/// A folder for a drizzle-kit run (MySQL, `schema.mjs`, `migrations/`), removed on drop.
struct Work(PathBuf);

impl Work {
    fn new(name: &str) -> Work {
        let dir = interop_dir().join(format!("work-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("work dir");
        std::fs::write(
            dir.join("drizzle.config.mjs"),
            "export default { dialect: 'mysql', schema: './schema.mjs', out: './migrations' };\n",
        )
        .expect("config");
        Work(dir)
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn js_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// The drizzle-orm column ving's helpers (`helpers.mjs`) write for a column of the table
/// model: `dbPk`, `dbTimestamp`, `dbDateTime`, `dbVarChar`, `dbText`, `dbMediumText`,
/// `dbEnum`, `dbBoolean`, `dbInt`, `dbBigInt`, `dbJson`, `dbUuid`, `dbRelation`.
fn js_column(column: &ving::table::Column) -> String {
    use ving::table::{ColumnDefault, ColumnType};
    let name = js_string(&column.name);
    let unsigned = format!("bigint({name}, {{ mode: 'number', unsigned: true }})");
    let default = |d: &Option<ColumnDefault>| match d {
        Some(ColumnDefault::String(s)) => format!(".default({})", js_string(s)),
        Some(ColumnDefault::Integer(n)) => format!(".default({n})"),
        Some(ColumnDefault::Boolean(b)) => format!(".default({b})"),
        Some(ColumnDefault::Json(j)) => format!(".default({j})"),
        Some(ColumnDefault::Null) => ".default(null)".into(),
        Some(ColumnDefault::Now) => ".defaultNow()".into(),
        None => String::new(),
    };
    let not_null = if column.not_null { ".notNull()" } else { "" };
    let on_update = if column.on_update_now {
        ".onUpdateNow()"
    } else {
        ""
    };
    match &column.column_type {
        ColumnType::BigIntUnsigned if column.primary_key => {
            format!("{unsigned}.notNull().autoincrement().primaryKey()")
        }
        ColumnType::Timestamp => format!("timestamp({name}).defaultNow().notNull(){on_update}"),
        ColumnType::DateTime => format!(
            "datetime({name}).notNull(){}{on_update}",
            default(&column.default)
        ),
        ColumnType::Varchar(n) => format!(
            "varchar({name}, {{ length: {n} }}).notNull(){}",
            default(&column.default)
        ),
        ColumnType::Text => format!("text({name}).notNull()"),
        ColumnType::MediumText => format!("mediumtext({name}).notNull()"),
        ColumnType::Enum(values) => {
            let values: Vec<String> = values.iter().map(|v| js_string(v)).collect();
            format!(
                "mysqlEnum({name}, [{}]).notNull(){}",
                values.join(", "),
                default(&column.default)
            )
        }
        ColumnType::Boolean => format!("boolean({name}).notNull(){}", default(&column.default)),
        ColumnType::Int => format!("int({name}).notNull(){}", default(&column.default)),
        ColumnType::Json => format!("json({name}).notNull(){}", default(&column.default)),
        ColumnType::BigIntUnsigned => format!("{unsigned}{not_null}{}", default(&column.default)),
        ColumnType::Char(n) => format!(
            "char({name}, {{ length: {n} }}){not_null}{}",
            default(&column.default)
        ),
    }
}

/// The drizzle-orm table files ving's `drizzletable.mjs` writes for a table model, in one
/// module: `<Kind>Table = mysqlTable(...)` with its unique indexes, composite uniques and
/// foreign keys.
fn drizzle_tables(model: &TableModel) -> String {
    let mut js = String::from(
        "import { mysqlTable, bigint, timestamp, datetime, varchar, text, mediumtext, mysqlEnum, boolean, int, json, char, uniqueIndex, unique, foreignKey } from 'drizzle-orm/mysql-core';\n",
    );
    let kind_of = |table: &str| {
        model
            .table(table)
            .map_or_else(|| table.to_owned(), |t| t.kind.clone())
    };
    for table in &model.tables {
        js.push_str(&format!(
            "export const {}Table = mysqlTable({}, {{\n",
            table.kind,
            js_string(&table.name)
        ));
        for column in &table.columns {
            js.push_str(&format!("  {}: {},\n", column.name, js_column(column)));
        }
        js.push_str("}, (table) => ({\n");
        for index in &table.unique_indexes {
            js.push_str(&format!(
                "  {}: uniqueIndex({}).on(table.{}),\n",
                index.name,
                js_string(&index.name),
                index.column
            ));
        }
        for unique in &table.unique_constraints {
            let columns: Vec<String> = unique
                .columns
                .iter()
                .map(|c| format!("table.{c}"))
                .collect();
            js.push_str(&format!(
                "  {}: unique({}).on({}),\n",
                unique.name,
                js_string(&unique.name),
                columns.join(", ")
            ));
        }
        for fk in &table.foreign_keys {
            js.push_str(&format!(
                "  {}: foreignKey({{ name: {}, columns: [table.{}], foreignColumns: [{}Table.{}] }}).onDelete({}).onUpdate({}),\n",
                fk.name,
                js_string(&fk.name),
                fk.column,
                kind_of(&fk.references_table),
                fk.references_column,
                js_string(fk.on_delete.as_sql()),
                js_string(fk.on_update.as_sql()),
            ));
        }
        js.push_str("}));\n");
    }
    js
}

#[test]
fn drizzle_kit_finds_nothing_to_do_after_ving_prepares_the_sample_app() {
    if !available() {
        return;
    }
    let work = Work::new("sample");
    let schemas = SchemaSet::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/sample-app/ving/schema/schemas"),
        &SchemaOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let model = TableModel::from_schemas(&schemas);
    let folder = Folder::new(work.0.join("migrations"));
    let prepared = migrate::prepare(
        &folder,
        &model,
        &Renames::default(),
        ving::sql::dialect(Backend::MySql),
        &PrepareOptions {
            name: Some("init".into()),
            ..PrepareOptions::default()
        },
    )
    .expect("ving prepare");
    assert!(
        matches!(prepared, Prepared::Migration { .. }),
        "{prepared:?}"
    );
    let tables = drizzle_tables(&model);
    assert_eq!(
        tables.matches(".default(null)").count(),
        1,
        "User.avatarId is the sample app's one nullable relation:\n{tables}"
    );
    std::fs::write(work.0.join("schema.mjs"), &tables).expect("schema");
    let output = generate(&work.0, "after_ving");
    assert!(
        output.contains("No schema changes"),
        "drizzle-kit found changes after ving's migration of the sample app:\n{output}\n{tables}\n{}",
        std::fs::read_dir(work.0.join("migrations"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("after_ving"))
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .collect::<String>()
    );
}

/// The drizzle-orm schema of the same tables as [`ving_schemas`], `with_note` adding
/// widgets.note.
fn drizzle_schema(with_note: bool) -> String {
    let fk = format!("gadgets_widget_{}_fk", mini_hash("gadgets_widget"));
    let note = if with_note {
        "  note: varchar('note', { length: 100 }).notNull().default(''),\n"
    } else {
        ""
    };
    format!(
        r#"import {{ mysqlTable, bigint, timestamp, varchar, mysqlEnum, boolean, int, uniqueIndex, foreignKey }} from 'drizzle-orm/mysql-core';
const base = () => ({{
  id: bigint('id', {{ mode: 'number', unsigned: true }}).notNull().autoincrement().primaryKey(),
  createdAt: timestamp('createdAt').defaultNow().notNull(),
  updatedAt: timestamp('updatedAt').defaultNow().notNull().onUpdateNow(),
}});
export const widgets = mysqlTable('widgets', {{
  ...base(),
  label: varchar('label', {{ length: 60 }}).notNull().default(''),
{note}}});
export const gadgets = mysqlTable('gadgets', {{
  ...base(),
  name: varchar('name', {{ length: 40 }}).notNull().default(''),
  color: mysqlEnum('color', ['red', 'blue']).notNull().default('red'),
  enabled: boolean('enabled').notNull().default(true),
  count: int('count').notNull().default(0),
  widgetId: bigint('widgetId', {{ mode: 'number', unsigned: true }}).default(null),
}}, (t) => [
  uniqueIndex('nameIndex').on(t.name),
  foreignKey({{ name: '{fk}', columns: [t.widgetId], foreignColumns: [widgets.id] }}).onDelete('set null').onUpdate('no action'),
]);
"#
    )
}

fn ving_schemas(with_note: bool) -> SchemaSet {
    let note = if with_note {
        "\n[[props]]\ntype = \"string\"\nname = \"note\"\nrequired = false\nlength = 100\ndefault = \"\"\n"
    } else {
        ""
    };
    let widget = format!(
        "kind = \"Widget\"\ntableName = \"widgets\"\nowner = [\"admin\"]\n\n[[props]]\ntype = \"string\"\nname = \"label\"\nrequired = true\nlength = 60\ndefault = \"\"\n{note}"
    );
    let gadget = r#"kind = "Gadget"
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
type = "enum"
name = "color"
required = true
default = "red"
enums = ["red", "blue"]
enumLabels = ["Red", "Blue"]

[[props]]
type = "boolean"
name = "enabled"
required = true
default = true
enums = [false, true]
enumLabels = ["No", "Yes"]

[[props]]
type = "int"
name = "count"
required = true
default = 0

[[props]]
type = "id"
name = "widgetId"
required = false
[props.relation]
type = "parent"
name = "widget"
kind = "Widget"
"#;
    let files = [
        SourceFile::new("Widget.toml", widget),
        SourceFile::new("Gadget.toml", gadget),
    ];
    SchemaSet::from_files(&files, &SchemaOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `drizzle-kit generate` in `work`; returns its output.
fn generate(work: &Path, name: &str) -> String {
    let output = Command::new(interop_dir().join("node_modules/.bin/drizzle-kit"))
        .args(["generate", "--config", "drizzle.config.mjs", "--name", name])
        .current_dir(work)
        .output()
        .expect("run drizzle-kit");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "drizzle-kit generate failed:\n{text}"
    );
    text
}

#[test]
fn drizzle_kit_and_ving_continue_each_others_folders() {
    if !available() {
        return;
    }
    let work = interop_dir().join(format!("work-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    std::fs::write(
        work.join("drizzle.config.mjs"),
        "export default { dialect: 'mysql', schema: './schema.mjs', out: './migrations' };\n",
    )
    .expect("config");
    let dialect = ving::sql::dialect(Backend::MySql);
    let folder = Folder::new(work.join("migrations"));

    // drizzle-kit starts the folder; ving reads its snapshot as the same structure.
    std::fs::write(work.join("schema.mjs"), drizzle_schema(false)).expect("schema");
    generate(&work, "init");
    let same = ving_schemas(false);
    let prepared = migrate::prepare(
        &folder,
        &TableModel::from_schemas(&same),
        &Renames::default(),
        dialect,
        &PrepareOptions::default(),
    )
    .expect("ving prepare on drizzle-kit's folder");
    assert_eq!(
        prepared,
        Prepared::NothingToDo,
        "ving reads drizzle-kit's snapshot as its own schemas"
    );

    // ving continues it; drizzle-kit reads ving's snapshot and finds nothing to do.
    let more = ving_schemas(true);
    let options = PrepareOptions {
        name: Some("add_note".into()),
        ..PrepareOptions::default()
    };
    let prepared = migrate::prepare(
        &folder,
        &TableModel::from_schemas(&more),
        &Renames::default(),
        dialect,
        &options,
    )
    .expect("ving prepare");
    assert!(
        matches!(prepared, Prepared::Migration { ref tag, .. } if tag == "0001_add_note"),
        "{prepared:?}"
    );
    std::fs::write(work.join("schema.mjs"), drizzle_schema(true)).expect("schema");
    let output = generate(&work, "after_ving");
    assert!(
        output.contains("No schema changes"),
        "drizzle-kit found changes after ving's migration:\n{output}"
    );
    assert!(!work.join("migrations/0002_after_ving.sql").exists());
    let journal =
        std::fs::read_to_string(work.join("migrations/meta/_journal.json")).expect("journal");
    assert!(journal.contains("0000_init") && journal.contains("0001_add_note"));
    let _ = std::fs::remove_dir_all(&work);
}
