//! `serve --listen ADDRESS`: the sample app's four kinds served over HTTP as ving serves
//! them (`ving::rest`), on the database the main job uses, until Ctrl-C; the sessions in
//! the database, or in redis when `VING_REDIS` (ving's variable) names a server.

use std::path::Path;

use ving::config::Config;
use ving::db::Db;
use ving::migrate::{self, Folder};
use ving::rest::Rest;
use ving::schema::SchemaSet;
use ving_sample_app::record::{self, api_key, user, RecordSettings};

use super::{fail, open_database};

/// Where `serve` listens when `--listen` is not given.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";

/// The address of `serve [--listen ADDRESS]`'s arguments (after `serve`).
pub fn listen_address(args: &[String]) -> Result<String, String> {
    match args {
        [] => Ok(DEFAULT_LISTEN.to_owned()),
        [flag, address] if flag == "--listen" => Ok(address.clone()),
        _ => Err(format!(
            "error: usage: ving-sample-app serve [--listen ADDRESS] (default {DEFAULT_LISTEN})"
        )),
    }
}

/// Opens the app's database as the main job does (the tables made or migrated when
/// missing), then serves the records at `listen` until Ctrl-C.
pub async fn serve(
    root: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    listen: &str,
) -> Result<(), String> {
    // What the server logs (the detail of a request that failed, with its request id;
    // the database's errors) goes to standard error; a client sees only ving's wording.
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
        .with_writer(std::io::stderr)
        .try_init();
    let config = Config::load_with_env(root, |_| None).map_err(fail)?;
    let schemas = SchemaSet::load(&config.schemas_dir(), &config.schema_options())
        .map_err(|errors| format!("{errors}\nthe schemas are invalid"))?;
    let (db, url, model) = open_database(&config, &schemas, env).await?;
    let folder = Folder::new(config.migrations_dir());
    if folder.journal(db.dialect()).is_ok() {
        migrate::up(&db, &folder).await.map_err(fail)?;
    } else if !db.has_table("users").await {
        db.create_tables(&model).await.map_err(fail)?;
    }
    let key = match config.skipjack_key() {
        Ok(key) => key,
        Err(_) => "11,22,33,44,55,66,77,88,99,111".parse().map_err(fail)?,
    };
    // The server keeps its pool for as long as it runs.
    let db: &'static Db = Box::leak(Box::new(db));
    let settings = RecordSettings::from_env(env);
    let kinds = record::kinds_with(&schemas, db, ving::id::IdCodec::new(key), settings)
        .with_rest_version(&format!("v{}", config.file().rest.version));
    // ving's variable for its redis: the sessions go there when it is set.
    let redis = env("VING_REDIS").filter(|url| !url.is_empty());
    let rest = match &redis {
        Some(url) => Rest::in_redis(kinds, url).await,
        None => Rest::new(kinds).await,
    }
    .map_err(fail)?
    .with_password_test(user::test_password)
    .with_secret_test(api_key::test_secret);
    let router = ving_sample_app::rest::router(rest);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("error: cannot listen on {listen}: {e}"))?;
    let address = listener.local_addr().map_err(fail)?;
    let sessions = redis.map_or_else(
        || "the database".to_owned(),
        |url| format!("redis at {url}"),
    );
    println!(
        "serving the sample app's records on http://{address}/api/ (database {url}, sessions in {sessions}); Ctrl-C stops"
    );
    ving::rest::Server::new(router)
        .serve(listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(fail)?;
    db.close().await;
    Ok(())
}
