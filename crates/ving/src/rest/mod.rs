//! Records served over HTTP as ving serves them (feature `rest`, on axum): for every kind,
//! the routes ving's `record --rest` generates, and ving's sessions.
//!
//! | route | what it does (ving's handler) |
//! |---|---|
//! | `GET /api/v1/<kind>s` | a page of records: `describeList` with ving's paging, sort, `search`, qualifiers and `_start_`/`_end_` ranges |
//! | `POST /api/v1/<kind>s` | `createAndVerify` by a user with the kind's create role (`verifiedEmail`) |
//! | `GET /api/v1/<kind>s/options` | the options of every prop (`propOptions`) |
//! | `GET /api/v1/<kind>s/{id}` | `describe` |
//! | `PUT /api/v1/<kind>s/{id}` | `canEdit`, then `updateAndVerify` |
//! | `DELETE /api/v1/<kind>s/{id}` | `canEdit`, then `delete` (the body says `meta.deleted` when asked for meta) |
//! | `GET /api/v1/<kind>s/{id}/<child>` | a page of the record's children |
//! | `DELETE /api/v1/<kind>s/{id}/<child>` | deletes the children the user owns, then lists the rest (a file's `avatarusers`: ving's 403) |
//! | `GET /api/v1/<kind>s/{id}/<parent>` | the parent, described |
//! | `POST /api/v1/users/{id}/become` | an admin becomes the user (a `become` session, its cookie) |
//! | `GET /api/v1/users/whoami` | the session's user, described to them (`{}` without a session) |
//! | `/api/v1/test`, `GET`/`POST`/`DELETE /api/v1/system-wide-alert` | ving's echo; the alert an admin sets |
//! | `POST /api/v1/sessions` | log in (`login` + `password`, with `sessionType: "native"`; or `apiKey` + `privateKey`) |
//! | `GET`/`DELETE /api/v1/sessions/{id}`, `DELETE /api/v1/sessions` | the session, or its end |
//!
//! Every describe takes ving's `includeLinks`, `includeOptions=true`, `includeMeta`,
//! `includeRelated` and `includeExtra` query parameters (an empty value is off, as in
//! ving: `?includeMeta=true`, not `?includeMeta`); private props are never shown.
//! The session is the `vingSessionId` cookie (HttpOnly), kept in the database
//! ([`Sessions`]). Errors are ving's codes as HTTP statuses with nitro's JSON body; a
//! server error's detail is logged (target `ving::rest`), never sent.
//!
//! A kind's rules are ving's generated handlers; ving's own User handlers differ, and
//! [`KindRules::users`] is theirs (the list is for admins, anyone may sign up, account
//! settings change only in a person's session).
//!
//! # Examples
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
//!     .join("../../examples/sample-app/ving/schema/schemas");
//! let schemas = ving::schema::SchemaSet::load(&dir, &Default::default()).unwrap();
//! let url = ving::config::DatabaseUrl::parse("sqlite::memory:").unwrap();
//! let db = ving::db::Db::connect(&url, std::path::Path::new(".")).await.unwrap();
//! db.create_tables(&ving::table::TableModel::from_schemas(&schemas)).await.unwrap();
//! // A server keeps its database for as long as it runs.
//! let db: &'static ving::db::Db = Box::leak(Box::new(db));
//! let codec = ving::id::IdCodec::new("11,22,33,44,55,66,77,88,99,111".parse().unwrap());
//! let kinds = ving::record::Kinds::new(&schemas, db, codec);
//! let rest = ving::rest::Rest::new(kinds).await.unwrap()
//!     .with_rules("User", ving::rest::KindRules::users());
//! let router = rest.router();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! let server = tokio::spawn(async move { axum::serve(listener, router).await });
//! # server.abort();
//! # });
//! ```

mod cache;
mod extract;
mod extras;
mod params;
mod reply;
mod routes;
mod serve;
mod session;
mod store;

use std::collections::HashMap;
use std::sync::Arc;

use axum::routing::{any, get, post};
use axum::Router;

use crate::record::{Kinds, Ouch, Record};

/// The HTTP framework the routes are made with, for an app that serves them
/// ([`Server`] serves one with time limits on slow clients; `axum::serve` has none).
pub use axum;
pub use extract::Ving;
pub use serve::Server;
pub use session::{Session, Sessions, LIFETIME_SECONDS};
pub use store::SessionType;
pub use store::TABLE as SESSIONS_TABLE;

/// How a secret a client sends is tested against a record (a user's password, an API
/// key's private key): `Ok(true)` when it matches, else ving's error (454 when wrong).
pub type SecretTest = fn(&Record<'_>, &str) -> Result<bool, Ouch>;

/// Who may do what to a kind's records over HTTP, beyond the records' own privileges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindRules {
    /// The role a user needs to list the records (`None`: anyone, as ving generates).
    pub list_role: Option<String>,
    /// Who may create records: a user with this role (ving generates `verifiedEmail`),
    /// or anyone, without a session, when `None` (ving's User sign-up).
    pub create_role: Option<String>,
    /// Whether changes need a session a person started (not an API key's).
    pub edit_needs_human: bool,
}

impl Default for KindRules {
    /// ving's generated handlers: anyone lists, a `verifiedEmail` user creates.
    fn default() -> Self {
        KindRules {
            list_role: None,
            create_role: Some("verifiedEmail".into()),
            edit_needs_human: false,
        }
    }
}

impl KindRules {
    /// ving's User handlers: admins list users, anyone signs up, and account settings
    /// change only in a person's session.
    pub fn users() -> KindRules {
        KindRules {
            list_role: Some("admin".into()),
            create_role: None,
            edit_needs_human: true,
        }
    }
}

/// The largest request body read by default (1 MiB).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// An app's records as a web service: its kinds, its sessions and the rules of each
/// kind. [`Rest::router`] makes the routes.
#[derive(Clone)]
pub struct Rest {
    pub(crate) kinds: Kinds<'static>,
    pub(crate) sessions: Sessions,
    /// What ving keeps in its cache beside sessions (the system-wide alert).
    cache: cache::Cache,
    pub(crate) rules: HashMap<String, KindRules>,
    /// The rules of a kind with none of its own (ving's generated handlers').
    pub(crate) default_rules: KindRules,
    pub(crate) paths: HashMap<String, String>,
    pub(crate) body_limit: usize,
    pub(crate) password_test: SecretTest,
    pub(crate) secret_test: SecretTest,
}

impl std::fmt::Debug for Rest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rest")
            .field("kinds", &self.kinds)
            .field("rules", &self.rules)
            .field("body_limit", &self.body_limit)
            .finish()
    }
}

impl Rest {
    /// The web service of `kinds` (on a pool the server keeps while it runs), with its
    /// sessions kept in the app's database, in the sessions table its migrations make
    /// ([`SESSIONS_TABLE`]; an error says so when it is missing).
    pub async fn new(kinds: Kinds<'static>) -> Result<Rest, Ouch> {
        let sessions = Sessions::new(kinds.executor.db());
        sessions.prepare().await?;
        Ok(Rest::with_sessions(kinds, sessions, cache::Cache::memory()))
    }

    /// The web service of `kinds` with its sessions kept in the redis server at `url`
    /// (`redis://127.0.0.1:6379`, as ving's `VING_REDIS`) instead of the database, which
    /// it leaves alone; 504 when the server cannot be reached.
    #[cfg(feature = "redis")]
    pub async fn in_redis(kinds: Kinds<'static>, url: &str) -> Result<Rest, Ouch> {
        let sessions = Sessions::in_redis(url).await?;
        sessions.prepare().await?;
        let cache = sessions.redis_cache();
        Ok(Rest::with_sessions(kinds, sessions, cache))
    }

    fn with_sessions(kinds: Kinds<'static>, sessions: Sessions, cache: cache::Cache) -> Rest {
        let paths = kinds
            .names()
            .map(|name| (format!("{}s", name.to_lowercase()), name.to_owned()))
            .collect();
        Rest {
            kinds,
            sessions,
            cache,
            rules: HashMap::new(),
            default_rules: KindRules::default(),
            paths,
            body_limit: DEFAULT_BODY_LIMIT,
            password_test: default_password_test,
            secret_test: default_secret_test,
        }
    }

    /// With `rules` for the kind `kind`.
    pub fn with_rules(mut self, kind: &str, rules: KindRules) -> Self {
        self.rules.insert(kind.to_owned(), rules);
        self
    }

    /// With the app's test of a user's password (ving's `testPassword`).
    pub fn with_password_test(mut self, test: SecretTest) -> Self {
        self.password_test = test;
        self
    }

    /// With the app's test of an API key's private key (ving's `testSecret`).
    pub fn with_secret_test(mut self, test: SecretTest) -> Self {
        self.secret_test = test;
        self
    }

    /// With request bodies limited to `bytes` (larger ones are a 413).
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The sessions the service keeps.
    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    /// The routes of every kind and of the sessions, under `/api/<version>` (the kinds'
    /// REST version, `ving.toml`'s `rest.version`).
    pub fn router(self) -> Router {
        self.router_with(Router::new())
    }

    /// [`Rest::router`] with the app's own routes in `own`, whose handlers read the
    /// request with [`Ving`]. A path of ving's with a kind's name in it
    /// (`/api/v1/users/{id}`) replaces ving's route for that kind, method by method (as
    /// ving's handler files are one a method): the methods the app's route lacks are
    /// still ving's.
    pub fn router_with(self, own: Router) -> Router {
        let base = format!("/api/{}", self.kinds.rest_version());
        let users = self.kinds.kind("User").is_ok();
        let rest = axum::Extension(Arc::new(self));
        let mut ving = Router::new();
        if users {
            ving = ving.route(&format!("{base}/users/whoami"), get(extras::whoami));
        }
        let ving = ving
            .route(
                &format!("{base}/sessions"),
                post(routes::log_in).delete(routes::log_out),
            )
            .route(
                &format!("{base}/sessions/{{id}}"),
                get(routes::read_session).delete(routes::end_session),
            )
            .route(&format!("{base}/test"), any(extras::test))
            .route(
                &format!("{base}/system-wide-alert"),
                get(extras::read_alert)
                    .post(extras::set_alert)
                    .delete(extras::clear_alert),
            )
            .route(
                &format!("{base}/{{kind}}"),
                get(routes::list).post(routes::create),
            )
            .route(&format!("{base}/{{kind}}/options"), get(routes::options))
            .route(
                &format!("{base}/{{kind}}/{{id}}"),
                get(routes::read).put(routes::update).delete(routes::delete),
            )
            .route(
                &format!("{base}/{{kind}}/{{id}}/{{relation}}"),
                get(routes::related)
                    .delete(routes::delete_children)
                    .post(routes::become_user),
            )
            .fallback(routes::no_route)
            .method_not_allowed_fallback(routes::wrong_method)
            .layer(rest.clone());
        let others = ving.clone();
        let own = own
            .method_not_allowed_fallback(move |request: axum::extract::Request| {
                use tower::ServiceExt as _;
                // Without what the app's route matched (its path's parameters).
                let (parts, body) = request.into_parts();
                let mut request = axum::extract::Request::new(body);
                *request.method_mut() = parts.method;
                *request.uri_mut() = parts.uri;
                *request.version_mut() = parts.version;
                *request.headers_mut() = parts.headers;
                others.clone().oneshot(request)
            })
            .layer(rest);
        ving.merge(own)
    }
}

/// A user's password as ving's User record tests it ([`crate::record::test_user_password`]:
/// 400 without a password, 441 when none is given, 404 for another password type, 454
/// `Password does not match.` when it is wrong).
pub fn default_password_test(user: &Record<'_>, password: &str) -> Result<bool, Ouch> {
    crate::record::test_user_password(user, password)
}

/// An API key's private key as ving tests it ([`crate::record::test_secret`]: 441 when
/// none is given, 454 `Secret does not match.` when it differs, compared in constant
/// time).
pub fn default_secret_test(api_key: &Record<'_>, secret: &str) -> Result<bool, Ouch> {
    crate::record::test_secret(api_key, secret)
}
