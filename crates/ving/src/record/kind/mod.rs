//! Kinds: a kind is a table, driven by its validated schema and its table model — mint,
//! create, find, count, aggregate, delete and ving's paged `describe_list`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use futures_util::Stream;
use serde_json::{Map, Value};

use crate::db::{DbError, DbRow};
use crate::drizzle::{Executor, Predicate};
use crate::id::IdCodec;
use crate::schema::{Prop, PropDefault, PropType, RelationType, Schema, SchemaSet};
use crate::sql::{
    Aggregate, BinaryOp, Delete, Expr, Join, JoinKind, JoinTable, OrderTerm, Param, RawPart,
    Select, Statement,
};
use crate::table::{ColumnType, TableModel};

use super::date::now_string;
use super::model::{Catalog, ColumnInfo, Kind, KindInfo, Kinds, Record, RecordHooks};
use super::ouch::invalid_id;
use super::props::Props;
use super::value::{read_cells, read_json, to_param};
use super::viewer::Describe;
use super::{CurrentUser, Ouch};
mod args;
mod kinds;
mod list;

pub use args::*;
pub use list::*;

impl<'e> Kind<'e> {
    pub(crate) fn info(&self) -> &KindInfo {
        &self.kinds.catalog.kinds[self.index]
    }

    /// The kind's schema.
    pub fn schema(&self) -> &Schema {
        &self.info().schema
    }

    /// The kind's name (`User`).
    pub fn name(&self) -> &str {
        &self.info().schema.kind
    }

    /// The kind's table (`users`).
    pub fn table_name(&self) -> &'static str {
        self.info().table
    }

    /// The kinds this one belongs to.
    pub fn kinds(&self) -> &Kinds<'e> {
        &self.kinds
    }

    /// The executor it runs on.
    pub fn executor(&self) -> Executor<'e> {
        self.kinds.executor
    }

    /// The same kind on another executor (`Users.on(&tx)`).
    pub fn on<'t>(&self, executor: impl Into<Executor<'t>>) -> Kind<'t> {
        Kind {
            kinds: self.kinds.on(executor),
            index: self.index,
            prop_defaults: self.prop_defaults.clone(),
        }
    }

    /// The prop defaults that scope this kind (`userId = 2` for a user's API keys).
    pub fn prop_defaults(&self) -> &[(String, Value)] {
        &self.prop_defaults
    }

    /// The same kind scoped by one more prop default: minted records get the value, and
    /// every `where` (but `find`'s, as in ving) is narrowed to it.
    pub fn with_prop_default(mut self, prop: &str, value: Value) -> Result<Kind<'e>, Ouch> {
        self.column(prop)?;
        let mut defaults = self.prop_defaults.to_vec();
        defaults.push((prop.to_owned(), value));
        self.prop_defaults = Arc::from(defaults);
        Ok(self)
    }

    pub(crate) fn column(&self, prop: &str) -> Result<&ColumnInfo, Ouch> {
        self.info()
            .column(prop)
            .ok_or_else(|| Ouch::about(400, prop, format!("{prop} is not a prop")))
    }

    pub(crate) fn column_expr(&self, prop: &str) -> Result<Expr, Ouch> {
        let column = self.column(prop)?;
        Ok(Expr::column(self.table_name(), column.name))
    }

    /// `prop = value`, the value bound by the prop's column type (`null`: `IS NULL`).
    pub fn prop_eq(&self, prop: &str, value: impl Into<Value>) -> Result<Where, Ouch> {
        let column = self.column(prop)?;
        let value = value.into();
        let left = Expr::column(self.table_name(), column.name);
        if value.is_null() {
            return Ok(Where(Expr::IsNull {
                expr: Box::new(left),
                negated: false,
            }));
        }
        let param = to_param(prop, &column.column_type, &value)?;
        Ok(Where(Expr::binary(left, BinaryOp::Eq, Expr::Param(param))))
    }

    /// ving's `calcWhere`: `where` and the prop defaults, or either, or nothing.
    pub fn calc_where(&self, where_: impl IntoWhere) -> Result<Option<Where>, Ouch> {
        let mut terms = Vec::new();
        if let Some(w) = where_.into_where() {
            terms.push(w.0);
        }
        for (prop, value) in self.prop_defaults.iter() {
            terms.push(self.default_term(prop, value)?);
        }
        Ok(all_of(terms).map(Where))
    }

    /// The condition of one prop default: `prop = value`, and for a null value (the
    /// children of a record not yet inserted) no row, as ving's `eq(column, null)`.
    fn default_term(&self, prop: &str, value: &Value) -> Result<Expr, Ouch> {
        match value {
            Value::Null => Ok(Expr::Bool(false)),
            value => Ok(self.prop_eq(prop, value.clone())?.0),
        }
    }

    /// The condition of the prop defaults alone (`None` for an unscoped kind), for the
    /// raw builders.
    pub(crate) fn scope(&self) -> Option<Expr> {
        // Every prop default names a column (`with_prop_default` checks), and a value
        // that its column cannot hold matches no row.
        let terms: Vec<Expr> = self
            .prop_defaults
            .iter()
            .map(|(prop, value)| self.default_term(prop, value).unwrap_or(Expr::Bool(false)))
            .collect();
        all_of(terms)
    }

    pub(crate) fn select(&self) -> Select {
        let columns: Vec<&'static str> = self.info().columns.iter().map(|c| c.name).collect();
        Select::all_of(self.table_name(), &columns)
    }

    fn order_terms(&self, order_by: &[OrderBy]) -> Result<Vec<OrderTerm>, Ouch> {
        order_by
            .iter()
            .map(|o| {
                let column = self.column(&o.prop)?;
                // Each database orders JSON its own way (MariaDB and SQLite by its text,
                // PostgreSQL's jsonb by type, size, then keys): one answer is none.
                if column.column_type == ColumnType::Json {
                    let prop = &o.prop;
                    let why = format!("cannot sort by {prop}: a JSON prop has no order");
                    return Err(Ouch::about(400, prop, why));
                }
                let nullable = !column.not_null;
                let mut expr = self.column_expr(&o.prop)?;
                // Enums sort by declaration order on every database, as ving's MariaDB.
                if let ColumnType::Enum(values) = &column.column_type {
                    expr = crate::sql::declaration_order(expr, values.iter().map(String::as_str));
                }
                Ok(OrderTerm {
                    expr,
                    descending: o.descending,
                    nulls: nullable.then(|| crate::sql::Nulls::smallest(o.descending)),
                })
            })
            .collect()
    }

    /// Runs a select of this kind's columns and makes records of the rows.
    pub(crate) async fn fetch_records(&self, select: Select) -> Result<Vec<Record<'e>>, Ouch> {
        Ok(self.fetch_counted_records(select, false).await?.0)
    }

    /// Runs a select of this kind's columns and makes records of the rows; when
    /// `found`, on MySQL/MariaDB, as `SELECT SQL_CALC_FOUND_ROWS`, with how many rows it
    /// matched without its `LIMIT` (`None` elsewhere, or when not `found`).
    pub(crate) async fn fetch_counted_records(
        &self,
        select: Select,
        found: bool,
    ) -> Result<(Vec<Record<'e>>, Option<i64>), Ouch> {
        let executor = self.executor();
        let (sql, params) = executor.dialect().render(Statement::Select(select));
        let types: Vec<(ColumnType, bool)> = self
            .info()
            .columns
            .iter()
            .map(|c| (c.column_type.clone(), c.not_null))
            .collect();
        let names = self.info().names.clone();
        let kind = Arc::new(self.clone());
        // Each row becomes its record as it is decoded: no second vector of rows.
        let decode = |row: DbRow<'_>| {
            let cells = read_cells(&row, &types)?;
            let props = Props::from_cells(names.clone(), cells);
            Ok(Record::from_row(kind.clone(), props))
        };
        if found {
            return Ok(fetch_found(executor, &sql, params, decode).await?);
        }
        Ok((fetch_rows(executor, &sql, params, decode).await?, None))
    }

    /// A record in memory with the kind's defaults, the prop defaults and `props` (taken
    /// as they are, unknown names dropped); nothing is saved.
    pub fn mint(&self, props: Map<String, Value>) -> Record<'e> {
        let mut output = Map::new();
        for (prop, value) in self.prop_defaults.iter() {
            output.insert(prop.clone(), value.clone());
        }
        let catalog = &self.kinds.catalog;
        for prop in &self.schema().props {
            if let Some(value) = props.get(&prop.name) {
                output.insert(prop.name.clone(), value.clone());
                continue;
            }
            if output.contains_key(&prop.name) {
                continue;
            }
            let computed = match &prop.default {
                Some(PropDefault::Fn(name)) if name == "now" => Some(Value::from(now_string())),
                Some(PropDefault::Fn(name)) => catalog.defaults.get(name).map(|f| f()),
                _ => None,
            };
            let value = match prop.prop_type {
                PropType::String | PropType::Enum => match (&prop.default, computed) {
                    (_, Some(v)) if v.is_string() => v,
                    (Some(PropDefault::String(s)), _) => Value::from(s.clone()),
                    _ => Value::from(""),
                },
                PropType::Boolean => match (&prop.default, computed) {
                    (_, Some(v)) if v.is_boolean() => v,
                    (Some(PropDefault::Bool(b)), _) => Value::from(*b),
                    _ => Value::from(false),
                },
                PropType::Int => match (&prop.default, computed) {
                    (_, Some(v)) if v.is_number() => v,
                    (Some(PropDefault::Int(n)), _) => Value::from(*n),
                    _ => Value::from(0),
                },
                PropType::Date => match computed {
                    Some(v) if v.is_string() => v,
                    _ => Value::from(now_string()),
                },
                // ving mints `''` for a required id; ids are numbers here, so it is null
                // (and a missing required parent is a 441 in create_and_verify).
                PropType::Id => match &prop.default {
                    Some(PropDefault::Int(n)) => Value::from(*n),
                    _ => Value::Null,
                },
                PropType::Json => match (&prop.default, computed) {
                    (_, Some(v)) => v,
                    (Some(PropDefault::String(text)), _) => match serde_json::from_str(text) {
                        Ok(v) => v,
                        Err(_) => continue,
                    },
                    _ => continue,
                },
                PropType::Virtual => continue,
            };
            output.insert(prop.name.clone(), value);
        }
        Record::minted(
            Arc::new(self.clone()),
            Props::from_map(self.info().names.clone(), output),
        )
    }

    /// `mint` then `insert`: no ving validation, the database is the only check.
    pub async fn create(&self, props: Map<String, Value>) -> Result<Record<'e>, Ouch> {
        let mut record = self.mint(props);
        record.insert().await?;
        Ok(record)
    }

    /// A record made from posted props as `user` may make it: required props checked
    /// (441, a missing required parent included), editable props set and validated, then
    /// inserted. No user is ving's 441.
    pub async fn create_and_verify(
        &self,
        props: &Map<String, Value>,
        user: Option<&dyn CurrentUser>,
    ) -> Result<Record<'e>, Ouch> {
        let Some(user) = user else {
            return Err(Ouch::new(
                441,
                "createAndVerify requires a user or session to test privileges against",
            ));
        };
        let mut record = self.mint(Map::new());
        record.test_creation_props(props)?;
        record.set_posted_props(props, Some(user)).await?;
        record.insert().await?;
        Ok(record)
    }

    /// The integer of an id (an id string is parsed: 400 when it is not one).
    pub fn parse_id(&self, id: impl Into<RecordId>) -> Result<i64, Ouch> {
        match id.into() {
            RecordId::Int(id) => Ok(id),
            RecordId::Text(text) => self
                .kinds
                .catalog
                .codec
                .parse_kind(self.name(), &text)
                .map_err(|_| invalid_id(&text)),
        }
    }

    /// The kind whose ids `prop` holds: its parent relation's kind, else this kind.
    pub(crate) fn id_kind_of<'p>(&'p self, prop: &'p Prop) -> &'p str {
        match &prop.relation {
            Some(relation) if relation.relation_type == RelationType::Parent => &relation.kind,
            _ => self.name(),
        }
    }

    /// `text` as an id of `prop`: an id string of the kind `prop` holds ids of (a parent
    /// relation's kind), else a 400 naming the prop.
    pub(crate) fn parse_prop_id(&self, prop: &Prop, text: &str) -> Result<i64, Ouch> {
        self.kinds
            .catalog
            .codec
            .parse_kind(self.id_kind_of(prop), text)
            .map_err(|_| Ouch::about(400, &prop.name, invalid_id(text).message))
    }

    /// The record with `id`, or `None` (any error, as in ving).
    pub async fn find(&self, id: impl Into<RecordId>) -> Option<Record<'e>> {
        self.find_or_die(id).await.ok()
    }

    /// The record with `id` (integer or id string); ving's 404 `<Kind> not found.` Not
    /// scoped by prop defaults, as in ving.
    pub async fn find_or_die(&self, id: impl Into<RecordId>) -> Result<Record<'e>, Ouch> {
        let id = self.parse_id(id)?;
        let mut select = self.select();
        select.where_ = Some(self.id_is(id)?);
        select.limit = Some(1);
        self.fetch_records(select)
            .await?
            .pop()
            .ok_or_else(|| Ouch::about(404, "id", format!("{} not found.", self.name())))
    }

    pub(crate) fn id_is(&self, id: i64) -> Result<Expr, Ouch> {
        Ok(Expr::binary(
            self.column_expr("id")?,
            BinaryOp::Eq,
            Expr::Param(Param::I64(Some(id))),
        ))
    }

    /// The first record matching `where` (no order: any of them), or `None`.
    pub async fn find_one(&self, where_: impl IntoWhere) -> Result<Option<Record<'e>>, Ouch> {
        let options = FindOptions {
            limit: Some(1),
            ..FindOptions::default()
        };
        Ok(self.find_many(where_, &options).await?.pop())
    }

    /// The records matching `where` and the prop defaults.
    pub async fn find_many(
        &self,
        where_: impl IntoWhere,
        options: &FindOptions,
    ) -> Result<Vec<Record<'e>>, Ouch> {
        Ok(self.read_page(where_, options, false).await?.0)
    }

    /// `SELECT <function>(<arg>) FROM <table> WHERE <where_>` (`count(*)` without an arg).
    pub(crate) fn aggregate_select(
        &self,
        function: Aggregate,
        arg: Option<Box<Expr>>,
        where_: Option<Expr>,
    ) -> Select {
        Select {
            fields: vec![Expr::Aggregate { function, arg }],
            where_,
            ..Select::all_of(self.table_name(), &[])
        }
    }

    /// The records matching `where`, as a stream that holds one batch of rows at a time
    /// (read by id ranges, or by pages of the given order): constant memory however many
    /// records there are.
    pub fn find_all(
        &self,
        where_: impl IntoWhere,
        options: &FindOptions,
    ) -> impl Stream<Item = Result<Record<'e>, Ouch>> + 'e {
        const BATCH: u64 = 500;
        struct State<'e> {
            kind: Kind<'e>,
            where_: Option<Where>,
            options: FindOptions,
            last_id: Option<i64>,
            read: u64,
            buffer: std::vec::IntoIter<Record<'e>>,
            done: bool,
        }
        let state = State {
            kind: self.clone(),
            where_: where_.into_where(),
            options: options.clone(),
            last_id: None,
            read: 0,
            buffer: Vec::new().into_iter(),
            done: false,
        };
        futures_util::stream::unfold(state, |mut state| async move {
            loop {
                if let Some(record) = state.buffer.next() {
                    return Some((Ok(record), state));
                }
                if state.done {
                    return None;
                }
                let remaining = state.options.limit.map(|l| l.saturating_sub(state.read));
                if remaining == Some(0) {
                    return None;
                }
                let batch = remaining.map_or(BATCH, |r| r.min(BATCH));
                let keyset = state.options.order_by.is_empty();
                let mut where_ = state.where_.clone();
                if keyset {
                    if let Some(last) = state.last_id {
                        let after = match state.kind.column_expr("id") {
                            Ok(id) => Where(Expr::binary(
                                id,
                                BinaryOp::Gt,
                                Expr::Param(Param::I64(Some(last))),
                            )),
                            Err(e) => return Some((Err(e), state)),
                        };
                        where_ = Some(match where_ {
                            Some(w) => w.and(after),
                            None => after,
                        });
                    }
                }
                let options = FindOptions {
                    limit: Some(batch),
                    offset: if keyset {
                        state.options.offset.filter(|_| state.last_id.is_none())
                    } else {
                        Some(state.options.offset.unwrap_or(0) + state.read)
                    },
                    order_by: if keyset {
                        vec![OrderBy::asc("id")]
                    } else {
                        let mut order = state.options.order_by.clone();
                        if !order.iter().any(|o| o.prop == "id") {
                            order.push(OrderBy::asc("id"));
                        }
                        order
                    },
                };
                match state.kind.find_many(where_, &options).await {
                    Err(e) => {
                        state.done = true;
                        return Some((Err(e), state));
                    }
                    Ok(records) => {
                        let got = records.len() as u64;
                        state.read += got;
                        state.done = got < batch;
                        state.last_id = records.last().and_then(|r| r.id()).or(state.last_id);
                        state.buffer = records.into_iter();
                    }
                }
            }
        })
    }

    async fn aggregate_row(
        &self,
        function: Aggregate,
        prop: Option<&str>,
        where_: impl IntoWhere,
    ) -> Result<Value, Ouch> {
        let (arg, column_type) = match prop {
            Some(prop) => {
                let column_type = self.column(prop)?.column_type.clone();
                let column = self.column_expr(prop)?;
                let numeric = matches!(
                    column_type,
                    ColumnType::Int | ColumnType::BigIntUnsigned | ColumnType::Boolean
                );
                let summable = matches!(function, Aggregate::Sum | Aggregate::Avg);
                if (summable && !numeric) || column_type == ColumnType::Json {
                    return Err(Ouch::new(
                        400,
                        format!(
                            "cannot take the {} of {prop}: {}",
                            function.name(),
                            if column_type == ColumnType::Json {
                                "a JSON prop has no order"
                            } else {
                                "it is not a number or a boolean"
                            }
                        ),
                    ));
                }
                // Booleans count as 0 and 1 on every backend, as on MariaDB, where
                // ving keeps them as tinyint (PostgreSQL has no sum of booleans).
                let arg = if column_type == ColumnType::Boolean {
                    Expr::Raw(vec![
                        RawPart::Text("CASE WHEN ".into()),
                        RawPart::Expr(column.clone()),
                        RawPart::Text(" THEN 1 WHEN NOT ".into()),
                        RawPart::Expr(column),
                        RawPart::Text(" THEN 0 END".into()),
                    ])
                } else {
                    column
                };
                (Some(Box::new(arg)), column_type)
            }
            None => (None, ColumnType::BigIntUnsigned),
        };
        let select = self.aggregate_select(function, arg, self.calc_where(where_)?.map(|w| w.0));
        let executor = self.executor();
        let (sql, params) = executor.dialect().render(Statement::Select(select));
        let rows = fetch_rows(executor, &sql, params, move |row| {
            if row.is_null(0)? {
                return Ok(Value::Null);
            }
            match function {
                Aggregate::Count => Ok(Value::from(row.get_i64(0)?)),
                Aggregate::Sum | Aggregate::Avg => Ok(Value::from(row.get_f64(0)?)),
                Aggregate::Min | Aggregate::Max | Aggregate::Every | Aggregate::Any
                    if column_type == ColumnType::Boolean =>
                {
                    // 0 or 1: an int on PostgreSQL, a bigint elsewhere.
                    let bit = match row.get_i64(0) {
                        Ok(bit) => bit,
                        Err(_) => i64::from(row.get_i32(0)?),
                    };
                    // The least and greatest are values of the prop: booleans, as ving's
                    // (drizzle maps them back through the column).
                    match function {
                        Aggregate::Min | Aggregate::Max => Ok(Value::Bool(bit == 1)),
                        _ => Ok(Value::from(bit)),
                    }
                }
                Aggregate::Min | Aggregate::Max | Aggregate::Every | Aggregate::Any => {
                    read_json(&row, 0, &column_type)
                }
            }
        })
        .await?;
        Ok(rows.into_iter().next().unwrap_or(Value::Null))
    }

    /// How many records match `where` and the prop defaults.
    pub async fn count(&self, where_: impl IntoWhere) -> Result<i64, Ouch> {
        Ok(self
            .aggregate_row(Aggregate::Count, None, where_)
            .await?
            .as_i64()
            .unwrap_or(0))
    }

    /// The sum of `prop` (0 when no record matches, as ving's `value * 1`).
    pub async fn sum(&self, prop: &str, where_: impl IntoWhere) -> Result<f64, Ouch> {
        Ok(self
            .aggregate_row(Aggregate::Sum, Some(prop), where_)
            .await?
            .as_f64()
            .unwrap_or(0.0))
    }

    /// The average of `prop` (0 when no record matches).
    pub async fn avg(&self, prop: &str, where_: impl IntoWhere) -> Result<f64, Ouch> {
        Ok(self
            .aggregate_row(Aggregate::Avg, Some(prop), where_)
            .await?
            .as_f64()
            .unwrap_or(0.0))
    }

    /// The smallest value of `prop`, as ving holds it (`null` when no record matches).
    pub async fn min(&self, prop: &str, where_: impl IntoWhere) -> Result<Value, Ouch> {
        self.aggregate_row(Aggregate::Min, Some(prop), where_).await
    }

    /// The largest value of `prop` (`null` when no record matches).
    pub async fn max(&self, prop: &str, where_: impl IntoWhere) -> Result<Value, Ouch> {
        self.aggregate_row(Aggregate::Max, Some(prop), where_).await
    }

    /// Deletes the records matching `where` and the prop defaults (every record when there
    /// are neither); no record hooks run. Returns how many were deleted.
    pub async fn delete_many(&self, where_: impl IntoWhere) -> Result<u64, Ouch> {
        let statement = Delete {
            table: self.table_name(),
            where_: self.calc_where(where_)?.map(|w| w.0),
            returning: Vec::new(),
        };
        let executor = self.executor();
        let (sql, params) = executor.dialect().render(Statement::Delete(statement));
        Ok(executor.execute(&sql, params).await?.rows_affected)
    }

    /// A copy of `record` in memory, as ving's `copy`: every prop but `id` and `createdAt`
    /// (so `updatedAt` and an API key's private key are kept, as in ving); not inserted.
    pub fn copy(&self, record: &Record<'_>) -> Record<'e> {
        let mut props = record.get_all();
        props.remove("id");
        props.remove("createdAt");
        self.mint(props)
    }
}

/// `a AND b AND …`: nothing for no terms, the term itself for one.
fn all_of(mut terms: Vec<Expr>) -> Option<Expr> {
    match terms.len() {
        0 => None,
        1 => terms.pop(),
        _ => Some(Expr::And(terms)),
    }
}

/// Runs a query on a pool or a transaction and decodes each row with `decode`.
pub(crate) async fn fetch_rows<T: Send>(
    executor: Executor<'_>,
    sql: &str,
    params: Vec<Param>,
    decode: impl Fn(DbRow<'_>) -> Result<T, sqlx::Error> + Send,
) -> Result<Vec<T>, DbError> {
    match executor {
        Executor::Pool(db) => db.fetch_all(sql, params, decode).await,
        Executor::Transaction(tx) => tx.fetch_all(sql, params, decode).await,
    }
}

/// The select of the ids of the rows of `page` (its where, order, limit and offset, which
/// `page` no longer has).
pub(crate) fn keys_of(page: &mut Select, table: &'static str, id: &'static str) -> Select {
    Select {
        fields: vec![Expr::column(table, id)],
        where_: page.where_.take(),
        order_by: page.order_by.clone(),
        limit: page.limit.take(),
        offset: page.offset.take(),
        ..Select::all_of(table, &[])
    }
}

/// A select run as `SELECT SQL_CALC_FOUND_ROWS` on MySQL/MariaDB (the database of
/// [`crate::sql::Capabilities::count_in_page`]), with how many rows it matched without its
/// `LIMIT`, read on the same connection; elsewhere the select as it is, and `None`.
pub(crate) async fn fetch_found<T: Send>(
    executor: Executor<'_>,
    sql: &str,
    params: Vec<Param>,
    decode: impl Fn(DbRow<'_>) -> Result<T, sqlx::Error> + Send,
) -> Result<(Vec<T>, Option<i64>), DbError> {
    let calc = (executor.dialect().capabilities().count_in_page)
        .then(|| sql.strip_prefix("SELECT "))
        .flatten()
        .map(|rest| ["SELECT SQL_CALC_FOUND_ROWS ", rest].concat());
    let Some(sql) = calc else {
        return Ok((fetch_rows(executor, sql, params, decode).await?, None));
    };
    match executor {
        Executor::Pool(db) => db.fetch_all_found(&sql, params, decode).await,
        Executor::Transaction(tx) => tx.fetch_all_found(&sql, params, decode).await,
    }
}

/// `page`, a sorted page of `table`'s rows, read by its keys first (see
/// [`crate::sql::DEEP_PAGE`]): the ids of the rows it selects, sorted,
/// skipped and limited as it says, are a derived table that the rows are joined to, and
/// the rows come in the same order. The same rows as `page` itself.
pub(crate) fn keys_first(mut page: Select, table: &'static str, id: &'static str) -> Select {
    // Not a table name: a kind's table name ends in "s".
    const KEYS: &str = "ving_page";
    let keys = keys_of(&mut page, table, id);
    page.joins.push(Join {
        kind: JoinKind::Inner,
        table: JoinTable::Select(Box::new(keys)),
        alias: Some(KEYS),
        on: Expr::Binary {
            left: Box::new(Expr::column(KEYS, id)),
            op: BinaryOp::Eq,
            right: Box::new(Expr::column(table, id)),
        },
    });
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::{Dialect, MySqlDialect, OrderTerm};

    /// `users.admin = false`, a bound value.
    fn not_admin() -> Expr {
        Expr::Binary {
            left: Box::new(Expr::column("users", "admin")),
            op: BinaryOp::Eq,
            right: Box::new(Expr::Param(Param::Bool(Some(false)))),
        }
    }

    /// `page` sorted by `users.<column>`, a page of 100 from `offset`.
    fn sort_and_page(page: &mut Select, column: &'static str, descending: bool, offset: u64) {
        page.order_by = vec![OrderTerm {
            expr: Expr::column("users", column),
            descending,
            nulls: None,
        }];
        page.limit = Some(100);
        page.offset = Some(offset);
    }

    #[test]
    fn a_deep_page_joins_its_rows_to_its_sorted_keys() {
        let mut page = Select::all_of("users", &["id", "createdAt"]);
        page.where_ = Some(not_admin());
        sort_and_page(&mut page, "createdAt", true, 4_900);
        let (sql, params) = MySqlDialect.render(Statement::Select(keys_first(page, "users", "id")));
        assert_eq!(
            sql,
            "SELECT `users`.`id`, `users`.`createdAt` FROM `users` INNER JOIN (SELECT `users`.`id` \
             FROM `users` WHERE `users`.`admin` = ? ORDER BY `users`.`createdAt` DESC LIMIT ? \
             OFFSET ?) AS `ving_page` ON `ving_page`.`id` = `users`.`id` ORDER BY \
             `users`.`createdAt` DESC"
        );
        // The where's value, then the inner select's limit and offset.
        assert_eq!(params.len(), 3, "{params:?}");
        assert_eq!(params[0], Param::Bool(Some(false)));
    }

    #[test]
    fn a_counted_deep_page_binds_its_where_twice_in_order() {
        let mut count = Select::all_of("users", &[]);
        count.fields = vec![Expr::Aggregate {
            function: Aggregate::Count,
            arg: None,
        }];
        count.where_ = Some(not_admin());
        let mut page = Select::all_of("users", &["id"]);
        page.fields.push(Expr::Subquery(Box::new(count)));
        page.where_ = Some(not_admin());
        sort_and_page(&mut page, "id", false, 1_000);
        let (sql, params) = MySqlDialect.render(Statement::Select(keys_first(page, "users", "id")));
        assert_eq!(
            sql,
            "SELECT `users`.`id`, (SELECT count(*) FROM `users` WHERE `users`.`admin` = ?) FROM \
             `users` INNER JOIN (SELECT `users`.`id` FROM `users` WHERE `users`.`admin` = ? ORDER \
             BY `users`.`id` ASC LIMIT ? OFFSET ?) AS `ving_page` ON `ving_page`.`id` = \
             `users`.`id` ORDER BY `users`.`id` ASC"
        );
        assert_eq!(
            params[..2],
            [Param::Bool(Some(false)), Param::Bool(Some(false))]
        );
        assert_eq!(params.len(), 4, "{params:?}");
    }
}
