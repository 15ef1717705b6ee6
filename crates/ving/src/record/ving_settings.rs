//! What the record code of ving's own kinds (`ving_kinds`) reads: which of them a kind is,
//! and the app's configuration of them ([`VingSettings`]); and what the kinds register for
//! them (the `handlerOptions` list, the `privateKey` default), below the kinds that hold
//! them.

use serde_json::{json, Value};

/// Which of ving's own kinds a kind is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VingKind {
    User,
    ApiKey,
    CronJob,
    S3File,
    /// A kind of the app's own.
    Other,
}

impl VingKind {
    /// The ving kind named `kind`.
    pub(crate) fn of(kind: &str) -> VingKind {
        match kind {
            "User" => VingKind::User,
            "APIKey" => VingKind::ApiKey,
            "CronJob" => VingKind::CronJob,
            "S3File" => VingKind::S3File,
            _ => VingKind::Other,
        }
    }
}

/// What ving's own kinds read of an app's configuration: the S3 buckets of the file URL
/// rules and the job handlers the app registers (nothing is fetched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VingSettings {
    /// `VING_AWS_UPLOADS_BUCKET`: where uploaded files are (`None` shows as `undefined`,
    /// as in ving).
    pub uploads_bucket: Option<String>,
    /// `VING_AWS_THUMBNAILS_BUCKET`: where thumbnails are.
    pub thumbnails_bucket: Option<String>,
    /// The job handlers the app registers, in order (`CronJob` itself is not offered).
    pub job_handlers: Vec<String>,
}

impl Default for VingSettings {
    /// No buckets, and ving's job handlers ([`JOB_HANDLERS`]).
    fn default() -> Self {
        VingSettings {
            uploads_bucket: None,
            thumbnails_bucket: None,
            job_handlers: JOB_HANDLERS.iter().map(|h| (*h).to_owned()).collect(),
        }
    }
}

impl VingSettings {
    /// The settings from the variables `env` gives (empty ones unset), with ving's job
    /// handlers.
    ///
    /// ```
    /// let settings = ving::record::VingSettings::from_env(|name| {
    ///     (name == "VING_AWS_UPLOADS_BUCKET").then(|| "uploads".to_owned())
    /// });
    /// assert_eq!(settings.uploads_bucket.as_deref(), Some("uploads"));
    /// assert_eq!(settings.thumbnails_bucket, None);
    /// ```
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> VingSettings {
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        VingSettings {
            uploads_bucket: var("VING_AWS_UPLOADS_BUCKET"),
            thumbnails_bucket: var("VING_AWS_THUMBNAILS_BUCKET"),
            ..VingSettings::default()
        }
    }
}

/// ving's job handlers, in its order.
pub const JOB_HANDLERS: &[&str] = &["Test", "DeleteUnusedS3File", "CronJob", "EmailRole"];

/// The `handlerOptions` list: `{value, label}` for each handler but `CronJob` (ving's
/// `enum2options(names, names)`).
///
/// ```
/// let names: Vec<String> = ving::record::JOB_HANDLERS.iter().map(|h| h.to_string()).collect();
/// let options = ving::record::handler_options(&names);
/// assert_eq!(options[0], serde_json::json!({"value": "Test", "label": "Test"}));
/// assert_eq!(options.len(), 3);
/// ```
pub fn handler_options(handlers: &[String]) -> Vec<Value> {
    (handlers.iter())
        .filter(|h| *h != "CronJob")
        .map(|h| json!({"value": h, "label": h}))
        .collect()
}

/// A new private key: `pk_` and 18 random bytes in lowercase hex (39 characters), as
/// ving's `privateKey` default (registered as that default function).
///
/// ```
/// let key = ving::record::private_key();
/// let key = key.as_str().unwrap();
/// assert!(key.starts_with("pk_") && key.len() == 39);
/// assert_ne!(ving::record::private_key(), ving::record::private_key());
/// ```
pub fn private_key() -> Value {
    let mut bytes = [0u8; 18];
    // The OS random source; should it ever fail, the time and a counter still give a
    // key that is unique on this machine (never a fixed one).
    if getrandom::getrandom(&mut bytes).is_err() {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let seed = nanos ^ u128::from(COUNTER.fetch_add(1, Ordering::Relaxed));
        bytes[..16].copy_from_slice(&seed.to_le_bytes());
    }
    let mut key = String::with_capacity(39);
    key.push_str("pk_");
    for byte in bytes {
        key.push_str(&format!("{byte:02x}"));
    }
    Value::from(key)
}
