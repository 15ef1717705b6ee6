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
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// Each link with its name and [`name_key`] of its name (names are compared by
    /// their keys first).
    entries: Vec<Entry>,
    /// A bit for each name's key (one of 64, by a hash of it): a name whose bit is clear
    /// is not among the links, so most names a describe adds (new ones) are added
    /// without looking at the others.
    names: u64,
}

/// A link with its name and the name's [`name_key`].
pub(crate) type Entry = (u64, Cow<'static, str>, Link);

/// The most entries a list may have for its room to be kept on its thread when it is
/// dropped ([`SPARE`]).
const SPARE_MOST: usize = 64;

thread_local! {
    /// The room of the last list of links dropped on this thread (empty), for the next
    /// one made there: a describe's list is a block of over a kilobyte (a User's
    /// seventeen links), which the allocator neither keeps nor hands out as cheaply as
    /// small ones, and describes come one after the other.
    static SPARE: std::cell::Cell<Vec<Entry>> = const { std::cell::Cell::new(Vec::new()) };
}

/// The most strings [`SPARE_TEXTS`] keeps, and the most room one may have to be kept.
const SPARE_TEXTS_MOST: (usize, usize) = (32, 512);

thread_local! {
    /// The (emptied) hrefs of links dropped on this thread, for [`href`] to fill again:
    /// a describe makes a dozen hrefs and drops them when it is written.
    static SPARE_TEXTS: std::cell::RefCell<Vec<String>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// `parts` joined (what `parts.concat()` gives), for an href: in a string that the hrefs
/// of a dropped [`Links`] left on this thread when there is one, so that describing one
/// record after another allocates no new hrefs.
///
/// ```
/// let me = "/api/v1/users/UservDKaLb1";
/// assert_eq!(ving::record::href(&[me, "/avatar"]), "/api/v1/users/UservDKaLb1/avatar");
/// ```
pub fn href(parts: &[&str]) -> String {
    let mut text = SPARE_TEXTS
        .with(|spare| spare.borrow_mut().pop())
        .unwrap_or_default();
    text.reserve(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        text.push_str(part);
    }
    text
}

/// A name's length and first seven bytes in one word: two names with different keys
/// differ, and two of seven bytes or fewer with equal keys are equal (most link names),
/// so a link is found among the others without comparing their text.
fn name_key(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let len = bytes.len();
    let word = |at: usize| {
        bytes[at..]
            .first_chunk::<4>()
            .map_or(0, |w| u32::from_le_bytes(*w))
    };
    let head = match bytes.first_chunk::<8>() {
        Some(first) => u64::from_le_bytes(*first) & 0x00ff_ffff_ffff_ffff,
        // Four to seven bytes: two overlapping words, the second moved to where it sits.
        None if len >= 4 => u64::from(word(0)) | (u64::from(word(len - 4)) << (8 * (len - 4))),
        None => (bytes.iter().rev()).fold(0, |key, &byte| (key << 8) | u64::from(byte)),
    };
    head | ((len.min(255) as u64) << 56)
}

/// The bit of [`Links::names`] for a name of key `key` (the top six bits of a
/// multiplicative hash).
fn name_bit(key: u64) -> u64 {
    1 << (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58)
}

/// Links are equal when they have the same names and links in the same order.
impl PartialEq for Links {
    fn eq(&self, other: &Links) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Links {}

impl Links {
    /// No links yet, with room for `capacity`.
    pub fn with_capacity(capacity: usize) -> Links {
        let mut entries = SPARE.with(std::cell::Cell::take);
        entries.reserve(capacity);
        Links { entries, names: 0 }
    }

    /// Adds the link `name` (or replaces it, in its place).
    #[inline]
    pub fn insert(&mut self, name: impl Into<Cow<'static, str>>, link: Link) {
        let name = name.into();
        let key = name_key(&name);
        match self.position(key, &name) {
            Some(at) => self.entries[at].2 = link,
            None => {
                self.names |= name_bit(key);
                self.entries.push((key, name, link));
            }
        }
    }

    /// Where the link `name`, of [`name_key`] `key`, is.
    #[inline]
    fn position(&self, key: u64, name: &str) -> Option<usize> {
        if self.names & name_bit(key) == 0 {
            return None;
        }
        let short = name.len() <= 7;
        (self.entries.iter()).position(|(k, n, _)| *k == key && (short || n == name))
    }

    /// The link `name`.
    pub fn get(&self, name: &str) -> Option<&Link> {
        let at = self.position(name_key(name), name)?;
        Some(&self.entries[at].2)
    }

    /// The href of the link `name` (`""` when there is none).
    pub fn href(&self, name: &str) -> &str {
        self.get(name).map_or("", |link| link.href.as_ref())
    }

    /// Removes the link `name`, returning it.
    pub fn remove(&mut self, name: &str) -> Option<Link> {
        let at = self.position(name_key(name), name)?;
        // The name's bit stays: it may be another's too (and a bit set for a name not
        // there only costs a look).
        Some(self.entries.remove(at).2)
    }

    /// The links in order, with their names.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Link)> {
        self.entries
            .iter()
            .map(|(_, name, link)| (name.as_ref(), link))
    }

    /// The links in order, with their names as given (borrowed or owned) and their keys.
    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
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

/// Leaves the room of an href no longer needed to the next [`href`] on this thread (up
/// to [`SPARE_TEXTS_MOST`]).
pub(crate) fn spare_href(mut text: String) {
    let (most, room) = SPARE_TEXTS_MOST;
    if text.capacity() == 0 || text.capacity() > room {
        return;
    }
    SPARE_TEXTS.with(|spare| {
        let mut spare = spare.borrow_mut();
        if spare.len() < most {
            text.clear();
            spare.push(text);
        }
    });
}

/// A dropped list leaves its room (not its links) to the next one made on its thread,
/// and its hrefs' to [`href`].
impl Drop for Links {
    fn drop(&mut self) {
        let (most, room) = SPARE_TEXTS_MOST;
        SPARE_TEXTS.with(|spare| {
            let mut spare = spare.borrow_mut();
            for (_, _, link) in self.entries.drain(..) {
                if let Cow::Owned(mut text) = link.href {
                    if spare.len() < most && text.capacity() <= room {
                        text.clear();
                        spare.push(text);
                    }
                }
            }
        });
        if (1..=SPARE_MOST).contains(&self.entries.capacity()) {
            let room = std::mem::take(&mut self.entries);
            SPARE.with(|spare| spare.set(room));
        }
    }
}

impl Serialize for Links {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (_, name, link) in &self.entries {
            map.serialize_entry(name.as_ref(), link)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What links must do, as a list of names and hrefs: a name inserted again keeps its
    /// place and takes the new href.
    fn model_insert(model: &mut Vec<(String, String)>, name: &str, href: &str) {
        match model.iter_mut().find(|(n, _)| n == name) {
            Some((_, old)) => *old = href.to_owned(),
            None => model.push((name.to_owned(), href.to_owned())),
        }
    }

    proptest! {
        // Names from a small alphabet, so that inserts meet the same name, names share
        // their first seven bytes, and bits of the name filter collide.
        #[test]
        fn links_keep_names_as_an_ordered_map_does(
            steps in proptest::collection::vec(("(ab){0,5}c?|[a-c]{1,9}|profileImage|profileImages", 0..4u8, any::<bool>()), 0..60)
        ) {
            let mut links = Links::with_capacity(2);
            let mut model: Vec<(String, String)> = Vec::new();
            for (i, (name, step, remove)) in steps.iter().enumerate() {
                let href = format!("/{i}");
                if *remove && *step == 0 {
                    let at = model.iter().position(|(n, _)| n == name);
                    let removed = links.remove(name);
                    prop_assert_eq!(removed.map(|l| l.href.into_owned()), at.map(|at| model.remove(at).1));
                } else {
                    links.insert(name.clone(), link(href.clone(), &["GET"], "page"));
                    model_insert(&mut model, name, &href);
                }
                for (n, h) in &model {
                    prop_assert_eq!(links.href(n), h.as_str());
                }
                prop_assert_eq!(links.get("not a name of the alphabet"), None);
            }
            let names: Vec<(String, String)> =
                links.iter().map(|(n, l)| (n.to_owned(), l.href.to_string())).collect();
            prop_assert_eq!(names, model);
        }
    }

    #[test]
    fn a_name_key_is_the_length_and_first_seven_bytes() {
        let text = "abcdefghijklmnopqrst";
        for len in 0..=text.len() {
            let name = &text[..len];
            let mut key = [0u8; 8];
            key[..len.min(7)].copy_from_slice(&name.as_bytes()[..len.min(7)]);
            key[7] = len as u8;
            assert_eq!(name_key(name), u64::from_le_bytes(key), "{name:?}");
        }
    }

    #[test]
    fn hrefs_are_made_in_the_room_of_dropped_ones() {
        let mut links = Links::with_capacity(2);
        let long = href(&["/api/v1/users/", "UservDKaLb1", "/import-avatar"]);
        assert_eq!(long, "/api/v1/users/UservDKaLb1/import-avatar");
        let room = long.as_ptr();
        links.insert("importAvatar", link(long, &["PUT"], "rest"));
        links.insert("logout", link("/users/logout", &["GET"], "page"));
        drop(links);
        // The room of the dropped href, emptied: nothing of its text is left.
        let again = href(&["/x", "", "/y"]);
        assert_eq!(again, "/x/y");
        assert_eq!(again.as_ptr(), room);
        assert_eq!(href(&[]), "");
    }

    #[test]
    fn links_are_equal_by_their_entries() {
        let mut one = Links::with_capacity(1);
        one.insert("gone", link("/x", &["GET"], "page"));
        one.insert("kept", link("/y", &["GET"], "page"));
        one.remove("gone");
        let mut other = Links::default();
        other.insert("kept", link("/y", &["GET"], "page"));
        assert_eq!(one, other);
        other.insert("kept", link("/z", &["GET"], "page"));
        assert_ne!(one, other);
    }
}
