//! ving's sessions: who a request is. A session is started by a login (`native`: a
//! user's email or username and password; `apiKey`: an API key's id and private key),
//! named by a random id the client keeps in the `vingSessionId` cookie, and held for a
//! week, as ving's cache holds it: in the app's database (the table `ving_sessions`,
//! which the app's migrations make with its `User` kind), or in redis.
//!
//! Unlike ving, a session does not keep a copy of the user's props (ving's holds the
//! password hash too): it keeps the user's id and a SHA-256 tag of the password hash the
//! user had at login, reads the user on each request (so roles are current) and ends
//! when the password changed since (ving's 401 `Session expired.`).

use std::sync::Arc;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::store::{SessionType, Store, Stored};
use crate::db::Db;
use crate::record::{CurrentUser, Describe, Kinds, Ouch, Record};

/// How long a session lasts from its start: a week, as ving's.
pub const LIFETIME_SECONDS: i64 = 60 * 60 * 24 * 7;

/// A user's session, with the user as the database has them now.
#[derive(Debug, Clone)]
pub struct Session {
    /// The session's id (a UUID; the `vingSessionId` cookie).
    pub id: String,
    /// How it was started.
    pub session_type: SessionType,
    /// The API key that started it, for an `apiKey` session.
    pub api_key_id: Option<i64>,
    /// The user whose session it is.
    pub user: Arc<Record<'static>>,
}

impl Session {
    /// Whether a person started the session (`native` or `become`), not a program.
    pub fn is_human(&self) -> bool {
        matches!(self.session_type, SessionType::Native | SessionType::Become)
    }

    /// The session as ving describes it: `props` (`id`, `userId` as an id string), and on
    /// request `related.user`, `links` and `meta`.
    pub async fn describe(&self, params: &Describe<'_>, version: &str) -> Result<Value, Ouch> {
        let user_id = self.user.id_string();
        let mut out = serde_json::Map::new();
        out.insert("props".into(), json!({ "id": self.id, "userId": user_id }));
        if !params.related.is_empty() {
            let user = self.user.describe(params).await?;
            out.insert("related".into(), json!({ "user": user }));
        }
        if params.links {
            out.insert(
                "links".into(),
                json!({
                    "base": { "href": format!("/api/{version}/users/session"), "methods": ["GET", "POST"] },
                    "self": { "href": format!("/api/{version}/users/session/{}", self.id), "methods": ["GET", "PUT", "DELETE"] },
                }),
            );
        }
        if params.meta {
            out.insert("meta".into(), json!({ "type": "Session" }));
        }
        Ok(Value::Object(out))
    }
}

impl CurrentUser for Session {
    fn role_prop(&self, key: &str) -> Option<Value> {
        self.user.role_prop(key)
    }

    fn is_role_prop(&self, name: &str) -> bool {
        self.user.is_role_prop(name)
    }
}

/// The sessions of an app, kept in its database or in redis.
#[derive(Debug, Clone)]
pub struct Sessions {
    store: Store,
}

/// The tag of a password hash a session remembers: the session ends when it changes.
fn password_tag(user: &Record<'_>) -> String {
    let hash = user.get_str("password").unwrap_or_default();
    let digest = Sha256::digest(hash.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn now_seconds() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Sessions {
    /// The sessions kept in `db` (call [`Sessions::prepare`] before the first).
    pub fn new(db: &'static Db) -> Sessions {
        Sessions {
            store: Store::database(db),
        }
    }

    /// The sessions kept in the redis server at `url` (`redis://127.0.0.1:6379`), under
    /// `session-<id>` keys that expire with them; 504 when it cannot be reached.
    #[cfg(feature = "redis")]
    pub async fn in_redis(url: &str) -> Result<Sessions, Ouch> {
        Ok(Sessions {
            store: Store::redis(url).await?,
        })
    }

    /// A cache in the same redis server as these sessions.
    #[cfg(feature = "redis")]
    pub(super) fn redis_cache(&self) -> super::cache::Cache {
        match &self.store {
            Store::Redis(redis) => super::cache::Cache::Redis(redis.clone()),
            Store::Database(..) => super::cache::Cache::memory(),
        }
    }

    /// Checks that the store is ready: the sessions table is there (an error says how
    /// to make it when it is not).
    pub async fn prepare(&self) -> Result<(), Ouch> {
        self.store.prepare().await
    }

    /// Starts a session for `user` (with the API key that logged in, for `apiKey`).
    pub async fn start(
        &self,
        user: Arc<Record<'static>>,
        session_type: SessionType,
        api_key_id: Option<i64>,
    ) -> Result<Session, Ouch> {
        let Some(user_id) = user.id() else {
            return Err(Ouch::new(404, "User not found."));
        };
        let id = uuid::Uuid::new_v4().to_string();
        let stored = Stored {
            user_id,
            session_type,
            api_key_id,
            password_tag: password_tag(&user),
            expires_at: now_seconds() + LIFETIME_SECONDS,
        };
        self.store.put(&id, &stored).await?;
        Ok(Session {
            id,
            session_type,
            api_key_id,
            user,
        })
    }

    /// The session named `id` with its user read now: ving's 401 `Session expired.` when
    /// there is none, it is over, or the user's password changed since; 404 when the
    /// user is gone (the session is ended); the store's or the database's error (5xx)
    /// when they fail, the session kept.
    pub async fn fetch(&self, kinds: &Kinds<'static>, id: &str) -> Result<Session, Ouch> {
        let expired = || Ouch::new(401, "Session expired.");
        // Only the id as it was given out (lower-case, hyphenated), as ving's store keys
        // it: an id in capitals or braces names no session, on every database (a
        // case-insensitive collation would otherwise find the session by it).
        if uuid::Uuid::parse_str(id).map_or(true, |uuid| uuid.hyphenated().to_string() != id) {
            return Err(expired());
        }
        let Some(stored) = self.store.get(id).await? else {
            return Err(expired());
        };
        if stored.expires_at <= now_seconds() {
            self.end(id).await?;
            return Err(expired());
        }
        // Only a user that is gone ends the session; a read that fails (the database
        // down) is the request's error and leaves the session as it is.
        let user = match kinds.kind("User")?.find_or_die(stored.user_id).await {
            Ok(user) => user,
            Err(ouch) if ouch.code == 404 => {
                self.end(id).await?;
                return Err(Ouch::new(
                    404,
                    format!("The user {} no longer exists.", stored.user_id),
                ));
            }
            Err(ouch) => return Err(ouch),
        };
        if password_tag(&user) != stored.password_tag {
            self.end(id).await?;
            return Err(expired());
        }
        // A session an API key started ends with the key (ving's goes on until its week is
        // out, the key deleted or not).
        if let Some(key) = stored
            .api_key_id
            .filter(|_| stored.session_type == SessionType::ApiKey)
        {
            match kinds.kind("APIKey")?.find_or_die(key).await {
                Ok(_) => {}
                Err(ouch) if ouch.code == 404 => {
                    self.end(id).await?;
                    return Err(expired());
                }
                Err(ouch) => return Err(ouch),
            }
        }
        Ok(Session {
            id: id.to_owned(),
            session_type: stored.session_type,
            api_key_id: stored.api_key_id,
            user: Arc::new(user),
        })
    }

    /// Ends the session named `id` (nothing when there is none).
    pub async fn end(&self, id: &str) -> Result<(), Ouch> {
        self.store.delete(id).await
    }
}
