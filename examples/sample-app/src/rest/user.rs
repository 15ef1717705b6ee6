//! User over HTTP (`/api/v1/users`): `ving record --rest User` made this file and never
//! writes it again. The routes are ving's (see `ving::rest`); here are the rules they
//! follow for Users and the routes the app adds or replaces.

use ving::rest::axum::response::Response;
use ving::rest::axum::routing::get;
use ving::rest::axum::{Json, Router};
use ving::rest::{KindRules, Ving};

/// Who may list, create and change Users over HTTP, beyond each record's own
/// privileges (ving's User handlers: admins list users, anyone signs up (no session), and account
/// settings change only in a session a person started).
pub fn rules() -> KindRules {
    KindRules {
        list_role: Some("admin".into()),
        create_role: None,
        edit_needs_human: true,
    }
}

/// Routes of the app's own for Users, beside ving's: a path of its own
/// (`/api/v1/users/{id}/archive`), or ving's path for Users alone, which then replaces ving's
/// route (`own.route("/api/v1/users/{id}", get(my_handler))`). A handler reads the request
/// with `ving::rest::Ving` (the session, the includes asked for).
pub fn routes(own: Router) -> Router {
    own.route("/api/v1/users/whoami", get(whoami))
}

/// `GET /api/v1/users/whoami`: the session's user, described to them (`{}` for a
/// visitor), as ving's `users/whoami.get.mjs`.
async fn whoami(ving: Ving) -> Response {
    use ving::rest::axum::response::IntoResponse;
    match &ving.session {
        Some(session) => ving.describe(&session.user).await,
        None => Json(serde_json::json!({})).into_response(),
    }
}
