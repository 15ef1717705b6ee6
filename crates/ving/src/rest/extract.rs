//! What a route of the app's own reads of a request: the service, the session of its
//! cookie and its query string, with ving's answers ready (a record described as the
//! query's includes ask, an error as ving's body).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::params::pairs;
use super::reply::Failure;
use super::session::Session;
use super::Rest;
use crate::record::{CurrentUser, Kinds, Ouch, Record};

/// A request to a route of the app's own, served by [`Rest::router`]'s router (an
/// extractor: `async fn whoami(ving: Ving) -> Response`).
pub struct Ving {
    pub(super) rest: Arc<Rest>,
    /// The session of the request's `vingSessionId` cookie, if it names a live one.
    pub session: Option<Session>,
    pub(super) query: Vec<(String, String)>,
    pub(super) url: String,
}

impl std::fmt::Debug for Ving {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ving")
            .field("session", &self.session.as_ref().map(|s| &s.id))
            .field("url", &self.url)
            .finish()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ving {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Ving, Response> {
        let url = super::reply::url_of(&parts.uri);
        let Some(rest) = parts.extensions.get::<Arc<Rest>>().cloned() else {
            tracing::error!(target: "ving::rest", %url, "a route of the app's own is served outside Rest::router");
            return Err(Failure {
                ouch: Ouch::new(500, "Undefined Error"),
                url,
            }
            .into_response());
        };
        let session = match rest.session(&parts.headers).await {
            Ok(session) => session,
            Err(ouch) => return Err(Failure { ouch, url }.into_response()),
        };
        Ok(Ving {
            rest,
            session,
            query: pairs(parts.uri.query()),
            url,
        })
    }
}

impl Ving {
    /// The app's kinds.
    pub fn kinds(&self) -> &Kinds<'static> {
        &self.rest.kinds
    }

    /// The session's user, as privileges see them (none: a visitor).
    pub fn current_user(&self) -> Option<&dyn CurrentUser> {
        self.session.as_ref().map(|s| s as &dyn CurrentUser)
    }

    /// The query string's pairs, in order.
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// `record` described to the session's user as the query's includes ask (ving's
    /// `describe(describeParams(event))`), or ving's error.
    pub async fn describe(&self, record: &Record<'_>) -> Response {
        match self.described(record).await {
            Ok(response) => response,
            Err(failure) => failure.into_response(),
        }
    }

    /// `ouch` as ving's error body, with its code as the status.
    pub fn error(&self, ouch: Ouch) -> Response {
        Failure {
            ouch,
            url: self.url.clone(),
        }
        .into_response()
    }
}
