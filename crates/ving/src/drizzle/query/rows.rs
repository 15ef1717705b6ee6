//! What a select reads: whole rows of a table or join ([`RowSource`]), chosen fields
//! ([`Selection`], tuples of them), and the decoders of both.

use super::*;

/// A select of whole rows (`db.select()`).
#[derive(Debug, Clone, Copy)]
pub struct All;

/// A select of chosen fields (`db.select_fields(…)`).
#[derive(Debug, Clone)]
pub struct Fields<F>(pub(super) F);

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
pub(super) fn optional_row<T: Table, Row: BackendRow + ?Sized>(
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
    /// What the selected values are made of ([`Constant`], [`PerRow`],
    /// [`Aggregated`](crate::drizzle::Aggregated) or [`Mixed`](crate::drizzle::Mixed)): a
    /// select of columns beside aggregates runs only with a `group_by`.
    type Kind;
    /// Pushes the selected expressions.
    fn push_exprs(self, out: &mut Vec<Node>);
}

/// The kind of a nested list of kinds `(A, (B, (C, ())))`, side by side.
pub trait FoldKinds {
    /// Their kind together.
    type Out;
}

impl FoldKinds for () {
    type Out = Constant;
}

impl<H, T: FoldKinds> FoldKinds for (H, T)
where
    H: Combine<T::Out>,
{
    type Out = <H as Combine<T::Out>>::Out;
}

/// `(A, (B, (C, ())))` from `A, B, C`.
macro_rules! nested {
    () => { () };
    ($head:ty $(, $tail:ty)*) => { ($head, nested!($($tail),*)) };
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
    type Kind = PerRow;
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

impl<V: Value, S: Grouping> Selection for crate::drizzle::expr::Expr<V, S> {
    type Kind = S::Kind;
    fn push_exprs(self, out: &mut Vec<Node>) {
        out.push(Expression::into_node(self));
    }
}

/// An expression reads as the type it was given (an aggregate's, or `typed::<V>()`'s).
impl<V: Value, S, Q, I> SelectionIn<Q, I> for crate::drizzle::expr::Expr<V, S>
where
    S: AppearsIn<Q, I> + Grouping,
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
        impl<$($name: Selection),+> Selection for ($($name,)+)
        where
            nested!($($name::Kind),+): FoldKinds,
        {
            type Kind = <nested!($($name::Kind),+) as FoldKinds>::Out;
            #[allow(non_snake_case)]
            fn push_exprs(self, out: &mut Vec<Node>) {
                let ($($name,)+) = self;
                $($name.push_exprs(out);)+
            }
        }

        impl<Q, $($name: SelectionIn<Q, $at>, $at),+> SelectionIn<Q, ($($at,)+)> for ($($name,)+)
        where
            nested!($($name::Kind),+): FoldKinds,
        {
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
