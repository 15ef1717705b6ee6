//! What a selected value is made of, for SQL's rule that a column selected beside an
//! aggregate must be grouped by: [`Agg`] marks what an aggregate reads, [`Grouping`]
//! says of an expression's tables whether it is a constant, a plain column value, an
//! aggregate or a mix of the two, and [`GroupedAs`] lets a select run only when a mix
//! has a `group_by` (PostgreSQL refuses such a query at run time; MySQL and SQLite answer
//! with any row's value).

use std::marker::PhantomData;

use super::{AppearsIn, Both, With};
use crate::drizzle::table::Table;

/// The tables `S` an aggregate (`count`, `sum`, `max` …) reads: its value is one per
/// group, not one per row.
pub struct Agg<S>(PhantomData<fn() -> S>);

impl<S, Q, I> AppearsIn<Q, I> for Agg<S> where S: AppearsIn<Q, I> {}

impl<S, X> With<S> for Agg<X> {
    type Output = Both<S, Agg<X>>;
}

/// A value that reads no table (a literal, a parameter, a scalar subquery).
#[derive(Debug)]
pub struct Constant;
/// A value read from each row's columns.
#[derive(Debug)]
pub struct PerRow;
/// An aggregate's value, one per group.
#[derive(Debug)]
pub struct Aggregated;
/// Columns beside aggregates: one answer only with a `group_by`.
#[derive(Debug)]
pub struct Mixed;

/// What the values of an expression reading the tables `Self` are: [`Constant`],
/// [`PerRow`], [`Aggregated`] or [`Mixed`].
pub trait Grouping {
    /// The kind.
    type Kind;
}

impl Grouping for () {
    type Kind = Constant;
}

impl<T: Table> Grouping for T {
    type Kind = PerRow;
}

impl<S> Grouping for Agg<S> {
    type Kind = Aggregated;
}

impl<A: Grouping, B: Grouping> Grouping for Both<A, B>
where
    A::Kind: Combine<B::Kind>,
{
    type Kind = <A::Kind as Combine<B::Kind>>::Out;
}

/// The kind of two values side by side (in one expression or one selection).
pub trait Combine<B> {
    /// Their kind together.
    type Out;
}

impl<B> Combine<B> for Constant {
    type Out = B;
}

impl Combine<Constant> for PerRow {
    type Out = PerRow;
}
impl Combine<PerRow> for PerRow {
    type Out = PerRow;
}
impl Combine<Aggregated> for PerRow {
    type Out = Mixed;
}
impl Combine<Mixed> for PerRow {
    type Out = Mixed;
}

impl Combine<Constant> for Aggregated {
    type Out = Aggregated;
}
impl Combine<PerRow> for Aggregated {
    type Out = Mixed;
}
impl Combine<Aggregated> for Aggregated {
    type Out = Aggregated;
}
impl Combine<Mixed> for Aggregated {
    type Out = Mixed;
}

impl<B> Combine<B> for Mixed {
    type Out = Mixed;
}

/// A select before `group_by` (marker).
#[derive(Debug)]
pub struct Ungrouped;
/// A select with a `group_by` (marker).
#[derive(Debug)]
pub struct Grouped;

/// A selection of kind `Self` may run in a select grouped as `G`: everything but columns
/// beside aggregates without a `group_by`.
#[diagnostic::on_unimplemented(
    message = "a column is selected beside an aggregate without `group_by`",
    label = "this select has no one answer",
    note = "group by the selected columns (`.group_by(…)`), or select aggregates of them: PostgreSQL refuses such a query, MySQL and SQLite would answer with any row's value"
)]
pub trait GroupedAs<G> {}

impl<G> GroupedAs<G> for Constant {}
impl<G> GroupedAs<G> for PerRow {}
impl<G> GroupedAs<G> for Aggregated {}
impl GroupedAs<Grouped> for Mixed {}
