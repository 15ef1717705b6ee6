//! What an app compiles in so that its binary runs from any folder and on any machine
//! with only its database URL: the schemas and the migrations folders, as `ving drizzle
//! --tables` (and `--prepare`, `ving generate`) write them into the generated
//! `ving_embedded.rs` beside the tables, with `include_str!` (so an edited file is
//! compiled in again by the next build, and `ving generate --check` fails while a new one
//! is not listed yet).
//!
//! At start-up an app applies what is pending with [`Embedded::migrate`] — the same run as
//! `ving drizzle --up` (the lock, the checksums, the resume of a partly applied MySQL
//! migration) — and makes its record kinds with [`Embedded::kinds`].
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use ving::embed::{Embedded, EmbeddedFile, EmbeddedFolder};
//!
//! static APP: Embedded = Embedded {
//!     schemas: &[EmbeddedFile {
//!         path: "ving/schema/schemas/Widget.toml",
//!         text: "kind = \"Widget\"\ntableName = \"widgets\"\nowner = [\"admin\"]\n\n[[props]]\ntype = \"string\"\nname = \"name\"\nrequired = true\nlength = 60\ndefault = \"\"\nview = [\"public\"]\nedit = [\"owner\"]\n",
//!     }],
//!     roles: &["admin", "developer", "verifiedEmail"],
//!     rest_version: 1,
//!     migrations: &[EmbeddedFolder {
//!         path: "ving/drizzle/migrations",
//!         journal: r#"{"version":"6","dialect":"sqlite","entries":[{"idx":0,"version":"6","when":1700000000000,"tag":"0000_widgets","breakpoints":true}]}"#,
//!         files: &[EmbeddedFile {
//!             path: "0000_widgets.sql",
//!             text: "CREATE TABLE `widgets` (`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL);",
//!         }],
//!     }],
//! };
//!
//! let url = ving::config::DatabaseUrl::parse("sqlite::memory:").unwrap();
//! let db = ving::db::Db::connect(&url, std::path::Path::new(".")).await.unwrap();
//! let applied = APP.migrate(&db).await.unwrap();
//! assert_eq!(applied[0].tag, "0000_widgets");
//! assert!(APP.migrate(&db).await.unwrap().is_empty()); // nothing pending the second time
//! assert_eq!(APP.schema_set().unwrap().schemas()[0].kind, "Widget");
//! # });
//! ```

use std::path::{Path, PathBuf};

use crate::config::{Backend, Config, ConfigError};
use crate::db::Db;
use crate::drizzle::Executor;
use crate::id::{IdCodec, IdError, SkipjackKey};
use crate::migrate::{Applied, Journal, MigrateError, Migration, RunOptions};
use crate::record::{Kinds, VingSettings};
use crate::schema::{SchemaErrors, SchemaOptions, SchemaSet, SourceFile};
use crate::sql::Dialect;

/// An app's schemas and migrations, compiled into its binary (the generated
/// `EMBEDDED` static).
#[derive(Debug, Clone, Copy)]
pub struct Embedded {
    /// The schema files, in file-name order, with their paths in the project.
    pub schemas: &'static [EmbeddedFile],
    /// The role names (`[schema] roles` of `ving.toml`) the schemas are validated with.
    pub roles: &'static [&'static str],
    /// The REST version of links (`[rest] version`).
    pub rest_version: u32,
    /// One migrations folder per dialect the app has prepared migrations for.
    pub migrations: &'static [EmbeddedFolder],
}

/// A file compiled in: its path (in the project, or in its migrations folder) and text.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedFile {
    /// Where it was read from.
    pub path: &'static str,
    /// Its text.
    pub text: &'static str,
}

/// A migrations folder compiled in: its journal and every migration file it lists.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedFolder {
    /// The folder's path in the project.
    pub path: &'static str,
    /// `meta/_journal.json`.
    pub journal: &'static str,
    /// The `<tag>.sql` files, named without the folder.
    pub files: &'static [EmbeddedFile],
}

/// Why an app's compiled-in schemas could not become record kinds.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmbedError {
    /// The schemas do not validate with this version of ving-rs.
    #[error("the schemas compiled into this app do not validate: {0}")]
    Schemas(#[from] SchemaErrors),
    /// `VING_SKIPJACK_KEY` is malformed.
    #[error(transparent)]
    Key(#[from] IdError),
    /// The project's `ving.toml` or `.env` (where there is one) cannot be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl Embedded {
    /// The compiled-in schemas, validated together as `ving` validates the folder.
    pub fn schema_set(&self) -> Result<SchemaSet, SchemaErrors> {
        let files: Vec<_> = self
            .schemas
            .iter()
            .map(|file| SourceFile::new(Path::new(file.path), file.text.to_owned()))
            .collect();
        let options = SchemaOptions {
            roles: self.roles.iter().map(|r| (*r).to_owned()).collect(),
        };
        SchemaSet::from_files(&files, &options)
    }

    /// The compiled-in migrations of `dialect`'s folder, in journal order: an error when
    /// the app was built without one, or when a file its journal lists is missing.
    pub fn migrations(&self, dialect: &dyn Dialect) -> Result<Vec<Migration>, MigrateError> {
        let (_, wanted) = crate::migrate::format_of(dialect);
        let mut compiled_in = Vec::new();
        for folder in self.migrations {
            let journal_path = PathBuf::from(folder.path).join("meta/_journal.json");
            let journal: Journal =
                serde_json::from_str(folder.journal).map_err(|e| MigrateError::File {
                    path: journal_path.clone(),
                    message: format!("the compiled-in journal cannot be read: {e}"),
                })?;
            if journal.dialect != wanted {
                compiled_in.push(format!("{} from {}", journal.dialect, folder.path));
                continue;
            }
            return journal
                .entries
                .into_iter()
                .map(|entry| {
                    let name = format!("{}.sql", entry.tag);
                    let file = folder.files.iter().find(|f| f.path == name).ok_or_else(|| {
                        MigrateError::File {
                            path: PathBuf::from(folder.path).join(&name),
                            message: "the journal lists it but it was not compiled in: run `ving generate` and build the app again".into(),
                        }
                    })?;
                    Ok(Migration::new(entry, file.text.to_owned()))
                })
                .collect();
        }
        Err(MigrateError::NotCompiledIn {
            dialect: wanted.to_owned(),
            key: match dialect.backend() {
                Backend::MySql => "mysql",
                Backend::Postgres => "postgres",
                Backend::Sqlite => "sqlite",
            }
            .to_owned(),
            compiled_in: if compiled_in.is_empty() {
                "none".into()
            } else {
                compiled_in.join(", ")
            },
        })
    }

    /// Applies the compiled-in migrations `db` has not applied yet, in order — the run of
    /// `ving drizzle --up`: under the migration lock (so several instances of the app
    /// starting together apply each migration once), refusing a changed applied
    /// migration, resuming a partly applied one. Returns what this call applied (nothing
    /// when the database is up to date, which it only reads then).
    pub async fn migrate(&self, db: &Db) -> Result<Vec<Applied>, MigrateError> {
        self.migrate_with(db, &mut RunOptions::new(&mut |_| {}))
            .await
    }

    /// [`Embedded::migrate`] with a run's options (lock timeout, progress callbacks).
    pub async fn migrate_with(
        &self,
        db: &Db,
        options: &mut RunOptions<'_>,
    ) -> Result<Vec<Applied>, MigrateError> {
        let migrations = self.migrations(db.dialect())?;
        crate::migrate::apply::up_these(db, &migrations, options).await
    }

    /// The app's record kinds on `executor`, from the compiled-in schemas, with id strings
    /// keyed by `VING_SKIPJACK_KEY` (the process environment, then the `.env` of the
    /// project the current folder is in, if any; ving's unset key without either) and
    /// links of the REST version compiled in; ving's own kinds read their
    /// [`VingSettings`] (`VING_AWS_UPLOADS_BUCKET` …) from the same places. The app's own
    /// default functions, option lists and hooks are added to what this returns (`ving
    /// record` generates a `kinds` that does so from each kind's module).
    pub fn kinds<'e>(&self, executor: impl Into<Executor<'e>>) -> Result<Kinds<'e>, EmbedError> {
        let schemas = self.schema_set()?;
        let root = std::env::current_dir()
            .ok()
            .and_then(|cwd| Config::find_root(&cwd));
        let key = match std::env::var(crate::id::KEY_VARIABLE) {
            Ok(text) if !text.trim().is_empty() => text.parse()?,
            _ => match &root {
                Some(root) => Config::load_with_env(root, |_| None)?.skipjack_key()?,
                None => SkipjackKey::UNSET,
            },
        };
        let dotenv = match &root {
            Some(root) => crate::config::read_dotenv(&root.join(".env"))?,
            None => Default::default(),
        };
        let settings = VingSettings::from_env(|name| {
            (std::env::var(name).ok())
                .filter(|value| !value.is_empty())
                .or_else(|| dotenv.get(name).cloned())
        });
        Ok(Kinds::new(&schemas, executor, IdCodec::new(key))
            .with_rest_version(&format!("v{}", self.rest_version))
            .with_ving_settings(settings))
    }
}
