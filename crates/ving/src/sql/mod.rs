//! SQL: the statement tree that queries and DDL are built as, and the dialects that
//! render it for MySQL/MariaDB, PostgreSQL and SQLite.
//!
//! Everything that differs between the databases lives behind the [`Dialect`] trait,
//! whose default methods hold the common SQL; each backend overrides only what differs,
//! and describes what it can do as data ([`Capabilities`]). Values never become SQL text:
//! they are [`Param`]s, bound by the driver.
//!
//! # Examples
//!
//! ```
//! use ving::config::Backend;
//! use ving::sql::{dialect, BinaryOp, Expr, Param, Select, Statement};
//!
//! let select = Select {
//!     where_: Some(Expr::binary(
//!         Expr::column("users", "email"),
//!         BinaryOp::Eq,
//!         Expr::Param(Param::String(Some("joe@example.com".into()))),
//!     )),
//!     ..Select::all_of("users", &["id", "email"])
//! };
//! let (sql, params) = dialect(Backend::Postgres).render(Statement::Select(select.clone()));
//! assert_eq!(sql, r#"SELECT "users"."id", "users"."email" FROM "users" WHERE "users"."email" = $1"#);
//! assert_eq!(params.len(), 1);
//! let (sql, _) = dialect(Backend::MySql).render(Statement::Select(select));
//! assert_eq!(sql, "SELECT `users`.`id`, `users`.`email` FROM `users` WHERE `users`.`email` = ?");
//! ```

mod ddl;
mod dialect;
mod render;

use chrono::NaiveDateTime;

pub use ddl::{
    create_foreign_key_indexes, create_statements, foreign_key_indexes, indexes_foreign_keys,
};
pub use dialect::{
    dialect, Capabilities, Dialect, LongLists, MySqlDialect, PostgresDialect, SqliteDialect,
    DEEP_PAGE, LONG_IN_LIST,
};

/// A value bound to a statement; `None` is SQL `NULL` of that type.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// A boolean.
    Bool(Option<bool>),
    /// A 32-bit integer (`int` columns).
    I32(Option<i32>),
    /// A 64-bit integer (ids, `bigInt`, counts, limits).
    I64(Option<i64>),
    /// A double.
    F64(Option<f64>),
    /// Text.
    String(Option<String>),
    /// A date and time (UTC by convention).
    DateTime(Option<NaiveDateTime>),
    /// A JSON value.
    Json(Option<serde_json::Value>),
    /// A list of values bound as one parameter (a PostgreSQL array): what a long
    /// `IN` list becomes.
    Array(ParamList),
    /// A value refused before the database, with the reason: running a statement that
    /// holds one is an error saying it (a `like` pattern ending in a lone `\`).
    Refused(String),
}

/// Values of one type, bound together (see [`Param::Array`]).
#[derive(Debug, Clone, PartialEq)]
pub enum ParamList {
    /// Booleans.
    Bool(Vec<bool>),
    /// 32-bit integers.
    I32(Vec<i32>),
    /// 64-bit integers.
    I64(Vec<i64>),
    /// Doubles.
    F64(Vec<f64>),
    /// Texts.
    String(Vec<String>),
    /// Dates and times.
    DateTime(Vec<NaiveDateTime>),
}

impl ParamList {
    /// The list of an `IN`'s values when every one is a non-null parameter of one type.
    pub fn gather(items: &[Expr]) -> Option<ParamList> {
        macro_rules! gather {
            ($variant:ident) => {
                items
                    .iter()
                    .map(|item| match item {
                        Expr::Param(Param::$variant(Some(v))) => Some(v.clone()),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()
                    .map(ParamList::$variant)
            };
        }
        match items.first()? {
            Expr::Param(Param::Bool(_)) => gather!(Bool),
            Expr::Param(Param::I32(_)) => gather!(I32),
            Expr::Param(Param::I64(_)) => gather!(I64),
            Expr::Param(Param::F64(_)) => gather!(F64),
            Expr::Param(Param::String(_)) => gather!(String),
            Expr::Param(Param::DateTime(_)) => gather!(DateTime),
            _ => None,
        }
    }

    /// The values as a JSON array (booleans as 0 and 1, dates as `YYYY-MM-DD hh:mm:ss`),
    /// for databases that read a list from one JSON parameter.
    pub fn to_json(&self) -> String {
        let values: Vec<serde_json::Value> = match self {
            ParamList::Bool(v) => v.iter().map(|b| i32::from(*b).into()).collect(),
            ParamList::I32(v) => v.iter().map(|n| (*n).into()).collect(),
            ParamList::I64(v) => v.iter().map(|n| (*n).into()).collect(),
            ParamList::F64(v) => v.iter().map(|n| (*n).into()).collect(),
            ParamList::String(v) => v.iter().map(|s| s.as_str().into()).collect(),
            ParamList::DateTime(v) => v
                .iter()
                .map(|d| whole_seconds(*d).format("%F %T").to_string().into())
                .collect(),
        };
        serde_json::Value::Array(values).to_string()
    }

    /// The SQL type of the values (MySQL's names), for reading them out of JSON.
    pub fn mysql_type(&self) -> &'static str {
        match self {
            ParamList::Bool(_) | ParamList::I32(_) | ParamList::I64(_) => "BIGINT",
            ParamList::F64(_) => "DOUBLE",
            ParamList::String(_) => "LONGTEXT",
            ParamList::DateTime(_) => "DATETIME(6)",
        }
    }
}

/// `time` without its fraction of a second: what every backend keeps of a date and time
/// (ving's columns hold whole seconds), applied to every value before it is bound so that
/// what is written is what is read and compared.
pub(crate) fn whole_seconds(time: NaiveDateTime) -> NaiveDateTime {
    use chrono::Timelike as _;
    time.with_nanosecond(0).unwrap_or(time)
}

macro_rules! param_from {
    ($($type:ty => $variant:ident),+) => {
        $(
            impl From<$type> for Param {
                fn from(value: $type) -> Self {
                    Param::$variant(Some(value))
                }
            }
        )+
    };
}

param_from!(bool => Bool, i32 => I32, i64 => I64, f64 => F64, String => String,
    NaiveDateTime => DateTime, serde_json::Value => Json);

impl From<&str> for Param {
    fn from(value: &str) -> Self {
        Param::String(Some(value.to_owned()))
    }
}

impl Param {
    /// Whether the value is SQL `NULL`.
    pub fn is_null(&self) -> bool {
        match self {
            Param::Bool(v) => v.is_none(),
            Param::I32(v) => v.is_none(),
            Param::I64(v) => v.is_none(),
            Param::F64(v) => v.is_none(),
            Param::String(v) => v.is_none(),
            Param::DateTime(v) => v.is_none(),
            Param::Json(v) => v.is_none(),
            Param::Array(_) | Param::Refused(_) => false,
        }
    }
}

/// An expression of the statement tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A column, always qualified by its table.
    Column {
        /// The table.
        table: &'static str,
        /// The column.
        name: &'static str,
    },
    /// A bound value.
    Param(Param),
    /// `TRUE` or `FALSE` (what an empty `IN` list means).
    Bool(bool),
    /// `left op right`.
    Binary {
        /// Left operand.
        left: Box<Expr>,
        /// The operator.
        op: BinaryOp,
        /// Right operand.
        right: Box<Expr>,
    },
    /// All of the conditions (`TRUE` when empty).
    And(Vec<Expr>),
    /// Any of the conditions (`FALSE` when empty).
    Or(Vec<Expr>),
    /// `NOT (expr)`.
    Not(Box<Expr>),
    /// `expr IS [NOT] NULL`.
    IsNull {
        /// The tested expression.
        expr: Box<Expr>,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// `expr [NOT] IN (list)`.
    InList {
        /// The tested expression.
        expr: Box<Expr>,
        /// The values.
        list: Vec<Expr>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `expr BETWEEN low AND high`.
    Between {
        /// The tested expression.
        expr: Box<Expr>,
        /// The lower bound.
        low: Box<Expr>,
        /// The upper bound.
        high: Box<Expr>,
    },
    /// An aggregate function.
    Aggregate {
        /// Which one.
        function: Aggregate,
        /// Its argument; `None` is `*` (for `count(*)`).
        arg: Option<Box<Expr>>,
    },
    /// Raw SQL text with expressions (columns, params) interpolated.
    Raw(Vec<RawPart>),
    /// In an upsert's update: the value the insert proposed for a column (`excluded.col`;
    /// MySQL's `VALUES(col)`).
    Excluded(&'static str),
    /// A subquery giving one value (a scalar subquery).
    Subquery(Box<Select>),
    /// `[NOT] EXISTS (subquery)`.
    Exists {
        /// The subquery.
        select: Box<Select>,
        /// `NOT EXISTS`.
        negated: bool,
    },
    /// `expr [NOT] IN (subquery)`.
    InSubquery {
        /// The tested expression.
        expr: Box<Expr>,
        /// The subquery giving the values.
        select: Box<Select>,
        /// `NOT IN`.
        negated: bool,
    },
}

impl Expr {
    /// Whether the expression renders as one unit that no operator around it can split:
    /// a column, a value, `TRUE`/`FALSE`, an aggregate call, or an `AND`/`OR` list (which
    /// renders its own parentheses). Anything else is parenthesised when it is the operand
    /// of another operator.
    pub fn is_atomic(&self) -> bool {
        matches!(
            self,
            Expr::Column { .. }
                | Expr::Param(_)
                | Expr::Bool(_)
                | Expr::Aggregate { .. }
                | Expr::And(_)
                | Expr::Or(_)
                | Expr::Excluded(_)
                | Expr::Subquery(_)
        )
    }

    /// A column of a table.
    pub fn column(table: &'static str, name: &'static str) -> Expr {
        Expr::Column { table, name }
    }

    /// `left op right`.
    pub fn binary(left: Expr, op: BinaryOp, right: Expr) -> Expr {
        Expr::Binary {
            left: Box::new(left),
            op,
            right: Box::new(right),
        }
    }
}

/// A piece of raw SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum RawPart {
    /// SQL text, written as is.
    Text(String),
    /// An interpolated expression: columns become quoted identifiers, values parameters.
    Expr(Expr),
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `LIKE`
    Like,
    /// `NOT LIKE`
    NotLike,
    /// `LIKE`, ignoring case (PostgreSQL's `ILIKE`; `lower(a) LIKE lower(b)` elsewhere).
    ILike,
    /// `NOT` [`BinaryOp::ILike`].
    NotILike,
}

impl BinaryOp {
    /// The operator's SQL.
    pub fn as_sql(self) -> &'static str {
        match self {
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "<>",
            BinaryOp::Gt => ">",
            BinaryOp::Gte => ">=",
            BinaryOp::Lt => "<",
            BinaryOp::Lte => "<=",
            BinaryOp::Like => "LIKE",
            BinaryOp::NotLike => "NOT LIKE",
            BinaryOp::ILike => "ILIKE",
            BinaryOp::NotILike => "NOT ILIKE",
        }
    }

    /// Whether the operator matches a pattern (and takes an `ESCAPE` clause).
    pub fn is_like(self) -> bool {
        matches!(
            self,
            BinaryOp::Like | BinaryOp::NotLike | BinaryOp::ILike | BinaryOp::NotILike
        )
    }
}

/// Aggregate functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// `count`
    Count,
    /// `sum`, as a double on every database.
    Sum,
    /// `avg`, as a double on every database.
    Avg,
    /// `min`
    Min,
    /// `max`
    Max,
    /// The smallest of booleans: false if any is (`bool_and` on PostgreSQL, `min`
    /// elsewhere).
    Every,
    /// The largest of booleans: true if any is (`bool_or` on PostgreSQL, `max`
    /// elsewhere).
    Any,
}

impl Aggregate {
    /// The function's name, as SQL spells it (`sum`).
    pub fn name(self) -> &'static str {
        match self {
            Aggregate::Count => "count",
            Aggregate::Sum => "sum",
            Aggregate::Avg => "avg",
            Aggregate::Min | Aggregate::Every => "min",
            Aggregate::Max | Aggregate::Any => "max",
        }
    }
}

/// The kind of a join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `INNER JOIN`
    Inner,
    /// `LEFT JOIN`
    Left,
    /// `RIGHT JOIN`
    Right,
    /// `FULL JOIN` (not on MySQL/MariaDB)
    Full,
}

/// A row lock taken by a select inside a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLock {
    /// `FOR UPDATE`
    Update,
    /// `FOR SHARE` (MySQL/MariaDB: `LOCK IN SHARE MODE`)
    Share,
}

/// A join of a select.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    /// Inner, left, right or full.
    pub kind: JoinKind,
    /// The joined table.
    pub table: JoinTable,
    /// The name it goes by in the query (`FROM users AS parent`), when not its own.
    pub alias: Option<&'static str>,
    /// The join condition.
    pub on: Expr,
}

/// What a join joins.
#[derive(Debug, Clone, PartialEq)]
pub enum JoinTable {
    /// A table.
    Named(&'static str),
    /// The rows of a select, `(SELECT …) AS alias` (the join's alias names them; a
    /// derived table must have one).
    Select(Box<Select>),
}

/// One term of `ORDER BY`.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTerm {
    /// What to sort by.
    pub expr: Expr,
    /// `DESC` rather than `ASC`.
    pub descending: bool,
    /// Where NULLs go, for an expression that can be NULL: rendered the same on every
    /// database (MySQL and SQLite put NULLs first ascending, PostgreSQL last). `None`
    /// for one that cannot be NULL (nothing is added, so indexes serve the sort).
    pub nulls: Option<Nulls>,
}

/// Where an `ORDER BY` term puts NULLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nulls {
    /// Before every value (`NULLS FIRST`).
    First,
    /// After every value (`NULLS LAST`).
    Last,
}

/// `CASE expr WHEN 'a' THEN 0 WHEN 'b' THEN 1 … END`: an enum column's values in their
/// declaration order, what MySQL/MariaDB sort an `enum` by, for sorting alike on every
/// database (PostgreSQL and SQLite hold enums as text).
pub fn declaration_order<'v>(expr: Expr, values: impl IntoIterator<Item = &'v str>) -> Expr {
    let mut parts = vec![RawPart::Text("CASE ".into()), RawPart::Expr(expr)];
    for (index, value) in values.into_iter().enumerate() {
        parts.push(RawPart::Text(" WHEN ".into()));
        parts.push(RawPart::Expr(Expr::Param(Param::String(Some(
            value.to_owned(),
        )))));
        parts.push(RawPart::Text(format!(" THEN {index}")));
    }
    parts.push(RawPart::Text(" END".into()));
    Expr::Raw(parts)
}

impl Nulls {
    /// The default of a term that can be NULL: NULLs are smaller than every value, as on
    /// MySQL/MariaDB and SQLite (first ascending, last descending).
    pub fn smallest(descending: bool) -> Nulls {
        if descending {
            Nulls::Last
        } else {
            Nulls::First
        }
    }
}

/// A `SELECT`.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// `SELECT DISTINCT`
    pub distinct: bool,
    /// The selected expressions.
    pub fields: Vec<Expr>,
    /// The first table.
    pub from: &'static str,
    /// The name the first table goes by in the query, when not its own.
    pub from_alias: Option<&'static str>,
    /// Joined tables.
    pub joins: Vec<Join>,
    /// `WHERE`
    pub where_: Option<Expr>,
    /// `GROUP BY`
    pub group_by: Vec<Expr>,
    /// `HAVING`
    pub having: Option<Expr>,
    /// `ORDER BY`
    pub order_by: Vec<OrderTerm>,
    /// `LIMIT`
    pub limit: Option<u64>,
    /// `OFFSET`
    pub offset: Option<u64>,
    /// `FOR UPDATE` / `FOR SHARE`
    pub lock: Option<RowLock>,
}

impl Select {
    /// `SELECT <columns> FROM <table>`, qualified by the table.
    pub fn all_of(table: &'static str, columns: &[&'static str]) -> Select {
        Select {
            distinct: false,
            fields: columns.iter().map(|c| Expr::column(table, c)).collect(),
            from: table,
            from_alias: None,
            joins: Vec::new(),
            where_: None,
            group_by: Vec::new(),
            having: None,
            order_by: Vec::new(),
            limit: None,
            offset: None,
            lock: None,
        }
    }
}

/// An `INSERT` of one or more rows with the same columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Insert {
    /// The table.
    pub table: &'static str,
    /// The columns given; the others take their defaults.
    pub columns: Vec<&'static str>,
    /// One list of values per row, in column order.
    pub rows: Vec<Vec<Param>>,
    /// What to do when a row conflicts with a unique key (an upsert).
    pub on_conflict: Option<OnConflict>,
    /// `RETURNING` these, for each inserted row.
    pub returning: Vec<Expr>,
}

/// An upsert's action on a row that conflicts with an existing one.
#[derive(Debug, Clone, PartialEq)]
pub struct OnConflict {
    /// The unique columns whose conflict triggers it (PostgreSQL and SQLite; MySQL acts
    /// on a conflict with any unique key).
    pub target: Vec<&'static str>,
    /// `SET column = expr, …` on the existing row; empty: do nothing.
    pub update: Vec<(&'static str, Expr)>,
}

/// An `UPDATE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The table.
    pub table: &'static str,
    /// `SET column = expr, …`
    pub set: Vec<(&'static str, Expr)>,
    /// `WHERE`
    pub where_: Option<Expr>,
    /// `RETURNING` these, for each changed row.
    pub returning: Vec<Expr>,
}

/// A `DELETE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    /// The table.
    pub table: &'static str,
    /// `WHERE`
    pub where_: Option<Expr>,
    /// `RETURNING` these, for each deleted row.
    pub returning: Vec<Expr>,
}

/// Any statement the query builder makes.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `SELECT`
    Select(Select),
    /// `INSERT`
    Insert(Insert),
    /// `UPDATE`
    Update(Update),
    /// `DELETE`
    Delete(Delete),
    /// A raw statement (`sql!`): text with expressions interpolated.
    Raw(Vec<RawPart>),
}
