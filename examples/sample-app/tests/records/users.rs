//! ving's Users record test, ported, and the User's own rules: passwords, posted props, delete.

use super::*;

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
    let warden = users
        .create(props(
            json!({"username": "warden", "email": "warden@shawshank.jail", "admin": true}),
        ))
        .await
        .expect("warden");
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
    captain
        .set_posted_props(&props(json!({"password": "theirs"})), Some(&stranger))
        .await
        .expect("not set");
    assert_eq!(captain.get("password").cloned(), hash, "{backend:?}");
    // With no user at all (a script's call), as in ving, it is set.
    captain
        .set_posted_props(&props(json!({"password": "mine"})), None)
        .await
        .expect("a script's");
    assert_ne!(captain.get("password").cloned(), hash, "{backend:?}");
    assert_eq!(user::test_password(&captain, "mine"), Ok(true));
    // On creation: by an owner of the new user (an admin) or with no user, not by
    // another user (ving's `isOwner` of a user without an id).
    let new_user = |name: &str| {
        props(
            json!({"username": name, "email": format!("{name}@shawshank.jail"), "realName": "New", "password": "fresh"}),
        )
    };
    let theirs = users
        .create_and_verify(&new_user("theirs"), Some(&stranger))
        .await
        .expect("create_and_verify");
    assert!(
        !ving::record::verify_password("fresh", theirs.get_str("password").unwrap_or_default()),
        "{backend:?}"
    );
    let made = users
        .create_and_verify(&new_user("new"), Some(&warden))
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
    // An admin changes the email and says it is verified in one post (ving clears the
    // flag before the posted props are set).
    let admin = users
        .create(props(
            json!({"username": "norton", "email": "norton@shawshank.jail", "admin": true}),
        ))
        .await
        .expect("admin");
    let verified = json!({"email": "byron@shawshank.jail", "verifiedEmail": true});
    captain
        .set_posted_props(&props(verified), Some(&admin))
        .await
        .expect("an admin's post");
    assert_eq!(captain.get("email"), Some(&json!("byron@shawshank.jail")));
    assert_eq!(captain.get("verifiedEmail"), Some(&json!(true)));
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

/// `describe_to` and `describe_list_to` write the bytes of `describe` and
/// `describe_list` serialized, for every kind, viewer and part (links, options, meta,
/// related, extra, private), with dates, nulls, ids of parents, warnings and a deleted
/// record among them.
async fn written_describes(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let keys = kinds.kind("APIKey").expect("APIKey");
    let admin = users
        .create(props(json!({"username": "warden", "email": "warden@shawshank.jail", "realName": "Samuel \"Sam\" Norton", "admin": true})))
        .await
        .expect("admin");
    let andy = users
        .create(props(json!({"username": "andy", "email": "andy@shawshank.jail", "realName": "Andy Dufresne ✓"})))
        .await
        .expect("andy");
    keys.create(props(
        json!({"name": "Rock hammer", "userId": andy.id(), "reason": "tunnel\n\"digging\""}),
    ))
    .await
    .expect("key");
    kinds
        .kind("CronJob")
        .expect("CronJob")
        .create(props(json!({"schedule": "* * * * *", "handler": "Test", "params": {"a": [1, 2.5, null]}, "note": "every minute"})))
        .await
        .expect("cron job");
    let mut warned = users.mint(props(
        json!({"username": "new", "email": "new@shawshank.jail"}),
    ));
    warned.add_warning(json!({"code": 200, "message": "a warning"}));
    let viewers: [Option<&dyn CurrentUser>; 3] = [None, Some(&andy), Some(&admin)];
    let all = Describe::new().links().options().meta();
    for viewer in viewers {
        let with = |d: Describe<'static>| -> Describe<'_> {
            match viewer {
                Some(user) => d.current_user(user),
                None => d,
            }
        };
        let cases = [
            with(Describe::new()),
            with(all.clone()),
            with(all.clone().related("user").extra("anything")),
            with(Describe::new().private().links()),
        ];
        for params in &cases {
            for kind in ["User", "APIKey", "CronJob", "S3File"] {
                let kind = kinds.kind(kind).expect("kind");
                let mut records = kind
                    .find_many((), &FindOptions::default())
                    .await
                    .expect("records");
                if kind.name() == "User" {
                    records.push(warned.clone());
                }
                for record in &records {
                    let value = record.describe(params).await.expect("describe");
                    let mut written = Vec::new();
                    record
                        .describe_to(params, &mut written)
                        .await
                        .expect("describe_to");
                    assert_eq!(
                        String::from_utf8_lossy(&written),
                        serde_json::to_string(&value).expect("json"),
                        "{backend:?} {} {params:?}",
                        kind.name()
                    );
                }
                let list = ListParams {
                    items_per_page: Some(2),
                    page: Some(1),
                    object_params: params.clone(),
                    ..ListParams::default()
                };
                let value = kind.describe_list(&list, ()).await.expect("list");
                let mut written = Vec::new();
                kind.describe_list_to(&list, (), &mut written)
                    .await
                    .expect("list_to");
                assert_eq!(
                    String::from_utf8_lossy(&written),
                    serde_json::to_string(&value).expect("json"),
                    "{backend:?} {} list {params:?}",
                    kind.name()
                );
            }
        }
    }
    let mut gone = users
        .find_or_die(andy.id().expect("id"))
        .await
        .expect("andy");
    gone.delete().await.expect("delete");
    let value = gone.describe(&all).await.expect("describe");
    assert_eq!(value["meta"]["deleted"], json!(true));
    let mut written = Vec::new();
    gone.describe_to(&all, &mut written)
        .await
        .expect("describe_to");
    assert_eq!(written, serde_json::to_vec(&value).expect("json"));
}
on_every_backend_and_in_a_transaction!(describe_to_writes_the_bytes_of_describe, written_describes);
