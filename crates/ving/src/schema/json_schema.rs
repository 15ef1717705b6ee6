//! A JSON Schema of the schema file format, so that TOML editors (taplo, Even Better
//! TOML) complete and check attributes. Built from the same attribute tables the loader
//! checks files against, so the two cannot drift apart.

use serde_json::{json, Map, Value};

use super::attributes::{Attribute, ValueShape, PROP_ATTRIBUTES, RELATION_ATTRIBUTES};
use super::attributes::{SCHEMA_ATTRIBUTES, VALIDATE_ATTRIBUTES};

/// The JSON Schema (draft 07) of a ving schema file, pretty-printed with a final newline.
pub fn json_schema() -> String {
    let relation = object(RELATION_ATTRIBUTES, Map::new());
    let validate = object(VALIDATE_ATTRIBUTES, Map::new());
    let mut nested = Map::new();
    nested.insert("relation".into(), relation);
    nested.insert("validate".into(), validate);
    let prop = object(PROP_ATTRIBUTES, nested);
    let mut top = Map::new();
    top.insert("props".into(), json!({ "type": "array", "items": prop }));
    let mut schema = object(SCHEMA_ATTRIBUTES, top);
    if let Value::Object(map) = &mut schema {
        map.insert(
            "$schema".into(),
            json!("http://json-schema.org/draft-07/schema#"),
        );
        map.insert("title".into(), json!("ving schema"));
    }
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// An object schema for an attribute list; `nested` overrides the schema of table-valued
/// attributes. Attributes required on every type are `required`; no others are allowed.
fn object(attributes: &[Attribute], nested: Map<String, Value>) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for attribute in attributes {
        let mut schema = nested
            .get(attribute.name)
            .cloned()
            .unwrap_or_else(|| shape(attribute.shape));
        if let Value::Object(map) = &mut schema {
            let applies = if attribute.allowed_on.is_empty() || attribute.allowed_on.len() == 8 {
                String::new()
            } else {
                let types: Vec<&str> = attribute.allowed_on.iter().map(|t| t.as_str()).collect();
                format!(" Only on {} props.", types.join(", "))
            };
            map.insert(
                "description".into(),
                json!(format!("{}{applies}", attribute.description)),
            );
        }
        properties.insert(attribute.name.into(), schema);
        if attribute.required_on.len() == 8 {
            required.push(attribute.name);
        }
    }
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn shape(shape: ValueShape) -> Value {
    let generated = json!({
        "type": "object",
        "properties": { "fn": { "type": "string" } },
        "required": ["fn"],
        "additionalProperties": false,
    });
    match shape {
        ValueShape::Bool => json!({ "type": "boolean" }),
        ValueShape::Integer => json!({ "type": "integer" }),
        ValueShape::String => json!({ "type": "string" }),
        ValueShape::OneOf(values) => json!({ "type": "string", "enum": values }),
        ValueShape::StringList => json!({ "type": "array", "items": { "type": "string" } }),
        ValueShape::Table => json!({ "type": "object" }),
        ValueShape::TableList => json!({ "type": "array", "items": { "type": "object" } }),
        ValueShape::Default => json!({
            "anyOf": [
                { "type": "string" },
                { "type": "integer" },
                { "type": "boolean" },
                generated,
            ]
        }),
        ValueShape::Enums => json!({
            "type": "array",
            "minItems": 1,
            "items": { "type": ["string", "boolean"] },
        }),
    }
}
