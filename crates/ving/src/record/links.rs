//! The links of a describe (`{name: {href, methods, usage}}`), held as a list rather
//! than as JSON maps: a describe with links makes one string a link, and writes them
//! straight to its output.

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};
use serde_json::{Map, Value};

/// One link of a describe: `{href, methods, usage}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Where it points (a fixed path is borrowed, not copied).
    pub href: Cow<'static, str>,
    /// The HTTP methods it takes.
    pub methods: &'static [&'static str],
    /// What it is for (`rest`, `page`, `image`, `file` …).
    pub usage: Cow<'static, str>,
}

/// A link to `href` taking `methods`, for `usage`.
///
/// ```
/// let profile = ving::record::link("/users/1/profile", &["GET"], "page");
/// assert_eq!(profile.href, "/users/1/profile");
/// ```
pub fn link(
    href: impl Into<Cow<'static, str>>,
    methods: &'static [&'static str],
    usage: impl Into<Cow<'static, str>>,
) -> Link {
    Link {
        href: href.into(),
        methods,
        usage: usage.into(),
    }
}

impl Link {
    /// The link as ving's JSON.
    pub fn to_value(&self) -> Value {
        let mut link = Map::with_capacity(3);
        link.insert("href".into(), Value::from(self.href.as_ref()));
        link.insert(
            "methods".into(),
            Value::Array(self.methods.iter().map(|m| Value::from(*m)).collect()),
        );
        link.insert("usage".into(), Value::from(self.usage.as_ref()));
        Value::Object(link)
    }
}

impl Serialize for Link {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut link = serializer.serialize_struct("Link", 3)?;
        link.serialize_field("href", &self.href)?;
        link.serialize_field("methods", self.methods)?;
        link.serialize_field("usage", &self.usage)?;
        link.end()
    }
}

/// The links of a describe in their order (`base`, `self`, the kind's own, then one a
/// relation). A name inserted again keeps its place and takes the new link, as in a
/// JSON object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    entries: Vec<(Cow<'static, str>, Link)>,
}

impl Links {
    /// No links yet, with room for `capacity`.
    pub fn with_capacity(capacity: usize) -> Links {
        Links {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// Adds the link `name` (or replaces it, in its place).
    pub fn insert(&mut self, name: impl Into<Cow<'static, str>>, link: Link) {
        let name = name.into();
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some((_, old)) => *old = link,
            None => self.entries.push((name, link)),
        }
    }

    /// The link `name`.
    pub fn get(&self, name: &str) -> Option<&Link> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, link)| link)
    }

    /// The href of the link `name` (`""` when there is none).
    pub fn href(&self, name: &str) -> &str {
        self.get(name).map_or("", |link| link.href.as_ref())
    }

    /// Removes the link `name`, returning it.
    pub fn remove(&mut self, name: &str) -> Option<Link> {
        let at = self.entries.iter().position(|(n, _)| n == name)?;
        Some(self.entries.remove(at).1)
    }

    /// The links in order, with their names.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Link)> {
        self.entries
            .iter()
            .map(|(name, link)| (name.as_ref(), link))
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The links as ving's JSON object.
    pub fn to_map(&self) -> Map<String, Value> {
        self.iter()
            .map(|(name, link)| (name.to_owned(), link.to_value()))
            .collect()
    }
}

impl Serialize for Links {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (name, link) in &self.entries {
            map.serialize_entry(name.as_ref(), link)?;
        }
        map.end()
    }
}
