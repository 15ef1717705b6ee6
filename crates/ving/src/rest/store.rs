//! Where sessions are kept: a table of the app's database (the default), or redis.

use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::record::Ouch;
use crate::sql::Param;

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

    pub(super) fn parse(text: &str) -> Option<SessionType> {
        match text {
            "native" => Some(SessionType::Native),
            "become" => Some(SessionType::Become),
            "apiKey" => Some(SessionType::ApiKey),
            _ => None,
        }
    }
}

/// The table sessions are kept in: part of the app's migrations (the table model has it
/// beside ving's `User` kind).
pub const TABLE: &str = crate::table::SESSIONS_TABLE;

/// The columns a session is written to and read from, the key (the cookie's id) first.
const COLUMNS: [&str; 6] = [
    "sessionId",
    "userId",
    "sessionType",
    "apiKeyId",
    "passwordTag",
    "expiresAt",
];

/// The store's statements in a database's dialect, written once when the store is made
/// rather than on every request.
#[derive(Debug)]
pub(super) struct Statements {
    /// Reads no row, but every column: fails on a table of another shape.
    probe: String,
    insert: String,
    /// Deletes a user's (`$1`) sessions that ended by `$2`.
    purge: String,
    /// Reads a session (`$1`), every column after the key.
    get: String,
    delete: String,
}

impl Statements {
    fn new(db: &Db) -> Statements {
        let dialect = db.dialect();
        let q = |name: &str| dialect.statement_name(name);
        let columns = |from: usize| -> String {
            let quoted: Vec<String> = COLUMNS[from..].iter().map(|name| q(name)).collect();
            quoted.join(", ")
        };
        let placeholders: Vec<String> = (1..=COLUMNS.len())
            .map(|index| dialect.placeholder(index))
            .collect();
        let (table, key) = (q(TABLE), q(COLUMNS[0]));
        let first = dialect.placeholder(1);
        Statements {
            probe: format!("SELECT {} FROM {table} WHERE 1 = 0", columns(0)),
            insert: format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                columns(0),
                placeholders.join(", ")
            ),
            purge: format!(
                "DELETE FROM {table} WHERE {} = {first} AND {} <= {}",
                q(COLUMNS[1]),
                q(COLUMNS[5]),
                dialect.placeholder(2),
            ),
            get: format!("SELECT {} FROM {table} WHERE {key} = {first}", columns(1)),
            delete: format!("DELETE FROM {table} WHERE {key} = {first}"),
        }
    }
}

/// What is kept of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stored {
    pub(super) user_id: i64,
    pub(super) session_type: SessionType,
    pub(super) api_key_id: Option<i64>,
    /// The SHA-256 tag of the user's password hash at login.
    pub(super) password_tag: String,
    /// When it ends (seconds since 1970).
    pub(super) expires_at: i64,
}

/// A stored session as JSON (redis's values).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredJson {
    user_id: i64,
    session_type: String,
    api_key_id: Option<i64>,
    password_tag: String,
    expires_at: i64,
}

/// A store of sessions.
#[derive(Clone)]
pub(super) enum Store {
    /// The table [`TABLE`] of the app's database, and the statements that use it.
    Database(&'static Db, std::sync::Arc<Statements>),
    /// A redis server: `session-<id>` keys, expiring with their sessions.
    #[cfg(feature = "redis")]
    Redis(redis::aio::ConnectionManager),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Store::Database(db, _) => f.debug_tuple("Database").field(&db.backend()).finish(),
            #[cfg(feature = "redis")]
            Store::Redis(_) => f.write_str("Redis"),
        }
    }
}

/// What a client is told when the session store fails (the detail is logged).
#[cfg(feature = "redis")]
fn unreachable(error: redis::RedisError) -> Ouch {
    tracing::error!(target: "ving::rest", %error, "the session store failed");
    Ouch::new(504, "the session store cannot be reached")
}

impl Store {
    /// The sessions table of `db`.
    pub(super) fn database(db: &'static Db) -> Store {
        Store::Database(db, std::sync::Arc::new(Statements::new(db)))
    }

    /// The redis server at `url`: connections and answers time out after 2 s, and a
    /// lost connection is tried again twice, so that a server that is down is a 504
    /// rather than a request that waits.
    #[cfg(feature = "redis")]
    pub(super) async fn redis(url: &str) -> Result<Store, Ouch> {
        let client = redis::Client::open(url).map_err(unreachable)?;
        let limit = std::time::Duration::from_secs(2);
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(limit)
            .set_response_timeout(limit)
            .set_number_of_retries(2)
            .set_max_delay(500);
        let manager =
            tokio::time::timeout(limit * 4, client.get_connection_manager_with_config(config))
                .await
                .map_err(|_| {
                    tracing::error!(target: "ving::rest", url, "the session store did not answer");
                    Ouch::new(504, "the session store cannot be reached")
                })?
                .map_err(unreachable)?;
        Ok(Store::Redis(manager))
    }

    /// Checks that the database has the sessions table, which the app's migrations make
    /// (it is only read: the server's database user need not create tables); redis
    /// needs nothing.
    pub(super) async fn prepare(&self) -> Result<(), Ouch> {
        match self {
            Store::Database(db, sql) if db.has_table(TABLE).await => {
                // A table of another making (an earlier ving-rs made its own) is named
                // here, not at the first login.
                db.execute_script(&sql.probe).await.map_err(|error| {
                    tracing::error!(target: "ving::rest", %error, "the sessions table cannot be read");
                    Ouch::new(
                        500,
                        format!(
                            "the sessions table {TABLE} lacks one of the columns {} (an earlier ving-rs made it itself): drop it, which only logs its users out, and apply the app's migrations",
                            COLUMNS.join(", ")
                        ),
                    )
                })?;
                Ok(())
            }
            Store::Database(db, _) => {
                // A database that cannot be asked is that, not a missing table.
                db.ping().await.map_err(Ouch::from)?;
                Err(Ouch::new(
                    500,
                    format!(
                        "the sessions table {TABLE} is missing: it comes with the User kind in the app's migrations; prepare and apply them (`ving drizzle --prepare`, `ving drizzle --up`), or keep sessions in redis"
                    ),
                ))
            }
            #[cfg(feature = "redis")]
            Store::Redis(_) => Ok(()),
        }
    }

    /// Keeps the session `id`.
    pub(super) async fn put(&self, id: &str, stored: &Stored) -> Result<(), Ouch> {
        match self {
            Store::Database(db, sql) => {
                let params = vec![
                    Param::String(Some(id.to_owned())),
                    Param::I64(Some(stored.user_id)),
                    Param::String(Some(stored.session_type.as_str().to_owned())),
                    Param::I64(stored.api_key_id),
                    Param::String(Some(stored.password_tag.clone())),
                    Param::I64(Some(stored.expires_at)),
                ];
                db.execute(&sql.insert, params).await?;
                // The user's sessions that have ended go (redis lets its keys expire): the
                // table holds no more than its users' live sessions and one login's worth.
                // Housekeeping only: the session is kept whatever becomes of it (a lock
                // wait lost to a concurrent login of the same user is logged).
                let now = chrono::Utc::now().timestamp();
                let params = vec![Param::I64(Some(stored.user_id)), Param::I64(Some(now))];
                if let Err(error) = db.execute(&sql.purge, params).await {
                    tracing::warn!(target: "ving::rest", %error, "ended sessions were not deleted");
                }
                Ok(())
            }
            #[cfg(feature = "redis")]
            Store::Redis(redis) => {
                let json = StoredJson {
                    user_id: stored.user_id,
                    session_type: stored.session_type.as_str().to_owned(),
                    api_key_id: stored.api_key_id,
                    password_tag: stored.password_tag.clone(),
                    expires_at: stored.expires_at,
                };
                let text = serde_json::to_string(&json).map_err(|error| {
                    tracing::error!(target: "ving::rest", %error, "a session could not be written");
                    Ouch::new(500, "Undefined Error")
                })?;
                let seconds = (stored.expires_at - chrono::Utc::now().timestamp()).max(1) as u64;
                redis::cmd("SET")
                    .arg(key(id))
                    .arg(text)
                    .arg("EX")
                    .arg(seconds)
                    .query_async::<()>(&mut redis.clone())
                    .await
                    .map_err(unreachable)
            }
        }
    }

    /// The session `id`, if it is kept (one that cannot be read is none).
    pub(super) async fn get(&self, id: &str) -> Result<Option<Stored>, Ouch> {
        let json = match self {
            Store::Database(db, sql) => {
                let rows = db
                    .fetch_all(&sql.get, vec![Param::String(Some(id.to_owned()))], |row| {
                        let api_key_id = if row.is_null(2)? {
                            None
                        } else {
                            Some(row.get_i64(2)?)
                        };
                        Ok(StoredJson {
                            user_id: row.get_i64(0)?,
                            session_type: row.get_string(1)?,
                            api_key_id,
                            password_tag: row.get_string(3)?,
                            expires_at: row.get_i64(4)?,
                        })
                    })
                    .await?;
                rows.into_iter().next()
            }
            #[cfg(feature = "redis")]
            Store::Redis(redis) => {
                let text: Option<String> = redis::cmd("GET")
                    .arg(key(id))
                    .query_async(&mut redis.clone())
                    .await
                    .map_err(unreachable)?;
                text.and_then(|text| serde_json::from_str(&text).ok())
            }
        };
        Ok(json.and_then(|json| {
            Some(Stored {
                user_id: json.user_id,
                session_type: SessionType::parse(&json.session_type)?,
                api_key_id: json.api_key_id,
                password_tag: json.password_tag,
                expires_at: json.expires_at,
            })
        }))
    }

    /// Forgets the session `id` (nothing when it is not kept).
    pub(super) async fn delete(&self, id: &str) -> Result<(), Ouch> {
        match self {
            Store::Database(db, sql) => {
                db.execute(&sql.delete, vec![Param::String(Some(id.to_owned()))])
                    .await?;
                Ok(())
            }
            #[cfg(feature = "redis")]
            Store::Redis(redis) => redis::cmd("DEL")
                .arg(key(id))
                .query_async::<()>(&mut redis.clone())
                .await
                .map_err(unreachable),
        }
    }
}

/// The redis key of the session `id` (ving's).
#[cfg(feature = "redis")]
fn key(id: &str) -> String {
    format!("session-{id}")
}
