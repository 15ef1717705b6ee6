//! `select`: from, joins, where, group by, order, limit, subqueries, and reading rows.

use super::*;

/// `db.select()` before `.from(…)`.
#[derive(Debug, Clone)]
pub struct SelectStart<'a, Sel> {
    pub(super) db: Executor<'a>,
    pub(super) fields: Sel,
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

/// A select over the tables `Q`; `G` says whether it has a `group_by` ([`Ungrouped`] or
/// [`Grouped`]: columns beside aggregates run only grouped).
#[derive(Debug)]
pub struct SelectQuery<'a, Q, Sel, G = Ungrouped> {
    pub(super) db: Executor<'a>,
    pub(super) select: sql::Select,
    pub(super) fields: Sel,
    /// A condition every `where_` is narrowed to (a record kind's prop defaults).
    pub(super) scope: Option<Node>,
    pub(super) tables: PhantomData<fn() -> (Q, G)>,
}

impl<Q, Sel: Clone, G> Clone for SelectQuery<'_, Q, Sel, G> {
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

impl<'a, Q, Sel, G> SelectQuery<'a, Q, Sel, G> {
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

    pub(super) fn join<T: Table, K, P: Predicate>(
        self,
        kind: JoinKind,
        on: P,
    ) -> SelectQuery<'a, Join<Q, T, K>, Sel, G> {
        let mut select = self.select;
        select.joins.push(sql::Join {
            kind,
            table: sql::JoinTable::Named(T::SOURCE),
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
    ) -> SelectQuery<'a, Join<Q, T, Inner>, Sel, G>
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
    ) -> SelectQuery<'a, Join<Q, T, LeftOuter>, Sel, G>
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
    ) -> SelectQuery<'a, Join<Q, T, RightOuter>, Sel, G>
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
    ) -> SelectQuery<'a, Join<Q, T, FullOuter>, Sel, G>
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

    pub(super) fn into_select(self) -> sql::Select
    where
        Sel: SelectList,
        Q: SelectTables<Sel>,
    {
        let mut select = self.select;
        Q::push_fields(self.fields, &mut select.fields);
        select
    }

    pub(super) fn unsupported(&self) -> Option<DbError> {
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

    /// `GROUP BY expressions` (replacing any earlier grouping): the select may then read
    /// columns beside aggregates.
    pub fn group_by<L: GroupList, I>(mut self, expressions: L) -> SelectQuery<'a, Q, Sel, Grouped>
    where
        L::Source: AppearsIn<Q, I>,
    {
        self.select.group_by.clear();
        expressions.push_exprs(&mut self.select.group_by);
        SelectQuery {
            db: self.db,
            select: self.select,
            fields: self.fields,
            scope: self.scope,
            tables: PhantomData,
        }
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

impl<'a, Q, F: Selection, G> SelectQuery<'a, Q, Fields<F>, G> {
    /// `expr IN (this query)`: this query selects one field of `V` (`in_subquery`).
    pub fn values_for<V, I>(self) -> Subquery<V>
    where
        F: SelectionIn<Q, I, Out = V>,
        F::Kind: GroupedAs<G>,
    {
        let mut select = self.select;
        self.fields.0.push_exprs(&mut select.fields);
        Subquery::new(select)
    }

    /// This query as one value in another (a scalar subquery): it selects one field of
    /// `V` and at most one row; no row reads as `NULL`, hence the `Option`.
    pub fn scalar<V, I>(self) -> Expr<<V as crate::drizzle::value::Nullable>::Null, ()>
    where
        F: SelectionIn<Q, I, Out = V>,
        F::Kind: GroupedAs<G>,
        V: crate::drizzle::value::Nullable,
    {
        let mut select = self.select;
        self.fields.0.push_exprs(&mut select.fields);
        Expr::new(Node::Subquery(Box::new(select)))
    }
}

/// Running a select: one path for every terminal method.
impl<'a, Q, Sel, G> SelectQuery<'a, Q, Sel, G>
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
        let select = self.into_select();
        if let Some(problem) = ambiguous(&select) {
            return Err(DbError::Invalid(problem));
        }
        let (sql, params) = db.dialect().render(Statement::Select(select));
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

impl<Q: RowSource, G> SelectQuery<'_, Q, All, G> {
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

/// The terminal methods of a select of chosen fields: columns beside aggregates only with
/// a `group_by` ([`GroupedAs`]).
impl<Q, F: Selection, G> SelectQuery<'_, Q, Fields<F>, G> {
    /// Runs the query: every row.
    pub async fn all<I>(self) -> Result<Vec<F::Out>, DbError>
    where
        F: SelectionIn<Q, I>,
        F::Kind: GroupedAs<G>,
    {
        self.run_all::<FieldsOf<F, Q, I>>().await
    }

    /// Runs the query with `LIMIT 1` (unless it has a limit): the first row, if any.
    pub async fn first<I>(self) -> Result<Option<F::Out>, DbError>
    where
        F: SelectionIn<Q, I>,
        F::Kind: GroupedAs<G>,
    {
        self.run_first::<FieldsOf<F, Q, I>>().await
    }

    /// Runs the query and reads its rows as they come, in constant memory.
    pub fn stream<I>(self) -> RowStream<F::Out>
    where
        F: SelectionIn<Q, I>,
        F::Kind: GroupedAs<G>,
    {
        self.run_stream::<FieldsOf<F, Q, I>>()
    }

    /// Runs the query: every row, as the user's own struct `T` (`From` the fields'
    /// tuple, as [`select_struct!`](crate::select_struct) makes it).
    pub async fn all_as<T, I>(self) -> Result<Vec<T>, DbError>
    where
        F: SelectionIn<Q, I>,
        F::Kind: GroupedAs<G>,
        T: From<F::Out> + Send + 'static,
    {
        self.run_all::<IntoStruct<T, F, Q, I>>().await
    }

    /// The first row, if any, as the user's own struct `T` (see [`all_as`](Self::all_as)).
    pub async fn first_as<T, I>(self) -> Result<Option<T>, DbError>
    where
        F: SelectionIn<Q, I>,
        F::Kind: GroupedAs<G>,
        T: From<F::Out> + Send + 'static,
    {
        self.run_first::<IntoStruct<T, F, Q, I>>().await
    }

    /// The rows as they come, as the user's own struct `T` (see [`all_as`](Self::all_as)).
    pub fn stream_as<T, I>(self) -> RowStream<T>
    where
        F: SelectionIn<Q, I>,
        F::Kind: GroupedAs<G>,
        T: From<F::Out> + Send + 'static,
    {
        self.run_stream::<IntoStruct<T, F, Q, I>>()
    }
}

/// Why `select` has no one answer, if it has none: a column beside an aggregate that the
/// query does not group by (PostgreSQL refuses it; MySQL and SQLite answer with the
/// value of any row), or `distinct` ordered by a column it does not select (PostgreSQL
/// refuses it; the others sort by a value of any row). Refused before the database, the
/// same on every backend.
fn ambiguous(select: &sql::Select) -> Option<String> {
    let column = |expr: &Node| match expr {
        Node::Column { table, name } => Some(format!("{table}.{name}")),
        _ => None,
    };
    let aggregates = select
        .fields
        .iter()
        .any(|f| matches!(f, Node::Aggregate { .. }));
    if aggregates || !select.group_by.is_empty() {
        let loose = select
            .fields
            .iter()
            .filter(|f| !select.group_by.contains(f))
            .find_map(column);
        if let Some(loose) = loose {
            return Some(format!(
                "{loose} is selected beside an aggregate or a grouping without being grouped by: add it to group_by, or select an aggregate of it (PostgreSQL refuses such a query; MySQL and SQLite would answer with any row's value)"
            ));
        }
    }
    if select.distinct {
        let unselected = select
            .order_by
            .iter()
            .filter(|term| !select.fields.contains(&term.expr))
            .find_map(|term| column(&term.expr));
        if let Some(unselected) = unselected {
            return Some(format!(
                "a distinct select is ordered by {unselected}, which it does not select: select it too (PostgreSQL refuses such a query; the others would sort by any row's value)"
            ));
        }
    }
    None
}
