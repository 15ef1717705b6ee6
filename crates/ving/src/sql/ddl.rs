//! DDL for a whole table model: the statements that create every table from nothing.

use crate::config::Backend;
use crate::table::{ForeignKey, Table, TableModel};

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

/// Whether ving-rs indexes foreign keys' columns itself on `dialect`'s databases: on
/// SQLite and PostgreSQL, which do not; MySQL's InnoDB makes the same index, under the
/// same name, with the constraint.
pub fn indexes_foreign_keys(dialect: &dyn Dialect) -> bool {
    dialect.backend() != Backend::MySql
}

/// The foreign keys of `table` whose column ving-rs indexes on `dialect`'s databases
/// ([`indexes_foreign_keys`], [`Table::indexed_foreign_keys`]); the index is named as the
/// constraint.
pub fn foreign_key_indexes<'t>(table: &'t Table, dialect: &dyn Dialect) -> Vec<&'t ForeignKey> {
    if indexes_foreign_keys(dialect) {
        table.indexed_foreign_keys()
    } else {
        Vec::new()
    }
}

/// `CREATE INDEX` on the column of each of [`foreign_key_indexes`].
pub fn create_foreign_key_indexes(table: &Table, dialect: &dyn Dialect) -> Vec<String> {
    foreign_key_indexes(table, dialect)
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
