//! CronJob: the handler options come from the job handlers the app registers
//! ([`super::RecordSettings::job_handlers`]), and its links add `edit` and `list`. ving
//! also queues a BullMQ job on insert and update; ving-rs has no job queue, so nothing
//! is queued.

pub use super::generated::cron_job::{CronJob, CronJobKind, CronJobProps, CronJobs};

use serde_json::{json, Value};
use ving::record::{link, Describe, HookFuture, Kinds, Links, Record, RecordHooks};

/// ving's job handlers, in its order.
pub const JOB_HANDLERS: &[&str] = &["Test", "DeleteUnusedS3File", "CronJob", "EmailRole"];

/// The `handlerOptions` list: `{value, label}` for each registered handler but `CronJob`
/// (ving's `enum2options(names, names)`).
pub fn handler_options(handlers: &[String]) -> Vec<Value> {
    handlers
        .iter()
        .filter(|h| *h != "CronJob")
        .map(|h| json!({"value": h, "label": h}))
        .collect()
}

/// CronJob's links: `edit` and `list` pages.
#[derive(Debug, Clone, Copy, Default)]
pub struct CronJobHooks;

impl RecordHooks for CronJobHooks {
    fn describe_links<'a>(
        &'a self,
        _record: &'a Record<'_>,
        id_string: &'a str,
        _params: &'a Describe<'_>,
        links: &'a mut Links,
    ) -> HookFuture<'a, ()> {
        links.insert(
            "edit",
            link(format!("/cronjobs/{id_string}/edit"), &["GET"], "page"),
        );
        links.insert("list", link("/cronjobs", &["GET"], "page"));
        Box::pin(async { Ok(()) })
    }
}

/// What kind `CronJob` adds to the app's kinds: the `handlerOptions` option list (ving's
/// job handlers) and its hooks.
pub fn configure(kinds: Kinds<'_>) -> Kinds<'_> {
    kinds
        .with_options(
            "handlerOptions",
            handler_options(&super::RecordSettings::default().job_handlers),
        )
        .with_hooks("CronJob", CronJobHooks)
}
