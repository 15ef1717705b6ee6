//! Raw SQL fragments: [`Sql`], made by the [`sql!`](crate::sql!) macro, with its arguments
//! ([`SqlArg`]) and the placeholder count checked at compile time.

use super::*;

/// A raw SQL fragment, made by [`sql!`](crate::sql!): text as written, columns as quoted
/// identifiers, values as bound parameters — never spliced into the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Sql {
    pub(super) parts: Vec<RawPart>,
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
