//! The query builders: `select`, `insert`, `update`, `delete`, in drizzle's shape.
//!
//! Builders are ordinary values: pass an unfinished query to a function, extend it,
//! return it. Nothing runs until a terminal method: `all`, `first` or `stream` for a
//! select, `execute` for the others.

use std::marker::PhantomData;

use crate::db::{BackendRow, Db, DbError, Decode, FirstI64, RowStream};
use crate::transaction::Tx;

use super::executor::Executor;
use crate::sql::{self, Expr as Node, JoinKind, Param, Statement};

use super::expr::Condition;
use super::expr::{
    AppearsIn, Contains, Expr, Expression, FullOuter, GroupList, Inner, Join, LeftOuter, Nullify,
    OrderList, Predicate, RightOuter,
};
use super::table::{Column, FromRow, InsertRow, Table};
use super::value::{Operand, Value};

/// Most parameters one statement binds; bigger inserts are split (SQLite allows 32766,
/// MySQL and PostgreSQL 65535).
const MAX_PARAMS: usize = 30_000;

/// A select of whole rows (`db.select()`).
#[derive(Debug, Clone, Copy)]
pub struct All;

/// A select of chosen fields (`db.select_fields(…)`).
#[derive(Debug, Clone)]
pub struct Fields<F>(F);

/// The tables of a query, read as whole rows: a table gives its row struct, a join a
/// tuple (`Option` for the right side of a left join).
pub trait RowSource {
    /// What one result row becomes.
    type Out: Send + 'static;
    /// Pushes the columns to select.
    fn push_columns(out: &mut Vec<Node>);
    /// Reads one result row from column `*index` on.
    fn decode<Row: BackendRow + ?Sized>(
        row: &Row,
        index: &mut usize,
    ) -> Result<Self::Out, sqlx::Error>;
}

impl<T: Table> RowSource for T {
    type Out = T::Row;
    fn push_columns(out: &mut Vec<Node>) {
        out.extend(T::COLUMNS.iter().map(|c| Node::column(T::NAME, c)));
    }
    fn decode<Row: BackendRow + ?Sized>(
        row: &Row,
        index: &mut usize,
    ) -> Result<Self::Out, sqlx::Error> {
        T::Row::from_row(row, index)
    }
}

impl<L: RowSource, R: Table> RowSource for Join<L, R, Inner> {
    type Out = (L::Out, R::Row);
    fn push_columns(out: &mut Vec<Node>) {
        L::push_columns(out);
        R::push_columns(out);
    }
    fn decode<Row: BackendRow + ?Sized>(
        row: &Row,
        index: &mut usize,
    ) -> Result<Self::Out, sqlx::Error> {
        let left = L::decode(row, index)?;
        Ok((left, R::Row::from_row(row, index)?))
    }
}

/// The row of `T` at `*index`, or `None` when the join found none (every column null,
/// the primary key included).
fn optional_row<T: Table, Row: BackendRow + ?Sized>(
    row: &Row,
    index: &mut usize,
) -> Result<Option<T::Row>, sqlx::Error> {
    let first = T::PRIMARY_KEY.map_or(*index, |pk| {
        *index + T::COLUMNS.iter().position(|c| *c == pk).unwrap_or(0)
    });
    if row.is_null(first)? {
        *index += T::COLUMNS.len();
        Ok(None)
    } else {
        T::Row::from_row(row, index).map(Some)
    }
}

impl<L: RowSource, R: Table> RowSource for Join<L, R, LeftOuter> {
    type Out = (L::Out, Option<R::Row>);
    fn push_columns(out: &mut Vec<Node>) {
        L::push_columns(out);
        R::push_columns(out);
    }
    fn decode<Row: BackendRow + ?Sized>(
        row: &Row,
        index: &mut usize,
    ) -> Result<Self::Out, sqlx::Error> {
        let left = L::decode(row, index)?;
        Ok((left, optional_row::<R, Row>(row, index)?))
    }
}

/// Whole rows of a right join: the left table's row may be missing.
impl<L: Table, R: Table> RowSource for Join<L, R, RightOuter> {
    type Out = (Option<L::Row>, R::Row);
    fn push_columns(out: &mut Vec<Node>) {
        L::push_columns(out);
        R::push_columns(out);
    }
    fn decode<Row: BackendRow + ?Sized>(
        row: &Row,
        index: &mut usize,
    ) -> Result<Self::Out, sqlx::Error> {
        let left = optional_row::<L, Row>(row, index)?;
        Ok((left, R::Row::from_row(row, index)?))
    }
}

/// Whole rows of a full join: either row may be missing.
impl<L: Table, R: Table> RowSource for Join<L, R, FullOuter> {
    type Out = (Option<L::Row>, Option<R::Row>);
    fn push_columns(out: &mut Vec<Node>) {
        L::push_columns(out);
        R::push_columns(out);
    }
    fn decode<Row: BackendRow + ?Sized>(
        row: &Row,
        index: &mut usize,
    ) -> Result<Self::Out, sqlx::Error> {
        let left = optional_row::<L, Row>(row, index)?;
        Ok((left, optional_row::<R, Row>(row, index)?))
    }
}

/// What `select_fields` accepts: a column, a typed expression, or a tuple of them
/// (up to eight).
pub trait Selection {
    /// Pushes the selected expressions.
    fn push_exprs(self, out: &mut Vec<Node>);
}

/// A [`Selection`] read from the query's tables `Q`: each result row becomes the matching
/// value or tuple. A column of the optional side of a left join reads as an `Option`
/// (`Option<String>` for `APIKeyTable.name` after `.left_join(APIKeyTable, …)`); `I` is
/// where its tables are in `Q` (inferred).
#[diagnostic::on_unimplemented(
    message = "the selection reads a table that is not in the query",
    note = "the selection: `{Self}`; the query's tables: `{Q}`"
)]
pub trait SelectionIn<Q, I>: Selection {
    /// What one result row becomes.
    type Out: Send + 'static;
    /// Reads one result row from column `*index` on.
    fn decode<Row: BackendRow + ?Sized>(
        row: &Row,
        index: &mut usize,
    ) -> Result<Self::Out, sqlx::Error>;
}

impl<T: Table, V: Value> Selection for Column<T, V> {
    fn push_exprs(self, out: &mut Vec<Node>) {
        out.push(self.node());
    }
}

impl<T, V, Q, I> SelectionIn<Q, I> for Column<T, V>
where
    T: Table,
    V: Value,
    Q: Contains<T, I>,
    Q::Side: Nullify<V>,
{
    type Out = <Q::Side as Nullify<V>>::Out;
    #[inline]
    fn decode<Row: BackendRow + ?Sized>(
        row: &Row,
        index: &mut usize,
    ) -> Result<Self::Out, sqlx::Error> {
        *index += 1;
        Value::decode(row, *index - 1)
    }
}

impl<V: Value, S> Selection for super::expr::Expr<V, S> {
    fn push_exprs(self, out: &mut Vec<Node>) {
        out.push(Expression::into_node(self));
    }
}

/// An expression reads as the type it was given (an aggregate's, or `typed::<V>()`'s).
impl<V: Value, S, Q, I> SelectionIn<Q, I> for super::expr::Expr<V, S>
where
    S: AppearsIn<Q, I>,
{
    type Out = V;
    #[inline]
    fn decode<Row: BackendRow + ?Sized>(row: &Row, index: &mut usize) -> Result<V, sqlx::Error> {
        *index += 1;
        V::decode(row, *index - 1)
    }
}

macro_rules! selection_tuple {
    ($(($name:ident, $at:ident)),+) => {
        impl<$($name: Selection),+> Selection for ($($name,)+) {
            #[allow(non_snake_case)]
            fn push_exprs(self, out: &mut Vec<Node>) {
                let ($($name,)+) = self;
                $($name.push_exprs(out);)+
            }
        }

        impl<Q, $($name: SelectionIn<Q, $at>, $at),+> SelectionIn<Q, ($($at,)+)> for ($($name,)+) {
            type Out = ($($name::Out,)+);
            #[inline]
            fn decode<Row: BackendRow + ?Sized>(row: &Row, index: &mut usize) -> Result<Self::Out, sqlx::Error> {
                Ok(($($name::decode(row, index)?,)+))
            }
        }
    };
}

selection_tuple!((A, IA));
selection_tuple!((A, IA), (B, IB));
selection_tuple!((A, IA), (B, IB), (C, IC));
selection_tuple!((A, IA), (B, IB), (C, IC), (D, ID));
selection_tuple!((A, IA), (B, IB), (C, IC), (D, ID), (E, IE));
selection_tuple!((A, IA), (B, IB), (C, IC), (D, ID), (E, IE), (F, IF));
selection_tuple!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG)
);
selection_tuple!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH)
);

selection_tuple!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ)
);
selection_tuple!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK)
);
selection_tuple!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK),
    (L, IL)
);
selection_tuple!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK),
    (L, IL),
    (M, IM)
);
selection_tuple!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK),
    (L, IL),
    (M, IM),
    (N, IN)
);
selection_tuple!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK),
    (L, IL),
    (M, IM),
    (N, IN),
    (O, IO)
);
selection_tuple!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK),
    (L, IL),
    (M, IM),
    (N, IN),
    (O, IO),
    (P, IP)
);
selection_tuple!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK),
    (L, IL),
    (M, IM),
    (N, IN),
    (O, IO),
    (P, IP),
    (R, IR)
);

/// Decodes a result row as the chosen fields `F`, then converts them into `T` (the
/// user's own struct, `From` the fields' tuple: see [`select_struct!`](crate::select_struct)).
#[allow(clippy::type_complexity)]
pub(crate) struct IntoStruct<T, F, Q, I>(PhantomData<fn() -> (T, F, Q, I)>);

impl<T, F, Q, I> Decode for IntoStruct<T, F, Q, I>
where
    F: SelectionIn<Q, I>,
    T: From<F::Out> + Send + 'static,
{
    type Out = T;
    #[inline]
    fn decode<Row: BackendRow>(row: &Row) -> Result<T, sqlx::Error> {
        F::decode(row, &mut 0).map(T::from)
    }
}

/// Decodes a result row as the whole rows of the query's tables `Q`.
pub struct RowsOf<Q>(PhantomData<fn() -> Q>);

impl<Q: RowSource> Decode for RowsOf<Q> {
    type Out = Q::Out;
    fn decode<Row: BackendRow>(row: &Row) -> Result<Q::Out, sqlx::Error> {
        Q::decode(row, &mut 0)
    }
}

/// Decodes a result row as the chosen fields `F` of the query's tables `Q`.
#[allow(clippy::type_complexity)]
pub struct FieldsOf<F, Q, I>(PhantomData<fn() -> (F, Q, I)>);

impl<F: SelectionIn<Q, I>, Q, I> Decode for FieldsOf<F, Q, I> {
    type Out = F::Out;
    fn decode<Row: BackendRow>(row: &Row) -> Result<F::Out, sqlx::Error> {
        F::decode(row, &mut 0)
    }
}

/// The builders' entry points, the same on a pool and in a transaction.
macro_rules! query_builders {
    ($($target:ty),+) => {$(
impl $target {
    /// `SELECT` whole rows: `db.select().from(UserTable)` reads `UserRow`s.
    pub fn select(&self) -> SelectStart<'_, All> {
        SelectStart {
            db: Executor::from(self),
            fields: All,
        }
    }

    /// `SELECT` chosen fields: `db.select_fields((UserTable.id, count()))`.
    pub fn select_fields<F: Selection>(&self, fields: F) -> SelectStart<'_, Fields<F>> {
        SelectStart {
            db: Executor::from(self),
            fields: Fields(fields),
        }
    }

    /// `INSERT INTO table`.
    pub fn insert<T: Table>(&self, table: T) -> InsertStart<'_, T> {
        let _ = table;
        InsertStart {
            db: Executor::from(self),
            table: PhantomData,
        }
    }

    /// `UPDATE table`.
    pub fn update<T: Table>(&self, table: T) -> UpdateQuery<'_, T> {
        let _ = table;
        UpdateQuery {
            db: Executor::from(self),
            update: sql::Update {
                table: T::NAME,
                set: Vec::new(),
                where_: None,
                returning: Vec::new(),
            },
            scope: None,
            table: PhantomData,
        }
    }

    /// `DELETE FROM table`.
    pub fn delete<T: Table>(&self, table: T) -> DeleteQuery<'_, T> {
        let _ = table;
        DeleteQuery {
            db: Executor::from(self),
            delete: sql::Delete {
                table: T::NAME,
                where_: None,
                returning: Vec::new(),
            },
            scope: None,
            table: PhantomData,
        }
    }

    /// Runs a raw statement made with `sql!` (a write, DDL, anything that returns no
    /// rows): columns quoted, values bound. Read rows with
    /// `select_fields(sql!(…).typed::<T>())` instead.
    pub async fn run(&self, statement: super::expr::Sql) -> Result<crate::db::ExecResult, DbError> {
        let executor = Executor::from(self);
        let (sql, params) = executor.dialect().render(statement.into_statement());
        executor.execute(&sql, params).await
    }
}
    )+};
}

query_builders!(Db, Tx<'_>);

/// `condition`, narrowed to `scope` when there is one.
fn scoped(scope: &Option<Node>, condition: Node) -> Node {
    match scope {
        Some(scope) => Node::And(vec![scope.clone(), condition]),
        None => condition,
    }
}

/// `db.select()` before `.from(…)`.
#[derive(Debug, Clone)]
pub struct SelectStart<'a, Sel> {
    db: Executor<'a>,
    fields: Sel,
}

impl<'a, Sel> SelectStart<'a, Sel> {
    /// `FROM table`.
    pub fn from<T: Table>(self, table: T) -> SelectQuery<'a, T, Sel> {
        let _ = table;
        let mut select = sql::Select::all_of(T::SOURCE, &[]);
        select.from_alias = (T::SOURCE != T::NAME).then_some(T::NAME);
        SelectQuery {
            db: self.db,
            select,
            fields: self.fields,
            scope: None,
            tables: PhantomData,
        }
    }
}

/// A select over the tables `Q`.
#[derive(Debug)]
pub struct SelectQuery<'a, Q, Sel> {
    db: Executor<'a>,
    select: sql::Select,
    fields: Sel,
    /// A condition every `where_` is narrowed to (a record kind's prop defaults).
    scope: Option<Node>,
    tables: PhantomData<fn() -> Q>,
}

impl<Q, Sel: Clone> Clone for SelectQuery<'_, Q, Sel> {
    fn clone(&self) -> Self {
        SelectQuery {
            db: self.db,
            select: self.select.clone(),
            fields: self.fields.clone(),
            scope: self.scope.clone(),
            tables: PhantomData,
        }
    }
}

impl<'a, Q, Sel> SelectQuery<'a, Q, Sel> {
    /// `WHERE condition` (replacing any earlier one; combine with `and`). On a record
    /// kind's builder (`apikeys.select()` of a user's keys) the condition is narrowed to
    /// the kind's prop defaults, which stay.
    pub fn where_<P: Predicate, I>(mut self, condition: P) -> Self
    where
        P::Source: AppearsIn<Q, I>,
    {
        self.select.where_ = Some(scoped(&self.scope, condition.into_condition()));
        self
    }

    /// The select narrowed to `scope` for good: `WHERE scope`, and every later `where_`
    /// is `scope AND condition`.
    pub(crate) fn scoped(mut self, scope: Option<Node>) -> Self {
        self.select.where_ = scope.clone();
        self.scope = scope;
        self
    }

    fn join<T: Table, K, P: Predicate>(
        self,
        kind: JoinKind,
        on: P,
    ) -> SelectQuery<'a, Join<Q, T, K>, Sel> {
        let mut select = self.select;
        select.joins.push(sql::Join {
            kind,
            table: T::SOURCE,
            alias: (T::SOURCE != T::NAME).then_some(T::NAME),
            on: on.into_condition(),
        });
        SelectQuery {
            db: self.db,
            select,
            fields: self.fields,
            scope: self.scope,
            tables: PhantomData,
        }
    }

    /// `INNER JOIN table ON condition`.
    pub fn inner_join<T: Table, P: Predicate, I>(
        self,
        table: T,
        on: P,
    ) -> SelectQuery<'a, Join<Q, T, Inner>, Sel>
    where
        P::Source: AppearsIn<Join<Q, T, Inner>, I>,
    {
        let _ = table;
        self.join(JoinKind::Inner, on)
    }

    /// `LEFT JOIN table ON condition`.
    pub fn left_join<T: Table, P: Predicate, I>(
        self,
        table: T,
        on: P,
    ) -> SelectQuery<'a, Join<Q, T, LeftOuter>, Sel>
    where
        P::Source: AppearsIn<Join<Q, T, LeftOuter>, I>,
    {
        let _ = table;
        self.join(JoinKind::Left, on)
    }

    /// `RIGHT JOIN table ON condition`: rows of `table` without a match keep the
    /// earlier tables' columns `None`.
    pub fn right_join<T: Table, P: Predicate, I>(
        self,
        table: T,
        on: P,
    ) -> SelectQuery<'a, Join<Q, T, RightOuter>, Sel>
    where
        P::Source: AppearsIn<Join<Q, T, RightOuter>, I>,
    {
        let _ = table;
        self.join(JoinKind::Right, on)
    }

    /// `FULL JOIN table ON condition`: either side may be missing. MySQL/MariaDB have no
    /// full join: running one there is an error saying so.
    pub fn full_join<T: Table, P: Predicate, I>(
        self,
        table: T,
        on: P,
    ) -> SelectQuery<'a, Join<Q, T, FullOuter>, Sel>
    where
        P::Source: AppearsIn<Join<Q, T, FullOuter>, I>,
    {
        let _ = table;
        self.join(JoinKind::Full, on)
    }

    /// `SELECT DISTINCT`: each result row once.
    pub fn distinct(mut self) -> Self {
        self.select.distinct = true;
        self
    }

    /// `FOR UPDATE`: inside a transaction, lock the rows read until it ends. SQLite has
    /// no row locks and needs none: its transactions (begun `IMMEDIATE`) hold the write
    /// lock of the whole database, so the clause is left out there.
    pub fn for_update(mut self) -> Self {
        self.select.lock = Some(sql::RowLock::Update);
        self
    }

    /// `FOR SHARE` (MySQL/MariaDB: `LOCK IN SHARE MODE`); left out on SQLite, as
    /// [`for_update`](Self::for_update).
    pub fn for_share(mut self) -> Self {
        self.select.lock = Some(sql::RowLock::Share);
        self
    }

    /// `EXISTS (this query)`, as a condition for another query. Correlate it with the
    /// outer query through a raw `sql!` condition (`sql!("{} = {}", APIKeyTable.user_id,
    /// UserTable.id)`): the outer tables are not checked against the outer query.
    pub fn exists(self) -> Condition<()>
    where
        Sel: SelectList,
        Q: SelectTables<Sel>,
    {
        Expr::new(Node::Exists {
            select: Box::new(self.into_select()),
            negated: false,
        })
    }

    /// `NOT EXISTS (this query)` (see [`exists`](Self::exists)).
    pub fn not_exists(self) -> Condition<()>
    where
        Sel: SelectList,
        Q: SelectTables<Sel>,
    {
        Expr::new(Node::Exists {
            select: Box::new(self.into_select()),
            negated: true,
        })
    }

    fn into_select(self) -> sql::Select
    where
        Sel: SelectList,
        Q: SelectTables<Sel>,
    {
        let mut select = self.select;
        Q::push_fields(self.fields, &mut select.fields);
        select
    }

    fn unsupported(&self) -> Option<DbError> {
        let full = self.select.joins.iter().any(|j| j.kind == JoinKind::Full);
        (full && !self.db.dialect().capabilities().full_join).then(|| DbError::Unsupported {
            backend: self.db.dialect().backend(),
            feature: "FULL JOIN".into(),
        })
    }

    /// `ORDER BY terms` (replacing any earlier order): `asc(col)`, `desc(col)`, a column,
    /// or a tuple of them.
    pub fn order_by<O: OrderList, I>(mut self, terms: O) -> Self
    where
        O::Source: AppearsIn<Q, I>,
    {
        self.select.order_by.clear();
        terms.push_terms(&mut self.select.order_by);
        self
    }

    /// `GROUP BY expressions` (replacing any earlier grouping).
    pub fn group_by<G: GroupList, I>(mut self, expressions: G) -> Self
    where
        G::Source: AppearsIn<Q, I>,
    {
        self.select.group_by.clear();
        expressions.push_exprs(&mut self.select.group_by);
        self
    }

    /// `HAVING condition`.
    pub fn having<P: Predicate, I>(mut self, condition: P) -> Self
    where
        P::Source: AppearsIn<Q, I>,
    {
        self.select.having = Some(condition.into_condition());
        self
    }

    /// `LIMIT n`.
    pub fn limit(mut self, n: u64) -> Self {
        self.select.limit = Some(n);
        self
    }

    /// `OFFSET n`.
    pub fn offset(mut self, n: u64) -> Self {
        self.select.offset = Some(n);
        self
    }
}

/// What a select reads: whole rows ([`All`]) or chosen fields ([`Fields`]).
pub trait SelectList {}
impl SelectList for All {}
impl<F: Selection> SelectList for Fields<F> {}

/// Pushes a select's fields, whole rows of the tables or the chosen ones.
pub trait SelectTables<Sel> {
    /// Pushes the expressions selected.
    fn push_fields(fields: Sel, out: &mut Vec<Node>);
}

impl<Q: RowSource> SelectTables<All> for Q {
    fn push_fields(_: All, out: &mut Vec<Node>) {
        Q::push_columns(out);
    }
}

impl<Q, F: Selection> SelectTables<Fields<F>> for Q {
    fn push_fields(fields: Fields<F>, out: &mut Vec<Node>) {
        fields.0.push_exprs(out);
    }
}

impl<'a, Q, F: Selection> SelectQuery<'a, Q, Fields<F>> {
    /// `expr IN (this query)`: this query selects one field of `V` (`in_subquery`).
    pub fn values_for<V, I>(self) -> Subquery<V>
    where
        F: SelectionIn<Q, I, Out = V>,
    {
        let mut select = self.select;
        self.fields.0.push_exprs(&mut select.fields);
        Subquery {
            select,
            marker: PhantomData,
        }
    }

    /// This query as one value in another (a scalar subquery): it selects one field of
    /// `V` and at most one row; no row reads as `NULL`, hence the `Option`.
    pub fn scalar<V, I>(self) -> Expr<<V as super::value::Nullable>::Null, ()>
    where
        F: SelectionIn<Q, I, Out = V>,
        V: super::value::Nullable,
    {
        let mut select = self.select;
        self.fields.0.push_exprs(&mut select.fields);
        Expr::new(Node::Subquery(Box::new(select)))
    }
}

/// A query selecting values of `V`, for [`in_subquery`](super::in_subquery).
#[derive(Debug, Clone)]
pub struct Subquery<V> {
    pub(crate) select: sql::Select,
    marker: PhantomData<fn() -> V>,
}

/// Running a select: one path for every terminal method.
impl<'a, Q, Sel> SelectQuery<'a, Q, Sel>
where
    Sel: SelectList,
    Q: SelectTables<Sel>,
{
    /// The SQL and parameters, or why this database cannot run the query.
    fn rendered(self) -> Result<(Executor<'a>, String, Vec<Param>), DbError> {
        if let Some(error) = self.unsupported() {
            return Err(error);
        }
        let db = self.db;
        let (sql, params) = db.dialect().render(Statement::Select(self.into_select()));
        Ok((db, sql, params))
    }

    async fn run_all<D: Decode>(self) -> Result<Vec<D::Out>, DbError> {
        // A select that locks rows is not a plain read: it goes to the primary.
        let locks = self.select.lock.is_some();
        let (db, sql, params) = self.rendered()?;
        if locks {
            db.fetch_decoded::<D>(&sql, params).await
        } else {
            db.read_decoded::<D>(&sql, params).await
        }
    }

    async fn run_first<D: Decode>(mut self) -> Result<Option<D::Out>, DbError> {
        self.select.limit.get_or_insert(1);
        let locks = self.select.lock.is_some();
        let (db, sql, params) = self.rendered()?;
        if locks {
            db.fetch_first_decoded::<D>(&sql, params).await
        } else {
            db.read_first::<D>(&sql, params).await
        }
    }

    fn run_stream<D: Decode>(self) -> RowStream<D::Out> {
        let backend = self.db.dialect().backend();
        match self.rendered() {
            Ok((db, sql, params)) => db.read_stream::<D>(sql, params),
            Err(error) => RowStream::failed(error, String::new(), backend),
        }
    }

    /// The SQL and parameters this query runs.
    pub fn to_sql(&self) -> (String, Vec<Param>)
    where
        Sel: Clone,
    {
        let select = self.clone().into_select();
        self.db.dialect().render(Statement::Select(select))
    }
}

impl<Q: RowSource> SelectQuery<'_, Q, All> {
    /// Runs the query: every row.
    pub async fn all(self) -> Result<Vec<Q::Out>, DbError> {
        self.run_all::<RowsOf<Q>>().await
    }

    /// Runs the query with `LIMIT 1` (unless it has a limit): the first row, if any.
    pub async fn first(self) -> Result<Option<Q::Out>, DbError> {
        self.run_first::<RowsOf<Q>>().await
    }

    /// Runs the query and reads its rows as they come, in constant memory.
    pub fn stream(self) -> RowStream<Q::Out> {
        self.run_stream::<RowsOf<Q>>()
    }
}

impl<Q, F: Selection> SelectQuery<'_, Q, Fields<F>> {
    /// Runs the query: every row.
    pub async fn all<I>(self) -> Result<Vec<F::Out>, DbError>
    where
        F: SelectionIn<Q, I>,
    {
        self.run_all::<FieldsOf<F, Q, I>>().await
    }

    /// Runs the query with `LIMIT 1` (unless it has a limit): the first row, if any.
    pub async fn first<I>(self) -> Result<Option<F::Out>, DbError>
    where
        F: SelectionIn<Q, I>,
    {
        self.run_first::<FieldsOf<F, Q, I>>().await
    }

    /// Runs the query and reads its rows as they come, in constant memory.
    pub fn stream<I>(self) -> RowStream<F::Out>
    where
        F: SelectionIn<Q, I>,
    {
        self.run_stream::<FieldsOf<F, Q, I>>()
    }

    /// Runs the query: every row, as the user's own struct `T` (`From` the fields'
    /// tuple, as [`select_struct!`](crate::select_struct) makes it).
    pub async fn all_as<T, I>(self) -> Result<Vec<T>, DbError>
    where
        F: SelectionIn<Q, I>,
        T: From<F::Out> + Send + 'static,
    {
        self.run_all::<IntoStruct<T, F, Q, I>>().await
    }

    /// The first row, if any, as the user's own struct `T` (see [`all_as`](Self::all_as)).
    pub async fn first_as<T, I>(self) -> Result<Option<T>, DbError>
    where
        F: SelectionIn<Q, I>,
        T: From<F::Out> + Send + 'static,
    {
        self.run_first::<IntoStruct<T, F, Q, I>>().await
    }

    /// The rows as they come, as the user's own struct `T` (see [`all_as`](Self::all_as)).
    pub fn stream_as<T, I>(self) -> RowStream<T>
    where
        F: SelectionIn<Q, I>,
        T: From<F::Out> + Send + 'static,
    {
        self.run_stream::<IntoStruct<T, F, Q, I>>()
    }
}

/// `db.insert(table)` before `.values(…)`.
#[derive(Debug)]
pub struct InsertStart<'a, T> {
    db: Executor<'a>,
    table: PhantomData<fn() -> T>,
}

impl<'a, T: Table> InsertStart<'a, T> {
    /// The rows to insert: `[row]`, a `Vec`, any iterator of the table's insert struct.
    pub fn values(self, rows: impl IntoIterator<Item = T::Insert>) -> InsertQuery<'a, T> {
        InsertQuery {
            db: self.db,
            rows: rows.into_iter().collect(),
            on_conflict: None,
        }
    }
}

/// An insert of rows into `T`.
#[derive(Debug)]
pub struct InsertQuery<'a, T: Table> {
    db: Executor<'a>,
    rows: Vec<T::Insert>,
    on_conflict: Option<sql::OnConflict>,
}

/// What an insert did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InsertResult {
    /// Rows inserted (for an upsert, what the database counts: MySQL/MariaDB count an
    /// updated row twice).
    pub rows_affected: u64,
    /// The id of the first row inserted (drizzle's `insertId`), for tables with an
    /// auto-increment key.
    pub insert_id: Option<i64>,
    /// The id of every row inserted, in order (PostgreSQL and SQLite return them;
    /// MySQL/MariaDB give consecutive ids to the rows of one statement). Empty for
    /// upserts on MySQL/MariaDB, which do not say which rows were new.
    pub ids: Vec<i64>,
}

/// The unique columns an upsert's conflict is about: a column of `T` or a tuple of them.
pub trait ConflictTarget<T> {
    /// Pushes the columns' names.
    fn push_names(self, out: &mut Vec<&'static str>);
}

impl<T: Table, V> ConflictTarget<T> for Column<T, V> {
    fn push_names(self, out: &mut Vec<&'static str>) {
        out.push(self.name());
    }
}

macro_rules! conflict_tuple {
    ($($name:ident),+) => {
        impl<T, $($name: ConflictTarget<T>),+> ConflictTarget<T> for ($($name,)+) {
            #[allow(non_snake_case)]
            fn push_names(self, out: &mut Vec<&'static str>) {
                let ($($name,)+) = self;
                $($name.push_names(out);)+
            }
        }
    };
}

conflict_tuple!(A);
conflict_tuple!(A, B);
conflict_tuple!(A, B, C);
conflict_tuple!(A, B, C, D);

/// The assignments of an upsert's update: `set.to(UserTable.real_name,
/// excluded(UserTable.real_name))`.
#[derive(Debug)]
pub struct Assignments<T> {
    set: Vec<(&'static str, Node)>,
    table: PhantomData<fn() -> T>,
}

impl<T: Table> Assignments<T> {
    /// `column = value` on the existing row (a value, an expression over `T`, or
    /// [`excluded`](super::excluded)`(column)` for the value the insert proposed).
    pub fn to<V: Value, R: Operand<V>, I>(mut self, column: Column<T, V>, value: R) -> Self
    where
        R::Source: AppearsIn<T, I>,
    {
        self.set.push((column.name(), value.into_node()));
        self
    }
}

impl<'a, T: Table> InsertQuery<'a, T> {
    /// Rows that conflict with an existing row on a unique key are left out (an upsert
    /// that does nothing): `ON CONFLICT DO NOTHING`; on MySQL/MariaDB
    /// `ON DUPLICATE KEY UPDATE` of a column to itself.
    pub fn on_conflict_do_nothing(mut self) -> Self {
        self.on_conflict = Some(sql::OnConflict {
            target: Vec::new(),
            update: Vec::new(),
        });
        self
    }

    /// An upsert: a row that conflicts with an existing one on the `target` columns
    /// updates that row instead: `ON CONFLICT (target) DO UPDATE SET …` on PostgreSQL and
    /// SQLite, `ON DUPLICATE KEY UPDATE …` on MySQL/MariaDB — which acts on a conflict
    /// with any unique key, not only `target` (give the target that is the table's only
    /// possible conflict for one answer everywhere).
    ///
    /// ```text
    /// db.insert(UserTable).values(rows)
    ///     .on_conflict_do_update(UserTable.username, |set| set.to(UserTable.real_name, excluded(UserTable.real_name)))
    /// ```
    pub fn on_conflict_do_update<C: ConflictTarget<T>>(
        mut self,
        target: C,
        assignments: impl FnOnce(Assignments<T>) -> Assignments<T>,
    ) -> Self {
        let mut names = Vec::new();
        target.push_names(&mut names);
        let set = assignments(Assignments {
            set: Vec::new(),
            table: PhantomData,
        })
        .set;
        // No assignments: the conflicting rows are left as they are.
        self.on_conflict = Some(sql::OnConflict {
            target: names,
            update: set,
        });
        self
    }

    /// The statements this insert runs: rows giving the same columns go together, at most
    /// `MAX_PARAMS` parameters a statement.
    pub fn statements(self) -> Vec<sql::Insert> {
        let mut statements: Vec<sql::Insert> = Vec::new();
        let default_keyword = self.db.dialect().capabilities().insert_default_keyword;
        let mut columns = Vec::with_capacity(T::COLUMNS.len());
        for row in self.rows {
            columns.clear();
            let mut values = Vec::with_capacity(T::COLUMNS.len());
            row.into_values(&mut columns, &mut values);
            let fits = statements.last().is_some_and(|last| {
                last.columns == columns
                    && (last.rows.len() + 1) * columns.len().max(1) <= MAX_PARAMS
                    && (default_keyword || !columns.is_empty())
            });
            match statements.last_mut() {
                Some(last) if fits => last.rows.push(values),
                _ => statements.push(sql::Insert {
                    table: T::NAME,
                    columns: columns.clone(),
                    rows: vec![values],
                    on_conflict: self.on_conflict.clone(),
                    returning: Vec::new(),
                }),
            }
        }
        statements
    }

    /// Runs the insert. An insert split into several statements (more parameters than
    /// one statement takes, or rows giving different columns) runs in one transaction —
    /// a savepoint inside the caller's: all rows or none.
    pub async fn execute(self) -> Result<InsertResult, DbError> {
        let executor = self.db;
        let mut statements = self.statements();
        let returns_ids = executor.dialect().capabilities().insert_returning;
        if let (true, Some(key)) = (returns_ids, T::PRIMARY_KEY) {
            for statement in &mut statements {
                statement.returning = vec![Node::column(T::NAME, key)];
            }
        }
        atomically(executor, statements, run_inserts).await
    }

    /// Runs the insert and reads back every row inserted (`RETURNING`; PostgreSQL,
    /// SQLite, MariaDB from 10.5 — an error saying so on MySQL).
    pub async fn returning(self) -> Result<Vec<T::Row>, DbError> {
        let executor = self.db;
        let mut statements = self.statements();
        for statement in &mut statements {
            T::push_columns(&mut statement.returning);
        }
        check_returning(executor, "INSERT … RETURNING").await?;
        let statements = statements.into_iter().map(Statement::Insert).collect();
        atomically(executor, statements, run_returning::<RowsOf<T>>).await
    }

    /// Runs the insert and reads back the chosen fields of every row inserted.
    pub async fn returning_fields<F, I>(self, fields: F) -> Result<Vec<F::Out>, DbError>
    where
        F: SelectionIn<T, I> + Clone + 'static,
        I: 'static,
    {
        let executor = self.db;
        let mut statements = self.statements();
        for statement in &mut statements {
            fields.clone().push_exprs(&mut statement.returning);
        }
        check_returning(executor, "INSERT … RETURNING").await?;
        let statements = statements.into_iter().map(Statement::Insert).collect();
        atomically(executor, statements, run_returning::<FieldsOf<F, T, I>>).await
    }
}

/// Refuses `RETURNING` where the server has none.
async fn check_returning(executor: Executor<'_>, feature: &str) -> Result<(), DbError> {
    if executor.db().supports_returning().await? {
        Ok(())
    } else {
        Err(DbError::Unsupported {
            backend: executor.dialect().backend(),
            feature: format!("{feature} (MariaDB has it from 10.5; MySQL has none)"),
        })
    }
}

/// Runs `statements` with `run`; several statements run in one transaction (a savepoint
/// inside the caller's): all or nothing.
async fn atomically<S, R, F>(
    executor: Executor<'_>,
    statements: Vec<S>,
    run: F,
) -> Result<R, DbError>
where
    F: for<'e> AsyncRun<'e, S, R>,
{
    if statements.len() <= 1 {
        return run.call(executor, statements).await;
    }
    let tx = executor.begin_atomic().await?;
    match run.call(Executor::from(&tx), statements).await {
        Ok(result) => {
            tx.commit().await?;
            Ok(result)
        }
        Err(error) => {
            // Dropping would roll back too; waiting for it leaves the pool clean.
            let _ = tx.rollback().await;
            Err(error)
        }
    }
}

/// An async function over an executor and statements (what `atomically` runs).
pub(crate) trait AsyncRun<'e, S, R> {
    /// Its future.
    type Future: std::future::Future<Output = Result<R, DbError>> + Send + 'e;
    /// Runs the statements on the executor.
    fn call(&self, executor: Executor<'e>, statements: Vec<S>) -> Self::Future;
}

impl<'e, S, R, F, Fut> AsyncRun<'e, S, R> for F
where
    F: Fn(Executor<'e>, Vec<S>) -> Fut,
    Fut: std::future::Future<Output = Result<R, DbError>> + Send + 'e,
{
    type Future = Fut;
    fn call(&self, executor: Executor<'e>, statements: Vec<S>) -> Fut {
        self(executor, statements)
    }
}

async fn run_inserts(
    executor: Executor<'_>,
    statements: Vec<sql::Insert>,
) -> Result<InsertResult, DbError> {
    let dialect = executor.dialect();
    let mut result = InsertResult::default();
    let mut step = None;
    for statement in statements {
        let returns_ids = !statement.returning.is_empty();
        let upsert = statement.on_conflict.is_some();
        let (sql, params) = dialect.render(Statement::Insert(statement));
        if returns_ids {
            let ids = executor.fetch_decoded::<FirstI64>(&sql, params).await?;
            result.rows_affected += ids.len() as u64;
            result.ids.extend(ids);
        } else {
            let done = executor.execute(&sql, params).await?;
            result.rows_affected += done.rows_affected;
            // MySQL/MariaDB: the first id of the statement; the ids of its rows follow it
            // `auto_increment_increment` apart (1, but the cluster's size on Galera).
            let first = i64::try_from(done.last_insert_id).unwrap_or(0);
            if first > 0 && !upsert {
                let count = i64::try_from(done.rows_affected).unwrap_or(0);
                let step = match step {
                    Some(step) => step,
                    None => *step.insert(executor.db().auto_increment_step().await?),
                };
                result.ids.extend((0..count).map(|n| first + n * step));
            } else if first > 0 && result.insert_id.is_none() {
                result.insert_id = Some(first);
            }
        }
    }
    result.insert_id = result.insert_id.or(result.ids.first().copied());
    Ok(result)
}

async fn run_returning<D: Decode>(
    executor: Executor<'_>,
    statements: Vec<Statement>,
) -> Result<Vec<D::Out>, DbError> {
    let dialect = executor.dialect();
    let mut rows = Vec::new();
    for statement in statements {
        let (sql, params) = dialect.render(statement);
        rows.extend(executor.fetch_decoded::<D>(&sql, params).await?);
    }
    Ok(rows)
}

/// An update of `T`.
#[derive(Debug, Clone)]
pub struct UpdateQuery<'a, T> {
    db: Executor<'a>,
    update: sql::Update,
    /// A condition every `where_` is narrowed to (a record kind's prop defaults).
    scope: Option<Node>,
    table: PhantomData<fn() -> T>,
}

impl<T: Table> UpdateQuery<'_, T> {
    /// `SET column = value` (a value of the column's type, or an expression over `T`).
    pub fn set<V: Value, R: Operand<V>, I>(mut self, column: Column<T, V>, value: R) -> Self
    where
        R::Source: AppearsIn<T, I>,
    {
        self.update.set.push((column.name(), value.into_node()));
        self
    }

    /// `WHERE condition` (replacing any earlier one; narrowed to a record kind's prop
    /// defaults on its builder).
    pub fn where_<P: Predicate, I>(mut self, condition: P) -> Self
    where
        P::Source: AppearsIn<T, I>,
    {
        self.update.where_ = Some(scoped(&self.scope, condition.into_condition()));
        self
    }

    /// The update narrowed to `scope` for good (see [`SelectQuery::where_`]).
    pub(crate) fn scoped(mut self, scope: Option<Node>) -> Self {
        self.update.where_ = scope.clone();
        self.scope = scope;
        self
    }

    /// The SQL and parameters this update runs.
    pub fn to_sql(&self) -> (String, Vec<Param>) {
        self.db
            .dialect()
            .render(Statement::Update(self.update.clone()))
    }

    fn checked(&self) -> Result<(), DbError> {
        if self.update.set.is_empty() {
            return Err(DbError::Invalid(format!(
                "update of {} sets no column",
                T::NAME
            )));
        }
        Ok(())
    }

    /// Runs the update: the number of rows changed.
    pub async fn execute(self) -> Result<u64, DbError> {
        self.checked()?;
        let (sql, params) = self.db.dialect().render(Statement::Update(self.update));
        Ok(self.db.execute(&sql, params).await?.rows_affected)
    }

    /// Runs the update and reads back every changed row (`RETURNING`; PostgreSQL and
    /// SQLite — MySQL/MariaDB have no `UPDATE … RETURNING`: an error saying so).
    pub async fn returning(self) -> Result<Vec<T::Row>, DbError> {
        self.checked()?;
        let mut update = self.update;
        T::push_columns(&mut update.returning);
        run_update_returning::<RowsOf<T>>(self.db, update).await
    }

    /// Runs the update and reads back the chosen fields of every changed row.
    pub async fn returning_fields<F, I>(self, fields: F) -> Result<Vec<F::Out>, DbError>
    where
        F: SelectionIn<T, I>,
    {
        self.checked()?;
        let mut update = self.update;
        fields.push_exprs(&mut update.returning);
        run_update_returning::<FieldsOf<F, T, I>>(self.db, update).await
    }
}

async fn run_update_returning<D: Decode>(
    executor: Executor<'_>,
    update: sql::Update,
) -> Result<Vec<D::Out>, DbError> {
    if !executor.dialect().capabilities().update_returning {
        return Err(DbError::Unsupported {
            backend: executor.dialect().backend(),
            feature: "UPDATE … RETURNING".into(),
        });
    }
    let (sql, params) = executor.dialect().render(Statement::Update(update));
    executor.fetch_decoded::<D>(&sql, params).await
}

/// A delete from `T`.
#[derive(Debug, Clone)]
pub struct DeleteQuery<'a, T> {
    db: Executor<'a>,
    delete: sql::Delete,
    /// A condition every `where_` is narrowed to (a record kind's prop defaults).
    scope: Option<Node>,
    table: PhantomData<fn() -> T>,
}

impl<T: Table> DeleteQuery<'_, T> {
    /// `WHERE condition` (replacing any earlier one; narrowed to a record kind's prop
    /// defaults on its builder).
    pub fn where_<P: Predicate, I>(mut self, condition: P) -> Self
    where
        P::Source: AppearsIn<T, I>,
    {
        self.delete.where_ = Some(scoped(&self.scope, condition.into_condition()));
        self
    }

    /// The delete narrowed to `scope` for good (see [`SelectQuery::where_`]).
    pub(crate) fn scoped(mut self, scope: Option<Node>) -> Self {
        self.delete.where_ = scope.clone();
        self.scope = scope;
        self
    }

    /// The SQL and parameters this delete runs.
    pub fn to_sql(&self) -> (String, Vec<Param>) {
        self.db
            .dialect()
            .render(Statement::Delete(self.delete.clone()))
    }

    /// Runs the delete: the number of rows deleted.
    pub async fn execute(self) -> Result<u64, DbError> {
        let (sql, params) = self.db.dialect().render(Statement::Delete(self.delete));
        Ok(self.db.execute(&sql, params).await?.rows_affected)
    }

    /// Runs the delete and reads back every deleted row (`RETURNING`; PostgreSQL, SQLite,
    /// MariaDB from 10.5 — an error saying so on MySQL).
    pub async fn returning(self) -> Result<Vec<T::Row>, DbError> {
        let mut delete = self.delete;
        T::push_columns(&mut delete.returning);
        check_returning(self.db, "DELETE … RETURNING").await?;
        let (sql, params) = self.db.dialect().render(Statement::Delete(delete));
        self.db.fetch_decoded::<RowsOf<T>>(&sql, params).await
    }

    /// Runs the delete and reads back the chosen fields of every deleted row.
    pub async fn returning_fields<F, I>(self, fields: F) -> Result<Vec<F::Out>, DbError>
    where
        F: SelectionIn<T, I>,
    {
        let mut delete = self.delete;
        fields.push_exprs(&mut delete.returning);
        check_returning(self.db, "DELETE … RETURNING").await?;
        let (sql, params) = self.db.dialect().render(Statement::Delete(delete));
        self.db
            .fetch_decoded::<FieldsOf<F, T, I>>(&sql, params)
            .await
    }
}
