//! Type safety of the query builder: each file in `tests/compile_fail/` breaks one rule
//! and must not compile; the compiler's message is committed beside it (`.stderr`).
//! Regenerate the messages with `TRYBUILD=overwrite cargo test -p ving-sample-app --test compile_fail`.
//!
//! Also the other side: code ving generates for names that are Rust keywords compiles.

use std::fmt::Write as _;
use std::path::Path;

use ving::schema::{SchemaOptions, SchemaSet, SourceFile};
use ving::table::TableModel;

#[test]
fn wrong_queries_do_not_compile() {
    trybuild::TestCases::new().compile_fail("tests/compile_fail/*.rs");
}

/// Every Rust keyword a raw identifier can spell (all but `self`, `super`, `crate` and
/// `Self`, which the validator refuses).
const KEYWORDS: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "static",
    "struct",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "macro_rules",
    "union",
    "raw",
    "safe",
];

/// A kind with a prop named after each keyword: its table and record code, generated as
/// `ving drizzle --tables` and `ving record` write them, compile in a crate that uses them.
#[test]
fn props_named_like_rust_keywords_generate_code_that_compiles() {
    let mut schema =
        String::from("kind = \"Keyword\"\ntableName = \"keywords\"\nowner = [\"admin\"]\n");
    for (index, keyword) in KEYWORDS.iter().enumerate() {
        let prop = match index % 3 {
            0 => "type = \"string\"\nlength = 20\ndefault = \"\"",
            1 => "type = \"int\"\ndefault = 0",
            _ => "type = \"boolean\"\ndefault = false\nenums = [false, true]\nenumLabels = [\"No\", \"Yes\"]",
        };
        write!(
            schema,
            "\n[[props]]\nname = \"{keyword}\"\n{prop}\nrequired = true\nview = [\"public\"]\nedit = [\"owner\"]\n"
        )
        .expect("write to a String");
    }
    let file = SourceFile::new("ving/schema/schemas/Keyword.toml", schema);
    let set = SchemaSet::from_files(&[file], &SchemaOptions::default())
        .unwrap_or_else(|errors| panic!("every keyword but four is a valid prop name:\n{errors}"));
    let model = TableModel::from_schemas(&set);
    let source = |_: &str| "ving/schema/schemas/Keyword.toml".to_owned();
    let tables = ving::codegen::table_files(&model, source).expect("table code");
    let records =
        ving::codegen::record_files(&set, &model, "crate::drizzle::schema", source, |_| None)
            .expect("record code");

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("keywords");
    std::fs::create_dir_all(&dir).expect("a folder for the generated code");
    let contents = |files: &[ving::codegen::GeneratedFile], name: &str| {
        files
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{name} is generated"))
            .contents
            .clone()
    };
    std::fs::write(dir.join("table.rs"), contents(&tables, "keyword.rs")).expect("write");
    std::fs::write(dir.join("record.rs"), contents(&records, "keyword.rs")).expect("write");
    let main = format!(
        "mod drizzle {{ pub mod schema {{ #[path = {table:?}] pub mod keyword; }} }}\n\
         mod record {{ pub mod generated {{ #[path = {record:?}] pub mod keyword; }} }}\n\
         fn main() {{\n    let _ = record::generated::keyword::Keywords;\n}}\n",
        table = dir.join("table.rs"),
        record = dir.join("record.rs"),
    );
    let main_path = dir.join("main.rs");
    std::fs::write(&main_path, main).expect("write");
    trybuild::TestCases::new().pass(&main_path);
}
