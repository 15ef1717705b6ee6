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

pub use ddl::create_statements;
pub use dialect::{dialect, Capabilities, Dialect, MySqlDialect, PostgresDialect, SqliteDialect};

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
}

/// `INNER` or `LEFT` join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `INNER JOIN`
    Inner,
    /// `LEFT JOIN`
    Left,
}

/// A join of a select.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    /// Inner or left.
    pub kind: JoinKind,
    /// The joined table.
    pub table: &'static str,
    /// The join condition.
    pub on: Expr,
}

/// One term of `ORDER BY`.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTerm {
    /// What to sort by.
    pub expr: Expr,
    /// `DESC` rather than `ASC`.
    pub descending: bool,
}

/// A `SELECT`.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// The selected expressions.
    pub fields: Vec<Expr>,
    /// The first table.
    pub from: &'static str,
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
}

impl Select {
    /// `SELECT <columns> FROM <table>`, qualified by the table.
    pub fn all_of(table: &'static str, columns: &[&'static str]) -> Select {
        Select {
            fields: columns.iter().map(|c| Expr::column(table, c)).collect(),
            from: table,
            joins: Vec::new(),
            where_: None,
            group_by: Vec::new(),
            having: None,
            order_by: Vec::new(),
            limit: None,
            offset: None,
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
    /// A column to return for each inserted row (the id), where the database can.
    pub returning: Option<&'static str>,
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
}

/// A `DELETE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    /// The table.
    pub table: &'static str,
    /// `WHERE`
    pub where_: Option<Expr>,
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
