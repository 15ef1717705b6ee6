//! Typed kinds and records: what `ving record` generates per schema builds on these. A
//! kind value (`Users`) exposes its table's columns (`Users.email`) and the raw builders on
//! its table, and its typed methods return the generated record type (`User`), which
//! derefs to [`Record`] and adds typed getters and setters.
//!
//! The kind value runs on the kinds an app installs once ([`install`]), or on any
//! [`Kinds`] with `Users.on(&kinds)` (a transaction: `Users.on(&kinds.on(&tx))`).

use std::marker::PhantomData;
use std::sync::OnceLock;

use futures_util::{Stream, StreamExt};
use serde_json::{Map, Value};

use crate::drizzle::{All, DeleteQuery, Executor, InsertStart, SelectQuery, Table, UpdateQuery};

use super::{CurrentUser, FindOptions, IntoWhere, Kind, Kinds, ListParams, Ouch, Record, RecordId};

/// A kind as generated code describes it: its name, its table, its record type and its
/// props struct.
pub trait KindDef: Copy + Send + Sync + 'static {
    /// The kind's name (`User`).
    const KIND: &'static str;
    /// The kind's table (`UserTable`).
    type Table: Table + Copy;
    /// The record type (`User<'e>`).
    type Record<'e>: From<Record<'e>> + Into<Record<'e>>;
    /// The props struct for `mint` and `create` (`UserProps`).
    type Props: IntoProps;
    /// The table as a value, for its columns.
    fn table() -> &'static Self::Table;
}

/// A props struct, as the prop map `mint` takes (props left `None` take their schema
/// default).
pub trait IntoProps {
    /// The props by name, as ving holds them.
    fn into_props(self) -> Map<String, Value>;
}

impl IntoProps for Map<String, Value> {
    fn into_props(self) -> Map<String, Value> {
        self
    }
}

static INSTALLED: OnceLock<Kinds<'static>> = OnceLock::new();

/// Installs the app's kinds (on its pool) for the kind values (`Users.find(…)`,
/// `Users.select()`). Once per process: a second call is a 409 and changes nothing.
pub fn install(kinds: Kinds<'static>) -> Result<(), Ouch> {
    INSTALLED
        .set(kinds)
        .map_err(|_| Ouch::new(409, "the app's record kinds are already installed"))
}

/// The installed kinds, if any.
pub fn installed() -> Option<&'static Kinds<'static>> {
    INSTALLED.get()
}

fn not_installed() -> Ouch {
    Ouch::new(
        500,
        "no record kinds installed: call ving::record::install(kinds) first, or use Kind.on(&kinds)",
    )
}

/// A kind value (`Users`): its table's columns through `Deref` (`Users.email`), and the
/// kind's methods on the installed kinds.
pub struct KindValue<K>(PhantomData<K>);

impl<K> Clone for KindValue<K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K> Copy for KindValue<K> {}

impl<K> std::fmt::Debug for KindValue<K>
where
    K: KindDef,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KindValue({})", K::KIND)
    }
}

impl<K: KindDef> Default for KindValue<K> {
    fn default() -> Self {
        KindValue::new()
    }
}

impl<K: KindDef> std::ops::Deref for KindValue<K> {
    type Target = K::Table;
    fn deref(&self) -> &K::Table {
        K::table()
    }
}

impl<K: KindDef> KindValue<K> {
    /// The kind value (generated code makes one constant per kind).
    pub const fn new() -> KindValue<K> {
        KindValue(PhantomData)
    }

    /// The kind on `kinds` (a pool or a transaction); 404 when `kinds` has no such kind
    /// (its schemas are not the ones the code was generated from).
    pub fn on<'e>(self, kinds: &Kinds<'e>) -> Result<KindOf<'e, K>, Ouch> {
        Ok(KindOf {
            kind: kinds.kind(K::KIND)?,
            marker: PhantomData,
        })
    }

    /// The kind on the installed kinds; 500 when none are installed.
    pub fn kind(self) -> Result<KindOf<'static, K>, Ouch> {
        self.on(installed().ok_or_else(not_installed)?)
    }

    fn executor(self) -> Executor<'static> {
        match installed() {
            Some(kinds) => kinds.executor,
            None => panic!("{}", not_installed().message),
        }
    }

    /// `SELECT` whole rows of the kind's table, on the installed kinds' pool:
    /// `Users.select().where_(eq(Users.email, "joe@example.com")).first().await?`.
    ///
    /// # Panics
    ///
    /// When no kinds are installed ([`install`]), as a builder cannot return the error.
    pub fn select(self) -> SelectQuery<'static, K::Table, All> {
        select_on(self.executor(), *K::table())
    }

    /// `INSERT INTO` the kind's table, on the installed kinds' pool.
    ///
    /// # Panics
    ///
    /// When no kinds are installed.
    pub fn insert(self) -> InsertStart<'static, K::Table> {
        insert_on(self.executor(), *K::table())
    }

    /// `UPDATE` the kind's table, on the installed kinds' pool.
    ///
    /// # Panics
    ///
    /// When no kinds are installed.
    pub fn update(self) -> UpdateQuery<'static, K::Table> {
        update_on(self.executor(), *K::table())
    }

    /// `DELETE FROM` the kind's table, on the installed kinds' pool.
    ///
    /// # Panics
    ///
    /// When no kinds are installed.
    pub fn delete(self) -> DeleteQuery<'static, K::Table> {
        delete_on(self.executor(), *K::table())
    }

    /// [`KindOf::mint`] on the installed kinds.
    pub fn mint(self, props: K::Props) -> Result<K::Record<'static>, Ouch> {
        Ok(self.kind()?.mint(props))
    }

    /// [`KindOf::create`] on the installed kinds.
    pub async fn create(self, props: K::Props) -> Result<K::Record<'static>, Ouch> {
        self.kind()?.create(props).await
    }

    /// [`KindOf::find`] on the installed kinds.
    pub async fn find(self, id: impl Into<RecordId>) -> Option<K::Record<'static>> {
        self.kind().ok()?.find(id).await
    }

    /// [`KindOf::find_or_die`] on the installed kinds.
    pub async fn find_or_die(self, id: impl Into<RecordId>) -> Result<K::Record<'static>, Ouch> {
        self.kind()?.find_or_die(id).await
    }

    /// [`KindOf::find_one`] on the installed kinds.
    pub async fn find_one(
        self,
        where_: impl IntoWhere,
    ) -> Result<Option<K::Record<'static>>, Ouch> {
        self.kind()?.find_one(where_).await
    }

    /// [`KindOf::find_many`] on the installed kinds.
    pub async fn find_many(
        self,
        where_: impl IntoWhere,
        options: &FindOptions,
    ) -> Result<Vec<K::Record<'static>>, Ouch> {
        self.kind()?.find_many(where_, options).await
    }

    /// [`Kind::find_with_role`] on the installed kinds (`Users.find_with_role("admin")`).
    pub async fn find_with_role(self, role: &str) -> Result<Vec<K::Record<'static>>, Ouch> {
        self.kind()?.find_with_role(role).await
    }

    /// [`Kind::count`] on the installed kinds.
    pub async fn count(self, where_: impl IntoWhere) -> Result<i64, Ouch> {
        self.kind()?.count(where_).await
    }

    /// [`Kind::describe_list`] on the installed kinds.
    pub async fn describe_list(
        self,
        params: &ListParams<'_>,
        where_: impl IntoWhere,
    ) -> Result<Value, Ouch> {
        self.kind()?.describe_list(params, where_).await
    }
}

fn select_on<T: Table>(executor: Executor<'_>, table: T) -> SelectQuery<'_, T, All> {
    match executor {
        Executor::Pool(db) => db.select().from(table),
        Executor::Transaction(tx) => tx.select().from(table),
    }
}

fn insert_on<T: Table>(executor: Executor<'_>, table: T) -> InsertStart<'_, T> {
    match executor {
        Executor::Pool(db) => db.insert(table),
        Executor::Transaction(tx) => tx.insert(table),
    }
}

fn update_on<T: Table>(executor: Executor<'_>, table: T) -> UpdateQuery<'_, T> {
    match executor {
        Executor::Pool(db) => db.update(table),
        Executor::Transaction(tx) => tx.update(table),
    }
}

fn delete_on<T: Table>(executor: Executor<'_>, table: T) -> DeleteQuery<'_, T> {
    match executor {
        Executor::Pool(db) => db.delete(table),
        Executor::Transaction(tx) => tx.delete(table),
    }
}

/// A kind on an executor with typed records: derefs to [`Kind`] for everything that
/// does not return records (`count`, `sum`, `describe_list` …).
pub struct KindOf<'e, K> {
    kind: Kind<'e>,
    marker: PhantomData<K>,
}

impl<K> Clone for KindOf<'_, K> {
    fn clone(&self) -> Self {
        KindOf {
            kind: self.kind.clone(),
            marker: PhantomData,
        }
    }
}

impl<K: KindDef> std::fmt::Debug for KindOf<'_, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KindOf({})", K::KIND)
    }
}

impl<'e, K> std::ops::Deref for KindOf<'e, K> {
    type Target = Kind<'e>;
    fn deref(&self) -> &Kind<'e> {
        &self.kind
    }
}

impl<'e, K: KindDef> KindOf<'e, K> {
    /// The untyped kind.
    pub fn untyped(&self) -> &Kind<'e> {
        &self.kind
    }

    /// A record in memory with the schema's defaults and `props`; nothing is saved.
    pub fn mint(&self, props: K::Props) -> K::Record<'e> {
        self.kind.mint(props.into_props()).into()
    }

    /// `mint` then `insert`.
    pub async fn create(&self, props: K::Props) -> Result<K::Record<'e>, Ouch> {
        Ok(self.kind.create(props.into_props()).await?.into())
    }

    /// [`Kind::create_and_verify`], typed.
    pub async fn create_and_verify(
        &self,
        params: &Map<String, Value>,
        user: Option<&dyn CurrentUser>,
    ) -> Result<K::Record<'e>, Ouch> {
        Ok(self.kind.create_and_verify(params, user).await?.into())
    }

    /// [`Kind::find`], typed.
    pub async fn find(&self, id: impl Into<RecordId>) -> Option<K::Record<'e>> {
        self.kind.find(id).await.map(Into::into)
    }

    /// [`Kind::find_or_die`], typed.
    pub async fn find_or_die(&self, id: impl Into<RecordId>) -> Result<K::Record<'e>, Ouch> {
        Ok(self.kind.find_or_die(id).await?.into())
    }

    /// [`Kind::find_one`], typed.
    pub async fn find_one(&self, where_: impl IntoWhere) -> Result<Option<K::Record<'e>>, Ouch> {
        Ok(self.kind.find_one(where_).await?.map(Into::into))
    }

    /// [`Kind::find_many`], typed.
    pub async fn find_many(
        &self,
        where_: impl IntoWhere,
        options: &FindOptions,
    ) -> Result<Vec<K::Record<'e>>, Ouch> {
        Ok(self
            .kind
            .find_many(where_, options)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// [`Kind::find_with_role`], typed.
    pub async fn find_with_role(&self, role: &str) -> Result<Vec<K::Record<'e>>, Ouch> {
        let found = self.kind.find_with_role(role).await?;
        Ok(found.into_iter().map(Into::into).collect())
    }

    /// [`Kind::find_all`], typed: a stream in constant memory.
    pub fn find_all(
        &self,
        where_: impl IntoWhere,
        options: &FindOptions,
    ) -> impl Stream<Item = Result<K::Record<'e>, Ouch>> + 'e {
        self.kind
            .find_all(where_, options)
            .map(|record| record.map(Into::into))
    }

    /// `SELECT` whole rows of the kind's table on this kind's executor, narrowed to the
    /// kind's prop defaults: a user's `apikeys.select()` reads that user's keys, and a
    /// `where_` narrows further (unlike ving, where raw builders ignore the scope).
    pub fn select(&self) -> SelectQuery<'e, K::Table, All> {
        select_on(self.kind.executor(), *K::table()).scoped(self.kind.scope())
    }

    /// `INSERT INTO` the kind's table on this kind's executor: rows are written as given
    /// (`mint` and `create` are what apply the prop defaults).
    pub fn insert(&self) -> InsertStart<'e, K::Table> {
        insert_on(self.kind.executor(), *K::table())
    }

    /// `UPDATE` the kind's table on this kind's executor, narrowed to the kind's prop
    /// defaults (a user's `apikeys.update()` changes only that user's keys).
    pub fn update(&self) -> UpdateQuery<'e, K::Table> {
        update_on(self.kind.executor(), *K::table()).scoped(self.kind.scope())
    }

    /// `DELETE FROM` the kind's table on this kind's executor, narrowed to the kind's
    /// prop defaults (a user's `apikeys.delete()` deletes only that user's keys).
    pub fn delete(&self) -> DeleteQuery<'e, K::Table> {
        delete_on(self.kind.executor(), *K::table()).scoped(self.kind.scope())
    }
}

impl<'e> Record<'e> {
    /// [`Record::children`], typed: `user.children_of::<APIKeyKind>("apikeys")` finds the
    /// user's keys as `APIKey` records. 404 for an unknown child relation, 400 when the
    /// relation's kind is not `K`'s.
    pub fn children_of<K: KindDef>(&self, name: &str) -> Result<KindOf<'e, K>, Ouch> {
        let kind = self.children(name)?;
        if kind.name() != K::KIND {
            return Err(Ouch::new(
                400,
                format!("{name} holds {} records, not {}", kind.name(), K::KIND),
            ));
        }
        Ok(KindOf {
            kind,
            marker: PhantomData,
        })
    }
}

/// The conversions of a generated typed record (`pub struct User<'e>(pub Record<'e>)`) to
/// and from [`Record`](super::Record), and its `Deref`/`DerefMut` to it: one line of the
/// generated code instead of four impls per kind.
#[macro_export]
macro_rules! typed_record {
    ($kind:ident) => {
        impl<'e> ::core::convert::From<$crate::record::Record<'e>> for $kind<'e> {
            fn from(record: $crate::record::Record<'e>) -> Self {
                $kind(record)
            }
        }

        impl<'e> ::core::convert::From<$kind<'e>> for $crate::record::Record<'e> {
            fn from(record: $kind<'e>) -> Self {
                record.0
            }
        }

        impl<'e> ::core::ops::Deref for $kind<'e> {
            type Target = $crate::record::Record<'e>;
            fn deref(&self) -> &$crate::record::Record<'e> {
                &self.0
            }
        }

        impl<'e> ::core::ops::DerefMut for $kind<'e> {
            fn deref_mut(&mut self) -> &mut $crate::record::Record<'e> {
                &mut self.0
            }
        }
    };
}
