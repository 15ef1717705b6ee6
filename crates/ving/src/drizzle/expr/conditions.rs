//! The conditions: comparisons, `like` (with [`escape_like`]), `IN` lists and subqueries,
//! `NULL` tests, `between`, `not`, `and`, `or`, and an upsert's `excluded` values.

use super::*;

/// The type of the values a comparison with a column of `L` takes: that of `L`'s values,
/// nullable or not (`eq(non-null column, nullable column)` compiles as its reverse does).
pub(super) type Compared<L> = <<L as Expression>::Value as Nullable>::Null;

pub(super) type Union<L, R> =
    <<R as Operand<Compared<L>>>::Source as With<<L as Expression>::Source>>::Output;

pub(super) fn compare<L, R>(left: L, op: BinaryOp, right: R) -> Condition<Union<L, R>>
where
    L: Expression,
    L::Value: Nullable,
    R: Operand<Compared<L>>,
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
            L::Value: Comparable + Nullable,
            R: Operand<Compared<L>>,
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
    /// columns cannot be compared (see [`Comparable`](crate::drizzle::Comparable)).
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
            L::Value: Text + Nullable,
            R: Operand<Compared<L>>,
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

pub(super) fn in_list<L, R, I>(left: L, values: I, negated: bool) -> Condition<L::Source>
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
pub fn in_subquery<L, V>(left: L, subquery: Subquery<V>) -> Condition<L::Source>
where
    L: Expression,
    L::Value: Comparable + Nullable,
    V: Nullable<Null = Compared<L>>,
{
    Expr::new(Node::InSubquery {
        expr: Box::new(left.into_node()),
        select: Box::new(subquery.select),
        negated: false,
    })
}

/// `left NOT IN (subquery)`. As in SQL, a `NULL` among the subquery's values makes it
/// match nothing: select non-null values.
pub fn not_in_subquery<L, V>(left: L, subquery: Subquery<V>) -> Condition<L::Source>
where
    L: Expression,
    L::Value: Comparable + Nullable,
    V: Nullable<Null = Compared<L>>,
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
pub(super) fn combine(a: Node, b: Node, all: bool) -> Node {
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

/// In an upsert's update ([`on_conflict_do_update`](crate::drizzle::InsertQuery::on_conflict_do_update)):
/// the value the insert proposed for `column` (`excluded.col`; MySQL's `VALUES(col)`).
/// It reads [`Excluded<T>`], which only an upsert's assignments take: in a plain update
/// it does not compile.
pub fn excluded<T: Table, V: Value>(column: Column<T, V>) -> Expr<V, Excluded<T>> {
    Expr::new(Node::Excluded(column.name()))
}

/// The row an upsert proposed for table `T` (what [`excluded`] reads): there only in an
/// upsert's assignments.
pub struct Excluded<T>(PhantomData<fn() -> T>);

/// What an upsert's assignment to a column of `Q` may read: the query's table, or the
/// row the insert proposed ([`excluded`]).
#[diagnostic::on_unimplemented(
    message = "this expression reads a table that is not in the upsert",
    note = "an upsert's assignment reads the existing row of `{Q}` or `excluded(column)`; it reads: `{Self}`"
)]
pub trait InUpsert<Q, I> {}

impl<T: Table, Q: Contains<T, I>, I> InUpsert<Q, I> for T {}

impl<Q> InUpsert<Q, Nothing> for () {}

impl<A, B, Q, I1, I2> InUpsert<Q, (I1, I2)> for Both<A, B>
where
    A: InUpsert<Q, I1>,
    B: InUpsert<Q, I2>,
{
}

/// The position of [`Excluded`] in [`InUpsert`] (inferred, never written).
pub struct Proposed;

impl<T: Table> InUpsert<T, Proposed> for Excluded<T> {}

/// A query selecting values of `V`, for [`in_subquery`]: made by a select's `values_for`.
#[derive(Debug, Clone)]
pub struct Subquery<V> {
    pub(crate) select: crate::sql::Select,
    marker: PhantomData<fn() -> V>,
}

impl<V> Subquery<V> {
    /// The subquery of `select`, whose one field holds values of `V`.
    pub(crate) fn new(select: crate::sql::Select) -> Subquery<V> {
        Subquery {
            select,
            marker: PhantomData,
        }
    }
}
