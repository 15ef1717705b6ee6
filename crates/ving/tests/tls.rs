//! TLS to the servers, for real: PostgreSQL (the shared server serves TLS with its own
//! certificate) and a private MariaDB with a certificate of a CA made by
//! `scripts/clusters start hostile` (`VING_TEST_TLS_MARIADB_URL`, `VING_TEST_TLS_CA`,
//! `VING_TEST_TLS_OTHER_CA`). Each mode is checked by what the server itself says of the
//! session (`pg_stat_ssl`, `Ssl_cipher`). Without the private MariaDB its tests say they
//! are skipped; with `CI=true` that is a failure.

use std::path::Path;

use ving::config::{Backend, Config, DatabaseUrl};
use ving::db::Db;
use ving::testing::{in_ci, server_url};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `base` with `params` added to its query.
fn with(base: &str, params: &[(&str, &str)]) -> DatabaseUrl {
    let mut url = url::Url::parse(base).expect("a URL");
    url.query_pairs_mut().extend_pairs(params);
    DatabaseUrl::parse(url.as_str()).expect("a database URL")
}

/// Whether the server says this session is encrypted.
async fn encrypted(db: &Db) -> bool {
    match db.backend() {
        Backend::Postgres => db
            .fetch_all(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                Vec::new(),
                |row| row.get_bool(0),
            )
            .await
            .expect("pg_stat_ssl")[0],
        _ => !db
            .fetch_all(
                "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_CIPHER'",
                Vec::new(),
                |row| row.get_string(0),
            )
            .await
            .expect("Ssl_cipher")[0]
            .is_empty(),
    }
}

async fn connect(url: &DatabaseUrl) -> Result<Db, String> {
    Db::connect(url, Path::new("."))
        .await
        .map_err(|e| e.to_string())
}

/// The private TLS MariaDB's URL and CA files, or `None` (and a message) outside CI.
fn tls_mariadb() -> Option<(String, String, String)> {
    match (
        env("VING_TEST_TLS_MARIADB_URL"),
        env("VING_TEST_TLS_CA"),
        env("VING_TEST_TLS_OTHER_CA"),
    ) {
        (Some(url), Some(ca), Some(other)) => Some((url, ca, other)),
        _ => {
            assert!(
                !in_ci(),
                "CI=true: the TLS MariaDB must run (scripts/clusters start hostile; eval \"$(scripts/clusters env hostile)\")"
            );
            eprintln!(
                "SKIPPED TLS MariaDB tests: run scripts/clusters start hostile and export its env"
            );
            None
        }
    }
}

/// PostgreSQL: `require` is encrypted, `disable` is not, `verify-ca` against a CA that
/// did not sign the server's certificate fails with one line naming the certificate.
#[tokio::test]
async fn postgres_modes_do_what_they_say() {
    let base = server_url(Backend::Postgres).expect("a PostgreSQL URL");
    let required = with(&base, &[("sslmode", "require")]);
    let Ok(db) = connect(&required).await else {
        assert!(!in_ci(), "CI=true: PostgreSQL must serve TLS");
        eprintln!("SKIPPED PostgreSQL TLS tests: the server does not take sslmode=require");
        return;
    };
    assert!(encrypted(&db).await, "sslmode=require is encrypted");
    db.close().await;
    let plain = connect(&with(&base, &[("sslmode", "disable")]))
        .await
        .expect("sslmode=disable");
    assert!(!encrypted(&plain).await, "sslmode=disable stays plain");
    plain.close().await;
    if let Some((_, _, other)) = tls_mariadb() {
        let wrong_ca = with(
            &base,
            &[("sslmode", "verify-ca"), ("sslrootcert", other.as_str())],
        );
        let Err(error) = connect(&wrong_ca).await else {
            panic!("a CA that did not sign the certificate is refused");
        };
        assert!(
            !error.contains('\n') && error.contains("certificate"),
            "one clear line: {error}"
        );
    }
}

/// MariaDB: `REQUIRED` is encrypted, `DISABLED` is not, `VERIFY_CA` and `VERIFY_IDENTITY`
/// with the CA that signed the certificate connect encrypted, and with another CA fail
/// with one line naming the certificate. PostgreSQL's spellings work too.
#[tokio::test]
async fn mariadb_modes_do_what_they_say() {
    let Some((base, ca, other)) = tls_mariadb() else {
        return;
    };
    for mode in ["REQUIRED", "require"] {
        let db = connect(&with(&base, &[("ssl-mode", mode)]))
            .await
            .unwrap_or_else(|e| panic!("ssl-mode={mode}: {e}"));
        assert!(encrypted(&db).await, "ssl-mode={mode} is encrypted");
        db.close().await;
    }
    let plain = connect(&with(&base, &[("ssl-mode", "DISABLED")]))
        .await
        .expect("DISABLED");
    assert!(!encrypted(&plain).await, "DISABLED stays plain");
    plain.close().await;
    for mode in ["VERIFY_CA", "VERIFY_IDENTITY"] {
        let db = connect(&with(&base, &[("ssl-mode", mode), ("ssl-ca", ca.as_str())]))
            .await
            .unwrap_or_else(|e| panic!("{mode} with the CA: {e}"));
        assert!(encrypted(&db).await, "{mode} is encrypted");
        db.close().await;
        let wrong_ca = with(&base, &[("ssl-mode", mode), ("ssl-ca", other.as_str())]);
        let Err(error) = connect(&wrong_ca).await else {
            panic!("{mode} with another CA is refused");
        };
        assert!(
            !error.contains('\n') && error.contains("certificate"),
            "one clear line: {error}"
        );
    }
}

/// A mode that is not one is refused naming the modes, before any connection.
#[test]
fn an_unknown_mode_names_the_known_ones() {
    for url in [
        "postgres://h/db?sslmode=always",
        "mysql://h/db?ssl-mode=ALWAYS",
    ] {
        let error = DatabaseUrl::parse(url).expect_err("not a mode").to_string();
        assert!(
            error.contains("\"always\"") || error.contains("\"ALWAYS\""),
            "{error}"
        );
        assert!(
            error.contains("disable (DISABLED), prefer (PREFERRED), require (REQUIRED), verify-ca (VERIFY_CA), verify-full (VERIFY_IDENTITY)"),
            "{error}"
        );
    }
}

/// `[database] ssl_mode` and `ssl_ca` of `ving.toml` reach the primary and the
/// replicas, spelled as each backend spells them; a URL's own setting wins.
#[test]
fn ving_toml_sets_tls_for_the_primary_and_the_replicas() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("ving.toml"),
        "[database]\nurl = \"mysql://root@db.example/app\"\nssl_mode = \"verify-full\"\nssl_ca = \"certs/ca.pem\"\nreplicas = [\"mysql://root@replica.example/app\", \"mysql://root@other.example/app?ssl-mode=DISABLED\"]\n",
    )
    .expect("ving.toml");
    let config = Config::load_with_env(dir.path(), |_| None).expect("config");
    let ca = dir.path().join("certs/ca.pem");
    let ca =
        url::form_urlencoded::byte_serialize(ca.to_string_lossy().as_bytes()).collect::<String>();
    let primary = config.database_url().expect("url");
    assert_eq!(
        primary.driver_url(),
        format!("mysql://root@db.example/app?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}")
    );
    let replicas = config.replica_urls().expect("replicas");
    assert_eq!(
        replicas[0].driver_url(),
        format!("mysql://root@replica.example/app?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}")
    );
    assert_eq!(
        replicas[1].driver_url(),
        format!("mysql://root@other.example/app?ssl-mode=DISABLED&ssl-ca={ca}")
    );
    let postgres = ving::config::DatabaseUrl::parse("postgres://u@h/db")
        .expect("url")
        .with_tls(Some("VERIFY_CA"), None)
        .expect("tls");
    assert_eq!(postgres.driver_url(), "postgres://u@h/db?sslmode=verify-ca");
}
