//! APIKey, CronJob and S3File's rules, robot avatars, and bcrypt hashes checked against bcryptjs.

use super::*;

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
    let robot = ving::record::avatar_url(&owner, &settings)
        .await
        .expect("avatar");
    let id = owner.id_string().expect("id");
    assert_eq!(robot, ving::record::robohash_url("User", &id));
    owner.set("avatarType", json!("uploaded")).expect("type");
    assert_eq!(
        ving::record::avatar_url(&owner, &settings)
            .await
            .expect("avatar"),
        "/img/avatar.png"
    );
    owner.set("avatarId", json!(file.id())).expect("avatar");
    assert_eq!(
        ving::record::avatar_url(&owner, &settings)
            .await
            .expect("avatar"),
        "https://s3.amazonaws.com/uploads.example/ab/cd/andy.png"
    );
    let _ = backend;
}

on_every_backend_and_in_a_transaction!(api_key_cron_job_and_s3_file_rules, kind_rules);

#[test]
fn robohash_urls_follow_ving_s_rule() {
    let base = "https://robohash.org";
    assert_eq!(
        ving::record::robohash_url("User", "UservDKaLb1"),
        format!("{base}/vDKaLb1/size_300x300")
    );
    assert_eq!(
        ving::record::robohash_url("User", "UservDKaLbC"),
        format!("{base}/vDKaLbC/size_300x300/set_set2/bgset_bg1")
    );
    assert_eq!(
        ving::record::robohash_url("User", "UservDKaLbc"),
        format!("{base}/vDKaLbc/size_300x300/set_set3/bgset_bg2")
    );
    assert_eq!(
        ving::record::robohash_url("User", "UservDKaLbQ"),
        format!("{base}/vDKaLbQ/size_300x300/set_set4/bgset_bg1")
    );
    assert_eq!(
        ving::record::robohash_url("User", "UservDKaLbq"),
        format!("{base}/vDKaLbq/size_300x300/bgset_bg2")
    );
    assert_eq!(
        ving::record::robohash_url("User", "UservDKaLb_"),
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
