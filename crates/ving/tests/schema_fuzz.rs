//! Property tests: whatever bytes or TOML the loader and validator are given, they never
//! panic, and every problem is a one-line error with a place in the file.
//!
//! Each property runs `PROPTEST_CASES` cases (256 by default). A longer run:
//! `PROPTEST_CASES=100000 cargo test --release -p ving --test schema_fuzz`.

use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;
use ving::schema::{self, SchemaOptions, SourceFile};

fn sample_files() -> Vec<Arc<SourceFile>> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sample-app/ving/schema/schemas");
    schema::read_dir(&dir).expect("sample schemas")
}

/// Runs the whole loader and validator on `file` beside the sample app's schemas and
/// checks the shape of every error.
fn check_never_panics(file: Arc<SourceFile>) -> Result<(), TestCaseError> {
    let line_count = file.text().lines().count().max(1) + 1;
    let mut files = sample_files();
    files.push(file.clone());
    let (_, errors) = schema::check(&files, &SchemaOptions::default());
    for error in errors {
        let text = error.to_string();
        prop_assert!(!text.contains('\n'), "multi-line error: {text}");
        prop_assert!(!error.message.is_empty());
        if error.file == file.path() {
            let position = error.position.expect("errors in a file have a position");
            prop_assert!(position.line >= 1 && position.line <= line_count, "{text}");
            prop_assert!(position.column >= 1, "{text}");
        }
    }
    Ok(())
}

/// Words that steer generated documents towards the validator's deeper rules.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "kind", "tableName", "owner", "props", "type", "name", "required", "default", "db",
            "validate", "view", "edit", "relation", "enums", "enumLabels", "options", "noSetAll",
            "length", "unique", "uniqueQualifiers", "filterQuery", "filterQualifier",
            "filterRange", "allowRealPubicId", "autoUpdate", "skipOwnerCheck",
            "acceptedFileExtensions", "email", "url", "regex", "min", "max", "fn", "string",
            "int", "date", "enum", "id", "json", "virtual", "boolean", "parent", "child",
            "User", "S3File", "APIKey", "Widget", "widgets", "users", "$userId", "$id", "^user",
            "admin", "owner", "public", "varchar", "text", "mediumText", "pk", "relation", "now",
            "userId", "label", "{}", "[", "(", "",
        ]).prop_map(str::to_owned),
        1 => "\\PC{0,12}",
    ]
}

#[derive(Debug, Clone)]
enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Array(Vec<Value>),
    Table(Vec<(String, Value)>),
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        4 => word().prop_map(Value::Str),
        2 => prop_oneof![Just(0i64), Just(1), Just(60), Just(256), Just(70000), Just(-1), any::<i64>()]
            .prop_map(Value::Int),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::Float),
        2 => any::<bool>().prop_map(Value::Bool),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((word(), inner), 0..5).prop_map(Value::Table),
        ]
    })
}

fn render(value: &Value) -> String {
    match value {
        Value::Str(s) => serde_json::to_string(s).expect("string"),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(render).collect::<Vec<_>>().join(", ")
        ),
        Value::Table(entries) => format!(
            "{{ {} }}",
            entries
                .iter()
                .map(|(k, v)| format!("{} = {}", serde_json::to_string(k).expect("key"), render(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A TOML document shaped like a schema: top-level attributes, then `[[props]]` tables.
fn document() -> impl Strategy<Value = String> {
    let entries = || prop::collection::vec((word(), value()), 0..10);
    (entries(), prop::collection::vec(entries(), 0..5)).prop_map(|(top, props)| {
        let mut text = String::new();
        let mut seen = std::collections::HashSet::new();
        for (key, value) in top
            .iter()
            .filter(|(k, _)| k != "props" && seen.insert(k.clone()))
        {
            text.push_str(&format!(
                "{} = {}\n",
                serde_json::to_string(key).expect("key"),
                render(value)
            ));
        }
        for prop in props {
            text.push_str("\n[[props]]\n");
            let mut seen = std::collections::HashSet::new();
            for (key, value) in prop.iter().filter(|(k, _)| seen.insert(k.clone())) {
                text.push_str(&format!(
                    "{} = {}\n",
                    serde_json::to_string(key).expect("key"),
                    render(value)
                ));
            }
        }
        text
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        match schema::source_from_bytes(Path::new("Fuzz.toml"), bytes) {
            Ok(file) => check_never_panics(file)?,
            Err(error) => prop_assert!(!error.to_string().contains('\n')),
        }
    }

    #[test]
    fn arbitrary_toml_never_panics(text in document()) {
        check_never_panics(SourceFile::new("Fuzz.toml", text))?;
    }

    /// Near-valid input: a sample schema with characters deleted, inserted or replaced.
    #[test]
    fn mutated_sample_schemas_never_panic(
        which in 0usize..4,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<char>()), 1..8),
    ) {
        let files = sample_files();
        let mut chars: Vec<char> = files[which].text().chars().collect();
        for (at, op, c) in edits {
            let i = at.index(chars.len().max(1)).min(chars.len());
            match op {
                0 if i < chars.len() => { chars.remove(i); }
                1 => chars.insert(i, c),
                _ if i < chars.len() => chars[i] = c,
                _ => {}
            }
        }
        check_never_panics(SourceFile::new("Mutated.toml", chars.into_iter().collect::<String>()))?;
    }
}
