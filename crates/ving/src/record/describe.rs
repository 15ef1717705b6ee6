//! `describe`: a record as ving's JSON — the props the viewer may see (ids as id strings),
//! and on request links, options, meta, related parents, extra and warnings.

use serde_json::{json, Map, Value};

use crate::schema::{Prop, PropType, RelationType};

use super::record::Record;
use super::{CurrentUser, Ouch};

/// What `describe` includes and for whom (ving's describe params).
#[derive(Clone, Default)]
pub struct Describe<'u> {
    /// Who is looking (none: a visitor).
    pub current_user: Option<&'u dyn CurrentUser>,
    /// `include.links`.
    pub links: bool,
    /// `include.options`.
    pub options: bool,
    /// `include.meta`.
    pub meta: bool,
    /// `include.private`: every prop, whoever looks.
    pub private: bool,
    /// `include.related`: parent relations to describe too (with the same params).
    pub related: Vec<String>,
    /// `include.extra`: names a record type fills in.
    pub extra: Vec<String>,
}

impl std::fmt::Debug for Describe<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Describe")
            .field("current_user", &self.current_user.is_some())
            .field("links", &self.links)
            .field("options", &self.options)
            .field("meta", &self.meta)
            .field("private", &self.private)
            .field("related", &self.related)
            .field("extra", &self.extra)
            .finish()
    }
}

impl<'u> Describe<'u> {
    /// Props only, for a visitor.
    pub fn new() -> Describe<'u> {
        Describe::default()
    }

    /// Described for `user`.
    pub fn current_user(mut self, user: &'u dyn CurrentUser) -> Self {
        self.current_user = Some(user);
        self
    }

    /// With links.
    pub fn links(mut self) -> Self {
        self.links = true;
        self
    }

    /// With options.
    pub fn options(mut self) -> Self {
        self.options = true;
        self
    }

    /// With meta.
    pub fn meta(mut self) -> Self {
        self.meta = true;
        self
    }

    /// With private props.
    pub fn private(mut self) -> Self {
        self.private = true;
        self
    }

    /// With the parent relation `name` described too.
    pub fn related(mut self, name: &str) -> Self {
        self.related.push(name.to_owned());
        self
    }

    /// With the extra `name`.
    pub fn extra(mut self, name: &str) -> Self {
        self.extra.push(name.to_owned());
        self
    }
}

/// `{href, methods, usage}`.
pub fn link(href: &str, methods: &[&str], usage: &str) -> Value {
    let mut link = Map::with_capacity(3);
    link.insert("href".into(), Value::from(href));
    link.insert(
        "methods".into(),
        Value::Array(methods.iter().map(|m| Value::from(*m)).collect()),
    );
    link.insert("usage".into(), Value::from(usage));
    Value::Object(link)
}

/// Whether a viewer sees `prop` (`all`: owner-level props for everyone, as the REST
/// options endpoint asks).
pub(super) fn visible(prop: &Prop, params: &Describe<'_>, is_owner: bool) -> bool {
    let mut roles = prop.view.iter().chain(&prop.edit);
    roles.clone().any(|r| r == "public")
        || params.private
        || (is_owner && roles.clone().any(|r| r == "owner"))
        || params
            .current_user
            .is_some_and(|u| roles.any(|r| u.is_role(r)))
}

impl Record<'_> {
    /// ving's base links, `base` and `self`, then the kind's own (its `describe_links`
    /// hook).
    pub async fn describe_links(
        &self,
        id_string: &str,
        params: &Describe<'_>,
    ) -> Result<Map<String, Value>, Ouch> {
        let version = &self.kind.kinds.catalog.rest_version;
        let base = format!("/api/{version}/{}s", self.kind.name().to_lowercase());
        let mut links = Map::with_capacity(8);
        links.insert("base".into(), link(&base, &["GET", "POST"], "rest"));
        links.insert(
            "self".into(),
            link(
                &format!("{base}/{id_string}"),
                &["GET", "PUT", "DELETE"],
                "rest",
            ),
        );
        if let Some(hooks) = self.kind.kinds.catalog.hooks.get(self.kind.name()) {
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
        let mut options = Map::new();
        let info = self.kind.info();
        for (prop, enum_options) in info.schema.props.iter().zip(&info.enum_options) {
            if !visible(prop, params, is_owner) {
                continue;
            }
            if let Some(list) = enum_options {
                options.insert(prop.name.clone(), list.clone());
            } else if let Some(name) = &prop.options {
                let list = self
                    .kind
                    .kinds
                    .catalog
                    .options
                    .get(name)
                    .cloned()
                    .unwrap_or_default();
                options.insert(prop.name.clone(), Value::Array(list));
            } else if let Some(relation) = prop.relation.as_ref().filter(|r| {
                r.relation_type == RelationType::Parent && !r.accepted_file_extensions.is_empty()
            }) {
                options.insert(
                    relation.name.clone(),
                    json!(relation.accepted_file_extensions),
                );
            }
        }
        Ok(options)
    }

    /// The record as ving describes it, through the kind's `describe` hook when the app
    /// has one, else [`Record::base_describe`].
    pub async fn describe(&self, params: &Describe<'_>) -> Result<Value, Ouch> {
        match self.hooks() {
            Some(hooks) => hooks.describe(self, params).await,
            None => self.base_describe(params).await,
        }
    }

    /// ving's base `describe` (§2.13 of the record spec), with ving-rs's differences: a
    /// null id is `null`, and a related parent that is not set is `null`.
    pub async fn base_describe(&self, params: &Describe<'_>) -> Result<Value, Ouch> {
        let is_owner = self.is_owner(params.current_user).await?;
        let kind_name = self.kind.name().to_owned();
        let codec = self.kind.kinds.catalog.codec;
        // A null id is null (ving: the id string of 0); an id too big for an id string
        // is an error (ving wraps it).
        let stringify = |kind: &str, value: Option<Value>| -> Result<Value, Ouch> {
            Ok(match value {
                Some(Value::Number(n)) => {
                    let id = n
                        .as_i64()
                        .ok_or_else(|| Ouch::new(500, format!("{n} is not an id of {kind}")))?;
                    Value::from(codec.stringify(kind, id)?)
                }
                Some(Value::String(s)) => Value::from(s),
                _ => Value::Null,
            })
        };
        let id_string = stringify(&kind_name, self.props.value("id"))?;
        let mut props = Map::with_capacity(self.kind.schema().props.len());
        props.insert("id".into(), id_string.clone());
        let mut links = match params.links {
            true => Some(
                self.describe_links(id_string.as_str().unwrap_or("null"), params)
                    .await?,
            ),
            false => None,
        };
        let options = if params.options {
            Some(self.prop_options(params, false).await?)
        } else {
            None
        };
        let mut meta = params.meta.then(|| {
            let mut meta = Map::new();
            meta.insert("kind".into(), Value::from(kind_name.clone()));
            meta.insert("isOwner".into(), Value::from(is_owner));
            if self.is_deleted() {
                meta.insert("deleted".into(), Value::from(true));
            }
            meta
        });
        let self_href = links
            .as_ref()
            .and_then(|links| links.get("self"))
            .and_then(|l| l.get("href"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let mut related = (!params.related.is_empty()).then(Map::new);
        let extra = (!params.extra.is_empty()).then(Map::new);
        for prop in &self.kind.schema().props {
            if let Some(meta) = meta.as_mut().filter(|_| prop.allow_real_public_id) {
                let real = meta.entry("realId").or_insert_with(|| json!({}));
                if let Some(real) = real.as_object_mut() {
                    real.insert(
                        prop.name.clone(),
                        self.props.value(&prop.name).unwrap_or(Value::Null),
                    );
                }
            }
            if prop.name == "id" || !visible(prop, params, is_owner) {
                continue;
            }
            if prop.prop_type == PropType::Id {
                let kind = prop
                    .relation
                    .as_ref()
                    .map_or(kind_name.as_str(), |r| r.kind.as_str());
                props.insert(
                    prop.name.clone(),
                    stringify(kind, self.props.value(&prop.name))?,
                );
            } else if let Some(value) = self.props.value(&prop.name) {
                props.insert(prop.name.clone(), value);
            }
            let Some(relation) = &prop.relation else {
                continue;
            };
            if let Some(links) = links.as_mut() {
                let lower = relation.name.to_lowercase();
                let methods: &[&str] = if relation.relation_type == RelationType::Child {
                    &["GET", "DELETE"]
                } else {
                    &["GET"]
                };
                links.insert(
                    lower.clone(),
                    link(&format!("{self_href}/{lower}"), methods, "rest"),
                );
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
            if let Some(hooks) = self.kind.kinds.catalog.hooks.get(&kind_name) {
                hooks.describe_meta(self, meta);
            }
        }
        let mut out = Map::with_capacity(6);
        out.insert("props".into(), Value::Object(props));
        for (key, part) in [
            ("links", links),
            ("options", options),
            ("meta", meta),
            ("related", related),
            ("extra", extra),
        ] {
            if let Some(part) = part {
                out.insert(key.into(), Value::Object(part));
            }
        }
        if !self.warnings().is_empty() {
            out.insert("warnings".into(), Value::Array(self.warnings().to_vec()));
        }
        Ok(Value::Object(out))
    }
}
