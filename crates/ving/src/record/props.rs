//! A record's props, held by column: one compact cell for each of the kind's columns (the
//! names shared by every record of the kind), and a map for anything else. Reading a row
//! allocates one small vector and the row's strings: dates stay dates and numbers stay
//! numbers until somebody asks for the props as ving's JSON ([`Props::get`]), which makes
//! the JSON values of the whole record once.

use std::sync::{Arc, OnceLock};

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use super::date::DateText;

/// One prop's value as read from a row or set.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    /// The record does not hold the prop.
    Absent,
    /// `null`.
    Null,
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Text(Box<str>),
    /// A date (ving's JSON shows it as `2025-04-09T22:31:46.000Z`).
    Date(NaiveDateTime),
    /// Any other JSON value (a JSON prop's object, a fraction).
    Json(Box<Value>),
}

/// `value` with its numbers as ving keeps them (`JSON.parse` then `JSON.stringify`): a
/// whole number written as a fraction or with an exponent (`4.0`, `1e2`, `1e17`, `-0.0`)
/// is that integer (`4`, `100`, `100000000000000000`, `0`), exactly, wherever a 64-bit
/// integer holds it, so that every database stores and gives back the same text (jsonb
/// would turn `1e17` into digits, the others keep it). Fractions and whole numbers past
/// 64 bits stay as written.
pub(crate) fn as_javascript_numbers(mut value: Value) -> Value {
    fn mend(value: &mut Value) {
        match value {
            Value::Number(number) => {
                let whole = number
                    .as_f64()
                    .filter(|f| number.is_f64() && f.fract() == 0.0);
                // i64::MAX and u64::MAX as f64 round up, out of range: hence `<`.
                match whole {
                    Some(f) if f >= i64::MIN as f64 && f < i64::MAX as f64 => {
                        *value = Value::from(f as i64);
                    }
                    Some(f) if f > 0.0 && f < u64::MAX as f64 => *value = Value::from(f as u64),
                    _ => {}
                }
            }
            Value::Array(items) => items.iter_mut().for_each(mend),
            Value::Object(map) => map.values_mut().for_each(mend),
            _ => {}
        }
    }
    mend(&mut value);
    value
}

impl Cell {
    /// The cell of a JSON value.
    pub(crate) fn from_value(value: Value) -> Cell {
        match value {
            Value::Null => Cell::Null,
            Value::Bool(b) => Cell::Bool(b),
            Value::String(s) => Cell::Text(s.into_boxed_str()),
            Value::Number(n) if n.is_i64() => n.as_i64().map_or(Cell::Null, Cell::Int),
            other => Cell::Json(Box::new(other)),
        }
    }

    /// The value as ving holds it in JSON (`None` when absent).
    pub(crate) fn to_value(&self) -> Option<Value> {
        Some(match self {
            Cell::Absent => return None,
            Cell::Null => Value::Null,
            Cell::Int(n) => Value::from(*n),
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Text(s) => Value::String(String::from(&**s)),
            Cell::Date(d) => Value::String(DateText(*d).to_string()),
            Cell::Json(v) => (**v).clone(),
        })
    }
}

impl serde::Serialize for Cell {
    /// The cell as ving's JSON (what [`Cell::to_value`] makes), written straight out.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Absent | Cell::Null => serializer.serialize_unit(),
            Cell::Int(n) => serializer.serialize_i64(*n),
            Cell::Bool(b) => serializer.serialize_bool(*b),
            Cell::Text(s) => serializer.serialize_str(s),
            Cell::Date(d) => serializer.collect_str(&DateText(*d)),
            Cell::Json(v) => v.serialize(serializer),
        }
    }
}

/// A prop's value where the record holds it: a column's cell, or another prop's JSON.
#[derive(serde::Serialize)]
#[serde(untagged)]
pub(crate) enum Held<'a> {
    /// A column's cell (never [`Cell::Absent`]).
    Cell(&'a Cell),
    /// A prop that is not a column.
    Value(&'a Value),
}

/// A record's props.
#[derive(Clone)]
pub(crate) struct Props {
    names: Arc<[&'static str]>,
    cells: Box<[Cell]>,
    /// The cells as JSON values, made on the first [`Props::get`] and dropped by a change.
    json: OnceLock<Box<[Option<Value>]>>,
    extra: Option<Box<Map<String, Value>>>,
}

impl std::fmt::Debug for Props {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.to_map().fmt(f)
    }
}

impl Props {
    /// Props read from a row: `cells` in the order of `names`.
    pub(crate) fn from_cells(names: Arc<[&'static str]>, cells: Vec<Cell>) -> Props {
        Props {
            names,
            cells: cells.into_boxed_slice(),
            json: OnceLock::new(),
            extra: None,
        }
    }

    /// Props from a map of prop names.
    pub(crate) fn from_map(names: Arc<[&'static str]>, map: Map<String, Value>) -> Props {
        let mut props = Props::from_cells(names.clone(), vec![Cell::Absent; names.len()]);
        for (name, value) in map {
            props.insert(&name, value);
        }
        props
    }

    fn slot(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| *n == name)
    }

    /// The cell of column `name` (`None` for a name that is not a column).
    pub(crate) fn cell(&self, name: &str) -> Option<&Cell> {
        self.slot(name).map(|i| &self.cells[i])
    }

    /// The value of `name` as ving's JSON, if the record holds it.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        match self.slot(name) {
            Some(i) => self
                .json
                .get_or_init(|| self.cells.iter().map(Cell::to_value).collect())[i]
                .as_ref(),
            None => self.extra.as_ref().and_then(|extra| extra.get(name)),
        }
    }

    /// The value of `name` as ving's JSON, made for the caller (no copy kept).
    pub(crate) fn value(&self, name: &str) -> Option<Value> {
        match self.slot(name) {
            Some(i) => match self.json.get() {
                Some(json) => json[i].clone(),
                None => self.cells[i].to_value(),
            },
            None => self
                .extra
                .as_ref()
                .and_then(|extra| extra.get(name))
                .cloned(),
        }
    }

    /// The value of `name` where the record holds it, to be written without a copy
    /// (what [`Props::value`] would make).
    pub(crate) fn held(&self, name: &str) -> Option<Held<'_>> {
        match self.slot(name) {
            Some(i) => match &self.cells[i] {
                Cell::Absent => None,
                cell => Some(Held::Cell(cell)),
            },
            None => self
                .extra
                .as_ref()
                .and_then(|extra| extra.get(name))
                .map(Held::Value),
        }
    }

    /// [`Props::held`] for the prop at `slot` among `names` (the kind's column names, as
    /// its schema's props map to them), without looking the name up.
    pub(crate) fn held_at(
        &self,
        names: &Arc<[&'static str]>,
        slot: Option<usize>,
        name: &str,
    ) -> Option<Held<'_>> {
        match slot.and_then(|i| self.cells.get(i)) {
            Some(Cell::Absent) if Arc::ptr_eq(&self.names, names) => None,
            Some(cell) if Arc::ptr_eq(&self.names, names) => Some(Held::Cell(cell)),
            _ => self.held(name),
        }
    }

    /// Sets `name`.
    ///
    /// Numbers are held as ving holds them, in JavaScript: a whole number written as a
    /// fraction or with an exponent (`4.0`, `1e2`, `-0.0`) is that integer.
    pub(crate) fn insert(&mut self, name: &str, value: Value) {
        let value = as_javascript_numbers(value);
        match self.slot(name) {
            Some(i) => {
                if let Some(json) = self.json.get_mut() {
                    json[i] = Some(value.clone());
                }
                self.cells[i] = Cell::from_value(value);
            }
            None => {
                self.extra
                    .get_or_insert_with(Default::default)
                    .insert(name.to_owned(), value);
            }
        }
    }

    /// The props as a map: the columns in their order, then the rest.
    pub(crate) fn to_map(&self) -> Map<String, Value> {
        let extra = self.extra.as_deref();
        let mut map = Map::with_capacity(self.names.len() + extra.map_or(0, Map::len));
        for (name, cell) in self.names.iter().zip(&self.cells) {
            if let Some(value) = cell.to_value() {
                map.insert((*name).to_owned(), value);
            }
        }
        for (name, value) in extra.into_iter().flatten() {
            map.insert(name.clone(), value.clone());
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Arc<[&'static str]> {
        Arc::from(vec!["id", "createdAt", "name", "admin", "meta"])
    }

    #[test]
    fn cells_read_as_ving_s_json_and_follow_changes() {
        let date = super::super::parse_date("2025-04-09T22:31:46.000Z").expect("date");
        let mut props = Props::from_cells(
            names(),
            vec![
                Cell::Int(7),
                Cell::Date(date),
                Cell::Text("joe".into()),
                Cell::Bool(true),
                Cell::Absent,
            ],
        );
        assert_eq!(props.get("id"), Some(&Value::from(7)));
        assert_eq!(
            props.get("createdAt"),
            Some(&Value::from("2025-04-09T22:31:46.000Z"))
        );
        assert_eq!(props.get("meta"), None);
        assert_eq!(props.value("admin"), Some(Value::Bool(true)));
        // A change after the JSON was made shows in both.
        props.insert("name", Value::from("jane"));
        props.insert("meta", serde_json::json!({"a": [1, 2]}));
        props.insert("other", Value::from(1.5));
        assert_eq!(props.get("name"), Some(&Value::from("jane")));
        assert_eq!(props.cell("name"), Some(&Cell::Text("jane".into())));
        assert_eq!(props.get("meta"), Some(&serde_json::json!({"a": [1, 2]})));
        assert_eq!(props.get("other"), Some(&Value::from(1.5)));
        let map = props.to_map();
        let keys: Vec<&str> = map.keys().map(String::as_str).collect();
        assert_eq!(keys, ["id", "createdAt", "name", "admin", "meta", "other"]);
        assert_eq!(Props::from_map(names(), map.clone()).to_map(), map);
    }

    #[test]
    fn a_record_read_from_a_row_is_small() {
        assert!(std::mem::size_of::<Cell>() <= 24);
        assert!(std::mem::size_of::<super::super::Record<'static>>() <= 160);
    }
}
