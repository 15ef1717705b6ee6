//! Kinds: a kind is a table, driven by its validated schema and its table model — mint,
//! create, find, count, aggregate, delete and ving's paged `describe_list`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use futures_util::Stream;
use serde_json::{Map, Value};

use crate::db::{DbError, DbRow};
use crate::drizzle::{Executor, Predicate};
use crate::id::IdCodec;
use crate::schema::{PropDefault, PropType, RelationType, Schema, SchemaSet};
use crate::sql::{Aggregate, BinaryOp, Delete, Expr, OrderTerm, Param, Select, Statement};
use crate::table::{ColumnType, TableModel};

use super::describe::Describe;
use super::props::Props;
use super::record::Record;
use super::value::{now_string, read_cells, read_json, to_param};
use super::{CurrentUser, Ouch};

/// A name that lives as long as the program (the statement tree holds `&'static str`
/// names); each distinct name is kept once.
pub(crate) fn intern(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let names = NAMES.get_or_init(|| Mutex::new(HashSet::new()));
    let mut names = match names.lock() {
        Ok(names) => names,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(known) = names.get(name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// A default computed when a record is minted (`default = { fn = "privateKey" }`).
pub type DefaultFn = Arc<dyn Fn() -> Value + Send + Sync>;

/// A hook's future: boxed, so hooks stay object safe.
pub type HookFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, Ouch>> + Send + 'a>>;

/// What an app's record code overrides for a kind (ving's record subclasses, as its User
/// record overrides `describeLinks`, `describe`, `setPostedProps` and `delete`). Each
/// hook's default is ving's base behaviour; an override calls the `base_…` method of
/// [`Record`] where ving calls `super`.
pub trait RecordHooks: Send + Sync {
    /// Adds links after `base` and `self` (User: `profile`, `avatarImage` …), for the
    /// describe `params` (S3File shows its `file` link to its owner only).
    fn describe_links<'a>(
        &'a self,
        record: &'a Record<'_>,
        id_string: &'a str,
        params: &'a Describe<'_>,
        links: &'a mut Map<String, Value>,
    ) -> HookFuture<'a, ()> {
        let _ = (record, id_string, params, links);
        Box::pin(async { Ok(()) })
    }

    /// Adds to `meta` (User: `displayName`).
    fn describe_meta(&self, record: &Record<'_>, meta: &mut Map<String, Value>) {
        let _ = (record, meta);
    }

    /// Sets posted props (User: the password, and `verifiedEmail` cleared on a new
    /// email); the default is [`Record::base_set_posted_props`].
    fn set_posted_props<'a, 'e>(
        &'a self,
        record: &'a mut Record<'e>,
        params: &'a Map<String, Value>,
        user: Option<&'a dyn CurrentUser>,
    ) -> HookFuture<'a, ()>
    where
        'e: 'a,
    {
        Box::pin(record.base_set_posted_props(params, user))
    }

    /// Describes the record (an app adds or removes fields of ving's JSON); the default
    /// is [`Record::base_describe`].
    fn describe<'a>(
        &'a self,
        record: &'a Record<'_>,
        params: &'a Describe<'_>,
    ) -> HookFuture<'a, Value> {
        Box::pin(record.base_describe(params))
    }

    /// Inserts the record (an app fills in or checks props first); the default is
    /// [`Record::base_insert`].
    fn insert<'a, 'e>(&'a self, record: &'a mut Record<'e>) -> HookFuture<'a, ()>
    where
        'e: 'a,
    {
        Box::pin(record.base_insert())
    }

    /// Writes the dirty props (an app derives props from others first); the default is
    /// [`Record::base_update`].
    fn update<'a, 'e>(&'a self, record: &'a mut Record<'e>) -> HookFuture<'a, ()>
    where
        'e: 'a,
    {
        Box::pin(record.base_update())
    }

    /// Deletes the record (User: its API keys and files first); the default is
    /// [`Record::base_delete`].
    fn delete<'a, 'e>(&'a self, record: &'a mut Record<'e>) -> HookFuture<'a, ()>
    where
        'e: 'a,
    {
        Box::pin(record.base_delete())
    }
}

/// One column a kind reads and writes.
#[derive(Debug, Clone)]
pub(crate) struct ColumnInfo {
    pub(crate) name: &'static str,
    pub(crate) column_type: ColumnType,
    pub(crate) not_null: bool,
}

/// A kind's schema and table, as the record layer uses them.
pub(crate) struct KindInfo {
    pub(crate) schema: Schema,
    pub(crate) table: &'static str,
    pub(crate) columns: Vec<ColumnInfo>,
    /// The column names, shared by the props of every record of the kind.
    pub(crate) names: Arc<[&'static str]>,
}

impl KindInfo {
    pub(crate) fn column(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Everything the kinds of an app share: schemas, tables, the id codec, the app's default
/// functions, option lists and hooks.
#[derive(Clone)]
pub(crate) struct Catalog {
    pub(crate) kinds: Arc<Vec<KindInfo>>,
    pub(crate) codec: IdCodec,
    pub(crate) defaults: HashMap<String, DefaultFn>,
    pub(crate) options: HashMap<String, Vec<Value>>,
    pub(crate) hooks: HashMap<String, Arc<dyn RecordHooks>>,
    pub(crate) rest_version: String,
}

/// The kinds of an app on one executor (a pool or a transaction).
#[derive(Clone)]
pub struct Kinds<'e> {
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) executor: Executor<'e>,
}

impl std::fmt::Debug for Kinds<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self
            .catalog
            .kinds
            .iter()
            .map(|k| k.schema.kind.as_str())
            .collect();
        f.debug_struct("Kinds").field("kinds", &names).finish()
    }
}

impl<'e> Kinds<'e> {
    /// The kinds of `schemas`, running on `executor`, with ids stringified by `codec`.
    pub fn new(
        schemas: &SchemaSet,
        executor: impl Into<Executor<'e>>,
        codec: IdCodec,
    ) -> Kinds<'e> {
        let model = TableModel::from_schemas(schemas);
        let kinds = schemas
            .schemas()
            .iter()
            .map(|schema| {
                let table = model.tables.iter().find(|t| t.kind == schema.kind);
                let columns: Vec<ColumnInfo> = table
                    .map(|t| {
                        t.columns
                            .iter()
                            .map(|c| ColumnInfo {
                                name: intern(&c.name),
                                column_type: c.column_type.clone(),
                                not_null: c.not_null,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                KindInfo {
                    schema: schema.clone(),
                    table: intern(&schema.table_name),
                    names: columns.iter().map(|c| c.name).collect(),
                    columns,
                }
            })
            .collect();
        Kinds {
            catalog: Arc::new(Catalog {
                kinds: Arc::new(kinds),
                codec,
                defaults: HashMap::new(),
                options: HashMap::new(),
                hooks: HashMap::new(),
                rest_version: "v1".into(),
            }),
            executor: executor.into(),
        }
    }

    /// Registers the function behind `default = { fn = name }`.
    pub fn with_default_fn(
        mut self,
        name: &str,
        f: impl Fn() -> Value + Send + Sync + 'static,
    ) -> Self {
        Arc::make_mut(&mut self.catalog)
            .defaults
            .insert(name.to_owned(), Arc::new(f));
        self
    }

    /// Registers the option list behind `options = name`: values, or `{value, label}`
    /// objects as ving's `enum2options` makes them.
    pub fn with_options(mut self, name: &str, options: Vec<Value>) -> Self {
        Arc::make_mut(&mut self.catalog)
            .options
            .insert(name.to_owned(), options);
        self
    }

    /// Registers what the app adds to the descriptions of `kind`.
    pub fn with_hooks(mut self, kind: &str, hooks: impl RecordHooks + 'static) -> Self {
        Arc::make_mut(&mut self.catalog)
            .hooks
            .insert(kind.to_owned(), Arc::new(hooks));
        self
    }

    /// The REST version in links (`v1`, ving's default).
    pub fn with_rest_version(mut self, version: &str) -> Self {
        Arc::make_mut(&mut self.catalog).rest_version = version.to_owned();
        self
    }

    /// The same kinds on another executor (`kinds.on(&tx)` inside a transaction).
    pub fn on<'t>(&self, executor: impl Into<Executor<'t>>) -> Kinds<'t> {
        Kinds {
            catalog: self.catalog.clone(),
            executor: executor.into(),
        }
    }

    /// The id codec.
    pub fn codec(&self) -> IdCodec {
        self.catalog.codec
    }

    /// The kind named `name`; ving's 404 `ving schema <name> not found` if there is none.
    pub fn kind(&self, name: &str) -> Result<Kind<'e>, Ouch> {
        let index = self
            .catalog
            .kinds
            .iter()
            .position(|k| k.schema.kind == name)
            .ok_or_else(|| Ouch::new(404, format!("ving schema {name} not found")))?;
        Ok(Kind {
            kinds: self.clone(),
            index,
            prop_defaults: Arc::from(Vec::new()),
        })
    }
}

/// A `where` for the kind methods: a condition of the query builder (`eq(UserTable.email,
/// …)`, `sql!(…)`), or a prop's equality ([`Kind::prop_eq`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Where(pub(crate) Expr);

impl Where {
    /// The condition's node in the statement tree.
    pub fn into_expr(self) -> Expr {
        self.0
    }

    /// `self AND other`.
    pub fn and(self, other: impl IntoWhere) -> Where {
        match other.into_where() {
            Some(other) => Where(Expr::And(vec![self.0, other.0])),
            None => self,
        }
    }
}

/// What a kind method accepts as its `where`: `()` for none, a [`Where`], an
/// `Option<Where>`, or any condition of the query builder.
pub trait IntoWhere {
    /// The condition, if any.
    fn into_where(self) -> Option<Where>;
}

impl IntoWhere for () {
    fn into_where(self) -> Option<Where> {
        None
    }
}

impl IntoWhere for Where {
    fn into_where(self) -> Option<Where> {
        Some(self)
    }
}

impl IntoWhere for Option<Where> {
    fn into_where(self) -> Option<Where> {
        self
    }
}

impl<P: Predicate> IntoWhere for P {
    fn into_where(self) -> Option<Where> {
        Some(Where(self.into_condition()))
    }
}

/// One term of a kind's `ORDER BY`: a prop, ascending or descending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    /// The prop.
    pub prop: String,
    /// Descending.
    pub descending: bool,
}

impl OrderBy {
    /// `prop ASC`.
    pub fn asc(prop: &str) -> OrderBy {
        OrderBy {
            prop: prop.to_owned(),
            descending: false,
        }
    }

    /// `prop DESC`.
    pub fn desc(prop: &str) -> OrderBy {
        OrderBy {
            prop: prop.to_owned(),
            descending: true,
        }
    }
}

/// `find_many`'s options. Unlike ving, an offset without a limit works.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindOptions {
    /// At most this many records.
    pub limit: Option<u64>,
    /// Skip this many.
    pub offset: Option<u64>,
    /// The order (the database's own when empty).
    pub order_by: Vec<OrderBy>,
}

/// The params of [`Kind::describe_list`] (ving's `describeList` params).
#[derive(Clone, Default)]
pub struct ListParams<'u> {
    /// Records a page: 1 to 100, else 10.
    pub items_per_page: Option<i64>,
    /// The page, from 1 (anything lower is 1).
    pub page: Option<i64>,
    /// Sort by these props (then `id`); `createdAt`, `id` when empty.
    pub sort_by: Vec<String>,
    /// Descending (ving's `sortOrder: 'desc'`).
    pub descending: bool,
    /// Never list more than this many records over all pages (0: no cap).
    pub max_items: Option<i64>,
    /// How each record is described.
    pub object_params: Describe<'u>,
}

/// Which props a list can be filtered on (ving's `describeListFilter`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ListFilter {
    /// Searched by the free-text query (`filterQuery`).
    pub queryable: Vec<String>,
    /// Filtered by ranges (`filterRange`).
    pub ranged: Vec<String>,
    /// Filtered by value (`filterQualifier`).
    pub qualifiers: Vec<String>,
}

/// An id as a caller gives it: the integer, or its id string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordId {
    /// The integer id.
    Int(i64),
    /// An id string (`UservDKaLb1`).
    Text(String),
}

impl From<i64> for RecordId {
    fn from(id: i64) -> Self {
        RecordId::Int(id)
    }
}

impl From<&str> for RecordId {
    fn from(id: &str) -> Self {
        RecordId::Text(id.to_owned())
    }
}

impl From<String> for RecordId {
    fn from(id: String) -> Self {
        RecordId::Text(id)
    }
}

/// ving's 400 for a string that is not an id string.
pub(crate) fn invalid_id(text: &str) -> Ouch {
    Ouch::new(
        400,
        format!("Invalid id: {text} trying to parse encrypted string as number."),
    )
}

/// A kind: its schema, its table, and the prop defaults that scope it (a record's
/// children).
#[derive(Clone)]
pub struct Kind<'e> {
    pub(crate) kinds: Kinds<'e>,
    pub(crate) index: usize,
    /// Shared by every record the kind reads (cloned per record: one count).
    pub(crate) prop_defaults: Arc<[(String, Value)]>,
}

impl std::fmt::Debug for Kind<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kind")
            .field("kind", &self.name())
            .field("prop_defaults", &self.prop_defaults)
            .finish()
    }
}

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
            terms.push(self.prop_eq(prop, value.clone())?.0);
        }
        Ok(all_of(terms).map(Where))
    }

    /// The condition of the prop defaults alone (`None` for an unscoped kind), for the
    /// raw builders.
    pub(crate) fn scope(&self) -> Option<Expr> {
        // Every prop default names a column (`with_prop_default` checks), and a value
        // that its column cannot hold matches no row.
        let terms: Vec<Expr> = self
            .prop_defaults
            .iter()
            .map(|(prop, value)| {
                self.prop_eq(prop, value.clone())
                    .map_or(Expr::Bool(false), |w| w.0)
            })
            .collect();
        all_of(terms)
    }

    fn select(&self) -> Select {
        let columns: Vec<&'static str> = self.info().columns.iter().map(|c| c.name).collect();
        Select::all_of(self.table_name(), &columns)
    }

    fn order_terms(&self, order_by: &[OrderBy]) -> Result<Vec<OrderTerm>, Ouch> {
        order_by
            .iter()
            .map(|o| {
                Ok(OrderTerm {
                    expr: self.column_expr(&o.prop)?,
                    descending: o.descending,
                })
            })
            .collect()
    }

    /// Runs a select of this kind's columns and makes records of the rows.
    pub(crate) async fn fetch_records(&self, select: Select) -> Result<Vec<Record<'e>>, Ouch> {
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
        Ok(fetch_rows(executor, &sql, params, move |row| {
            let cells = read_cells(&row, &types)?;
            Ok(Record::from_row(
                kind.clone(),
                Props::from_cells(names.clone(), cells),
            ))
        })
        .await?)
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
                .parse(&text)
                .map_err(|_| invalid_id(&text)),
        }
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
        let mut select = self.select();
        select.where_ = self.calc_where(where_)?.map(|w| w.0);
        select.order_by = self.order_terms(&options.order_by)?;
        select.limit = options.limit;
        select.offset = options.offset;
        self.fetch_records(select).await
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
            Some(prop) => (
                Some(Box::new(self.column_expr(prop)?)),
                self.column(prop)?.column_type.clone(),
            ),
            None => (None, ColumnType::BigIntUnsigned),
        };
        let select = Select {
            fields: vec![Expr::Aggregate { function, arg }],
            where_: self.calc_where(where_)?.map(|w| w.0),
            ..Select::all_of(self.table_name(), &[])
        };
        let executor = self.executor();
        let (sql, params) = executor.dialect().render(Statement::Select(select));
        let rows = fetch_rows(executor, &sql, params, move |row| {
            if row.is_null(0)? {
                return Ok(Value::Null);
            }
            match function {
                Aggregate::Count => Ok(Value::from(row.get_i64(0)?)),
                Aggregate::Sum | Aggregate::Avg => Ok(Value::from(row.get_f64(0)?)),
                Aggregate::Min | Aggregate::Max => read_json(&row, 0, &column_type),
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

    /// Which props a list can be filtered on.
    pub fn describe_list_filter(&self) -> ListFilter {
        let mut filter = ListFilter::default();
        for prop in &self.schema().props {
            if prop.filter_query {
                filter.queryable.push(prop.name.clone());
            }
            if prop.filter_range {
                filter.ranged.push(prop.name.clone());
            }
            if prop.filter_qualifier {
                filter.qualifiers.push(prop.name.clone());
            }
        }
        filter
    }

    /// ving's `describeListWhere`: a REST query string (its pairs, in order) as a
    /// condition. `search` matches any `filterQuery` prop (case-insensitive, the text
    /// taken literally); `_start_<prop>`/`_end_<prop>` bound a `filterRange` prop (dates
    /// work, unlike in ving); a `filterQualifier` prop's name filters by value, with an
    /// optional `>=`, `<=`, `!=`, `<>`, `>` or `<` in front (a repeated key is the values
    /// joined by commas). Booleans are `true` only for `'true'`; ids are id strings (the
    /// integer too with `allowRealPubicId`). Other keys are ignored. `None` when nothing
    /// applies.
    pub fn describe_list_where(&self, query: &[(String, String)]) -> Result<Option<Where>, Ouch> {
        let filter = self.describe_list_filter();
        let mut terms = Vec::new();
        let search = query
            .iter()
            .find(|(k, v)| k == "search" && !v.is_empty())
            .map(|(_, v)| v);
        if let Some(search) = search {
            let pattern = format!("%{}%", crate::drizzle::escape_like(search));
            let any = filter
                .queryable
                .iter()
                .map(|prop| {
                    Ok(Expr::binary(
                        self.column_expr(prop)?,
                        BinaryOp::ILike,
                        Expr::Param(Param::String(Some(pattern.clone()))),
                    ))
                })
                .collect::<Result<Vec<_>, Ouch>>()?;
            if !any.is_empty() {
                terms.push(Expr::Or(any));
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        for (key, _) in query {
            if seen.contains(&key.as_str()) {
                continue;
            }
            seen.push(key);
            let value = query
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join(",");
            let range = key
                .strip_prefix("_start_")
                .map(|p| (p, BinaryOp::Gte))
                .or_else(|| key.strip_prefix("_end_").map(|p| (p, BinaryOp::Lte)));
            if let Some((prop, op)) = range {
                if filter.ranged.iter().any(|r| r == prop) {
                    let value = self.filter_value(prop, &value)?;
                    terms.push(Expr::binary(
                        self.column_expr(prop)?,
                        op,
                        Expr::Param(value),
                    ));
                }
                continue;
            }
            if !filter.qualifiers.iter().any(|q| q == key) || value.is_empty() {
                continue;
            }
            let (op, rest) = [
                (">=", BinaryOp::Gte),
                ("<=", BinaryOp::Lte),
                ("!=", BinaryOp::Ne),
                ("<>", BinaryOp::Ne),
                (">", BinaryOp::Gt),
                ("<", BinaryOp::Lt),
            ]
            .into_iter()
            .find_map(|(text, op)| {
                value
                    .strip_prefix(text)
                    .filter(|rest| !rest.is_empty())
                    .map(|rest| (op, rest))
            })
            .unwrap_or((BinaryOp::Eq, value.as_str()));
            let param = self.filter_value(key, rest)?;
            terms.push(Expr::binary(self.column_expr(key)?, op, Expr::Param(param)));
        }
        Ok(match terms.len() {
            0 => None,
            1 => terms.pop().map(Where),
            _ => Some(Where(Expr::And(terms))),
        })
    }

    /// A filter's text as the parameter of `prop`'s column.
    fn filter_value(&self, prop: &str, text: &str) -> Result<Param, Ouch> {
        let column = self.column(prop)?;
        let schema_prop = self.schema().column_prop(prop);
        let value =
            match schema_prop.map(|p| p.prop_type) {
                Some(PropType::Boolean) => Value::from(text == "true"),
                Some(PropType::Id) => {
                    let real = schema_prop.is_some_and(|p| p.allow_real_public_id);
                    match text.parse::<i64>() {
                        Ok(id) if real => Value::from(id),
                        _ => Value::from(self.parse_id(text)?),
                    }
                }
                Some(PropType::Int) => Value::from(text.parse::<i64>().map_err(|_| {
                    Ouch::about(400, prop, format!("{prop}: {text} is not a number"))
                })?),
                Some(PropType::Date) => Value::from(text),
                _ => Value::from(text),
            };
        to_param(prop, &column.column_type, &value)
            .map_err(|_| Ouch::about(400, prop, format!("{prop}: {text} is not a valid value")))
    }

    /// A copy of `record` in memory, as ving's `copy`: every prop but `id` and `createdAt`
    /// (so `updatedAt` and an API key's private key are kept, as in ving); not inserted.
    pub fn copy(&self, record: &Record<'_>) -> Record<'e> {
        let mut props = record.get_all();
        props.remove("id");
        props.remove("createdAt");
        self.mint(props)
    }

    /// A page of records, described: ving's `describeList`. One count, one page query,
    /// and one query per relation in `object_params.related` (the parents of the whole
    /// page at once). `nextPage` is `min(page + 1, totalPages)` (at least 1), where ving
    /// gives the current page on the second-to-last one.
    pub async fn describe_list(
        &self,
        params: &ListParams<'_>,
        where_: impl IntoWhere,
    ) -> Result<Value, Ouch> {
        let where_ = where_.into_where();
        let paging = Paging::new(params.items_per_page, params.page, params.max_items);
        let mut order_by: Vec<OrderBy> = if params.sort_by.is_empty() {
            vec![OrderBy::asc("createdAt")]
        } else {
            params.sort_by.iter().map(|p| OrderBy::asc(p)).collect()
        };
        if !order_by.iter().any(|o| o.prop == "id") {
            order_by.push(OrderBy::asc("id"));
        }
        for order in &mut order_by {
            order.descending = params.descending;
        }
        let total_items = self.count(where_.clone()).await?;
        let total_pages = paging.total_pages(total_items);
        let mut items = Vec::new();
        if let Some(take) = paging.items_this_page() {
            let options = FindOptions {
                limit: Some(paging.items_per_page as u64),
                offset: Some((paging.items_per_page * (paging.page - 1)) as u64),
                order_by,
            };
            let mut records = self.find_many(where_, &options).await?;
            records.truncate(take as usize);
            self.preload_parents(&mut records, &params.object_params.related)
                .await?;
            for record in &records {
                items.push(record.describe(&params.object_params).await?);
            }
        }
        let mut out = Map::new();
        out.insert(
            "paging".into(),
            serde_json::json!({
                "page": paging.page,
                "nextPage": (paging.page + 1).min(total_pages.max(1)),
                "previousPage": if paging.page < 2 { 1 } else { paging.page - 1 },
                "itemsPerPage": paging.items_per_page,
                "totalItems": total_items,
                "totalPages": total_pages,
            }),
        );
        out.insert("items".into(), Value::Array(items));
        Ok(Value::Object(out))
    }

    /// Fetches the parents named in `related` for every record in one query a relation,
    /// into the records' parent caches.
    async fn preload_parents(
        &self,
        records: &mut [Record<'e>],
        related: &[String],
    ) -> Result<(), Ouch> {
        for name in related {
            let Some(prop) = self.schema().prop_with_relation(name) else {
                continue;
            };
            let Some(relation) = prop.relation.as_ref() else {
                continue;
            };
            if relation.relation_type != RelationType::Parent {
                continue;
            }
            let ids: Vec<i64> = records
                .iter()
                .filter_map(|r| r.get(&prop.name).and_then(Value::as_i64))
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            if ids.is_empty() {
                continue;
            }
            let parent_kind = self.kinds.kind(&relation.kind)?;
            let mut select = parent_kind.select();
            select.where_ = Some(Expr::InList {
                expr: Box::new(parent_kind.column_expr("id")?),
                list: ids
                    .iter()
                    .map(|id| Expr::Param(Param::I64(Some(*id))))
                    .collect(),
                negated: false,
            });
            let parents = parent_kind.fetch_records(select).await?;
            let by_id: HashMap<i64, Arc<Record<'e>>> = parents
                .into_iter()
                .filter_map(|p| Some((p.id()?, Arc::new(p))))
                .collect();
            for record in records.iter_mut() {
                if let Some(parent) = record
                    .get(&prop.name)
                    .and_then(Value::as_i64)
                    .and_then(|id| by_id.get(&id))
                {
                    record.cache_parent(name, parent.clone());
                }
            }
        }
        Ok(())
    }
}

/// ving's paging arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Records a page (1..=100, else 10).
    pub items_per_page: i64,
    /// The page (≥ 1).
    pub page: i64,
    /// The cap over all pages.
    pub max_items: i64,
}

impl Paging {
    /// The paging of the params, with ving's defaults.
    pub fn new(items_per_page: Option<i64>, page: Option<i64>, max_items: Option<i64>) -> Paging {
        Paging {
            items_per_page: items_per_page
                .filter(|n| (1..=100).contains(n))
                .unwrap_or(10),
            page: page.filter(|p| *p >= 1).unwrap_or(1),
            max_items: max_items.filter(|m| *m > 0).unwrap_or(100_000_000_000),
        }
    }

    /// How many records this page shows at most; `None` when it is past `max_items`.
    pub fn items_this_page(&self) -> Option<i64> {
        let up_to = self.items_per_page.saturating_mul(self.page);
        let full_pages = self.max_items / self.items_per_page;
        if up_to - self.items_per_page >= self.max_items {
            None
        } else if self.page - full_pages == 1 {
            Some(self.items_per_page - (up_to - self.max_items))
        } else if self.page - full_pages > 1 {
            None
        } else {
            Some(self.items_per_page)
        }
    }

    /// `ceil(total / items_per_page)` (not capped by `max_items`, as in ving).
    pub fn total_pages(&self, total_items: i64) -> i64 {
        (total_items + self.items_per_page - 1) / self.items_per_page
    }
}

/// Runs a query on a pool or a transaction and decodes each row with `decode`.
/// `a AND b AND …`: nothing for no terms, the term itself for one.
fn all_of(mut terms: Vec<Expr>) -> Option<Expr> {
    match terms.len() {
        0 => None,
        1 => terms.pop(),
        _ => Some(Expr::And(terms)),
    }
}

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
