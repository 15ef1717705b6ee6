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
    /// `NOT NULL` without a default (`--fill table.column=value`, or the answer to
    /// `--prepare`'s question). Without one, such a column stops the plan.
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
    #[error("{message}")]
    NeedsFill {
        /// The whole explanation, with the ways out.
        message: String,
        /// The table.
        table: String,
        /// The column (the prop's name).
        column: String,
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

/// The SQL literal of `value` for `column`, or why it does not suit it.
fn fill_literal(
    dialect: &dyn Dialect,
    table: &str,
    column: &crate::table::Column,
    value: &str,
) -> Result<String, DiffError> {
    use crate::table::{ColumnDefault, ColumnType};
    let bad = |message: String| DiffError::BadFill {
        table: table.to_owned(),
        column: column.name.clone(),
        message,
    };
    let default = match &column.column_type {
        ColumnType::Int | ColumnType::BigIntUnsigned => {
            let n: i64 = value
                .trim()
                .parse()
                .map_err(|_| bad(format!("{value:?} is not a whole number")))?;
            if column.column_type == ColumnType::BigIntUnsigned && n < 0 {
                return Err(bad(format!("{n} is negative; the column is unsigned")));
            }
            ColumnDefault::Integer(n)
        }
        ColumnType::Boolean => ColumnDefault::Boolean(
            value
                .trim()
                .parse()
                .map_err(|_| bad(format!("{value:?} is not true or false")))?,
        ),
        ColumnType::Json => {
            serde_json::from_str::<serde_json::Value>(value)
                .map_err(|e| bad(format!("{value:?} is not JSON: {e}")))?;
            ColumnDefault::Json(value.to_owned())
        }
        ColumnType::Enum(values) if !values.iter().any(|v| v == value) => {
            return Err(bad(format!(
                "{value:?} is not one of the enum values {}",
                values.join(", ")
            )))
        }
        ColumnType::Varchar(n) | ColumnType::Char(n) if value.chars().count() > *n as usize => {
            return Err(bad(format!("{value:?} is longer than the column ({n})")))
        }
        _ => ColumnDefault::String(value.to_owned()),
    };
    Ok(dialect.default_literal(&default))
}

/// One step of a plan, as data; the dialect writes its SQL when the plan is complete
/// ([`Step::render`]), so planning never edits SQL text.
#[derive(Debug, Clone)]
enum Step {
    RenameTable {
        old: String,
        table: Table,
    },
    RenameColumn {
        table: String,
        old: String,
        new: String,
    },
    DropForeignKey {
        table: String,
        name: String,
    },
    DropIndex {
        table: String,
        name: String,
    },
    DropUnique {
        table: String,
        name: String,
    },
    DropCheck {
        table: String,
        name: String,
    },
    DropTrigger {
        table: String,
        name: String,
    },
    /// `CREATE TABLE`, under another name for a rebuild's copy.
    CreateTable {
        table: Table,
        name: String,
    },
    CreateUniqueIndexes(Table),
    OnUpdateTriggers(Table),
    AddForeignKey {
        table: Table,
        fk: ForeignKey,
    },
    /// `INSERT INTO into (columns) SELECT sources FROM from`: a source is a column of
    /// `from` or a literal (a fill value).
    CopyRows {
        from: String,
        into: String,
        columns: Vec<(String, Source)>,
    },
    DropTable {
        name: String,
    },
    SwapIn {
        from: String,
        to: String,
    },
    CreateIndex {
        table: String,
        index: SnapshotIndex,
    },
    AddColumn {
        table: String,
        column: Column,
    },
    FillColumn {
        table: String,
        column: String,
        literal: String,
    },
    RestateColumn {
        table: String,
        column: Column,
    },
    AlterType {
        table: String,
        column: String,
        sql_type: String,
    },
    SetDefault {
        table: String,
        column: String,
        default: Option<String>,
    },
    SetNotNull {
        table: String,
        column: String,
        not_null: bool,
    },
    DropColumn {
        table: String,
        column: String,
    },
    DropOnUpdateFunction {
        table: String,
        column: String,
    },
    AddCheck {
        table: String,
        name: String,
        condition: String,
    },
    AddUnique {
        table: String,
        name: String,
        columns: Vec<String>,
    },
}

/// Where a copied column's values come from.
#[derive(Debug, Clone)]
enum Source {
    Column(String),
    Literal(String),
}

impl Step {
    /// The statements of the step in `dialect`.
    fn render(&self, dialect: &dyn Dialect) -> Vec<String> {
        let q = |name: &str| dialect.quote(name);
        let one = |sql: String| vec![sql];
        match self {
            Step::RenameTable { old, table } => dialect.rename_table(old, table),
            Step::RenameColumn { table, old, new } => one(format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                q(table),
                q(old),
                q(new)
            )),
            Step::DropForeignKey { table, name } => one(dialect.drop_foreign_key(table, name)),
            Step::DropIndex { table, name } => one(dialect.drop_index(table, name)),
            Step::DropUnique { table, name } => one(dialect.drop_unique_constraint(table, name)),
            Step::DropCheck { table, name } => one(format!(
                "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
                q(table),
                q(name)
            )),
            Step::DropTrigger { table, name } => one(format!(
                "DROP TRIGGER IF EXISTS {} ON {}",
                q(name),
                q(table)
            )),
            Step::CreateTable { table, name } => one(dialect.create_table_as(table, name)),
            Step::CreateUniqueIndexes(table) => dialect.create_unique_indexes(table),
            Step::OnUpdateTriggers(table) => dialect.on_update_triggers(table),
            Step::AddForeignKey { table, fk } => one(dialect.add_foreign_key(table, fk)),
            Step::CopyRows {
                from,
                into,
                columns,
            } => {
                let targets: Vec<String> = columns.iter().map(|(c, _)| q(c)).collect();
                let sources: Vec<String> = columns
                    .iter()
                    .map(|(_, source)| match source {
                        Source::Column(c) => q(c),
                        Source::Literal(literal) => literal.clone(),
                    })
                    .collect();
                one(format!(
                    "INSERT INTO {} ({}) SELECT {} FROM {}",
                    q(into),
                    targets.join(", "),
                    sources.join(", "),
                    q(from)
                ))
            }
            Step::DropTable { name } => one(format!("DROP TABLE {}", q(name))),
            Step::SwapIn { from, to } => {
                one(format!("ALTER TABLE {} RENAME TO {}", q(from), q(to)))
            }
            Step::CreateIndex { table, index } => {
                let columns: Vec<String> = index.columns.iter().map(|c| q(c)).collect();
                one(format!(
                    "CREATE {}INDEX {} ON {} ({})",
                    if index.is_unique { "UNIQUE " } else { "" },
                    q(&index.name),
                    q(table),
                    columns.join(", ")
                ))
            }
            Step::AddColumn { table, column } => one(format!(
                "ALTER TABLE {} ADD COLUMN {}",
                q(table),
                dialect.column_definition(column)
            )),
            Step::FillColumn {
                table,
                column,
                literal,
            } => one(format!("UPDATE {} SET {} = {literal}", q(table), q(column))),
            Step::RestateColumn { table, column } => one(format!(
                "ALTER TABLE {} MODIFY COLUMN {}",
                q(table),
                dialect.column_definition(column)
            )),
            Step::AlterType {
                table,
                column,
                sql_type,
            } => {
                let c = q(column);
                one(format!(
                    "ALTER TABLE {} ALTER COLUMN {c} TYPE {sql_type} USING {c}::{sql_type}",
                    q(table)
                ))
            }
            Step::SetDefault {
                table,
                column,
                default,
            } => one(match default {
                Some(default) => format!(
                    "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {default}",
                    q(table),
                    q(column)
                ),
                None => format!(
                    "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                    q(table),
                    q(column)
                ),
            }),
            Step::SetNotNull {
                table,
                column,
                not_null,
            } => one(format!(
                "ALTER TABLE {} ALTER COLUMN {} {} NOT NULL",
                q(table),
                q(column),
                if *not_null { "SET" } else { "DROP" }
            )),
            Step::DropColumn { table, column } => one(format!(
                "ALTER TABLE {} DROP COLUMN {}",
                q(table),
                q(column)
            )),
            Step::DropOnUpdateFunction { table, column } => dialect
                .drop_on_update_function(table, column)
                .into_iter()
                .collect(),
            Step::AddCheck {
                table,
                name,
                condition,
            } => one(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({condition})",
                q(table),
                q(name)
            )),
            Step::AddUnique {
                table,
                name,
                columns,
            } => {
                let columns: Vec<String> = columns.iter().map(|c| q(c)).collect();
                one(format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE({})",
                    q(table),
                    q(name),
                    columns.join(",")
                ))
            }
        }
    }
}

/// Steps collected per phase, then rendered in order.
#[derive(Default)]
struct Phases {
    renames: Vec<Step>,
    drop_foreign_keys: Vec<Step>,
    drop_indexes: Vec<Step>,
    create_tables: Vec<Step>,
    alter_columns: Vec<Step>,
    create_indexes: Vec<Step>,
    drop_tables: Vec<Step>,
    add_foreign_keys: Vec<Step>,
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
        return Err(DiffError::AmbiguousRename {
            message: format!(
                "tables {} are gone and {} are new; renames are never guessed. If one was renamed, add renamedFrom = \"<old table>\" to its schema (candidates: {}); if not, run again with --no-renames to drop and create",
                names(dropped.iter().map(|t| t.name.as_str())),
                names(created.iter().map(|t| t.name.as_str())),
                pairs.join(", ")
            ),
            table: None,
            gone: dropped.iter().map(|t| t.name.clone()).collect(),
            new: created.iter().map(|t| t.name.clone()).collect(),
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
            .push(Step::CreateUniqueIndexes((*table).clone()));
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

fn names<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
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

#[allow(clippy::too_many_arguments)]
fn alter_table(
    old: &SnapshotTable,
    table: &Table,
    dialect: &dyn Dialect,
    renames: &Renames,
    accept_drops: bool,
    phases: &mut Phases,
    plan: &mut Plan,
) -> Result<(), DiffError> {
    let new = SnapshotTable::of(table, dialect).normalized();
    let caps = dialect.capabilities();
    let t = || table.name.clone();
    let old_columns: BTreeMap<String, SnapshotColumn> = old
        .column_list()
        .into_iter()
        .map(|c| (c.name.clone(), c))
        .collect();
    let new_columns = new.column_list();

    // Column renames the schemas declare: old name of each new column.
    let mut source: BTreeMap<String, String> = BTreeMap::new();
    for column in &new_columns {
        let hint = renames
            .columns
            .get(&(table.name.clone(), column.name.clone()));
        match hint {
            Some(old_name)
                if old_columns.contains_key(old_name)
                    && !new_columns.iter().any(|c| &c.name == old_name) =>
            {
                phases.renames.push(Step::RenameColumn {
                    table: t(),
                    old: old_name.clone(),
                    new: column.name.clone(),
                });
                plan.renamed_columns.push((
                    table.name.clone(),
                    old_name.clone(),
                    column.name.clone(),
                ));
                source.insert(column.name.clone(), old_name.clone());
            }
            _ if old_columns.contains_key(&column.name) => {
                source.insert(column.name.clone(), column.name.clone());
            }
            _ => {}
        }
    }
    let kept: BTreeSet<&String> = source.values().collect();
    let added: Vec<&SnapshotColumn> = new_columns
        .iter()
        .filter(|c| !source.contains_key(&c.name))
        .collect();
    let removed: Vec<&SnapshotColumn> = old_columns
        .values()
        .filter(|c| !kept.contains(&c.name))
        .collect();
    if !added.is_empty()
        && !removed.is_empty()
        && !accept_drops
        && !renames.accepted.contains(&Some(table.name.clone()))
    {
        return Err(DiffError::AmbiguousRename {
            message: format!(
                "in table {}, columns {} are gone and {} are new; renames are never guessed. If one was renamed, add renamedFrom = \"<old prop>\" to its prop; if not, run again with --no-renames",
                table.name,
                names(removed.iter().map(|c| c.name.as_str())),
                names(added.iter().map(|c| c.name.as_str()))
            ),
            table: Some(table.name.clone()),
            gone: removed.iter().map(|c| c.name.clone()).collect(),
            new: added.iter().map(|c| c.name.clone()).collect(),
        });
    }
    // Columns added NOT NULL without a default: rows already in the table need a value.
    let mut fills: BTreeMap<&str, String> = BTreeMap::new();
    for column in added.iter().filter(|c| c.not_null && c.default.is_none()) {
        let Some(model) = table.column(&column.name) else {
            continue;
        };
        match renames
            .fills
            .get(&(table.name.clone(), column.name.clone()))
        {
            Some(value) => {
                fills.insert(
                    &column.name,
                    fill_literal(dialect, &table.name, model, value)?,
                );
            }
            None if renames.allow_unfilled => {}
            None => {
                use crate::table::ColumnType;
                let (t, c) = (&table.name, &column.name);
                let other_way = match model.column_type {
                    ColumnType::Char(_) | ColumnType::BigIntUnsigned => {
                        "; or make the prop optional (required = false)"
                    }
                    ColumnType::Enum(_) | ColumnType::Json => "; or give the prop a default",
                    _ => "",
                };
                return Err(DiffError::NeedsFill {
                    message: format!(
                        "prop {kind}.props.{c} is new and its column {t}.{c} is NOT NULL without a default, so rows already in {t} would have no value for it. Give them one: run again with --fill {t}.{c}=<value> (on a terminal, --prepare asks){other_way}",
                        kind = table.kind
                    ),
                    table: t.clone(),
                    column: c.clone(),
                });
            }
        }
    }
    let changed: Vec<(&SnapshotColumn, &SnapshotColumn)> = new_columns
        .iter()
        .filter_map(|c| source.get(&c.name).map(|o| (&old_columns[o], c)))
        .filter(|(o, n)| {
            let mut renamed = (*o).clone();
            renamed.name = n.name.clone();
            &renamed != *n
        })
        .collect();
    let checks_changed = old.check_constraints != new.check_constraints;
    for column in &removed {
        plan.warnings.push(format!(
            "drops column {}.{} and its values",
            table.name, column.name
        ));
    }
    for (o, n) in &changed {
        if narrows(o, n) {
            plan.warnings.push(format!(
                "narrows {}.{} from {} to {}: values that do not fit are lost or refused",
                table.name, n.name, o.sql_type, n.sql_type
            ));
        }
    }

    // Enum values removed (a MySQL enum type, a CHECK elsewhere): compared by value.
    let old_table = old.to_table(dialect);
    for column in &new_columns {
        let (Some(old_name), Some(model)) = (source.get(&column.name), table.column(&column.name))
        else {
            continue;
        };
        let (Some(before), crate::table::ColumnType::Enum(after)) = (
            old_table.column(old_name).map(|c| &c.column_type),
            &model.column_type,
        ) else {
            continue;
        };
        let crate::table::ColumnType::Enum(before) = before else {
            continue;
        };
        let values: Vec<String> = before
            .iter()
            .filter(|v| !after.contains(v))
            .cloned()
            .collect();
        if !values.is_empty() {
            plan.warnings.push(format!(
                "removes enum value{} {} from {}.{}: rows holding {} make it fail (change them first)",
                if values.len() == 1 { "" } else { "s" },
                values.join(", "),
                table.name,
                column.name,
                if values.len() == 1 { "it" } else { "them" },
            ));
            plan.removed_enum_values.push(RemovedEnumValues {
                table: table.name.clone(),
                column: column.name.clone(),
                values,
            });
        }
    }

    let uniques_changed = old.unique_constraints != new.unique_constraints;
    let fks_changed = old.foreign_keys != new.foreign_keys;
    let triggers_changed = changed.iter().any(|(o, n)| o.on_update != n.on_update)
        || added.iter().any(|c| c.on_update == Some(true))
        || removed.iter().any(|c| c.on_update == Some(true));

    // Indexes: drop what changed or went, create what changed or came.
    for (name, index) in &old.indexes {
        if new.indexes.get(name) != Some(index) {
            phases.drop_indexes.push(Step::DropIndex {
                table: t(),
                name: name.clone(),
            });
        }
    }
    let create_index = |index: &SnapshotIndex| Step::CreateIndex {
        table: t(),
        index: index.clone(),
    };

    let needs_rebuild = !caps.alter_columns
        && (!changed.is_empty()
            || !removed.is_empty()
            || uniques_changed
            || fks_changed
            || checks_changed
            || added.iter().any(|c| c.not_null && c.default.is_none())
            || triggers_changed);
    if needs_rebuild {
        // SQLite: drizzle-kit's recreate, copy, swap (foreign key checks are off while
        // the migration runs; see `apply`).
        let temporary = format!("__new_{}", table.name);
        phases.alter_columns.push(Step::CreateTable {
            table: table.clone(),
            name: temporary.clone(),
        });
        let mut columns: Vec<(String, Source)> = new_columns
            .iter()
            .filter_map(|c| {
                source
                    .get(&c.name)
                    .map(|o| (c.name.clone(), Source::Column(o.clone())))
            })
            .collect();
        for (column, literal) in &fills {
            columns.push(((*column).to_owned(), Source::Literal(literal.clone())));
        }
        phases.alter_columns.push(Step::CopyRows {
            from: t(),
            into: temporary.clone(),
            columns,
        });
        phases.alter_columns.push(Step::DropTable { name: t() });
        phases.alter_columns.push(Step::SwapIn {
            from: temporary,
            to: t(),
        });
        // The old table took its indexes and triggers with it.
        phases
            .create_indexes
            .extend(new.indexes.values().map(create_index));
        phases
            .create_indexes
            .push(Step::OnUpdateTriggers(table.clone()));
        phases.drop_indexes.retain(|step| {
            !matches!(step, Step::DropIndex { table: t, name }
                if t == &table.name && old.indexes.contains_key(name))
        });
        return Ok(());
    }
    for index in new.indexes.values() {
        if old.indexes.get(&index.name) != Some(index) {
            phases.create_indexes.push(create_index(index));
        }
    }

    // Columns.
    for column in &added {
        let Some(model) = table.column(&column.name) else {
            continue;
        };
        let Some(literal) = fills.get(column.name.as_str()) else {
            phases.alter_columns.push(Step::AddColumn {
                table: t(),
                column: model.clone(),
            });
            continue;
        };
        // Added nullable, filled, then made NOT NULL.
        let mut nullable = model.clone();
        nullable.not_null = false;
        phases.alter_columns.push(Step::AddColumn {
            table: t(),
            column: nullable,
        });
        phases.alter_columns.push(Step::FillColumn {
            table: t(),
            column: column.name.clone(),
            literal: literal.clone(),
        });
        phases.alter_columns.push(if caps.restate_column {
            Step::RestateColumn {
                table: t(),
                column: model.clone(),
            }
        } else {
            Step::SetNotNull {
                table: t(),
                column: column.name.clone(),
                not_null: true,
            }
        });
    }
    for (o, n) in &changed {
        let Some(model) = table.column(&n.name) else {
            continue;
        };
        if caps.restate_column {
            phases.alter_columns.push(Step::RestateColumn {
                table: t(),
                column: model.clone(),
            });
            continue;
        }
        if o.sql_type != n.sql_type {
            phases.alter_columns.push(Step::AlterType {
                table: t(),
                column: n.name.clone(),
                sql_type: n.sql_type.clone(),
            });
        }
        if o.default != n.default {
            phases.alter_columns.push(Step::SetDefault {
                table: t(),
                column: n.name.clone(),
                default: n.default.as_ref().map(super::snapshot::default_sql),
            });
        }
        if o.not_null != n.not_null {
            phases.alter_columns.push(Step::SetNotNull {
                table: t(),
                column: n.name.clone(),
                not_null: n.not_null,
            });
        }
    }
    if checks_changed {
        for (name, check) in &old.check_constraints {
            if new.check_constraints.get(name) != Some(check) {
                phases.drop_indexes.push(Step::DropCheck {
                    table: t(),
                    name: name.clone(),
                });
            }
        }
        // An added column's CHECK is written inline in its ADD COLUMN (PostgreSQL then
        // names it `<table>_<column>_check`, the snapshot's name): not added twice.
        let inline: Vec<String> = added
            .iter()
            .map(|c| crate::table::check_constraint_name(&table.name, &c.name))
            .collect();
        for (name, check) in &new.check_constraints {
            if old.check_constraints.get(name) != Some(check) && !inline.contains(name) {
                phases.create_indexes.push(Step::AddCheck {
                    table: t(),
                    name: name.clone(),
                    condition: check.value.clone(),
                });
            }
        }
    }
    if triggers_changed && !caps.column_on_update {
        for column in old_columns.values().filter(|c| c.on_update == Some(true)) {
            phases.drop_indexes.push(Step::DropTrigger {
                table: t(),
                name: crate::table::on_update_trigger_name(&table.name, &column.name),
            });
        }
        phases
            .create_indexes
            .push(Step::OnUpdateTriggers(table.clone()));
    }
    for column in &removed {
        phases.drop_tables.push(Step::DropColumn {
            table: t(),
            column: column.name.clone(),
        });
        if column.on_update == Some(true) {
            phases.drop_tables.push(Step::DropOnUpdateFunction {
                table: t(),
                column: column.name.clone(),
            });
        }
    }

    // Composite uniques.
    for (name, unique) in &old.unique_constraints {
        if new.unique_constraints.get(name) != Some(unique) {
            phases.drop_indexes.push(Step::DropUnique {
                table: t(),
                name: name.clone(),
            });
        }
    }
    for (name, unique) in &new.unique_constraints {
        if old.unique_constraints.get(name) != Some(unique) {
            phases.create_indexes.push(Step::AddUnique {
                table: t(),
                name: name.clone(),
                columns: unique.columns.clone(),
            });
        }
    }

    // Foreign keys.
    for (name, fk) in &old.foreign_keys {
        if new.foreign_keys.get(name) != Some(fk) {
            phases.drop_foreign_keys.push(Step::DropForeignKey {
                table: t(),
                name: name.clone(),
            });
        }
    }
    for fk in &table.foreign_keys {
        let snapshot = new.foreign_keys.get(&fk.name);
        if old.foreign_keys.get(&fk.name) != snapshot {
            phases.add_foreign_keys.push(Step::AddForeignKey {
                table: table.clone(),
                fk: fk.clone(),
            });
        }
    }
    Ok(())
}
