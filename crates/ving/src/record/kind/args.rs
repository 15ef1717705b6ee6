//! What the kind methods take: a `where` ([`Where`], [`IntoWhere`]), an order, find and
//! list options, and an id as a number or an id string ([`RecordId`]).

use super::*;

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
