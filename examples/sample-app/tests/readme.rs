//! The README's query example (`tests/readme/tour.rs`, which rustfmt leaves alone),
//! compiled and run on SQLite, MariaDB and PostgreSQL; a test checks that the README shows
//! exactly that code (with `my_app` for the sample app's crate name).

#[rustfmt::skip]
#[path = "readme/tour.rs"]
mod tour;


use ving::config::Backend;
use ving::schema::{SchemaOptions, SchemaSet};
use ving::table::TableModel;
use ving::testing::TestDb;

#[test]
fn the_readme_shows_this_code() {
    let readme = include_str!("../../../README.md");
    let code = include_str!("readme/tour.rs")
        .replace("ving_sample_app::", "my_app::")
        .replace("pub async fn tour(", "async fn tour(");
    let shown = format!("```rust\n{code}```");
    assert!(
        readme.contains(&shown),
        "README.md must show the code of tests/readme/tour.rs:\n{code}"
    );
}

async fn run(backend: Backend) {
    let Some(test) = TestDb::fresh_or_skip(backend).await else {
        return;
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas");
    let model = TableModel::from_schemas(
        &SchemaSet::load(&dir, &SchemaOptions::default()).expect("schemas"),
    );
    test.db().create_tables(&model).await.expect("tables");
    tour::tour(test.db()).await.expect("the README's tour");
    test.cleanup().await;
}

#[tokio::test]
async fn readme_on_sqlite() {
    run(Backend::Sqlite).await;
}

#[tokio::test]
async fn readme_on_mariadb() {
    run(Backend::MySql).await;
}

#[tokio::test]
async fn readme_on_postgres() {
    run(Backend::Postgres).await;
}
