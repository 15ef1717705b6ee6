//! What ving keeps in its cache beside sessions (the system-wide alert): in the server's
//! memory when the sessions are in the database, in redis beside them when they are
//! there (shared by every server of the app).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::record::Ouch;

/// Values under their names, each with when it ends (if it does).
type Entries = HashMap<String, (Value, Option<Instant>)>;

/// A cache of JSON values under names, each kept for a time or until removed.
#[derive(Clone)]
pub(super) enum Cache {
    /// This process's memory.
    Memory(Arc<Mutex<Entries>>),
    /// A redis server (the sessions' own connection).
    #[cfg(feature = "redis")]
    Redis(redis::aio::ConnectionManager),
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cache::Memory(_) => f.write_str("Memory"),
            #[cfg(feature = "redis")]
            Cache::Redis(_) => f.write_str("Redis"),
        }
    }
}

/// What a client is told when the cache fails (the detail is logged).
#[cfg(feature = "redis")]
fn unreachable(error: redis::RedisError) -> Ouch {
    tracing::error!(target: "ving::rest", %error, "the cache failed");
    Ouch::new(504, "Error connecting to Cache")
}

impl Cache {
    /// An empty cache in this process's memory.
    pub(super) fn memory() -> Cache {
        Cache::Memory(Arc::default())
    }

    /// The value kept under `key`, if any (one that cannot be read is none).
    pub(super) async fn get(&self, key: &str) -> Result<Option<Value>, Ouch> {
        match self {
            Cache::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                match map.get(key) {
                    Some((_, Some(until))) if *until <= Instant::now() => {
                        map.remove(key);
                        Ok(None)
                    }
                    found => Ok(found.map(|(value, _)| value.clone())),
                }
            }
            #[cfg(feature = "redis")]
            Cache::Redis(redis) => {
                let text: Option<String> = redis::cmd("GET")
                    .arg(key)
                    .query_async(&mut redis.clone())
                    .await
                    .map_err(unreachable)?;
                Ok(text.and_then(|text| serde_json::from_str(&text).ok()))
            }
        }
    }

    /// Keeps `value` under `key`, for `ttl` when one is given.
    pub(super) async fn set(
        &self,
        key: &str,
        value: &Value,
        ttl: Option<Duration>,
    ) -> Result<(), Ouch> {
        match self {
            Cache::Memory(map) => {
                // A time too far to be kept is no end.
                let until = ttl.and_then(|ttl| Instant::now().checked_add(ttl));
                map.lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .insert(key.to_owned(), (value.clone(), until));
                Ok(())
            }
            #[cfg(feature = "redis")]
            Cache::Redis(redis) => {
                let mut set = redis::cmd("SET");
                set.arg(key).arg(value.to_string());
                if let Some(ttl) = ttl {
                    set.arg("PX").arg(ttl.as_millis().max(1) as u64);
                }
                set.query_async::<()>(&mut redis.clone())
                    .await
                    .map_err(unreachable)
            }
        }
    }

    /// Forgets `key` (nothing when it is not kept).
    pub(super) async fn delete(&self, key: &str) -> Result<(), Ouch> {
        match self {
            Cache::Memory(map) => {
                map.lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .remove(key);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Cache::Redis(redis) => redis::cmd("DEL")
                .arg(key)
                .query_async::<()>(&mut redis.clone())
                .await
                .map_err(unreachable),
        }
    }
}
