//! A plan's steps as data, rendered by the dialect once the plan is complete, and the
//! phases that order them.

use super::*;

/// The SQL literal of `value` for `column`, or why it does not suit it.
pub(super) fn fill_literal(
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
pub(super) enum Step {
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
    /// A new table's unique indexes and the indexes of its foreign keys.
    CreateIndexes(Table),
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
        /// Only the rows holding NULL (a column made NOT NULL).
        only_null: bool,
        /// The table's column stamped at each update (`updatedAt`), which a migration's
        /// fill leaves as it is: the rows' records did not change.
        stamped: Option<String>,
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
pub(super) enum Source {
    Column(String),
    Literal(String),
    /// The column, or the literal where it holds NULL.
    OrIfNull(String, String),
}

impl Step {
    /// The statements of the step in `dialect`.
    pub(super) fn render(&self, dialect: &dyn Dialect) -> Vec<String> {
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
            Step::CreateIndexes(table) => {
                let mut statements = dialect.create_unique_indexes(table);
                statements.extend(crate::sql::create_foreign_key_indexes(table, dialect));
                statements
            }
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
                        Source::OrIfNull(c, literal) => format!("COALESCE({}, {literal})", q(c)),
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
                only_null,
                stamped,
            } => {
                let only = if *only_null {
                    format!(" WHERE {} IS NULL", q(column))
                } else {
                    String::new()
                };
                let fill = |also: &str| {
                    format!(
                        "UPDATE {} SET {} = {literal}{also}{only}",
                        q(table),
                        q(column)
                    )
                };
                match stamped {
                    None => one(fill("")),
                    // PostgreSQL's trigger stamps a row whose stamp is set to itself too:
                    // it is off while the rows are filled (in the migration's transaction).
                    Some(stamped) if dialect.backend() == crate::config::Backend::Postgres => {
                        let trigger = q(&crate::naming::on_update_trigger_name(table, stamped));
                        vec![
                            format!("ALTER TABLE {} DISABLE TRIGGER {trigger}", q(table)),
                            fill(""),
                            format!("ALTER TABLE {} ENABLE TRIGGER {trigger}", q(table)),
                        ]
                    }
                    // MySQL's ON UPDATE leaves a column the statement sets alone.
                    Some(stamped) => {
                        let stamped = q(stamped);
                        one(fill(&format!(", {stamped} = {stamped}")))
                    }
                }
            }
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
                // A cast to varchar(n) or char(n) cuts what does not fit, silently; from
                // text the value is assigned, and one that does not fit is an error (as
                // MySQL refuses it), never a value cut.
                let lower = sql_type.to_ascii_lowercase();
                let via = if lower.starts_with("varchar") || lower.starts_with("char") {
                    "text"
                } else {
                    sql_type.as_str()
                };
                one(format!(
                    "ALTER TABLE {} ALTER COLUMN {c} TYPE {sql_type} USING {c}::{via}",
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
pub(super) struct Phases {
    pub(super) renames: Vec<Step>,
    pub(super) drop_foreign_keys: Vec<Step>,
    pub(super) drop_indexes: Vec<Step>,
    pub(super) create_tables: Vec<Step>,
    pub(super) alter_columns: Vec<Step>,
    pub(super) create_indexes: Vec<Step>,
    pub(super) drop_tables: Vec<Step>,
    pub(super) add_foreign_keys: Vec<Step>,
}
