//! Names the databases would take for the same one: props whose columns differ only in
//! case (MySQL and SQLite compare column names without case), enum values MySQL's
//! collation makes equal (case and trailing spaces), and the names ving derives for what
//! tables hold besides columns (unique indexes and constraints, foreign keys and their
//! indexes, `autoUpdate` triggers and functions) when two of them, or one and a table,
//! meet in a database's namespace — PostgreSQL and SQLite keep indexes beside tables, and
//! MySQL foreign keys database-wide. Names are compared without case and cut to
//! PostgreSQL's 63 bytes, as the strictest database would see them; each collision is
//! reported once, where the second name comes from.

use std::collections::{HashMap, HashSet};

use super::{DbHelper, Origin, Prop, PropType, RelationType, Schema, SchemaCode, SchemaError};
use crate::naming::{self, MAX_IDENTIFIER_LENGTH};

/// Pushes an error for each collision in `schemas` onto `errors`. What the validator
/// reports already (a name declared twice, a table name too long or used twice, a Rust
/// keyword) is not reported again as a collision: one error a cause.
pub(super) fn check(schemas: &[Schema], errors: &mut Vec<SchemaError>) {
    let mut names: HashMap<String, String> = HashMap::new();
    let mut tables: HashMap<&str, &str> = HashMap::new();
    // The generated code's module a kind and field a prop (`ApiKey` and `APIKey` are both
    // `api_key`; `realName` and `real_name` both `real_name`).
    let mut modules: HashMap<String, &str> = HashMap::new();
    for schema in schemas {
        let kind = &schema.kind;
        match modules.get(&naming::snake_case(kind)) {
            // A kind declared twice is the validator's to report.
            Some(first) if first != kind => {
                let module = naming::snake_case(kind);
                let message = format!(
                    "kind {kind} and kind {first} both become the Rust module `{module}` in the generated code; rename one"
                );
                errors.push(error(&schema.origin, "kind", kind.clone(), message));
            }
            Some(_) => {}
            None => {
                modules.insert(naming::snake_case(kind), kind);
            }
        }
        let mut fields: HashMap<String, &str> = HashMap::new();
        for prop in schema.props.iter().filter(|p| p.db.is_some()) {
            let field = naming::snake_case(&prop.name);
            match fields.get(&field) {
                // The same name twice, or in other case: reported as such.
                Some(first) if first.eq_ignore_ascii_case(&prop.name) => {}
                Some(first) => {
                    let path = prop.path(kind);
                    let message = format!(
                        "prop {path} and prop {first} both become the Rust field `{field}` in the generated code; rename one"
                    );
                    errors.push(error(&prop.origin, "name", path, message));
                }
                None => {
                    fields.insert(field, &prop.name);
                }
            }
        }
        let table = schema.table_name.as_str();
        if table.is_empty()
            || table.len() > MAX_IDENTIFIER_LENGTH
            || tables.insert(table, kind).is_some()
        {
            continue;
        }
        let what = format!("the table of {kind}");
        claim(&mut names, table, what, errors, || {
            (
                schema.origin.clone(),
                "tableName",
                format!("{kind}.tableName"),
            )
        });
        let mut columns: HashMap<String, &str> = HashMap::new();
        let mut relations = HashSet::new();
        for prop in schema.props.iter().filter(|p| p.db.is_some()) {
            let path = prop.path(kind);
            let folded = prop.name.to_ascii_lowercase();
            match columns.get(&folded) {
                // Declared twice, or a Rust keyword: the validator says so.
                Some(first) if *first == prop.name => continue,
                Some(_) if naming::rust_unusable(&prop.name).is_some() => {}
                Some(first) => {
                    let message = format!(
                        "prop {path} and prop {first} differ only in case: MySQL and SQLite take them for the same column"
                    );
                    errors.push(error(&prop.origin, "name", path.clone(), message));
                }
                None => {
                    columns.insert(folded, &prop.name);
                }
            }
            enum_values(prop, &path, errors);
            // A relation name used twice is the validator's to report.
            if let Some(relation) = &prop.relation {
                if !relations.insert(relation.name.as_str()) {
                    continue;
                }
            }
            for derived in derived_names(table, prop) {
                let Some(name) = derived.namespaced else {
                    continue;
                };
                let what = format!("the {} of {path}", derived.what);
                claim(&mut names, &name, what, errors, || {
                    (prop.origin.clone(), derived.attribute, path.clone())
                });
            }
        }
    }
}

/// A name ving derives from a prop for what its table holds besides the column.
pub(super) struct Derived {
    /// The attribute that makes it.
    pub(super) attribute: &'static str,
    /// What it names (`foreign key`).
    pub(super) what: &'static str,
    /// The name.
    pub(super) name: String,
    /// Whether only PostgreSQL and SQLite make it.
    pub(super) postgres_sqlite: bool,
    /// The name as it stands in a database's namespace (PostgreSQL and SQLite prefix a
    /// unique index or constraint with the table), or `None` for one a table keeps to
    /// itself (a CHECK constraint).
    pub(super) namespaced: Option<String>,
}

/// The names ving derives from `prop` of table `table`: its unique index or constraint,
/// foreign key, enum CHECK constraint and on-update trigger.
pub(super) fn derived_names(table: &str, prop: &Prop) -> Vec<Derived> {
    let mut names = Vec::new();
    let mut push = |attribute, what, name: String, postgres_sqlite, namespaced| {
        names.push(Derived {
            attribute,
            what,
            name,
            postgres_sqlite,
            namespaced,
        });
    };
    if prop.unique {
        let (attribute, what, name) = if prop.unique_qualifiers.is_empty() {
            (
                "unique",
                "unique index",
                naming::unique_index_name(&prop.name),
            )
        } else {
            let columns: Vec<String> = std::iter::once(prop.name.clone())
                .chain(prop.unique_qualifiers.iter().cloned())
                .collect();
            let name = naming::unique_constraint_name(&columns);
            ("uniqueQualifiers", "unique constraint", name)
        };
        let namespaced = format!("{table}_{name}");
        push(attribute, what, name, false, Some(namespaced));
    }
    if let Some(relation) = prop
        .relation
        .as_ref()
        .filter(|r| r.relation_type == RelationType::Parent)
    {
        let key = naming::foreign_key_name(table, &relation.name);
        push(
            "relation.name",
            "foreign key",
            key.clone(),
            false,
            Some(key),
        );
    }
    if prop.db == Some(DbHelper::Enum) {
        let check = naming::check_constraint_name(table, &prop.name);
        push("name", "CHECK constraint", check, true, None);
    }
    if prop.auto_update {
        let trigger = naming::on_update_trigger_name(table, &prop.name);
        push("name", "trigger", trigger.clone(), true, Some(trigger));
    }
    names
}

/// Takes `name` for `what`, or reports that something else has it.
fn claim(
    names: &mut HashMap<String, String>,
    name: &str,
    what: String,
    errors: &mut Vec<SchemaError>,
    at: impl FnOnce() -> (Origin, &'static str, String),
) {
    let mut key = name.to_ascii_lowercase();
    key.truncate(floor_char_boundary(&key, MAX_IDENTIFIER_LENGTH));
    match names.get(&key) {
        Some(first) => {
            let (origin, attribute, path) = at();
            let attribute = if origin.has_attribute(attribute) {
                attribute
            } else {
                "name"
            };
            let message = format!(
                "{what} is named {name:?}, as is {first} (the databases compare such names without case and cut them to {MAX_IDENTIFIER_LENGTH} bytes): rename one"
            );
            errors.push(error(&origin, attribute, path, message));
        }
        None => {
            names.insert(key, format!("{what} ({name:?})"));
        }
    }
}

/// Enum values MySQL's collation takes for one (case and trailing spaces ignored).
fn enum_values(prop: &Prop, path: &str, errors: &mut Vec<SchemaError>) {
    if prop.prop_type != PropType::Enum {
        return;
    }
    let mut seen: HashMap<String, String> = HashMap::new();
    for (index, value) in prop.enums.iter().enumerate() {
        let super::EnumValue::String(text) = value else {
            continue;
        };
        let text = text.clone();
        let folded = text.trim_end_matches(' ').to_lowercase();
        match seen.get(&folded) {
            // The same value twice is reported by the validator.
            Some(first) if *first != text => {
                let message = format!(
                    "enums lists {text:?} and {first:?}, which MySQL takes for the same value (it ignores case and trailing spaces)"
                );
                errors.push(error(
                    &prop.origin,
                    &format!("enums.{index}"),
                    path.to_owned(),
                    message,
                ));
            }
            Some(_) => {}
            None => {
                seen.insert(folded, text);
            }
        }
    }
}

/// The largest char boundary of `text` at or below `at`.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len()))
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0)
}

fn error(origin: &Origin, attribute: &str, path: String, message: String) -> SchemaError {
    SchemaError {
        code: SchemaCode::OutOfRange,
        file: origin.file().path().to_path_buf(),
        position: Some(origin.attribute_position(attribute)),
        path,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{check as check_files, SchemaOptions, SourceFile};

    fn kind(name: &str, table: &str, relation: &str, parent: &str) -> std::sync::Arc<SourceFile> {
        let text = format!(
            "kind = \"{name}\"\ntableName = \"{table}\"\nowner = [\"admin\"]\n\n[[props]]\ntype = \"id\"\nname = \"parentId\"\nrequired = false\nview = [\"public\"]\nedit = [\"owner\"]\n[props.relation]\ntype = \"parent\"\nname = \"{relation}\"\nkind = \"{parent}\"\n"
        );
        SourceFile::new(format!("{name}.toml"), text)
    }

    /// Table `users_groups` with relation `owner` and table `users` with relation
    /// `groups_owner` both derive the foreign key `users_groups_owner_…_fk`.
    #[test]
    fn foreign_keys_of_two_kinds_may_not_share_a_name() {
        let files = [
            kind("UserGroup", "users_groups", "owner", "Member"),
            kind("Member", "users", "groups_owner", "UserGroup"),
        ];
        let (_, errors) = check_files(&files, &SchemaOptions::default());
        let collisions: Vec<String> = errors
            .iter()
            .map(ToString::to_string)
            .filter(|e| e.contains("as is the foreign key of"))
            .collect();
        assert_eq!(collisions.len(), 1, "{errors:?}");
        assert!(
            collisions[0].contains("Member.toml")
                && collisions[0].contains("UserGroup.props.parentId"),
            "{}",
            collisions[0]
        );
        // Apart, each is fine.
        let (_, errors) = check_files(&files[..1], &SchemaOptions::default());
        assert!(
            !errors.iter().any(|e| e.message.contains("as is the")),
            "{errors:?}"
        );
    }
}
