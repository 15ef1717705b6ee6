//! The app's records over HTTP: each kind's module (`ving record --rest Kind`) and
//! `router`, which serves them. Add code outside the `ving record --rest` lines; those
//! are written again.

// ving record --rest: begin (`ving record --rest` writes these lines again: edit outside them)
pub mod api_key;
pub mod cron_job;
pub mod s3_file;
pub mod user;

/// The app's records over HTTP: ving's routes for every kind, with the rules and the
/// routes of each kind's module here.
pub fn router(rest: ving::rest::Rest) -> ving::rest::axum::Router {
    let own = ving::rest::axum::Router::new();
    let own = api_key::routes(own);
    let own = cron_job::routes(own);
    let own = s3_file::routes(own);
    let own = user::routes(own);
    rest.with_rules("APIKey", api_key::rules())
        .with_rules("CronJob", cron_job::rules())
        .with_rules("S3File", s3_file::rules())
        .with_rules("User", user::rules())
        .router_with(own)
}
// ving record --rest: end
