//! The sample ving app's main job: validate its schemas and talk to its database.
//!
//! Run from anywhere with `cargo run -p ving-sample-app`. The database is the one the
//! configuration rules give (`VING_DATABASE_URL`, `VING_MYSQL`, `.env`, `ving.toml`),
//! which for this app is the embedded SQLite file `examples/sample-app/ving.db`.
//! Pass a folder to run the job on another ving project.

use std::path::PathBuf;
use std::process::ExitCode;

use ving::config::Config;
use ving::db::Db;
use ving::schema::SchemaSet;

#[tokio::main]
async fn main() -> ExitCode {
    let root = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    match main_job(root).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn main_job(root: PathBuf) -> Result<(), String> {
    let config = Config::load(&root).map_err(|e| format!("error: {e}"))?;
    let schemas = SchemaSet::load(&config.schemas_dir(), &config.schema_options())
        .map_err(|errors| format!("{errors}\nthe schemas are invalid"))?;
    for schema in schemas.schemas() {
        let columns = schema.props.iter().filter(|p| p.db.is_some()).count();
        println!(
            "schema {:<8} table {:<9} {:>2} props, {:>2} columns",
            schema.kind,
            schema.table_name,
            schema.props.len(),
            columns
        );
    }
    let url = config.database_url().map_err(|e| format!("error: {e}"))?;
    let db = Db::connect(&url, config.root())
        .await
        .map_err(|e| format!("error: {e}"))?;
    db.ping().await.map_err(|e| format!("error: {e}"))?;
    let version = db
        .server_version()
        .await
        .map_err(|e| format!("error: {e}"))?;
    println!("connected to {} {version} at {url}", db.backend());
    db.close().await;
    Ok(())
}
