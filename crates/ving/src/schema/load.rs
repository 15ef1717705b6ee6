//! Loading: TOML text → [`Schema`], keeping a span for every attribute.
//!
//! The loader checks the shape of a file: attribute names (unknown ones are errors, with
//! a suggestion when one is close), value types, which prop types allow which
//! attributes, and attributes that must be present. It reports every problem it finds
//! and keeps going, so one run shows them all; the rules that relate values to each
//! other and to other schemas are the validator's.

use std::borrow::Cow;
use std::sync::Arc;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::attributes::{self, Attribute, PROP_ATTRIBUTES, RELATION_ATTRIBUTES};
use super::attributes::{SCHEMA_ATTRIBUTES, VALIDATE_ATTRIBUTES};
use super::error::{SchemaCode, SchemaError};
use super::model::{
    base_props, DbHelper, EnumValue, Origin, Owner, Prop, PropDefault, PropType, Relation,
    RelationType, Schema, Validate,
};
use super::source::{SourceFile, Span};

type Value<'i> = Spanned<DeValue<'i>>;
type Key<'i> = Spanned<Cow<'i, str>>;

/// Reads one schema file. Problems are pushed onto `errors`; the schema is returned
/// whenever the file was readable enough to name a kind, so that cross-schema checks can
/// still run on it.
pub(crate) fn load_schema(file: &Arc<SourceFile>, errors: &mut Vec<SchemaError>) -> Option<Schema> {
    let mut loader = Loader { file, errors };
    let document = match DeTable::parse(file.text()) {
        Ok(document) => document,
        Err(error) => {
            let span = error.span().unwrap_or(0..0);
            let message = error.message().trim().replace('\n', " ");
            loader.error(
                SchemaCode::OutOfRange,
                &span,
                &file.stem(),
                format!("not valid TOML: {message}"),
            );
            return None;
        }
    };
    loader.schema(document.get_ref(), document.span())
}

struct Loader<'a> {
    file: &'a Arc<SourceFile>,
    errors: &'a mut Vec<SchemaError>,
}

impl Loader<'_> {
    fn error(&mut self, code: SchemaCode, span: &Span, path: &str, message: String) {
        self.errors.push(SchemaError {
            code,
            file: self.file.path().to_path_buf(),
            position: Some(self.file.position(span.start)),
            path: path.to_owned(),
            message,
        });
    }

    fn wrong_type(&mut self, value: &Value<'_>, path: &str, attribute: &str, expected: &str) {
        let found = value.get_ref().type_str();
        self.error(
            SchemaCode::OutOfRange,
            &value.span(),
            path,
            format!("{attribute} must be {expected}, found {found}"),
        );
    }

    fn unknown(&mut self, list: &'static [Attribute], key: &Key<'_>, path: &str, within: &str) {
        let name = key.get_ref();
        let hint = match attributes::suggest(list, name) {
            Some(close) => format!("; did you mean `{close}`?"),
            None => String::new(),
        };
        let message = if std::ptr::eq(list, PROP_ATTRIBUTES) && name == "acceptedFileExtensions" {
            "acceptedFileExtensions belongs inside [props.relation], not on the prop".to_owned()
        } else {
            format!("unknown attribute `{name}` {within}{hint}")
        };
        self.error(SchemaCode::OutOfRange, &key.span(), path, message);
    }

    fn string(&mut self, value: &Value<'_>, path: &str, attribute: &str) -> Option<String> {
        match value.get_ref().as_str() {
            Some(s) => Some(s.to_owned()),
            None => {
                self.wrong_type(value, path, attribute, "a string");
                None
            }
        }
    }

    fn boolean(&mut self, value: &Value<'_>, path: &str, attribute: &str) -> Option<bool> {
        match value.get_ref().as_bool() {
            Some(b) => Some(b),
            None => {
                self.wrong_type(value, path, attribute, "true or false");
                None
            }
        }
    }

    fn integer(&mut self, value: &Value<'_>, path: &str, attribute: &str) -> Option<i64> {
        let parsed = value
            .get_ref()
            .as_integer()
            .map(|i| i64::from_str_radix(i.as_str(), i.radix()));
        match parsed {
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => {
                self.error(
                    SchemaCode::OutOfRange,
                    &value.span(),
                    path,
                    format!("{attribute} is too large"),
                );
                None
            }
            None => {
                self.wrong_type(value, path, attribute, "a whole number");
                None
            }
        }
    }

    /// A list of strings; each entry's span is recorded as `attribute.index`.
    fn string_list(
        &mut self,
        value: &Value<'_>,
        path: &str,
        attribute: &str,
        origin: &mut Origin,
    ) -> Option<Vec<String>> {
        let Some(items) = value.get_ref().as_array() else {
            self.wrong_type(value, path, attribute, "a list of strings");
            return None;
        };
        let mut strings = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            origin.record(format!("{attribute}.{index}"), item.span());
            strings.push(self.string(item, path, &format!("each entry of {attribute}"))?);
        }
        Some(strings)
    }

    fn table<'v, 'i>(
        &mut self,
        value: &'v Value<'i>,
        path: &str,
        attribute: &str,
    ) -> Option<&'v DeTable<'i>> {
        let table = value.get_ref().as_table();
        if table.is_none() {
            self.wrong_type(value, path, attribute, "a table");
        }
        table
    }

    fn schema(&mut self, table: &DeTable<'_>, span: Span) -> Option<Schema> {
        let stem = self.file.stem();
        // Missing attributes are reported where the schema's first attribute is.
        let start = table
            .iter()
            .map(|(key, _)| key.span())
            .min_by_key(|s| s.start)
            .unwrap_or(0..0);
        let kind = match table.get("kind") {
            Some(value) => self.string(value, &stem, "kind"),
            None => {
                self.error(SchemaCode::Missing, &start, &stem, "kind is missing".into());
                None
            }
        };
        let kind_ok = kind.is_some();
        let kind = kind.unwrap_or(stem);
        let mut origin = Origin::new(self.file.clone(), span.clone());
        let mut table_name = None;
        let mut owner = None;
        let mut props = None;
        let mut renamed_from = None;
        for (key, value) in table.iter() {
            origin.record(key.get_ref().as_ref(), value.span());
            let path = format!("{kind}.{}", key.get_ref());
            match key.get_ref().as_ref() {
                "kind" => {}
                "tableName" => table_name = self.string(value, &path, "tableName"),
                "owner" => owner = self.owner(value, &path, &mut origin),
                "props" => props = self.props(&kind, value),
                "renamedFrom" => renamed_from = self.string(value, &path, "renamedFrom"),
                _ => self.unknown(SCHEMA_ATTRIBUTES, key, &kind, "on a schema"),
            }
        }
        for attribute in ["tableName", "owner", "props"] {
            if table.get(attribute).is_none() {
                self.error(
                    SchemaCode::Missing,
                    &start,
                    &format!("{kind}.{attribute}"),
                    format!("{attribute} is missing"),
                );
            }
        }
        if !kind_ok {
            return None;
        }
        let mut props = props.unwrap_or_default();
        let base = base_props(&Origin::new(self.file.clone(), 0..0));
        let missing_base: Vec<Prop> = base
            .into_iter()
            .filter(|b| !props.iter().any(|p| p.name == b.name))
            .collect();
        props.splice(0..0, missing_base);
        Some(Schema {
            kind,
            table_name: table_name.unwrap_or_default(),
            owner: owner.unwrap_or_default(),
            props,
            renamed_from,
            origin,
        })
    }

    /// The owner list; the span of the k-th well-formed entry is recorded as `owner.k`.
    fn owner(&mut self, value: &Value<'_>, path: &str, origin: &mut Origin) -> Option<Vec<Owner>> {
        let Some(items) = value.get_ref().as_array() else {
            self.wrong_type(value, path, "owner", "a list of strings");
            return None;
        };
        let mut owner = Vec::with_capacity(items.len());
        for item in items.iter() {
            let Some(entry) = self.string(item, path, "each entry of owner") else {
                continue;
            };
            let parsed = if let Some(prop) = entry.strip_prefix('$') {
                Some(Owner::Prop(prop.to_owned())).filter(|_| is_identifier(prop))
            } else if let Some(relation) = entry.strip_prefix('^') {
                Some(Owner::Parent(relation.to_owned())).filter(|_| is_identifier(relation))
            } else {
                Some(Owner::Role(entry.clone())).filter(|_| is_identifier(&entry))
            };
            match parsed {
                Some(parsed) => {
                    origin.record(format!("owner.{}", owner.len()), item.span());
                    owner.push(parsed);
                }
                None => self.error(
                    SchemaCode::OutOfRange,
                    &item.span(),
                    path,
                    format!("owner entry {entry:?} is malformed: use \"$prop\", \"^relation\" or a role name"),
                ),
            }
        }
        Some(owner)
    }

    fn props(&mut self, kind: &str, value: &Value<'_>) -> Option<Vec<Prop>> {
        let path = format!("{kind}.props");
        let Some(items) = value.get_ref().as_array() else {
            self.wrong_type(value, &path, "props", "a list of tables ([[props]])");
            return None;
        };
        let mut props = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            if let Some(prop) = self.prop(kind, index, item) {
                props.push(prop);
            }
        }
        Some(props)
    }

    fn prop(&mut self, kind: &str, index: usize, value: &Value<'_>) -> Option<Prop> {
        let table = self.table(value, &format!("{kind}.props[{index}]"), "each prop")?;
        let name = table.get("name").and_then(|v| v.get_ref().as_str());
        let relation_name = table
            .get("relation")
            .and_then(|r| r.get_ref().get("name"))
            .and_then(|n| n.get_ref().as_str());
        let is_virtual = table
            .get("type")
            .and_then(|t| t.get_ref().as_str())
            .is_some_and(|t| t == "virtual");
        let path = match (name, relation_name) {
            (Some(name), Some(relation)) if is_virtual => {
                format!("{kind}.props.{name}{{{relation}}}")
            }
            (Some(name), _) => format!("{kind}.props.{name}"),
            (None, _) => format!("{kind}.props[{index}]"),
        };
        let prop_type = match table.get("type") {
            Some(value) => match self.string(value, &path, "type") {
                Some(name) => {
                    let parsed = PropType::parse(&name);
                    if parsed.is_none() {
                        let known: Vec<&str> = PropType::ALL.iter().map(|t| t.as_str()).collect();
                        self.error(
                            SchemaCode::OutOfRange,
                            &value.span(),
                            &path,
                            format!(
                                "type {name:?} is not one of {}{}",
                                known.join(", "),
                                attributes::did_you_mean(known.iter().copied(), &name)
                            ),
                        );
                    }
                    parsed
                }
                None => None,
            },
            None => None,
        };
        let mut origin = Origin::new(self.file.clone(), value.span());
        let mut prop = Prop::new(
            name.unwrap_or_default(),
            prop_type.unwrap_or(PropType::String),
            origin.clone(),
        );
        let mut explicit_db = None;
        for (key, value) in table.iter() {
            let attribute: &str = key.get_ref();
            origin.record(attribute, value.span());
            let Some(spec) = attributes::find(PROP_ATTRIBUTES, attribute) else {
                self.unknown(PROP_ATTRIBUTES, key, &path, "on a prop");
                continue;
            };
            let Some(prop_type) = prop_type else {
                continue;
            };
            if !spec.allowed_on.contains(&prop_type) {
                self.error(
                    SchemaCode::OutOfRange,
                    &key.span(),
                    &path,
                    format!("{attribute} is not allowed on {prop_type} props"),
                );
                continue;
            }
            match attribute {
                "type" => {}
                "name" => {
                    self.string(value, &path, "name");
                }
                "required" => {
                    prop.required = self.boolean(value, &path, attribute).unwrap_or(false)
                }
                "default" => prop.default = self.default(value, &path, prop_type),
                "db" => explicit_db = self.db(value, &path, prop_type),
                "validate" => prop.validate = self.validate(value, &path, prop_type, &mut origin),
                "view" => {
                    prop.view = self
                        .string_list(value, &path, attribute, &mut origin)
                        .unwrap_or_default()
                }
                "edit" => {
                    prop.edit = self
                        .string_list(value, &path, attribute, &mut origin)
                        .unwrap_or_default()
                }
                "relation" => prop.relation = self.relation(value, &path, &mut origin),
                "enums" => prop.enums = self.enums(value, &path, prop_type, &mut origin),
                "enumLabels" => {
                    prop.enum_labels = self
                        .string_list(value, &path, attribute, &mut origin)
                        .unwrap_or_default();
                }
                "options" => prop.options = self.string(value, &path, attribute),
                "noSetAll" => {
                    prop.no_set_all = self.boolean(value, &path, attribute).unwrap_or(false)
                }
                "length" => prop.length = self.length(value, &path),
                "unique" => prop.unique = self.boolean(value, &path, attribute).unwrap_or(false),
                "uniqueQualifiers" => {
                    prop.unique_qualifiers = self
                        .string_list(value, &path, attribute, &mut origin)
                        .unwrap_or_default();
                }
                "filterQuery" => {
                    prop.filter_query = self.boolean(value, &path, attribute).unwrap_or(false)
                }
                "filterQualifier" => {
                    prop.filter_qualifier = self.boolean(value, &path, attribute).unwrap_or(false);
                }
                "filterRange" => {
                    prop.filter_range = self.boolean(value, &path, attribute).unwrap_or(false)
                }
                "allowRealPubicId" | "allowRealPublicId" => {
                    prop.allow_real_public_id =
                        self.boolean(value, &path, attribute).unwrap_or(false);
                }
                "autoUpdate" => {
                    prop.auto_update = self.boolean(value, &path, attribute).unwrap_or(false)
                }
                "renamedFrom" => prop.renamed_from = self.string(value, &path, attribute),
                _ => unreachable_attribute(attribute),
            }
        }
        for spec in PROP_ATTRIBUTES {
            let required = match prop_type {
                Some(prop_type) => spec.required_on.contains(&prop_type),
                None => spec.required_on.len() == PropType::ALL.len(),
            };
            if required && table.get(spec.name).is_none() {
                let on =
                    prop_type.map_or_else(|| "every prop".to_owned(), |t| format!("{t} props"));
                self.error(
                    SchemaCode::Missing,
                    &value.span(),
                    &path,
                    format!("{} is missing (required on {on})", spec.name),
                );
            }
        }
        let prop_type = prop_type?;
        name?;
        prop.db = explicit_db.or_else(|| DbHelper::derive(&prop.name, prop_type, prop.length));
        prop.origin = origin;
        Some(prop)
    }

    fn default(
        &mut self,
        value: &Value<'_>,
        path: &str,
        prop_type: PropType,
    ) -> Option<PropDefault> {
        let expected = match prop_type {
            PropType::String | PropType::Json | PropType::Enum => "a string or { fn = \"name\" }",
            PropType::Id | PropType::Virtual => "a number or { fn = \"name\" }",
            PropType::Int => "a whole number or { fn = \"name\" }",
            PropType::Date => "\"now\" or { fn = \"name\" }",
            PropType::Boolean => "true, false or { fn = \"name\" }",
        };
        let found = match value.get_ref() {
            DeValue::Table(table) => return self.default_fn(table, value, path),
            DeValue::Boolean(b) if prop_type == PropType::Boolean => Some(PropDefault::Bool(*b)),
            DeValue::Integer(_)
                if matches!(prop_type, PropType::Int | PropType::Id | PropType::Virtual) =>
            {
                return self.integer(value, path, "default").map(PropDefault::Int);
            }
            DeValue::String(s) if prop_type == PropType::Date => {
                Some(PropDefault::Fn("now".into()))
                    .filter(|_| matches!(s.as_ref(), "now" | "now()"))
            }
            DeValue::String(s)
                if matches!(
                    prop_type,
                    PropType::String | PropType::Json | PropType::Enum
                ) =>
            {
                Some(PropDefault::String(s.to_string()))
            }
            _ => None,
        };
        if found.is_none() {
            let found = match value.get_ref() {
                DeValue::String(s) => format!("{s:?}"),
                other => other.type_str().to_owned(),
            };
            self.error(
                SchemaCode::OutOfRange,
                &value.span(),
                path,
                format!(
                    "default of {} prop must be {expected}, found {found}",
                    prop_type.with_article()
                ),
            );
        }
        found
    }

    fn default_fn(
        &mut self,
        table: &DeTable<'_>,
        value: &Value<'_>,
        path: &str,
    ) -> Option<PropDefault> {
        let name = table.get("fn").and_then(|f| f.get_ref().as_str());
        match name {
            Some(name) if table.len() == 1 && is_identifier(name) => {
                Some(PropDefault::Fn(name.to_owned()))
            }
            _ => {
                self.error(
                    SchemaCode::OutOfRange,
                    &value.span(),
                    path,
                    "a generated default must be written { fn = \"name\" } with a function name"
                        .into(),
                );
                None
            }
        }
    }

    fn db(&mut self, value: &Value<'_>, path: &str, prop_type: PropType) -> Option<DbHelper> {
        let name = self.string(value, path, "db")?;
        let Some(helper) = DbHelper::parse(&name) else {
            let known: Vec<&str> = DbHelper::ALL.iter().map(|h| h.as_str()).collect();
            self.error(
                SchemaCode::OutOfRange,
                &value.span(),
                path,
                format!(
                    "db helper {name:?} is unknown; use one of {}",
                    known.join(", ")
                ),
            );
            return None;
        };
        if !helper.suits(prop_type) {
            self.error(
                SchemaCode::OutOfRange,
                &value.span(),
                path,
                format!(
                    "db helper {helper} does not suit {} prop",
                    prop_type.with_article()
                ),
            );
            return None;
        }
        Some(helper)
    }

    fn length(&mut self, value: &Value<'_>, path: &str) -> Option<u32> {
        let length = self.integer(value, path, "length")?;
        match u32::try_from(length) {
            Ok(length) if length >= 1 => Some(length),
            _ => {
                self.error(
                    SchemaCode::OutOfRange,
                    &value.span(),
                    path,
                    format!("length must be a number from 1 to 16777215, found {length}"),
                );
                None
            }
        }
    }

    fn enums(
        &mut self,
        value: &Value<'_>,
        path: &str,
        prop_type: PropType,
        origin: &mut Origin,
    ) -> Vec<EnumValue> {
        let boolean = prop_type == PropType::Boolean;
        let expected = if boolean {
            "a list of booleans"
        } else {
            "a list of strings"
        };
        let Some(items) = value.get_ref().as_array() else {
            self.wrong_type(value, path, "enums", expected);
            return Vec::new();
        };
        if items.is_empty() {
            self.error(
                SchemaCode::OutOfRange,
                &value.span(),
                path,
                "enums must not be empty".into(),
            );
        }
        let mut enums = Vec::with_capacity(items.len());
        let mut well_typed = true;
        for (index, item) in items.iter().enumerate() {
            origin.record(format!("enums.{index}"), item.span());
            match (item.get_ref(), boolean) {
                (DeValue::Boolean(b), true) => enums.push(EnumValue::Bool(*b)),
                (DeValue::String(s), false) => enums.push(EnumValue::String(s.to_string())),
                _ => {
                    well_typed = false;
                    self.wrong_type(
                        item,
                        path,
                        "each entry of enums",
                        if boolean { "a boolean" } else { "a string" },
                    );
                }
            }
        }
        // A list with bad entries is reported once, here, not again as a short list.
        if !well_typed {
            enums.clear();
        }
        enums
    }

    fn validate(
        &mut self,
        value: &Value<'_>,
        path: &str,
        prop_type: PropType,
        origin: &mut Origin,
    ) -> Validate {
        let mut validate = Validate::default();
        let Some(table) = self.table(value, path, "validate") else {
            return validate;
        };
        for (key, value) in table.iter() {
            let attribute: &str = key.get_ref();
            origin.record(format!("validate.{attribute}"), value.span());
            let Some(spec) = attributes::find(VALIDATE_ATTRIBUTES, attribute) else {
                self.unknown(VALIDATE_ATTRIBUTES, key, path, "in validate");
                continue;
            };
            if !spec.allowed_on.contains(&prop_type) {
                self.error(
                    SchemaCode::OutOfRange,
                    &key.span(),
                    path,
                    format!("validate.{attribute} is not allowed on {prop_type} props"),
                );
                continue;
            }
            let label = format!("validate.{attribute}");
            match attribute {
                "email" => validate.email = self.boolean(value, path, &label).unwrap_or(false),
                "url" => validate.url = self.boolean(value, path, &label).unwrap_or(false),
                "regex" => validate.regex = self.string(value, path, &label),
                "min" => validate.min = self.integer(value, path, &label),
                "max" => validate.max = self.integer(value, path, &label),
                "positive" => {
                    validate.positive = self.boolean(value, path, &label).unwrap_or(false)
                }
                "nonnegative" => {
                    validate.nonnegative = self.boolean(value, path, &label).unwrap_or(false)
                }
                "custom" => validate.custom = self.string(value, path, &label),
                _ => unreachable_attribute(attribute),
            }
        }
        validate
    }

    fn relation(&mut self, value: &Value<'_>, path: &str, origin: &mut Origin) -> Option<Relation> {
        let table = self.table(value, path, "relation")?;
        let mut relation_type = None;
        let mut name = None;
        let mut kind = None;
        let mut skip_owner_check = false;
        let mut accepted_file_extensions = Vec::new();
        for (key, value) in table.iter() {
            let attribute: &str = key.get_ref();
            origin.record(format!("relation.{attribute}"), value.span());
            let label = format!("relation.{attribute}");
            match attribute {
                "type" => {
                    relation_type = match self.string(value, path, &label).as_deref() {
                        Some("parent") => Some(RelationType::Parent),
                        Some("child") => Some(RelationType::Child),
                        Some(other) => {
                            self.error(
                                SchemaCode::OutOfRange,
                                &value.span(),
                                path,
                                format!("relation.type must be \"parent\" or \"child\", found {other:?}"),
                            );
                            None
                        }
                        None => None,
                    }
                }
                "name" => name = self.string(value, path, &label),
                "kind" => kind = self.string(value, path, &label),
                "skipOwnerCheck" => {
                    skip_owner_check = self.boolean(value, path, &label).unwrap_or(false)
                }
                "acceptedFileExtensions" => {
                    accepted_file_extensions = self
                        .string_list(value, path, &label, origin)
                        .unwrap_or_default();
                }
                _ => self.unknown(RELATION_ATTRIBUTES, key, path, "in relation"),
            }
        }
        for attribute in ["type", "name", "kind"] {
            if table.get(attribute).is_none() {
                self.error(
                    SchemaCode::Missing,
                    &value.span(),
                    path,
                    format!("relation.{attribute} is missing"),
                );
            }
        }
        Some(Relation {
            relation_type: relation_type?,
            name: name?,
            kind: kind?,
            skip_owner_check,
            accepted_file_extensions,
        })
    }
}

/// The attribute tables and the `match` arms above list the same names; an attribute in
/// one and not the other is a bug in this file, never the user's.
fn unreachable_attribute(attribute: &str) {
    debug_assert!(
        false,
        "attribute {attribute} is in the table but not handled"
    );
}

/// A letter, then letters, digits and `_`.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
