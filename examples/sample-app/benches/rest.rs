//! Records over HTTP (`ving::rest`, the sample app's router) on loopback, with a real
//! client, on a database of an admin and 10,000 Users:
//!
//! 1. `GET /api/v1/users?itemsPerPage=100&page=N` (a page of 100 Users, by the admin) and
//!    `GET /api/v1/users/{id}` (one User), each by `--clients` concurrent clients (8) for
//!    `--seconds` (10): requests/s, p50 and p99, beside the same page described in the
//!    process (`describe_list_to`, no HTTP) in the same run;
//! 2. `--load`: `--clients` (200) clients for `--seconds` (20) on a mix of reads of one
//!    User (6 in 10), pages of 10 Users (3 in 10) and updates of the admin's bio (1 in
//!    10): the errors (there must be none), p50, p99 and requests/s.
//!
//! `cargo bench -p ving-sample-app --bench rest -- [sqlite|mariadb|postgres] [--load]
//! [--clients N] [--seconds S]` (MariaDB by default; the database is a fresh test one).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ving::config::Backend;
use ving::db::Db;
use ving::id::IdCodec;
use ving::record::{Describe, ListParams};
use ving::rest::Rest;
use ving::schema::{SchemaOptions, SchemaSet};
use ving::table::TableModel;
use ving::testing::TestDb;
use ving_sample_app::drizzle::schema::{UserInsert, UserTable};
use ving_sample_app::record::{self, api_key, user, RecordSettings};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The Users besides the admin.
const USERS: usize = 10_000;

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the clients saw: each answer's time, and the failures.
#[derive(Default)]
struct Tally {
    times: Vec<Duration>,
    errors: u64,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `clients` clients for `seconds`, each sending `request(client, n)` in turn.
async fn drive<F, Fut>(clients: usize, seconds: u64, request: F) -> (Tally, Duration)
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..clients {
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut n = 0;
            while Instant::now() < deadline {
                let start = Instant::now();
                let ok = request(client, n).await;
                tally.times.push(start.elapsed());
                if !ok {
                    tally.errors += 1;
                }
                n += 1;
            }
            tally
        }));
    }
    let mut all = Tally::default();
    for task in tasks {
        if let Ok(tally) = task.await {
            all.times.extend(tally.times);
            all.errors += tally.errors;
        } else {
            all.errors += 1;
        }
    }
    all.times.sort_unstable();
    (all, started.elapsed())
}

fn report(what: &str, tally: &Tally, elapsed: Duration) -> f64 {
    let rate = tally.times.len() as f64 / elapsed.as_secs_f64();
    println!(
        "{what}: {} requests, {} errors, {rate:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms",
        tally.times.len(),
        tally.errors,
        ms(percentile(&tally.times, 0.50)),
        ms(percentile(&tally.times, 0.99)),
    );
    rate
}

/// A GET or PUT of `url` with the admin's cookie: whether it answered 200 with a body.
async fn fetch(client: &reqwest::Client, url: &str, cookie: &str, put: Option<String>) -> bool {
    let request = match put {
        Some(body) => client
            .put(url)
            .header("content-type", "application/json")
            .body(body),
        None => client.get(url),
    };
    match request.header("cookie", cookie).send().await {
        Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
        Err(_) => false,
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = if args.iter().any(|a| a == "sqlite") {
        Backend::Sqlite
    } else if args.iter().any(|a| a == "postgres") {
        Backend::Postgres
    } else {
        Backend::MySql
    };
    let load = args.iter().any(|a| a == "--load");
    let clients = arg(&args, "--clients", if load { 200 } else { 8 });
    let seconds = arg(&args, "--seconds", if load { 20 } else { 10 });

    let test = TestDb::fresh(backend).await?;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas");
    let schemas = SchemaSet::load(&dir, &SchemaOptions::default())?;
    test.db()
        .create_tables(&TableModel::from_schemas(&schemas))
        .await?;
    // The admin (id 1), then the Users.
    let admin = UserInsert {
        username: Some("warden".into()),
        email: Some("warden@shawshank.jail".into()),
        admin: Some(true),
        password: Some(ving::record::hash_password("Shawshank")?),
        password_type: Some(ving_sample_app::drizzle::schema::user::PasswordType::Bcrypt),
        ..UserInsert::new(String::new())
    };
    test.db()
        .insert(UserTable)
        .values([admin])
        .execute()
        .await?;
    for first in (0..USERS).step_by(1000) {
        let batch: Vec<UserInsert> = (first..first + 1000)
            .map(|i| UserInsert {
                username: Some(format!("user{i}")),
                email: Some(format!("user{i}@example.com")),
                real_name: Some(format!("User {i}")),
                ..UserInsert::new(String::new())
            })
            .collect();
        test.db().insert(UserTable).values(batch).execute().await?;
    }

    let db: &'static Db = Box::leak(Box::new(test.db().clone()));
    let codec = IdCodec::new("11,22,33,44,55,66,77,88,99,111".parse()?);
    let kinds = record::kinds_with(&schemas, db, codec, RecordSettings::default());
    let rest = Rest::new(kinds.clone())
        .await?
        .with_password_test(user::test_password)
        .with_secret_test(api_key::test_secret);
    let router = ving_sample_app::rest::router(rest);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move { ving::rest::axum::serve(listener, router).await });
    let base = format!("http://{address}/api/v1");
    let client = reqwest::Client::new();
    let login = client
        .post(format!("{base}/sessions"))
        .json(&serde_json::json!({"login": "warden", "password": "Shawshank", "sessionType": "native"}))
        .send()
        .await?;
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or("no session cookie")?
        .to_owned();
    let ids: Arc<Vec<String>> = Arc::new(
        (2..=(USERS as i64 + 1))
            .map(|id| codec.stringify("User", id))
            .collect::<Result<_, _>>()?,
    );
    println!(
        "{} on {backend}: {clients} clients, {seconds} s a case, {USERS} Users",
        if load { "load" } else { "bench" }
    );

    if load {
        let updates = Arc::new(AtomicU64::new(0));
        let (base, cookie, ids) = (Arc::new(base), Arc::new(cookie), ids.clone());
        let admin_id = codec.stringify("User", 1)?;
        let (tally, elapsed) = drive(clients, seconds, move |client_no, n| {
            let (client, base, cookie, ids, updates, admin_id) = (
                client.clone(),
                base.clone(),
                cookie.clone(),
                ids.clone(),
                updates.clone(),
                admin_id.clone(),
            );
            async move {
                let pick = (client_no as u64 * 7919 + n) as usize;
                match pick % 10 {
                    0 => {
                        let k = updates.fetch_add(1, Ordering::Relaxed);
                        let body = format!("{{\"bio\": \"update {k}\"}}");
                        fetch(
                            &client,
                            &format!("{base}/users/{admin_id}"),
                            &cookie,
                            Some(body),
                        )
                        .await
                    }
                    1..=3 => {
                        let page = pick % 1000 + 1;
                        fetch(
                            &client,
                            &format!("{base}/users?itemsPerPage=10&page={page}"),
                            &cookie,
                            None,
                        )
                        .await
                    }
                    _ => {
                        let id = &ids[pick % ids.len()];
                        fetch(&client, &format!("{base}/users/{id}"), &cookie, None).await
                    }
                }
            }
        })
        .await;
        report("mixed reads and writes", &tally, elapsed);
        if tally.errors > 0 {
            return Err(format!("{} requests failed", tally.errors).into());
        }
    } else {
        // The page in the process, for what HTTP adds.
        let users = kinds.kind("User")?;
        let admin = users.find_or_die(1).await?;
        let mut in_process = Vec::new();
        for page in 1..=50 {
            let params = ListParams {
                items_per_page: Some(100),
                page: Some(page),
                object_params: Describe::new().current_user(&admin),
                ..ListParams::default()
            };
            let mut out = Vec::new();
            let start = Instant::now();
            users.describe_list_to(&params, (), &mut out).await?;
            in_process.push(start.elapsed());
        }
        in_process.sort_unstable();
        let page_ms = ms(percentile(&in_process, 0.5));
        println!("a page of 100 Users in the process (describe_list_to): p50 {page_ms:.2} ms");
        let (base2, cookie2) = (Arc::new(base.clone()), Arc::new(cookie.clone()));
        let http_client = client.clone();
        let (tally, elapsed) = drive(clients, seconds, move |client_no, n| {
            let (client, base, cookie) = (http_client.clone(), base2.clone(), cookie2.clone());
            async move {
                let page = (client_no as u64 * 13 + n) % 100 + 1;
                fetch(
                    &client,
                    &format!("{base}/users?itemsPerPage=100&page={page}"),
                    &cookie,
                    None,
                )
                .await
            }
        })
        .await;
        let rate = report("GET a page of 100 Users", &tally, elapsed);
        println!(
            "  a page over HTTP (p50) / in the process: {:.2}; {rate:.0} pages/s = {:.1} ms a page of CPU and waiting shared by {clients} clients",
            ms(percentile(&tally.times, 0.5)) / page_ms,
            1000.0 / rate
        );
        let (base3, cookie3, ids3) = (
            Arc::new(base.clone()),
            Arc::new(cookie.clone()),
            ids.clone(),
        );
        let (tally, elapsed) = drive(clients, seconds, move |client_no, n| {
            let (client, base, cookie, ids) =
                (client.clone(), base3.clone(), cookie3.clone(), ids3.clone());
            async move {
                let id = &ids[(client_no as u64 * 7919 + n * 31) as usize % ids.len()];
                fetch(&client, &format!("{base}/users/{id}"), &cookie, None).await
            }
        })
        .await;
        report("GET one User", &tally, elapsed);
    }
    server.abort();
    test.cleanup().await;
    Ok(())
}
