//! APIKey over HTTP (`/api/v1/apikeys`): `ving record --rest APIKey` made this file and never
//! writes it again. The routes are ving's (see `ving::rest`); here are the rules they
//! follow for APIKeys and the routes the app adds or replaces.

use ving::rest::KindRules;

/// Who may list, create and change APIKeys over HTTP, beyond each record's own
/// privileges (ving's generated handlers: anyone lists, a user with a verified email creates).
pub fn rules() -> KindRules {
    KindRules {
        list_role: None,
        create_role: Some("verifiedEmail".into()),
        edit_needs_human: false,
    }
}

/// Routes of the app's own for APIKeys, beside ving's: a path of its own
/// (`/api/v1/apikeys/{id}/archive`), or ving's path for APIKeys alone, which then replaces ving's
/// route (`own.route("/api/v1/apikeys/{id}", get(my_handler))`). A handler reads the request
/// with `ving::rest::Ving` (the session, the includes asked for).
pub fn routes(own: ving::rest::axum::Router) -> ving::rest::axum::Router {
    own
}
