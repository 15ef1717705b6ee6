//! ving's routes beside the kinds' that its front end calls: `/api/v1/test` (the echo its
//! route middleware fetches on every page), the system-wide alert an admin sets, and
//! `/api/v1/users/whoami`.

use axum::body::Body;
use axum::http::{HeaderMap, Method};
use serde_json::{json, Map, Value};

use super::reply::{json_value, AtUrl, Reply};
use super::Ving;
use crate::record::Ouch;

/// The cache key of the alert, as ving's.
const ALERT: &str = "system-wide-alert";

/// What the alert is when none is set (ving's).
fn no_alert() -> Value {
    json!({ "message": "", "ttl": 1000 * 60 * 60, "severity": "success" })
}

/// The query string as h3's `getQuery` reads it: a key once is its value, a key more
/// than once the list of its values.
fn query_object(query: &[(String, String)]) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in query {
        let value = Value::String(value.clone());
        match out.get_mut(key) {
            Some(Value::Array(values)) => values.push(value),
            Some(first) => {
                let first = first.take();
                out.insert(key.clone(), Value::Array(vec![first, value]));
            }
            None => {
                out.insert(key.clone(), value);
            }
        }
    }
    out
}

/// `/api/v1/test`, any method: `{success, serverTime, httpMethod, query}`, and the body
/// of a `POST` or `PUT`.
pub(super) async fn test(method: Method, ving: Ving, headers: HeaderMap, body: Body) -> Reply {
    let mut out = Map::new();
    out.insert("success".into(), Value::Bool(true));
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
    out.insert("serverTime".into(), Value::String(now.to_string()));
    out.insert("httpMethod".into(), Value::String(method.to_string()));
    out.insert("query".into(), Value::Object(query_object(&ving.query)));
    if method == Method::POST || method == Method::PUT {
        if let Some(body) = ving.body(&headers, body).await? {
            out.insert("body".into(), Value::Object(body));
        }
    }
    Ok(json_value(&Value::Object(out)))
}

/// `GET /api/v1/users/whoami`: the session's user, described to them with the includes
/// asked for, or `{}` without a session (ving's `users/whoami.get.mjs`).
pub(super) async fn whoami(ving: Ving) -> axum::response::Response {
    match &ving.session {
        Some(session) => ving.describe(&session.user).await,
        None => json_value(&Value::Object(Map::new())),
    }
}

/// `GET /api/v1/system-wide-alert`: the alert, or ving's empty one.
pub(super) async fn read_alert(ving: Ving) -> Reply {
    let alert = ving.rest.cache.get(ALERT).await.at(&ving.url)?;
    Ok(json_value(&alert.unwrap_or_else(no_alert)))
}

/// `POST /api/v1/system-wide-alert` (admins): the body becomes the alert, for `ttl`
/// milliseconds when it says (as ving's cache takes it: none or 0 is for ever, less than
/// 0 has expired already); answered with itself.
pub(super) async fn set_alert(ving: Ving, headers: HeaderMap, body: Body) -> Reply {
    ving.admin().at(&ving.url)?;
    let Some(body) = ving.body(&headers, body).await? else {
        return Err(Ouch::new(400, "No params detected.")).at(&ving.url);
    };
    let ms = body
        .get("ttl")
        .and_then(Value::as_f64)
        .filter(|ms| *ms != 0.0);
    let alert = Value::Object(body);
    let cache = &ving.rest.cache;
    match ms {
        Some(ms) if ms < 0.0 => cache.delete(ALERT).await,
        _ => {
            let ttl = ms.map(|ms| std::time::Duration::from_millis(ms.min(1e15) as u64));
            cache.set(ALERT, &alert, ttl).await
        }
    }
    .at(&ving.url)?;
    Ok(json_value(&alert))
}

/// `DELETE /api/v1/system-wide-alert` (admins): no alert any more; ving's empty one.
pub(super) async fn clear_alert(ving: Ving) -> Reply {
    ving.admin().at(&ving.url)?;
    ving.rest.cache.delete(ALERT).await.at(&ving.url)?;
    Ok(json_value(&no_alert()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_read_as_h3_reads_it() {
        let query = super::super::params::pairs(Some("a=1&b=&a=2&c=x%20y&a=3"));
        assert_eq!(
            Value::Object(query_object(&query)),
            json!({ "a": ["1", "2", "3"], "b": "", "c": "x y" })
        );
    }
}
