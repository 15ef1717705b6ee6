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

type Union<L, R> =
    <<R as Operand<<L as Expression>::Value>>::Source as With<<L as Expression>::Source>>::Output;

fn compare<L, R>(left: L, op: BinaryOp, right: R) -> Condition<Union<L, R>>
where
    L: Expression,
    R: Operand<L::Value>,
    R::Source: With<L::Source>,
{
    let (left, right) = (left.into_node(), right.into_node());
    let null = matches!(&right, Node::Param(param) if param.is_null());
    match op {
        // `= NULL` never matches: comparing with a missing value asks whether it is missing.
        BinaryOp::Eq | BinaryOp::Ne if null => Expr::new(Node::IsNull {
            expr: Box::new(left),
            negated: op == BinaryOp::Ne,
        }),
        _ => Expr::new(Node::binary(left, op, right)),
    }
}

macro_rules! comparison {
    ($(#[$doc:meta])* $name:ident, $op:ident) => {
        $(#[$doc])*
        pub fn $name<L, R>(left: L, right: R) -> Condition<Union<L, R>>
        where
            L: Expression,
            L::Value: Comparable,
            R: Operand<L::Value>,
            R::Source: With<L::Source>,
        {
            compare(left, BinaryOp::$op, right)
        }
    };
}

comparison!(
    /// `left = right`: a column against a value of its type, or two columns of one type.
    ///
    /// Comparing with a missing value (`eq(UserTable.avatar_id, None::<i64>)`, or an
    /// `Option` that is `None`) renders `IS NULL`, not `= NULL` (which matches nothing).
    /// Two columns compare as SQL does: a `NULL` on either side matches nothing. JSON
    /// columns cannot be compared (see [`Comparable`](super::Comparable)).
    eq, Eq
);
comparison!(
    /// `left <> right`; with a missing value, `IS NOT NULL` (see [`eq`]).
    ne, Ne
);
comparison!(
    /// `left > right`.
    gt, Gt
);
comparison!(
    /// `left >= right`.
    gte, Gte
);
comparison!(
    /// `left < right`.
    lt, Lt
);
comparison!(
    /// `left <= right`.
    lte, Lte
);

macro_rules! pattern_match {
    ($(#[$doc:meta])* $name:ident, $op:ident) => {
        $(#[$doc])*
        pub fn $name<L, R>(left: L, pattern: R) -> Condition<Union<L, R>>
        where
            L: Expression,
            L::Value: Text,
            R: Operand<L::Value>,
            R::Source: With<L::Source>,
        {
            compare(left, BinaryOp::$op, pattern)
        }
    };
}

pattern_match!(
    /// `left LIKE pattern ESCAPE '\'` (text columns; the pattern is a bound value). `%`
    /// matches any run of characters, `_` one character, and `\` makes the next one
    /// literal on every database ([`escape_like`] escapes user input).
    ///
    /// Case: SQLite and PostgreSQL match case-sensitively; MySQL/MariaDB follow the
    /// column's collation (the server default, `utf8mb4_general_ci`, ignores case). Use
    /// [`ilike`] to ignore case everywhere.
    like, Like
);
pattern_match!(
    /// `left NOT LIKE pattern ESCAPE '\'` (see [`like`]).
    not_like, NotLike
);
pattern_match!(
    /// `like`, ignoring case on every database: PostgreSQL's `ILIKE`, and
    /// `lower(left) LIKE lower(pattern)` on MySQL/MariaDB and SQLite. ASCII letters fold
    /// the same everywhere; SQLite's `lower` folds only ASCII.
    ilike, ILike
);
pattern_match!(
    /// `NOT` [`ilike`].
    not_ilike, NotILike
);

/// `text` as a `like` pattern that matches exactly it: `\`, `%` and `_` are escaped
/// with a backslash. Combine with wildcards for user input:
/// `like(UserTable.email, format!("{}%", escape_like(prefix)))`.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn in_list<L, R, I>(left: L, values: I, negated: bool) -> Condition<L::Source>
where
    L: Expression,
    L::Value: Comparable,
    R: Operand<L::Value, Source = ()>,
    I: IntoIterator<Item = R>,
{
    let expr = left.into_node();
    let mut missing = false;
    let list: Vec<Node> = values
        .into_iter()
        .map(Operand::into_node)
        .filter(|node| {
            let null = matches!(node, Node::Param(param) if param.is_null());
            missing |= null;
            !null
        })
        .collect();
    let in_list = Node::InList {
        expr: Box::new(expr.clone()),
        list,
        negated,
    };
    if !missing {
        return Expr::new(in_list);
    }
    // A `None` in the list stands for `IS NULL`, as in `eq`: `IN (…, NULL)` would never
    // match it, and `NOT IN (…, NULL)` would match nothing at all.
    let is_null = Node::IsNull {
        expr: Box::new(expr),
        negated,
    };
    Expr::new(if negated {
        Node::And(vec![in_list, is_null])
    } else {
        Node::Or(vec![in_list, is_null])
    })
}

/// `left IN (values…)`; an empty list matches nothing, and a `None` among the values
/// matches `NULL` (as [`eq`] does).
pub fn in_array<L, R, I>(left: L, values: I) -> Condition<L::Source>
where
    L: Expression,
    L::Value: Comparable,
    R: Operand<L::Value, Source = ()>,
    I: IntoIterator<Item = R>,
{
    in_list(left, values, false)
}

/// `left NOT IN (values…)`; an empty list matches every row, and a `None` among the
/// values excludes `NULL` too (as [`ne`] does). Otherwise a `NULL` in the column matches
/// neither `in_array` nor `not_in_array`, as in SQL.
pub fn not_in_array<L, R, I>(left: L, values: I) -> Condition<L::Source>
where
    L: Expression,
    L::Value: Comparable,
    R: Operand<L::Value, Source = ()>,
    I: IntoIterator<Item = R>,
{
    in_list(left, values, true)
}

/// `left IN (subquery)`: the subquery selects one field of the column's type
/// (`db.select_fields(APIKeyTable.user_id).from(APIKeyTable).values_for()`).
pub fn in_subquery<L, V>(left: L, subquery: super::query::Subquery<V>) -> Condition<L::Source>
where
    L: Expression,
    L::Value: Comparable,
    V: Value,
    L::Value: Operand<V>,
{
    Expr::new(Node::InSubquery {
        expr: Box::new(left.into_node()),
        select: Box::new(subquery.select),
        negated: false,
    })
}

/// `left NOT IN (subquery)`. As in SQL, a `NULL` among the subquery's values makes it
/// match nothing: select non-null values.
pub fn not_in_subquery<L, V>(left: L, subquery: super::query::Subquery<V>) -> Condition<L::Source>
where
    L: Expression,
    L::Value: Comparable,
    V: Value,
    L::Value: Operand<V>,
{
    Expr::new(Node::InSubquery {
        expr: Box::new(left.into_node()),
        select: Box::new(subquery.select),
        negated: true,
    })
}

/// `expr IS NULL`.
pub fn is_null<E: Expression>(expr: E) -> Condition<E::Source> {
    Expr::new(Node::IsNull {
        expr: Box::new(expr.into_node()),
        negated: false,
    })
}

/// `expr IS NOT NULL`.
pub fn is_not_null<E: Expression>(expr: E) -> Condition<E::Source> {
    Expr::new(Node::IsNull {
        expr: Box::new(expr.into_node()),
        negated: true,
    })
}

/// `expr BETWEEN low AND high`.
pub fn between<E, A, B>(expr: E, low: A, high: B) -> Condition<E::Source>
where
    E: Expression,
    E::Value: Comparable,
    A: Operand<E::Value, Source = ()>,
    B: Operand<E::Value, Source = ()>,
{
    Expr::new(Node::Between {
        expr: Box::new(expr.into_node()),
        low: Box::new(low.into_node()),
        high: Box::new(high.into_node()),
    })
}

/// `NOT condition` (parenthesised unless it is one term).
pub fn not<P: Predicate>(condition: P) -> Condition<P::Source> {
    Expr::new(Node::Not(Box::new(condition.into_condition())))
}

/// `a` and `b` in one `And` or `Or` node, flattening nested nodes of the same kind.
fn combine(a: Node, b: Node, all: bool) -> Node {
    let mut items = Vec::with_capacity(2);
    for node in [a, b] {
        match node {
            Node::And(inner) if all => items.extend(inner),
            Node::Or(inner) if !all => items.extend(inner),
            other => items.push(other),
        }
    }
    if all {
        Node::And(items)
    } else {
        Node::Or(items)
    }
}

/// Both conditions (nested `and`s are flattened).
pub fn and<A, B>(a: A, b: B) -> Condition<<B::Source as With<A::Source>>::Output>
where
    A: Predicate,
    B: Predicate,
    B::Source: With<A::Source>,
{
    Expr::new(combine(a.into_condition(), b.into_condition(), true))
}

/// Either condition (nested `or`s are flattened).
pub fn or<A, B>(a: A, b: B) -> Condition<<B::Source as With<A::Source>>::Output>
where
    A: Predicate,
    B: Predicate,
    B::Source: With<A::Source>,
{
    Expr::new(combine(a.into_condition(), b.into_condition(), false))
}

/// In an upsert's update ([`on_conflict_do_update`](super::InsertQuery::on_conflict_do_update)):
/// the value the insert proposed for `column` (`excluded.col`; MySQL's `VALUES(col)`).
pub fn excluded<T: Table, V: Value>(column: Column<T, V>) -> Expr<V, T> {
    Expr::new(Node::Excluded(column.name()))
}

/// One term of an `ORDER BY`.
pub struct Order<S> {
    node: Node,
    descending: bool,
    marker: PhantomData<fn() -> S>,
}

impl<S> Clone for Order<S> {
    fn clone(&self) -> Self {
        Order {
            node: self.node.clone(),
            descending: self.descending,
            marker: PhantomData,
        }
    }
}

/// Ascending order.
pub fn asc<E: Expression>(expr: E) -> Order<E::Source> {
    Order {
        node: expr.into_node(),
        descending: false,
        marker: PhantomData,
    }
}

/// Descending order.
pub fn desc<E: Expression>(expr: E) -> Order<E::Source> {
    Order {
        node: expr.into_node(),
        descending: true,
        marker: PhantomData,
    }
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
        });
    }
}

impl<T: Table, V: Value> OrderList for Column<T, V> {
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

fn aggregate<V, S>(function: Aggregate, arg: Option<Node>) -> Expr<V, S> {
    Expr::new(Node::Aggregate {
        function,
        arg: arg.map(Box::new),
    })
}

/// `count(*)`.
pub fn count() -> Expr<i64, ()> {
    aggregate(Aggregate::Count, None)
}

/// `count(expr)`: the rows where `expr` is not null.
pub fn count_of<E: Expression>(expr: E) -> Expr<i64, E::Source> {
    aggregate(Aggregate::Count, Some(expr.into_node()))
}

/// `sum(expr)`, as a double on every database (`None` over no rows).
pub fn sum<E: Expression>(expr: E) -> Expr<Option<f64>, E::Source>
where
    E::Value: Numeric,
{
    aggregate(Aggregate::Sum, Some(expr.into_node()))
}

/// `avg(expr)`, as a double (`None` over no rows).
pub fn avg<E: Expression>(expr: E) -> Expr<Option<f64>, E::Source>
where
    E::Value: Numeric,
{
    aggregate(Aggregate::Avg, Some(expr.into_node()))
}

/// `min(expr)` (`None` over no rows).
pub fn min<E: Expression>(expr: E) -> Expr<<E::Value as Nullable>::Null, E::Source>
where
    E::Value: Nullable,
{
    aggregate(Aggregate::Min, Some(expr.into_node()))
}

/// `max(expr)` (`None` over no rows).
pub fn max<E: Expression>(expr: E) -> Expr<<E::Value as Nullable>::Null, E::Source>
where
    E::Value: Nullable,
{
    aggregate(Aggregate::Max, Some(expr.into_node()))
}

/// A raw SQL fragment, made by [`sql!`](crate::sql!): text as written, columns as quoted
/// identifiers, values as bound parameters — never spliced into the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Sql {
    parts: Vec<RawPart>,
}

impl Sql {
    /// Builds a fragment from a template whose `{}` placeholders take the arguments in
    /// order. Use [`sql!`](crate::sql!), which checks the count at compile time.
    pub fn from_template(template: &str, args: Vec<RawPart>) -> Sql {
        let mut parts = Vec::with_capacity(args.len() * 2 + 1);
        let mut args = args.into_iter();
        let mut pieces = template.split("{}");
        if let Some(first) = pieces.next() {
            if !first.is_empty() {
                parts.push(RawPart::Text(first.to_owned()));
            }
        }
        for piece in pieces {
            parts.extend(args.next());
            if !piece.is_empty() {
                parts.push(RawPart::Text(piece.to_owned()));
            }
        }
        Sql { parts }
    }

    /// The fragment as a whole statement (for [`Db::run`](crate::db::Db::run)).
    pub fn into_statement(self) -> crate::sql::Statement {
        crate::sql::Statement::Raw(self.parts)
    }

    /// The fragment as a typed expression, to select it or compare it.
    pub fn typed<V: Value>(self) -> Expr<V, ()> {
        Expr::new(Node::Raw(self.parts))
    }
}

/// The number of `{}` placeholders in a `sql!` template (used by the macro's compile-time
/// check).
pub const fn count_placeholders(template: &str) -> usize {
    let bytes = template.as_bytes();
    let mut count = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'{' && bytes[i + 1] == b'}' {
            count += 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    count
}

/// What a `sql!` argument may be: a column (a quoted identifier), a typed expression or
/// another fragment (inlined), or a value (a bound parameter).
pub trait SqlArg {
    /// The argument as a raw part.
    fn into_raw_part(self) -> RawPart;
}

impl<T: Table, V> SqlArg for Column<T, V> {
    fn into_raw_part(self) -> RawPart {
        RawPart::Expr(self.node())
    }
}

impl<V, S> SqlArg for Expr<V, S> {
    fn into_raw_part(self) -> RawPart {
        RawPart::Expr(self.node)
    }
}

impl SqlArg for Sql {
    fn into_raw_part(self) -> RawPart {
        RawPart::Expr(Node::Raw(self.parts))
    }
}

impl<B: Value> SqlArg for B {
    fn into_raw_part(self) -> RawPart {
        RawPart::Expr(Node::Param(self.into_param()))
    }
}

impl SqlArg for &str {
    fn into_raw_part(self) -> RawPart {
        RawPart::Expr(Node::Param(crate::sql::Param::String(Some(
            self.to_owned(),
        ))))
    }
}

/// A raw SQL fragment: `sql!("lower({}) = {}", UserTable.email, "joe@example.com")`.
///
/// Each `{}` takes the next argument: a column becomes its quoted, table-qualified name;
/// a value becomes a bound parameter (never text in the SQL); a typed expression or
/// another `sql!` fragment is inlined. The number of `{}` must match the number of
/// arguments — checked at compile time. Use the fragment as a condition
/// (`.where_(sql!(…))`) or, typed with [`Sql::typed`], as a selected field.
#[macro_export]
macro_rules! sql {
    (@unit $arg:expr) => { () };
    ($template:literal $(, $arg:expr)* $(,)?) => {{
        const _: () = assert!(
            $crate::drizzle::count_placeholders($template) == <[()]>::len(&[$($crate::sql!(@unit $arg)),*]),
            "sql!: the number of {{}} placeholders must match the number of arguments"
        );
        $crate::drizzle::Sql::from_template(
            $template,
            vec![$($crate::drizzle::SqlArg::into_raw_part($arg)),*],
        )
    }};
}

/// A struct to select rows into, with the `From` impl that reads it from the selected
/// fields' tuple (in field order): `select_fields((a, b, c)).from(t).all_as::<S>()`.
///
/// ```
/// ving::select_struct! {
///     /// A user and the name of one of their API keys.
///     #[derive(Debug, PartialEq)]
///     pub struct UserKey {
///         pub username: String,
///         pub key: Option<String>,
///     }
/// }
/// let pair = UserKey::from(("rita".to_owned(), None));
/// assert_eq!(pair.username, "rita");
/// ```
#[macro_export]
macro_rules! select_struct {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident : $type:ty),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$field_meta])* $field_vis $field: $type),+
        }

        impl ::core::convert::From<($($type,)+)> for $name {
            fn from(($($field,)+): ($($type,)+)) -> Self {
                $name { $($field),+ }
            }
        }
    };
}
