//! The meta of a describe (`{kind, isOwner, deleted, realId, …}` and what a kind's
//! `describe_meta` hook adds), held as a short list in its order rather than as a JSON
//! map: a describe's meta has three or four entries, which a list finds by comparing
//! names, where a map hashes every key it inserts and allocates each one.

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// The meta of a describe: names and values in the order they were first inserted, as
/// in a JSON object (a name inserted again keeps its place and takes the new value).
///
/// ```
/// use serde_json::json;
/// let mut meta = ving::record::Meta::default();
/// meta.insert("kind", "User");
/// meta.insert("isOwner", false);
/// meta.insert("kind", "APIKey");
/// assert_eq!(meta.get("kind"), Some(&json!("APIKey")));
/// assert_eq!(serde_json::to_string(&meta).unwrap(), r#"{"kind":"APIKey","isOwner":false}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    entries: Vec<(Cow<'static, str>, Value)>,
}

impl Meta {
    /// No entries yet, with room for `capacity`.
    pub fn with_capacity(capacity: usize) -> Meta {
        Meta {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// Sets `name` to `value` (in its place when it is there), returning the value it had.
    pub fn insert(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Value>,
    ) -> Option<Value> {
        let name = name.into();
        let value = value.into();
        match self.position(&name) {
            Some(at) => Some(std::mem::replace(&mut self.entries[at].1, value)),
            None => {
                self.entries.push((name, value));
                None
            }
        }
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        Some(&self.entries[self.position(name)?].1)
    }

    /// The value of `name`, to change.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        let at = self.position(name)?;
        Some(&mut self.entries[at].1)
    }

    /// Removes `name`, returning its value; the others keep their order.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.position(name)?;
        Some(self.entries.remove(at).1)
    }

    /// The names and values in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries
            .iter()
            .map(|(name, value)| (name.as_ref(), value))
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every entry, keeping the room.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    /// The meta as a JSON object, in its order.
    pub fn into_map(self) -> Map<String, Value> {
        (self.entries.into_iter())
            .map(|(name, value)| (name.into_owned(), value))
            .collect()
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|(n, _)| n == name)
    }
}

impl Serialize for Meta {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (name, value) in &self.entries {
            map.serialize_entry(name.as_ref(), value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Meta does what a JSON object of serde_json does with inserts, and what a
        /// JavaScript object does with removes (the others keep their order).
        #[test]
        fn meta_keeps_names_as_an_ordered_object_does(
            steps in proptest::collection::vec(("[a-d]{1,2}", 0..5i64, any::<bool>()), 0..40)
        ) {
            let mut meta = Meta::default();
            let mut model: Vec<(String, Value)> = Vec::new();
            for (name, n, remove) in steps {
                if remove {
                    let at = model.iter().position(|(m, _)| *m == name);
                    let expected = at.map(|at| model.remove(at).1);
                    prop_assert_eq!(meta.remove(&name), expected);
                } else {
                    let old = meta.insert(name.clone(), n);
                    match model.iter_mut().find(|(m, _)| *m == name) {
                        Some((_, value)) => {
                            prop_assert_eq!(old, Some(value.clone()));
                            *value = Value::from(n);
                        }
                        None => {
                            prop_assert_eq!(old, None);
                            model.push((name, Value::from(n)));
                        }
                    }
                }
                prop_assert_eq!(meta.len(), model.len());
            }
            let text = serde_json::to_string(&meta).expect("json");
            let object: Map<String, Value> = model.into_iter().collect();
            prop_assert_eq!(&text, &serde_json::to_string(&object).expect("json"));
            prop_assert_eq!(meta.into_map(), object);
        }
    }
}
