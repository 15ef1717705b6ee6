//! The attributes a schema file may hold, as data: which prop types allow each, which
//! require it, what value it takes and what it means. The loader checks files against
//! these tables and the JSON Schema of the file format is printed from them.

use super::model::PropType;

/// The shape of an attribute's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueShape {
    /// `true` or `false`.
    Bool,
    /// A whole number.
    Integer,
    /// A string.
    String,
    /// One of the listed strings.
    OneOf(&'static [&'static str]),
    /// A list of strings.
    StringList,
    /// A table described by another attribute list.
    Table,
    /// A list of tables.
    TableList,
    /// A literal of the prop's type or `{ fn = "name" }`.
    Default,
    /// A list of strings (enum props) or booleans (boolean props).
    Enums,
}

/// One attribute of a schema, prop, relation or validate table.
#[derive(Debug, Clone, Copy)]
pub struct Attribute {
    /// The name as written in the file.
    pub name: &'static str,
    /// The value it takes.
    pub shape: ValueShape,
    /// The prop types that allow it (empty for schema, relation and validate attributes).
    pub allowed_on: &'static [PropType],
    /// The prop types that require it.
    pub required_on: &'static [PropType],
    /// What it means, for editors and error messages.
    pub description: &'static str,
}

use PropType as T;

const ALL: &[PropType] = &PropType::ALL;
const COLUMNS: &[PropType] = &[
    T::Boolean,
    T::Int,
    T::Date,
    T::Enum,
    T::Id,
    T::String,
    T::Json,
];
const PROP_TYPE_NAMES: &[&str] = &[
    "boolean", "int", "date", "enum", "id", "string", "json", "virtual",
];
const DB_HELPER_NAMES: &[&str] = &[
    "pk",
    "timestamp",
    "dateTime",
    "varchar",
    "string",
    "text",
    "mediumText",
    "enum",
    "boolean",
    "int",
    "bigInt",
    "json",
    "uuid",
    "relation",
];

/// Attributes of the schema itself (the top level of the file).
pub const SCHEMA_ATTRIBUTES: &[Attribute] = &[
    Attribute {
        name: "kind",
        shape: ValueShape::String,
        allowed_on: &[],
        required_on: ALL,
        description: "The kind's name, PascalCase and unique (User, APIKey).",
    },
    Attribute {
        name: "tableName",
        shape: ValueShape::String,
        allowed_on: &[],
        required_on: ALL,
        description: "The table's name: lower case, ends in \"s\", not a MySQL reserved word.",
    },
    Attribute {
        name: "owner",
        shape: ValueShape::StringList,
        allowed_on: &[],
        required_on: ALL,
        description: "Who owns a record: \"$prop\" (a prop holding a User id), a role name, or \"^relation\" (the owner of the named parent).",
    },
    Attribute {
        name: "renamedFrom",
        shape: ValueShape::String,
        allowed_on: &[],
        required_on: &[],
        description: "The table's previous name: `ving drizzle --prepare` renames the table instead of dropping it. Remove it once migrated.",
    },
    Attribute {
        name: "props",
        shape: ValueShape::TableList,
        allowed_on: &[],
        required_on: ALL,
        description: "The props of the kind; id, createdAt and updatedAt are added unless declared.",
    },
];

/// Attributes of a prop (`[[props]]`).
pub const PROP_ATTRIBUTES: &[Attribute] = &[
    Attribute {
        name: "type",
        shape: ValueShape::OneOf(PROP_TYPE_NAMES),
        allowed_on: ALL,
        required_on: ALL,
        description: "The prop's type.",
    },
    Attribute {
        name: "name",
        shape: ValueShape::String,
        allowed_on: ALL,
        required_on: ALL,
        description: "The prop's name: a letter, then letters, digits and _.",
    },
    Attribute {
        name: "required",
        shape: ValueShape::Bool,
        allowed_on: ALL,
        required_on: ALL,
        description: "Whether a value must be given.",
    },
    Attribute {
        name: "default",
        shape: ValueShape::Default,
        allowed_on: ALL,
        required_on: &[],
        description: "A literal of the prop's type, \"now\" for dates, or { fn = \"name\" } for a value computed when a record is minted.",
    },
    Attribute {
        name: "db",
        shape: ValueShape::OneOf(DB_HELPER_NAMES),
        allowed_on: COLUMNS,
        required_on: &[],
        description: "The column helper; derived from the type when absent.",
    },
    Attribute {
        name: "validate",
        shape: ValueShape::Table,
        allowed_on: COLUMNS,
        required_on: &[],
        description: "Value rules beyond the type: email, url, regex, min, max, positive, nonnegative, custom.",
    },
    Attribute {
        name: "view",
        shape: ValueShape::StringList,
        allowed_on: ALL,
        required_on: &[],
        description: "Who may see the prop: \"public\", \"owner\" or role names.",
    },
    Attribute {
        name: "edit",
        shape: ValueShape::StringList,
        allowed_on: ALL,
        required_on: &[],
        description: "Who may change the prop: \"owner\" or role names.",
    },
    Attribute {
        name: "relation",
        shape: ValueShape::Table,
        allowed_on: &[T::Id, T::Virtual],
        required_on: &[T::Virtual],
        description: "A parent relation (id props) or a child relation (virtual props).",
    },
    Attribute {
        name: "enums",
        shape: ValueShape::Enums,
        allowed_on: &[T::Enum, T::Boolean],
        required_on: &[T::Enum, T::Boolean],
        description: "The allowed values: strings for enum props, [false, true] for boolean props.",
    },
    Attribute {
        name: "enumLabels",
        shape: ValueShape::StringList,
        allowed_on: &[T::Enum, T::Boolean],
        required_on: &[T::Enum, T::Boolean],
        description: "A label for each value of enums, in the same order.",
    },
    Attribute {
        name: "options",
        shape: ValueShape::String,
        allowed_on: &[T::String, T::Int],
        required_on: &[],
        description: "The name of a function the record provides that lists the allowed values.",
    },
    Attribute {
        name: "noSetAll",
        shape: ValueShape::Bool,
        allowed_on: ALL,
        required_on: &[],
        description: "setAll skips this prop.",
    },
    Attribute {
        name: "length",
        shape: ValueShape::Integer,
        allowed_on: &[T::String],
        required_on: &[T::String],
        description: "The longest value in characters: varchar ≤ 256, text ≤ 65535, mediumText ≤ 16777215.",
    },
    Attribute {
        name: "unique",
        shape: ValueShape::Bool,
        allowed_on: &[T::String],
        required_on: &[],
        description: "No two records hold the same value.",
    },
    Attribute {
        name: "uniqueQualifiers",
        shape: ValueShape::StringList,
        allowed_on: &[T::String],
        required_on: &[],
        description: "Other props that together with this one must be unique (needs unique = true).",
    },
    Attribute {
        name: "filterQuery",
        shape: ValueShape::Bool,
        allowed_on: &[T::Enum, T::String],
        required_on: &[],
        description: "Searched by a list's free-text query.",
    },
    Attribute {
        name: "filterQualifier",
        shape: ValueShape::Bool,
        allowed_on: &[T::Enum, T::String, T::Int, T::Boolean, T::Id],
        required_on: &[],
        description: "A list can be filtered by this prop's exact value.",
    },
    Attribute {
        name: "filterRange",
        shape: ValueShape::Bool,
        allowed_on: &[T::Int, T::Date],
        required_on: &[],
        description: "A list can be filtered by a range of this prop.",
    },
    Attribute {
        name: "allowRealPubicId",
        shape: ValueShape::Bool,
        allowed_on: &[T::Id],
        required_on: &[],
        description: "describe may show the integer id (ving's spelling; allowRealPublicId is accepted too).",
    },
    Attribute {
        name: "allowRealPublicId",
        shape: ValueShape::Bool,
        allowed_on: &[T::Id],
        required_on: &[],
        description: "describe may show the integer id.",
    },
    Attribute {
        name: "autoUpdate",
        shape: ValueShape::Bool,
        allowed_on: &[T::Date],
        required_on: &[],
        description: "Set to now whenever the record is updated.",
    },
    Attribute {
        name: "renamedFrom",
        shape: ValueShape::String,
        allowed_on: COLUMNS,
        required_on: &[],
        description: "The prop's previous name: `ving drizzle --prepare` renames the column instead of dropping it. Remove it once migrated.",
    },
];

/// Attributes of a prop's `relation` table.
pub const RELATION_ATTRIBUTES: &[Attribute] = &[
    Attribute {
        name: "type",
        shape: ValueShape::OneOf(&["parent", "child"]),
        allowed_on: &[],
        required_on: ALL,
        description: "parent (on id props) or child (on virtual props).",
    },
    Attribute {
        name: "name",
        shape: ValueShape::String,
        allowed_on: &[],
        required_on: ALL,
        description: "The relation's name, starting with a lower-case letter; not a prop name.",
    },
    Attribute {
        name: "kind",
        shape: ValueShape::String,
        allowed_on: &[],
        required_on: ALL,
        description: "The kind on the other side of the relation.",
    },
    Attribute {
        name: "skipOwnerCheck",
        shape: ValueShape::Bool,
        allowed_on: &[],
        required_on: &[],
        description: "Parent relations only: posting this prop does not require owning the parent.",
    },
    Attribute {
        name: "acceptedFileExtensions",
        shape: ValueShape::StringList,
        allowed_on: &[],
        required_on: &[],
        description:
            "Parent relations to S3File only: the file extensions accepted (lower case, no dot).",
    },
];

/// Attributes of a prop's `validate` table.
pub const VALIDATE_ATTRIBUTES: &[Attribute] = &[
    Attribute {
        name: "email",
        shape: ValueShape::Bool,
        allowed_on: &[T::String],
        required_on: &[],
        description: "The value is an email address.",
    },
    Attribute {
        name: "url",
        shape: ValueShape::Bool,
        allowed_on: &[T::String],
        required_on: &[],
        description: "The value is a URL.",
    },
    Attribute {
        name: "regex",
        shape: ValueShape::String,
        allowed_on: &[T::String],
        required_on: &[],
        description: "The value matches this regular expression.",
    },
    Attribute {
        name: "min",
        shape: ValueShape::Integer,
        allowed_on: &[T::Int],
        required_on: &[],
        description: "The value is at least this.",
    },
    Attribute {
        name: "max",
        shape: ValueShape::Integer,
        allowed_on: &[T::Int],
        required_on: &[],
        description: "The value is at most this.",
    },
    Attribute {
        name: "positive",
        shape: ValueShape::Bool,
        allowed_on: &[T::Int],
        required_on: &[],
        description: "The value is greater than 0.",
    },
    Attribute {
        name: "nonnegative",
        shape: ValueShape::Bool,
        allowed_on: &[T::Int],
        required_on: &[],
        description: "The value is 0 or more.",
    },
    Attribute {
        name: "custom",
        shape: ValueShape::String,
        allowed_on: COLUMNS,
        required_on: &[],
        description: "The name of a validator the app registers in Rust.",
    },
];

/// The attribute called `name` in `list`.
pub fn find(list: &'static [Attribute], name: &str) -> Option<&'static Attribute> {
    list.iter().find(|a| a.name == name)
}

/// The attribute of `list` whose name is closest to a misspelt `name`, if any is close.
pub fn suggest(list: &'static [Attribute], name: &str) -> Option<&'static str> {
    closest(list.iter().map(|a| a.name), name)
}

/// The candidate closest to a misspelt `name` (case aside), if any is close.
pub(crate) fn closest<'a>(
    candidates: impl Iterator<Item = &'a str>,
    name: &str,
) -> Option<&'a str> {
    candidates
        .map(|candidate| {
            (
                strsim::damerau_levenshtein(&name.to_lowercase(), &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, candidate)| *distance > 0 || *candidate != name)
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 4))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// `; did you mean "X"?` when a candidate is close to `name`, else nothing.
pub(crate) fn did_you_mean<'a>(candidates: impl Iterator<Item = &'a str>, name: &str) -> String {
    closest(candidates, name).map_or_else(String::new, |close| format!("; did you mean {close:?}?"))
}
