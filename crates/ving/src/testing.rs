//! Helpers for tests that run against real databases: a fresh, empty database per test,
//! on any of the three backends, so tests run in parallel without seeing each other.
//!
//! The servers come from `VING_TEST_MYSQL_URL` and `VING_TEST_POSTGRES_URL` (defaults:
//! `mysql://root@127.0.0.1:3306/test` and `postgres://postgres@127.0.0.1:5432/test`);
//! SQLite needs no server (a file in the temporary folder). When a server cannot be
//! reached, [`TestDb::fresh_or_skip`] reports that the backend is skipped — unless
//! `CI=true`, where every backend must be tested and a missing server fails the test.
//!
//! # Examples
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use ving::config::Backend;
//! use ving::testing::TestDb;
//!
//! let test = TestDb::fresh(Backend::Sqlite).await.unwrap();
//! test.db().ping().await.unwrap();
//! test.cleanup().await;
//! # });
//! ```

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::config::{Backend, DatabaseUrl};
use crate::db::{Db, DbError};

/// Every backend, for tests that run once per backend.
pub const BACKENDS: [Backend; 3] = [Backend::Sqlite, Backend::MySql, Backend::Postgres];

/// The test server URL of a backend (SQLite: `None`, it needs no server).
pub fn server_url(backend: Backend) -> Option<String> {
    let from_env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match backend {
        Backend::MySql => Some(
            from_env("VING_TEST_MYSQL_URL")
                .unwrap_or_else(|| "mysql://root@127.0.0.1:3306/test".into()),
        ),
        Backend::Postgres => Some(
            from_env("VING_TEST_POSTGRES_URL")
                .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into()),
        ),
        Backend::Sqlite => None,
    }
}

/// Whether this run is CI (`CI=true`), where every backend must be tested.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// How a fresh MySQL/MariaDB test database compares text (the other backends have one
/// choice: PostgreSQL's server default, SQLite's `BINARY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Collation {
    /// `utf8mb4_nopad_bin`: byte-exact comparisons, as on the other two backends.
    #[default]
    Exact,
    /// The server's default (MariaDB's `utf8mb4_general_ci`: case-insensitive), as real
    /// deployments have it.
    ServerDefault,
}

/// A fresh database, dropped by [`TestDb::cleanup`].
#[derive(Debug)]
pub struct TestDb {
    db: Db,
    backend: Backend,
    collation: Collation,
    name: String,
    url: String,
    admin: Option<Db>,
    file: Option<PathBuf>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "ving_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// `url` with its database (path) replaced by `name`.
fn with_database(url: &str, name: &str) -> Result<String, DbError> {
    let mut parsed =
        url::Url::parse(url).map_err(|e| DbError::Invalid(format!("test URL {url}: {e}")))?;
    parsed.set_path(&format!("/{name}"));
    Ok(parsed.to_string())
}

impl TestDb {
    /// A new, empty database on `backend` (byte-exact text comparisons everywhere).
    pub async fn fresh(backend: Backend) -> Result<TestDb, DbError> {
        TestDb::fresh_with(backend, Collation::Exact).await
    }

    /// A new, empty database on `backend`, with the given collation on MySQL/MariaDB.
    pub async fn fresh_with(backend: Backend, collation: Collation) -> Result<TestDb, DbError> {
        let name = unique_name();
        let Some(server) = server_url(backend) else {
            let file = std::env::temp_dir().join(format!("{name}.db"));
            let text = format!("sqlite://{}", file.display());
            let url = DatabaseUrl::parse(&text)?;
            let db = Db::connect(&url, &std::env::temp_dir()).await?;
            return Ok(TestDb {
                db,
                backend,
                collation,
                name,
                url: text,
                admin: None,
                file: Some(file),
            });
        };
        let admin = Db::connect(&DatabaseUrl::parse(&server)?, &std::env::temp_dir()).await?;
        let create = match (backend, collation) {
            // Binary, no-pad collation: comparisons are byte-exact, as on the other two.
            (Backend::MySql, Collation::Exact) => {
                format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin")
            }
            (Backend::MySql, Collation::ServerDefault) => format!("CREATE DATABASE `{name}`"),
            _ => format!("CREATE DATABASE \"{name}\""),
        };
        admin.execute_script(&create).await?;
        let text = with_database(&server, &name)?;
        let url = DatabaseUrl::parse(&text)?;
        let db = Db::connect(&url, &std::env::temp_dir()).await?;
        Ok(TestDb {
            db,
            backend,
            collation,
            name,
            url: text,
            admin: Some(admin),
            file: None,
        })
    }

    /// Like [`TestDb::fresh`], but when the server cannot be reached outside CI, prints
    /// that the backend is skipped and returns `None`. Under `CI=true` it panics instead:
    /// this is for tests, where a panic is the test failing.
    pub async fn fresh_or_skip(backend: Backend) -> Option<TestDb> {
        TestDb::fresh_or_skip_with(backend, Collation::Exact).await
    }

    /// [`TestDb::fresh_or_skip`] with the given collation on MySQL/MariaDB.
    pub async fn fresh_or_skip_with(backend: Backend, collation: Collation) -> Option<TestDb> {
        match TestDb::fresh_with(backend, collation).await {
            Ok(test) => Some(test),
            Err(error) if backend != Backend::Sqlite && !in_ci() => {
                eprintln!(
                    "SKIPPED {backend} tests: {error} (start the server, or set CI=true to make this a failure)"
                );
                None
            }
            Err(error) => panic!("{backend} must be available for this test: {error}"),
        }
    }

    /// The connection pool of the fresh database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether `=` and `LIKE` on text columns ignore case in this database (MySQL/MariaDB
    /// under the server's default collation).
    pub fn folds_case(&self) -> bool {
        self.backend == Backend::MySql && self.collation == Collation::ServerDefault
    }

    /// The URL of the fresh database, for another process to connect to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name (or the SQLite file's stem).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Closes the pool and drops the database.
    pub async fn cleanup(self) {
        self.db.close().await;
        if let Some(admin) = &self.admin {
            let drop = match self.backend {
                Backend::MySql => format!("DROP DATABASE IF EXISTS `{}`", self.name),
                _ => format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
            };
            let _ = admin.execute_script(&drop).await;
            admin.close().await;
        }
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}
