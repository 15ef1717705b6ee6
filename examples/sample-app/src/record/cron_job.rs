//! CronJob: the handler options come from the job handlers the app registers
//! ([`super::RecordSettings::job_handlers`]), and its links add `edit` and `list`: the
//! record layer's own for ving's CronJob kind. ving also queues a BullMQ job on insert
//! and update; ving-rs has no job queue, so nothing is queued.

pub use super::generated::cron_job::{CronJob, CronJobKind, CronJobProps, CronJobs};

/// ving's job handlers, and the `handlerOptions` list made of them.
pub use ving::record::{handler_options, JOB_HANDLERS};
