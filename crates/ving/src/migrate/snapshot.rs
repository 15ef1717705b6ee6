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
use crate::table::{ColumnDefault, Table, TableModel};

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
    /// The default: SQL text, or a JSON number or boolean for number and boolean
    /// literals (as drizzle-kit writes them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
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
        let mut composite_primary_keys = BTreeMap::new();
        // drizzle-kit writes MySQL's single-column primary keys as "composite" ones.
        let mysql = dialect.backend() == crate::config::Backend::MySql;
        for column in &table.columns {
            if mysql && column.primary_key {
                let name = format!("{}_{}", table.name, column.name);
                composite_primary_keys.insert(
                    name.clone(),
                    serde_json::json!({ "name": name, "columns": [column.name] }),
                );
            }
            let snapshot = SnapshotColumn {
                name: column.name.clone(),
                sql_type: dialect.column_type(column),
                primary_key: column.primary_key && !mysql,
                not_null: column.not_null,
                autoincrement: column.primary_key,
                // A nullable column's `DEFAULT NULL`: on MySQL `"default": null`, as
                // drizzle-kit writes ving's `.default(null)`; elsewhere no default.
                default: column
                    .default
                    .as_ref()
                    .filter(|d| mysql || **d != ColumnDefault::Null)
                    .map(|d| match d {
                        ColumnDefault::Integer(n) => serde_json::Value::from(*n),
                        ColumnDefault::Boolean(b) => serde_json::Value::Bool(*b),
                        ColumnDefault::Null => serde_json::Value::Null,
                        other => serde_json::Value::String(dialect.default_literal(other)),
                    }),
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
        let mut indexes: BTreeMap<String, SnapshotIndex> = table
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
        for fk in crate::sql::foreign_key_indexes(table, dialect) {
            indexes.insert(
                fk.name.clone(),
                SnapshotIndex {
                    name: fk.name.clone(),
                    columns: vec![fk.column.clone()],
                    is_unique: false,
                },
            );
        }
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
            composite_primary_keys,
            unique_constraints,
            check_constraints,
        }
    }

    /// The table with a single-column "composite" primary key (drizzle-kit's way for
    /// MySQL) read as the column's own, so that either tool's snapshots compare alike.
    pub fn normalized(mut self) -> SnapshotTable {
        let single = self.composite_primary_keys.values().next().and_then(|pk| {
            pk.get("columns")
                .and_then(|c| c.as_array())
                .filter(|c| c.len() == 1)
                .and_then(|c| c[0].as_str())
                .map(str::to_owned)
        });
        if let (1, Some(column)) = (self.composite_primary_keys.len(), single) {
            if let Some(serde_json::Value::Object(c)) = self.columns.get_mut(&column) {
                c.insert("primaryKey".into(), serde_json::Value::Bool(true));
                self.composite_primary_keys.clear();
            }
        }
        // A nullable column's `DEFAULT NULL` is what it has without one.
        for column in self.columns.values_mut() {
            if let serde_json::Value::Object(c) = column {
                let nullable = c.get("notNull").and_then(|v| v.as_bool()) == Some(false);
                let null_default = match c.get("default") {
                    Some(serde_json::Value::Null) => true,
                    Some(serde_json::Value::String(text)) => text.eq_ignore_ascii_case("NULL"),
                    _ => false,
                };
                if nullable && null_default {
                    c.remove("default");
                }
                // Number and boolean literals are JSON values, whoever wrote them as text.
                let literal =
                    c.get("default")
                        .and_then(|v| v.as_str())
                        .and_then(|text| match text {
                            "true" => Some(serde_json::Value::Bool(true)),
                            "false" => Some(serde_json::Value::Bool(false)),
                            _ => text.parse::<i64>().ok().map(serde_json::Value::from),
                        });
                if let Some(literal) = literal {
                    c.insert("default".into(), literal);
                }
            }
        }
        self
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

    /// The tables, parsed and [normalized](SnapshotTable::normalized).
    pub fn table_list(&self) -> Result<Vec<SnapshotTable>, serde_json::Error> {
        self.tables
            .values()
            .map(|v| {
                serde_json::from_value::<SnapshotTable>(v.clone()).map(SnapshotTable::normalized)
            })
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

impl SnapshotTable {
    /// The table this snapshot describes, read back into the model (for down
    /// migrations): types, defaults, indexes and keys parsed from `dialect`'s SQL.
    pub fn to_table(&self, dialect: &dyn Dialect) -> Table {
        use crate::table::{Column, ForeignKey, ReferentialAction, UniqueConstraint, UniqueIndex};
        let model_name = |name: &str| {
            if dialect.capabilities().index_names_per_table {
                name.to_owned()
            } else {
                name.strip_prefix(&format!("{}_", self.name))
                    .unwrap_or(name)
                    .to_owned()
            }
        };
        let columns = self
            .column_list()
            .into_iter()
            .map(|c| {
                let check = self
                    .check_constraints
                    .get(&format!("{}_{}_check", self.name, c.name))
                    .map(|check| check.value.as_str());
                let column_type = parse_type(&c.sql_type, check);
                // ving's nullable columns (relations, uuids) say DEFAULT NULL; snapshots
                // leave it out, as drizzle-kit does.
                let default = match &c.default {
                    Some(d) => Some(parse_default(&default_sql(d), &column_type, dialect)),
                    None if !c.not_null => Some(crate::table::ColumnDefault::Null),
                    None => None,
                };
                Column {
                    name: c.name.clone(),
                    column_type,
                    not_null: c.not_null,
                    default,
                    on_update_now: c.on_update == Some(true),
                    primary_key: c.primary_key,
                    // What the builder does is not in a snapshot: the schema says it.
                    fill_now: false,
                }
            })
            .collect();
        let action = |a: &str| match a {
            "cascade" => ReferentialAction::Cascade,
            "set null" => ReferentialAction::SetNull,
            _ => ReferentialAction::NoAction,
        };
        Table {
            name: self.name.clone(),
            kind: self.name.clone(),
            columns,
            unique_indexes: self
                .indexes
                .values()
                .filter(|i| i.is_unique && i.columns.len() == 1)
                .map(|i| UniqueIndex {
                    name: model_name(&i.name),
                    column: i.columns[0].clone(),
                })
                .collect(),
            unique_constraints: self
                .unique_constraints
                .values()
                .map(|u| UniqueConstraint {
                    name: model_name(&u.name),
                    columns: u.columns.clone(),
                })
                .collect(),
            foreign_keys: self
                .foreign_keys
                .values()
                .map(|fk| ForeignKey {
                    name: fk.name.clone(),
                    column: fk.columns_from.first().cloned().unwrap_or_default(),
                    references_table: fk.table_to.clone(),
                    references_column: fk
                        .columns_to
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "id".into()),
                    on_delete: action(&fk.on_delete),
                    on_update: action(&fk.on_update),
                    indexed: !crate::sql::indexes_foreign_keys(dialect)
                        || self.indexes.contains_key(&fk.name),
                })
                .collect(),
        }
    }
}

impl Snapshot {
    /// The table model this snapshot describes (see [`SnapshotTable::to_table`]).
    pub fn to_model(&self, dialect: &dyn Dialect) -> Result<TableModel, serde_json::Error> {
        Ok(TableModel {
            tables: self
                .table_list()?
                .iter()
                .map(|t| t.to_table(dialect))
                .collect(),
        })
    }
}

/// A snapshot default as SQL text (numbers and booleans are JSON values there).
pub fn default_sql(default: &serde_json::Value) -> String {
    match default {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The values of `'a','b'` lists, unquoted.
fn quoted_values(list: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut current = String::new();
    let mut inside = false;
    let mut chars = list.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, inside) {
            ('\'', false) => inside = true,
            ('\'', true) if chars.peek() == Some(&'\'') => {
                current.push('\'');
                chars.next();
            }
            ('\'', true) => {
                inside = false;
                values.push(std::mem::take(&mut current));
            }
            (c, true) => current.push(c),
            _ => {}
        }
    }
    values
}

fn parse_type(sql_type: &str, check: Option<&str>) -> crate::table::ColumnType {
    use crate::table::ColumnType as T;
    let number = |t: &str, prefix: &str| {
        t.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(')'))
            .and_then(|n| n.parse::<u32>().ok())
    };
    if let Some(n) = number(sql_type, "varchar(") {
        return T::Varchar(n);
    }
    if let Some(n) = number(sql_type, "char(") {
        return T::Char(n);
    }
    if let Some(list) = sql_type.strip_prefix("enum(") {
        return T::Enum(quoted_values(list));
    }
    match (sql_type, check) {
        ("bigint unsigned" | "bigint", _) => T::BigIntUnsigned,
        ("int" | "integer", _) => T::Int,
        ("boolean", _) => T::Boolean,
        ("timestamp" | "timestamp(0)", _) => T::Timestamp,
        ("datetime", _) => T::DateTime,
        ("mediumtext", _) => T::MediumText,
        ("json" | "jsonb", _) => T::Json,
        ("text", Some(check)) if check.starts_with("json_valid(") => T::Json,
        ("text", Some(check)) if check.contains(" IN (") => T::Enum(
            check
                .split_once(" IN (")
                .map(|(_, list)| quoted_values(list))
                .unwrap_or_default(),
        ),
        _ => T::Text,
    }
}

fn parse_default(
    default: &str,
    column_type: &crate::table::ColumnType,
    dialect: &dyn Dialect,
) -> crate::table::ColumnDefault {
    use crate::table::ColumnDefault as D;
    let unquote = |text: &str| {
        let inner = text
            .strip_prefix('\'')
            .and_then(|t| t.strip_suffix('\''))
            .unwrap_or(text);
        let inner = inner.replace("''", "'");
        if dialect.backend() == crate::config::Backend::MySql {
            inner.replace("\\\\", "\\")
        } else {
            inner
        }
    };
    match default {
        // `now()`: what PostgreSQL folders prepared before the cut to whole seconds hold.
        "(now())" | "now()" | "CURRENT_TIMESTAMP" => D::Now,
        _ if default == dialect.default_literal(&D::Now) => D::Now,
        "NULL" => D::Null,
        "true" => D::Boolean(true),
        "false" => D::Boolean(false),
        _ => {
            if let Ok(n) = default.parse::<i64>() {
                return D::Integer(n);
            }
            let text = default
                .strip_prefix('(')
                .and_then(|d| d.strip_suffix(')'))
                .or_else(|| default.strip_suffix("::jsonb"))
                .unwrap_or(default);
            if *column_type == crate::table::ColumnType::Json {
                D::Json(unquote(text))
            } else {
                D::String(unquote(text))
            }
        }
    }
}
