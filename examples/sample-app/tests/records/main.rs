//! The sample app's records on SQLite, MariaDB and PostgreSQL: ving's own record tests
//! for Users and APIKey, ported (their stale assertions fixed, record spec §7 item 35),
//! run on the pool and inside a transaction that rolls back; the User's password (bcrypt
//! interop with ving's bcryptjs, both ways, through node), posted props and delete; the
//! API key's private key and secret; the cron job's handler options; the S3 file's URLs.
//! Here: the helpers and ving's APIKey test; `users`, `kinds` (APIKey, CronJob, S3File,
//! bcrypt) and `typed` (the generated records and kinds, the compiled-in migrations).

use std::path::Path;
use std::process::Command;

use futures_util::StreamExt;
use serde_json::{json, Map, Value};
use ving::config::Backend;
use ving::drizzle::{eq, Tx};
use ving::id::IdCodec;
use ving::record::{CurrentUser, Describe, FindOptions, Kinds, ListParams, Ouch, Record};
use ving::schema::{SchemaOptions, SchemaSet};
use ving::table::TableModel;
use ving::testing::{in_ci, TestDb, BACKENDS};
use ving_sample_app::drizzle::schema::UserTable;
use ving_sample_app::record::{self, api_key, cron_job, s3_file, user, RecordSettings};

fn schemas() -> SchemaSet {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas");
    SchemaSet::load(&dir, &SchemaOptions::default()).expect("sample schemas")
}

fn codec() -> IdCodec {
    IdCodec::new("11,22,33,44,55,66,77,88,99,111".parse().expect("key"))
}

fn settings() -> RecordSettings {
    RecordSettings {
        uploads_bucket: Some("uploads.example".into()),
        thumbnails_bucket: Some("thumbs.example".into()),
        ..RecordSettings::default()
    }
}

fn props(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn code<T>(result: Result<T, Ouch>) -> (u16, String) {
    match result {
        Ok(_) => (0, "no error".into()),
        Err(e) => (e.code, e.message),
    }
}

async fn fresh(backend: Backend) -> Option<(TestDb, SchemaSet)> {
    let test = TestDb::fresh_or_skip(backend).await?;
    let schemas = schemas();
    test.db()
        .create_tables(&TableModel::from_schemas(&schemas))
        .await
        .expect("tables");
    Some((test, schemas))
}

/// Runs `check` on each backend that can be reached, on the pool, then again inside a
/// transaction that rolls back (after which no user is left).
macro_rules! on_every_backend_and_in_a_transaction {
    ($name:ident, $check:ident) => {
        #[tokio::test]
        async fn $name() {
            for backend in BACKENDS {
                let Some((test, schemas)) = fresh(backend).await else {
                    continue;
                };
                let kinds = record::kinds_with(&schemas, test.db(), codec(), settings());
                $check(backend, &kinds).await;
                for kind in ["APIKey", "S3File", "CronJob", "User"] {
                    kinds
                        .kind(kind)
                        .expect(kind)
                        .delete_many(())
                        .await
                        .expect("clean");
                }
                let tx: Tx<'static> = test.db().begin().await.expect("begin");
                $check(backend, &kinds.on(&tx)).await;
                tx.rollback().await.expect("rollback");
                let users = kinds.kind("User").expect("User");
                assert_eq!(users.count(()).await.expect("count"), 0, "{backend:?}");
                test.cleanup().await;
            }
        }
    };
}

/// ving's `APIKey.vingrecord.test.mjs`, ported, with its commented-out checks restored
/// as ving's code behaves (the key described to its owner with its user; deleting the
/// user deletes the keys).
async fn ving_apikey_test(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let api_keys = kinds.kind("APIKey").expect("APIKey");
    let mut mert = users
        .create(props(
            json!({"username": "guardMert", "email": "Mert@shawshank.jail", "realName": "Mert"}),
        ))
        .await
        .expect("user");
    let mut apikey = api_keys.mint(props(json!({"name": "Test", "userId": mert.id()})));
    // can set relation
    assert_eq!(apikey.get("userId"), Some(&json!(mert.id())));
    // privateKey generated
    let key = apikey
        .get("privateKey")
        .and_then(Value::as_str)
        .expect("key");
    assert!(key.starts_with("pk_"));
    // can save key
    apikey.insert().await.expect("insert");
    assert!(apikey.is_inserted());
    // user can reference their keys
    let keys = mert
        .children("apikeys")
        .expect("apikeys")
        .find_many((), &FindOptions::default())
        .await
        .expect("keys");
    assert_eq!(
        keys.iter().map(Record::id).collect::<Vec<_>>(),
        [apikey.id()]
    );
    // key describes itself to its owner
    let description = apikey
        .describe(
            &Describe::new()
                .current_user(&mert)
                .related("user")
                .links()
                .options(),
        )
        .await
        .expect("describe");
    assert!(description["props"]["privateKey"].is_string());
    assert!(description["links"]["user"].is_object());
    assert!(description["options"].is_object());
    assert_eq!(
        description["related"]["user"]["props"]["username"],
        "guardMert"
    );
    // deleting the user deletes the keys
    mert.delete().await.expect("delete user");
    let left = api_keys
        .count(api_keys.prop_eq("name", "Test").expect("where"))
        .await
        .expect("count");
    assert_eq!(left, 0, "{backend:?}");
}

on_every_backend_and_in_a_transaction!(ving_s_apikey_record_test, ving_apikey_test);

mod kinds;
mod typed;
mod users;
