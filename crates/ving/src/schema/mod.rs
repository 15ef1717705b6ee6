//! Ving schema files: one TOML file per kind, loaded with source spans and validated
//! against ving's rules.
//!
//! This is the first stage of the chain: [`SchemaSet::load`] reads a folder of schema
//! files and returns either every schema, validated, or every problem found (ving's codes
//! 404, 441 and 442, each with file, line, column and prop path).
//!
//! # Examples
//!
//! ```
//! use ving::schema::{SchemaOptions, SchemaSet, SourceFile};
//!
//! let file = SourceFile::new(
//!     "Widget.toml",
//!     r#"
//! kind = "Widget"
//! tableName = "widgets"
//! owner = ["admin"]
//!
//! [[props]]
//! type = "string"
//! name = "label"
//! required = true
//! length = 60
//! default = ""
//! "#,
//! );
//! let options = SchemaOptions { roles: vec!["admin".into()] };
//! let set = SchemaSet::from_files(&[file], &options).expect("a valid schema");
//! let widget = set.get("Widget").expect("the Widget kind");
//! // Base props come first; `db` is derived from the type and length.
//! let names: Vec<&str> = widget.props.iter().map(|p| p.name.as_str()).collect();
//! assert_eq!(names, ["id", "createdAt", "updatedAt", "label"]);
//! assert_eq!(widget.props[3].db, Some(ving::schema::DbHelper::Varchar));
//!
//! let broken = SourceFile::new(
//!     "Gadget.toml",
//!     "kind = \"Gadget\"\ntableName = \"gadget\"\nowner = [\"admin\"]\nprops = []\n",
//! );
//! let errors = SchemaSet::from_files(&[broken], &options).unwrap_err();
//! assert_eq!(
//!     errors.errors()[0].to_string(),
//!     "Gadget.toml:2:13: 442 Gadget.tableName: tableName \"gadget\" must end in \"s\""
//! );
//! ```

mod attributes;
mod collisions;
mod error;
mod json_schema;
mod load;
mod model;
mod skeleton;
mod source;
mod validate;

use std::path::Path;
use std::sync::Arc;

pub use attributes::{
    Attribute, ValueShape, PROP_ATTRIBUTES, RELATION_ATTRIBUTES, SCHEMA_ATTRIBUTES,
    VALIDATE_ATTRIBUTES,
};
pub use error::{SchemaCode, SchemaError, SchemaErrors};
pub use json_schema::json_schema;
pub use model::{
    DbHelper, EnumValue, Origin, Owner, Prop, PropDefault, PropType, Relation, RelationType,
    Schema, Validate,
};
pub use skeleton::{skeleton, table_name_for};
pub use source::{Position, SourceFile, Span};
pub use validate::RESERVED_TABLE_NAMES;

/// What validation needs to know beyond the schema files themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaOptions {
    /// The role names: boolean props of User that grant rights (`view`, `edit`, `owner`).
    pub roles: Vec<String>,
}

impl Default for SchemaOptions {
    /// ving's roles: `admin`, `developer`, `verifiedEmail`.
    fn default() -> Self {
        SchemaOptions {
            roles: ["admin", "developer", "verifiedEmail"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// Every schema of an app, validated together.
#[derive(Debug, Clone)]
pub struct SchemaSet {
    schemas: Vec<Schema>,
}

impl SchemaSet {
    /// Reads every `*.toml` file in `dir` and validates them together.
    pub fn load(dir: &Path, options: &SchemaOptions) -> Result<SchemaSet, SchemaErrors> {
        let files = read_dir(dir)?;
        SchemaSet::from_files(&files, options)
    }

    /// Validates already-read schema files together.
    pub fn from_files(
        files: &[Arc<SourceFile>],
        options: &SchemaOptions,
    ) -> Result<SchemaSet, SchemaErrors> {
        let (schemas, errors) = check(files, options);
        if errors.is_empty() {
            Ok(SchemaSet { schemas })
        } else {
            Err(SchemaErrors(errors))
        }
    }

    /// The schemas, in file-name order.
    pub fn schemas(&self) -> &[Schema] {
        &self.schemas
    }

    /// The schema of `kind`.
    pub fn get(&self, kind: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| s.kind == kind)
    }
}

/// Loads and validates `files` together, returning what could be read and every problem
/// found, sorted by file and position.
pub fn check(
    files: &[Arc<SourceFile>],
    options: &SchemaOptions,
) -> (Vec<Schema>, Vec<SchemaError>) {
    let mut errors = Vec::new();
    let mut schemas = Vec::with_capacity(files.len());
    // The kinds of files that could not be read, guessed from their names: other schemas'
    // references to them are not errors of their own (one error per root cause).
    let mut unreadable = Vec::new();
    for file in files {
        match load::load_schema(file, &mut errors) {
            Some(schema) => schemas.push(schema),
            None => unreadable.push(file.stem()),
        }
    }
    validate::validate(&schemas, &unreadable, options, &mut errors);
    collisions::check(&schemas, &mut errors);
    errors.sort_by(|a, b| (&a.file, a.position).cmp(&(&b.file, b.position)));
    errors.dedup();
    (schemas, errors)
}

/// Validates the schema of one `kind` in the context of all `files` (relations need the
/// other kinds): its problems only, or 404 when no file declares the kind.
pub fn check_kind(
    files: &[Arc<SourceFile>],
    options: &SchemaOptions,
    kind: &str,
    dir: &Path,
) -> Result<(), SchemaErrors> {
    let (schemas, errors) = check(files, options);
    let Some(schema) = schemas.iter().find(|s| s.kind == kind) else {
        let hint = attributes::did_you_mean(schemas.iter().map(|s| s.kind.as_str()), kind);
        return Err(SchemaError {
            code: SchemaCode::NotFound,
            file: dir.to_path_buf(),
            position: None,
            path: kind.to_owned(),
            message: format!("no schema declares kind {kind}{hint}"),
        }
        .into());
    };
    let file = schema.origin.file().path();
    let own: Vec<SchemaError> = errors.into_iter().filter(|e| e.file == file).collect();
    if own.is_empty() {
        Ok(())
    } else {
        Err(SchemaErrors(own))
    }
}

/// Reads every `*.toml` file of a schema folder, in file-name order.
pub fn read_dir(dir: &Path) -> Result<Vec<Arc<SourceFile>>, SchemaErrors> {
    let not_found = |message: String| SchemaError {
        code: SchemaCode::NotFound,
        file: dir.to_path_buf(),
        position: None,
        path: "schemas".into(),
        message,
    };
    let entries = std::fs::read_dir(dir)
        .map_err(|e| not_found(format!("cannot read the schema folder: {e}")))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| not_found(format!("cannot read the schema folder: {e}")))?
            .path();
        if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    let mut errors = Vec::new();
    for path in paths {
        match std::fs::read(&path) {
            Ok(bytes) => match source_from_bytes(&path, bytes) {
                Ok(file) => files.push(file),
                Err(error) => errors.push(error),
            },
            Err(e) => errors.push(SchemaError {
                code: SchemaCode::NotFound,
                file: path.clone(),
                position: None,
                path: path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                message: format!("cannot read the file: {e}"),
            }),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(SchemaErrors(errors))
    }
}

/// Wraps the bytes of a schema file; text that is not UTF-8 is a 442 at the first bad
/// byte.
pub fn source_from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Arc<SourceFile>, SchemaError> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(path, text)),
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let file = SourceFile::new(path, prefix);
            Err(SchemaError {
                code: SchemaCode::OutOfRange,
                file: path.to_path_buf(),
                position: Some(file.position(valid)),
                path: file.stem(),
                message: "the file is not UTF-8 text".into(),
            })
        }
    }
}
