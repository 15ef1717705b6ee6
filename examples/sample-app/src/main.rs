//! The sample ving app's main job: the whole chain from schemas to queries.
//!
//! Run from anywhere with `cargo run -p ving-sample-app`. The database is the one the
//! configuration rules give (`VING_DATABASE_URL`, `VING_MYSQL`, `.env`, `ving.toml`),
//! which for this app is the embedded SQLite file `examples/sample-app/ving.db`. The job
//! runs the whole chain: validate the schemas, check the generated tables, prepare a
//! migration if the schemas changed, apply what is pending, show the status, query.

use std::path::PathBuf;
use std::process::ExitCode;

use ving::config::Config;
use ving::db::Db;
use ving::drizzle::{asc, count, eq, in_array, like, sql};
use ving::migrate::{self, Folder, PrepareOptions, Prepared, Renames};
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
    let files = ving::codegen::table_files(&model, |kind| {
        schemas
            .get(kind)
            .map_or_else(String::new, |s| s.origin.relative_path(config.root()))
    })
    .map_err(fail)?;
    let stale: Vec<&str> = files
        .iter()
        .filter(|f| {
            std::fs::read_to_string(config.tables_dir().join(&f.name))
                .ok()
                .as_deref()
                != Some(f.contents.as_str())
        })
        .map(|f| f.name.as_str())
        .collect();
    if stale.is_empty() {
        println!("drizzle --tables: the generated table definitions are up to date");
    } else {
        println!(
            "drizzle --tables: out of date ({}); run `ving drizzle --tables`",
            stale.join(", ")
        );
    }

    let folder = Folder::new(config.migrations_dir());
    match folder.journal(db.dialect()) {
        Ok(_) => {
            let prepared = migrate::prepare(
                &folder,
                &model,
                &Renames::from_schemas(&schemas),
                db.dialect(),
                &PrepareOptions::default(),
            )
            .map_err(fail)?;
            match prepared {
                Prepared::NothingToDo => {
                    println!("drizzle --prepare: nothing to do, the migrations match the schemas")
                }
                Prepared::Migration { tag, .. } => {
                    println!("drizzle --prepare: wrote {}", tag.unwrap_or_default())
                }
            }
            let applied = migrate::up(&db, &folder).await.map_err(fail)?;
            for migration in &applied {
                println!(
                    "drizzle --up: applied {} in {} ms",
                    migration.tag, migration.millis
                );
            }
            let status = migrate::status(&db, &folder).await.map_err(fail)?;
            let last = status.last_applied.map(|(tag, _)| tag).unwrap_or_default();
            println!(
                "drizzle --status: last applied {last}, {} pending",
                status.pending.len()
            );
        }
        Err(error) => {
            // The committed migrations are for the embedded SQLite database; another
            // database gets the tables created directly.
            println!("migrations: {error}\n  creating the tables directly instead");
            db.drop_tables(&model).await.map_err(fail)?;
            let statements = db.create_tables(&model).await.map_err(fail)?;
            println!(
                "created {} tables ({statements} statements)",
                model.tables.len()
            );
        }
    }

    // Start the demo from a clean slate: the database keeps its rows between runs.
    db.delete(UserTable)
        .where_(in_array(UserTable.username, ["rita", "joe", "ann"]))
        .execute()
        .await
        .map_err(fail)?;
    let users = ["rita", "joe", "ann"].map(|name| UserInsert {
        username: Some(name.into()),
        email: Some(format!("{name}@example.com")),
        real_name: Some(name.to_uppercase()),
        // text columns have no database default: `bio` must be given
        ..UserInsert::new(String::new())
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
