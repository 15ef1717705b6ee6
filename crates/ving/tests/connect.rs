//! Tier 3: connecting to MariaDB, PostgreSQL and SQLite through the configuration rules
//! (environment, then `.env`, then `ving.toml`, then the embedded SQLite default).

use std::collections::HashMap;
use std::path::Path;

use ving::config::{Backend, Config, DatabaseUrl};
use ving::db::{Db, DbError};
use ving::testing::{in_ci, server_url};

/// The test server of a backend.
fn server(backend: Backend) -> String {
    server_url(backend).unwrap_or_default()
}

/// Connects, or — outside CI, for a server backend that is down — says the backend is
/// skipped.
async fn connect_or_skip(url: &DatabaseUrl, root: &Path) -> Option<Db> {
    match Db::connect(url, root).await {
        Ok(db) => Some(db),
        Err(error) if url.backend() != Backend::Sqlite && !in_ci() => {
            eprintln!(
                "SKIPPED {} tests: {error} (set CI=true to make this a failure)",
                url.backend()
            );
            None
        }
        Err(error) => panic!("{} must be reachable: {error}", url.backend()),
    }
}

fn project(ving_toml: &str, dotenv: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("ving.toml"), ving_toml).expect("write ving.toml");
    if let Some(dotenv) = dotenv {
        std::fs::write(dir.path().join(".env"), dotenv).expect("write .env");
    }
    dir
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

async fn connect_and_ping(config: &Config, expected: Backend) -> Option<Db> {
    let url = config.database_url().expect("a usable URL");
    assert_eq!(url.backend(), expected, "{url}");
    let db = connect_or_skip(&url, config.root()).await?;
    db.ping().await.expect("SELECT 1");
    let version = db.server_version().await.expect("version");
    assert!(!version.is_empty());
    Some(db)
}

#[tokio::test]
async fn the_embedded_default_is_sqlite_in_a_file_beside_ving_toml() {
    let dir = project("", None);
    let config = Config::load_with_env(dir.path(), env(&[])).expect("config");
    assert_eq!(
        config.database_url().expect("url").to_string(),
        "sqlite://ving.db"
    );
    let db = connect_and_ping(&config, Backend::Sqlite)
        .await
        .expect("sqlite always works");
    db.close().await;
    assert!(
        dir.path().join("ving.db").is_file(),
        "the database file is created in the project"
    );
}

#[tokio::test]
async fn ving_mysql_reaches_mariadb() {
    let dir = project("[database]\nurl = \"sqlite://ignored.db\"\n", None);
    let url = server(Backend::MySql);
    let config = Config::load_with_env(dir.path(), env(&[("VING_MYSQL", &url)])).expect("config");
    if let Some(db) = connect_and_ping(&config, Backend::MySql).await {
        db.close().await;
    }
    assert!(!dir.path().join("ignored.db").exists());
}

#[tokio::test]
async fn ving_database_url_wins_over_ving_mysql_and_reaches_postgres() {
    let dir = project("", None);
    let url = server(Backend::Postgres);
    let vars = [
        ("VING_DATABASE_URL", url.as_str()),
        ("VING_MYSQL", "mysql://nobody@127.0.0.1:1/x"),
    ];
    let config = Config::load_with_env(dir.path(), env(&vars)).expect("config");
    if let Some(db) = connect_and_ping(&config, Backend::Postgres).await {
        db.close().await;
    }
}

#[tokio::test]
async fn dotenv_is_read_and_the_environment_overrides_it() {
    let mysql = server(Backend::MySql);
    let dir = project(
        "[database]\nurl = \"sqlite://from-toml.db\"\n",
        Some(&format!(
            "# database for development\nVING_DATABASE_URL={mysql}\n"
        )),
    );
    let config = Config::load_with_env(dir.path(), env(&[])).expect("config");
    if let Some(db) = connect_and_ping(&config, Backend::MySql).await {
        db.close().await;
    }
    let config = Config::load_with_env(
        dir.path(),
        env(&[("VING_DATABASE_URL", "sqlite://from-env.db")]),
    )
    .expect("config");
    assert_eq!(
        config.database_url().expect("url").to_string(),
        "sqlite://from-env.db"
    );
}

#[tokio::test]
async fn ving_toml_gives_the_fallback_url() {
    let postgres = server(Backend::Postgres);
    let dir = project(&format!("[database]\nurl = \"{postgres}?log=yes\"\n"), None);
    let config = Config::load_with_env(dir.path(), env(&[])).expect("config");
    assert!(config.database_url().expect("url").log());
    if let Some(db) = connect_and_ping(&config, Backend::Postgres).await {
        db.close().await;
    }
}

#[tokio::test]
async fn an_unreachable_server_is_one_clear_line() {
    let dir = project("", None);
    let config = Config::load_with_env(
        dir.path(),
        env(&[("VING_DATABASE_URL", "mysql://root:pw@127.0.0.1:1/test")]),
    )
    .expect("config");
    let url = config.database_url().expect("url");
    let error = Db::connect(&url, dir.path())
        .await
        .expect_err("nothing listens on port 1");
    assert!(matches!(error, DbError::Connect { .. }));
    let text = error.to_string();
    assert!(
        text.starts_with("cannot connect to MySQL/MariaDB at mysql://root:***@127.0.0.1:1/test: "),
        "{text}"
    );
    assert!(!text.contains('\n') && !text.contains("pw@"), "{text}");
    assert!(
        text.ends_with("; the URL is from VING_DATABASE_URL"),
        "the error says where the URL came from: {text}"
    );
}

#[test]
fn bad_configuration_is_one_clear_line_naming_the_file() {
    let dir = project("[paths]\nschemas = 5\n", None);
    let error = Config::load_with_env(dir.path(), env(&[])).expect_err("schemas must be a path");
    let text = error.to_string();
    assert!(text.contains("ving.toml:2:11: "), "{text}");
    assert!(!text.contains('\n'), "{text}");

    let dir = project("[pathz]\n", None);
    let text = Config::load_with_env(dir.path(), env(&[]))
        .expect_err("unknown section")
        .to_string();
    assert!(
        text.contains("ving.toml:1:2: unknown field `pathz`"),
        "{text}"
    );

    let dir = project("", None);
    let config =
        Config::load_with_env(dir.path(), env(&[("VING_MYSQL", "mysqll://x/y")])).expect("config");
    let text = config.database_url().expect_err("bad scheme").to_string();
    assert_eq!(
        text,
        "database URL \"mysqll://x/y\" (from VING_MYSQL): the scheme must be mysql://, mariadb://, postgres:// or sqlite://"
    );
}

/// Pool settings from ving.toml and the URL reach the pool, on every backend.
#[tokio::test]
async fn pool_settings_reach_the_pool() {
    for backend in ving::testing::BACKENDS {
        let dir = project(
            "[database]\nmax_connections = 3\nacquire_timeout = 2\n",
            None,
        );
        let url = match server_url(backend) {
            Some(server) => server,
            None => "sqlite://pool.db".to_owned(),
        };
        let with_param = format!(
            "{url}{}min_connections=1",
            if url.contains('?') { '&' } else { '?' }
        );
        let config = Config::load_with_env(dir.path(), env(&[("VING_DATABASE_URL", &with_param)]))
            .expect("config");
        let url = config.database_url().expect("url");
        assert_eq!((url.pool().max(), url.pool().min()), (3, 1), "{backend}");
        let Some(db) = connect_or_skip(&url, config.root()).await else {
            continue;
        };
        assert_eq!(db.max_connections(), 3, "{backend}");
        db.ping().await.expect("ping");
        db.close().await;
    }
}

/// A TCP proxy to a test server that can be cut: every connection through it closed and
/// no new one taken, as when the server goes away.
struct Proxy {
    port: u16,
    open: std::sync::Arc<std::sync::Mutex<Option<Vec<std::net::TcpStream>>>>,
}

impl Proxy {
    fn to(upstream: std::net::SocketAddr) -> Proxy {
        use std::net::{TcpListener, TcpStream};
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = listener.local_addr().expect("address").port();
        let open = std::sync::Arc::new(std::sync::Mutex::new(Some(Vec::new())));
        let streams = open.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let mut guard = streams.lock().expect("lock");
                let Some(list) = guard.as_mut() else {
                    return; // cut: the listener is dropped and refuses from now on
                };
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                for stream in [&client, &server] {
                    list.push(stream.try_clone().expect("clone"));
                }
                for (mut from, mut to) in [
                    (
                        client.try_clone().expect("clone"),
                        server.try_clone().expect("clone"),
                    ),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Proxy { port, open }
    }

    /// Closes every connection and stops listening.
    fn cut(&self) {
        let streams = self.open.lock().expect("lock").take().unwrap_or_default();
        for stream in streams {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        // Wake the accept loop so it sees the cut and drops the listener.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// During an outage an error says what happened: a statement whose connection went away
/// while it ran is `Lost` (not "expected to read 4 bytes"), and a pool that gets no connection in
/// time says what the last attempt to connect got ("connection refused"); both are
/// connection errors and transient.
#[tokio::test]
async fn errors_in_an_outage_keep_their_cause() {
    for backend in [Backend::MySql, Backend::Postgres] {
        let Some(server) = server_url(backend) else {
            assert!(!in_ci(), "{backend} must be configured in CI");
            eprintln!("SKIPPED {backend}: no test server");
            continue;
        };
        let mut parsed = url::Url::parse(&server).expect("a server URL");
        let upstream = (
            parsed.host_str().expect("host").to_owned(),
            parsed.port_or_known_default().expect("port"),
        );
        let upstream = std::net::ToSocketAddrs::to_socket_addrs(&upstream)
            .expect("resolve")
            .next()
            .expect("an address");
        let proxy = Proxy::to(upstream);
        parsed.set_port(Some(proxy.port)).expect("port");
        parsed
            .query_pairs_mut()
            .append_pair("acquire_timeout", "1")
            .append_pair("max_connections", "1");
        let url = DatabaseUrl::parse(parsed.as_str()).expect("url");
        let Some(db) = connect_or_skip(&url, Path::new(".")).await else {
            continue;
        };
        db.execute_script("SELECT 1")
            .await
            .expect("through the proxy");
        let sleep = if backend == Backend::MySql {
            "SELECT SLEEP(3)"
        } else {
            "SELECT pg_sleep(3)"
        };
        let slow = {
            let db = db.clone();
            tokio::spawn(async move { db.execute_script(sleep).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        proxy.cut();
        let lost = slow
            .await
            .expect("the task")
            .expect_err("the server went away during the statement");
        let unavailable = db.execute_script("SELECT 1").await.expect_err("still away");
        for error in [&lost, &unavailable] {
            assert!(
                error.is_connection_error() && error.is_transient(),
                "{backend}: {error}"
            );
            assert!(
                !error.to_string().contains("expected to read"),
                "{backend}: {error}"
            );
        }
        let text = lost.to_string();
        assert!(
            text.contains("the connection to the server was lost during the statement"),
            "{backend}: {text}"
        );
        let text = unavailable.to_string();
        assert!(
            text.contains(
                "no connection within the pool's timeout; the last attempt to connect got:"
            ) && text.contains("Connection refused"),
            "{backend}: {text}"
        );
    }
}

/// A SQLite test database leaves no file behind: the database, its write-ahead log, its
/// shared memory and any rollback journal are all removed by `cleanup`.
#[tokio::test]
async fn sqlite_test_databases_leave_no_files() {
    let test = ving::testing::TestDb::fresh_or_skip(Backend::Sqlite)
        .await
        .expect("SQLite needs no server");
    let stem = format!("{}.db", test.name());
    let db = test.db();
    db.execute_script("CREATE TABLE notes (body text)")
        .await
        .expect("table");
    let tx = db.begin().await.expect("begin");
    tx.execute_script("INSERT INTO notes VALUES ('x')")
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    // An explicit rollback journal too, as another mode of the same file would leave.
    std::fs::write(std::env::temp_dir().join(format!("{stem}-journal")), b"").expect("journal");
    let left = || -> Vec<String> {
        std::fs::read_dir(std::env::temp_dir())
            .expect("temp dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(&stem))
            .collect()
    };
    assert!(
        !left().is_empty(),
        "the database is a file while it is open"
    );
    test.cleanup().await;
    assert_eq!(left(), Vec::<String>::new());
}

/// A PostgreSQL database set to read backslashes in string literals as escapes
/// (`standard_conforming_strings = off`): every connection of a pool sets it back, so a
/// literal default and `LIKE … ESCAPE '\'` mean what they say.
#[tokio::test]
async fn postgres_backslashes_are_themselves_whatever_the_database_says() {
    let Some(test) = ving::testing::TestDb::fresh_or_skip(Backend::Postgres).await else {
        return;
    };
    test.db()
        .execute_script(&format!(
            "ALTER DATABASE \"{}\" SET standard_conforming_strings = off",
            test.name()
        ))
        .await
        .expect("database setting");
    // New connections take the database's setting; the pool's set it back.
    let db = Db::connect(
        &DatabaseUrl::parse(test.url()).expect("url"),
        Path::new("."),
    )
    .await
    .expect("connect");
    let ving::db::Pool::Postgres(pool) = db.pool() else {
        panic!("a PostgreSQL pool");
    };
    let (text, matched): (String, bool) =
        sqlx::query_as(r"SELECT 'C:\temp\new', 'a_b' LIKE 'a\_b' ESCAPE '\'")
            .fetch_one(pool)
            .await
            .expect("query");
    assert_eq!(text, r"C:\temp\new");
    assert!(matched);
    db.close().await;
    test.cleanup().await;
}

/// A PostgreSQL database not encoded in UTF8 cannot hold every character (LATIN1) or
/// counts lengths in bytes (SQL_ASCII): refused when the pool opens, naming it.
#[tokio::test]
async fn a_postgres_database_not_in_utf8_is_refused() {
    let Some(admin) = connect_or_skip(
        &DatabaseUrl::parse(&server(Backend::Postgres)).expect("url"),
        Path::new("."),
    )
    .await
    else {
        return;
    };
    let name = format!("ving_test_latin1_{}", std::process::id());
    admin
        .execute_script(&format!("DROP DATABASE IF EXISTS \"{name}\""))
        .await
        .expect("drop");
    admin
        .execute_script(&format!(
            "CREATE DATABASE \"{name}\" ENCODING 'LATIN1' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
        ))
        .await
        .expect("create");
    let mut url = url::Url::parse(&server(Backend::Postgres)).expect("server url");
    url.set_path(&format!("/{name}"));
    let refused = Db::connect(
        &DatabaseUrl::parse(url.as_str()).expect("url"),
        Path::new("."),
    )
    .await;
    admin
        .execute_script(&format!("DROP DATABASE \"{name}\""))
        .await
        .expect("drop");
    match refused {
        Err(error @ DbError::Encoding { .. }) => {
            let text = error.to_string();
            assert!(
                text.contains(&format!("database `{name}` has the encoding LATIN1"))
                    && text.contains("ving needs UTF8"),
                "{text}"
            );
        }
        other => panic!("expected the encoding to be refused, got {other:?}"),
    }
}
