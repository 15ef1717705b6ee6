//! DDL for a whole table model: the statements that create every table from nothing.

use crate::config::Backend;
use crate::table::{Table, TableModel};

use super::Dialect;

/// The statements that create every table of `model`: tables in dependency order with
/// their unique indexes and on-update triggers, then the foreign keys (inside the tables
/// where the database cannot add them later).
pub fn create_statements(model: &TableModel, dialect: &dyn Dialect) -> Vec<String> {
    let mut statements = Vec::new();
    let tables = model.creation_order();
    for table in &tables {
        statements.push(dialect.create_table(table));
        statements.extend(dialect.create_unique_indexes(table));
        statements.extend(create_foreign_key_indexes(table, dialect));
        statements.extend(dialect.on_update_triggers(table));
    }
    if dialect.capabilities().alter_add_foreign_key {
        for table in &tables {
            for fk in &table.foreign_keys {
                statements.push(dialect.add_foreign_key(table, fk));
            }
        }
    }
    statements
}

/// `CREATE INDEX` on the column of each foreign key of `table` ([`Table::indexed_foreign_keys`])
/// where the database does not index it by itself: SQLite and PostgreSQL (MySQL's InnoDB
/// makes the same index, under the same name, with the constraint).
pub fn create_foreign_key_indexes(table: &Table, dialect: &dyn Dialect) -> Vec<String> {
    if dialect.backend() == Backend::MySql {
        return Vec::new();
    }
    table
        .indexed_foreign_keys()
        .into_iter()
        .map(|fk| {
            format!(
                "CREATE INDEX {} ON {} ({})",
                dialect.quote(&fk.name),
                dialect.quote(&table.name),
                dialect.quote(&fk.column)
            )
        })
        .collect()
}
