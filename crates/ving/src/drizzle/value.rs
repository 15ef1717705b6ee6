//! Values: the Rust types columns hold, how each is read from a row of any backend and
//! bound as a parameter, and which Rust values may stand where a column's value goes.

use chrono::{NaiveDateTime, Timelike as _};

use crate::db::BackendRow;
use crate::sql::{Expr as Node, Param};

use super::table::{Column, Table};

/// Now in UTC, at the second: what ving's `datetime` and `timestamp` columns keep. What
/// records and the query builder write for a `date` prop whose default is `now`.
pub fn now() -> NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    now.with_nanosecond(0).unwrap_or(now)
}

/// A type a column holds: `i64` (ids, `bigInt`), `i32` (`int`), `bool`, `String`,
/// `f64` (sums and averages), [`NaiveDateTime`], [`serde_json::Value`], and `Option` of
/// any of them for nullable columns.
#[diagnostic::on_unimplemented(message = "`{Self}` is not a type a column can hold")]
pub trait Value: Sized + Send + 'static {
    /// Reads the value at column `index`.
    fn decode<R: BackendRow + ?Sized>(row: &R, index: usize) -> Result<Self, sqlx::Error>;
    /// The value as a parameter.
    fn into_param(self) -> Param;
    /// A `NULL` of this type.
    fn null_param() -> Param;
    /// Whether values of this type can be `NULL` (an `Option`).
    const NULLABLE: bool = false;
    /// An enum's values in declaration order (what sorting by one follows); empty for
    /// other types.
    const ENUM_VALUES: &'static [&'static str] = &[];
}

/// A value type that is not an `Option`.
pub trait BaseValue: Value {}

/// The type of an aggregate over a column (`min`, `max`): nullable, since there may be no
/// rows.
pub trait Nullable: Value {
    /// `Option<Self>` for a base type, `Self` for an `Option`.
    type Null: Value;
}

/// Text columns: what `like` applies to.
#[diagnostic::on_unimplemented(message = "`like` needs a text column, not one holding `{Self}`")]
pub trait Text: Value {}

/// Number columns: what `sum` and `avg` apply to.
#[diagnostic::on_unimplemented(
    message = "`sum`/`avg` need a number column, not one holding `{Self}`"
)]
pub trait Numeric: Value {}

macro_rules! base_value {
    ($type:ty, $variant:ident, $get:ident) => {
        impl Value for $type {
            #[inline]
            fn decode<R: BackendRow + ?Sized>(row: &R, index: usize) -> Result<Self, sqlx::Error> {
                row.$get(index)
            }
            fn into_param(self) -> Param {
                Param::$variant(Some(self))
            }
            fn null_param() -> Param {
                Param::$variant(None)
            }
        }
        impl BaseValue for $type {}
        impl Nullable for $type {
            type Null = Option<$type>;
        }
        impl Nullable for Option<$type> {
            type Null = Option<$type>;
        }
        impl Operand<$type> for $type {
            type Source = ();
            fn into_node(self) -> Node {
                Node::Param(self.into_param())
            }
        }
        impl Operand<Option<$type>> for $type {
            type Source = ();
            fn into_node(self) -> Node {
                Node::Param(self.into_param())
            }
        }
        impl Operand<Option<$type>> for Option<$type> {
            type Source = ();
            fn into_node(self) -> Node {
                Node::Param(self.into_param())
            }
        }
    };
}

base_value!(i64, I64, get_i64);
base_value!(i32, I32, get_i32);
base_value!(f64, F64, get_f64);
base_value!(bool, Bool, get_bool);
base_value!(String, String, get_string);
base_value!(NaiveDateTime, DateTime, get_datetime);
base_value!(serde_json::Value, Json, get_json);

/// Types whose values every database compares the same way: everything but JSON.
#[diagnostic::on_unimplemented(
    message = "values of `{Self}` cannot be compared",
    label = "JSON columns cannot be compared or matched against a list",
    note = "PostgreSQL compares jsonb by value, MySQL/MariaDB and SQLite compare JSON as text, \
            so one query would give different answers; compare a field with `sql!` instead"
)]
pub trait Comparable: Value {}

macro_rules! comparable {
    ($($type:ty),+) => {
        $(
            impl Comparable for $type {}
            impl Comparable for Option<$type> {}
        )+
    };
}

comparable!(i64, i32, f64, bool, String, NaiveDateTime);

impl Text for String {}
impl Text for Option<String> {}
impl Numeric for i64 {}
impl Numeric for i32 {}
impl Numeric for f64 {}
impl Numeric for Option<i64> {}
impl Numeric for Option<i32> {}
impl Numeric for Option<f64> {}

impl<T: BaseValue> Value for Option<T> {
    const NULLABLE: bool = true;
    const ENUM_VALUES: &'static [&'static str] = T::ENUM_VALUES;
    #[inline]
    fn decode<R: BackendRow + ?Sized>(row: &R, index: usize) -> Result<Self, sqlx::Error> {
        if row.is_null(index)? {
            Ok(None)
        } else {
            T::decode(row, index).map(Some)
        }
    }
    fn into_param(self) -> Param {
        match self {
            Some(value) => value.into_param(),
            None => T::null_param(),
        }
    }
    fn null_param() -> Param {
        T::null_param()
    }
}

/// What may stand where a value of type `V` goes: a value of that type, a column or
/// typed expression holding it. `Source` names the table(s) it reads (`()` for values).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be compared with or stored in a column holding `{V}`",
    note = "use a value of type `{V}`, or a column or expression of that type"
)]
pub trait Operand<V> {
    /// The tables the operand reads.
    type Source;
    /// The operand as an expression node.
    fn into_node(self) -> Node;
}

impl<T: Table, V: Value> Operand<V> for Column<T, V> {
    type Source = T;
    fn into_node(self) -> Node {
        self.node()
    }
}

impl<T: Table, V: BaseValue> Operand<Option<V>> for Column<T, V> {
    type Source = T;
    fn into_node(self) -> Node {
        self.node()
    }
}

impl Operand<String> for &str {
    type Source = ();
    fn into_node(self) -> Node {
        Node::Param(Param::String(Some(self.to_owned())))
    }
}

impl Operand<Option<String>> for &str {
    type Source = ();
    fn into_node(self) -> Node {
        Node::Param(Param::String(Some(self.to_owned())))
    }
}

impl Operand<String> for &String {
    type Source = ();
    fn into_node(self) -> Node {
        Node::Param(Param::String(Some(self.clone())))
    }
}

/// A Rust enum standing for an enum prop's values (generated: `UseAsDisplayName::Username`
/// for `useAsDisplayName`'s `username`). Rows, inserts and conditions use it; the
/// database holds the value's text.
pub trait EnumValue: Copy + Eq + Send + Sync + 'static {
    /// The enum's name, for messages.
    const NAME: &'static str;
    /// Every value, as stored, in the schema's order.
    const VALUES: &'static [&'static str];
    /// The value as stored.
    fn as_str(self) -> &'static str;
    /// The variant of a stored value, if it is one.
    fn from_value(value: &str) -> Option<Self>;
}

impl<E: EnumValue> Value for E {
    const ENUM_VALUES: &'static [&'static str] = E::VALUES;
    /// A stored value that is not one of the enum's is an error naming the column and
    /// the value.
    fn decode<R: BackendRow + ?Sized>(row: &R, index: usize) -> Result<Self, sqlx::Error> {
        let text = row.get_string(index)?;
        E::from_value(&text).ok_or_else(|| {
            row.decode_error(
                index,
                format!(
                    "{text:?} is not a value of {} (one of {})",
                    E::NAME,
                    E::VALUES.join(", ")
                ),
            )
        })
    }
    fn into_param(self) -> Param {
        Param::String(Some(self.as_str().to_owned()))
    }
    fn null_param() -> Param {
        Param::String(None)
    }
}

impl<E: EnumValue> BaseValue for E {}
impl<E: EnumValue> Comparable for E {}
impl<E: EnumValue> Comparable for Option<E> {}

impl<E: EnumValue> Nullable for E {
    type Null = Option<E>;
}

impl<E: EnumValue> Nullable for Option<E> {
    type Null = Option<E>;
}

impl<E: EnumValue> Operand<E> for E {
    type Source = ();
    fn into_node(self) -> Node {
        Node::Param(self.into_param())
    }
}

impl<E: EnumValue> Operand<Option<E>> for E {
    type Source = ();
    fn into_node(self) -> Node {
        Node::Param(self.into_param())
    }
}

impl<E: EnumValue> Operand<Option<E>> for Option<E> {
    type Source = ();
    fn into_node(self) -> Node {
        Node::Param(self.into_param())
    }
}
