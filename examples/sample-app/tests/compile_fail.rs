//! Type safety of the query builder: each file in `tests/compile_fail/` breaks one rule
//! and must not compile; the compiler's message is committed beside it (`.stderr`).
//! Regenerate the messages with `TRYBUILD=overwrite cargo test -p ving-sample-app --test compile_fail`.
//!
//! Also the other side: code ving generates for names that are Rust keywords compiles
//! and runs.

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
    // A date whose default is now: filled by the builder when an insert leaves it out.
    schema.push_str(
        "\n[[props]]\nname = \"startsAt\"\ntype = \"date\"\nrequired = true\ndefault = \"now\"\nview = [\"public\"]\nedit = [\"owner\"]\n",
    );
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
    let ddl = ving::sql::dialect(ving::config::Backend::Sqlite).create_table(&model.tables[0]);
    let main = format!(
        "mod drizzle {{ pub mod schema {{ #[path = {table:?}] pub mod keyword; }} }}\n\
         mod record {{ pub mod generated {{ #[path = {record:?}] pub mod keyword; }} }}\n\
         {MAIN}\nconst DDL: &str = {ddl:?};\n",
        table = dir.join("table.rs"),
        record = dir.join("record.rs"),
    );
    let main_path = dir.join("main.rs");
    std::fs::write(&main_path, main).expect("write");
    trybuild::TestCases::new().pass(&main_path);
}

/// The test crate's `main`: inserts a row that gives no value on SQLite and reads it back.
const MAIN: &str = r#"
use drizzle::schema::keyword::{KeywordInsert, KeywordTable};

fn main() {
    let _ = record::generated::keyword::Keywords;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let url = ving::config::DatabaseUrl::parse("sqlite::memory:").expect("url");
        let db = ving::db::Db::connect(&url, std::path::Path::new("."))
            .await
            .expect("SQLite in memory");
        db.execute_script(DDL).await.expect("the table");
        let before = ving::drizzle::now();
        db.insert(KeywordTable)
            .values([KeywordInsert::new()])
            .execute()
            .await
            .expect("insert");
        let rows = db.select().from(KeywordTable).all().await.expect("select");
        assert!(
            rows[0].starts_at >= before && rows[0].starts_at <= ving::drizzle::now(),
            "a date whose default is now is now when an insert leaves it out, not {}",
            rows[0].starts_at
        );
        assert_eq!((rows[0].r#type.as_str(), rows[0].r#fn, rows[0].r#if), ("", false, false));
    });
}
"#;
