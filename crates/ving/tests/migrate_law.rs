//! The central law as a property test: for random pairs of valid schema sets A and B
//! (columns added and dropped — enum columns too —, types, lengths, defaults, enum values, uniques, composite
//! uniques, relations, a table added or dropped), applying ∅→A then A→B gives the
//! structure ∅→B gives, the rows survive, preparing again finds nothing to do, and
//! `--down` returns to A's structure — on every backend. `PROPTEST_CASES` sets the number of pairs (12 by default; each pair
//! creates four databases on each server).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use ving::config::Backend;
use ving::db::Db;
use ving::migrate::{self, Folder, PrepareOptions, Prepared, Renames};
use ving::schema::{SchemaOptions, SchemaSet, SourceFile};
use ving::table::TableModel;
use ving::testing::{TestDb, BACKENDS};

/// One random version of the app: Widget always, Gadget sometimes.
#[derive(Debug, Clone)]
struct Version {
    label_length: u32,
    label_default: &'static str,
    label_unique: bool,
    note: Option<(u32, bool)>,
    count: Option<i64>,
    colors: Vec<&'static str>,
    flag: Option<bool>,
    starts_at: bool,
    gadget: Option<(bool, bool)>,
    /// An enum column that comes and goes (its default).
    size: Option<&'static str>,
}

fn version() -> impl Strategy<Value = Version> {
    (
        prop::sample::select(vec![20u32, 60, 120]),
        prop::sample::select(vec!["", "x"]),
        any::<bool>(),
        prop::option::of((prop::sample::select(vec![100u32, 200]), any::<bool>())),
        prop::option::of(prop::sample::select(vec![0i64, 5])),
        prop::sample::subsequence(vec!["blue", "green"], 0..=2),
        prop::option::of(any::<bool>()),
        any::<bool>(),
        prop::option::of((any::<bool>(), any::<bool>())),
        prop::option::of(prop::sample::select(vec!["small", "large"])),
    )
        .prop_map(
            |(
                label_length,
                label_default,
                label_unique,
                note,
                count,
                more,
                flag,
                starts_at,
                gadget,
                size,
            )| {
                let mut colors = vec!["red"];
                colors.extend(more);
                Version {
                    label_length,
                    label_default,
                    label_unique,
                    note,
                    count,
                    colors,
                    flag,
                    starts_at,
                    gadget,
                    size,
                }
            },
        )
}

fn render(v: &Version) -> Vec<(&'static str, String)> {
    let mut widget = format!(
        "kind = \"Widget\"\ntableName = \"widgets\"\nowner = [\"admin\"]\n\n[[props]]\ntype = \"string\"\nname = \"label\"\nrequired = true\nlength = {}\ndefault = \"{}\"\nunique = {}\n",
        v.label_length, v.label_default, v.label_unique && v.note.is_none_or(|(_, q)| !q)
    );
    if let Some((length, qualified)) = v.note {
        widget.push_str(&format!("\n[[props]]\ntype = \"string\"\nname = \"note\"\nrequired = false\nlength = {length}\ndefault = \"\"\n"));
        if qualified {
            widget.push_str("unique = true\nuniqueQualifiers = [\"label\"]\n");
        }
    }
    if let Some(count) = v.count {
        widget.push_str(&format!(
            "\n[[props]]\ntype = \"int\"\nname = \"count\"\nrequired = true\ndefault = {count}\n"
        ));
    }
    let colors: Vec<String> = v.colors.iter().map(|c| format!("\"{c}\"")).collect();
    let labels: Vec<String> = v
        .colors
        .iter()
        .map(|c| format!("\"{}\"", c.to_uppercase()))
        .collect();
    widget.push_str(&format!(
        "\n[[props]]\ntype = \"enum\"\nname = \"color\"\nrequired = true\ndefault = \"red\"\nenums = [{}]\nenumLabels = [{}]\n",
        colors.join(", "),
        labels.join(", ")
    ));
    if let Some(flag) = v.flag {
        widget.push_str(&format!("\n[[props]]\ntype = \"boolean\"\nname = \"flag\"\nrequired = true\ndefault = {flag}\nenums = [false, true]\nenumLabels = [\"No\", \"Yes\"]\n"));
    }
    if let Some(size) = v.size {
        widget.push_str(&format!("\n[[props]]\ntype = \"enum\"\nname = \"size\"\nrequired = true\ndefault = \"{size}\"\nenums = [\"small\", \"large\"]\nenumLabels = [\"Small\", \"Large\"]\n"));
    }
    if v.starts_at {
        widget.push_str("\n[[props]]\ntype = \"date\"\nname = \"startsAt\"\nrequired = false\n");
    }
    let mut files = vec![("Widget.toml", widget)];
    if let Some((unique, required)) = v.gadget {
        files.push(("Gadget.toml", format!(
            "kind = \"Gadget\"\ntableName = \"gadgets\"\nowner = [\"admin\"]\n\n[[props]]\ntype = \"string\"\nname = \"name\"\nrequired = true\nlength = 40\ndefault = \"\"\nunique = {unique}\n\n[[props]]\ntype = \"id\"\nname = \"widgetId\"\nrequired = {required}\n[props.relation]\ntype = \"parent\"\nname = \"widget\"\nkind = \"Widget\"\n"
        )));
    }
    files
}

fn schemas(v: &Version) -> SchemaSet {
    let files: Vec<_> = render(v)
        .into_iter()
        .map(|(n, t)| SourceFile::new(n, t))
        .collect();
    SchemaSet::from_files(&files, &SchemaOptions::default())
        .unwrap_or_else(|e| panic!("{e}\n{v:?}"))
}

/// The value a gadget's widget gets when the relation becomes required (widget 1).
fn fills() -> Renames {
    let mut renames = Renames::default();
    renames
        .fills
        .insert(("gadgets".into(), "widgetId".into()), "1".into());
    renames
}

async fn migrate_to(db: &Db, folder: &Folder, set: &SchemaSet) -> Result<(), String> {
    let options = PrepareOptions {
        accept_drops: true,
        ..PrepareOptions::default()
    };
    migrate::prepare(
        folder,
        &TableModel::from_schemas(set),
        &fills(),
        db.dialect(),
        &options,
    )
    .map_err(|e| format!("prepare: {e}"))?;
    migrate::up(db, folder)
        .await
        .map_err(|e| format!("up: {e}"))?;
    Ok(())
}

/// Columns (name, type, nullability, default) and indexes and foreign keys, as text.
async fn structure(test: &TestDb) -> Vec<String> {
    let name = test.name();
    let queries: Vec<String> = match test.backend() {
        Backend::MySql => vec![
            format!("SELECT CONCAT_WS('|', TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, IFNULL(COLUMN_DEFAULT, '-'), EXTRA) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{name}' AND TABLE_NAME NOT LIKE '\\_\\_%'"),
            format!("SELECT CONCAT_WS('|', TABLE_NAME, INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '{name}' AND TABLE_NAME NOT LIKE '\\_\\_%' GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE"),
            format!("SELECT CONCAT_WS('|', TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME, DELETE_RULE, UPDATE_RULE) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = '{name}'"),
        ],
        Backend::Postgres => vec![
            "SELECT concat_ws('|', table_name, column_name, data_type, character_maximum_length, is_nullable, coalesce(column_default, '-')) FROM information_schema.columns WHERE table_schema = 'public'".into(),
            "SELECT concat_ws('|', tablename, indexname, indexdef) FROM pg_indexes WHERE schemaname = 'public'".into(),
            "SELECT concat_ws('|', conrelid::regclass::text, conname, pg_get_constraintdef(oid)) FROM pg_constraint WHERE connamespace = 'public'::regnamespace".into(),
        ],
        Backend::Sqlite => vec![
            "SELECT m.name || '|' || p.name || '|' || p.type || '|' || p.\"notnull\" || '|' || ifnull(p.dflt_value, '-') FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE '\\_\\_%' ESCAPE '\\' AND m.name <> 'sqlite_sequence'".into(),
            "SELECT m.name || '|' || i.name || '|' || i.\"unique\" || '|' || (SELECT group_concat(name) FROM pragma_index_info(i.name)) FROM sqlite_master m JOIN pragma_index_list(m.name) i WHERE m.type = 'table'".into(),
            "SELECT m.name || '|' || f.\"table\" || '|' || f.\"from\" || '|' || f.on_update || '|' || f.on_delete FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'".into(),
        ],
    };
    let mut out = Vec::new();
    for query in queries {
        out.extend(
            test.db()
                .fetch_all(&query, Vec::new(), |row| row.get_string(0))
                .await
                .expect("catalog"),
        );
    }
    out.sort();
    out
}

async fn law(backend: Backend, a: &Version, b: &Version) -> Result<(), String> {
    let (Some(stepwise), Some(direct)) = (
        TestDb::fresh_or_skip(backend).await,
        TestDb::fresh_or_skip(backend).await,
    ) else {
        return Ok(());
    };
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let folder = Folder::new(dir.path().join("a"));
    let (set_a, set_b) = (schemas(a), schemas(b));
    migrate_to(stepwise.db(), &folder, &set_a).await?;
    let a_structure = structure(&stepwise).await;
    stepwise
        .db()
        .execute_script("INSERT INTO widgets (label) VALUES ('kept')")
        .await
        .map_err(|e| e.to_string())?;
    migrate_to(stepwise.db(), &folder, &set_b)
        .await
        .map_err(|e| format!("{backend} A→B: {e}"))?;
    migrate_to(direct.db(), &Folder::new(dir.path().join("b")), &set_b).await?;
    let (got, want) = (structure(&stepwise).await, structure(&direct).await);
    if got != want {
        return Err(format!(
            "{backend}: structures differ\n  A→B: {got:#?}\n  ∅→B: {want:#?}"
        ));
    }
    let kept = stepwise
        .db()
        .fetch_all("SELECT label FROM widgets", Vec::new(), |row| {
            row.get_string(0)
        })
        .await
        .map_err(|e| e.to_string())?;
    if kept != ["kept"] {
        return Err(format!("{backend}: rows did not survive: {kept:?}"));
    }
    let again = migrate::prepare(
        &folder,
        &TableModel::from_schemas(&set_b),
        &fills(),
        stepwise.db().dialect(),
        &PrepareOptions {
            accept_drops: true,
            ..PrepareOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    if again != Prepared::NothingToDo {
        return Err(format!(
            "{backend}: prepare after B is not empty: {again:?}"
        ));
    }
    migrate::down(stepwise.db(), &folder, 1, true)
        .await
        .map_err(|e| format!("{backend} down: {e}"))?;
    let back = structure(&stepwise).await;
    if back != a_structure {
        return Err(format!(
            "{backend}: --down did not return to A\n  now: {back:#?}\n  A:   {a_structure:#?}"
        ));
    }
    stepwise.cleanup().await;
    direct.cleanup().await;
    Ok(())
}

#[test]
fn migrating_random_a_then_b_equals_creating_b() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(12);
    let mut runner = TestRunner::new(Config {
        cases,
        ..Config::default()
    });
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runner
        .run(&(version(), version()), |(a, b)| {
            for backend in BACKENDS {
                runtime
                    .block_on(law(backend, &a, &b))
                    .map_err(|e| TestCaseError::fail(format!("{e}\nA = {a:?}\nB = {b:?}")))?;
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
