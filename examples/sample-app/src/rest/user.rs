//! User over HTTP (`/api/v1/users`): `ving record --rest User` made this file and never
//! writes it again. The routes are ving's (see `ving::rest`, `/api/v1/users/whoami`
//! among them); here are the rules they follow for Users and the routes the app adds or
//! replaces.

use ving::rest::axum::Router;
use ving::rest::KindRules;

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
    own
}
