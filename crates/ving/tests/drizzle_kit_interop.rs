//! Dev-only interoperability with the real drizzle-kit (MySQL): a folder drizzle-kit
//! started is continued by ving, and drizzle-kit reads ving's next snapshot as its own —
//! `drizzle-kit generate` finds nothing to do.
//!
//! Needs node and the packages of `tests/interop` (`npm ci` there); without them the test
//! says it is skipped. No database is involved: both tools only write files.

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
        eprintln!(
            "SKIPPED drizzle-kit interop: needs node and `npm ci` in crates/ving/tests/interop"
        );
    }
    node && kit
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
  widgetId: bigint('widgetId', {{ mode: 'number', unsigned: true }}),
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
        matches!(prepared, Prepared::Migration { tag: Some(ref tag), .. } if tag == "0001_add_note"),
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
