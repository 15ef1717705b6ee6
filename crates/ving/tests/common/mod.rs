//! Helpers shared by the tests that talk to real databases.
//!
//! The servers come from `VING_TEST_MYSQL_URL` and `VING_TEST_POSTGRES_URL` (defaults:
//! the local MariaDB and PostgreSQL of the development machine). When a server cannot be
//! reached, a developer's run skips that backend with a message; under `CI=true` it is a
//! failure, because CI must exercise every backend.

#![allow(dead_code)]

use ving::config::{Backend, DatabaseUrl};
use ving::db::Db;

/// The test server URL for a backend (SQLite: an in-memory database).
pub fn server_url(backend: Backend) -> String {
    let from_env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match backend {
        Backend::MySql => from_env("VING_TEST_MYSQL_URL")
            .unwrap_or_else(|| "mysql://root@127.0.0.1:3306/test".into()),
        Backend::Postgres => from_env("VING_TEST_POSTGRES_URL")
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into()),
        Backend::Sqlite => "sqlite::memory:".into(),
    }
}

/// Whether this run is CI, where every backend must be tested.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Connects to `url`, or — outside CI, for a server backend — reports that the backend
/// is skipped and returns `None`.
pub async fn connect_or_skip(url: &DatabaseUrl, root: &std::path::Path) -> Option<Db> {
    match Db::connect(url, root).await {
        Ok(db) => Some(db),
        Err(error) if url.backend() != Backend::Sqlite && !in_ci() => {
            eprintln!(
                "SKIPPED {} tests: {error} (start the server, or set CI=true to make this a failure)",
                url.backend()
            );
            None
        }
        Err(error) => panic!("{} must be reachable: {error}", url.backend()),
    }
}
