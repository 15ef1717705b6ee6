//! Validation: ving's schema rules that relate values to each other and to other
//! schemas (see `shared/reference/ving-validator-rules.md`), plus ours: cross-schema
//! checks and a kind or table name used twice.

use std::collections::{HashMap, HashSet};

use super::error::{SchemaCode, SchemaError};
use super::load::is_identifier;
use super::model::{
    DbHelper, EnumValue, Origin, Owner, Prop, PropDefault, PropType, RelationType, Schema,
};
use super::SchemaOptions;
use crate::naming;

use naming::MAX_IDENTIFIER_LENGTH;

/// The MySQL reserved words ving refuses as table names (compared upper-cased).
pub const RESERVED_TABLE_NAMES: &[&str] = &[
    "NULLS",
    "MASTER_TLS_CIPHERSUITES",
    "MASTER_COMPRESSION_ALGORITHMS",
    "GROUPS",
    "FAILED_LOGIN_ATTEMPTS",
    "BUCKETS",
    "MAX_ROWS",
    "MIN_ROWS",
    "ROWS",
    "ALWAYS",
    "COLUMNS",
    "CONTAINS",
    "DIAGNOSTICS",
    "ENDS",
    "ENGINES",
    "ERRORS",
    "EVENTS",
    "FAULTS",
    "FIELDS",
    "FOLLOWS",
    "GRANTS",
    "HOSTS",
    "IGNORE_SERVER_IDS",
    "INDEXES",
    "LEAVES",
    "LESS",
    "LOCKS",
    "LOGS",
    "MASTER_LOG_POS",
    "MAX_USER_CONNECTIONS",
    "NAMES",
    "OPTIONS",
    "PACK_KEYS",
    "PARTITIONS",
    "PLUGINS",
    "PRECEDES",
    "PRIVILEGES",
    "PROFILES",
    "RELAY_LOG_POS",
    "RETURNS",
    "SOUNDS",
    "SQL_AFTER_GTIDS",
    "SQL_AFTER_MTS_GAPS",
    "SQL_BEFORE_GTIDS",
    "STARTS",
    "STATS_SAMPLE_PAGES",
    "STATUS",
    "SUBPARTITIONS",
    "SWAPS",
    "SWITCHES",
    "TABLES",
    "TRIGGERS",
    "TYPES",
    "USER_RESOURCES",
    "VARIABLES",
    "WARNINGS",
    "OTHERS",
    "PROCESS",
    "REPLICAS",
    "TIES",
    "TLS",
];

/// Runs every rule over `schemas`, pushing each problem onto `errors`.
pub(crate) fn validate(
    schemas: &[Schema],
    unreadable: &[String],
    options: &SchemaOptions,
    errors: &mut Vec<SchemaError>,
) {
    let mut checker = Checker {
        schemas,
        unreadable,
        options,
        errors,
    };
    checker.unique_names();
    checker.roles();
    for schema in schemas {
        checker.schema(schema);
    }
}

struct Checker<'a> {
    schemas: &'a [Schema],
    /// The names of schema files that could not be read (their kinds, most likely).
    unreadable: &'a [String],
    options: &'a SchemaOptions,
    errors: &'a mut Vec<SchemaError>,
}

impl Checker<'_> {
    fn error(&mut self, origin: &Origin, attribute: &str, path: String, message: String) {
        self.errors.push(SchemaError {
            code: SchemaCode::OutOfRange,
            file: origin.file().path().to_path_buf(),
            position: Some(origin.attribute_position(attribute)),
            path,
            message,
        });
    }

    fn find(&self, kind: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| s.kind == kind)
    }

    fn is_role(&self, name: &str) -> bool {
        self.options.roles.iter().any(|r| r == name)
    }

    fn unique_names(&mut self) {
        let mut kinds: HashMap<&str, &Schema> = HashMap::new();
        let mut tables: HashMap<&str, &Schema> = HashMap::new();
        for schema in self.schemas {
            if let Some(first) = kinds.get(schema.kind.as_str()) {
                let message = format!(
                    "kind {} is declared twice: in {} and here",
                    schema.kind,
                    first.origin.file().path().display()
                );
                self.error(&schema.origin, "kind", schema.kind.clone(), message);
            } else {
                kinds.insert(&schema.kind, schema);
            }
            if schema.table_name.is_empty() {
                continue;
            }
            if let Some(first) = tables.get(schema.table_name.as_str()) {
                let message = format!(
                    "tableName {} is used twice: by {} ({}) and here",
                    schema.table_name,
                    first.kind,
                    first.origin.file().path().display()
                );
                self.error(
                    &schema.origin,
                    "tableName",
                    format!("{}.tableName", schema.kind),
                    message,
                );
            } else {
                tables.insert(&schema.table_name, schema);
            }
        }
    }

    /// Roles are boolean props of User: each configured role must be one.
    fn roles(&mut self) {
        let schemas = self.schemas;
        let Some(user) = schemas.iter().find(|s| s.kind == "User") else {
            return;
        };
        let origin = user.origin.clone();
        for role in &self.options.roles {
            let is_boolean = user
                .column_prop(role)
                .is_some_and(|p| p.prop_type == PropType::Boolean);
            if !is_boolean {
                self.error(
                    &origin,
                    "kind",
                    "User".into(),
                    format!("role {role} (ving.toml roles) must be a boolean prop of User"),
                );
            }
        }
    }

    fn schema(&mut self, schema: &Schema) {
        let kind = &schema.kind;
        if !kind.starts_with(|c: char| c.is_ascii_uppercase())
            || !kind.chars().all(|c| c.is_ascii_alphanumeric())
        {
            self.error(
                &schema.origin,
                "kind",
                kind.clone(),
                format!("kind {kind:?} must be PascalCase: an upper-case letter, then letters and digits"),
            );
        }
        if naming::snake_case(kind) == naming::snake_case(naming::SESSIONS_KIND) {
            self.error(
                &schema.origin,
                "kind",
                kind.clone(),
                format!(
                    "kind {kind:?} is the name of the sessions table's kind ({}, table {})",
                    naming::SESSIONS_KIND,
                    naming::SESSIONS_TABLE
                ),
            );
        }
        if let Some(problem) = naming::rust_unusable(kind) {
            self.error(
                &schema.origin,
                "kind",
                kind.clone(),
                format!("kind {problem}"),
            );
        }
        self.table_name(schema);
        self.owner(schema);
        let mut seen = HashSet::new();
        let mut relation_names = HashSet::new();
        for prop in &schema.props {
            let path = prop.path(kind);
            if !seen.insert(path.clone()) {
                self.error(
                    &prop.origin,
                    "name",
                    path.clone(),
                    format!("prop {path} is declared twice"),
                );
            }
            if let Some(relation) = &prop.relation {
                if !relation_names.insert(relation.name.as_str()) {
                    self.error(
                        &prop.origin,
                        "relation.name",
                        path.clone(),
                        format!(
                            "relation name {} is used by another prop too",
                            relation.name
                        ),
                    );
                }
            }
            self.prop(schema, prop, &path);
        }
    }

    fn table_name(&mut self, schema: &Schema) {
        let name = &schema.table_name;
        if name.is_empty() {
            return; // missing: reported by the loader
        }
        let path = format!("{}.tableName", schema.kind);
        let problem = if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            Some("must start with a lower-case letter".to_owned())
        } else if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            Some("must be lower case: letters, digits and _".to_owned())
        } else if !name.ends_with('s') {
            Some("must end in \"s\"".to_owned())
        } else if name == naming::SESSIONS_TABLE {
            Some("is the table ving keeps sessions in".to_owned())
        } else if RESERVED_TABLE_NAMES.contains(&name.to_ascii_uppercase().as_str()) {
            Some("is a MySQL reserved word".to_owned())
        } else if name.len() > MAX_IDENTIFIER_LENGTH {
            Some(too_long(name.len()))
        } else {
            None
        };
        if let Some(problem) = problem {
            self.error(
                &schema.origin,
                "tableName",
                path,
                format!("tableName {name:?} {problem}"),
            );
        }
    }

    fn owner(&mut self, schema: &Schema) {
        let path = format!("{}.owner", schema.kind);
        for (index, entry) in schema.owner.iter().enumerate() {
            let problem = match entry {
                Owner::Role(role) if !self.is_role(role) => Some(format!(
                    "owner entry {role:?} doesn't match any known roles"
                )),
                Owner::Role(_) => None,
                Owner::Prop(name) => {
                    match schema.column_prop(name) {
                        None => Some(format!(
                            "owner entry \"${name}\" names no prop of {}",
                            schema.kind
                        )),
                        Some(prop) => {
                            let to_user = prop.relation.as_ref().is_some_and(|r| r.kind == "User");
                            let own_id = name == "id" && schema.kind == "User";
                            (!to_user && !own_id).then(|| {
                            format!("owner entry \"${name}\" must name a prop with a relation to User")
                        })
                        }
                    }
                }
                Owner::Parent(relation) => {
                    let parent = schema.prop_with_relation(relation).is_some_and(|p| {
                        p.relation
                            .as_ref()
                            .is_some_and(|r| r.relation_type == RelationType::Parent)
                    });
                    (!parent).then(|| {
                        format!(
                            "owner entry \"^{relation}\" names no parent relation of {}",
                            schema.kind
                        )
                    })
                }
            };
            if let Some(problem) = problem {
                self.error(
                    &schema.origin,
                    &format!("owner.{index}"),
                    path.clone(),
                    problem,
                );
            }
        }
    }

    fn prop(&mut self, schema: &Schema, prop: &Prop, path: &str) {
        let origin = &prop.origin;
        let path = || path.to_owned();
        if !is_identifier(&prop.name) {
            self.error(
                origin,
                "name",
                path(),
                format!(
                    "name {:?} must start with a letter and use only letters, digits and _",
                    prop.name
                ),
            );
        } else if let Some(problem) = naming::rust_unusable(&prop.name) {
            self.error(origin, "name", path(), format!("name {problem}"));
        } else if let Some(database) = naming::system_column(&prop.name) {
            self.error(
                origin,
                "name",
                path(),
                format!(
                    "name {:?} is a column {database} keeps in every table itself; choose another",
                    prop.name
                ),
            );
        }
        for attribute in ["view", "edit"] {
            let roles = if attribute == "view" {
                &prop.view
            } else {
                &prop.edit
            };
            for (index, role) in roles.iter().enumerate() {
                if role != "public" && role != "owner" && !self.is_role(role) {
                    self.error(
                        origin,
                        &format!("{attribute}.{index}"),
                        path(),
                        format!("{attribute}: role {role:?} is unknown"),
                    );
                }
            }
        }
        self.default(prop, &path());
        self.integer_default(prop, &path());
        self.identifiers(schema, prop, &path());
        if let (Some(length), Some(db)) = (prop.length, prop.db) {
            if let Some(max) = db.max_length().filter(|max| length > *max) {
                self.error(
                    origin,
                    "length",
                    path(),
                    format!("length {length} is more than db helper {db} holds ({max})"),
                );
            }
        }
        if prop.db == Some(DbHelper::Pk) && prop.name != "id" {
            self.error(
                origin,
                "db",
                path(),
                "db helper pk is only for the id prop".into(),
            );
        }
        self.relation(schema, prop, &path());
        self.enums(prop, &path());
        self.unique_qualifiers(schema, prop, &path());
        if prop.prop_type == PropType::Id
            && prop.filter_qualifier
            && prop
                .relation
                .as_ref()
                .is_some_and(|r| r.relation_type != RelationType::Parent)
        {
            self.error(
                origin,
                "filterQualifier",
                path(),
                "filterQualifier on an id prop needs a parent relation (or none)".into(),
            );
        }
        if let Some(options) = &prop.options {
            if !is_identifier(options) {
                self.error(
                    origin,
                    "options",
                    path(),
                    format!("options {options:?} must be the name of a function"),
                );
            }
        }
        if let Some(pattern) = &prop.validate.regex {
            if let Err(error) = regex::Regex::new(pattern) {
                let reason = error
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .trim()
                    .to_owned();
                self.error(
                    origin,
                    "validate.regex",
                    path(),
                    format!("validate.regex is not a valid regular expression: {reason}"),
                );
            }
        }
        if let (Some(min), Some(max)) = (prop.validate.min, prop.validate.max) {
            if min > max {
                self.error(
                    origin,
                    "validate.min",
                    path(),
                    format!("validate.min ({min}) is greater than validate.max ({max})"),
                );
            }
        }
        if let Some(custom) = &prop.validate.custom {
            if !is_identifier(custom) {
                self.error(
                    origin,
                    "validate.custom",
                    path(),
                    format!("validate.custom {custom:?} must be the name of a validator"),
                );
            }
        }
    }

    fn default(&mut self, prop: &Prop, path: &str) {
        let Some(PropDefault::String(value)) = &prop.default else {
            return;
        };
        let problem = match prop.prop_type {
            PropType::String => prop
                .length
                .filter(|length| value.chars().count() > *length as usize)
                .map(|length| format!("default is longer than length ({length})")),
            PropType::Enum if !prop.enums.is_empty() => {
                (!prop.enums.contains(&EnumValue::String(value.clone())))
                    .then(|| format!("default {value:?} is not one of enums"))
            }
            PropType::Json => match serde_json::from_str::<serde_json::Value>(value) {
                Ok(serde_json::Value::Object(_)) => None,
                _ => Some(format!(
                    "default {value:?} must be a JSON object, such as \"{{}}\""
                )),
            },
            _ => None,
        };
        if let Some(problem) = problem {
            self.error(&prop.origin, "default", path.to_owned(), problem);
        }
    }

    /// An integer default must fit the column its `db` helper makes: `int` is a signed
    /// 32-bit column, `bigInt`, `relation` and `pk` unsigned 64-bit ones.
    fn integer_default(&mut self, prop: &Prop, path: &str) {
        let (Some(PropDefault::Int(value)), Some(db)) = (&prop.default, prop.db) else {
            return;
        };
        let (min, max, column) = match db {
            DbHelper::Int => (
                i64::from(i32::MIN),
                i64::from(i32::MAX),
                "a signed 32-bit column",
            ),
            DbHelper::BigInt | DbHelper::Relation | DbHelper::Pk => {
                (0, i64::MAX, "an unsigned column")
            }
            _ => return,
        };
        if !(min..=max).contains(value) {
            self.error(
                &prop.origin,
                "default",
                path.to_owned(),
                format!("default {value} does not fit db helper {db}, {column} ({min} to {max})"),
            );
        }
    }

    /// Every identifier the prop puts in a database — its column and the names ving
    /// derives from it — must fit [`MAX_IDENTIFIER_LENGTH`]. (Foreign key and composite
    /// unique names keep 48 characters of their base and a hash, so they always fit.)
    fn identifiers(&mut self, schema: &Schema, prop: &Prop, path: &str) {
        if prop.db.is_none() {
            return; // virtual: no column
        }
        let table_name = &schema.table_name;
        if table_name.len() > MAX_IDENTIFIER_LENGTH {
            return; // reported on tableName; the names made from it follow
        }
        let mut names = vec![("name", "column name".to_owned(), prop.name.clone())];
        for derived in super::collisions::derived_names(table_name, prop) {
            let only = if derived.postgres_sqlite {
                " (PostgreSQL, SQLite)"
            } else {
                ""
            };
            let what = format!("{} name{only}", derived.what);
            names.push((derived.attribute, what, derived.name));
        }
        // A column name that is too long makes every derived name too long: one error.
        if let Some((attribute, what, name)) = names
            .into_iter()
            .find(|(_, _, name)| name.len() > MAX_IDENTIFIER_LENGTH)
        {
            let message = format!("the {what} {name:?} {}", too_long(name.len()));
            if prop.origin.has_attribute(attribute) {
                self.error(&prop.origin, attribute, path.to_owned(), message);
            } else {
                // A base prop the file does not declare: the table name is what to shorten.
                let path = format!("{}.tableName", schema.kind);
                self.error(&schema.origin, "tableName", path, message);
            }
        }
    }

    fn relation(&mut self, schema: &Schema, prop: &Prop, path: &str) {
        let Some(relation) = &prop.relation else {
            return;
        };
        let origin = &prop.origin;
        let path = || path.to_owned();
        let wanted = match relation.relation_type {
            RelationType::Parent => PropType::Id,
            RelationType::Child => PropType::Virtual,
        };
        if prop.prop_type != wanted {
            self.error(
                origin,
                "relation.type",
                path(),
                format!(
                    "a {} relation belongs on {} prop, not {} prop",
                    relation.relation_type.as_str(),
                    wanted.with_article(),
                    prop.prop_type.with_article()
                ),
            );
        }
        let name = &relation.name;
        if !name.starts_with(|c: char| c.is_ascii_lowercase()) || !is_identifier(name) {
            self.error(
                origin,
                "relation.name",
                path(),
                format!("relation.name {name:?} must start with a lower-case letter and use only letters, digits and _"),
            );
        } else if let Some(problem) = naming::rust_unusable(name) {
            self.error(
                origin,
                "relation.name",
                path(),
                format!("relation.name {problem}"),
            );
        }
        if schema.props.iter().any(|p| &p.name == name) {
            self.error(
                origin,
                "relation.name",
                path(),
                format!(
                    "relation.name {name:?} is also the name of a prop of {}",
                    schema.kind
                ),
            );
        }
        match self.find(&relation.kind) {
            // A kind whose file could not be read: that file's error is the one to fix.
            None if self.unreadable.iter().any(|stem| stem == &relation.kind) => {}
            None => {
                let hint = super::attributes::did_you_mean(
                    self.schemas.iter().map(|s| s.kind.as_str()),
                    &relation.kind,
                );
                self.error(
                    origin,
                    "relation.kind",
                    path(),
                    format!(
                        "relation.kind {:?} is not a known kind{hint}",
                        relation.kind
                    ),
                );
            }
            Some(other)
                if relation.relation_type == RelationType::Child
                    && prop.prop_type == PropType::Virtual =>
            {
                let points_back = other.column_prop(&prop.name).is_some_and(|p| {
                    p.prop_type == PropType::Id
                        && p.relation.as_ref().is_some_and(|r| {
                            r.relation_type == RelationType::Parent && r.kind == schema.kind
                        })
                });
                if !points_back {
                    let message = format!(
                        "child relation needs {}.props.{} to be an id prop with a parent relation to {}",
                        other.kind, prop.name, schema.kind
                    );
                    self.error(origin, "relation.kind", path(), message);
                }
            }
            Some(_) => {}
        }
        let is_parent = relation.relation_type == RelationType::Parent;
        if !is_parent && origin.has_attribute("relation.skipOwnerCheck") {
            self.error(
                origin,
                "relation.skipOwnerCheck",
                path(),
                "relation.skipOwnerCheck is only for parent relations".into(),
            );
        }
        if origin.has_attribute("relation.acceptedFileExtensions") {
            let extensions = &relation.accepted_file_extensions;
            if !is_parent || relation.kind != "S3File" {
                self.error(
                    origin,
                    "relation.acceptedFileExtensions",
                    path(),
                    "relation.acceptedFileExtensions is only for parent relations to S3File".into(),
                );
            } else if extensions.is_empty() {
                self.error(
                    origin,
                    "relation.acceptedFileExtensions",
                    path(),
                    "relation.acceptedFileExtensions must not be empty".into(),
                );
            }
            for (index, extension) in extensions.iter().enumerate() {
                let well_formed = !extension.is_empty()
                    && extension
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
                if !well_formed {
                    self.error(
                        origin,
                        &format!("relation.acceptedFileExtensions.{index}"),
                        path(),
                        format!("file extension {extension:?} must be lower-case letters and digits, without a dot"),
                    );
                }
            }
        }
    }

    fn enums(&mut self, prop: &Prop, path: &str) {
        if !matches!(prop.prop_type, PropType::Enum | PropType::Boolean) {
            return;
        }
        let origin = &prop.origin;
        let mut seen = HashSet::new();
        for (index, value) in prop.enums.iter().enumerate() {
            if !seen.insert(value) {
                self.error(
                    origin,
                    &format!("enums.{index}"),
                    path.to_owned(),
                    format!("enums lists {value} twice"),
                );
            }
        }
        // Empty or badly typed enums were reported by the loader; don't count labels.
        if !prop.enums.is_empty()
            && origin.has_attribute("enumLabels")
            && prop.enum_labels.len() != prop.enums.len()
        {
            self.error(
                origin,
                "enumLabels",
                path.to_owned(),
                format!(
                    "enumLabels has {} labels but enums has {} values",
                    prop.enum_labels.len(),
                    prop.enums.len()
                ),
            );
        }
    }

    fn unique_qualifiers(&mut self, schema: &Schema, prop: &Prop, path: &str) {
        let origin = &prop.origin;
        if !origin.has_attribute("uniqueQualifiers") {
            return;
        }
        if !prop.unique {
            self.error(
                origin,
                "uniqueQualifiers",
                path.to_owned(),
                "uniqueQualifiers needs unique = true".into(),
            );
        }
        if prop.unique_qualifiers.is_empty() {
            self.error(
                origin,
                "uniqueQualifiers",
                path.to_owned(),
                "uniqueQualifiers must not be empty".into(),
            );
        }
        for (index, qualifier) in prop.unique_qualifiers.iter().enumerate() {
            let problem = if qualifier == &prop.name {
                Some(format!(
                    "uniqueQualifiers cannot name the prop itself ({qualifier})"
                ))
            } else if schema.column_prop(qualifier).is_none() {
                Some(format!(
                    "uniqueQualifiers: {qualifier:?} is not a prop of {}",
                    schema.kind
                ))
            } else {
                None
            };
            if let Some(problem) = problem {
                self.error(
                    origin,
                    &format!("uniqueQualifiers.{index}"),
                    path.to_owned(),
                    problem,
                );
            }
        }
    }
}

fn too_long(length: usize) -> String {
    format!(
        "is {length} characters; identifiers may have at most {MAX_IDENTIFIER_LENGTH} (PostgreSQL's limit; MySQL's is 64)"
    )
}
