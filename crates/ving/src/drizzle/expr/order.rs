//! Ordering, grouping and the aggregates (`count sum avg min max`).

use super::*;
use crate::sql::Nulls;

/// One term of an `ORDER BY`. NULLs sort as the smallest values on every database
/// (first ascending, last descending, as MySQL and SQLite do; PostgreSQL is told so);
/// [`Order::nulls_first`] and [`Order::nulls_last`] choose otherwise.
pub struct Order<S> {
    pub(super) node: Node,
    pub(super) descending: bool,
    pub(super) nulls: Option<Nulls>,
    pub(super) marker: PhantomData<fn() -> S>,
}

impl<S> Clone for Order<S> {
    fn clone(&self) -> Self {
        Order {
            node: self.node.clone(),
            descending: self.descending,
            nulls: self.nulls,
            marker: PhantomData,
        }
    }
}

impl<S> Order<S> {
    /// NULLs before every value, whichever the direction.
    pub fn nulls_first(mut self) -> Self {
        self.nulls = Some(Nulls::First);
        self
    }

    /// NULLs after every value, whichever the direction.
    pub fn nulls_last(mut self) -> Self {
        self.nulls = Some(Nulls::Last);
        self
    }
}

fn order<E: Expression>(expr: E, descending: bool) -> Order<E::Source>
where
    E::Value: Comparable,
{
    let node = expr.into_node();
    let values = E::Value::ENUM_VALUES;
    // Enums sort by declaration order on every database, as MySQL sorts its enum type.
    let node = if values.is_empty() {
        node
    } else {
        crate::sql::declaration_order(node, values.iter().copied())
    };
    Order {
        node,
        descending,
        nulls: E::Value::NULLABLE.then(|| Nulls::smallest(descending)),
        marker: PhantomData,
    }
}

/// Ascending order (not of JSON, which has no order every database shares).
pub fn asc<E: Expression>(expr: E) -> Order<E::Source>
where
    E::Value: Comparable,
{
    order(expr, false)
}

/// Descending order (not of JSON).
pub fn desc<E: Expression>(expr: E) -> Order<E::Source>
where
    E::Value: Comparable,
{
    order(expr, true)
}

/// What `order_by` accepts: one term (a column sorts ascending) or a tuple of terms.
pub trait OrderList {
    /// The tables it reads.
    type Source;
    /// Pushes the terms.
    fn push_terms(self, out: &mut Vec<crate::sql::OrderTerm>);
}

impl<S> OrderList for Order<S> {
    type Source = S;
    fn push_terms(self, out: &mut Vec<crate::sql::OrderTerm>) {
        out.push(crate::sql::OrderTerm {
            expr: self.node,
            descending: self.descending,
            nulls: self.nulls,
        });
    }
}

impl<T: Table, V: Comparable> OrderList for Column<T, V> {
    type Source = T;
    fn push_terms(self, out: &mut Vec<crate::sql::OrderTerm>) {
        asc(self).push_terms(out);
    }
}

/// What `group_by` accepts: a column or expression, or a tuple of them.
pub trait GroupList {
    /// The tables it reads.
    type Source;
    /// Pushes the expressions.
    fn push_exprs(self, out: &mut Vec<Node>);
}

impl<T: Table, V: Value> GroupList for Column<T, V> {
    type Source = T;
    fn push_exprs(self, out: &mut Vec<Node>) {
        out.push(self.node());
    }
}

impl<V: Value, S> GroupList for Expr<V, S> {
    type Source = S;
    fn push_exprs(self, out: &mut Vec<Node>) {
        out.push(self.node);
    }
}

macro_rules! list_tuples {
    ($trait:ident, $method:ident, $out:ty; $($name:ident),+; $source:ty) => {
        impl<$($name: $trait),+> $trait for ($($name,)+) {
            type Source = $source;
            #[allow(non_snake_case)]
            fn $method(self, out: &mut $out) {
                let ($($name,)+) = self;
                $($name.$method(out);)+
            }
        }
    };
}

list_tuples!(OrderList, push_terms, Vec<crate::sql::OrderTerm>; A, B; Both<A::Source, B::Source>);
list_tuples!(OrderList, push_terms, Vec<crate::sql::OrderTerm>; A, B, C; Both<A::Source, Both<B::Source, C::Source>>);
list_tuples!(OrderList, push_terms, Vec<crate::sql::OrderTerm>; A, B, C, D; Both<A::Source, Both<B::Source, Both<C::Source, D::Source>>>);
list_tuples!(GroupList, push_exprs, Vec<Node>; A, B; Both<A::Source, B::Source>);
list_tuples!(GroupList, push_exprs, Vec<Node>; A, B, C; Both<A::Source, Both<B::Source, C::Source>>);
list_tuples!(GroupList, push_exprs, Vec<Node>; A, B, C, D; Both<A::Source, Both<B::Source, Both<C::Source, D::Source>>>);

pub(super) fn aggregate<V, S>(function: Aggregate, arg: Option<Node>) -> Expr<V, S> {
    Expr::new(Node::Aggregate {
        function,
        arg: arg.map(Box::new),
    })
}

/// `count(*)`.
pub fn count() -> Expr<i64, Agg<()>> {
    aggregate(Aggregate::Count, None)
}

/// `count(expr)`: the rows where `expr` is not null.
pub fn count_of<E: Expression>(expr: E) -> Expr<i64, Agg<E::Source>> {
    aggregate(Aggregate::Count, Some(expr.into_node()))
}

/// `sum(expr)`, as a double on every database (`None` over no rows).
pub fn sum<E: Expression>(expr: E) -> Expr<Option<f64>, Agg<E::Source>>
where
    E::Value: Numeric,
{
    aggregate(Aggregate::Sum, Some(expr.into_node()))
}

/// `avg(expr)`, as a double (`None` over no rows).
pub fn avg<E: Expression>(expr: E) -> Expr<Option<f64>, Agg<E::Source>>
where
    E::Value: Numeric,
{
    aggregate(Aggregate::Avg, Some(expr.into_node()))
}

/// `min(expr)` (`None` over no rows). Of booleans: false if any is, on every database.
/// Not of JSON, which has no order every database shares.
pub fn min<E: Expression>(expr: E) -> Expr<<E::Value as Nullable>::Null, Agg<E::Source>>
where
    E::Value: Nullable + Comparable,
{
    let function = if is_boolean::<E::Value>() {
        Aggregate::Every
    } else {
        Aggregate::Min
    };
    aggregate(function, Some(expr.into_node()))
}

/// `max(expr)` (`None` over no rows). Of booleans: true if any is, on every database.
/// Not of JSON, which has no order every database shares.
pub fn max<E: Expression>(expr: E) -> Expr<<E::Value as Nullable>::Null, Agg<E::Source>>
where
    E::Value: Nullable + Comparable,
{
    let function = if is_boolean::<E::Value>() {
        Aggregate::Any
    } else {
        Aggregate::Max
    };
    aggregate(function, Some(expr.into_node()))
}

/// Whether values of `V` are booleans (`bool` or `Option<bool>`).
fn is_boolean<V: Value>() -> bool {
    matches!(V::null_param(), crate::sql::Param::Bool(_))
}
