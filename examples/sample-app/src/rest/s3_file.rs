//! S3File over HTTP (`/api/v1/s3files`): `ving record --rest S3File` made this file and never
//! writes it again. The routes are ving's (see `ving::rest`: `DELETE
//! /api/v1/s3files/{id}/avatarusers` is ving's 403 among them); here are the rules they
//! follow for S3Files and the routes the app adds or replaces.

use ving::rest::axum::Router;
use ving::rest::KindRules;

/// Who may list, create and change S3Files over HTTP, beyond each record's own
/// privileges (ving's generated handlers: anyone lists, a user with a verified email creates).
pub fn rules() -> KindRules {
    KindRules {
        list_role: None,
        create_role: Some("verifiedEmail".into()),
        edit_needs_human: false,
    }
}

/// Routes of the app's own for S3Files, beside ving's: a path of its own
/// (`/api/v1/s3files/{id}/archive`), or ving's path for S3Files alone, which then replaces ving's
/// route (`own.route("/api/v1/s3files/{id}", get(my_handler))`). A handler reads the request
/// with `ving::rest::Ving` (the session, the includes asked for).
pub fn routes(own: Router) -> Router {
    own
}
