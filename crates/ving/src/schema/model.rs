//! The schema model: what a ving schema file says, in types.
//!
//! A [`Schema`] is one kind; its [`Prop`]s carry ving's attributes under Rust names
//! (`tableName` → [`Schema::table_name`], `uniqueQualifiers` → [`Prop::unique_qualifiers`]).
//! Every schema and prop keeps its [`Origin`] so that later stages can point into the file.

use std::fmt;
use std::sync::Arc;

use super::source::{Position, SourceFile, Span};

/// One ving schema: a kind, its table and its props (base props included).
#[derive(Debug, Clone)]
pub struct Schema {
    /// The kind's name, PascalCase (`User`).
    pub kind: String,
    /// The table's name, lower case, ending in `s` (`users`).
    pub table_name: String,
    /// Who owns a record of this kind.
    pub owner: Vec<Owner>,
    /// The props, base props (`id`, `createdAt`, `updatedAt`) first unless declared.
    pub props: Vec<Prop>,
    /// `renamedFrom`: the table's previous name, a hint for migrations.
    pub renamed_from: Option<String>,
    /// Where the schema was read from.
    pub origin: Origin,
}

impl Schema {
    /// The prop named `name` that has a column (virtual props excluded).
    pub fn column_prop(&self, name: &str) -> Option<&Prop> {
        self.props
            .iter()
            .find(|p| p.name == name && p.prop_type != PropType::Virtual)
    }

    /// Every prop named `name` (several virtual props may share a name).
    pub fn props_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Prop> + 's {
        self.props.iter().filter(move |p| p.name == name)
    }

    /// The prop whose relation is called `relation_name`.
    pub fn prop_with_relation(&self, relation_name: &str) -> Option<&Prop> {
        self.props.iter().find(|p| {
            p.relation
                .as_ref()
                .is_some_and(|relation| relation.name == relation_name)
        })
    }
}

/// An entry of a schema's `owner` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A role name: users with this role own every record (`admin`).
    Role(String),
    /// `$prop`: the user whose id is in this prop owns the record (`$userId`; `$id` on User).
    Prop(String),
    /// `^relation`: whoever owns the named parent record owns this one.
    Parent(String),
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Owner::Role(role) => write!(f, "{role}"),
            Owner::Prop(prop) => write!(f, "${prop}"),
            Owner::Parent(relation) => write!(f, "^{relation}"),
        }
    }
}

/// One prop of a schema, with ving's attributes.
#[derive(Debug, Clone)]
pub struct Prop {
    /// `name`: starts with a letter, then letters, digits and `_`.
    pub name: String,
    /// `type`.
    pub prop_type: PropType,
    /// `required`.
    pub required: bool,
    /// `default`: a literal of the prop's type or a named function.
    pub default: Option<PropDefault>,
    /// `db`: the column helper; derived from the type when the file has none.
    /// `None` only for virtual props, which have no column.
    pub db: Option<DbHelper>,
    /// `validate`: extra value rules (the length check of strings is implied).
    pub validate: Validate,
    /// `view`: who may see the prop (`public`, `owner` or a role).
    pub view: Vec<String>,
    /// `edit`: who may change the prop (`owner` or a role).
    pub edit: Vec<String>,
    /// `relation`: a parent (on id props) or child (on virtual props) relation.
    pub relation: Option<Relation>,
    /// `enums`: allowed values of enum and boolean props.
    pub enums: Vec<EnumValue>,
    /// `enumLabels`: a human label per value of `enums`.
    pub enum_labels: Vec<String>,
    /// `options`: the name of a function the record provides that lists allowed values.
    pub options: Option<String>,
    /// `noSetAll`: `setAll` skips this prop.
    pub no_set_all: bool,
    /// `length`: the maximum length of a string prop, in characters.
    pub length: Option<u32>,
    /// `unique`: no two records may hold the same value.
    pub unique: bool,
    /// `uniqueQualifiers`: props that together with this one must be unique.
    pub unique_qualifiers: Vec<String>,
    /// `filterQuery`: searched by the list's free-text query.
    pub filter_query: bool,
    /// `filterQualifier`: can be filtered on by exact value.
    pub filter_qualifier: bool,
    /// `filterRange`: can be filtered on by a range.
    pub filter_range: bool,
    /// `allowRealPubicId` (ving's spelling; `allowRealPublicId` accepted): describe may
    /// show the integer id.
    pub allow_real_public_id: bool,
    /// `autoUpdate`: a date set to now on every update.
    pub auto_update: bool,
    /// `renamedFrom`: the prop's previous name, a hint for migrations.
    pub renamed_from: Option<String>,
    /// Where the prop was read from.
    pub origin: Origin,
}

impl Prop {
    /// ving's path of this prop: `Kind.props.name`, or `Kind.props.name{relation}` for a
    /// virtual prop.
    pub fn path(&self, kind: &str) -> String {
        match (&self.prop_type, &self.relation) {
            (PropType::Virtual, Some(relation)) => {
                format!("{kind}.props.{}{{{}}}", self.name, relation.name)
            }
            _ => format!("{kind}.props.{}", self.name),
        }
    }

    /// A prop with a name and type and every other attribute empty, located at `origin`.
    pub(crate) fn new(name: &str, prop_type: PropType, origin: Origin) -> Prop {
        Prop {
            name: name.to_owned(),
            prop_type,
            required: false,
            default: None,
            db: None,
            validate: Validate::default(),
            view: Vec::new(),
            edit: Vec::new(),
            relation: None,
            enums: Vec::new(),
            enum_labels: Vec::new(),
            options: None,
            no_set_all: false,
            length: None,
            unique: false,
            unique_qualifiers: Vec::new(),
            filter_query: false,
            filter_qualifier: false,
            filter_range: false,
            allow_real_public_id: false,
            auto_update: false,
            renamed_from: None,
            origin,
        }
    }
}

/// The base props every schema gets (ving's `baseSchemaId`, `baseSchemaCreatedAt`,
/// `baseSchemaUpdatedAt`), located at `origin`.
pub(crate) fn base_props(origin: &Origin) -> [Prop; 3] {
    let mut id = Prop::new("id", PropType::Id, origin.clone());
    id.db = Some(DbHelper::Pk);
    id.view = vec!["public".into()];
    let mut created_at = Prop::new("createdAt", PropType::Date, origin.clone());
    created_at.required = true;
    created_at.default = Some(PropDefault::Fn("now".into()));
    created_at.db = Some(DbHelper::Timestamp);
    created_at.filter_range = true;
    created_at.view = vec!["public".into()];
    let mut updated_at = created_at.clone();
    updated_at.name = "updatedAt".into();
    updated_at.auto_update = true;
    [id, created_at, updated_at]
}

/// ving's prop types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PropType {
    /// `boolean`
    Boolean,
    /// `int`
    Int,
    /// `date`
    Date,
    /// `enum`
    Enum,
    /// `id`
    Id,
    /// `string`
    String,
    /// `json`
    Json,
    /// `virtual`: no column; a child relation.
    Virtual,
}

impl PropType {
    /// Every type, in ving's order.
    pub const ALL: [PropType; 8] = [
        PropType::Boolean,
        PropType::Int,
        PropType::Date,
        PropType::Enum,
        PropType::Id,
        PropType::String,
        PropType::Json,
        PropType::Virtual,
    ];

    /// The name used in schema files.
    pub fn as_str(self) -> &'static str {
        match self {
            PropType::Boolean => "boolean",
            PropType::Int => "int",
            PropType::Date => "date",
            PropType::Enum => "enum",
            PropType::Id => "id",
            PropType::String => "string",
            PropType::Json => "json",
            PropType::Virtual => "virtual",
        }
    }

    /// The type with its article, for messages: "an int", "a string".
    pub fn with_article(self) -> String {
        let article = if matches!(self, PropType::Int | PropType::Enum | PropType::Id) {
            "an"
        } else {
            "a"
        };
        format!("{article} {self}")
    }

    /// Reads a type name as written in a schema file.
    pub fn parse(name: &str) -> Option<PropType> {
        PropType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

impl fmt::Display for PropType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// ving's column helpers (its `db*` functions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DbHelper {
    /// `pk`: the auto-increment primary key.
    Pk,
    /// `timestamp`
    Timestamp,
    /// `dateTime`
    DateTime,
    /// `varchar` (alias `string`), length ≤ 256.
    Varchar,
    /// `text`, length ≤ 65535.
    Text,
    /// `mediumText`, length ≤ 16777215.
    MediumText,
    /// `enum`
    Enum,
    /// `boolean`
    Boolean,
    /// `int`
    Int,
    /// `bigInt` (unsigned)
    BigInt,
    /// `json`
    Json,
    /// `uuid`: a 36-character string.
    Uuid,
    /// `relation`: an unsigned big integer holding another record's id.
    Relation,
}

impl DbHelper {
    /// Every helper.
    pub const ALL: [DbHelper; 13] = [
        DbHelper::Pk,
        DbHelper::Timestamp,
        DbHelper::DateTime,
        DbHelper::Varchar,
        DbHelper::Text,
        DbHelper::MediumText,
        DbHelper::Enum,
        DbHelper::Boolean,
        DbHelper::Int,
        DbHelper::BigInt,
        DbHelper::Json,
        DbHelper::Uuid,
        DbHelper::Relation,
    ];

    /// The name used in schema files.
    pub fn as_str(self) -> &'static str {
        match self {
            DbHelper::Pk => "pk",
            DbHelper::Timestamp => "timestamp",
            DbHelper::DateTime => "dateTime",
            DbHelper::Varchar => "varchar",
            DbHelper::Text => "text",
            DbHelper::MediumText => "mediumText",
            DbHelper::Enum => "enum",
            DbHelper::Boolean => "boolean",
            DbHelper::Int => "int",
            DbHelper::BigInt => "bigInt",
            DbHelper::Json => "json",
            DbHelper::Uuid => "uuid",
            DbHelper::Relation => "relation",
        }
    }

    /// Reads a helper name: ving's own (`dbPk`, `dbVarChar`) or the short form (`pk`,
    /// `varchar`, alias `string`), in any letter case.
    pub fn parse(name: &str) -> Option<DbHelper> {
        let lower = name.to_ascii_lowercase();
        let short = match lower.strip_prefix("db") {
            Some(rest) if name.as_bytes().get(2).is_some_and(u8::is_ascii_uppercase) => rest,
            _ => &lower,
        };
        match short {
            "string" => Some(DbHelper::Varchar),
            short => DbHelper::ALL
                .into_iter()
                .find(|h| h.as_str().eq_ignore_ascii_case(short)),
        }
    }

    /// The longest string the helper holds, for string helpers.
    pub fn max_length(self) -> Option<u32> {
        match self {
            DbHelper::Varchar => Some(256),
            DbHelper::Text => Some(65_535),
            DbHelper::MediumText => Some(16_777_215),
            DbHelper::Uuid => Some(36),
            _ => None,
        }
    }

    /// The most bytes a value of this helper holds on MySQL/MariaDB, where a column of
    /// text counts bytes rather than characters (`text`, `mediumtext`).
    pub fn max_bytes(self) -> Option<u32> {
        match self {
            DbHelper::Text => Some(65_535),
            DbHelper::MediumText => Some(16_777_215),
            _ => None,
        }
    }

    /// Whether a prop of `prop_type` may use this helper.
    pub fn suits(self, prop_type: PropType) -> bool {
        use DbHelper as H;
        match prop_type {
            PropType::String => matches!(self, H::Varchar | H::Text | H::MediumText | H::Uuid),
            PropType::Int => matches!(self, H::Int | H::BigInt),
            PropType::Date => matches!(self, H::Timestamp | H::DateTime),
            PropType::Enum => self == H::Enum,
            PropType::Boolean => self == H::Boolean,
            PropType::Id => matches!(self, H::Pk | H::Relation),
            PropType::Json => self == H::Json,
            PropType::Virtual => false,
        }
    }

    /// The helper ving uses for a prop without `db`; `None` for virtual props.
    pub fn derive(name: &str, prop_type: PropType, length: Option<u32>) -> Option<DbHelper> {
        match prop_type {
            PropType::String => {
                let length = length.unwrap_or(256);
                // Longer than mediumText holds: the validator reports the length.
                [DbHelper::Varchar, DbHelper::Text]
                    .into_iter()
                    .find(|h| h.max_length().is_some_and(|max| length <= max))
                    .or(Some(DbHelper::MediumText))
            }
            PropType::Enum => Some(DbHelper::Enum),
            PropType::Boolean => Some(DbHelper::Boolean),
            PropType::Int => Some(DbHelper::Int),
            PropType::Date if matches!(name, "createdAt" | "updatedAt") => {
                Some(DbHelper::Timestamp)
            }
            PropType::Date => Some(DbHelper::DateTime),
            PropType::Id if name == "id" => Some(DbHelper::Pk),
            PropType::Id => Some(DbHelper::Relation),
            PropType::Json => Some(DbHelper::Json),
            PropType::Virtual => None,
        }
    }
}

impl fmt::Display for DbHelper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A prop's `default`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropDefault {
    /// A boolean literal (boolean props).
    Bool(bool),
    /// A whole number (int and id props).
    Int(i64),
    /// A string (string, enum and json props; json defaults hold JSON text).
    String(String),
    /// A named function computed when a record is minted: `{ fn = "uuid" }`, or `"now"` on
    /// a date prop.
    Fn(String),
}

/// A value of an `enums` list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EnumValue {
    /// A value of a boolean prop's `enums`.
    Bool(bool),
    /// A value of an enum prop's `enums`.
    String(String),
}

impl fmt::Display for EnumValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnumValue::Bool(b) => write!(f, "{b}"),
            EnumValue::String(s) => write!(f, "{s:?}"),
        }
    }
}

/// A prop's `validate` rules (ving's zod rules); the length check of strings is implied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validate {
    /// `email = true`: a string holding an email address.
    pub email: bool,
    /// `url = true`: a string holding a URL.
    pub url: bool,
    /// `regex = "…"`: a string matching the pattern.
    pub regex: Option<String>,
    /// `min = n`: a number ≥ n.
    pub min: Option<i64>,
    /// `max = n`: a number ≤ n.
    pub max: Option<i64>,
    /// `positive = true`: a number > 0.
    pub positive: bool,
    /// `nonnegative = true`: a number ≥ 0.
    pub nonnegative: bool,
    /// `custom = "name"`: a validator the app registers in Rust.
    pub custom: Option<String>,
}

/// Which side of a relation a prop is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationType {
    /// The prop (type id) holds the id of a parent record.
    Parent,
    /// The prop (type virtual) lists child records whose named prop points here.
    Child,
}

impl RelationType {
    /// The name used in schema files.
    pub fn as_str(self) -> &'static str {
        match self {
            RelationType::Parent => "parent",
            RelationType::Child => "child",
        }
    }
}

/// A prop's `relation` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// `type`: parent or child.
    pub relation_type: RelationType,
    /// `name`: the relation's name (`user`, `apikeys`), lower camel case.
    pub name: String,
    /// `kind`: the kind on the other side.
    pub kind: String,
    /// `skipOwnerCheck`: parent only; posting this prop does not require owning the parent.
    pub skip_owner_check: bool,
    /// `acceptedFileExtensions`: parent relations to S3File only.
    pub accepted_file_extensions: Vec<String>,
}

/// Where a schema or prop was read from: the file, the span of the whole item and the
/// span of each attribute's value (list entries as `attribute.index`).
#[derive(Debug, Clone)]
pub struct Origin {
    file: Arc<SourceFile>,
    span: Span,
    attributes: Vec<(String, Span)>,
}

impl Origin {
    pub(crate) fn new(file: Arc<SourceFile>, span: Span) -> Origin {
        Origin {
            file,
            span,
            attributes: Vec::new(),
        }
    }

    pub(crate) fn record(&mut self, attribute: impl Into<String>, span: Span) {
        self.attributes.push((attribute.into(), span));
    }

    /// The file the item was read from.
    pub fn file(&self) -> &Arc<SourceFile> {
        &self.file
    }

    /// Where the item starts.
    pub fn position(&self) -> Position {
        self.file.position(self.span.start)
    }

    /// Where an attribute's value starts (`"length"`, `"relation.kind"`, `"view.1"`);
    /// the item's own position when the attribute is absent.
    pub fn attribute_position(&self, attribute: &str) -> Position {
        let span = self
            .attributes
            .iter()
            .find(|(name, _)| name == attribute)
            .map_or(&self.span, |(_, span)| span);
        self.file.position(span.start)
    }

    /// The bytes of the file that hold an attribute's value, when the item has it.
    pub fn attribute_span(&self, attribute: &str) -> Option<super::Span> {
        self.attributes
            .iter()
            .find(|(name, _)| name == attribute)
            .map(|(_, span)| span.clone())
    }

    /// The file's path relative to `root` (as given when it is not under `root`), for
    /// messages and generated headers that must not depend on where a checkout lives.
    pub fn relative_path(&self, root: &std::path::Path) -> String {
        let path = self.file.path();
        path.strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// Whether the file gave the attribute (false for derived or base values).
    pub fn has_attribute(&self, attribute: &str) -> bool {
        self.attributes.iter().any(|(name, _)| name == attribute)
    }
}
