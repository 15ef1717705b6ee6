//! The sample app's records over HTTP (`ving::rest`), with a real client over loopback,
//! on SQLite, MariaDB and PostgreSQL: ving's REST examples (create, read, update, delete,
//! lists with paging, includes, filters, options), sessions, privileges and bad input.

#[macro_use]
mod common;

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use ving::config::Backend;
use ving::db::Db;
use ving::id::IdCodec;
use ving::record::Kinds;
use ving::rest::Rest;
use ving::schema::{SchemaOptions, SchemaSet};
use ving::sql::Param;
use ving::testing::{Collation, TestDb};
use ving_sample_app::record::{self, api_key, user, RecordSettings};

use common::setup;

/// A server of the sample app's records on a test database, and a client of it.
struct Server {
    base: String,
    client: reqwest::Client,
    kinds: Kinds<'static>,
    task: tokio::task::JoinHandle<()>,
}

/// A response: its status, body and the session cookie it set, if any.
struct Answer {
    status: StatusCode,
    body: Value,
    text: String,
    cookie: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(test: &TestDb) -> Server {
    serve_with(test, None).await
}

/// A redis server of the test's own, on a free port, stopped when dropped.
struct Redis {
    child: std::process::Child,
    url: String,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a redis server for a test (none, with a message, where redis-server is not
/// installed, except in CI).
fn start_redis() -> Option<Redis> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = std::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(std::process::Stdio::null())
        .spawn();
    let child = match child {
        Ok(child) => child,
        Err(error) => {
            assert!(
                !ving::testing::in_ci(),
                "redis-server is needed in CI: {error}"
            );
            eprintln!("SKIPPED the redis session tests: redis-server cannot be started: {error}");
            return None;
        }
    };
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed().as_secs() < 20,
            "redis-server never listened"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Some(Redis {
        child,
        url: format!("redis://127.0.0.1:{port}"),
    })
}

async fn serve_with(test: &TestDb, redis: Option<&Redis>) -> Server {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas");
    let schemas = SchemaSet::load(&dir, &SchemaOptions::default()).expect("schemas");
    // The server keeps a handle on the test's pool; the test closes the pool at its end.
    let db: &'static Db = Box::leak(Box::new(test.db().clone()));
    let codec = IdCodec::new("11,22,33,44,55,66,77,88,99,111".parse().expect("key"));
    let kinds = record::kinds_with(&schemas, db, codec, RecordSettings::default());
    let rest = match redis {
        Some(redis) => Rest::in_redis(kinds.clone(), &redis.url).await,
        None => Rest::new(kinds.clone()).await,
    }
    .expect("rest")
    .with_password_test(user::test_password)
    .with_secret_test(api_key::test_secret)
    .with_body_limit(64 * 1024);
    // The app's router, with its generated rules and its own routes.
    let router = ving_sample_app::rest::router(rest);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listen");
    let address = listener.local_addr().expect("address");
    let task = tokio::spawn(async move {
        ving::rest::axum::serve(listener, router)
            .await
            .expect("serve");
    });
    Server {
        base: format!("http://{address}/api/v1"),
        client: reqwest::Client::new(),
        kinds,
        task,
    }
}

impl Server {
    /// Sends `method path` with `cookie` and a JSON `body`.
    async fn call(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(cookie) = cookie {
            request = request.header("cookie", format!("vingSessionId={cookie}"));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.answer(request).await
    }

    async fn answer(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("request");
        let status = response.status();
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .and_then(|v| v.strip_prefix("vingSessionId="))
            .map(str::to_owned);
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert!(
            !text.contains("$2a$") && !text.contains("$2b$") && !text.contains("$2y$"),
            "a password hash was sent: {text}"
        );
        assert!(
            !text.to_lowercase().contains("select ") && !text.contains("sqlx"),
            "SQL or driver detail was sent: {text}"
        );
        Answer {
            status,
            body,
            text,
            cookie,
        }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        self.call(Method::GET, path, cookie, None).await
    }

    /// Signs `name` up and logs in: the user's id string and session cookie.
    async fn sign_up(&self, name: &str) -> (String, String) {
        let made = self
            .call(
                Method::POST,
                "/users",
                None,
                Some(json!({
                    "username": name, "email": format!("{name}@shawshank.jail"),
                    "realName": name.to_uppercase(), "password": "Zihuatanejo",
                })),
            )
            .await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.text);
        let id = made.body["props"]["id"].as_str().expect("id").to_owned();
        let session = self
            .call(
                Method::POST,
                "/sessions",
                None,
                Some(json!({"login": name, "password": "Zihuatanejo", "sessionType": "native"})),
            )
            .await;
        assert_eq!(session.status, StatusCode::OK, "{}", session.text);
        assert_eq!(session.body["props"]["userId"], id.as_str());
        (id, session.cookie.expect("a session cookie"))
    }

    /// Sets a role prop of the user `id` straight in the database.
    async fn grant(&self, id: &str, role: &str) {
        let users = self.kinds.kind("User").expect("User");
        let mut user = users.find_or_die(id).await.expect("user");
        user.set(role, Value::Bool(true)).expect("set");
        user.update().await.expect("update");
    }

    async fn count(&self, kind: &str) -> i64 {
        let kind = self.kinds.kind(kind).expect("kind");
        kind.count(()).await.expect("count")
    }
}

/// ving's error body: the code as the status and in both of ving's shapes.
fn assert_ouch(answer: &Answer, code: u16, message: &str) {
    assert_eq!(answer.status.as_u16(), code, "{}", answer.text);
    assert_eq!(answer.body["statusCode"], code, "{}", answer.text);
    assert_eq!(answer.body["error"]["code"], code, "{}", answer.text);
    assert!(
        answer.body["message"]
            .as_str()
            .is_some_and(|m| m.contains(message)),
        "expected {message:?} in {}",
        answer.text
    );
}

/// ving's REST walk-through: sign up, log in, create, read, update, list, delete, log out.
async fn records_over_http(test: &TestDb) {
    let server = serve(test).await;
    let (andy, andy_cookie) = server.sign_up("andy").await;
    let (red, red_cookie) = server.sign_up("red").await;

    // The account described to its owner, and to someone else.
    let own = server
        .get(
            &format!("/users/{andy}?includeMeta=true"),
            Some(&andy_cookie),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.body["props"]["email"], "andy@shawshank.jail");
    assert_eq!(own.body["meta"]["displayName"], "andy");
    let theirs = server
        .get(
            &format!("/users/{andy}?includeMeta=true"),
            Some(&red_cookie),
        )
        .await;
    assert_eq!(theirs.body["props"]["email"], Value::Null);
    assert_eq!(theirs.body["props"]["id"], andy.as_str());
    let anonymous = server.get(&format!("/users/{andy}"), None).await;
    assert_eq!(
        anonymous.body["props"].get("email"),
        None,
        "{}",
        anonymous.text
    );

    // Creating needs a session and a verified email.
    let key = json!({"name": "Reports", "url": "https://example.com", "reason": "audits"});
    let refused = server
        .call(Method::POST, "/apikeys", None, Some(key.clone()))
        .await;
    assert_ouch(&refused, 401, "Login required.");
    let refused = server
        .call(
            Method::POST,
            "/apikeys",
            Some(&andy_cookie),
            Some(key.clone()),
        )
        .await;
    assert_ouch(&refused, 403, "Not a member of verifiedEmail");
    server.grant(&andy, "verifiedEmail").await;
    let mut body = key.clone();
    body["userId"] = json!(andy);
    let made = server
        .call(
            Method::POST,
            "/apikeys?includeMeta=true&includeLinks=true",
            Some(&andy_cookie),
            Some(body),
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    let key_id = made.body["props"]["id"].as_str().expect("id").to_owned();
    assert_eq!(made.body["props"]["name"], "Reports");
    assert_eq!(made.body["props"]["userId"], andy.as_str());
    assert_eq!(made.body["meta"]["kind"], "APIKey");
    assert_eq!(
        made.body["links"]["self"]["href"],
        format!("/api/v1/apikeys/{key_id}")
    );
    let private_key = made.body["props"]["privateKey"]
        .as_str()
        .expect("owner sees it")
        .to_owned();

    // Read, with every include, and as someone else (no private key).
    let read = server
        .get(
            &format!("/apikeys/{key_id}?includeOptions=true&includeRelated=user&includeMeta=true"),
            Some(&andy_cookie),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.body["related"]["user"]["props"]["id"], andy.as_str());
    assert!(read.body["options"].is_object());
    let other = server
        .get(&format!("/apikeys/{key_id}"), Some(&red_cookie))
        .await;
    assert_eq!(
        other.body["props"].get("privateKey"),
        None,
        "{}",
        other.text
    );

    // Update: the owner may, someone else may not (and nothing changes).
    let denied = server
        .call(
            Method::PUT,
            &format!("/apikeys/{key_id}"),
            Some(&red_cookie),
            Some(json!({"name": "Mine"})),
        )
        .await;
    assert_ouch(&denied, 403, "");
    let updated = server
        .call(
            Method::PUT,
            &format!("/apikeys/{key_id}"),
            Some(&andy_cookie),
            Some(json!({"name": "Audits"})),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.body["props"]["name"], "Audits");

    // Children and parents.
    let children = server
        .get(&format!("/users/{andy}/apikeys"), Some(&andy_cookie))
        .await;
    assert_eq!(children.status, StatusCode::OK, "{}", children.text);
    assert_eq!(children.body["paging"]["totalItems"], 1);
    assert_eq!(children.body["items"][0]["props"]["name"], "Audits");
    let parent = server
        .get(&format!("/apikeys/{key_id}/user"), Some(&andy_cookie))
        .await;
    assert_eq!(parent.body["props"]["id"], andy.as_str());
    assert_ouch(
        &server
            .get(&format!("/apikeys/{key_id}/nothing"), None)
            .await,
        404,
        "",
    );

    // An API key's session: a program's, which may not change account settings.
    let robot = server
        .call(
            Method::POST,
            "/sessions",
            None,
            Some(json!({"apiKey": key_id, "privateKey": private_key})),
        )
        .await;
    assert_eq!(robot.status, StatusCode::OK, "{}", robot.text);
    let robot_cookie = robot.cookie.expect("cookie");
    let human_only = server
        .call(
            Method::PUT,
            &format!("/users/{andy}"),
            Some(&robot_cookie),
            Some(json!({"bio": "robot"})),
        )
        .await;
    assert_ouch(&human_only, 403, "You must be a human");
    let wrong = server
        .call(
            Method::POST,
            "/sessions",
            None,
            Some(json!({"apiKey": key_id, "privateKey": "pk_nope"})),
        )
        .await;
    assert_ouch(&wrong, 454, "Secret does not match.");
    assert_eq!(
        wrong.body["data"],
        Value::Null,
        "ving names no prop: {}",
        wrong.text
    );
    // ving's testRequired (an empty text is missing) and testSecret (a number is no
    // secret); the key by its number, as ving's findOrDie takes it.
    let key_number = server
        .kinds
        .kind("APIKey")
        .expect("APIKey")
        .parse_id(key_id.as_str())
        .expect("id");
    for (body, code, message) in [
        (
            json!({"apiKey": "", "privateKey": "pk"}),
            441,
            "apiKey is required.",
        ),
        (
            json!({"apiKey": key_id, "privateKey": ""}),
            441,
            "privateKey is required.",
        ),
        (
            json!({"apiKey": key_id, "privateKey": 123}),
            454,
            "Secret does not match.",
        ),
        (
            json!({"apiKey": true, "privateKey": "pk"}),
            400,
            "Invalid id: true",
        ),
        (
            json!({"apiKey": key_number, "privateKey": "pk_nope"}),
            454,
            "Secret does not match.",
        ),
    ] {
        let answer = server
            .call(Method::POST, "/sessions", None, Some(body))
            .await;
        assert_ouch(&answer, code, message);
    }
    let by_number = server
        .call(
            Method::POST,
            "/sessions",
            None,
            Some(json!({"apiKey": key_number, "privateKey": private_key})),
        )
        .await;
    assert_eq!(by_number.status, StatusCode::OK, "{}", by_number.text);

    // Delete: ving's meta.deleted, then the record is gone.
    let deleted = server
        .call(
            Method::DELETE,
            &format!("/apikeys/{key_id}?includeMeta=true"),
            Some(&andy_cookie),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert_eq!(deleted.body["meta"]["deleted"], true);
    // The sessions the key started end with it.
    assert_ouch(
        &server
            .get(&format!("/sessions/{robot_cookie}"), Some(&robot_cookie))
            .await,
        401,
        "Session expired.",
    );
    assert_ouch(
        &server.get(&format!("/apikeys/{key_id}"), None).await,
        404,
        "APIKey not found.",
    );

    // ving's whoami, beside the routes of users.
    let me = server
        .get("/users/whoami?includeMeta=true", Some(&andy_cookie))
        .await;
    assert_eq!(me.body["props"]["id"], andy.as_str(), "{}", me.text);
    assert_eq!(me.body["meta"]["kind"], "User");
    // An empty value is off, as ving's isNil('') reads it.
    let bare = server
        .get(
            "/users/whoami?includeMeta&includeLinks=",
            Some(&andy_cookie),
        )
        .await;
    assert_eq!(bare.body["props"]["id"], andy.as_str(), "{}", bare.text);
    assert!(
        bare.body.get("meta").is_none() && bare.body.get("links").is_none(),
        "{}",
        bare.text
    );
    assert_eq!(server.get("/users/whoami", None).await.body, json!({}));

    // Sessions: read one's own, not another's; log out ends it.
    let mine = server
        .get(&format!("/sessions/{andy_cookie}"), Some(&andy_cookie))
        .await;
    assert_eq!(mine.body["props"]["userId"], andy.as_str());
    let not_mine = server
        .get(&format!("/sessions/{red_cookie}"), Some(&andy_cookie))
        .await;
    assert_ouch(&not_mine, 403, "Session ID in cookie must match");
    let out = server
        .call(Method::DELETE, "/sessions", Some(&andy_cookie), None)
        .await;
    assert_eq!(out.status, StatusCode::OK);
    let after = server
        .get(&format!("/sessions/{andy_cookie}"), Some(&andy_cookie))
        .await;
    assert_ouch(&after, 401, "Session expired.");
    let _ = red;
}

/// Logging in: ving's errors for a missing field, an unknown user, a wrong password; a
/// changed password ends the sessions started before it.
async fn logins(test: &TestDb) {
    logins_on(serve(test).await).await;
}

async fn sessions_table(test: &TestDb) {
    sessions_table_on(serve(test).await).await;
}

/// The same walk-through and logins with the sessions in redis; nothing of them in the
/// database.
async fn sessions_in_redis(test: &TestDb) {
    let Some(redis) = start_redis() else {
        return;
    };
    logins_on(serve_with(test, Some(&redis)).await).await;
    let server = serve_with(test, Some(&redis)).await;
    let (andy, cookie) = server.sign_up("heywood").await;
    let mine = server
        .get(&format!("/sessions/{cookie}"), Some(&cookie))
        .await;
    assert_eq!(mine.body["props"]["userId"], andy.as_str(), "{}", mine.text);
    let kept = std::process::Command::new("redis-cli")
        .args(["-u", &redis.url, "TTL", &format!("session-{cookie}")])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<i64>()
                .unwrap_or(0)
        });
    if let Ok(ttl) = kept {
        assert!(ttl > 600_000 && ttl <= 604_800, "a week to live: {ttl}");
    }
    let table = test
        .db()
        .fetch_all(
            &format!(
                "SELECT COUNT(*) FROM {}",
                test.db().dialect().quote(ving::rest::SESSIONS_TABLE)
            ),
            Vec::new(),
            |row| row.get_i64(0),
        )
        .await
        .expect("the migrations' sessions table");
    assert_eq!(
        table,
        [0],
        "with redis, the database's sessions table is left alone"
    );
    server
        .call(Method::DELETE, "/sessions", Some(&cookie), None)
        .await;
    let after = server
        .get(&format!("/sessions/{cookie}"), Some(&cookie))
        .await;
    assert_ouch(&after, 401, "Session expired.");
}

/// The sessions table the migrations make: a login adds a row and deletes the user's
/// sessions that have ended; deleting a user deletes its sessions.
async fn sessions_table_on(server: Server) {
    let (red, _) = server.sign_up("red").await;
    let users = server.kinds.kind("User").expect("User");
    let mut user = users.find_or_die(red.as_str()).await.expect("red");
    let user_id = user.id().expect("an id");
    let db = users.executor().db();
    let q = |name: &str| db.dialect().quote(name);
    let rows = || async {
        let sql = format!(
            "SELECT {} FROM {} WHERE {} = {} ORDER BY {}",
            q("expiresAt"),
            q(ving::rest::SESSIONS_TABLE),
            q("userId"),
            db.dialect().placeholder(1),
            q("expiresAt"),
        );
        db.fetch_all(&sql, vec![Param::I64(Some(user_id))], |row| row.get_i64(0))
            .await
            .expect("the user's sessions")
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64;
    let kept = rows().await;
    assert_eq!(kept.len(), 1, "one login, one row: {kept:?}");
    assert!(kept[0] > now + 6 * 24 * 3600, "a week: {kept:?}");
    // The session ends (its time is up); the next login takes it away.
    db.execute(
        &format!(
            "UPDATE {} SET {} = 1 WHERE {} = {}",
            q(ving::rest::SESSIONS_TABLE),
            q("expiresAt"),
            q("userId"),
            db.dialect().placeholder(1)
        ),
        vec![Param::I64(Some(user_id))],
    )
    .await
    .expect("end the session");
    let login = server
        .call(
            Method::POST,
            "/sessions",
            None,
            Some(json!({"login": "red", "password": "Zihuatanejo", "sessionType": "native"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let kept = rows().await;
    assert_eq!(kept.len(), 1, "the ended session is gone: {kept:?}");
    assert!(kept[0] > now, "the live one stays: {kept:?}");
    user.delete().await.expect("delete red");
    assert!(
        rows().await.is_empty(),
        "a user's sessions go with the user"
    );
}

async fn logins_on(server: Server) {
    let (andy, cookie) = server.sign_up("andy").await;
    let session = |body: Value| server.call(Method::POST, "/sessions", None, Some(body));
    let missing = session(json!({"login": "andy", "sessionType": "native"})).await;
    assert_ouch(&missing, 441, "password is required.");
    // nitro's body: the prop's name as the data (ving's `ouch(441, …, field)`), an empty
    // stack; and ving's documented `error` beside it.
    assert_eq!(missing.body["data"], "password", "{}", missing.text);
    assert_eq!(
        missing.body["error"]["data"], "password",
        "{}",
        missing.text
    );
    assert_eq!(missing.body["stack"], "", "{}", missing.text);
    assert_eq!(missing.body["statusMessage"], "Missing Required Parameter");
    assert_ouch(
        &session(json!({"login": "nobody", "password": "x", "sessionType": "native"})).await,
        404,
        "User not found.",
    );
    assert_ouch(
        &session(
            json!({"login": "andy@shawshank.jail", "password": "wrong", "sessionType": "native"}),
        )
        .await,
        454,
        "Password does not match.",
    );
    let by_email = session(
        json!({"login": "andy@shawshank.jail", "password": "Zihuatanejo", "sessionType": "native"}),
    )
    .await;
    assert_eq!(by_email.status, StatusCode::OK, "{}", by_email.text);
    assert_ouch(
        &session(json!({"apiKey": "APIKeyvKDWmj"})).await,
        441,
        "privateKey is required.",
    );
    // An empty text is missing (ving's isNil); a login that is not text is no one's; a
    // password that is not text does not match.
    for (body, code, message) in [
        (
            json!({"login": "", "password": "x", "sessionType": "native"}),
            441,
            "login is required.",
        ),
        (
            json!({"login": "andy", "password": "", "sessionType": "native"}),
            441,
            "password is required.",
        ),
        (
            json!({"login": 5, "password": "x", "sessionType": "native"}),
            404,
            "User not found.",
        ),
        (
            json!({"login": "andy", "password": 5, "sessionType": "native"}),
            454,
            "Password does not match.",
        ),
    ] {
        assert_ouch(&session(body).await, code, message);
    }
    // A session id in capitals names no session, on every database (ving's store keys it
    // as it was given out; MariaDB's collation would find it).
    let shouted = cookie.to_uppercase();
    assert_ne!(shouted, cookie);
    assert_ouch(
        &server
            .get(&format!("/sessions/{shouted}"), Some(&shouted))
            .await,
        401,
        "Session expired.",
    );
    // An API key's id as a number with a point is that number (JSON.parse reads 1.0 as 1):
    // looked for as key 1 (there is none yet), not refused as an id string.
    assert_ouch(
        &session(json!({"apiKey": 1.0, "privateKey": "not it"})).await,
        404,
        "APIKey not found.",
    );

    // An admin becomes andy (ving's `become`): the admin's session ends, andy's starts.
    let (admin, admin_cookie) = server.sign_up("warden").await;
    server.grant(&admin, "admin").await;
    // An admin reads and ends another's session: that one is described, not the admin's.
    let by_email = by_email.cookie.expect("a session cookie");
    let theirs = server
        .get(&format!("/sessions/{by_email}"), Some(&admin_cookie))
        .await;
    assert_eq!(
        theirs.body["props"]["id"],
        by_email.as_str(),
        "{}",
        theirs.text
    );
    assert_eq!(theirs.body["props"]["userId"], andy.as_str());
    let ended = server
        .call(
            Method::DELETE,
            &format!("/sessions/{by_email}"),
            Some(&admin_cookie),
            None,
        )
        .await;
    assert_eq!(
        ended.body["props"]["id"],
        by_email.as_str(),
        "{}",
        ended.text
    );
    assert_ouch(
        &server
            .get(&format!("/sessions/{by_email}"), Some(&by_email))
            .await,
        401,
        "Session expired.",
    );
    assert_ouch(
        &server
            .get(&format!("/sessions/{by_email}"), Some(&admin_cookie))
            .await,
        404,
        "Session not found.",
    );
    let become_path = format!("/users/{andy}/become");
    let refused = server
        .call(Method::POST, &become_path, Some(&cookie), None)
        .await;
    assert_ouch(&refused, 403, "Not a member of admin");
    let anonymous = server.call(Method::POST, &become_path, None, None).await;
    assert_ouch(&anonymous, 401, "Login required.");
    let nobody = server
        .call(
            Method::POST,
            "/users/UserNotAnId/become",
            Some(&admin_cookie),
            None,
        )
        .await;
    assert_eq!(nobody.status, StatusCode::BAD_REQUEST, "{}", nobody.text);
    let not_users = server
        .call(Method::POST, "/apikeys/x/become", Some(&admin_cookie), None)
        .await;
    assert_eq!(not_users.status.as_u16(), 405, "{}", not_users.text);
    let became = server
        .call(Method::POST, &become_path, Some(&admin_cookie), None)
        .await;
    assert_eq!(became.status, StatusCode::OK, "{}", became.text);
    assert_eq!(became.body["props"]["id"], andy.as_str());
    assert_eq!(
        became.body["props"]["email"], "andy@shawshank.jail",
        "andy's own view"
    );
    let as_andy = became.cookie.clone().expect("a become session's cookie");
    assert_ne!(as_andy, admin_cookie);
    let me = server.get("/users/whoami", Some(&as_andy)).await;
    assert_eq!(me.body["props"]["id"], andy.as_str(), "{}", me.text);
    let ended = server
        .get(&format!("/sessions/{admin_cookie}"), Some(&admin_cookie))
        .await;
    assert_ouch(&ended, 401, "Session expired.");

    // ving's extras its front end calls: the echo, and the alert only an admin sets (kept
    // in memory beside database sessions, in redis beside redis ones).
    let echo = server
        .call(
            Method::POST,
            "/test?a=1&a=2&b",
            None,
            Some(json!({"x": [1]})),
        )
        .await;
    assert_eq!(echo.status, StatusCode::OK, "{}", echo.text);
    assert_eq!(echo.body["success"], true);
    assert_eq!(echo.body["httpMethod"], "POST");
    assert_eq!(echo.body["query"], json!({"a": ["1", "2"], "b": ""}));
    assert_eq!(echo.body["body"], json!({"x": [1]}));
    assert!(echo.body["serverTime"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    let (alerter, admin) = server.sign_up("alerter").await;
    server.grant(&alerter, "admin").await;
    let empty = json!({"message": "", "ttl": 3_600_000, "severity": "success"});
    assert_eq!(server.get("/system-wide-alert", None).await.body, empty);
    let alert = json!({"message": "Maintenance at noon", "ttl": 60_000, "severity": "warn"});
    let refused = server
        .call(
            Method::POST,
            "/system-wide-alert",
            Some(&cookie),
            Some(alert.clone()),
        )
        .await;
    assert_ouch(&refused, 403, "Not a member of admin");
    let set = server
        .call(
            Method::POST,
            "/system-wide-alert",
            Some(&admin),
            Some(alert.clone()),
        )
        .await;
    assert_eq!(set.body, alert, "{}", set.text);
    assert_eq!(server.get("/system-wide-alert", None).await.body, alert);
    let short = json!({"message": "gone soon", "ttl": 1, "severity": "info"});
    server
        .call(
            Method::POST,
            "/system-wide-alert",
            Some(&admin),
            Some(short),
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(
        server.get("/system-wide-alert", None).await.body,
        empty,
        "kept for its ttl (milliseconds)"
    );
    // A ttl below 0 has expired already (ving's cache); it also ends the alert before.
    for (ttl, kept) in [(0, true), (-5_000, false)] {
        server
            .call(
                Method::POST,
                "/system-wide-alert",
                Some(&admin),
                Some(alert.clone()),
            )
            .await;
        let odd = json!({"message": "odd ttl", "ttl": ttl, "severity": "info"});
        let set = server
            .call(
                Method::POST,
                "/system-wide-alert",
                Some(&admin),
                Some(odd.clone()),
            )
            .await;
        assert_eq!(set.body, odd, "{}", set.text);
        let now = server.get("/system-wide-alert", None).await.body;
        assert_eq!(now, if kept { odd } else { empty.clone() }, "ttl {ttl}");
    }
    let cleared = server
        .call(Method::DELETE, "/system-wide-alert", Some(&admin), None)
        .await;
    assert_eq!(cleared.body, empty, "{}", cleared.text);

    // The password changes: the old session is over.
    let users = server.kinds.kind("User").expect("User");
    let mut user = users.find_or_die(andy.as_str()).await.expect("user");
    user.set(
        "password",
        json!(ving::record::hash_password("Rita Hayworth").expect("hash")),
    )
    .expect("set");
    user.update().await.expect("update");
    let stale = server
        .get(&format!("/sessions/{cookie}"), Some(&cookie))
        .await;
    assert_ouch(&stale, 401, "Session expired.");
    // A made-up cookie is no session.
    let made_up = server.get("/sessions/x", Some("not-a-session")).await;
    assert_ouch(&made_up, 401, "Session expired.");
}

/// Lists: admins only for users, ving's paging, sort, search, qualifiers and ranges;
/// hidden props can be neither sorted nor filtered by.
async fn lists(test: &TestDb) {
    let server = serve(test).await;
    let (admin, admin_cookie) = server.sign_up("warden").await;
    let (_, plain_cookie) = server.sign_up("heywood").await;
    server.grant(&admin, "admin").await;
    for name in ["bogs", "tommy", "brooks", "norton", "hadley"] {
        server.sign_up(name).await;
    }
    assert_ouch(&server.get("/users", None).await, 401, "Login required.");
    assert_ouch(
        &server.get("/users", Some(&plain_cookie)).await,
        403,
        "Not a member of admin",
    );

    let page = server
        .get(
            "/users?itemsPerPage=3&page=2&sortBy=username&sortOrder=desc",
            Some(&admin_cookie),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(
        page.body["paging"],
        json!({"page": 2, "nextPage": 3, "previousPage": 1, "itemsPerPage": 3, "totalItems": 7, "totalPages": 3})
    );
    let names: Vec<&str> = page.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["props"]["username"].as_str())
        .collect();
    let sorted = {
        let mut all = vec![
            "warden", "heywood", "bogs", "tommy", "brooks", "norton", "hadley",
        ];
        all.sort_unstable_by(|a, b| b.cmp(a));
        all
    };
    assert_eq!(names, sorted[3..6]);

    let found = server.get("/users?search=OMM", Some(&admin_cookie)).await;
    assert_eq!(found.body["paging"]["totalItems"], 1, "{}", found.text);
    assert_eq!(found.body["items"][0]["props"]["username"], "tommy");
    let admins = server.get("/users?admin=true", Some(&admin_cookie)).await;
    assert_eq!(admins.body["paging"]["totalItems"], 1, "{}", admins.text);
    let not_admins = server.get("/users?admin=<>true", Some(&admin_cookie)).await;
    assert_eq!(
        not_admins.body["paging"]["totalItems"], 6,
        "{}",
        not_admins.text
    );
    let ranged = server
        .get("/users?_start_createdAt=2000-01-01T00:00:00.000Z&_end_createdAt=2001-01-01T00:00:00.000Z", Some(&admin_cookie))
        .await;
    assert_eq!(ranged.status, StatusCode::OK, "{}", ranged.text);

    // Hidden props and injection attempts are refused, not run.
    assert_ouch(
        &server
            .get("/users?sortBy=password", Some(&admin_cookie))
            .await,
        400,
        "",
    );
    assert_ouch(
        &server
            .get(
                "/users?sortBy=username%3BDROP%20TABLE%20users",
                Some(&admin_cookie),
            )
            .await,
        400,
        "",
    );
    assert_eq!(server.count("User").await, 7);

    // Options, for anyone.
    let options = server.get("/users/options", None).await;
    assert_eq!(options.status, StatusCode::OK, "{}", options.text);
    assert!(
        options.body["useAsDisplayName"].is_array(),
        "{}",
        options.text
    );
}

/// Bad input gets ving's 4xx and writes nothing.
async fn bad_input(test: &TestDb) {
    let server = serve(test).await;
    let (andy, cookie) = server.sign_up("andy").await;
    server.grant(&andy, "verifiedEmail").await;
    let raw = |method: Method, path: &str, content_type: &str, body: Vec<u8>| {
        server.answer(
            server
                .client
                .request(method, format!("{}{path}", server.base))
                .header("cookie", format!("vingSessionId={cookie}"))
                .header("content-type", content_type)
                .body(body),
        )
    };
    let json_type = "application/json";
    assert_ouch(
        &raw(
            Method::POST,
            "/apikeys",
            json_type,
            b"{\"name\": \"x\",}".to_vec(),
        )
        .await,
        400,
        "Malformed body JSON",
    );
    assert_ouch(
        &raw(Method::POST, "/apikeys", json_type, b"[1, 2]".to_vec()).await,
        400,
        "Malformed body JSON",
    );
    assert_ouch(
        &raw(Method::POST, "/apikeys", "text/plain", b"{}".to_vec()).await,
        415,
        "Only JSON",
    );
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(100 * 1024));
    assert_ouch(
        &raw(Method::POST, "/apikeys", json_type, huge.into_bytes()).await,
        413,
        "larger than",
    );
    assert_ouch(
        &raw(Method::POST, "/apikeys", json_type, Vec::new()).await,
        400,
        "No params detected.",
    );
    // A foreign id string, a missing required prop, an unknown kind and an id of nothing.
    let foreign = server
        .call(
            Method::POST,
            "/apikeys",
            Some(&cookie),
            Some(json!({"name": "x", "url": "https://e.x", "userId": "APIKeyvKDWmj"})),
        )
        .await;
    assert_eq!(foreign.status.as_u16(), 400, "{}", foreign.text);
    assert_ouch(
        &server
            .call(
                Method::POST,
                "/apikeys",
                Some(&cookie),
                Some(json!({"name": "x"})),
            )
            .await,
        441,
        "is required",
    );
    assert_ouch(
        &server.get("/nothings", None).await,
        404,
        "Cannot find any path matching /api/v1/nothings.",
    );
    let queried = server.get("/nothings?page=2", None).await;
    assert_eq!(
        queried.body["url"], "/api/v1/nothings?page=2",
        "{}",
        queried.text
    );
    assert_eq!(queried.body["data"], Value::Null, "{}", queried.text);
    assert_ouch(
        &server.get("/nothings/x/y/z", None).await,
        404,
        "Cannot find any path",
    );
    assert_ouch(
        &server.get("/users/UserNotAnId", None).await,
        400,
        "Invalid id",
    );
    assert_ouch(
        &server.call(Method::PATCH, "/users", None, None).await,
        405,
        "",
    );
    assert_eq!(server.count("APIKey").await, 0);
    // Unknown props are skipped; a prop the user may not edit is not changed.
    let skipped = server
        .call(
            Method::PUT,
            &format!("/users/{andy}"),
            Some(&cookie),
            Some(json!({"bio": "Hope is a good thing", "nonsense": 1, "admin": true})),
        )
        .await;
    assert_eq!(skipped.status, StatusCode::OK, "{}", skipped.text);
    assert_eq!(skipped.body["props"]["bio"], "Hope is a good thing");
    assert_eq!(skipped.body["props"]["admin"], false);
    // A NUL character (which PostgreSQL's text and jsonb cannot hold) gets the same
    // answer on every database, and nothing is written.
    let nul = "a\u{0}b";
    let refused = server
        .call(
            Method::PUT,
            &format!("/users/{andy}"),
            Some(&cookie),
            Some(json!({"bio": nul})),
        )
        .await;
    assert_ouch(
        &refused,
        442,
        "bio: Text must not contain the NUL character",
    );
    let signed_up = server
        .call(
            Method::POST,
            "/users",
            None,
            Some(json!({"username": nul, "email": "nul@shawshank.jail", "realName": "N", "password": "p"})),
        )
        .await;
    assert_ouch(
        &signed_up,
        442,
        "username: Text must not contain the NUL character",
    );
    let key = server
        .call(
            Method::POST,
            "/apikeys",
            Some(&cookie),
            Some(json!({"name": "k", "url": "https://e.x", "userId": andy, "reason": nul})),
        )
        .await;
    assert_ouch(&key, 442, "reason: Text must not contain the NUL character");
    let login = json!({"login": nul, "password": "p", "sessionType": "native"});
    let login = server
        .call(Method::POST, "/sessions", None, Some(login))
        .await;
    assert_ouch(&login, 404, "User not found.");
    let filtered = server.get("/s3files?extension=a%00b", Some(&cookie)).await;
    assert_ouch(
        &filtered,
        400,
        "extension: a filter cannot hold a NUL character",
    );
    assert_eq!(
        server
            .get(&format!("/users/{andy}"), Some(&cookie))
            .await
            .body["props"]["bio"],
        "Hope is a good thing"
    );
    assert_eq!(server.count("User").await, 1);
    assert_eq!(server.count("APIKey").await, 0);
    // No session: nothing may be changed or deleted.
    let anonymous = server
        .call(Method::DELETE, &format!("/users/{andy}"), None, None)
        .await;
    assert_ouch(&anonymous, 403, "");
    assert_eq!(server.count("User").await, 1);
}

/// Many clients at once on one server: every answer right.
async fn concurrent_clients(test: &TestDb) {
    let server = Arc::new(serve(test).await);
    let (andy, cookie) = server.sign_up("andy").await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let server = server.clone();
        let andy = andy.clone();
        let cookie = cookie.clone();
        tasks.push(tokio::spawn(async move {
            let answer = if i % 2 == 0 {
                server.get(&format!("/users/{andy}"), Some(&cookie)).await
            } else {
                server
                    .call(
                        Method::PUT,
                        &format!("/users/{andy}"),
                        Some(&cookie),
                        Some(json!({"bio": format!("bio {i}")})),
                    )
                    .await
            };
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        }));
    }
    for task in tasks {
        task.await.expect("client");
    }
}

/// Who looks, in the privilege matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Viewer {
    Anonymous,
    Other,
    Owner,
    Admin,
}

/// Whether `viewer` may see `prop` of a record of `kind` they own (`owns`): a public
/// prop, an owner's when they own it, one of a role they have (verifiedEmail for every
/// signed-in user here, admin for the admin). The schema's rule, stated over the files.
fn may_see(schemas: &SchemaSet, kind: &str, prop: &str, viewer: Viewer, owns: bool) -> bool {
    if ["id", "createdAt", "updatedAt"].contains(&prop) {
        return true;
    }
    let Some(prop) = schemas
        .get(kind)
        .and_then(|s| s.props.iter().find(|p| p.name == prop))
    else {
        return false;
    };
    let roles: Vec<&str> = prop
        .view
        .iter()
        .chain(&prop.edit)
        .map(String::as_str)
        .collect();
    roles.contains(&"public")
        || (owns && roles.contains(&"owner"))
        || (viewer != Viewer::Anonymous && roles.contains(&"verifiedEmail"))
        || (viewer == Viewer::Admin && !roles.is_empty())
}

/// Every described record in `body` (a record, a list's items, related records) shows
/// only props `viewer` may see.
fn check_props(
    schemas: &SchemaSet,
    body: &Value,
    kind: &str,
    viewer: Viewer,
    owns: bool,
    what: &str,
) {
    let records: Vec<&Value> = match body.get("items") {
        Some(Value::Array(items)) => items.iter().collect(),
        _ => vec![body],
    };
    for record in records {
        let Some(props) = record["props"].as_object() else {
            continue;
        };
        for name in props.keys() {
            assert!(
                may_see(schemas, kind, name, viewer, owns),
                "{what}: {viewer:?} was shown {kind}.{name}: {body}"
            );
        }
    }
}

/// Anonymous, another user, the owner and an admin × every route × every kind: the
/// statuses ving's handlers give, no prop a viewer may not see in any body, and no
/// change made without the right to make it.
async fn privilege_matrix(test: &TestDb) {
    let server = serve(test).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas");
    let schemas = SchemaSet::load(&dir, &SchemaOptions::default()).expect("schemas");
    let (owner, owner_cookie) = server.sign_up("andy").await;
    let (other, other_cookie) = server.sign_up("red").await;
    let (admin, admin_cookie) = server.sign_up("warden").await;
    for user in [&owner, &other, &admin] {
        server.grant(user, "verifiedEmail").await;
    }
    server.grant(&admin, "admin").await;

    let owner_number = server
        .kinds
        .kind("User")
        .expect("User")
        .parse_id(owner.as_str())
        .expect("id");
    let make = |kind: &'static str, props: Value| {
        let kinds = server.kinds.clone();
        async move {
            let props = props.as_object().cloned().expect("props");
            let record = kinds
                .kind(kind)
                .expect("kind")
                .create(props)
                .await
                .expect("create");
            record.id_string().expect("id string")
        }
    };
    let api_key = make(
        "APIKey",
        json!({"name": "Reports", "url": "https://e.x", "userId": owner_number}),
    )
    .await;
    let cron_job = make(
        "CronJob",
        json!({"schedule": "* * * * *", "handler": "Test", "enabled": true}),
    )
    .await;
    let s3_file = make(
        "S3File",
        json!({"filename": "a.png", "extension": "png", "contentType": "image/png", "s3folder": "x", "status": "ready", "icon": "self", "userId": owner_number}),
    )
    .await;
    // Each kind: its path, a record, a change its owner may make, whether the owner
    // viewer owns it (a cron job is the admins').
    let cases = [
        (
            "User",
            "users",
            owner.clone(),
            json!({"bio": "changed"}),
            true,
        ),
        (
            "APIKey",
            "apikeys",
            api_key,
            json!({"reason": "changed"}),
            true,
        ),
        (
            "CronJob",
            "cronjobs",
            cron_job,
            json!({"note": "changed"}),
            false,
        ),
        (
            "S3File",
            "s3files",
            s3_file,
            json!({"userId": owner.clone()}),
            true,
        ),
    ];
    let viewers = [
        (Viewer::Anonymous, None),
        (Viewer::Other, Some(other_cookie.as_str())),
        (Viewer::Owner, Some(owner_cookie.as_str())),
        (Viewer::Admin, Some(admin_cookie.as_str())),
    ];
    let includes = "includeMeta=true&includeOptions=true&includeLinks=true&includePrivate=true";
    for (kind, path, id, change, owned) in &cases {
        let before = server
            .get(&format!("/{path}/{id}?includePrivate"), Some(&admin_cookie))
            .await;
        for (viewer, cookie) in viewers {
            let owns = viewer == Viewer::Admin || (viewer == Viewer::Owner && *owned);
            let what = format!("{kind} {viewer:?}");

            let list = server.get(&format!("/{path}?{includes}"), cookie).await;
            let expected = match (*kind, viewer) {
                ("User", Viewer::Anonymous) => 401,
                ("User", Viewer::Admin) | (_, _) if *kind != "User" || viewer == Viewer::Admin => {
                    200
                }
                _ => 403,
            };
            assert_eq!(list.status.as_u16(), expected, "list {what}: {}", list.text);
            if expected == 200 {
                for item in list.body["items"].as_array().expect("items") {
                    let mine = viewer == Viewer::Admin
                        || (viewer == Viewer::Owner
                            && *owned
                            && item["props"]["id"] == id.as_str());
                    check_props(&schemas, item, kind, viewer, mine, &format!("list {what}"));
                }
            }

            let read = server
                .get(&format!("/{path}/{id}?{includes}"), cookie)
                .await;
            assert_eq!(read.status, StatusCode::OK, "read {what}: {}", read.text);
            check_props(
                &schemas,
                &read.body,
                kind,
                viewer,
                owns,
                &format!("read {what}"),
            );

            let options = server.get(&format!("/{path}/options"), cookie).await;
            assert_eq!(options.status, StatusCode::OK, "options {what}");

            let update = server
                .call(
                    Method::PUT,
                    &format!("/{path}/{id}?{includes}"),
                    cookie,
                    Some(change.clone()),
                )
                .await;
            let delete = if owns {
                None
            } else {
                Some(
                    server
                        .call(Method::DELETE, &format!("/{path}/{id}"), cookie, None)
                        .await,
                )
            };
            if owns {
                assert_eq!(
                    update.status,
                    StatusCode::OK,
                    "update {what}: {}",
                    update.text
                );
                check_props(
                    &schemas,
                    &update.body,
                    kind,
                    viewer,
                    owns,
                    &format!("update {what}"),
                );
            } else {
                assert_eq!(
                    update.status.as_u16(),
                    403,
                    "update {what}: {}",
                    update.text
                );
                let delete = delete.expect("tried");
                assert_eq!(
                    delete.status.as_u16(),
                    403,
                    "delete {what}: {}",
                    delete.text
                );
            }
        }
        // Nothing but the owners' changes was made: the record is there, changed as they
        // changed it and in nothing else.
        let after = server
            .get(&format!("/{path}/{id}?includePrivate"), Some(&admin_cookie))
            .await;
        assert_eq!(after.status, StatusCode::OK, "{kind} is still there");
        let (before, after) = (&before.body["props"], &after.body["props"]);
        for (name, value) in after.as_object().expect("props") {
            if name == "updatedAt" || change.get(name).is_some() {
                continue;
            }
            assert_eq!(
                &before[name], value,
                "{kind}.{name} changed without the right to"
            );
        }
    }

    // Children and parents, to each viewer: only what they may see.
    for (viewer, cookie) in viewers {
        let keys = server
            .get(&format!("/users/{owner}/apikeys?includeMeta=true"), cookie)
            .await;
        assert_eq!(keys.status, StatusCode::OK, "{}", keys.text);
        let owns = matches!(viewer, Viewer::Owner | Viewer::Admin);
        check_props(&schemas, &keys.body, "APIKey", viewer, owns, "children");
        let user = server
            .get(&format!("/apikeys/{}/user", cases[1].2), cookie)
            .await;
        check_props(&schemas, &user.body, "User", viewer, owns, "parent");
        // Creating: a session with verifiedEmail, then the records' own rights.
        let made = server
            .call(
                Method::POST,
                "/apikeys",
                cookie,
                Some(json!({"name": "n", "url": "https://e.x", "userId": owner})),
            )
            .await;
        let expected = match viewer {
            Viewer::Anonymous => 401,
            Viewer::Other => 403,
            Viewer::Owner | Viewer::Admin => 200,
        };
        assert_eq!(
            made.status.as_u16(),
            expected,
            "create {viewer:?}: {}",
            made.text
        );
    }
    assert_eq!(
        server.count("APIKey").await,
        3,
        "two made by the owner and the admin"
    );

    // A file's users (whose avatar it is) are listed by ving's route, never deleted
    // through it: ving's route refuses, as ving's `avatarusers.delete.mjs`.
    let file = &cases[3].2;
    let files = server.kinds.kind("S3File").expect("S3File");
    let file_number = files.parse_id(file.as_str()).expect("id");
    let users = server.kinds.kind("User").expect("User");
    let mut andy = users.find_or_die(owner.as_str()).await.expect("andy");
    andy.set("avatarId", json!(file_number)).expect("set");
    andy.update().await.expect("update");
    let before = server.count("User").await;
    for (viewer, cookie) in viewers {
        let deleted = server
            .call(
                Method::DELETE,
                &format!("/s3files/{file}/avatarusers"),
                cookie,
                None,
            )
            .await;
        assert_ouch(&deleted, 403, "Not allowed!");
        assert_eq!(
            server.count("User").await,
            before,
            "{viewer:?} deleted users"
        );
    }
    let listed = server
        .get(&format!("/s3files/{file}/avatarusers"), Some(&admin_cookie))
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.body["items"][0]["props"]["id"], owner.as_str());
    let other_method = server
        .call(
            Method::PATCH,
            &format!("/s3files/{file}/avatarusers"),
            Some(&admin_cookie),
            None,
        )
        .await;
    assert_eq!(other_method.status.as_u16(), 405, "{}", other_method.text);
}

/// The database fails under a logged-in client: its requests are server errors without
/// the driver's detail, not a visitor's answers, and its session is not ended by it.
async fn a_failing_database(test: &TestDb) {
    let server = serve(test).await;
    let (_, cookie) = server.sign_up("andy").await;
    let url = ving::config::DatabaseUrl::parse(test.url()).expect("url");
    // The server's pool is the test's (a clone): closing it fails every query after.
    test.db().close().await;
    for path in ["/users/whoami", "/apikeys", "/sessions/x"] {
        let answer = server.get(path, Some(&cookie)).await;
        assert!(
            answer.status.is_server_error(),
            "{path}: {} {}",
            answer.status,
            answer.text
        );
        let message = answer.body["message"].as_str().unwrap_or_default();
        assert!(
            ["database error", "the database cannot be reached"].contains(&message),
            "{path}: only ving's wording reaches the client: {}",
            answer.text
        );
    }
    let db = Db::connect(&url, &std::env::temp_dir())
        .await
        .expect("a new connection");
    let kept = db
        .fetch_all(
            &format!(
                "SELECT COUNT(*) FROM {}",
                db.dialect().quote(ving::rest::SESSIONS_TABLE)
            ),
            Vec::new(),
            |row| row.get_i64(0),
        )
        .await
        .expect("count");
    assert_eq!(kept, [1], "the session outlives the failure");
    db.close().await;
}

/// The sessions table is the migrations': a server does not make it (its database user
/// may not create tables: a read-only SQLite connection here), says what to do while it
/// is missing, and starts once the app's table model made it.
#[tokio::test]
async fn the_sessions_table_is_the_migrations() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("app.db");
    let url = |query: &str| {
        ving::config::DatabaseUrl::parse(&format!("sqlite://{}{query}", file.display()))
            .expect("url")
    };
    let schemas = SchemaSet::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas"),
        &SchemaOptions::default(),
    )
    .expect("schemas");
    let codec = || IdCodec::new("11,22,33,44,55,66,77,88,99,111".parse().expect("key"));
    let kinds =
        |db: &'static Db| record::kinds_with(&schemas, db, codec(), RecordSettings::default());
    let writer: &'static Db = Box::leak(Box::new(
        Db::connect(&url(""), dir.path()).await.expect("connect"),
    ));
    let mut model = ving::table::TableModel::from_schemas(&schemas);
    let sessions = model
        .tables
        .pop()
        .filter(|t| t.name == ving::rest::SESSIONS_TABLE)
        .expect("the model's last table is the sessions table, with the User kind");
    writer
        .create_tables(&model)
        .await
        .expect("the kinds' tables");
    let reader: &'static Db = Box::leak(Box::new(
        Db::connect(&url("?mode=ro"), dir.path())
            .await
            .expect("connect read-only"),
    ));
    for db in [reader, writer] {
        let missing = Rest::new(kinds(db)).await.expect_err("no sessions table");
        assert!(
            missing.message.contains(
                "the sessions table ving_sessions is missing: it comes with the User kind in the app's migrations"
            ),
            "{missing}"
        );
    }
    assert!(
        !writer.has_table(ving::rest::SESSIONS_TABLE).await,
        "a server does not make tables"
    );
    // The table an earlier ving-rs made itself (keyed by the session id) is named at
    // start-up, not at the first login.
    writer
        .execute_script("CREATE TABLE ving_sessions (id VARCHAR(36) NOT NULL PRIMARY KEY, userId BIGINT NOT NULL, sessionType VARCHAR(16) NOT NULL, apiKeyId BIGINT NULL, passwordTag VARCHAR(64) NOT NULL, expiresAt BIGINT NOT NULL)")
        .await
        .expect("an earlier sessions table");
    let earlier = Rest::new(kinds(reader))
        .await
        .expect_err("a sessions table of another shape");
    assert!(
        earlier.message.contains(
            "the sessions table ving_sessions lacks one of the columns sessionId, userId"
        ),
        "{earlier}"
    );
    writer
        .execute_script("DROP TABLE ving_sessions")
        .await
        .expect("drop it");
    writer
        .create_tables(&ving::table::TableModel {
            tables: vec![sessions],
        })
        .await
        .expect("the sessions table");
    Rest::new(kinds(reader))
        .await
        .expect("the table there: read by a user who may not create tables");
    reader.close().await;
    // A database that cannot be asked is not a missing table.
    let closed = Rest::new(kinds(reader)).await.expect_err("a closed pool");
    assert!(
        !closed.message.contains("missing") && closed.code >= 500,
        "{closed}"
    );
    writer.close().await;
}

per_backend!(
    db: [],
    test: [records_over_http, logins, sessions_table, lists, bad_input, concurrent_clients, privilege_matrix, sessions_in_redis, a_failing_database],
);
