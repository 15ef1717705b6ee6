//! Typed expressions and the helpers of ving's `orm.mjs`: `eq ne gt gte lt lte like
//! notLike inArray notInArray isNull isNotNull between not and or asc desc count sum avg
//! min max getTableName sql`.
//!
//! An [`Expr<V, S>`] is an expression producing values of type `V` that reads the tables
//! named by `S`: a table type, `()` for none, or `Both<A, B>` for several. A query only
//! accepts an expression whose tables all appear in its `FROM` and joins
//! ([`AppearsIn`]); that check, and the value types of the helpers, are what make a wrong
//! query fail to compile.

use std::marker::PhantomData;

use crate::sql::{Aggregate, BinaryOp, Expr as Node, RawPart};

use super::table::{Column, Table};
use super::value::{Comparable, Nullable, Numeric, Operand, Text, Value};
mod conditions;
mod grouping;
mod order;
mod raw;

pub use conditions::*;
pub use grouping::*;
pub use order::*;
pub use raw::*;

/// A typed expression: values of type `V`, reading the tables `S`.
pub struct Expr<V, S = ()> {
    node: Node,
    marker: PhantomData<fn() -> (V, S)>,
}

/// A where clause: an expression producing booleans, reading the tables `S`.
pub type Condition<S> = Expr<bool, S>;

impl<V, S> Expr<V, S> {
    pub(crate) fn new(node: Node) -> Self {
        Expr {
            node,
            marker: PhantomData,
        }
    }

    /// The expression's node in the statement tree.
    pub fn into_node(self) -> Node {
        self.node
    }

    /// The same expression, typed as reading only `tables` (a table, or a join of
    /// tables): checked at compile time. `and`/`or` of two conditions on `UserTable` read
    /// `Both<UserTable, UserTable>`; `.within(UserTable)` makes that a
    /// `Condition<UserTable>` again, to pass to a function that takes one.
    pub fn within<Q, I>(self, tables: Q) -> Expr<V, Q>
    where
        S: AppearsIn<Q, I>,
    {
        let _ = tables;
        Expr::new(self.node)
    }
}

impl<V, S> Clone for Expr<V, S> {
    fn clone(&self) -> Self {
        Expr::new(self.node.clone())
    }
}

impl<V, S> std::fmt::Debug for Expr<V, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

impl<S> Expr<bool, S> {
    /// `self AND other`.
    pub fn and<P: Predicate>(self, other: P) -> Condition<<P::Source as With<S>>::Output>
    where
        P::Source: With<S>,
    {
        and(self, other)
    }

    /// `self OR other`.
    pub fn or<P: Predicate>(self, other: P) -> Condition<<P::Source as With<S>>::Output>
    where
        P::Source: With<S>,
    {
        or(self, other)
    }
}

/// Two sets of tables an expression reads.
pub struct Both<A, B>(PhantomData<fn() -> (A, B)>);

/// Joins the tables an operand reads onto `S`: `()` adds none, a table or `Both` adds
/// itself.
pub trait With<S> {
    /// The union.
    type Output;
}

impl<S> With<S> for () {
    type Output = S;
}

impl<S, T: Table> With<S> for T {
    type Output = Both<S, T>;
}

impl<S, A, B> With<S> for Both<A, B> {
    type Output = Both<S, Both<A, B>>;
}

/// A query's `FROM` joined with another table.
#[allow(clippy::type_complexity)]
pub struct Join<L, R, K>(PhantomData<fn() -> (L, R, K)>);

/// An inner join (marker).
pub struct Inner;

/// A left join (marker).
pub struct LeftOuter;

/// A right join (marker).
pub struct RightOuter;

/// A full join (marker).
pub struct FullOuter;

/// Type-level positions of a table within a query's tables (inferred, never written).
pub struct Here;
/// See [`Here`].
pub struct Nothing;
/// See [`Here`].
pub struct Left<I>(PhantomData<I>);
/// See [`Here`].
pub struct Right<I>(PhantomData<I>);

/// `Self` (a table, `()` or `Both`) reads only tables of the query's tables `Q`.
#[diagnostic::on_unimplemented(
    message = "this expression reads a table that is not in the query",
    label = "a column of a table not in this query's FROM or joins",
    note = "tables the expression reads: `{Self}`; tables of the query: `{Q}`"
)]
pub trait AppearsIn<Q, I> {}

impl<T: Table, Q: Contains<T, I>, I> AppearsIn<Q, I> for T {}

impl<Q> AppearsIn<Q, Nothing> for () {}

impl<A, B, Q, I1, I2> AppearsIn<Q, (I1, I2)> for Both<A, B>
where
    A: AppearsIn<Q, I1>,
    B: AppearsIn<Q, I2>,
{
}

/// The query's tables `Self` include table `T`; `Side` says whether its columns may be
/// missing from a result row (the optional side of a left join).
#[diagnostic::on_unimplemented(message = "table `{T}` is not in the query (its tables: `{Self}`)")]
pub trait Contains<T, I> {
    /// [`Required`] or [`Optional`].
    type Side;
}

/// A table whose columns every result row has (see [`Contains`]).
pub struct Required;

/// A table on the optional side of a join: its columns read as `Option` (see
/// [`Contains`]).
pub struct Optional;

/// The type a column of `V` reads as on a side of a join: `V` itself when
/// [`Required`], `Option<V>` when [`Optional`].
pub trait Nullify<V> {
    /// The type read.
    type Out: Value;
}

impl<V: Value> Nullify<V> for Required {
    type Out = V;
}

impl<V: Nullable> Nullify<V> for Optional {
    type Out = V::Null;
}

impl<T: Table> Contains<T, Here> for T {
    type Side = Required;
}

/// `Contains` for one side of one kind of join: the side's own answer, or [`Optional`]
/// when the join may leave that side without a row.
macro_rules! join_side {
    ($kind:ident, $side:ident, $at:ident, own) => {
        impl<L, R, T, I> Contains<T, $at<I>> for Join<L, R, $kind>
        where
            $side: Contains<T, I>,
        {
            type Side = <$side as Contains<T, I>>::Side;
        }
    };
    ($kind:ident, $side:ident, $at:ident, optional) => {
        impl<L, R, T, I> Contains<T, $at<I>> for Join<L, R, $kind>
        where
            $side: Contains<T, I>,
        {
            type Side = Optional;
        }
    };
}

join_side!(Inner, L, Left, own);
join_side!(Inner, R, Right, own);
join_side!(LeftOuter, L, Left, own);
join_side!(LeftOuter, R, Right, optional);
join_side!(RightOuter, L, Left, optional);
join_side!(RightOuter, R, Right, own);
join_side!(FullOuter, L, Left, optional);
join_side!(FullOuter, R, Right, optional);

/// A typed expression: a column or an [`Expr`].
pub trait Expression {
    /// The type of its values.
    type Value: Value;
    /// The tables it reads.
    type Source;
    /// Its node in the statement tree.
    fn into_node(self) -> Node;
}

impl<T: Table, V: Value> Expression for Column<T, V> {
    type Value = V;
    type Source = T;
    fn into_node(self) -> Node {
        self.node()
    }
}

impl<V: Value, S> Expression for Expr<V, S> {
    type Value = V;
    type Source = S;
    fn into_node(self) -> Node {
        self.node
    }
}

/// What a `where`, `having` or join `on` accepts: a condition or a raw [`Sql`] fragment.
pub trait Predicate {
    /// The tables it reads.
    type Source;
    /// Its node in the statement tree.
    fn into_condition(self) -> Node;
}

impl<S> Predicate for Expr<bool, S> {
    type Source = S;
    fn into_condition(self) -> Node {
        self.node
    }
}

impl Predicate for Sql {
    type Source = ();
    fn into_condition(self) -> Node {
        Node::Raw(self.parts)
    }
}

/// An expression is an operand of its own value type.
impl<V: Value, S> Operand<V> for Expr<V, S> {
    type Source = S;
    fn into_node(self) -> Node {
        self.into_node()
    }
}

/// An expression that is never `NULL` also stands where a nullable value goes.
impl<V: crate::drizzle::value::BaseValue, S> Operand<Option<V>> for Expr<V, S> {
    type Source = S;
    fn into_node(self) -> Node {
        self.into_node()
    }
}
