//! The table model: each validated schema as a table — columns with their SQL type,
//! nullability, default and on-update behaviour, unique indexes, composite uniques and
//! foreign keys — named exactly as ving names them. One value, independent of the
//! database; the dialects in [`crate::sql`](mod@crate::sql) only render it.
//!
//! # Examples
//!
//! ```
//! use ving::table::mini_hash;
//!
//! // ving's miniHash, used in constraint names: users_avatar_39d62890_fk.
//! assert_eq!(mini_hash("users_avatar"), "39d62890");
//! ```

mod sessions;

pub use crate::naming::mini_hash;
use crate::naming::{foreign_key_name, unique_constraint_name, unique_index_name};
use crate::schema::{DbHelper, Prop, PropDefault, PropType, RelationType, Schema, SchemaSet};
pub use sessions::{SESSIONS_KIND, SESSIONS_TABLE};

/// Every table of an app, in schema order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableModel {
    /// The tables.
    pub tables: Vec<Table>,
}

/// One table: the columns, indexes and constraints of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The table's name (`users`).
    pub name: String,
    /// The kind it stores (`User`).
    pub kind: String,
    /// The columns, in prop order.
    pub columns: Vec<Column>,
    /// Single-column unique indexes (`unique = true` without qualifiers).
    pub unique_indexes: Vec<UniqueIndex>,
    /// Composite unique constraints (`unique` with `uniqueQualifiers`).
    pub unique_constraints: Vec<UniqueConstraint>,
    /// Foreign keys of parent relations.
    pub foreign_keys: Vec<ForeignKey>,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The column's name: the prop's name (`createdAt`).
    pub name: String,
    /// The SQL type.
    pub column_type: ColumnType,
    /// `NOT NULL`.
    pub not_null: bool,
    /// The database default, if any.
    pub default: Option<ColumnDefault>,
    /// Set to the current time whenever the row is updated (MySQL `ON UPDATE
    /// CURRENT_TIMESTAMP`).
    pub on_update_now: bool,
    /// The auto-increment primary key.
    pub primary_key: bool,
    /// Filled with the current time ([`crate::drizzle::now`]) by the query builder when
    /// an insert leaves it out, as records fill it when minting: a `date` prop whose
    /// default is `now` (its database default is ving's `1000-01-01 00:00:00`).
    pub fill_now: bool,
}

/// A column's SQL type, as ving's helpers choose it (MySQL names; the dialects map them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnType {
    /// `bigint unsigned`: ids, relations and `bigInt`.
    BigIntUnsigned,
    /// `int`
    Int,
    /// `boolean`
    Boolean,
    /// `timestamp`
    Timestamp,
    /// `datetime`
    DateTime,
    /// `varchar(n)`
    Varchar(u32),
    /// `char(n)` (uuid)
    Char(u32),
    /// `text`
    Text,
    /// `mediumtext`
    MediumText,
    /// `enum('a', 'b', …)`
    Enum(Vec<String>),
    /// `json`
    Json,
}

/// A column's database default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnDefault {
    /// The current time (`(now())`).
    Now,
    /// A string literal.
    String(String),
    /// An integer literal.
    Integer(i64),
    /// A boolean literal.
    Boolean(bool),
    /// JSON text.
    Json(String),
    /// `NULL`.
    Null,
}

/// A single-column unique index, named `<prop>Index`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueIndex {
    /// `<prop>Index`
    pub name: String,
    /// The indexed column.
    pub column: String,
}

/// A composite unique constraint over a prop and its qualifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueConstraint {
    /// `<first 48 chars of the joined names>_<miniHash>_uq`
    pub name: String,
    /// The prop first, then its qualifiers.
    pub columns: Vec<String>,
}

/// What a foreign key does when the referenced row is deleted or its id changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferentialAction {
    /// `cascade`
    Cascade,
    /// `set null`
    SetNull,
    /// `no action`
    NoAction,
}

impl ReferentialAction {
    /// The SQL words, lower case as drizzle-kit writes them.
    pub fn as_sql(self) -> &'static str {
        match self {
            ReferentialAction::Cascade => "cascade",
            ReferentialAction::SetNull => "set null",
            ReferentialAction::NoAction => "no action",
        }
    }
}

/// The foreign key of a parent relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// `<first 48 chars of "<table>_<relation>">_<miniHash>_fk`
    pub name: String,
    /// The column holding the parent's id.
    pub column: String,
    /// The parent kind's table.
    pub references_table: String,
    /// The parent's id column.
    pub references_column: String,
    /// Required relations cascade; optional ones set null.
    pub on_delete: ReferentialAction,
    /// Required relations cascade; optional ones do nothing.
    pub on_update: ReferentialAction,
    /// Its column is indexed where the database does not index it by itself (see
    /// [`Table::indexed_foreign_keys`]): always for a table made from schemas; read from
    /// a snapshot, whether the snapshot has the index (one written before ving-rs made
    /// them has not, and reverting to it drops the index).
    pub indexed: bool,
}

impl TableModel {
    /// The tables of every schema of a validated set, and with ving's `User` kind the
    /// sessions table ([`SESSIONS_TABLE`], last).
    pub fn from_schemas(schemas: &SchemaSet) -> TableModel {
        TableModel {
            tables: schemas
                .schemas()
                .iter()
                .map(|schema| Table::from_schema(schema, schemas))
                .chain(sessions::sessions_table(schemas))
                .collect(),
        }
    }

    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The tables in dependency order: a table comes after the tables its foreign keys
    /// reference, where the references allow it (a cycle keeps schema order; its foreign
    /// keys are added after the tables anyway).
    pub fn creation_order(&self) -> Vec<&Table> {
        let mut placed: Vec<&Table> = Vec::with_capacity(self.tables.len());
        let mut pending: Vec<&Table> = self.tables.iter().collect();
        while !pending.is_empty() {
            let ready = pending.iter().position(|table| {
                table.foreign_keys.iter().all(|fk| {
                    fk.references_table == table.name
                        || placed.iter().any(|p| p.name == fk.references_table)
                        || !pending.iter().any(|p| p.name == fk.references_table)
                })
            });
            // Stuck: every pending table waits on another. Break a cycle by placing the
            // first table that is part of one (tables that merely depend on a cycle wait).
            let next = ready
                .or_else(|| pending.iter().position(|t| in_cycle(t, &pending)))
                .unwrap_or(0);
            placed.push(pending.remove(next));
        }
        placed
    }
}

/// Whether `table` reaches itself through the foreign keys of `pending` tables.
fn in_cycle(table: &Table, pending: &[&Table]) -> bool {
    let mut stack: Vec<&str> = table
        .foreign_keys
        .iter()
        .map(|fk| fk.references_table.as_str())
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    while let Some(name) = stack.pop() {
        if name == table.name {
            return true;
        }
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        if let Some(next) = pending.iter().find(|t| t.name == name) {
            stack.extend(
                next.foreign_keys
                    .iter()
                    .map(|fk| fk.references_table.as_str()),
            );
        }
    }
    false
}

impl Table {
    /// The foreign keys whose column a database that does not index them by itself
    /// (SQLite, PostgreSQL) gets an index for, as MySQL's InnoDB makes one for each:
    /// without it, deleting or re-keying a referenced row reads the whole referencing
    /// table. The index is named as InnoDB names its own (the constraint's name); a
    /// column that a unique index or constraint already starts with needs none.
    pub fn indexed_foreign_keys(&self) -> Vec<&ForeignKey> {
        self.foreign_keys
            .iter()
            .filter(|fk| {
                fk.indexed
                    && !self.unique_indexes.iter().any(|u| u.column == fk.column)
                    && !self
                        .unique_constraints
                        .iter()
                        .any(|u| u.columns.first() == Some(&fk.column))
            })
            .collect()
    }

    fn from_schema(schema: &Schema, schemas: &SchemaSet) -> Table {
        let mut table = Table {
            name: schema.table_name.clone(),
            kind: schema.kind.clone(),
            columns: Vec::new(),
            unique_indexes: Vec::new(),
            unique_constraints: Vec::new(),
            foreign_keys: Vec::new(),
        };
        for prop in &schema.props {
            let Some(helper) = prop.db else {
                continue; // virtual: no column
            };
            table.columns.push(column(prop, helper));
            if prop.unique && prop.unique_qualifiers.is_empty() {
                table.unique_indexes.push(UniqueIndex {
                    name: unique_index_name(&prop.name),
                    column: prop.name.clone(),
                });
            } else if prop.unique {
                let columns: Vec<String> = std::iter::once(prop.name.clone())
                    .chain(prop.unique_qualifiers.iter().cloned())
                    .collect();
                table.unique_constraints.push(UniqueConstraint {
                    name: unique_constraint_name(&columns),
                    columns,
                });
            }
            let parent = prop.relation.as_ref().filter(|r| {
                r.relation_type == RelationType::Parent && prop.prop_type == PropType::Id
            });
            if let Some(relation) = parent {
                let references_table = schemas
                    .get(&relation.kind)
                    .map_or_else(|| relation.kind.clone(), |s| s.table_name.clone());
                let (on_delete, on_update) = if prop.required {
                    (ReferentialAction::Cascade, ReferentialAction::Cascade)
                } else {
                    (ReferentialAction::SetNull, ReferentialAction::NoAction)
                };
                table.foreign_keys.push(ForeignKey {
                    name: foreign_key_name(&schema.table_name, &relation.name),
                    column: prop.name.clone(),
                    references_table,
                    references_column: "id".into(),
                    on_delete,
                    on_update,
                    indexed: true,
                });
            }
        }
        table
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The primary key column, if the table has one.
    pub fn primary_key(&self) -> Option<&Column> {
        self.columns.iter().find(|c| c.primary_key)
    }
}

/// The column ving's helper makes for a prop (SPEC section 3).
fn column(prop: &Prop, helper: DbHelper) -> Column {
    let literal_string = || match &prop.default {
        Some(PropDefault::String(s)) => s.clone(),
        _ => String::new(),
    };
    let literal_int = || match &prop.default {
        Some(PropDefault::Int(n)) => *n,
        _ => 0,
    };
    let nullable_default = |required: bool| (!required).then_some(ColumnDefault::Null);
    let (column_type, not_null, default) = match helper {
        DbHelper::Pk => (ColumnType::BigIntUnsigned, true, None),
        DbHelper::Timestamp => (ColumnType::Timestamp, true, Some(ColumnDefault::Now)),
        DbHelper::DateTime => (
            ColumnType::DateTime,
            true,
            Some(ColumnDefault::String("1000-01-01 00:00:00".into())),
        ),
        DbHelper::Varchar => (
            ColumnType::Varchar(prop.length.unwrap_or(256)),
            true,
            Some(ColumnDefault::String(literal_string())),
        ),
        DbHelper::Text => (ColumnType::Text, true, None),
        DbHelper::MediumText => (ColumnType::MediumText, true, None),
        DbHelper::Enum => {
            let values = prop.enums.iter().map(|v| match v {
                crate::schema::EnumValue::String(s) => s.clone(),
                crate::schema::EnumValue::Bool(b) => b.to_string(),
            });
            let default = match &prop.default {
                Some(PropDefault::String(s)) => Some(ColumnDefault::String(s.clone())),
                _ => None,
            };
            (ColumnType::Enum(values.collect()), true, default)
        }
        DbHelper::Boolean => {
            let value = matches!(prop.default, Some(PropDefault::Bool(true)));
            (
                ColumnType::Boolean,
                true,
                Some(ColumnDefault::Boolean(value)),
            )
        }
        DbHelper::Int => (
            ColumnType::Int,
            true,
            Some(ColumnDefault::Integer(literal_int())),
        ),
        DbHelper::BigInt => (
            ColumnType::BigIntUnsigned,
            true,
            Some(ColumnDefault::Integer(literal_int())),
        ),
        DbHelper::Json => {
            let default = match &prop.default {
                Some(PropDefault::String(s)) => Some(ColumnDefault::Json(s.clone())),
                Some(PropDefault::Fn(_)) => Some(ColumnDefault::Json("{}".into())),
                _ => None,
            };
            (ColumnType::Json, true, default)
        }
        DbHelper::Uuid => (
            ColumnType::Char(36),
            prop.required,
            nullable_default(prop.required),
        ),
        DbHelper::Relation => (
            ColumnType::BigIntUnsigned,
            prop.required,
            nullable_default(prop.required),
        ),
    };
    Column {
        name: prop.name.clone(),
        column_type,
        not_null,
        default,
        on_update_now: prop.auto_update
            && matches!(helper, DbHelper::Timestamp | DbHelper::DateTime),
        primary_key: helper == DbHelper::Pk,
        fill_now: helper == DbHelper::DateTime
            && matches!(&prop.default, Some(PropDefault::Fn(name)) if name == "now"),
    }
}
