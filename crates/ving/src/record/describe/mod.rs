//! `describe`: a record as ving's JSON — the props the viewer may see (ids as id strings),
//! and on request links, options, meta, related parents, extra and warnings.

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use crate::schema::{PropType, RelationType};

mod list;
mod text;

use super::link_plan::LinksPlan;
use super::links::{href, link, spare_href, Links};
use super::meta::Meta;
use super::model::Record;
use super::props::{Cell, Held};
use super::viewer::Describe;
use super::ving_kinds::{add_links, made_hrefs, VingKind};
use super::Ouch;

impl<'e> Record<'e> {
    /// ving's base links, `base` and `self`, then those of ving's own kinds (a User's
    /// `profile` …), then the kind's own (its `describe_links` hook).
    pub async fn describe_links(
        &self,
        id_string: &str,
        params: &Describe<'_>,
    ) -> Result<Links, Ouch> {
        use std::sync::atomic::Ordering;
        let catalog = &self.kind.kinds.catalog;
        let base: &'static str = catalog.base_hrefs[self.kind.index];
        // Room for as many links as the kind's describes have had (no growing on the way).
        let seen = &self.kind.info().links_seen;
        let mut links = Links::with_capacity(seen.load(Ordering::Relaxed).max(2));
        let self_href = href(&[base, "/", id_string]);
        links.insert("base", link(base, &["GET", "POST"], "rest"));
        links.insert("self", link(self_href, &["GET", "PUT", "DELETE"], "rest"));
        let ving = self.kind.info().ving;
        if ving != VingKind::Other {
            add_links(ving, self, (base, id_string), params, &mut links).await?;
        }
        if let Some(hooks) = self.registered_hooks() {
            hooks
                .describe_links(self, id_string, params, &mut links)
                .await?;
        }
        Ok(links)
    }

    /// The options of the props the viewer sees (all owner-level ones with `all`): enum
    /// and boolean values with labels, registered `options` lists, and the accepted file
    /// extensions of parent relations (under the relation's name).
    pub async fn prop_options(
        &self,
        params: &Describe<'_>,
        all: bool,
    ) -> Result<Map<String, Value>, Ouch> {
        let is_owner = all || self.is_owner(params.current_user).await?;
        let seen = (self.kind.info().viewers.iter()).map(|viewers| viewers.see(params, is_owner));
        Ok(options_map(self, seen))
    }

    /// The record as ving describes it, through the kind's `describe` hook when the app
    /// has one, else [`Record::base_describe`].
    pub async fn describe(&self, params: &Describe<'_>) -> Result<Value, Ouch> {
        let hooks = self.registered_hooks();
        if let Some(described) = hooks.and_then(|hooks| hooks.describe(self, params)) {
            return described.await;
        }
        self.base_describe(params).await
    }

    /// The record as [`Record::describe`] gives it, written to `out` as JSON (the same
    /// bytes as serializing its value) without a JSON value in between, unless the
    /// kind's `describe` hook makes one.
    pub async fn describe_to(&self, params: &Describe<'_>, out: &mut Vec<u8>) -> Result<(), Ouch> {
        let hooks = self.registered_hooks();
        if let Some(described) = hooks.and_then(|hooks| hooks.describe(self, params)) {
            return write_json(out, &described.await?);
        }
        let described = self.described(params, true).await?;
        let written = described.write_text(out);
        described.recycle();
        written
    }

    /// ving's base `describe` (§2.13 of the record spec), with ving-rs's differences: a
    /// null id is `null`, and a related parent that is not set is `null`.
    pub async fn base_describe(&self, params: &Describe<'_>) -> Result<Value, Ouch> {
        Ok(self.described(params, false).await?.into_value())
    }

    /// Reads what a describe needs that takes a database or a hook (whether the viewer
    /// owns the record, the ids as id strings, links, meta, related parents); the rest
    /// is written from the record's cells as it is serialized. For a describe written as
    /// `text`, the links of a kind with a [`LinksPlan`] are written from it (only the
    /// hrefs made from the record are made here).
    async fn described<'r, 'u>(
        &'r self,
        params: &'r Describe<'u>,
        text: bool,
    ) -> Result<Described<'r, 'e, 'u>, Ouch> {
        let is_owner = self.is_owner(params.current_user).await?;
        let kind_name = self.kind.name();
        let codec = self.kind.kinds.catalog.codec;
        let info = self.kind.info();
        // An id prop as its id string, read from its cell when it holds an integer (most
        // do) or nothing, else from its value. A null id is null (ving: the id string of
        // 0); an id too big for an id string is an error (ving wraps it).
        let id_of = |kind: &str, at: Option<usize>, name: &str| -> Result<Value, Ouch> {
            let slot = at.and_then(|at| info.slots.get(at).copied().flatten());
            let id = match self.props.held_at(&info.names, slot, name) {
                Some(Held::Cell(Cell::Int(id))) => *id,
                None | Some(Held::Cell(Cell::Null)) => return Ok(Value::Null),
                _ => match self.props.value(name) {
                    Some(Value::Number(n)) => n
                        .as_i64()
                        .ok_or_else(|| Ouch::new(500, format!("{n} is not an id of {kind}")))?,
                    Some(Value::String(s)) => return Ok(Value::from(s)),
                    _ => return Ok(Value::Null),
                },
            };
            Ok(Value::from(codec.stringify(kind, id)?))
        };
        let id_at = info.schema.props.iter().position(|prop| prop.name == "id");
        let id = id_of(kind_name, id_at, "id")?;
        let id_string = id.as_str().unwrap_or("null");
        let plan = (params.links && text)
            .then(|| self.kind.kinds.catalog.link_plans[self.kind.index].as_deref())
            .flatten();
        let mut links = match params.links && plan.is_none() {
            true => Some(self.describe_links(id_string, params).await?),
            false => None,
        };
        let made = match plan {
            Some(_) => made_hrefs(info.ving, self, id_string, is_owner).await?,
            None => Default::default(),
        };
        let mut meta = params.meta.then(|| {
            // The room of the last describe's meta on this thread, when there is one.
            let mut meta = (SPARE.with(|spare| spare.meta.take())).unwrap_or_default();
            meta.insert("kind", kind_name);
            meta.insert("isOwner", is_owner);
            if self.is_deleted() {
                meta.insert("deleted", true);
            }
            meta
        });
        let mut related = (!params.related.is_empty()).then(Map::new);
        let schema = &info.schema;
        let mut shown = SPARE.with(|spare| spare.shown.take());
        shown.reserve(schema.props.len());
        for (i, prop) in schema.props.iter().enumerate() {
            if let Some(meta) = meta.as_mut().filter(|_| prop.allow_real_public_id) {
                if meta.get("realId").is_none() {
                    meta.insert("realId", json!({}));
                }
                if let Some(real) = meta.get_mut("realId").and_then(Value::as_object_mut) {
                    real.insert(
                        prop.name.clone(),
                        self.props.value(&prop.name).unwrap_or(Value::Null),
                    );
                }
            }
            if !info.viewers[i].see(params, is_owner) {
                shown.push(Shown::Hidden);
                continue;
            }
            if prop.name == "id" {
                shown.push(Shown::First);
                continue;
            }
            if prop.prop_type == PropType::Id {
                let kind = prop
                    .relation
                    .as_ref()
                    .map_or(kind_name, |r| r.kind.as_str());
                shown.push(Shown::Id(id_of(kind, Some(i), &prop.name)?));
            } else {
                shown.push(Shown::Held);
            }
            let Some(relation) = &prop.relation else {
                continue;
            };
            if let Some(links) = links.as_mut() {
                let lower: std::borrow::Cow<'static, str> =
                    match info.relation_links.get(i).copied().flatten() {
                        Some(lower) => lower.into(),
                        None => relation.name.to_lowercase().into(),
                    };
                let methods: &'static [&'static str] =
                    if relation.relation_type == RelationType::Child {
                        &["GET", "DELETE"]
                    } else {
                        &["GET"]
                    };
                let to = href(&[links.href("self"), "/", &lower]);
                links.insert(lower, link(to, methods, "rest"));
            }
            if relation.relation_type == RelationType::Parent
                && params.related.contains(&relation.name)
            {
                if let Some(related) = related.as_mut() {
                    let value = if self.props.value(&prop.name).is_some_and(|v| v.is_number()) {
                        let parent = self.parent(&relation.name).await?;
                        Box::pin(parent.describe(params)).await?
                    } else {
                        Value::Null
                    };
                    related.insert(relation.name.clone(), value);
                }
            }
        }
        if let Some(meta) = meta.as_mut() {
            // ving's User adds its display name (an app's hook may change it).
            if info.ving == VingKind::User {
                meta.insert("displayName", self.display_name());
            }
            if let Some(hooks) = self.registered_hooks() {
                hooks.describe_meta(self, meta);
            }
        }
        if let Some(links) = &links {
            // Written only when it grows: describes on many threads share the count.
            use std::sync::atomic::Ordering::Relaxed;
            let seen = &info.links_seen;
            if links.len() > seen.load(Relaxed) {
                seen.fetch_max(links.len(), Relaxed);
            }
        }
        Ok(Described {
            record: self,
            params,
            is_owner,
            id,
            shown,
            links,
            plan,
            made,
            meta,
            related,
        })
    }
}

/// How a prop shows in a describe.
enum Shown {
    /// Not to this viewer.
    Hidden,
    /// `id`, written first.
    First,
    /// An id, as its id string.
    Id(Value),
    /// As the record holds it (left out when it does not).
    Held,
}

/// A record described: what [`Record::described`] read, beside the record whose props
/// and options it writes as text ([`Described::write_text`]).
struct Described<'r, 'e, 'u> {
    record: &'r Record<'e>,
    params: &'r Describe<'u>,
    /// Whether the viewer owns the record.
    is_owner: bool,
    id: Value,
    /// Per prop, how it shows.
    shown: Vec<Shown>,
    links: Option<Links>,
    /// The plan of the links, when they are written from it rather than from `links`.
    plan: Option<&'r LinksPlan>,
    /// The hrefs made from the record that the plan's holes take ([`made_hrefs`]).
    made: [String; 2],
    meta: Option<Meta>,
    related: Option<Map<String, Value>>,
}

/// The most room a spare list of [`Shown`] may have, and the most entries a spare meta
/// may have had, to be kept ([`SPARE`]).
const SPARE_MOST: usize = 128;

/// The room a describe written as text left for the next one on its thread: its list of
/// how each prop shows and its meta, emptied (describes come one after the other, and
/// each would allocate and free both).
struct Spare {
    shown: std::cell::Cell<Vec<Shown>>,
    meta: std::cell::Cell<Option<Meta>>,
}

thread_local! {
    static SPARE: Spare = const {
        Spare {
            shown: std::cell::Cell::new(Vec::new()),
            meta: std::cell::Cell::new(None),
        }
    };
}

impl Described<'_, '_, '_> {
    /// Leaves the room of the list of how props show and of meta to the next describe
    /// on this thread ([`SPARE`]).
    fn recycle(self) {
        let Described {
            mut shown,
            meta,
            made,
            ..
        } = self;
        made.into_iter().for_each(spare_href);
        shown.clear();
        SPARE.with(|spare| {
            if shown.capacity() <= SPARE_MOST {
                spare.shown.set(shown);
            }
            if let Some(mut meta) = meta.filter(|meta| meta.len() <= SPARE_MOST) {
                meta.clear();
                spare.meta.set(Some(meta));
            }
        });
    }

    /// Per prop, whether the viewer sees it.
    fn seen(&self) -> impl Iterator<Item = bool> + '_ {
        self.shown
            .iter()
            .map(|shown| !matches!(shown, Shown::Hidden))
    }

    /// The describe as a JSON value, with the same parts in the same order as
    /// [`Described::write_text`] writes (built directly: serializing into a value, or
    /// reading the text back, costs more).
    fn into_value(self) -> Value {
        let record = self.record;
        let info = record.kind.info();
        let options = (self.params.options).then(|| options_map(record, self.seen()));
        let mut props = Map::with_capacity(self.shown.len() + 1);
        props.insert("id".into(), self.id);
        let slots = info.schema.props.iter().zip(&info.slots);
        for ((prop, slot), shown) in slots.zip(self.shown) {
            let value = match shown {
                Shown::Hidden | Shown::First => continue,
                Shown::Id(id) => id,
                Shown::Held => match record.props.held_at(&info.names, *slot, &prop.name) {
                    Some(Held::Cell(cell)) => cell.to_value().unwrap_or(Value::Null),
                    Some(Held::Value(value)) => value.clone(),
                    None => continue,
                },
            };
            props.insert(prop.name.clone(), value);
        }
        let mut out = Map::with_capacity(7);
        out.insert("props".into(), Value::Object(props));
        if let Some(links) = &self.links {
            out.insert("links".into(), Value::Object(links.to_map()));
        }
        if let Some(options) = options {
            out.insert("options".into(), Value::Object(options));
        }
        if let Some(meta) = self.meta {
            out.insert("meta".into(), Value::Object(meta.into_map()));
        }
        if let Some(related) = self.related {
            out.insert("related".into(), Value::Object(related));
        }
        if !self.params.extra.is_empty() {
            out.insert("extra".into(), Value::Object(Map::new()));
        }
        if !record.warnings().is_empty() {
            out.insert("warnings".into(), Value::Array(record.warnings().to_vec()));
        }
        Value::Object(out)
    }
}

/// One prop's options: an enum's or boolean's `[{value, label}, …]` (with its text, made
/// once a kind), a registered list, or a parent relation's accepted file extensions.
enum OptionList<'a> {
    Enum(&'a Value, Option<&'a RawValue>),
    Registered(&'a [Value]),
    Extensions(&'a [String]),
}

/// The options of the props `seen` (one answer a prop, in the schema's order) of
/// `record`'s kind, in the schema's order, under the names a describe gives them.
fn option_lists<'a>(
    record: &'a Record<'_>,
    seen: impl Iterator<Item = bool> + 'a,
) -> impl Iterator<Item = (&'a str, OptionList<'a>)> {
    let kind = &record.kind;
    let info = kind.info();
    let catalog = &kind.kinds.catalog;
    let props = info.schema.props.iter().zip(&info.enum_options);
    props
        .zip(&info.enum_options_text)
        .zip(seen)
        .filter(|(_, seen)| *seen)
        .filter_map(move |(((prop, list), text), _)| {
            if let Some(list) = list {
                return Some((prop.name.as_str(), OptionList::Enum(list, text.as_deref())));
            }
            if let Some(name) = &prop.options {
                let list = catalog.options.get(name).map_or(&[][..], Vec::as_slice);
                return Some((prop.name.as_str(), OptionList::Registered(list)));
            }
            let relation = prop.relation.as_ref().filter(|r| {
                r.relation_type == RelationType::Parent && !r.accepted_file_extensions.is_empty()
            })?;
            let extensions = OptionList::Extensions(&relation.accepted_file_extensions);
            Some((relation.name.as_str(), extensions))
        })
}

/// The options part of a describe as a JSON object (the enum lists cloned, which is
/// cheaper than making them again).
fn options_map(record: &Record<'_>, seen: impl Iterator<Item = bool>) -> Map<String, Value> {
    option_lists(record, seen)
        .map(|(name, list)| {
            let list = match list {
                OptionList::Enum(list, _) => list.clone(),
                OptionList::Registered(list) => Value::Array(list.to_vec()),
                OptionList::Extensions(extensions) => json!(extensions),
            };
            (name.to_owned(), list)
        })
        .collect()
}

/// `value` as a JSON value (which only a failing `Serialize` of an app's value refuses).
pub(super) fn to_value(value: &impl Serialize) -> Result<Value, Ouch> {
    serde_json::to_value(value).map_err(not_described)
}

/// `value` written to `out` as JSON.
pub(super) fn write_json(out: &mut Vec<u8>, value: &(impl Serialize + ?Sized)) -> Result<(), Ouch> {
    serde_json::to_writer(out, value).map_err(not_described)
}

/// Why a describe could not be written, logged; the caller is told only that it failed.
fn not_described(error: serde_json::Error) -> Ouch {
    tracing::error!(%error, "a record could not be written as JSON");
    Ouch::new(500, "The record could not be described.")
}
