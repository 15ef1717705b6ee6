//! DDL for a whole table model: the statements that create every table from nothing.

use crate::table::TableModel;

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
