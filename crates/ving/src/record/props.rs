//! A record's props, held by column: one value slot for each of the kind's columns (the
//! names shared by every record of the kind), and a map for anything else. Reading a row
//! allocates one vector, not a map with a key per column.

use std::sync::Arc;

use serde_json::{Map, Value};

/// A record's props: `None` in a slot is a prop the record does not hold.
#[derive(Clone, PartialEq)]
pub(crate) struct Props {
    names: Arc<[&'static str]>,
    values: Vec<Option<Value>>,
    extra: Map<String, Value>,
}

impl std::fmt::Debug for Props {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.to_map().fmt(f)
    }
}

impl Props {
    /// Props read from a row: `values` in the order of `names`.
    pub(crate) fn from_values(names: Arc<[&'static str]>, values: Vec<Option<Value>>) -> Props {
        Props {
            names,
            values,
            extra: Map::new(),
        }
    }

    /// Props from a map of prop names.
    pub(crate) fn from_map(names: Arc<[&'static str]>, map: Map<String, Value>) -> Props {
        let mut props = Props::from_values(names.clone(), vec![None; names.len()]);
        for (name, value) in map {
            props.insert(&name, value);
        }
        props
    }

    fn slot(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| *n == name)
    }

    /// The value of `name`, if the record holds it.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        match self.slot(name) {
            Some(i) => self.values[i].as_ref(),
            None => self.extra.get(name),
        }
    }

    /// Sets `name`.
    pub(crate) fn insert(&mut self, name: &str, value: Value) {
        match self.slot(name) {
            Some(i) => self.values[i] = Some(value),
            None => {
                self.extra.insert(name.to_owned(), value);
            }
        }
    }

    /// The props as a map: the columns in their order, then the rest.
    pub(crate) fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::with_capacity(self.names.len() + self.extra.len());
        for (name, value) in self.names.iter().zip(&self.values) {
            if let Some(value) = value {
                map.insert((*name).to_owned(), value.clone());
            }
        }
        for (name, value) in &self.extra {
            map.insert(name.clone(), value.clone());
        }
        map
    }
}
