//! The sample ving app's main job: the whole chain from schemas to queries.
//!
//! Run from anywhere with `cargo run -p ving-sample-app`. The job runs on the app's own
//! database: the embedded SQLite file `examples/sample-app/ving.db` (ving.toml's
//! `[database] url`). `VING_DATABASE_URL` and `VING_MYSQL`, which name a real app's
//! database, are ignored; only the app's own variable `VING_SAMPLE_DATABASE_URL` points
//! it elsewhere, and there it never touches tables it did not create: a database that
//! holds any of its tables without its marker table is refused. The job runs the whole
//! chain: validate the schemas, check the generated tables, prepare a migration if the
//! schemas changed, apply what is pending, show the status, query; then records: check
//! the generated records, create a user and an API key, describe the user as JSON and
//! describe a page of users.
//!
//! `cargo run -p ving-sample-app -- serve [--listen 127.0.0.1:3000]` serves the same
//! database's records over HTTP as ving serves them (see `ving::rest`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ving::config::{Config, DatabaseUrl, DATABASE_URL_VARIABLES, DEFAULT_DATABASE_URL};
use ving::db::Db;
use ving::drizzle::{asc, count, eq, in_array, like, sql};
use ving::migrate::{self, Folder, PrepareOptions, Prepared, Renames};
use ving::schema::SchemaSet;
use ving::table::TableModel;
use ving_sample_app::drizzle::schema::{UserInsert, UserTable, TABLES};

/// The sample app's own variable: the only way to point it at another database.
const DATABASE_VARIABLE: &str = "VING_SAMPLE_DATABASE_URL";

/// The table that marks a database whose tables the sample app created.
const MARKER_TABLE: &str = "ving_sample_app_marker";

mod serve;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let app_root = || PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let env = |name: &str| std::env::var(name).ok();
    let done = match args.first().map(String::as_str) {
        Some("serve") => match serve::listen_address(&args[1..]) {
            Ok(listen) => serve::serve(&app_root(), &env, &listen).await,
            Err(usage) => Err(usage),
        },
        _ => {
            let root = std::env::args_os()
                .nth(1)
                .map_or_else(app_root, PathBuf::from);
            main_job(&root, &env).await
        }
    };
    match done {
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

/// The database the job runs on, whether it was chosen explicitly (anything but the
/// embedded default), and a note about ignored variables.
fn choose_database(
    config: &Config,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(DatabaseUrl, bool, Option<String>), String> {
    let ignored: Vec<&str> = DATABASE_URL_VARIABLES
        .iter()
        .copied()
        .filter(|name| env(name).is_some_and(|v| !v.is_empty()))
        .collect();
    let note = (!ignored.is_empty()).then(|| {
        format!(
            "note: {} set; the sample app ignores it and uses its own database ({DATABASE_VARIABLE} points it elsewhere)",
            ignored.join(" and ")
        )
    });
    let url = env(DATABASE_VARIABLE)
        .filter(|v| !v.is_empty())
        .or_else(|| config.file().database.url.clone())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
    let explicit = url != DEFAULT_DATABASE_URL;
    let url = DatabaseUrl::parse(&url).map_err(fail)?;
    Ok((url, explicit, note))
}

/// On a database chosen explicitly, refuses to go on when it holds any of the app's
/// tables that the app did not create (no marker table); otherwise marks it as the
/// app's.
async fn claim(db: &Db, url: &DatabaseUrl, model: &TableModel) -> Result<(), String> {
    if db.has_table(MARKER_TABLE).await {
        return Ok(());
    }
    let mut found = Vec::new();
    for table in &model.tables {
        if db.has_table(&table.name).await {
            found.push(table.name.as_str());
        }
    }
    if !found.is_empty() {
        return Err(format!(
            "error: refusing to use {url}: it already has table(s) {} that the sample app did not create (no {MARKER_TABLE} table); point {DATABASE_VARIABLE} at an empty scratch database",
            found.join(", ")
        ));
    }
    let marker = db.dialect().quote(MARKER_TABLE);
    db.execute_script(&format!("CREATE TABLE {marker} (note varchar(80))"))
        .await
        .map_err(fail)?;
    Ok(())
}

/// The app's database, as `env` and the configuration choose it (a note said when
/// variables are ignored), claimed when chosen explicitly; with the app's table model.
async fn open_database(
    config: &Config,
    schemas: &SchemaSet,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Db, DatabaseUrl, TableModel), String> {
    let (url, explicit, note) = choose_database(config, env)?;
    if let Some(note) = note {
        println!("{note}");
    }
    let db = Db::connect(&url, config.root()).await.map_err(fail)?;
    let model = TableModel::from_schemas(schemas);
    if explicit {
        if let Err(message) = claim(&db, &url, &model).await {
            db.close().await;
            return Err(message);
        }
    }
    Ok((db, url, model))
}

async fn main_job(root: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<(), String> {
    let config = Config::load_with_env(root, |_| None).map_err(fail)?;
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

    let (db, url, model) = open_database(&config, &schemas, env).await?;
    let version = db.server_version().await.map_err(fail)?;
    println!("connected to {} {version} at {url}", db.backend());

    let files = ving::codegen::project_table_files(&config, &schemas, &model).map_err(fail)?;
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
                    println!("drizzle --prepare: wrote {tag}")
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
            // database (one the app created its tables in: see `claim`) gets the
            // tables created directly.
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
    let shown = show_records(&config, &schemas, &db, env).await;
    db.close().await;
    shown
}

/// The record layer on the same database: the generated records are checked, a user is
/// created through its kind, described as JSON, and a page of users is described.
async fn show_records(
    config: &Config,
    schemas: &SchemaSet,
    db: &Db,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), String> {
    use ving::record::{Describe, ListParams};
    use ving_sample_app::record::{self, APIKeyProps, APIKeys, RecordSettings, UserProps, Users};

    let model = TableModel::from_schemas(schemas);
    let files = ving::codegen::record_files(
        schemas,
        &model,
        "crate::drizzle::schema",
        |kind| {
            schemas
                .get(kind)
                .map_or_else(String::new, |s| s.origin.relative_path(config.root()))
        },
        |kind| {
            let name = format!("{}.rs", ving::codegen::snake_case(kind));
            std::fs::read_to_string(config.records_dir().join(name)).ok()
        },
    )
    .map_err(fail)?;
    let generated = config.records_dir().join("generated");
    let stale: Vec<&str> = files
        .iter()
        .filter(|f| {
            std::fs::read_to_string(generated.join(&f.name))
                .ok()
                .as_deref()
                != Some(f.contents.as_str())
        })
        .map(|f| f.name.as_str())
        .collect();
    if stale.is_empty() {
        println!("record: the generated records are up to date");
    } else {
        println!(
            "record: out of date ({}); run `ving record`",
            stale.join(", ")
        );
    }

    let key = match config.skipjack_key() {
        Ok(key) => key,
        Err(_) => {
            println!("record: VING_SKIPJACK_KEY is not set; id strings use ving's example key");
            "11,22,33,44,55,66,77,88,99,111".parse().map_err(fail)?
        }
    };
    let settings = RecordSettings::from_env(|name| env(name));
    let kinds = record::kinds_with(schemas, db, ving::id::IdCodec::new(key), settings);
    let users = Users.on(&kinds).map_err(fail)?;
    // A clean slate: deleting the user (its hook) also deletes its API keys.
    if let Some(mut old) = users
        .find_one(eq(Users.username, "warden"))
        .await
        .map_err(fail)?
    {
        old.delete().await.map_err(fail)?;
    }
    let mut warden = users
        .create(UserProps {
            username: "warden".into(),
            email: "warden@shawshank.jail".into(),
            real_name: "Samuel Norton".into(),
            admin: true,
            ..Default::default()
        })
        .await
        .map_err(fail)?;
    warden.set_password("Shawshank").map_err(fail)?;
    warden.update().await.map_err(fail)?;
    let key = APIKeys
        .on(&kinds)
        .map_err(fail)?
        .create(APIKeyProps {
            name: "Reports".into(),
            user_id: warden.id(),
            ..Default::default()
        })
        .await
        .map_err(fail)?;
    println!(
        "record: created user {} and API key {} (password test: {:?})",
        warden.id_string().unwrap_or_default(),
        key.id_string().unwrap_or_default(),
        warden.test_password("Shawshank").map_err(fail)?
    );
    let description = warden
        .describe(&Describe::new().current_user(&warden).meta())
        .await
        .map_err(fail)?;
    println!(
        "record: the user described as JSON:\n{}",
        serde_json::to_string_pretty(&description).map_err(fail)?
    );
    let page = users
        .describe_list(
            &ListParams {
                items_per_page: Some(2),
                page: Some(1),
                object_params: Describe::new().current_user(&warden),
                ..ListParams::default()
            },
            (),
        )
        .await
        .map_err(fail)?;
    let names: Vec<&str> = page["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item["props"]["username"].as_str())
                .collect()
        })
        .unwrap_or_default();
    println!(
        "record: describe_list page {} of {} ({} users): {}",
        page["paging"]["page"],
        page["paging"]["totalPages"],
        page["paging"]["totalItems"],
        names.join(", ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ving::config::Backend;
    use ving::testing::{TestDb, BACKENDS};

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// A real app's database variables do not move the sample app off its own database.
    #[test]
    fn the_apps_database_variables_are_ignored() {
        let config = Config::load_with_env(&root(), |_| None).expect("config");
        let env = |name: &str| match name {
            "VING_MYSQL" => Some("mysql://root@127.0.0.1:3306/production".to_owned()),
            "VING_DATABASE_URL" => Some("postgres://postgres@127.0.0.1/app".to_owned()),
            _ => None,
        };
        let (url, explicit, note) = choose_database(&config, &env).expect("url");
        assert_eq!(url.to_string(), "sqlite://ving.db");
        assert!(!explicit);
        assert!(
            note.is_some_and(|n| n.contains("VING_DATABASE_URL and VING_MYSQL set")),
            "the variables are said to be ignored"
        );
        let env = |name: &str| {
            (name == DATABASE_VARIABLE).then(|| "postgres://postgres@127.0.0.1/scratch".to_owned())
        };
        let (url, explicit, note) = choose_database(&config, &env).expect("url");
        assert_eq!(url.backend(), Backend::Postgres);
        assert!(explicit && note.is_none());
    }

    /// Pointed at a database that holds a table of its own name it did not create, the
    /// job refuses and drops nothing; on an empty one it creates its tables, marks the
    /// database as its own, and runs again and again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_drops_tables_it_did_not_create() {
        for backend in BACKENDS {
            let Some(theirs) = TestDb::fresh_or_skip(backend).await else {
                continue;
            };
            theirs
                .db()
                .execute_script("CREATE TABLE users (name varchar(20))")
                .await
                .expect("a real app's table");
            theirs
                .db()
                .execute_script("INSERT INTO users (name) VALUES ('customer')")
                .await
                .expect("a real app's row");
            let url = theirs.url().to_owned();
            let env = |name: &str| match name {
                DATABASE_VARIABLE | "VING_MYSQL" => Some(url.clone()),
                _ => None,
            };
            let error = main_job(&root(), &env)
                .await
                .expect_err("a database with a users table of another app");
            assert!(
                error.contains("refusing to use")
                    && error.contains("users")
                    && error.contains("did not create"),
                "{backend}: {error}"
            );
            let rows = theirs
                .db()
                .fetch_all("SELECT name FROM users", Vec::new(), |row| {
                    row.get_string(0)
                })
                .await
                .expect("the table is still there");
            assert_eq!(rows, ["customer"], "{backend}");
            theirs.cleanup().await;

            let Some(scratch) = TestDb::fresh_or_skip(backend).await else {
                continue;
            };
            let url = scratch.url().to_owned();
            let env = |name: &str| (name == DATABASE_VARIABLE).then(|| url.clone());
            main_job(&root(), &env)
                .await
                .unwrap_or_else(|e| panic!("{backend}: an empty database: {e}"));
            main_job(&root(), &env)
                .await
                .unwrap_or_else(|e| panic!("{backend}: the second run: {e}"));
            scratch.cleanup().await;
        }
    }
}
