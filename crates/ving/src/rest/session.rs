//! ving's sessions: who a request is. A session is started by a login (`native`: a
//! user's email or username and password; `apiKey`: an API key's id and private key),
//! named by a random id the client keeps in the `vingSessionId` cookie, and held in the
//! app's database (the table `ving_sessions`, which [`Sessions::prepare`] makes when it
//! is missing) for a week, as ving's cache holds it.
//!
//! Unlike ving, a session does not keep a copy of the user's props (ving's holds the
//! password hash too): it keeps the user's id and a SHA-256 tag of the password hash the
//! user had at login, reads the user on each request (so roles are current) and ends
//! when the password changed since (ving's 401 `Session expired.`).

use std::sync::Arc;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::record::{CurrentUser, Describe, Kinds, Ouch, Record};
use crate::sql::Param;

/// The table sessions are kept in.
pub const TABLE: &str = "ving_sessions";

/// How long a session lasts from its start: a week, as ving's.
pub const LIFETIME_SECONDS: i64 = 60 * 60 * 24 * 7;

/// How a session was started (ving's session types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionType {
    /// A login by a person, with a password.
    Native,
    /// An admin became another user.
    Become,
    /// A program, with an API key and its private key.
    ApiKey,
}

impl SessionType {
    /// ving's name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionType::Native => "native",
            SessionType::Become => "become",
            SessionType::ApiKey => "apiKey",
        }
    }

    fn parse(text: &str) -> Option<SessionType> {
        match text {
            "native" => Some(SessionType::Native),
            "become" => Some(SessionType::Become),
            "apiKey" => Some(SessionType::ApiKey),
            _ => None,
        }
    }
}

/// A user's session, with the user as the database has them now.
#[derive(Debug)]
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

/// The sessions of an app, kept in its database.
#[derive(Debug, Clone)]
pub struct Sessions {
    db: &'static Db,
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
    /// The sessions kept in `db`.
    pub fn new(db: &'static Db) -> Sessions {
        Sessions { db }
    }

    fn quote(&self, identifier: &str) -> String {
        self.db.dialect().quote(identifier)
    }

    fn placeholder(&self, index: usize) -> String {
        self.db.dialect().placeholder(index)
    }

    /// Makes the sessions table when the database has none (the same DDL on every
    /// backend: text ids, integer seconds).
    pub async fn prepare(&self) -> Result<(), Ouch> {
        let q = |name: &str| self.quote(name);
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {} ({} VARCHAR(36) NOT NULL PRIMARY KEY, {} BIGINT NOT NULL, {} VARCHAR(16) NOT NULL, {} BIGINT NULL, {} VARCHAR(64) NOT NULL, {} BIGINT NOT NULL)",
            q(TABLE),
            q("id"),
            q("userId"),
            q("sessionType"),
            q("apiKeyId"),
            q("passwordTag"),
            q("expiresAt"),
        );
        self.db.execute_script(&sql).await?;
        Ok(())
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
        let q = |name: &str| self.quote(name);
        let sql = format!(
            "INSERT INTO {} ({}, {}, {}, {}, {}, {}) VALUES ({}, {}, {}, {}, {}, {})",
            q(TABLE),
            q("id"),
            q("userId"),
            q("sessionType"),
            q("apiKeyId"),
            q("passwordTag"),
            q("expiresAt"),
            self.placeholder(1),
            self.placeholder(2),
            self.placeholder(3),
            self.placeholder(4),
            self.placeholder(5),
            self.placeholder(6),
        );
        let params = vec![
            Param::String(Some(id.clone())),
            Param::I64(Some(user_id)),
            Param::String(Some(session_type.as_str().to_owned())),
            Param::I64(api_key_id),
            Param::String(Some(password_tag(&user))),
            Param::I64(Some(now_seconds() + LIFETIME_SECONDS)),
        ];
        self.db.execute(&sql, params).await?;
        Ok(Session {
            id,
            session_type,
            api_key_id,
            user,
        })
    }

    /// The session named `id` with its user read now: ving's 401 `Session expired.` when
    /// there is none, it is over, or the user's password changed since; 404 when the
    /// user is gone (the session is ended).
    pub async fn fetch(&self, kinds: &Kinds<'static>, id: &str) -> Result<Session, Ouch> {
        let expired = || Ouch::new(401, "Session expired.");
        if uuid::Uuid::parse_str(id).is_err() {
            return Err(expired());
        }
        let q = |name: &str| self.quote(name);
        let sql = format!(
            "SELECT {}, {}, {}, {}, {} FROM {} WHERE {} = {}",
            q("userId"),
            q("sessionType"),
            q("apiKeyId"),
            q("passwordTag"),
            q("expiresAt"),
            q(TABLE),
            q("id"),
            self.placeholder(1),
        );
        let rows = self
            .db
            .fetch_all(&sql, vec![Param::String(Some(id.to_owned()))], |row| {
                let api_key_id = if row.is_null(2)? {
                    None
                } else {
                    Some(row.get_i64(2)?)
                };
                Ok((
                    row.get_i64(0)?,
                    row.get_string(1)?,
                    api_key_id,
                    row.get_string(3)?,
                    row.get_i64(4)?,
                ))
            })
            .await?;
        let Some((user_id, session_type, api_key_id, tag, expires_at)) = rows.into_iter().next()
        else {
            return Err(expired());
        };
        let Some(session_type) = SessionType::parse(&session_type) else {
            return Err(expired());
        };
        if expires_at <= now_seconds() {
            self.end(id).await?;
            return Err(expired());
        }
        let Some(user) = kinds.kind("User")?.find(user_id).await else {
            self.end(id).await?;
            return Err(Ouch::new(
                404,
                format!("The user {user_id} no longer exists."),
            ));
        };
        if password_tag(&user) != tag {
            self.end(id).await?;
            return Err(expired());
        }
        Ok(Session {
            id: id.to_owned(),
            session_type,
            api_key_id,
            user: Arc::new(user),
        })
    }

    /// Ends the session named `id` (nothing when there is none).
    pub async fn end(&self, id: &str) -> Result<(), Ouch> {
        let sql = format!(
            "DELETE FROM {} WHERE {} = {}",
            self.quote(TABLE),
            self.quote("id"),
            self.placeholder(1),
        );
        self.db
            .execute(&sql, vec![Param::String(Some(id.to_owned()))])
            .await?;
        Ok(())
    }
}
