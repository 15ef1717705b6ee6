//! Snapshots and the journal, in drizzle-kit's 0.x file formats.
//!
//! MySQL snapshots are drizzle-kit's `version: "5"` files, column types and defaults
//! written exactly as drizzle-kit writes them (`bigint unsigned`, `varchar(60)`,
//! `(now())`), so that a migrations folder can be continued by either tool.
//! PostgreSQL and SQLite snapshots use the same layout with that dialect's types and
//! defaults (drizzle-kit's own PostgreSQL and SQLite snapshots key tables differently and
//! keep enum types apart; ours keep every table in one shape), and record the CHECK
//! constraints that stand in for enums and JSON under `checkConstraint`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::sql::Dialect;
use crate::table::{Table, TableModel};

/// drizzle-kit's id of "no previous snapshot".
pub const EMPTY_ID: &str = "00000000-0000-0000-0000-000000000000";

/// A snapshot: the whole database structure after a migration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The format version (`"5"` for MySQL).
    pub version: String,
    /// `mysql`, `postgresql` or `sqlite`.
    pub dialect: String,
    /// This snapshot's id (a UUID).
    pub id: String,
    /// The previous snapshot's id ([`EMPTY_ID`] for the first).
    #[serde(rename = "prevId")]
    pub prev_id: String,
    /// The tables, by name.
    pub tables: serde_json::Map<String, serde_json::Value>,
    /// Views (ving has none).
    #[serde(default)]
    pub views: serde_json::Map<String, serde_json::Value>,
    /// Rename maps drizzle-kit keeps.
    #[serde(rename = "_meta", default)]
    pub meta: Meta,
    /// drizzle-kit's internal notes, kept as read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal: Option<serde_json::Value>,
}

/// The `_meta` of a snapshot: what was renamed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// Schemas renamed (unused by ving).
    #[serde(default)]
    pub schemas: BTreeMap<String, String>,
    /// `"\"old\"": "\"new\""` for tables renamed.
    #[serde(default)]
    pub tables: BTreeMap<String, String>,
    /// `"\"table\".\"old\"": "\"table\".\"new\""` for columns renamed.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

/// A table as a snapshot holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotTable {
    /// The table's name.
    pub name: String,
    /// The columns, in order.
    pub columns: serde_json::Map<String, serde_json::Value>,
    /// Indexes by name.
    #[serde(default)]
    pub indexes: BTreeMap<String, SnapshotIndex>,
    /// Foreign keys by name.
    #[serde(rename = "foreignKeys", default)]
    pub foreign_keys: BTreeMap<String, SnapshotForeignKey>,
    /// Composite primary keys by name (ving's are single columns, marked on the column).
    #[serde(rename = "compositePrimaryKeys", default)]
    pub composite_primary_keys: BTreeMap<String, serde_json::Value>,
    /// Unique constraints by name.
    #[serde(rename = "uniqueConstraints", default)]
    pub unique_constraints: BTreeMap<String, SnapshotUnique>,
    /// CHECK constraints by name.
    #[serde(rename = "checkConstraint", default)]
    pub check_constraints: BTreeMap<String, SnapshotCheck>,
}

/// A column as a snapshot holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotColumn {
    /// The column's name.
    pub name: String,
    /// The SQL type, as the dialect writes it.
    #[serde(rename = "type")]
    pub sql_type: String,
    /// Part of the primary key.
    #[serde(rename = "primaryKey")]
    pub primary_key: bool,
    /// `NOT NULL`.
    #[serde(rename = "notNull")]
    pub not_null: bool,
    /// Auto-increment.
    pub autoincrement: bool,
    /// The default, as SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// `ON UPDATE CURRENT_TIMESTAMP` (or the trigger that does it).
    #[serde(rename = "onUpdate", default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<bool>,
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotIndex {
    /// Its name.
    pub name: String,
    /// Its columns.
    pub columns: Vec<String>,
    /// Unique.
    #[serde(rename = "isUnique")]
    pub is_unique: bool,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotForeignKey {
    /// Its name.
    pub name: String,
    /// The table holding it.
    #[serde(rename = "tableFrom")]
    pub table_from: String,
    /// The referenced table.
    #[serde(rename = "tableTo")]
    pub table_to: String,
    /// The columns holding the reference.
    #[serde(rename = "columnsFrom")]
    pub columns_from: Vec<String>,
    /// The referenced columns.
    #[serde(rename = "columnsTo")]
    pub columns_to: Vec<String>,
    /// `cascade`, `set null`, `no action`.
    #[serde(rename = "onDelete")]
    pub on_delete: String,
    /// `cascade`, `set null`, `no action`.
    #[serde(rename = "onUpdate")]
    pub on_update: String,
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotUnique {
    /// Its name.
    pub name: String,
    /// Its columns.
    pub columns: Vec<String>,
}

/// A CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotCheck {
    /// Its name.
    pub name: String,
    /// The condition.
    pub value: String,
}

/// The format version and dialect name drizzle-kit uses for a dialect.
pub fn format_of(dialect: &dyn Dialect) -> (&'static str, &'static str) {
    match dialect.backend() {
        crate::config::Backend::MySql => ("5", "mysql"),
        crate::config::Backend::Postgres => ("7", "postgresql"),
        crate::config::Backend::Sqlite => ("6", "sqlite"),
    }
}

impl SnapshotTable {
    /// The snapshot of one table in `dialect`.
    pub fn of(table: &Table, dialect: &dyn Dialect) -> SnapshotTable {
        let mut columns = serde_json::Map::new();
        let mut check_constraints = BTreeMap::new();
        for column in &table.columns {
            let snapshot = SnapshotColumn {
                name: column.name.clone(),
                sql_type: dialect.column_type(column),
                primary_key: column.primary_key,
                not_null: column.not_null,
                autoincrement: column.primary_key,
                default: column.default.as_ref().map(|d| dialect.default_literal(d)),
                on_update: column.on_update_now.then_some(true),
            };
            columns.insert(
                column.name.clone(),
                serde_json::to_value(snapshot).unwrap_or_default(),
            );
            let check = dialect.column_suffix(column);
            if let Some(condition) = check.trim().strip_prefix("CHECK ") {
                let name = format!("{}_{}_check", table.name, column.name);
                let value = condition
                    .strip_prefix('(')
                    .and_then(|c| c.strip_suffix(')'))
                    .unwrap_or(condition)
                    .to_owned();
                check_constraints.insert(name.clone(), SnapshotCheck { name, value });
            }
        }
        let indexes = table
            .unique_indexes
            .iter()
            .map(|index| {
                let name = dialect.index_name(&table.name, &index.name);
                (
                    name.clone(),
                    SnapshotIndex {
                        name,
                        columns: vec![index.column.clone()],
                        is_unique: true,
                    },
                )
            })
            .collect();
        let unique_constraints = table
            .unique_constraints
            .iter()
            .map(|unique| {
                let name = dialect.index_name(&table.name, &unique.name);
                (
                    name.clone(),
                    SnapshotUnique {
                        name,
                        columns: unique.columns.clone(),
                    },
                )
            })
            .collect();
        let foreign_keys = table
            .foreign_keys
            .iter()
            .map(|fk| {
                (
                    fk.name.clone(),
                    SnapshotForeignKey {
                        name: fk.name.clone(),
                        table_from: table.name.clone(),
                        table_to: fk.references_table.clone(),
                        columns_from: vec![fk.column.clone()],
                        columns_to: vec![fk.references_column.clone()],
                        on_delete: fk.on_delete.as_sql().into(),
                        on_update: fk.on_update.as_sql().into(),
                    },
                )
            })
            .collect();
        SnapshotTable {
            name: table.name.clone(),
            columns,
            indexes,
            foreign_keys,
            composite_primary_keys: BTreeMap::new(),
            unique_constraints,
            check_constraints,
        }
    }

    /// The columns, parsed, in order.
    pub fn column_list(&self) -> Vec<SnapshotColumn> {
        self.columns
            .values()
            .filter_map(|v| serde_json::from_value(v.clone()).ok())
            .collect()
    }
}

impl Snapshot {
    /// The snapshot of a whole table model in `dialect`.
    pub fn of(model: &TableModel, dialect: &dyn Dialect, prev_id: &str) -> Snapshot {
        let (version, dialect_name) = format_of(dialect);
        let mut tables = serde_json::Map::new();
        let mut ordered: Vec<&Table> = model.tables.iter().collect();
        ordered.sort_by(|a, b| a.name.cmp(&b.name));
        for table in ordered {
            let value = serde_json::to_value(SnapshotTable::of(table, dialect)).unwrap_or_default();
            tables.insert(table.name.clone(), value);
        }
        Snapshot {
            version: version.into(),
            dialect: dialect_name.into(),
            id: uuid::Uuid::new_v4().to_string(),
            prev_id: prev_id.into(),
            tables,
            views: serde_json::Map::new(),
            meta: Meta::default(),
            internal: Some(serde_json::json!({ "tables": {}, "indexes": {} })),
        }
    }

    /// An empty snapshot: the structure before the first migration.
    pub fn empty(dialect: &dyn Dialect) -> Snapshot {
        let (version, dialect_name) = format_of(dialect);
        Snapshot {
            version: version.into(),
            dialect: dialect_name.into(),
            id: EMPTY_ID.into(),
            prev_id: EMPTY_ID.into(),
            tables: serde_json::Map::new(),
            views: serde_json::Map::new(),
            meta: Meta::default(),
            internal: None,
        }
    }

    /// The tables, parsed.
    pub fn table_list(&self) -> Result<Vec<SnapshotTable>, serde_json::Error> {
        self.tables
            .values()
            .map(|v| serde_json::from_value(v.clone()))
            .collect()
    }

    /// The same structure (ids and rename notes aside).
    pub fn same_structure(&self, other: &Snapshot) -> bool {
        self.table_list().ok() == other.table_list().ok()
    }
}

/// `meta/_journal.json`: the migrations, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    /// The format version.
    pub version: String,
    /// The dialect.
    pub dialect: String,
    /// One entry per migration.
    pub entries: Vec<JournalEntry>,
}

/// One migration of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Its index (0-based).
    pub idx: u32,
    /// The snapshot format version.
    pub version: String,
    /// When it was prepared, in milliseconds since 1970 (also `created_at` when applied).
    pub when: i64,
    /// `NNNN_name`: the file stem.
    pub tag: String,
    /// Statements are separated by `--> statement-breakpoint`.
    pub breakpoints: bool,
}

impl Journal {
    /// An empty journal for `dialect`.
    pub fn empty(dialect: &dyn Dialect) -> Journal {
        let (version, dialect_name) = format_of(dialect);
        Journal {
            version: version.into(),
            dialect: dialect_name.into(),
            entries: Vec::new(),
        }
    }
}
