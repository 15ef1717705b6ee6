//! What the backend-neutral suites share: a fresh database per test with the sample app's
//! tables, a user row, and `per_backend!`, which runs each test on SQLite, MariaDB (with
//! byte-exact text and with the server's default, case-insensitive collation) and
//! PostgreSQL.

#![allow(dead_code)]

use ving::config::Backend;
use ving::schema::{SchemaOptions, SchemaSet};
use ving::table::TableModel;
use ving::testing::{Collation, TestDb};
use ving_sample_app::drizzle::schema::UserInsert;

/// The sample app's tables.
pub fn model() -> TableModel {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas");
    TableModel::from_schemas(&SchemaSet::load(&dir, &SchemaOptions::default()).expect("schemas"))
}

/// A fresh database of `backend` with the sample app's tables, or `None` (and a message)
/// when the backend is not there to test.
pub async fn setup(backend: Backend, collation: Collation) -> Option<TestDb> {
    let test = TestDb::fresh_or_skip_with(backend, collation).await?;
    test.db()
        .create_tables(&model())
        .await
        .expect("create tables");
    Some(test)
}

/// A user row named `name`.
pub fn user(name: &str) -> UserInsert {
    UserInsert {
        username: Some(name.into()),
        email: Some(format!("{name}@example.com")),
        real_name: Some(name.to_uppercase()),
        password: Some("xxx".into()),
        ..UserInsert::new(String::new())
    }
}

/// Runs each test of `db: […]` (given the `Db`) and of `test: […]` (given the `TestDb`)
/// in a fresh database per backend: a module per backend, a test per function.
macro_rules! per_backend {
    (db: [$($test:ident),* $(,)?], test: [$($with_test:ident),* $(,)?] $(,)?) => {
        per_backend!(@backend sqlite, Backend::Sqlite, Collation::Exact, [$($test),*], [$($with_test),*]);
        per_backend!(@backend mariadb, Backend::MySql, Collation::Exact, [$($test),*], [$($with_test),*]);
        per_backend!(@backend mariadb_default_collation, Backend::MySql, Collation::ServerDefault, [$($test),*], [$($with_test),*]);
        per_backend!(@backend postgres, Backend::Postgres, Collation::Exact, [$($test),*], [$($with_test),*]);
    };
    (@backend $module:ident, $backend:expr, $collation:expr, [$($test:ident),*], [$($with_test:ident),*]) => {
        mod $module {
            use super::*;
            $(
                #[tokio::test]
                async fn $test() {
                    if let Some(test) = setup($backend, $collation).await {
                        super::$test(test.db()).await;
                        test.cleanup().await;
                    }
                }
            )*
            $(
                #[tokio::test]
                async fn $with_test() {
                    if let Some(test) = setup($backend, $collation).await {
                        super::$with_test(&test).await;
                        test.cleanup().await;
                    }
                }
            )*
        }
    };
}
