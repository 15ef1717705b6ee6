//! `?log=yes` on the database URL logs every query with its parameters through `tracing`
//! (target `drizzle`, level debug); the parameters are logged beside the SQL, never
//! spliced into it. Without the flag nothing is logged.

use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;
use ving::config::DatabaseUrl;
use ving::db::Db;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

async fn run_query(url: &str) {
    let db = Db::connect(
        &DatabaseUrl::parse(url).expect("url"),
        std::path::Path::new("."),
    )
    .await
    .expect("connect");
    db.execute_script("CREATE TABLE notes (body text)")
        .await
        .expect("create");
    db.execute(
        "INSERT INTO notes (body) VALUES (?)",
        vec![ving::sql::Param::String(Some("secret-value".into()))],
    )
    .await
    .expect("insert");
    db.close().await;
}

#[tokio::test]
async fn log_yes_logs_queries_and_parameters_under_the_drizzle_target() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    run_query("sqlite::memory:").await;
    let quiet = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf8");
    assert!(
        !quiet.contains("drizzle"),
        "logged without ?log=yes:\n{quiet}"
    );

    run_query("sqlite::memory:?log=yes").await;
    drop(guard);
    let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf8");
    let line = text
        .lines()
        .find(|l| l.contains("INSERT INTO notes"))
        .unwrap_or_else(|| panic!("no insert logged:\n{text}"));
    assert!(line.contains("DEBUG drizzle:"), "{line}");
    assert!(
        line.contains(r#"sql="INSERT INTO notes (body) VALUES (?)""#),
        "{line}"
    );
    assert!(
        line.contains("secret-value"),
        "the parameter is logged: {line}"
    );
}
