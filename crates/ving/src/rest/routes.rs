//! The handlers: ving's generated per-kind handlers and its session handlers, one
//! function each, over the record layer. Each reads the request through [`Ving`] (the
//! service, the session of the cookie, the query, the path for errors).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::params::{describe_params, list_params};
use super::reply::{json_bytes, json_value, read_body, require, url_of, AtUrl, Failure, Reply};
use super::session::{Session, LIFETIME_SECONDS};
use super::store::SessionType;
use super::{KindRules, Rest, Ving};
use crate::record::{CurrentUser, Kind, Ouch, Record};
use crate::schema::RelationType;

/// The cookie a session's id is kept in.
const COOKIE: &str = "vingSessionId";

impl Rest {
    /// The session of the request's cookie; none when there is no cookie or it names no
    /// live session (as ving's session middleware, which ignores a session that has
    /// ended). A store that fails (the database or redis down) is the request's error,
    /// not a visitor: the request is not answered as if no one had logged in.
    pub(super) async fn session(&self, headers: &HeaderMap) -> Result<Option<Session>, Ouch> {
        let Some(id) = session_cookie(headers) else {
            return Ok(None);
        };
        match self.sessions.fetch(&self.kinds, id).await {
            Ok(session) => Ok(Some(session)),
            Err(ouch) if ouch.code >= 500 => Err(ouch),
            Err(ouch) => {
                tracing::debug!(target: "ving::rest", code = ouch.code, message = %ouch.message, "no session from the cookie");
                Ok(None)
            }
        }
    }
}

impl Ving {
    /// The kind whose REST path segment is `path` (`users`), else nitro's 404.
    fn kind(&self, path: &str) -> Result<Kind<'static>, Failure> {
        match self.rest.paths.get(path) {
            Some(name) => self.rest.kinds.kind(name).at(&self.url),
            None => Err(not_found(&self.url)).at(&self.url),
        }
    }

    fn rules(&self, kind: &Kind<'_>) -> &KindRules {
        self.rest
            .rules
            .get(kind.name())
            .unwrap_or(&self.rest.default_rules)
    }

    /// The request's path, without its query.
    fn path(&self) -> &str {
        self.url.split('?').next().unwrap_or_default()
    }

    /// The session, when it is an admin's (ving's `obtainSessionIfRole(event, 'admin')`).
    pub(super) fn admin(&self) -> Result<&Session, Ouch> {
        session_with_role(&self.session, "admin")
    }

    /// The request's body as ving's `getBody` reads it.
    pub(super) async fn body(
        &self,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<Option<Map<String, Value>>, Failure> {
        read_body(
            body,
            headers.get(header::CONTENT_TYPE),
            self.rest.body_limit,
        )
        .await
        .at(&self.url)
    }

    /// `record` described as the request's includes ask, to the session's user.
    pub(super) async fn described(&self, record: &Record<'_>) -> Reply {
        self.described_to(record, self.current_user()).await
    }

    /// `record` described as the request's includes ask, to `user`.
    async fn described_to(&self, record: &Record<'_>, user: Option<&dyn CurrentUser>) -> Reply {
        let mut out = Vec::with_capacity(1024);
        record
            .describe_to(&describe_params(&self.query, user), &mut out)
            .await
            .at(&self.url)?;
        Ok(json_bytes(out))
    }

    /// A page of `kind`'s records as the request's paging, filters and includes ask.
    async fn listed(&self, kind: &Kind<'_>) -> Reply {
        let params = list_params(&self.query, self.current_user());
        let where_ = kind
            .describe_list_where(&self.query, &params.object_params)
            .at(&self.url)?;
        let mut out = Vec::with_capacity(16 * 1024);
        kind.describe_list_to(&params, where_, &mut out)
            .await
            .at(&self.url)?;
        Ok(json_bytes(out))
    }

    /// `session` described as the request's includes ask.
    async fn session_described(&self, session: &Session) -> Reply {
        let params = describe_params(&self.query, Some(session));
        let described = session
            .describe(&params, self.rest.kinds.rest_version())
            .await
            .at(&self.url)?;
        Ok(json_value(&described))
    }
}

/// The `vingSessionId` of the request's cookies.
fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim_matches('"'))
}

/// ving's `obtainSessionIfRole`: 401 `Login required.` without a session, 403 when the
/// user lacks `role`.
fn session_with_role<'s>(session: &'s Option<Session>, role: &str) -> Result<&'s Session, Ouch> {
    let session = session
        .as_ref()
        .ok_or_else(|| Ouch::new(401, "Login required."))?;
    session.is_role_or_die(role)?;
    Ok(session)
}

/// `GET /api/v1/<kind>s`: ving's `describeList`.
pub(super) async fn list(Path(path): Path<String>, ving: Ving) -> Reply {
    let kind = ving.kind(&path)?;
    if let Some(role) = &ving.rules(&kind).list_role {
        session_with_role(&ving.session, role).at(&ving.url)?;
    }
    ving.listed(&kind).await
}

/// `POST /api/v1/<kind>s`: `createAndVerify` by a user with the kind's create role, or
/// ving's sign-up (mint, test the creation props, set the posted props, insert).
pub(super) async fn create(
    Path(path): Path<String>,
    ving: Ving,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    let kind = ving.kind(&path)?;
    let role = ving.rules(&kind).create_role.clone();
    if let Some(role) = &role {
        session_with_role(&ving.session, role).at(&ving.url)?;
    }
    let body = ving.body(&headers, body).await?;
    let props = require(&body, &[]).at(&ving.url)?;
    let record = match role {
        Some(_) => kind.create_and_verify(props, ving.current_user()).await,
        None => sign_up(&kind, props).await,
    }
    .at(&ving.url)?;
    ving.described(&record).await
}

/// ving's User sign-up: a record made from posted props without a session.
async fn sign_up(
    kind: &Kind<'static>,
    props: &Map<String, Value>,
) -> Result<Record<'static>, Ouch> {
    let mut record = kind.mint(Map::new());
    record.test_creation_props(props)?;
    record.set_posted_props(props, None).await?;
    record.insert().await?;
    Ok(record)
}

/// `GET /api/v1/<kind>s/options`: the options of every prop.
pub(super) async fn options(Path(path): Path<String>, ving: Ving) -> Reply {
    let kind = ving.kind(&path)?;
    let options = kind
        .mint(Map::new())
        .prop_options(&describe_params(&ving.query, ving.current_user()), true)
        .await
        .at(&ving.url)?;
    Ok(json_value(&Value::Object(options)))
}

/// `GET /api/v1/<kind>s/{id}`: the record, described.
pub(super) async fn read(Path((path, id)): Path<(String, String)>, ving: Ving) -> Reply {
    let record = ving.kind(&path)?.find_or_die(id).await.at(&ving.url)?;
    ving.described(&record).await
}

/// `PUT /api/v1/<kind>s/{id}`: `canEdit`, then `updateAndVerify` with the body.
pub(super) async fn update(
    Path((path, id)): Path<(String, String)>,
    ving: Ving,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    let kind = ving.kind(&path)?;
    let mut record = kind.find_or_die(id).await.at(&ving.url)?;
    record.can_edit(ving.current_user()).await.at(&ving.url)?;
    let human = ving.session.as_ref().is_some_and(Session::is_human);
    if ving.rules(&kind).edit_needs_human && !human {
        let ouch = Ouch::new(403, "You must be a human to modify user account settings.");
        return Err(ouch).at(&ving.url);
    }
    let body = ving.body(&headers, body).await?;
    let props = require(&body, &[]).at(&ving.url)?;
    record
        .update_and_verify(props, ving.current_user())
        .await
        .at(&ving.url)?;
    ving.described(&record).await
}

/// `DELETE /api/v1/<kind>s/{id}`: `canEdit`, then `delete`; the record is described
/// as it was.
pub(super) async fn delete(Path((path, id)): Path<(String, String)>, ving: Ving) -> Reply {
    let mut record = ving.kind(&path)?.find_or_die(id).await.at(&ving.url)?;
    record.can_edit(ving.current_user()).await.at(&ving.url)?;
    record.delete().await.at(&ving.url)?;
    ving.described(&record).await
}

/// Whether `name` is a child or a parent relation of `kind` (ving's relation names,
/// matched as its generated paths write them: lowercase).
fn relation_type(kind: &Kind<'_>, name: &str) -> Option<(RelationType, String)> {
    kind.schema().props.iter().find_map(|prop| {
        let relation = prop.relation.as_ref()?;
        (relation.name.to_lowercase() == name)
            .then(|| (relation.relation_type, relation.name.clone()))
    })
}

/// `GET /api/v1/<kind>s/{id}/<relation>`: a page of the record's children, or its
/// parent described.
pub(super) async fn related(
    Path((path, id, relation)): Path<(String, String, String)>,
    ving: Ving,
) -> Reply {
    let kind = ving.kind(&path)?;
    let Some((relation_type, name)) = relation_type(&kind, &relation) else {
        return Err(not_found(&ving.url)).at(&ving.url);
    };
    let record = kind.find_or_die(id).await.at(&ving.url)?;
    match relation_type {
        RelationType::Child => ving.listed(&record.children(&name).at(&ving.url)?).await,
        RelationType::Parent => {
            ving.described(&*record.parent(&name).await.at(&ving.url)?)
                .await
        }
    }
}

/// `POST /api/v1/users/{id}/become`: an admin becomes the user `id` (ving's `become`): the
/// admin's session ends, a `become` session of the user starts (its cookie set), and the
/// user is described to it. Any other kind or relation has no POST.
pub(super) async fn become_user(
    Path((path, id, relation)): Path<(String, String, String)>,
    ving: Ving,
) -> Reply {
    let kind = ving.kind(&path)?;
    if kind.name() != "User" || relation != "become" {
        return Err(Failure {
            ouch: Ouch::new(405, format!("POST is not allowed on {}.", ving.path())),
            url: ving.url.clone(),
        });
    }
    let admin = ving.admin().at(&ving.url)?;
    let user = kind.find_or_die(id).await.at(&ving.url)?;
    ving.rest.sessions.end(&admin.id).await.at(&ving.url)?;
    let session = ving
        .rest
        .sessions
        .start(Arc::new(user), SessionType::Become, None)
        .await
        .at(&ving.url)?;
    let response = ving.described_to(&session.user, Some(&session)).await?;
    Ok(with_session_cookie(response, &session))
}

/// `DELETE /api/v1/<kind>s/{id}/<children>`: deletes the children the user owns, then
/// lists what is left.
pub(super) async fn delete_children(
    Path((path, id, relation)): Path<(String, String, String)>,
    ving: Ving,
) -> Reply {
    let kind = ving.kind(&path)?;
    let name = match relation_type(&kind, &relation) {
        Some((RelationType::Child, name)) => name,
        _ => return Err(not_found(&ving.url)).at(&ving.url),
    };
    if kind.name() == "S3File" && name == "avatarUsers" {
        // ving's S3File refuses it (`s3files/[id]/avatarusers.delete.mjs`): deleting a
        // file's users would delete accounts. Listing them stays.
        return Err(Ouch::new(403, "Not allowed!")).at(&ving.url);
    }
    let record = kind.find_or_die(id).await.at(&ving.url)?;
    let children = record.children(&name).at(&ving.url)?;
    let all = children
        .find_many((), &Default::default())
        .await
        .at(&ving.url)?;
    for mut child in all {
        if child.is_owner(ving.current_user()).await.at(&ving.url)? {
            child.delete().await.at(&ving.url)?;
        }
    }
    ving.listed(&children).await
}

/// `response` with the `Set-Cookie` of the started `session`.
fn with_session_cookie(mut response: Response, session: &Session) -> Response {
    let cookie = HeaderValue::from_str(&format!(
        "{COOKIE}={}; Max-Age={}; Path=/; HttpOnly; SameSite=Lax",
        session.id, LIFETIME_SECONDS
    ));
    if let Ok(cookie) = cookie {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// The secret `field` of a login (present: [`require`] checked it): its text, or when
/// it is not text, ving's 454 `mismatch` (no secret is a number or a list).
fn secret<'b>(body: &'b Map<String, Value>, field: &str, mismatch: &str) -> Result<&'b str, Ouch> {
    body.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| Ouch::new(454, mismatch))
}

/// `POST /api/v1/sessions`: ving's login. `sessionType: "native"` finds the user by
/// `login` (the email, then the username) and tests `password`; otherwise `apiKey` (an
/// API key's id) and `privateKey`. The session's id is set in the `vingSessionId`
/// cookie and the session described.
pub(super) async fn log_in(ving: Ving, headers: HeaderMap, body: Body) -> Reply {
    let body = ving.body(&headers, body).await?;
    let session = start_session(&ving.rest, &body).await.at(&ving.url)?;
    let response = ving.session_described(&session).await?;
    Ok(with_session_cookie(response, &session))
}

async fn start_session(rest: &Rest, body: &Option<Map<String, Value>>) -> Result<Session, Ouch> {
    let native = body
        .as_ref()
        .is_some_and(|b| b.get("sessionType").and_then(Value::as_str) == Some("native"));
    if native {
        let body = require(body, &["login", "password"])?;
        let users = rest.kinds.kind("User")?;
        // A login that is not text, or holds a NUL (which no stored text does), is no
        // user's email or username.
        let mut user = None;
        let login = body.get("login").and_then(Value::as_str);
        if let Some(login) = login.filter(|login| !login.contains('\0')) {
            user = users.find_one(users.prop_eq("email", login)?).await?;
            if user.is_none() {
                user = users.find_one(users.prop_eq("username", login)?).await?;
            }
        }
        let user = user.ok_or_else(|| Ouch::new(404, "User not found."))?;
        let password = secret(body, "password", "Password does not match.")?;
        (rest.password_test)(&user, password)?;
        return rest
            .sessions
            .start(Arc::new(user), SessionType::Native, None)
            .await;
    }
    let body = require(body, &["apiKey", "privateKey"])?;
    let api_keys = rest.kinds.kind("APIKey")?;
    // An API key's id string, or its id as a number (as ving's `findOrDie` takes it).
    let api_key = match (
        &body["apiKey"],
        crate::record::whole_number(&body["apiKey"]),
    ) {
        (_, Some(id)) => api_keys.find_or_die(id).await?,
        (Value::String(id), None) => api_keys.find_or_die(id.as_str()).await?,
        (other, None) => api_keys.find_or_die(other.to_string()).await?,
    };
    let private_key = secret(body, "privateKey", "Secret does not match.")?;
    (rest.secret_test)(&api_key, private_key)?;
    let user = api_key.parent("user").await?;
    rest.sessions
        .start(user, SessionType::ApiKey, api_key.id())
        .await
}

/// ving's `testSession`: 401 `Session expired.` without one.
fn live(session: &Option<Session>) -> Result<&Session, Ouch> {
    session
        .as_ref()
        .ok_or_else(|| Ouch::new(401, "Session expired."))
}

/// The session named in the path, when it is the request's own or the user is an
/// admin; else ving's 403.
fn own_session<'s>(session: &'s Option<Session>, id: &str) -> Result<&'s Session, Ouch> {
    let session = live(session)?;
    if session.id == id || session.is_role("admin") {
        Ok(session)
    } else {
        Err(Ouch::new(
            403,
            "Session ID in cookie must match the one in the endpoint.",
        ))
    }
}

/// The session the path names: the request's own, or for an admin any (404 when there
/// is none); else ving's 403.
async fn named_session(ving: &Ving, id: &str) -> Result<Session, Ouch> {
    let own = own_session(&ving.session, id)?;
    if own.id == id {
        return Ok(own.clone());
    }
    match ving.rest.sessions.fetch(&ving.rest.kinds, id).await {
        Err(ouch) if ouch.code == 401 => Err(Ouch::new(404, "Session not found.")),
        other => other,
    }
}

/// `GET /api/v1/sessions/{id}`: the session, described (an admin's of another: that
/// one; ving describes the admin's own whichever it names).
pub(super) async fn read_session(Path(id): Path<String>, ving: Ving) -> Reply {
    let session = named_session(&ving, &id).await.at(&ving.url)?;
    ving.session_described(&session).await
}

/// `DELETE /api/v1/sessions/{id}`: ends the session the path names (the request's own,
/// or any for an admin; ving ends the request's own whichever it names), described as
/// it was.
pub(super) async fn end_session(Path(id): Path<String>, ving: Ving) -> Reply {
    let session = named_session(&ving, &id).await.at(&ving.url)?;
    ving.rest.sessions.end(&id).await.at(&ving.url)?;
    ving.session_described(&session).await
}

/// `DELETE /api/v1/sessions`: ends the request's session (log out).
pub(super) async fn log_out(ving: Ving) -> Reply {
    let session = live(&ving.session).at(&ving.url)?;
    ving.rest.sessions.end(&session.id).await.at(&ving.url)?;
    ving.session_described(session).await
}

/// Nitro's 404 for a path no route serves (what ving answers).
fn not_found(path: &str) -> Ouch {
    Ouch::new(404, format!("Cannot find any path matching {path}."))
}

/// Any other path: ving's 404.
pub(super) async fn no_route(uri: Uri) -> Response {
    Failure {
        ouch: not_found(uri.path()),
        url: url_of(&uri),
    }
    .into_response()
}

/// A known path with another method: 405.
pub(super) async fn wrong_method(method: Method, uri: Uri) -> Response {
    Failure {
        ouch: Ouch::new(405, format!("{method} is not allowed on {}.", uri.path())),
        url: url_of(&uri),
    }
    .into_response()
}
