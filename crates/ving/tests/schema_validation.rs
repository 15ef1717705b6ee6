//! Tier 1: the validator against the sample app's schemas and one failing fixture per
//! rule (`tests/fixtures/invalid`). Each fixture marks the lines where errors are
//! expected with `# expect <code> <path>`; the test demands exactly those errors (code,
//! path, line) and no others, and the messages are kept in an insta snapshot.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ving::schema::{self, DbHelper, PropType, SchemaCode, SchemaOptions, SchemaSet, SourceFile};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sample_schemas_dir() -> PathBuf {
    crate_dir().join("../../examples/sample-app/ving/schema/schemas")
}

/// The sample app's schema files, named by their path from the repository root.
fn sample_files() -> Vec<Arc<SourceFile>> {
    let mut names: Vec<_> = std::fs::read_dir(sample_schemas_dir())
        .expect("sample schemas")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(sample_schemas_dir().join(&name)).expect("read");
            SourceFile::new(
                format!("examples/sample-app/ving/schema/schemas/{name}"),
                text,
            )
        })
        .collect()
}

#[test]
fn the_sample_apps_four_kinds_validate() {
    let set = SchemaSet::from_files(&sample_files(), &SchemaOptions::default())
        .unwrap_or_else(|errors| panic!("sample schemas are invalid:\n{errors}"));
    let kinds: Vec<&str> = set.schemas().iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds, ["APIKey", "CronJob", "S3File", "User"]);

    let user = set.get("User").expect("User");
    assert_eq!(user.table_name, "users");
    let names: Vec<&str> = user.props.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "createdAt",
            "updatedAt",
            "username",
            "email",
            "realName",
            "password",
            "passwordType",
            "useAsDisplayName",
            "verifiedEmail",
            "admin",
            "developer",
            "avatarType",
            "bio",
            "avatarId",
            "userId",
            "userId"
        ]
    );
    let paths: Vec<String> = user.props[15..].iter().map(|p| p.path("User")).collect();
    assert_eq!(
        paths,
        ["User.props.userId{apikeys}", "User.props.userId{s3files}"]
    );
    let db = |kind: &str, prop: &str| {
        set.get(kind)
            .and_then(|s| s.column_prop(prop))
            .and_then(|p| p.db)
    };
    assert_eq!(db("User", "id"), Some(DbHelper::Pk));
    assert_eq!(db("User", "createdAt"), Some(DbHelper::Timestamp));
    assert_eq!(db("User", "username"), Some(DbHelper::Varchar));
    assert_eq!(db("User", "bio"), Some(DbHelper::MediumText));
    assert_eq!(db("User", "avatarId"), Some(DbHelper::Relation));
    assert_eq!(db("CronJob", "params"), Some(DbHelper::Json));
    assert_eq!(db("S3File", "sizeInBytes"), Some(DbHelper::Int));
    let updated_at = user.column_prop("updatedAt").expect("updatedAt");
    assert!(updated_at.auto_update && updated_at.filter_range);
    assert_eq!(updated_at.prop_type, PropType::Date);
    let private_key = set
        .get("APIKey")
        .and_then(|s| s.column_prop("privateKey"))
        .expect("privateKey");
    assert_eq!(
        private_key.default,
        Some(schema::PropDefault::Fn("privateKey".into()))
    );
}

/// `(line, code, path)` of each `# expect <code> <path>` marker.
fn expectations(text: &str) -> Vec<(usize, u16, String)> {
    let mut expected = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if let Some((_, marker)) = line.split_once("# expect ") {
            let (code, path) = marker
                .trim()
                .split_once(' ')
                .expect("# expect <code> <path>");
            expected.push((index + 1, code.parse().expect("code"), path.to_owned()));
        }
    }
    expected
}

#[test]
fn each_fixture_reports_exactly_its_expected_errors() {
    let dir = crate_dir().join("tests/fixtures/invalid");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 90,
        "expected a fixture per rule, found {}",
        names.len()
    );
    let mut mismatches = Vec::new();
    let mut transcript = String::new();
    for name in &names {
        let text = std::fs::read_to_string(dir.join(name)).expect("read fixture");
        let expected = expectations(&text);
        assert!(!expected.is_empty(), "{name} has no # expect marker");
        let path = format!("tests/fixtures/invalid/{name}");
        let mut files = sample_files();
        files.push(SourceFile::new(&path, text));
        let (_, errors) = schema::check(&files, &SchemaOptions::default());
        let mut actual: Vec<(usize, u16, String)> = Vec::new();
        for error in &errors {
            assert_eq!(
                error.file,
                Path::new(&path),
                "{name}: an error outside the fixture: {error}"
            );
            let line = error.position.map_or(0, |p| p.line);
            actual.push((line, error.code.code(), error.path.clone()));
            transcript.push_str(&format!("{error}\n"));
        }
        let (mut expected, mut actual_sorted) = (expected, actual);
        expected.sort();
        actual_sorted.sort();
        if expected != actual_sorted {
            let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            mismatches.push(format!(
                "{name}\n  expected {expected:?}\n  found    {actual_sorted:?}\n  {}",
                lines.join("\n  ")
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
    insta::assert_snapshot!("fixture_errors", transcript);
}

#[test]
fn three_mistakes_are_three_errors() {
    let text =
        std::fs::read_to_string(crate_dir().join("tests/fixtures/invalid/three_mistakes.toml"))
            .expect("fixture");
    let mut files = sample_files();
    files.push(SourceFile::new("three_mistakes.toml", text));
    let errors = SchemaSet::from_files(&files, &SchemaOptions::default()).unwrap_err();
    assert_eq!(errors.len(), 3, "{errors}");
    assert_eq!(errors.to_string().lines().count(), 3);
}

#[test]
fn validating_a_kind_that_does_not_exist_is_404() {
    let dir = sample_schemas_dir();
    let error =
        schema::check_kind(&sample_files(), &SchemaOptions::default(), "Widget", &dir).unwrap_err();
    assert_eq!(error.len(), 1);
    assert_eq!(error.errors()[0].code, SchemaCode::NotFound);
    assert_eq!(error.errors()[0].path, "Widget");
    assert!(
        error
            .to_string()
            .contains("404 Widget: no schema declares kind Widget"),
        "{error}"
    );
    schema::check_kind(&sample_files(), &SchemaOptions::default(), "User", &dir)
        .expect("User validates");
}

#[test]
fn a_missing_schema_folder_is_404() {
    let error = SchemaSet::load(
        Path::new("/nonexistent/ving/schemas"),
        &SchemaOptions::default(),
    )
    .unwrap_err();
    assert_eq!(error.errors()[0].code, SchemaCode::NotFound);
}

#[test]
fn configured_roles_must_be_boolean_props_of_user() {
    let options = SchemaOptions {
        roles: vec!["admin".into(), "wizard".into(), "email".into()],
    };
    let errors = SchemaSet::from_files(&sample_files(), &options).unwrap_err();
    let lines: Vec<String> = errors.errors().iter().map(|e| e.message.clone()).collect();
    assert_eq!(
        lines,
        [
            "role wizard (ving.toml roles) must be a boolean prop of User",
            "role email (ving.toml roles) must be a boolean prop of User",
        ]
    );
    // And a role that is not configured is unknown wherever it is used.
    let options = SchemaOptions {
        roles: vec!["developer".into(), "verifiedEmail".into()],
    };
    let errors = SchemaSet::from_files(&sample_files(), &options).unwrap_err();
    assert!(errors.len() >= 5, "{errors}");
    assert!(
        errors
            .errors()
            .iter()
            .all(|e| e.message.contains("\"admin\"")),
        "{errors}"
    );
}

#[test]
fn bytes_that_are_not_utf8_are_a_442_at_the_bad_byte() {
    let error = schema::source_from_bytes(
        Path::new("Bad.toml"),
        b"kind = \"A\"\nx = \"\xff\"".to_vec(),
    )
    .unwrap_err();
    assert_eq!(error.code, SchemaCode::OutOfRange);
    assert_eq!(
        error.to_string(),
        "Bad.toml:2:6: 442 Bad: the file is not UTF-8 text"
    );
}

/// Unknown kinds and types get a suggestion when a known one is close.
#[test]
fn unknown_kinds_and_types_suggest_the_close_one() {
    let mut files = sample_files();
    let dir = sample_schemas_dir();
    let error = schema::check_kind(&files, &SchemaOptions::default(), "Usr", &dir).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("404 Usr: no schema declares kind Usr; did you mean \"User\"?"),
        "{error}"
    );
    files.push(SourceFile::new(
        "Widget.toml",
        "kind = \"Widget\"\ntableName = \"widgets\"\nowner = [\"admin\"]\n\n[[props]]\ntype = \"id\"\nname = \"userId\"\nrequired = true\n[props.relation]\ntype = \"parent\"\nname = \"user\"\nkind = \"Usre\"\n",
    ));
    let errors = SchemaSet::from_files(&files, &SchemaOptions::default()).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "Widget.toml:12:8: 442 Widget.props.userId: relation.kind \"Usre\" is not a known kind; did you mean \"User\"?"
    );
}

/// A file that cannot be read is one error: the schemas that refer to its kind do not
/// add errors of their own.
#[test]
fn a_file_that_does_not_parse_is_one_error_not_many() {
    let files: Vec<_> = sample_files()
        .into_iter()
        .map(|file| {
            if file.path().ends_with("S3File.toml") {
                SourceFile::new(file.path(), "kind = \"S3File\"\n[[props]\n")
            } else {
                file
            }
        })
        .collect();
    let errors = SchemaSet::from_files(&files, &SchemaOptions::default()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors}");
    assert!(errors.errors()[0].file.ends_with("S3File.toml"), "{errors}");
}
