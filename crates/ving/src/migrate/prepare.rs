//! Preparing a migration: the diff of the newest snapshot against the schemas' table model,
//! written as drizzle-kit writes it, with ving's down file beside it.

use super::*;

/// Marks a down migration that destroys data: `--down` refuses it unless forced.
pub const DESTRUCTIVE: &str = "-- destructive:";

/// The text of a down migration: its destructive steps as comments, then its statements.
pub(super) fn down_text(down: &Plan) -> String {
    let mut text =
        String::from("-- ving: reverts the migration beside it (drizzle-kit ignores this file)\n");
    for warning in &down.warnings {
        text.push_str(&format!("{DESTRUCTIVE} this {warning}\n"));
    }
    let statements: Vec<String> = down
        .statements
        .iter()
        .map(|s| format!("{};", s.trim_end_matches(';')))
        .collect();
    text.push_str(&statements.join(&format!("\n{BREAKPOINT}\n")));
    text
}

/// What `prepare` should do.
#[derive(Debug, Clone, Default)]
pub struct PrepareOptions {
    /// The migration's name (`--name`); a generated adjective_noun otherwise.
    pub name: Option<String>,
    /// Write an empty migration for hand-written SQL (`--custom`).
    pub custom: bool,
    /// Print, write nothing (`--dry-run`).
    pub dry_run: bool,
    /// Treat unmatched disappearances as drops (`--no-renames`).
    pub accept_drops: bool,
}

/// What `prepare` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    /// The schemas match the newest snapshot.
    NothingToDo,
    /// A migration was planned (and written unless dry-run).
    Migration {
        /// Its tag (`0001_brave_otter`): its file's name without `.sql`, written or (in a
        /// dry run) to be written.
        tag: String,
        /// Its statements.
        statements: Vec<String>,
        /// Its destructive steps.
        warnings: Vec<String>,
        /// Enum values it removes (rows holding them make it fail).
        removed_enum_values: Vec<RemovedEnumValues>,
    },
}

/// Prepares the next migration of `folder` for `model` in `dialect`.
pub fn prepare(
    folder: &Folder,
    model: &TableModel,
    renames: &Renames,
    dialect: &dyn Dialect,
    options: &PrepareOptions,
) -> Result<Prepared, MigrateError> {
    let old = folder.latest_snapshot(dialect)?;
    let name = options.name.clone().unwrap_or_else(generated_name);
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if options.custom {
        let mut snapshot = old.clone();
        snapshot.prev_id = old.id.clone();
        snapshot.id = uuid::Uuid::new_v4().to_string();
        let tag = if options.dry_run {
            folder.next_tag(dialect, &name)?
        } else {
            let down = Plan {
                warnings: vec![
                    "is the reverse of a custom migration: write it here, then remove this line"
                        .into(),
                ],
                ..Plan::default()
            };
            folder.write(
                dialect,
                &name,
                &["-- Custom SQL migration file, put your code below! --".into()],
                &down,
                &snapshot,
            )?
        };
        return Ok(Prepared::Migration {
            tag,
            statements: Vec::new(),
            warnings: Vec::new(),
            removed_enum_values: Vec::new(),
        });
    }
    let plan = diff::plan(&old, model, dialect, renames, options.accept_drops)?;
    if plan.is_empty() {
        return Ok(Prepared::NothingToDo);
    }
    let mut snapshot = Snapshot::of(model, dialect, &old.id);
    for (old_name, new_name) in &plan.renamed_tables {
        snapshot
            .meta
            .tables
            .insert(format!("\"{old_name}\""), format!("\"{new_name}\""));
    }
    for (table, old_name, new_name) in &plan.renamed_columns {
        snapshot.meta.columns.insert(
            format!("\"{table}\".\"{old_name}\""),
            format!("\"{table}\".\"{new_name}\""),
        );
    }
    // The reverse: from the new structure back to the old one, renames undone.
    let old_model = old
        .to_model(dialect)
        .map_err(|e| DiffError::Snapshot(e.to_string()))?;
    let mut reverse = Renames {
        allow_unfilled: true,
        ..Renames::default()
    };
    for (old_name, new_name) in &plan.renamed_tables {
        reverse.tables.insert(old_name.clone(), new_name.clone());
    }
    for (table, old_name, new_name) in &plan.renamed_columns {
        let old_table = plan
            .renamed_tables
            .iter()
            .find(|(_, n)| n == table)
            .map_or_else(|| table.clone(), |(o, _)| o.clone());
        reverse
            .columns
            .insert((old_table, old_name.clone()), new_name.clone());
    }
    let down = diff::plan(&snapshot, &old_model, dialect, &reverse, true)?;
    let tag = if options.dry_run {
        folder.next_tag(dialect, &name)?
    } else {
        folder.write(dialect, &name, &plan.statements, &down, &snapshot)?
    };
    Ok(Prepared::Migration {
        tag,
        statements: plan.statements,
        warnings: plan.warnings,
        removed_enum_values: plan.removed_enum_values,
    })
}

/// Rows of the database holding a value a migration removes from an enum column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowsHoldingValue {
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
    /// The removed value.
    pub value: String,
    /// How many rows hold it.
    pub rows: i64,
}

/// Counts the rows of `db` that hold each of the `removed` enum values (a table the
/// database does not have yet holds none).
pub async fn rows_holding(db: &Db, removed: &[RemovedEnumValues]) -> Vec<RowsHoldingValue> {
    let dialect = db.dialect();
    let mut found = Vec::new();
    for item in removed {
        for value in &item.values {
            let count = match db.backend() {
                Backend::MySql => "CAST(COUNT(*) AS SIGNED)",
                _ => "COUNT(*)",
            };
            let sql = format!(
                "SELECT {count} FROM {} WHERE {} = {}",
                dialect.quote(&item.table),
                dialect.quote(&item.column),
                dialect.string_literal(value)
            );
            let Ok(counts) = db.fetch_all(&sql, Vec::new(), |row| row.get_i64(0)).await else {
                continue; // no such table or column yet: no rows
            };
            let rows = counts.first().copied().unwrap_or(0);
            if rows > 0 {
                found.push(RowsHoldingValue {
                    table: item.table.clone(),
                    column: item.column.clone(),
                    value: value.clone(),
                    rows,
                });
            }
        }
    }
    found
}

/// A name like drizzle-kit's: an adjective and a noun.
pub(super) fn generated_name() -> String {
    const ADJECTIVES: &[&str] = &[
        "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "kind", "lively", "mighty",
        "nimble", "proud", "quick", "silly", "tidy", "witty",
    ];
    const NOUNS: &[&str] = &[
        "otter", "falcon", "badger", "comet", "ember", "glacier", "harbor", "island", "jaguar",
        "lantern", "meadow", "nebula", "orchid", "pebble", "quartz", "river",
    ];
    let bytes = uuid::Uuid::new_v4();
    let bytes = bytes.as_bytes();
    format!(
        "{}_{}",
        ADJECTIVES[usize::from(bytes[0]) % ADJECTIVES.len()],
        NOUNS[usize::from(bytes[1]) % NOUNS.len()]
    )
}
