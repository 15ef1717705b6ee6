//! The record layer's types, below the code that gives them behaviour: the kinds of an app
//! ([`Kinds`], sharing a catalog of schemas, tables and hooks), a [`Kind`], a
//! [`Record`] of it, and the [`RecordHooks`] an app's record code installs. A kind finds
//! records and a record knows its kind, so the types are defined together here; their
//! methods live in `kind/` (finding, listing) and `record.rs` (reading, writing, saving),
//! which use this module and not each other, and above them in `describe/` (ving's JSON)
//! and `posted.rs` (posted bodies).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use crate::drizzle::Executor;
use crate::id::IdCodec;
use crate::schema::Schema;
use crate::table::ColumnType;

use super::links::Links;
use super::meta::Meta;
use super::props::Props;
use super::viewer::Describe;
use super::{CurrentUser, Ouch};

/// A default computed when a record is minted (`default = { fn = "privateKey" }`).
pub type DefaultFn = Arc<dyn Fn() -> Value + Send + Sync>;

/// A hook's future: boxed, so hooks stay object safe.
pub type HookFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, Ouch>> + Send + 'a>>;

/// What an app's record code overrides for a kind (ving's record subclasses, as its User
/// record overrides `describeLinks`, `describe`, `setPostedProps` and `delete`). Each
/// hook's default is ving's base behaviour; an override calls the `base_…` method of
/// [`Record`] where ving calls `super`.
pub trait RecordHooks: Send + Sync {
    /// Adds links after `base` and `self` (User: `profile`, `avatarImage` …), for the
    /// describe `params` (S3File shows its `file` link to its owner only).
    fn describe_links<'a>(
        &'a self,
        record: &'a Record<'_>,
        id_string: &'a str,
        params: &'a Describe<'_>,
        links: &'a mut Links,
    ) -> HookFuture<'a, ()> {
        let _ = (record, id_string, params, links);
        Box::pin(async { Ok(()) })
    }

    /// Adds to `meta` (User: `displayName`); `kind` and `isOwner` (and `deleted`,
    /// `realId` where they apply) are there already.
    fn describe_meta(&self, record: &Record<'_>, meta: &mut Meta) {
        let _ = (record, meta);
    }

    /// Sets posted props (User: the password, and `verifiedEmail` cleared on a new
    /// email); the default is [`Record::base_set_posted_props`].
    fn set_posted_props<'a, 'e>(
        &'a self,
        record: &'a mut Record<'e>,
        params: &'a Map<String, Value>,
        user: Option<&'a dyn CurrentUser>,
    ) -> HookFuture<'a, ()>
    where
        'e: 'a,
    {
        Box::pin(record.base_set_posted_props(params, user))
    }

    /// Describes the record in place of ving's base describe, when an app adds or
    /// removes fields of ving's JSON (its override calls [`Record::base_describe`] and
    /// changes the value). The default, `None`, keeps ving's base describe, which
    /// [`Record::describe_to`] writes straight to its output.
    fn describe<'a>(
        &'a self,
        record: &'a Record<'_>,
        params: &'a Describe<'_>,
    ) -> Option<HookFuture<'a, Value>> {
        let _ = (record, params);
        None
    }

    /// Inserts the record (an app fills in or checks props first); the default is
    /// [`Record::base_insert`].
    fn insert<'a, 'e>(&'a self, record: &'a mut Record<'e>) -> HookFuture<'a, ()>
    where
        'e: 'a,
    {
        Box::pin(record.base_insert())
    }

    /// Writes the dirty props (an app derives props from others first); the default is
    /// [`Record::base_update`].
    fn update<'a, 'e>(&'a self, record: &'a mut Record<'e>) -> HookFuture<'a, ()>
    where
        'e: 'a,
    {
        Box::pin(record.base_update())
    }

    /// Deletes the record (User: its API keys and files first); the default is
    /// [`Record::base_delete`].
    fn delete<'a, 'e>(&'a self, record: &'a mut Record<'e>) -> HookFuture<'a, ()>
    where
        'e: 'a,
    {
        Box::pin(record.base_delete())
    }
}

/// One column a kind reads and writes.
#[derive(Debug, Clone)]
pub(crate) struct ColumnInfo {
    pub(crate) name: &'static str,
    pub(crate) column_type: ColumnType,
    pub(crate) not_null: bool,
}

/// A kind's schema and table, as the record layer uses them.
pub(crate) struct KindInfo {
    pub(crate) schema: Schema,
    pub(crate) table: &'static str,
    pub(crate) columns: Vec<ColumnInfo>,
    /// The column names, shared by the props of every record of the kind.
    pub(crate) names: Arc<[&'static str]>,
    /// Per prop (in schema order), its enum or boolean options as `describe` lists them
    /// (`[{value, label}, …]`), made once for every record of the kind.
    pub(crate) enum_options: Vec<Option<Value>>,
    /// The same lists as JSON text, written as they are by [`Record::describe_to`].
    pub(crate) enum_options_text: Vec<Option<Box<serde_json::value::RawValue>>>,
    /// Per prop (in schema order), its place among the column names.
    pub(crate) slots: Vec<Option<usize>>,
    /// Per prop (in schema order), the name of its relation's link (the relation's name
    /// in lower case), made once.
    pub(crate) relation_links: Vec<Option<&'static str>>,
    /// Per prop (in schema order), `,"name":` as a describe's JSON text writes it before
    /// the prop's value.
    pub(crate) prop_keys: Vec<Box<[u8]>>,
    /// Per prop (in schema order), who may see it.
    pub(crate) viewers: Vec<super::viewer::Viewers>,
    /// The most links a describe of the kind has had: what the next one makes room for
    /// (a User's hooks add a dozen to `base`, `self` and its relations).
    pub(crate) links_seen: std::sync::atomic::AtomicUsize,
    /// Which of ving's own kinds it is (`User`'s describes have `meta.displayName` and
    /// ving's User links …), by its name.
    pub(crate) ving: super::ving_settings::VingKind,
}

impl KindInfo {
    pub(crate) fn column(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Everything the kinds of an app share: schemas, tables, the id codec, the app's default
/// functions, option lists and hooks.
#[derive(Clone)]
pub(crate) struct Catalog {
    pub(crate) kinds: Arc<Vec<KindInfo>>,
    pub(crate) codec: IdCodec,
    pub(crate) defaults: HashMap<String, DefaultFn>,
    pub(crate) options: HashMap<String, Vec<Value>>,
    /// Per kind (in schema order), the hooks the app registered for it.
    pub(crate) hooks: Vec<Option<Arc<dyn RecordHooks>>>,
    pub(crate) rest_version: String,
    /// Per kind (in schema order), the `base` link of its describes
    /// (`/api/v1/users`), made once a version.
    pub(crate) base_hrefs: Vec<&'static str>,
    /// The options parts of describes as JSON text, made once for each kind and set of
    /// props seen.
    pub(crate) option_texts: OptionTexts,
    /// What ving's own kinds read of the app's configuration (S3File's buckets).
    pub(crate) settings: super::ving_settings::VingSettings,
    /// Per kind (in schema order), the plan its describes' links are written from, for
    /// kinds without hooks.
    pub(crate) link_plans: Vec<Option<Arc<super::link_plan::LinksPlan>>>,
}

/// The options part of a kind's describes (`{"prop":[…],…}`) as JSON text, made once for
/// each set of props a viewer sees (a describe's options depend on nothing else): most
/// describes of a kind are by viewers who see the same props. Kinds of more than 64 props,
/// and sets beyond the first [`OptionTexts::MOST`], are written each time instead.
#[derive(Default)]
pub(crate) struct OptionTexts(std::sync::RwLock<Vec<OptionText>>);

/// A kind (its index), the props seen (a bit each), and the text of their options.
type OptionText = (usize, u64, Box<[u8]>);

impl OptionTexts {
    /// The most texts kept.
    const MOST: usize = 64;

    /// Writes the text of kind `kind`'s options for the props of `seen` (a bit a prop, in
    /// schema order) to `out`, made by `make` the first time.
    pub(crate) fn write(
        &self,
        out: &mut Vec<u8>,
        (kind, seen): (usize, u64),
        make: impl FnOnce(&mut Vec<u8>) -> Result<(), super::Ouch>,
    ) -> Result<(), super::Ouch> {
        let kept =
            |texts: &[OptionText]| (texts.iter()).position(|(k, s, _)| *k == kind && *s == seen);
        {
            // A poisoned lock only means a writer panicked: the texts kept are whole.
            let texts = self.0.read().unwrap_or_else(|e| e.into_inner());
            if let Some(at) = kept(&texts) {
                out.extend_from_slice(&texts[at].2);
                return Ok(());
            }
        }
        let mut text = Vec::new();
        make(&mut text)?;
        out.extend_from_slice(&text);
        let mut texts = self.0.write().unwrap_or_else(|e| e.into_inner());
        if texts.len() < Self::MOST && kept(&texts).is_none() {
            texts.push((kind, seen, text.into_boxed_slice()));
        }
        Ok(())
    }

    /// Forgets the texts (the option lists they were made from changed).
    pub(crate) fn clear(&mut self) {
        self.0.get_mut().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// A catalog's copy starts without texts: they are made again from its own lists.
impl Clone for OptionTexts {
    fn clone(&self) -> OptionTexts {
        OptionTexts::default()
    }
}

/// The kinds of an app on one executor (a pool or a transaction).
#[derive(Clone)]
pub struct Kinds<'e> {
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) executor: Executor<'e>,
}

impl std::fmt::Debug for Kinds<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self
            .catalog
            .kinds
            .iter()
            .map(|k| k.schema.kind.as_str())
            .collect();
        f.debug_struct("Kinds").field("kinds", &names).finish()
    }
}

/// A kind: its schema, its table, and the prop defaults that scope it (a record's
/// children).
#[derive(Clone)]
pub struct Kind<'e> {
    pub(crate) kinds: Kinds<'e>,
    pub(crate) index: usize,
    /// Shared by every record the kind reads (cloned per record: one count).
    pub(crate) prop_defaults: Arc<[(String, Value)]>,
}

impl std::fmt::Debug for Kind<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kind")
            .field("kind", &self.name())
            .field("prop_defaults", &self.prop_defaults)
            .finish()
    }
}

/// The parents a record has read, by relation name.
pub(super) type ParentCache<'e> = HashMap<String, Arc<Record<'e>>>;

/// A record of a kind.
pub struct Record<'e> {
    /// Shared by the records read together.
    pub(crate) kind: Arc<Kind<'e>>,
    pub(crate) props: Props,
    pub(super) inserted: bool,
    /// What a record read from a row does not have yet (boxed: a record stays small).
    pub(super) changes: Option<Box<Changes>>,
    pub(super) parents: Mutex<Option<Box<ParentCache<'e>>>>,
}

/// The props set since the last read or write, the warnings added and whether the
/// record was deleted.
#[derive(Clone, Debug, Default)]
pub(super) struct Changes {
    pub(super) dirty: Vec<String>,
    pub(super) warnings: Vec<Value>,
    pub(super) deleted: bool,
}

impl Clone for Record<'_> {
    fn clone(&self) -> Self {
        Record {
            kind: self.kind.clone(),
            props: self.props.clone(),
            inserted: self.inserted,
            changes: self.changes.clone(),
            parents: Mutex::new(self.parent_cache().clone()),
        }
    }
}

impl std::fmt::Debug for Record<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record")
            .field("kind", &self.kind.name())
            .field("props", &self.props)
            .field("dirty", &self.dirty())
            .field("inserted", &self.inserted)
            .finish()
    }
}
