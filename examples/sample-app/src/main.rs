//! The sample ving app's main job: validate its schemas, create their tables and run a
//! few queries.
//!
//! Run from anywhere with `cargo run -p ving-sample-app`. The database is the one the
//! configuration rules give (`VING_DATABASE_URL`, `VING_MYSQL`, `.env`, `ving.toml`),
//! which for this app is the embedded SQLite file `examples/sample-app/ving.db`. The job
//! drops and recreates the app's tables each run (migrations will keep them instead).

use std::path::PathBuf;
use std::process::ExitCode;

use ving::config::Config;
use ving::db::Db;
use ving::drizzle::{asc, count, eq, like, sql};
use ving::schema::SchemaSet;
use ving::table::TableModel;
use ving_sample_app::drizzle::schema::{UserInsert, UserTable, TABLES};

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

fn fail(error: impl std::fmt::Display) -> String {
    format!("error: {error}")
}

async fn main_job(root: PathBuf) -> Result<(), String> {
    let config = Config::load(&root).map_err(fail)?;
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
    let generated: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    println!("generated table definitions: {}", generated.join(", "));

    let url = config.database_url().map_err(fail)?;
    let db = Db::connect(&url, config.root()).await.map_err(fail)?;
    let version = db.server_version().await.map_err(fail)?;
    println!("connected to {} {version} at {url}", db.backend());

    let model = TableModel::from_schemas(&schemas);
    db.drop_tables(&model).await.map_err(fail)?;
    let statements = db.create_tables(&model).await.map_err(fail)?;
    println!(
        "created {} tables ({statements} statements)",
        model.tables.len()
    );

    let users = ["rita", "joe", "ann"].map(|name| UserInsert {
        username: Some(name.into()),
        email: Some(format!("{name}@example.com")),
        real_name: Some(name.to_uppercase()),
        bio: Some(String::new()), // text columns have no database default
        ..Default::default()
    });
    let inserted = db
        .insert(UserTable)
        .values(users)
        .execute()
        .await
        .map_err(fail)?;
    println!(
        "inserted {} users, first id {:?}",
        inserted.rows_affected, inserted.insert_id
    );

    let rita = db
        .select()
        .from(UserTable)
        .where_(eq(UserTable.username, "rita"))
        .first()
        .await
        .map_err(fail)?
        .ok_or("rita was not found")?;
    println!(
        "select by username: {} <{}> created {}",
        rita.username, rita.email, rita.created_at
    );

    let names = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .where_(like(UserTable.email, "%@example.com"))
        .order_by(asc(UserTable.username))
        .all()
        .await
        .map_err(fail)?;
    println!("usernames in order: {}", names.join(", "));

    let changed = db
        .update(UserTable)
        .set(UserTable.admin, true)
        .where_(eq(UserTable.username, "rita"))
        .execute()
        .await
        .map_err(fail)?;
    let admins = db
        .select_fields(count())
        .from(UserTable)
        .where_(sql!("{} = {}", UserTable.admin, true))
        .first()
        .await
        .map_err(fail)?
        .unwrap_or(0);
    println!("made {changed} user admin; admins now: {admins}");

    let deleted = db
        .delete(UserTable)
        .where_(eq(UserTable.username, "joe"))
        .execute()
        .await
        .map_err(fail)?;
    let left = db
        .select_fields(count())
        .from(UserTable)
        .first()
        .await
        .map_err(fail)?
        .unwrap_or(0);
    println!("deleted {deleted} user; {left} left");
    db.close().await;
    Ok(())
}
