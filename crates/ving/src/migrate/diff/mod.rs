//! The diff engine: the newest snapshot against the current table model → an ordered plan
//! of statements, with warnings for every destructive step.
//!
//! Renames are never guessed: a table or column that disappears while another appears is
//! a rename only when the schema says so (`renamedFrom`); otherwise the plan stops and
//! names the candidates, unless the caller accepts drops (`--no-renames`).

use std::collections::{BTreeMap, BTreeSet};

use crate::sql::Dialect;
use crate::table::{Column, ForeignKey, Table, TableModel};

use super::snapshot::{Snapshot, SnapshotColumn, SnapshotIndex, SnapshotTable};
mod alter;
mod step;

use alter::*;
use step::*;

/// Renames the schemas declare: `renamedFrom` hints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renames {
    /// New table name → old table name.
    pub tables: BTreeMap<String, String>,
    /// (new table name, new column name) → old column name.
    pub columns: BTreeMap<(String, String), String>,
    /// Scopes where whatever is gone and not renamed is dropped: `None` for tables,
    /// `Some(table)` for the columns of a table (answers to `--prepare`'s questions).
    pub accepted: BTreeSet<Option<String>>,
    /// (table, column) → the value that rows already in the table get in a column added
    /// `NOT NULL` without a default, or that rows holding NULL get in a column made
    /// `NOT NULL` (`--fill table.column=value`, or the answer to `--prepare`'s
    /// question). Without one, such a column stops the plan.
    pub fills: BTreeMap<(String, String), String>,
    /// Plan such columns without a fill (the reverse plans `--prepare` writes as down
    /// files: there the column comes back as it was).
    pub allow_unfilled: bool,
}

impl Renames {
    /// The hints of a schema set, by table and column name.
    pub fn from_schemas(schemas: &crate::schema::SchemaSet) -> Renames {
        let mut renames = Renames::default();
        for schema in schemas.schemas() {
            if let Some(old) = &schema.renamed_from {
                renames
                    .tables
                    .insert(schema.table_name.clone(), old.clone());
            }
            for prop in &schema.props {
                if let Some(old) = &prop.renamed_from {
                    renames
                        .columns
                        .insert((schema.table_name.clone(), prop.name.clone()), old.clone());
                }
            }
        }
        renames
    }
}

/// The statements of a migration and what they destroy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The statements, in order.
    pub statements: Vec<String>,
    /// Destructive steps, in plain words.
    pub warnings: Vec<String>,
    /// Table renames done (`old` → `new`), for the snapshot's `_meta`.
    pub renamed_tables: Vec<(String, String)>,
    /// Column renames done (`table`, `old` → `new`).
    pub renamed_columns: Vec<(String, String, String)>,
    /// Enum values the plan removes: rows holding them make it fail.
    pub removed_enum_values: Vec<RemovedEnumValues>,
}

/// Values removed from an enum column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedEnumValues {
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
    /// The values removed.
    pub values: Vec<String>,
}

impl Plan {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }
}

/// Why a plan cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// Something disappeared while something else appeared: maybe a rename.
    #[error("{message}")]
    AmbiguousRename {
        /// The whole explanation, with the candidate pairs and the hint.
        message: String,
        /// The table whose columns are in question; `None` when tables are.
        table: Option<String>,
        /// What disappeared.
        gone: Vec<String>,
        /// What appeared.
        new: Vec<String>,
    },
    /// The snapshot could not be read.
    #[error("the newest snapshot is not valid: {0}")]
    Snapshot(String),
    /// A column is added `NOT NULL` without a default to a table that may hold rows:
    /// they need a value.
    #[error("{reason} Give them one: run again with --fill {table}.{column}=<value> (on a terminal, --prepare asks){other_way}")]
    NeedsFill {
        /// Why rows need a value: a column added NOT NULL without a default, or a
        /// nullable column made NOT NULL.
        reason: String,
        /// The table.
        table: String,
        /// The column (the prop's name).
        column: String,
        /// Another way out, if there is one (`; or …`), or empty.
        other_way: String,
    },
    /// A fill value does not suit its column.
    #[error("--fill {table}.{column}: {message}")]
    BadFill {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What is wrong with the value.
        message: String,
    },
}

/// Plans the migration from `old` to `model`.
pub fn plan(
    old: &Snapshot,
    model: &TableModel,
    dialect: &dyn Dialect,
    renames: &Renames,
    accept_drops: bool,
) -> Result<Plan, DiffError> {
    let old_tables: BTreeMap<String, SnapshotTable> = old
        .table_list()
        .map_err(|e| DiffError::Snapshot(e.to_string()))?
        .into_iter()
        .map(|t| (t.name.clone(), t))
        .collect();
    let new_tables: BTreeMap<&str, &Table> =
        model.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut plan = Plan::default();
    let mut phases = Phases::default();
    let caps = dialect.capabilities();

    // Table renames the schemas declare.
    let mut old_by_new: BTreeMap<String, SnapshotTable> = BTreeMap::new();
    let mut consumed: BTreeSet<String> = BTreeSet::new();
    for (new_name, old_name) in &renames.tables {
        if new_tables.contains_key(new_name.as_str())
            && old_tables.contains_key(old_name)
            && !new_tables.contains_key(old_name.as_str())
        {
            phases.renames.push(Step::RenameTable {
                old: old_name.clone(),
                table: new_tables[new_name.as_str()].clone(),
            });
            plan.renamed_tables
                .push((old_name.clone(), new_name.clone()));
            let mut table = old_tables[old_name].clone();
            table.name = new_name.clone();
            old_by_new.insert(new_name.clone(), table);
            consumed.insert(old_name.clone());
        }
    }
    for (name, table) in &old_tables {
        if !consumed.contains(name) && new_tables.contains_key(name.as_str()) {
            old_by_new.insert(name.clone(), table.clone());
        }
    }
    let created: Vec<&Table> = model
        .creation_order()
        .into_iter()
        .filter(|t| !old_by_new.contains_key(&t.name))
        .collect();
    let dropped: Vec<&SnapshotTable> = old_tables
        .values()
        .filter(|t| !consumed.contains(&t.name) && !new_tables.contains_key(t.name.as_str()))
        .collect();
    if !created.is_empty()
        && !dropped.is_empty()
        && !accept_drops
        && !renames.accepted.contains(&None)
    {
        let pairs: Vec<String> = dropped
            .iter()
            .flat_map(|d| {
                created
                    .iter()
                    .map(move |c| format!("{} → {}", d.name, c.name))
            })
            .collect();
        let gone: Vec<String> = dropped.iter().map(|t| t.name.clone()).collect();
        let new: Vec<String> = created.iter().map(|t| t.name.clone()).collect();
        return Err(DiffError::AmbiguousRename {
            message: format!(
                "{} gone and {} new; renames are never guessed. If one was renamed, add renamedFrom = \"<old table>\" to its schema (candidates: {}); if not, run again with --no-renames to drop and create",
                counted("table", &gone),
                counted("table", &new),
                pairs.join(", ")
            ),
            table: None,
            gone,
            new,
        });
    }

    // New tables.
    for table in &created {
        phases.create_tables.push(Step::CreateTable {
            table: (*table).clone(),
            name: table.name.clone(),
        });
        phases
            .create_tables
            .push(Step::CreateIndexes((*table).clone()));
        phases
            .create_tables
            .push(Step::OnUpdateTriggers((*table).clone()));
        if caps.alter_add_foreign_key {
            for fk in &table.foreign_keys {
                phases.add_foreign_keys.push(Step::AddForeignKey {
                    table: (*table).clone(),
                    fk: fk.clone(),
                });
            }
        }
    }

    // Tables on both sides.
    for (name, old) in &old_by_new {
        let table = new_tables[name.as_str()];
        alter_table(
            old,
            table,
            dialect,
            renames,
            accept_drops,
            &mut phases,
            &mut plan,
        )?;
    }

    // Gone tables: their foreign keys first, so no drop waits on another.
    for table in &dropped {
        plan.warnings
            .push(format!("drops table {} and all its rows", table.name));
        if caps.alter_add_foreign_key {
            for fk in table.foreign_keys.values() {
                phases.drop_foreign_keys.push(Step::DropForeignKey {
                    table: table.name.clone(),
                    name: fk.name.clone(),
                });
            }
        }
        phases.drop_tables.push(Step::DropTable {
            name: table.name.clone(),
        });
        // The table takes its triggers along, not PostgreSQL's trigger functions.
        for column in table
            .column_list()
            .iter()
            .filter(|c| c.on_update == Some(true))
        {
            phases.drop_tables.push(Step::DropOnUpdateFunction {
                table: table.name.clone(),
                column: column.name.clone(),
            });
        }
    }

    let Phases {
        renames,
        drop_foreign_keys,
        drop_indexes,
        create_tables,
        alter_columns,
        create_indexes,
        drop_tables,
        add_foreign_keys,
    } = phases;
    plan.statements = [
        renames,
        drop_foreign_keys,
        drop_indexes,
        create_tables,
        alter_columns,
        create_indexes,
        drop_tables,
        add_foreign_keys,
    ]
    .concat()
    .iter()
    .flat_map(|step| step.render(dialect))
    .collect();
    Ok(plan)
}

/// `what` named, with its number: `column color is` or `columns a, b are`.
fn counted(what: &str, names: &[String]) -> String {
    match names {
        [one] => format!("{what} {one} is"),
        _ => format!("{what}s {} are", names.join(", ")),
    }
}

/// Whether a column's type got narrower (a shorter varchar, fewer enum values, another
/// type): rows may not fit.
fn narrows(old: &SnapshotColumn, new: &SnapshotColumn) -> bool {
    if old.sql_type == new.sql_type {
        return false;
    }
    let length = |t: &str| {
        t.strip_prefix("varchar(")
            .and_then(|rest| rest.strip_suffix(')'))
            .and_then(|n| n.parse::<u32>().ok())
    };
    match (length(&old.sql_type), length(&new.sql_type)) {
        (Some(a), Some(b)) => b < a,
        _ => {
            let values = |t: &str| -> Option<BTreeSet<String>> {
                t.strip_prefix("enum(").map(|rest| {
                    rest.trim_end_matches(')')
                        .split(',')
                        .map(str::to_owned)
                        .collect()
                })
            };
            // Enum values removed are warned about on every dialect, by value.
            values(&old.sql_type).is_none() || values(&new.sql_type).is_none()
        }
    }
}
