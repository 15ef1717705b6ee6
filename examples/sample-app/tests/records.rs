//! The sample app's records on SQLite, MariaDB and PostgreSQL: ving's own record tests
//! for Users and APIKey, ported (their stale assertions fixed, record spec §7 item 35),
//! run on the pool and inside a transaction that rolls back; the User's password (bcrypt
//! interop with ving's bcryptjs, both ways, through node), posted props and delete; the
//! API key's private key and secret; the cron job's handler options; the S3 file's URLs.

use std::path::Path;
use std::process::Command;

use futures_util::StreamExt;
use serde_json::{json, Map, Value};
use ving::config::Backend;
use ving::drizzle::{eq, Tx};
use ving::id::IdCodec;
use ving::record::{CurrentUser, Describe, FindOptions, Kinds, Ouch, Record};
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

/// ving's `Users.vingrecord.test.mjs`, ported. Fixed where ving's code moved on: the
/// base link is `/api/v1/users`, an owner and an admin see 6 options (with `avatar`),
/// a visitor sees `{avatar: …}`.
async fn ving_users_test(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let mut warden = users
        .create(props(json!({"username": "warden", "email": "warden@shawshank.jail", "realName": "Samuel Norton"})))
        .await
        .expect("warden");
    let mut captain = users.mint(props(
        json!({"username": "captain", "email": "captain@shawshank.jail", "realName": "Byron Hadley"}),
    ));
    // make user kind / can create ving record
    assert_eq!(users.name(), "User");
    assert_eq!(warden.get("email"), Some(&json!("warden@shawshank.jail")));
    // is owner by id
    assert!(warden.is_owner(Some(&warden)).await.expect("owner"));
    // is not admin role
    assert!(!warden.is_role("admin"));
    // is not owner by id or role
    captain.insert().await.expect("insert captain");
    assert!(!captain.is_owner(Some(&warden)).await.expect("owner"));
    assert!(!warden.is_owner(Some(&captain)).await.expect("owner"));
    // can update ving record
    warden.set("admin", json!(true)).expect("admin");
    assert_eq!(warden.get("admin"), Some(&json!(true)));
    warden.update().await.expect("update");
    // can refetch ving record
    warden.refresh().await.expect("refresh");
    assert_eq!(warden.get("admin"), Some(&json!(true)), "{backend:?}");
    // is owner by role
    assert!(captain.is_owner(Some(&warden)).await.expect("owner"));
    let full = Describe::new().links().options().meta();
    // described by owner
    let description = captain
        .describe(&full.clone().current_user(&captain))
        .await
        .expect("describe");
    assert_eq!(description["meta"]["displayName"], "captain");
    assert_eq!(description["props"]["username"], "captain");
    assert_eq!(description["links"]["base"]["href"], "/api/v1/users");
    assert!(description["options"]["useAsDisplayName"].is_array());
    assert_eq!(description["options"].as_object().map(Map::len), Some(6));
    // propOptions by owner
    let options = captain
        .prop_options(&Describe::new().current_user(&captain), false)
        .await
        .expect("options");
    assert!(options["useAsDisplayName"].is_array());
    assert_eq!(options.len(), 6);
    // described by admin
    let description = captain
        .describe(&full.clone().current_user(&warden))
        .await
        .expect("describe");
    assert_eq!(description["meta"]["displayName"], "captain");
    assert_eq!(description["props"]["username"], "captain");
    assert_eq!(description["props"]["admin"], false);
    assert_eq!(description["links"]["base"]["href"], "/api/v1/users");
    assert_eq!(description["options"].as_object().map(Map::len), Some(6));
    // described by visitor
    let description = warden.describe(&full).await.expect("describe");
    assert_eq!(description["meta"]["displayName"], "warden");
    assert_eq!(description["props"].get("username"), None);
    assert_eq!(description["props"].get("admin"), None);
    assert_eq!(description["links"]["base"]["href"], "/api/v1/users");
    let options = description["options"].as_object().expect("options");
    assert_eq!(options.keys().collect::<Vec<_>>(), ["avatar"]);
    // set password
    user::set_password(&mut warden, "foo").expect("set password");
    assert_eq!(user::test_password(&warden, "foo"), Ok(true));
    // set password via posted params
    let me = warden.clone();
    warden
        .set_posted_props(&props(json!({"password": "food"})), Some(&me))
        .await
        .expect("posted password");
    assert_eq!(user::test_password(&warden, "food"), Ok(true));
    // set useAsDisplayName via posted params
    warden
        .set_posted_props(&props(json!({"useAsDisplayName": "email"})), Some(&me))
        .await
        .expect("posted useAsDisplayName");
    assert_eq!(warden.get("useAsDisplayName"), Some(&json!("email")));
    // clone a record
    let mut guard = users.copy(&captain);
    guard
        .set_all(&props(
            json!({"username": "guard", "email": "guard@shawshank.jail", "realName": "Dekins"}),
        ))
        .expect("set_all");
    guard.insert().await.expect("insert guard");
    assert_eq!(guard.get("realName"), Some(&json!("Dekins")));
    assert_ne!(guard.id(), captain.id());
    assert!(!guard.is_role("admin"), "a user record is a current user");
    // can use findAll
    let options = FindOptions {
        limit: Some(3),
        ..FindOptions::default()
    };
    let found = users.find_all((), &options).count().await;
    assert_eq!(found, 3);
    // can delete ving record
    warden.delete().await.expect("delete warden");
    assert_eq!(warden.get("username"), Some(&json!("warden")));
    let gone = users
        .count(eq(UserTable.email, "warden@shawshank.jail"))
        .await
        .expect("count");
    assert_eq!(gone, 0);
    captain.delete().await.expect("delete captain");
    guard.delete().await.expect("delete guard");
    // can verify creation params
    let mut rita = users.mint(Map::new());
    let mut params = props(json!({"realName": "Rita Hayworth", "email": "rita@hollywood.com"}));
    assert_eq!(code(rita.test_creation_props(&params)).0, 441);
    params.insert("username".into(), json!("rita"));
    assert_eq!(rita.test_creation_props(&params), Ok(()));
    // can verify empty creation params
    params.insert("username".into(), json!(""));
    assert_eq!(code(rita.test_creation_props(&params)).0, 441);
    // can verify posted params
    params.insert("username".into(), json!("rita"));
    params.insert("email".into(), json!("rita@rita.com"));
    rita.set_posted_props(&params, None)
        .await
        .expect("posted props");
    assert_eq!(rita.get("username"), Some(&json!("rita")));
}

on_every_backend_and_in_a_transaction!(ving_s_users_record_test, ving_users_test);

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

async fn user_rules(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let mut captain = users
        .create(props(json!({"username": "captain", "email": "captain@shawshank.jail", "verifiedEmail": true})))
        .await
        .expect("captain");
    let stranger = users
        .create(props(
            json!({"username": "stranger", "email": "stranger@shawshank.jail"}),
        ))
        .await
        .expect("stranger");
    // The default password is no hash: it never matches (454); no password is 441.
    assert_eq!(
        code(user::test_password(&captain, "anything")),
        (454, "Password does not match.".into())
    );
    assert_eq!(
        code(user::test_password(&captain, "")),
        (441, "You must specify a password.".into())
    );
    captain.set("password", json!("")).expect("clear");
    assert_eq!(code(user::test_password(&captain, "x")).0, 400);
    // Posted passwords: only by the owner (or an admin, an owner too).
    let me = captain.clone();
    captain
        .set_posted_props(&props(json!({"password": "mine"})), Some(&me))
        .await
        .expect("by owner");
    assert_eq!(user::test_password(&captain, "mine"), Ok(true));
    assert_eq!(
        code(user::test_password(&captain, "wrong")),
        (454, "Password does not match.".into())
    );
    let hash = captain.get("password").cloned();
    for who in [Some(&stranger as &dyn CurrentUser), None] {
        captain
            .set_posted_props(&props(json!({"password": "theirs"})), who)
            .await
            .expect("not set");
        assert_eq!(captain.get("password").cloned(), hash, "{backend:?}");
    }
    // On creation by whoever creates the user.
    let made = users
        .create_and_verify(
            &props(json!({"username": "new", "email": "new@shawshank.jail", "realName": "New", "password": "fresh"})),
            Some(&stranger),
        )
        .await
        .expect("create_and_verify");
    assert_eq!(user::test_password(&made, "fresh"), Ok(true));
    assert!(made
        .get("password")
        .and_then(Value::as_str)
        .is_some_and(|h| h.starts_with("$2b$10$")));
    // verifiedEmail is cleared only when the posted email was actually set.
    captain.update().await.expect("update");
    let same = json!({"email": "captain@shawshank.jail"});
    captain
        .set_posted_props(&props(same), Some(&me))
        .await
        .expect("same");
    assert_eq!(captain.get("verifiedEmail"), Some(&json!(true)));
    let theirs = json!({"email": "x@shawshank.jail"});
    captain
        .set_posted_props(&props(theirs), Some(&stranger))
        .await
        .expect("not editable");
    assert_eq!(captain.get("verifiedEmail"), Some(&json!(true)));
    let bad = json!({"email": "not an email"});
    assert_eq!(
        code(captain.set_posted_props(&props(bad), Some(&me)).await).0,
        442
    );
    assert_eq!(captain.get("verifiedEmail"), Some(&json!(true)));
    let new = json!({"email": "hadley@shawshank.jail"});
    captain
        .set_posted_props(&props(new), Some(&me))
        .await
        .expect("new email");
    assert_eq!(captain.get("verifiedEmail"), Some(&json!(false)));
    // Display names.
    assert_eq!(user::display_name(&captain), "captain");
    captain
        .set("useAsDisplayName", json!("realName"))
        .expect("set");
    assert_eq!(user::display_name(&captain), "-unknown-");
    // Delete removes the user's API keys and S3 files, and no one else's.
    let keys = kinds.kind("APIKey").expect("APIKey");
    let files = kinds.kind("S3File").expect("S3File");
    for owner in [&captain, &stranger] {
        keys.create(props(json!({"name": "k", "userId": owner.id()})))
            .await
            .expect("key");
        files
            .create(props(json!({"filename": "a.png", "userId": owner.id()})))
            .await
            .expect("file");
    }
    captain.delete().await.expect("delete");
    assert_eq!(keys.count(()).await.expect("count"), 1);
    assert_eq!(files.count(()).await.expect("count"), 1);
    assert_eq!(
        keys.count(keys.prop_eq("userId", stranger.id()).expect("where"))
            .await
            .expect("count"),
        1
    );
}

on_every_backend_and_in_a_transaction!(user_passwords_posted_props_and_delete, user_rules);

async fn kind_rules(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let mut owner = users
        .create(props(
            json!({"username": "andy", "email": "andy@shawshank.jail"}),
        ))
        .await
        .expect("user");
    let visitor = users
        .create(props(
            json!({"username": "red", "email": "red@shawshank.jail"}),
        ))
        .await
        .expect("user");
    // APIKey: a fresh random private key at mint, and its secret test.
    let keys = kinds.kind("APIKey").expect("APIKey");
    let key = keys
        .create(props(json!({"name": "k", "userId": owner.id()})))
        .await
        .expect("key");
    let other = keys.mint(props(json!({"name": "k2", "userId": owner.id()})));
    let private = key
        .get("privateKey")
        .and_then(Value::as_str)
        .expect("key")
        .to_owned();
    assert_eq!(private.len(), 39);
    assert!(
        private.starts_with("pk_")
            && private[3..]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_ne!(other.get("privateKey"), key.get("privateKey"));
    assert_eq!(api_key::test_secret(&key, &private), Ok(true));
    assert_eq!(
        code(api_key::test_secret(&key, "")),
        (441, "You must specify a secret.".into())
    );
    assert_eq!(
        code(api_key::test_secret(&key, "pk_nope")),
        (454, "Secret does not match.".into())
    );
    // CronJob: handler options from the registered handlers, and its links.
    let jobs = kinds.kind("CronJob").expect("CronJob");
    let job = jobs.create(Map::new()).await.expect("job");
    let admin = users
        .create(props(
            json!({"username": "norton", "email": "norton@shawshank.jail", "admin": true}),
        ))
        .await
        .expect("admin");
    let described = job
        .describe(&Describe::new().current_user(&admin).links().options())
        .await
        .expect("describe");
    assert_eq!(
        described["options"]["handler"],
        json!([
            {"value": "Test", "label": "Test"},
            {"value": "DeleteUnusedS3File", "label": "DeleteUnusedS3File"},
            {"value": "EmailRole", "label": "EmailRole"}
        ])
    );
    let id = job.id_string().expect("id");
    assert_eq!(
        described["links"]["edit"]["href"],
        format!("/cronjobs/{id}/edit")
    );
    assert_eq!(described["links"]["list"]["href"], "/cronjobs");
    let mut job = job;
    assert_eq!(
        code(
            job.set_posted_props(&props(json!({"handler": "CronJob"})), Some(&admin))
                .await
        )
        .0,
        442
    );
    // S3File: URLs from the configured buckets; the file link for the owner only.
    let files = kinds.kind("S3File").expect("S3File");
    let mut file = files
        .create(props(json!({"filename": "andy.png", "extension": "png", "s3folder": "ab/cd", "userId": owner.id(), "icon": "self"})))
        .await
        .expect("file");
    let url = "https://s3.amazonaws.com/uploads.example/ab/cd/andy.png";
    assert_eq!(s3_file::file_url(&file, &settings()), url);
    assert_eq!(
        s3_file::file_url(&file, &RecordSettings::default()),
        "https://s3.amazonaws.com/undefined/ab/cd/andy.png"
    );
    let mine = file
        .describe(&Describe::new().current_user(&owner).links())
        .await
        .expect("d");
    assert_eq!(
        mine["links"]["file"],
        json!({"href": url, "methods": ["GET"], "usage": "file"})
    );
    assert_eq!(mine["links"]["thumbnail"]["href"], url);
    let theirs = file
        .describe(&Describe::new().current_user(&visitor).links())
        .await
        .expect("d");
    assert_eq!(theirs["links"].get("file"), None);
    file.set("icon", json!("extension")).expect("icon");
    assert_eq!(
        s3_file::thumbnail_url(&file, &settings()),
        "/img/filetype/image.png"
    );
    file.set("extension", json!("xyz")).expect("ext");
    assert_eq!(
        s3_file::thumbnail_url(&file, &settings()),
        "/img/filetype/unknown.png"
    );
    file.set("icon", json!("pending")).expect("icon");
    assert_eq!(
        s3_file::thumbnail_url(&file, &settings()),
        "/img/pending.webp"
    );
    file.set("icon", json!("thumbnail")).expect("icon");
    let folder = s3_file::s3_folder_name("S3File", &file.id_string().expect("id"));
    assert_eq!(
        s3_file::thumbnail_url(&file, &settings()),
        format!("https://s3.amazonaws.com/thumbs.example/{folder}.png")
    );
    // The User's avatar: the robot of its id string, or the uploaded file.
    let settings = settings();
    let robot = user::avatar_url(&owner, &settings).await.expect("avatar");
    let id = owner.id_string().expect("id");
    assert_eq!(robot, user::robohash_url("User", &id));
    owner.set("avatarType", json!("uploaded")).expect("type");
    assert_eq!(
        user::avatar_url(&owner, &settings).await.expect("avatar"),
        "/img/avatar.png"
    );
    owner.set("avatarId", json!(file.id())).expect("avatar");
    assert_eq!(
        user::avatar_url(&owner, &settings).await.expect("avatar"),
        "https://s3.amazonaws.com/uploads.example/ab/cd/andy.png"
    );
    let _ = backend;
}

on_every_backend_and_in_a_transaction!(api_key_cron_job_and_s3_file_rules, kind_rules);

#[test]
fn robohash_urls_follow_ving_s_rule() {
    let base = "https://robohash.org";
    assert_eq!(
        user::robohash_url("User", "UservDKaLb1"),
        format!("{base}/vDKaLb1/size_300x300")
    );
    assert_eq!(
        user::robohash_url("User", "UservDKaLbC"),
        format!("{base}/vDKaLbC/size_300x300/set_set2/bgset_bg1")
    );
    assert_eq!(
        user::robohash_url("User", "UservDKaLbc"),
        format!("{base}/vDKaLbc/size_300x300/set_set3/bgset_bg2")
    );
    assert_eq!(
        user::robohash_url("User", "UservDKaLbQ"),
        format!("{base}/vDKaLbQ/size_300x300/set_set4/bgset_bg1")
    );
    assert_eq!(
        user::robohash_url("User", "UservDKaLbq"),
        format!("{base}/vDKaLbq/size_300x300/bgset_bg2")
    );
    assert_eq!(
        user::robohash_url("User", "UservDKaLb_"),
        format!("{base}/vDKaLb_/size_300x300")
    );
    assert_eq!(
        s3_file::s3_folder_name("S3File", "S3FilevDKaLb1"),
        "vD/Ka/Lb/1"
    );
    assert_eq!(
        cron_job::handler_options(&["A".into(), "CronJob".into()]),
        [json!({"value": "A", "label": "A"})]
    );
}

/// The bcryptjs 2.4.3 hash committed in `tests/fixtures/bcryptjs-hash.json`.
fn bcryptjs_fixture() -> (String, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bcryptjs-hash.json");
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    let text = |key: &str| fixture[key].as_str().expect(key).to_owned();
    (text("password"), text("hash"))
}

/// bcryptjs 2.4.3 in a directory of the target dir (installed with npm on first use);
/// `None` with a message when node or npm is missing, outside CI.
fn bcryptjs() -> Option<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bcryptjs-2.4.3");
    let skip = |why: String| -> Option<std::path::PathBuf> {
        assert!(!in_ci(), "bcryptjs interop must run under CI=true: {why}");
        eprintln!("SKIPPED bcryptjs interop through node: {why}");
        None
    };
    if Command::new("node").arg("--version").output().is_err() {
        return skip("node is not installed".into());
    }
    if !dir.join("node_modules/bcryptjs").exists() {
        std::fs::create_dir_all(&dir).expect("dir");
        let installed = Command::new("npm")
            .args([
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "bcryptjs@2.4.3",
            ])
            .current_dir(&dir)
            .status();
        if !installed.is_ok_and(|s| s.success()) {
            return skip("npm install bcryptjs@2.4.3 failed".into());
        }
    }
    Some(dir)
}

fn node(dir: &Path, script: &str, args: &[&str]) -> String {
    let out = Command::new("node")
        .arg("-e")
        .arg(script)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test]
async fn bcrypt_hashes_verify_both_ways_with_bcryptjs() {
    let Some((test, schemas)) = fresh(Backend::Sqlite).await else {
        return;
    };
    let kinds = record::kinds_with(&schemas, test.db(), codec(), settings());
    let users = kinds.kind("User").expect("User");
    let mut andy = users
        .create(props(
            json!({"username": "andy", "email": "andy@shawshank.jail"}),
        ))
        .await
        .expect("user");
    // ving's hash (committed) verifies here.
    let (password, hash) = bcryptjs_fixture();
    assert!(hash.starts_with("$2a$10$"));
    andy.set("password", json!(hash)).expect("hash");
    andy.set("passwordType", json!("bcrypt")).expect("type");
    assert_eq!(user::test_password(&andy, &password), Ok(true));
    assert_eq!(code(user::test_password(&andy, "nope")).0, 454);
    let Some(dir) = bcryptjs() else {
        return;
    };
    // Ours verifies in bcryptjs …
    user::set_password(&mut andy, "Zihuatanejo").expect("set");
    let ours = andy
        .get("password")
        .and_then(Value::as_str)
        .expect("hash")
        .to_owned();
    assert!(ours.starts_with("$2b$10$") && ours.len() == 60);
    let compare = "const b = require('bcryptjs'); console.log(b.compareSync(process.argv[1], process.argv[2]))";
    assert_eq!(node(&dir, compare, &["Zihuatanejo", &ours]), "true");
    assert_eq!(node(&dir, compare, &["Zihuatanejx", &ours]), "false");
    // … and a hash bcryptjs makes now verifies here.
    let make = "const b = require('bcryptjs'); console.log(b.hashSync(process.argv[1], 10))";
    let theirs = node(&dir, make, &["Rita Hayworth"]);
    andy.set("password", json!(theirs)).expect("hash");
    assert_eq!(user::test_password(&andy, "Rita Hayworth"), Ok(true));
    assert_eq!(code(user::test_password(&andy, "Rita")).0, 454);
    test.cleanup().await;
}

/// The generated typed records: the props struct, typed getters and validating setters,
/// the kind's columns and raw builders, on a pool and in a transaction.
async fn typed_records(backend: Backend, kinds: &Kinds<'_>) {
    use ving_sample_app::drizzle::schema::user::UseAsDisplayName;
    use ving_sample_app::record::{APIKeyProps, APIKeys, UserProps, Users};
    let users = Users.on(kinds).expect("Users");
    let mut warden = users
        .create(UserProps {
            username: "warden".into(),
            email: "warden@shawshank.jail".into(),
            ..Default::default()
        })
        .await
        .expect("create");
    assert_eq!(warden.username(), "warden");
    assert_eq!(
        warden.use_as_display_name(),
        Some(UseAsDisplayName::Username)
    );
    assert!(warden.created_at().is_some() && !warden.admin());
    // Setters validate against the schema: 442 naming the prop.
    let bad = warden.set_email("not an email").expect_err("442");
    assert_eq!((bad.code, bad.prop.as_deref()), (442, Some("email")));
    // An empty required string is 441, as a posted one is.
    let empty = warden.set_username("").expect_err("441");
    assert_eq!((empty.code, empty.prop.as_deref()), (441, Some("username")));
    assert_eq!(warden.username(), "warden", "a refused value is not set");
    warden.set_bio("").expect("bio is optional");
    warden.set_admin(true).expect("admin");
    warden
        .set_use_as_display_name(UseAsDisplayName::Email)
        .expect("enum");
    warden.update().await.expect("update");
    let id = warden.id_string().expect("id");
    let again = users
        .find_or_die(id.as_str())
        .await
        .expect("find by id string");
    assert!(again.admin());
    assert_eq!(again.display_name(), "warden@shawshank.jail");
    // The kind exposes its table's columns and raw builders (the seed's line, on a kind).
    let joe = users
        .select()
        .where_(eq(Users.email, "warden@shawshank.jail"))
        .first()
        .await
        .expect("select")
        .expect("a row");
    assert_eq!((joe.id, joe.admin), (warden.id().expect("id"), true));
    assert_eq!(
        users.count(eq(Users.admin, true)).await.expect("count"),
        1,
        "{backend:?}"
    );
    // Typed find_many, and a typed key through its props struct.
    let key = APIKeys
        .on(kinds)
        .expect("APIKeys")
        .create(APIKeyProps {
            name: "k".into(),
            user_id: warden.id(),
            ..Default::default()
        })
        .await
        .expect("key");
    assert!(key.private_key().starts_with("pk_"));
    let keys = warden
        .children_of::<ving_sample_app::record::api_key::APIKeyKind>("apikeys")
        .expect("apikeys")
        .find_many((), &FindOptions::default())
        .await
        .expect("keys");
    assert_eq!(keys.iter().map(|k| k.name()).collect::<Vec<_>>(), ["k"]);
    let wrong = warden.children_of::<ving_sample_app::record::user::UserKind>("apikeys");
    assert_eq!(code(wrong).0, 400);
    assert_eq!(key.test_secret(key.private_key()), Ok(true));
    let found = users
        .find_many(eq(Users.username, "warden"), &FindOptions::default())
        .await
        .expect("find_many");
    assert_eq!(found.len(), 1);
    assert!(found[0].is_owner(Some(&warden)).await.expect("owner"));
    // Int, JSON and enum props round-trip through the database, typed.
    use ving_sample_app::drizzle::schema::s3_file::Icon;
    use ving_sample_app::record::{S3FileProps, S3Files};
    let files = S3Files.on(kinds).expect("S3Files");
    let mut file = files
        .create(S3FileProps {
            filename: "a.png".into(),
            size_in_bytes: 2048,
            metadata: Some(serde_json::json!({"width": 300})),
            user_id: warden.id(),
            ..Default::default()
        })
        .await
        .expect("file");
    assert_eq!(file.icon(), Some(Icon::Pending), "the schema's default");
    file.set_icon(Icon::Thumbnail).expect("icon");
    file.set_size_in_bytes(4096).expect("int");
    file.update().await.expect("update");
    let again = files
        .find_or_die(file.id().expect("id"))
        .await
        .expect("find");
    // An `int` prop is an i32 in the record as in the row type.
    let size: i32 = again.size_in_bytes();
    assert_eq!(size, 4096);
    assert_eq!(again.icon(), Some(Icon::Thumbnail));
    assert_eq!(again.metadata(), Some(&serde_json::json!({"width": 300})));
    assert_eq!(again.user_id(), warden.id());
    scoped_builders(&users, &warden).await;
}

/// A child kind's raw builders are narrowed to its prop defaults: the captain's keys
/// are the only ones a select, an update or a delete of `captain.apikeys` touches,
/// whatever `where_` adds.
async fn scoped_builders(
    users: &ving::record::KindOf<'_, ving_sample_app::record::user::UserKind>,
    warden: &ving_sample_app::record::User<'_>,
) {
    use ving::drizzle::{like, ne};
    use ving_sample_app::record::api_key::APIKeyKind;
    use ving_sample_app::record::{APIKeyProps, APIKeys, UserProps};
    let captain = users
        .create(UserProps {
            username: "captain".into(),
            email: "captain@shawshank.jail".into(),
            ..Default::default()
        })
        .await
        .expect("captain");
    let mine = captain
        .children_of::<APIKeyKind>("apikeys")
        .expect("apikeys");
    for name in ["c1", "c2"] {
        mine.create(APIKeyProps {
            name: name.into(),
            ..Default::default()
        })
        .await
        .expect("captain's key");
    }
    let names = |rows: Vec<ving_sample_app::drizzle::schema::APIKeyRow>| {
        let mut names: Vec<String> = rows.into_iter().map(|r| r.name).collect();
        names.sort();
        names
    };
    // The warden's key "k" matches every `where_` below, and is never touched.
    let all = mine.select().all().await.expect("select");
    assert_eq!(names(all), ["c1", "c2"]);
    let found = mine
        .select()
        .where_(like(APIKeys.name, "%"))
        .all()
        .await
        .expect("select where");
    assert_eq!(names(found), ["c1", "c2"]);
    let changed = mine
        .update()
        .set(APIKeys.reason, "scoped".to_owned())
        .where_(ne(APIKeys.name, "c2"))
        .execute()
        .await
        .expect("update");
    assert_eq!(changed, 1, "only the captain's c1");
    let deleted = mine
        .delete()
        .where_(like(APIKeys.name, "%"))
        .execute()
        .await
        .expect("delete");
    assert_eq!(deleted, 2, "only the captain's keys");
    let left = APIKeys
        .on(users.kinds())
        .expect("APIKeys")
        .select()
        .all()
        .await
        .expect("every key");
    assert_eq!(names(left.clone()), ["k"]);
    assert_ne!(left[0].reason, "scoped");
    assert_eq!(left[0].user_id, warden.id().expect("id"));
}

on_every_backend_and_in_a_transaction!(typed_records_generated_by_ving_record, typed_records);

#[tokio::test]
async fn the_seed_s_line_runs_on_the_installed_kinds() {
    use ving_sample_app::record::{UserProps, Users};
    let Some((test, schemas)) = fresh(Backend::Sqlite).await else {
        return;
    };
    // The installed kinds live as long as the process: the pool is leaked for them.
    let db: &'static ving::db::Db = Box::leak(Box::new(test.db().clone()));
    let kinds = record::kinds_with(&schemas, db, codec(), settings());
    ving::record::install(kinds.clone()).expect("install");
    assert_eq!(code(ving::record::install(kinds)).0, 409);
    Users
        .create(UserProps {
            username: "joe".into(),
            email: "joe@example.com".into(),
            ..Default::default()
        })
        .await
        .expect("create");
    let joe = Users
        .select()
        .where_(eq(Users.email, "joe@example.com"))
        .first()
        .await
        .expect("select");
    assert_eq!(joe.map(|row| row.username).as_deref(), Some("joe"));
    let found = Users
        .find_or_die("UservDKaLb1")
        .await
        .expect("find by id string");
    assert_eq!(found.username(), "joe");
    assert_eq!(Users.count(()).await.expect("count"), 1);
}

/// The kinds `ving record` generates (`record::kinds`: the schemas compiled into the app,
/// the key of the environment, each kind's `configure`) are the app's kinds: ving's APIKey
/// test passes with them, and a cron job and a user describe as with the hand-wired kinds.
#[tokio::test]
async fn the_generated_kinds_are_the_hand_wired_ones() {
    for backend in BACKENDS {
        let Some((test, schemas)) = fresh(backend).await else {
            continue;
        };
        let generated = record::kinds(test.db()).expect("the generated kinds");
        ving_apikey_test(backend, &generated).await;
        let key = ving::id::SkipjackKey::from_env(|name| std::env::var(name).ok()).expect("key");
        let wired = record::kinds_with(
            &schemas,
            test.db(),
            IdCodec::new(key),
            RecordSettings::default(),
        );
        let mut warden = generated
            .kind("User")
            .expect("User")
            .create(props(
                json!({"username": "warden", "email": "w@shawshank.jail", "admin": true}),
            ))
            .await
            .expect("user");
        user::set_password(&mut warden, "Shawshank").expect("password");
        warden.update().await.expect("update");
        let job = props(json!({"userId": warden.id(), "handler": "Test"}));
        let everything = Describe::new().links().options().meta();
        let mut described = Vec::new();
        for kinds in [&generated, &wired] {
            let found = kinds
                .kind("User")
                .expect("User")
                .find_or_die(warden.id().expect("inserted"))
                .await
                .expect("found");
            let minted = kinds.kind("CronJob").expect("CronJob").mint(job.clone());
            described.push((
                found
                    .describe(&everything.clone().current_user(&found))
                    .await
                    .expect("user"),
                minted
                    .describe(&everything.clone().current_user(&found))
                    .await
                    .expect("job"),
            ));
        }
        assert_eq!(described[0], described[1], "{backend}");
        assert_eq!(described[0].0["meta"]["displayName"], "warden", "{backend}");
        assert!(
            described[0].1["options"]["handler"].is_array(),
            "{backend}: {}",
            described[0].1
        );
        test.cleanup().await;
    }
}

/// The migrations compiled into the sample app are its SQLite folder's: they create its
/// tables on SQLite (once), and a MariaDB or PostgreSQL database is told which setting to
/// add rather than given SQL of another dialect.
#[tokio::test]
async fn the_compiled_in_migrations_serve_their_dialect_only() {
    use ving_sample_app::drizzle::schema::EMBEDDED;
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        match backend {
            Backend::Sqlite => {
                let applied = EMBEDDED.migrate(test.db()).await.expect("migrate");
                assert_eq!(applied.len(), 2, "{applied:?}");
                assert!(EMBEDDED.migrate(test.db()).await.expect("again").is_empty());
                let kinds = record::kinds(test.db()).expect("kinds");
                kinds
                    .kind("User")
                    .expect("User")
                    .create(props(json!({"username": "andy", "email": "a@x.io"})))
                    .await
                    .expect("a user in the migrated tables");
            }
            _ => {
                let error = EMBEDDED
                    .migrate(test.db())
                    .await
                    .expect_err("no folder of this dialect is compiled in")
                    .to_string();
                assert!(error.contains("[migrations]"), "{backend}: {error}");
            }
        }
        test.cleanup().await;
    }
}
