//! The typed records `ving record` generates, the kinds it wires, and the migrations compiled into the app.

use super::*;

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
        // Its dates given: minted twice, a job dated `now` may straddle a second.
        let job = props(json!({
            "userId": warden.id(), "handler": "Test",
            "createdAt": "2026-01-02T03:04:05.000Z", "updatedAt": "2026-01-02T03:04:05.000Z",
        }));
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
        assert_eq!(
            described[0].1["props"]["createdAt"], "2026-01-02T03:04:05.000Z",
            "{backend}"
        );
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
                assert_eq!(applied.len(), 3, "{applied:?}");
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
