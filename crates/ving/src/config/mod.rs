//! Configuration: `ving.toml` (paths, rest version, roles, a database URL fallback), a
//! `.env` file, and the database URL rules.
//!
//! The database comes from, in order: the `VING_DATABASE_URL` environment variable, then
//! `VING_MYSQL` (ving's name for it), then the same two names in the project's `.env`,
//! then `[database] url` in `ving.toml`, then the embedded default `sqlite://ving.db`.
//! The `.env` file is read, never written into the process environment.
//!
//! # Examples
//!
//! ```
//! use ving::config::{Backend, Config};
//!
//! let dir = std::env::temp_dir().join("ving-config-doc");
//! std::fs::create_dir_all(&dir).unwrap();
//! std::fs::write(dir.join("ving.toml"), "[paths]\nschemas = \"schemas\"\n").unwrap();
//! let config = Config::load_with_env(&dir, |_| None).unwrap();
//! assert_eq!(config.schemas_dir(), dir.join("schemas"));
//! let url = config.database_url().unwrap();
//! assert_eq!(url.backend(), Backend::Sqlite);
//! assert_eq!(url.to_string(), "sqlite://ving.db");
//! ```

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

mod database_url;

pub use database_url::{DatabaseUrl, PoolSettings};

/// The embedded default database: SQLite in a file beside `ving.toml`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://ving.db";

/// The environment variables holding the database URL, in order of precedence.
pub const DATABASE_URL_VARIABLES: [&str; 2] = ["VING_DATABASE_URL", "VING_MYSQL"];

/// The environment variable holding the read replicas' URLs, comma-separated.
pub const REPLICAS_VARIABLE: &str = "VING_DATABASE_REPLICAS";

/// Why configuration could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `ving.toml` or `.env` exists but could not be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `ving.toml` is not valid.
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        /// The file.
        file: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// `.env` is not valid.
    #[error("{file}: {message}")]
    Env {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// `[migrations]` names folders for other dialects but not this database's.
    #[error("ving.toml [migrations] has no folder for {backend} (it has: {configured}): add {key} = \"ving/drizzle/{key}\" there, then `ving drizzle --prepare` writes its migrations")]
    NoMigrationsFolder {
        /// The database's backend.
        backend: Backend,
        /// The key to add (`mysql`, `postgres`, `sqlite`).
        key: &'static str,
        /// The keys that are set.
        configured: String,
    },
    /// No ving project in the folder or above it, and no database URL given: the embedded
    /// default would make an empty `ving.db` in a folder nobody chose.
    #[error("no ving project in {} or a folder above it (no ving.toml, no ving/schema/schemas), and no database URL: ving.db would be a new, empty database here. Set VING_DATABASE_URL (or VING_MYSQL), or run from the project's folder", folder.display())]
    NoProject {
        /// The folder searched from.
        folder: PathBuf,
    },
    /// The database URL cannot be used.
    #[error("database URL {url:?} (from {source_name}): {message}")]
    DatabaseUrl {
        /// The URL, with any password hidden.
        url: String,
        /// Where the URL came from.
        source_name: String,
        /// What is wrong.
        message: String,
    },
}

/// A ving project's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    root: PathBuf,
    file: ConfigFile,
    database_url: Option<(String, String)>,
    replicas: Option<(String, String)>,
    skipjack_key: Option<String>,
}

/// `ving.toml` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConfigFile {
    /// `[paths]`: where the project's files are, relative to `ving.toml`.
    pub paths: Paths,
    /// `[rest]`: the REST API's settings.
    pub rest: Rest,
    /// `[database]`: the fallback database URL.
    pub database: DatabaseSection,
    /// `[schema]`: schema-wide settings.
    pub schema: SchemaSection,
    /// `[migrations]`: a migrations folder per dialect, for an app developed on one
    /// database and deployed on another.
    pub migrations: MigrationsSection,
}

/// `[migrations]` of `ving.toml`: a migrations folder per dialect, relative to the
/// project (for example `mysql = "ving/drizzle/migrations"`, drizzle-kit's folder, and
/// `sqlite = "ving/drizzle/sqlite"`). `--prepare` writes the next migration in
/// each, from the same diff; the commands that talk to a database use its dialect's. With
/// none set, `[paths] migrations` serves whichever dialect it was started for.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MigrationsSection {
    /// The MySQL/MariaDB migrations folder.
    pub mysql: Option<String>,
    /// The PostgreSQL migrations folder.
    pub postgres: Option<String>,
    /// The SQLite migrations folder.
    pub sqlite: Option<String>,
}

/// `[paths]` of `ving.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Paths {
    /// The schema files (`ving/schema/schemas`).
    pub schemas: PathBuf,
    /// The migrations folder (`ving/drizzle/migrations`).
    pub migrations: PathBuf,
    /// The generated table definitions (`src/drizzle/schema`).
    pub tables: PathBuf,
    /// The record modules (`src/record`).
    pub records: PathBuf,
    /// The REST modules `ving record --rest` writes (`src/rest`).
    pub rest: PathBuf,
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            schemas: "ving/schema/schemas".into(),
            migrations: "ving/drizzle/migrations".into(),
            tables: "src/drizzle/schema".into(),
            records: "src/record".into(),
            rest: "src/rest".into(),
        }
    }
}

/// `[rest]` of `ving.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rest {
    /// The REST API version, used in links (`/api/v1/…`).
    pub version: u32,
}

impl Default for Rest {
    fn default() -> Self {
        Rest { version: 1 }
    }
}

/// `[database]` of `ving.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSection {
    /// The database URL used when no environment variable gives one.
    pub url: Option<String>,
    /// The most connections the pool opens (default 10).
    pub max_connections: Option<u32>,
    /// Connections the pool keeps open even when idle (default 0).
    pub min_connections: Option<u32>,
    /// Seconds to wait for a free connection (or a server) before failing (default 5).
    pub acquire_timeout: Option<f64>,
    /// Seconds an idle connection is kept before it is closed; 0 keeps them (default
    /// 600).
    pub idle_timeout: Option<f64>,
    /// Read replicas' URLs: reads outside a transaction go to them (see
    /// [`crate::replicas`]).
    pub replicas: Vec<String>,
    /// Seconds a replica may lag behind before reads skip it (default 5).
    pub max_replica_lag: Option<f64>,
    /// TLS to MySQL/MariaDB and PostgreSQL when the URL does not say (its `sslmode` or
    /// `ssl-mode`): `disable`, `prefer` (the drivers' default), `require`, `verify-ca` or
    /// `verify-full` (MySQL's spellings `DISABLED` … `VERIFY_IDENTITY` work too). The
    /// primary and the replicas use it.
    pub ssl_mode: Option<String>,
    /// The certificate authority (a PEM file, relative to the project) that `verify-ca`
    /// and `verify-full` check the server's certificate against, when the URL does not
    /// say (`sslrootcert` or `ssl-ca`).
    pub ssl_ca: Option<String>,
}

/// `[schema]` of `ving.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchemaSection {
    /// The role names: boolean props of User (ving's `admin`, `developer`,
    /// `verifiedEmail`).
    pub roles: Vec<String>,
}

impl Default for SchemaSection {
    fn default() -> Self {
        SchemaSection {
            roles: crate::schema::SchemaOptions::default().roles,
        }
    }
}

impl Config {
    /// Reads the project at `root` (its `ving.toml` and `.env`, both optional), taking
    /// database variables from the process environment.
    pub fn load(root: &Path) -> Result<Config, ConfigError> {
        Config::load_with_env(root, |name| std::env::var(name).ok())
    }

    /// Like [`Config::load`], with the environment given as a function (for tests and
    /// embedding).
    pub fn load_with_env(
        root: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let file = read_config_file(&root.join("ving.toml"))?;
        let dotenv = read_dotenv(&root.join(".env"))?;
        let from_env = DATABASE_URL_VARIABLES.iter().find_map(|name| {
            env(name)
                .filter(|v| !v.is_empty())
                .map(|v| (v, name.to_string()))
        });
        let from_dotenv = || {
            DATABASE_URL_VARIABLES.iter().find_map(|name| {
                dotenv
                    .get(*name)
                    .filter(|v| !v.is_empty())
                    .map(|v| (v.clone(), format!("{name} in .env")))
            })
        };
        let from_file = || {
            file.database
                .url
                .clone()
                .map(|url| (url, "ving.toml [database] url".to_owned()))
        };
        let database_url = from_env.or_else(from_dotenv).or_else(from_file);
        let replicas = env(REPLICAS_VARIABLE)
            .filter(|v| !v.trim().is_empty())
            .map(|v| (v, REPLICAS_VARIABLE.to_owned()))
            .or_else(|| {
                dotenv
                    .get(REPLICAS_VARIABLE)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (v.clone(), format!("{REPLICAS_VARIABLE} in .env")))
            });
        let skipjack_key = env(crate::id::KEY_VARIABLE)
            .or_else(|| dotenv.get(crate::id::KEY_VARIABLE).cloned())
            .filter(|v| !v.trim().is_empty());
        Ok(Config {
            root: root.to_path_buf(),
            file,
            database_url,
            replicas,
            skipjack_key,
        })
    }

    /// The project folder (where `ving.toml` is).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `ving.toml` as read (defaults filled in).
    pub fn file(&self) -> &ConfigFile {
        &self.file
    }

    /// The schema folder.
    pub fn schemas_dir(&self) -> PathBuf {
        clean_join(&self.root, &self.file.paths.schemas)
    }

    /// The migrations folder.
    pub fn migrations_dir(&self) -> PathBuf {
        clean_join(&self.root, &self.file.paths.migrations)
    }

    /// The migrations folders `[migrations]` sets, per backend (empty when it sets none).
    pub fn migration_folders(&self) -> Vec<(Backend, PathBuf)> {
        let section = &self.file.migrations;
        [
            (Backend::MySql, &section.mysql),
            (Backend::Postgres, &section.postgres),
            (Backend::Sqlite, &section.sqlite),
        ]
        .into_iter()
        .filter_map(|(backend, dir)| {
            Some((backend, clean_join(&self.root, Path::new(dir.as_ref()?))))
        })
        .collect()
    }

    /// The migrations folder of `backend`'s databases: its `[migrations]` folder, else
    /// `[paths] migrations` when `[migrations]` sets none; an error naming the setting to
    /// add when it sets folders for other dialects only.
    pub fn migrations_dir_for(&self, backend: Backend) -> Result<PathBuf, ConfigError> {
        let folders = self.migration_folders();
        if folders.is_empty() {
            return Ok(self.migrations_dir());
        }
        let key = |backend: Backend| match backend {
            Backend::MySql => "mysql",
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        };
        folders
            .iter()
            .find(|(b, _)| *b == backend)
            .map(|(_, dir)| dir.clone())
            .ok_or_else(|| ConfigError::NoMigrationsFolder {
                backend,
                key: key(backend),
                configured: folders
                    .iter()
                    .map(|(b, _)| key(*b))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The folder of generated table definitions.
    pub fn tables_dir(&self) -> PathBuf {
        clean_join(&self.root, &self.file.paths.tables)
    }

    /// The folder of record modules.
    pub fn records_dir(&self) -> PathBuf {
        clean_join(&self.root, &self.file.paths.records)
    }

    /// Where `ving record --rest` writes the REST modules.
    pub fn rest_dir(&self) -> PathBuf {
        clean_join(&self.root, &self.file.paths.rest)
    }

    /// Options for schema validation (the roles).
    pub fn schema_options(&self) -> crate::schema::SchemaOptions {
        crate::schema::SchemaOptions {
            roles: self.file.schema.roles.clone(),
        }
    }

    /// The same configuration with `url` as its database URL, `source` saying where it
    /// came from (`--database-url`): it wins over the variables and `ving.toml`.
    pub fn with_database_url(mut self, url: &str, source: &str) -> Config {
        self.database_url = Some((url.to_owned(), source.to_owned()));
        self
    }

    /// The folder of the ving project `start` is in: `start` itself or the nearest
    /// folder above it holding a `ving.toml` or ving's schema folder
    /// (`ving/schema/schemas`), as cargo finds `Cargo.toml`; `None` when there is none.
    pub fn find_root(start: &Path) -> Option<PathBuf> {
        start
            .ancestors()
            .find(|dir| {
                dir.join("ving.toml").is_file() || dir.join(Paths::default().schemas).is_dir()
            })
            .map(Path::to_path_buf)
    }

    /// Whether no variable, `.env` or `ving.toml` gives a database URL, so that the
    /// embedded default (`sqlite://ving.db`, beside `ving.toml`) is used.
    pub fn uses_default_database(&self) -> bool {
        self.database_url.is_none()
    }

    /// The database URL by the rules in the module docs, with the pool settings of
    /// `ving.toml [database]` where the URL gives none.
    pub fn database_url(&self) -> Result<DatabaseUrl, ConfigError> {
        let url = match &self.database_url {
            Some((url, source)) => DatabaseUrl::parse_from(url, source)?,
            None => DatabaseUrl::parse_from(DEFAULT_DATABASE_URL, "the embedded default")?,
        };
        let section = &self.file.database;
        let settings =
            PoolSettings::from_section(section).map_err(|message| ConfigError::DatabaseUrl {
                url: url.to_string(),
                source_name: "ving.toml [database]".into(),
                message,
            })?;
        self.with_tls_settings(url.with_pool_fallback(settings))
    }

    /// `url` with `[database] ssl_mode` and `ssl_ca` where it does not say otherwise.
    fn with_tls_settings(&self, url: DatabaseUrl) -> Result<DatabaseUrl, ConfigError> {
        let section = &self.file.database;
        let ca = section
            .ssl_ca
            .as_ref()
            .map(|ca| clean_join(self.root(), Path::new(ca)));
        let shown = url.to_string();
        url.with_tls(section.ssl_mode.as_deref(), ca.as_deref())
            .map_err(|message| ConfigError::DatabaseUrl {
                url: shown,
                source_name: "ving.toml [database]".into(),
                message,
            })
    }
}

impl Config {
    /// The read replicas' URLs: `VING_DATABASE_REPLICAS` (comma-separated; environment,
    /// then `.env`), else `[database] replicas`.
    pub fn replica_urls(&self) -> Result<Vec<DatabaseUrl>, ConfigError> {
        let pool = self.database_url()?.pool();
        match &self.replicas {
            Some((list, source)) => list
                .split(',')
                .map(str::trim)
                .filter(|url| !url.is_empty())
                .map(|url| {
                    let url = DatabaseUrl::parse_from(url, source)?.with_pool_fallback(pool);
                    self.with_tls_settings(url)
                })
                .collect(),
            None => self
                .file
                .database
                .replicas
                .iter()
                .map(|url| {
                    let url = DatabaseUrl::parse_from(url, "ving.toml [database] replicas")?
                        .with_pool_fallback(pool);
                    self.with_tls_settings(url)
                })
                .collect(),
        }
    }

    /// The key of id strings: `VING_SKIPJACK_KEY` from the environment, then `.env`
    /// (ving's unset key when neither has it).
    pub fn skipjack_key(&self) -> Result<crate::id::SkipjackKey, crate::id::IdError> {
        crate::id::SkipjackKey::from_env(|_| self.skipjack_key.clone())
    }

    /// How far a replica may lag before reads skip it.
    pub fn max_replica_lag(&self) -> std::time::Duration {
        self.file
            .database
            .max_replica_lag
            .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
            .unwrap_or(std::time::Duration::from_secs(5))
    }
}

/// `root` joined with `path`, without `.` components.
fn clean_join(root: &Path, path: &Path) -> PathBuf {
    root.join(path).components().collect()
}

fn read_optional(file: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(file) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Read {
            file: file.to_path_buf(),
            source,
        }),
    }
}

fn read_config_file(file: &Path) -> Result<ConfigFile, ConfigError> {
    let Some(text) = read_optional(file)? else {
        return Ok(ConfigFile::default());
    };
    toml::from_str(&text).map_err(|e| {
        let source = crate::schema::SourceFile::new(file, text.as_str());
        let position = source.position(e.span().map_or(0, |s| s.start));
        ConfigError::Parse {
            file: file.to_path_buf(),
            line: position.line,
            column: position.column,
            message: e.message().trim().replace('\n', " "),
        }
    })
}

pub(crate) fn read_dotenv(file: &Path) -> Result<HashMap<String, String>, ConfigError> {
    if read_optional(file)?.is_none() {
        return Ok(HashMap::new());
    }
    let entries = dotenvy::from_path_iter(file).map_err(|e| ConfigError::Env {
        file: file.to_path_buf(),
        message: e.to_string(),
    })?;
    entries
        .map(|entry| {
            entry.map_err(|e| ConfigError::Env {
                file: file.to_path_buf(),
                message: e.to_string(),
            })
        })
        .collect()
}

/// The three database families ving-rs speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// MySQL or MariaDB (`mysql://`, `mariadb://`).
    MySql,
    /// PostgreSQL (`postgres://`, `postgresql://`).
    Postgres,
    /// SQLite (`sqlite://path`, `sqlite::memory:`).
    Sqlite,
}

impl Backend {
    /// The cargo feature of `ving` that compiles this backend's driver.
    pub fn feature(self) -> &'static str {
        match self {
            Backend::MySql => "mysql",
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }

    /// Whether this build has the backend's driver.
    pub fn compiled(self) -> bool {
        match self {
            Backend::MySql => cfg!(feature = "mysql"),
            Backend::Postgres => cfg!(feature = "postgres"),
            Backend::Sqlite => cfg!(feature = "sqlite"),
        }
    }

    /// The backend's name as people say it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::MySql => "MySQL/MariaDB",
            Backend::Postgres => "PostgreSQL",
            Backend::Sqlite => "SQLite",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_settings_come_from_the_url_then_ving_toml() {
        let url = DatabaseUrl::parse(
            "postgres://h/db?max_connections=20&log=yes&idle_timeout=0&sslmode=disable",
        )
        .unwrap();
        assert_eq!(url.driver_url(), "postgres://h/db?sslmode=disable");
        let pool = url.pool();
        assert_eq!((pool.max(), pool.min(), pool.idle()), (20, 0, None));
        assert_eq!(pool.acquire(), PoolSettings::DEFAULT_ACQUIRE_TIMEOUT);
        let section = DatabaseSection {
            max_connections: Some(3),
            min_connections: Some(1),
            acquire_timeout: Some(0.5),
            ..DatabaseSection::default()
        };
        let filled = pool.or(PoolSettings::from_section(&section).unwrap());
        assert_eq!((filled.max(), filled.min()), (20, 1), "the URL wins");
        assert_eq!(filled.acquire(), std::time::Duration::from_millis(500));
        let defaults = PoolSettings::default();
        assert_eq!(
            (defaults.max(), defaults.idle()),
            (10, Some(std::time::Duration::from_secs(600)))
        );
        for (bad, message) in [
            ("mysql://h/db?max_connections=0", "at least 1"),
            ("mysql://h/db?max_connections=many", "whole number"),
            ("mysql://h/db?acquire_timeout=-1", "seconds"),
        ] {
            let error = DatabaseUrl::parse(bad).unwrap_err().to_string();
            assert!(error.contains(message), "{bad}: {error}");
        }
    }

    #[test]
    fn log_flag_is_taken_out_of_the_driver_url() {
        let url =
            DatabaseUrl::parse("mysql://root@127.0.0.1:3306/test?log=yes&charset=utf8mb4").unwrap();
        assert_eq!(url.backend(), Backend::MySql);
        assert!(url.log());
        assert_eq!(
            url.driver_url(),
            "mysql://root@127.0.0.1:3306/test?charset=utf8mb4"
        );
    }

    #[test]
    fn passwords_are_hidden_when_displayed() {
        let url = DatabaseUrl::parse("postgres://joe:secret@db.example.com/app").unwrap();
        assert_eq!(url.to_string(), "postgres://joe:***@db.example.com/app");
        assert!(!format!("{url:?}").contains("secret"));
        let url =
            DatabaseUrl::parse("postgres://joe@db/app?sslmode=disable&password=secret#x").unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://joe@db/app?sslmode=disable&password=***#x"
        );
        let error = DatabaseUrl::parse("postgres://joe@db/app?password=secret&sslpassword=s2")
            .unwrap_err()
            .to_string();
        assert!(
            !error.contains("secret") && !error.contains("s2"),
            "{error}"
        );
        for broken in [
            "postgres://joe:secret@/app?log=maybe",
            "mysql://joe:secret@[::1/db",
        ] {
            let error = DatabaseUrl::parse(broken).unwrap_err();
            assert!(!error.to_string().contains("secret"), "{error}");
        }
        // A password not percent-encoded, holding what ends a URL's parts: hidden whole,
        // whether the URL parses or not.
        for (url, secret) in [
            ("mysql://odd:Secret/Part2@127.0.0.1:3391/k1", "Part2"),
            ("mysql://odd:Secret#Frag@127.0.0.1/k1", "Frag"),
            ("mysql://odd:Secret?x=1@127.0.0.1/k1", "x=1"),
            ("postgres://ving:Sec/ret99@127.0.0.1/app", "ret99"),
            ("mysql://odd:p@ss:w/rd%!#x@127.0.0.1/k1", "rd%!"),
        ] {
            let shown = match DatabaseUrl::parse(url) {
                Ok(url) => format!("{url} {url:?}"),
                Err(error) => error.to_string(),
            };
            assert!(!shown.contains(secret), "{shown}");
            assert!(shown.contains(":***@127.0.0.1"), "{shown}");
        }
        for plain in ["sqlite://data/app.db", "mysql://root@host/db"] {
            assert_eq!(DatabaseUrl::parse(plain).unwrap().to_string(), plain);
        }
    }

    #[test]
    fn bad_urls_are_one_clear_line() {
        for (url, expected) in [
            ("oracle://x/y", "the scheme must be"),
            ("mysql://", "names no host"),
            ("sqlite://", "names no database file"),
            ("mysql://h/db?log=maybe", "log=maybe must be yes or no"),
            ("postgres://[::1/db", "invalid IPv6"),
            ("mysql://h", "names no database"),
            ("postgres://u@h:5432/", "names no database"),
            (
                "mysql://h/db?max_conections=3",
                "unknown parameter \"max_conections\": ving's are log, max_connections",
            ),
            (
                "postgres://h/db?ssl_mode=require",
                "unknown parameter \"ssl_mode\"",
            ),
            (
                "mysql://h/db?timezone=%2B05:30",
                "timezone: ving keeps every date in UTC",
            ),
            (
                "mysql://h/db?time-zone=UTC",
                "time-zone: ving keeps every date in UTC",
            ),
            (
                "mysql://h/db?charset=latin1",
                "charset=latin1: ving needs utf8mb4",
            ),
            (
                "mysql://h/db?collation=utf8mb3_general_ci",
                "collation=utf8mb3_general_ci: ving needs utf8mb4",
            ),
            (
                "sqlite://x.db?journal=wal",
                "the driver's for this database are mode, cache, immutable, vfs",
            ),
        ] {
            let error = DatabaseUrl::parse(url).unwrap_err().to_string();
            assert!(error.contains(expected), "{url}: {error}");
            assert!(!error.contains('\n'), "{error}");
        }
    }
}
