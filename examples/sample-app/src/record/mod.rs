//! The sample app's records: what its four kinds add to ving-rs's record layer, as ving's
//! `ving/record/records/*.mjs` do — the User's display name, avatar and password, the
//! API key's private key and secret test, the cron job's handler options and the S3
//! file's URLs — written as app code on the layer's hooks ([`RecordHooks`]).
//!
//! # Examples
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use ving_sample_app::record::{self, user, RecordSettings};
//!
//! let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas");
//! let schemas = ving::schema::SchemaSet::load(&dir, &Default::default()).unwrap();
//! let url = ving::config::DatabaseUrl::parse("sqlite::memory:").unwrap();
//! let db = ving::db::Db::connect(&url, std::path::Path::new(".")).await.unwrap();
//! db.create_tables(&ving::table::TableModel::from_schemas(&schemas)).await.unwrap();
//! let codec = ving::id::IdCodec::new("11,22,33,44,55,66,77,88,99,111".parse().unwrap());
//! let kinds = record::kinds(&schemas, &db, codec, RecordSettings::default());
//! let mut props = serde_json::Map::new();
//! props.insert("username".into(), "warden".into());
//! props.insert("email".into(), "warden@shawshank.jail".into());
//! let mut warden = kinds.kind("User").unwrap().create(props).await.unwrap();
//! user::set_password(&mut warden, "Shawshank").unwrap();
//! assert!(user::test_password(&warden, "Shawshank").unwrap());
//! assert_eq!(user::display_name(&warden), "warden");
//! # });
//! ```

pub mod api_key;
pub mod cron_job;
pub mod s3_file;
pub mod user;

use std::sync::Arc;

use ving::drizzle::Executor;
use ving::id::IdCodec;
use ving::record::Kinds;
use ving::schema::SchemaSet;

pub use ving::record::RecordHooks;

/// The configuration the records read: the S3 buckets of the file URL rules and the job
/// handlers the app registers (no network is used).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSettings {
    /// `VING_AWS_UPLOADS_BUCKET`: where uploaded files are (`None` shows as `undefined`,
    /// as in ving).
    pub uploads_bucket: Option<String>,
    /// `VING_AWS_THUMBNAILS_BUCKET`: where thumbnails are.
    pub thumbnails_bucket: Option<String>,
    /// The job handlers the app registers, in order (`CronJob` itself is not offered).
    pub job_handlers: Vec<String>,
}

impl Default for RecordSettings {
    /// No buckets, and ving's job handlers.
    fn default() -> Self {
        RecordSettings {
            uploads_bucket: None,
            thumbnails_bucket: None,
            job_handlers: cron_job::JOB_HANDLERS
                .iter()
                .map(|h| (*h).to_owned())
                .collect(),
        }
    }
}

impl RecordSettings {
    /// The settings from the variables `env` gives (the process environment, then `.env`),
    /// with ving's job handlers.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> RecordSettings {
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        RecordSettings {
            uploads_bucket: var("VING_AWS_UPLOADS_BUCKET"),
            thumbnails_bucket: var("VING_AWS_THUMBNAILS_BUCKET"),
            ..RecordSettings::default()
        }
    }
}

/// The app's kinds on `executor`: ving-rs's record layer with the app's default
/// functions (`privateKey`), option lists (`handlerOptions`) and hooks for each kind.
pub fn kinds<'e>(
    schemas: &SchemaSet,
    executor: impl Into<Executor<'e>>,
    codec: IdCodec,
    settings: RecordSettings,
) -> Kinds<'e> {
    let settings = Arc::new(settings);
    Kinds::new(schemas, executor, codec)
        .with_default_fn("privateKey", api_key::private_key)
        .with_options(
            "handlerOptions",
            cron_job::handler_options(&settings.job_handlers),
        )
        .with_hooks("User", user::UserHooks::new(settings.clone()))
        .with_hooks("CronJob", cron_job::CronJobHooks)
        .with_hooks("S3File", s3_file::S3FileHooks::new(settings))
}
