//! Kinds and records: finding, counting, scopes, transactions, JSON props and options, streams, owners, hooks, aggregates, enum order and passwords.

use super::*;

async fn kind_methods(backend: Backend, kinds: &Kinds<'_>) {
    use futures_util::StreamExt;
    let users = kinds.kind("User").expect("User");
    let owner = user(&users, "owner", json!({})).await;
    let other = user(&users, "other", json!({})).await;
    let apikeys = kinds.kind("APIKey").expect("APIKey");
    for n in 0..7 {
        let owner_id = if n < 5 { owner.id() } else { other.id() };
        apikeys
            .create(props(
                json!({"name": format!("k{n}"), "url": "https://x.io", "userId": owner_id}),
            ))
            .await
            .expect("key");
    }
    let mine = owner.children("apikeys").expect("children");
    assert_eq!(mine.count(()).await.expect("count"), 5);
    assert_eq!(apikeys.count(()).await.expect("count"), 7);
    let named = mine.prop_eq("name", "k1").expect("eq");
    assert_eq!(mine.count(named).await.expect("count"), 1);
    // A raw fragment of the query builder composes with the prop defaults.
    let raw = ving::drizzle::Sql::from_template(
        "{} LIKE {}",
        vec![
            RawPart::Expr(SqlExpr::column("apikeys", "name")),
            RawPart::Expr(SqlExpr::Param("k%".into())),
        ],
    );
    assert_eq!(mine.count(raw.clone()).await.expect("raw"), 5);
    assert_eq!(apikeys.count(raw).await.expect("raw"), 7);
    let page = mine
        .find_many(
            (),
            &FindOptions {
                limit: None,
                offset: Some(3),
                order_by: vec![OrderBy::asc("id")],
            },
        )
        .await
        .expect("offset without limit");
    assert_eq!(page.len(), 2);
    assert_eq!(mine.sum("id", ()).await.expect("sum"), 15.0);
    assert_eq!(mine.max("id", ()).await.expect("max"), json!(5));
    assert_eq!(mine.min("name", ()).await.expect("min"), json!("k0"));
    assert_eq!(apikeys.avg("id", ()).await.expect("avg"), 4.0);
    let minted = mine.mint(Map::new());
    assert_eq!(minted.get("userId"), owner.get("id"));
    let all: Vec<_> = mine.find_all((), &FindOptions::default()).collect().await;
    assert_eq!(all.len(), 5);
    let parent = page[0].parent("user").await.expect("parent");
    assert_eq!(parent.id(), owner.id());
    assert_eq!(mine.delete_many(()).await.expect("delete"), 5);
    assert_eq!(apikeys.count(()).await.expect("count"), 2);
    let one = apikeys.find_one(()).await.expect("one").expect("some");
    assert_eq!(one.get("userId"), other.get("id"));
    let filter = users.describe_list_filter();
    assert_eq!(filter.queryable, ["username", "email", "realName"]);
    assert_eq!(filter.ranged, ["createdAt", "updatedAt"]);
    assert_eq!(filter.qualifiers, ["admin", "developer"]);
    let _ = backend;
}

on_every_backend!(kinds_find_count_and_scope, kind_methods);

#[tokio::test]
async fn a_transaction_rolls_back_records() {
    for backend in BACKENDS {
        let Some((test, schemas)) = fresh(backend).await else {
            continue;
        };
        let db = test.db();
        let kinds = kinds(&schemas, db);
        user(&kinds.kind("User").expect("User"), "kept", json!({})).await;
        let tx: Tx<'static> = db.begin().await.expect("begin");
        {
            let users = kinds.on(&tx).kind("User").expect("User");
            user(&users, "gone", json!({})).await;
            assert_eq!(users.count(()).await.expect("count"), 2);
        }
        tx.rollback().await.expect("rollback");
        assert_eq!(
            kinds
                .kind("User")
                .expect("User")
                .count(())
                .await
                .expect("count"),
            1,
            "{backend:?}"
        );
        test.cleanup().await;
    }
}

async fn json_props_and_options(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let admin = user(&users, "admin", json!({"admin": true})).await;
    let jobs = kinds.kind("CronJob").expect("CronJob");
    let me = admin.clone();
    // JSON props are JSON values on every database, written and read back.
    let job = jobs
        .create_and_verify(
            &props(json!({"handler": "EmailRole", "params": {"role": "admin", "n": [1, 2]}})),
            Some(&me),
        )
        .await
        .expect("job");
    let read = jobs.find_or_die(job.id().expect("id")).await.expect("read");
    assert_eq!(
        read.get("params"),
        Some(&json!({"role": "admin", "n": [1, 2]})),
        "{backend:?}"
    );
    let described = read
        .describe(&Describe::new().current_user(&me).options())
        .await
        .expect("describe");
    assert_eq!(described["props"]["params"]["role"], "admin");
    assert_eq!(
        described["options"]["handler"][2],
        json!({"value": "EmailRole", "label": "EmailRole"})
    );
    assert_eq!(
        described["options"]["enabled"].as_array().map(Vec::len),
        Some(2)
    );
    // An `options` prop outside its list is ving's 442 (no final period).
    let mut job = read;
    let error = job
        .set_posted_props(&props(json!({"handler": "Nope"})), Some(&me))
        .await
        .expect_err("442");
    assert_eq!(
        (error.code, error.message.as_str()),
        (442, "handler was set to an invalid value")
    );
    let error = job.set("params", json!("{}")).expect_err("442");
    assert_eq!(error.message, "params: Expected object, received string.");
    // A visitor sees none of a cron job's own props.
    let visitor = job.describe(&Describe::new()).await.expect("visitor");
    let keys: Vec<&String> = visitor["props"]
        .as_object()
        .expect("props")
        .keys()
        .collect();
    assert_eq!(keys, ["id", "createdAt", "updatedAt"]);
    // Warnings are described as they were added.
    job.add_warning(json!({"code": 499, "message": "queued"}));
    let warned = job.describe(&Describe::new()).await.expect("warnings");
    assert_eq!(
        warned["warnings"],
        json!([{"code": 499, "message": "queued"}])
    );
    // A deleted record says so in meta.
    job.delete().await.expect("delete");
    let gone = job
        .describe(&Describe::new().meta())
        .await
        .expect("deleted");
    assert_eq!(
        gone["meta"],
        json!({"kind": "CronJob", "isOwner": false, "deleted": true})
    );
    assert!(jobs.find(job.id().expect("id")).await.is_none());
    // A null parent describes as null, and as a related parent too.
    let files = kinds.kind("S3File").expect("S3File");
    let file = files.mint(Map::new());
    let described = file
        .describe(&Describe::new().related("user"))
        .await
        .expect("describe");
    assert_eq!(described["props"]["userId"], Value::Null);
    assert_eq!(described["props"]["id"], Value::Null);
    assert_eq!(described["related"], json!({"user": null}));
    // A minted JSON prop is what the database will hold: `{}` (ving leaves it out).
    assert_eq!(described["props"]["metadata"], json!({}));
    // Nothing unsaved owns by identity: a null id matches no one, itself included (ving:
    // `null == null`).
    let users = kinds.kind("User").expect("User");
    let unsaved = users.mint(props(json!({"username": "ghost"})));
    assert!(!unsaved.is_owner(Some(&unsaved)).await.expect("is_owner"));
    assert!(!file.is_owner(Some(&unsaved)).await.expect("is_owner"));
}

on_every_backend!(
    json_props_are_json_and_options_are_checked,
    json_props_and_options
);

#[tokio::test]
async fn find_all_streams_in_batches() {
    use futures_util::StreamExt;
    let Some((test, schemas)) = fresh(Backend::Sqlite).await else {
        return;
    };
    {
        let kinds = kinds(&schemas, test.db());
        let users = kinds.kind("User").expect("User");
        for n in 0..1203 {
            user(&users, &format!("u{n}"), json!({})).await;
        }
        let mut stream = std::pin::pin!(users.find_all((), &FindOptions::default()));
        let mut ids = Vec::new();
        while let Some(record) = stream.next().await {
            ids.push(record.expect("record").id().expect("id"));
        }
        assert_eq!(ids, (1..=1203).collect::<Vec<i64>>());
        let ordered: Vec<_> = users
            .find_all(
                (),
                &FindOptions {
                    limit: Some(700),
                    offset: Some(2),
                    order_by: vec![OrderBy::desc("id")],
                },
            )
            .collect()
            .await;
        assert_eq!(ordered.len(), 700);
        assert_eq!(ordered[0].as_ref().expect("first").id(), Some(1201));
    }
    test.cleanup().await;
}

#[tokio::test]
async fn a_record_read_on_the_pool_updates_in_a_transaction() {
    for backend in BACKENDS {
        let Some((test, schemas)) = fresh(backend).await else {
            continue;
        };
        let db = test.db();
        {
            let kinds = kinds(&schemas, db);
            let users = kinds.kind("User").expect("User");
            let warden = user(&users, "warden", json!({})).await;
            let tx: Tx<'static> = db.begin().await.expect("begin");
            let mut inside = warden.on(&tx);
            inside.set("bio", json!("rolled back")).expect("bio");
            inside.update().await.expect("update");
            let seen = users.on(&tx).find_or_die(1).await.expect("in tx");
            assert_eq!(seen.get("bio"), Some(&json!("rolled back")));
            drop((inside, seen));
            tx.rollback().await.expect("rollback");
            let after = users.find_or_die(1).await.expect("after");
            assert_eq!(after.get("bio"), Some(&json!("")), "{backend:?}");
        }
        test.cleanup().await;
    }
}

#[tokio::test]
async fn caret_parent_owners_work() {
    // A Comment on an API key is owned by whoever owns the key (ving's `^parent`, which
    // never works in ving).
    let schemas = schemas_with(&[(
        "Comment.toml",
        r#"kind = "Comment"
tableName = "comments"
owner = ["^key"]

[[props]]
type = "string"
name = "body"
length = 200
required = false
default = ""
view = ["public"]
edit = ["owner"]

[[props]]
type = "id"
name = "keyId"
required = true
view = ["public"]
edit = ["owner"]
[props.relation]
type = "parent"
name = "key"
kind = "APIKey"
"#,
    )]);
    let Some(test) = TestDb::fresh_or_skip(Backend::Sqlite).await else {
        return;
    };
    test.db()
        .create_tables(&TableModel::from_schemas(&schemas))
        .await
        .expect("tables");
    {
        let kinds = kinds(&schemas, test.db());
        let users = kinds.kind("User").expect("User");
        let owner = user(&users, "owner", json!({})).await;
        let other = user(&users, "other", json!({})).await;
        let key = kinds
            .kind("APIKey")
            .expect("APIKey")
            .create(props(
                json!({"name": "k", "url": "https://x.io", "userId": owner.id()}),
            ))
            .await
            .expect("key");
        let comment = kinds
            .kind("Comment")
            .expect("Comment")
            .create(props(json!({"body": "hi", "keyId": key.id()})))
            .await
            .expect("comment");
        assert!(comment.is_owner(Some(&owner)).await.expect("owner"));
        assert!(!comment.is_owner(Some(&other)).await.expect("other"));
        assert!(comment.can_edit(Some(&other)).await.is_err());
        let mut comment = comment;
        comment
            .update_and_verify(&props(json!({"body": "edited"})), Some(&owner))
            .await
            .expect("owner edits");
        comment
            .update_and_verify(&props(json!({"body": "not mine"})), Some(&other))
            .await
            .expect("skipped");
        comment.refresh().await.expect("refresh");
        assert_eq!(comment.get("body"), Some(&json!("edited")));
        // Created through the owner of its key; a comment without a key is no one's.
        let comments = kinds.kind("Comment").expect("Comment");
        let key_id = key.id_string().expect("id string");
        comments
            .create_and_verify(
                &props(json!({"body": "new", "keyId": key_id})),
                Some(&owner),
            )
            .await
            .expect("the key's owner creates a comment");
        let minted = comments.mint(Map::new());
        assert!(!minted
            .is_owner(Some(&owner))
            .await
            .expect("no key, no owner"));
    }
    test.cleanup().await;
}

#[tokio::test]
async fn children_are_found_by_their_virtual_prop() {
    // A note has two parent folders; each child relation of a folder names its own.
    let folder = r#"kind = "Folder"
tableName = "folders"
owner = ["admin"]

[[props]]
type = "string"
name = "name"
length = 60
required = false
default = ""
view = ["public"]
edit = ["owner"]

[[props]]
type = "virtual"
name = "homeId"
required = false
view = ["public"]
edit = []
[props.relation]
type = "child"
name = "homeNotes"
kind = "Note"

[[props]]
type = "virtual"
name = "awayId"
required = false
view = ["public"]
edit = []
[props.relation]
type = "child"
name = "awayNotes"
kind = "Note"
"#;
    let note = r#"kind = "Note"
tableName = "notes"
owner = ["admin"]

[[props]]
type = "id"
name = "homeId"
required = true
view = ["public"]
edit = ["owner"]
[props.relation]
type = "parent"
name = "home"
kind = "Folder"

[[props]]
type = "id"
name = "awayId"
required = false
view = ["public"]
edit = ["owner"]
[props.relation]
type = "parent"
name = "away"
kind = "Folder"
"#;
    let schemas = schemas_with(&[("Folder.toml", folder), ("Note.toml", note)]);
    let Some(test) = TestDb::fresh_or_skip(Backend::Sqlite).await else {
        return;
    };
    test.db()
        .create_tables(&TableModel::from_schemas(&schemas))
        .await
        .expect("tables");
    {
        let kinds = kinds(&schemas, test.db());
        let folders = kinds.kind("Folder").expect("Folder");
        let notes = kinds.kind("Note").expect("Note");
        let a = folders.create(Map::new()).await.expect("a");
        let b = folders.create(Map::new()).await.expect("b");
        for away in [b.id(), None] {
            notes
                .create(props(json!({"homeId": a.id(), "awayId": away})))
                .await
                .expect("note");
        }
        for (folder, relation, expected) in [
            (&a, "homeNotes", 2),
            (&a, "awayNotes", 0),
            (&b, "awayNotes", 1),
            (&b, "homeNotes", 0),
        ] {
            let children = folder.children(relation).expect("children");
            assert_eq!(
                children.count(()).await.expect("count"),
                expected,
                "{relation}"
            );
        }
        // A folder not yet inserted has no notes (not those whose awayId is null), and
        // deleting its children deletes nothing.
        let unsaved = folders.mint(Map::new());
        let none = unsaved.children("awayNotes").expect("children");
        assert_eq!(none.count(()).await.expect("count"), 0);
        unsaved
            .children("awayNotes")
            .expect("children")
            .delete_many(())
            .await
            .expect("delete none");
        assert_eq!(notes.count(()).await.expect("count"), 2);
    }
    test.cleanup().await;
}

#[tokio::test]
async fn an_app_s_hooks_override_insert_update_and_describe() {
    for backend in BACKENDS {
        let Some((test, schemas)) = fresh(backend).await else {
            continue;
        };
        let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let hooks = APIKeyHooks {
            calls: calls.clone(),
        };
        let kinds = kinds(&schemas, test.db()).with_hooks("APIKey", hooks);
        let owner = user(&kinds.kind("User").expect("User"), "owner", json!({})).await;
        let keys = kinds.kind("APIKey").expect("APIKey");
        let mut key = keys
            .create(props(
                json!({"name": "quiet", "url": "https://x.io", "userId": owner.id()}),
            ))
            .await
            .expect("create");
        let stored = keys.find_or_die(key.id().unwrap_or(0)).await.expect("find");
        assert_eq!(
            stored.get_str("reason"),
            Some("filled in by the insert hook"),
            "{backend:?}"
        );
        key.set("url", json!("https://y.io")).expect("url");
        key.update().await.expect("update");
        let stored = keys.find_or_die(key.id().unwrap_or(0)).await.expect("find");
        assert_eq!(stored.get_str("name"), Some("QUIET"));
        assert_eq!(stored.get_str("url"), Some("https://y.io"));
        let json = stored
            .describe(&Describe::new().current_user(&owner))
            .await
            .expect("describe");
        assert_eq!(json["props"]["shout"], json!(true));
        assert!(json["props"].get("url").is_none(), "{json}");
        assert_eq!(json["props"]["name"], json!("QUIET"));
        // The base methods skip the hooks; other kinds never see them.
        let plain = stored
            .base_describe(&Describe::new().current_user(&owner))
            .await
            .expect("base describe");
        assert_eq!(plain["props"]["url"], json!("https://y.io"));
        owner
            .describe(&Describe::new().current_user(&owner))
            .await
            .expect("user");
        assert_eq!(
            *calls.lock().expect("calls"),
            ["insert", "update", "describe"],
            "{backend:?}"
        );
        test.cleanup().await;
    }
}

/// `sum`, `avg`, `min` and `max` give one answer on every backend: booleans count as 0
/// and 1 in a sum or average (ving's MariaDB answer) and their least and greatest are
/// booleans (as drizzle maps them for ving), an average is a double from the exact values, and a
/// prop that has no sum or no order is a 400, never the database's error.
async fn aggregates_give_one_answer(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    for (index, admin) in [true, false, false, true, false, false, false]
        .iter()
        .enumerate()
    {
        user(&users, &format!("agg{index}"), json!({ "admin": admin })).await;
    }
    assert_eq!(users.sum("admin", ()).await.expect("sum"), 2.0, "{backend}");
    let avg = users.avg("admin", ()).await.expect("avg");
    assert_eq!(avg, 2.0 / 7.0, "{backend}: {avg}");
    assert_eq!(
        users.min("admin", ()).await.expect("min"),
        json!(false),
        "{backend}"
    );
    assert_eq!(
        users.max("admin", ()).await.expect("max"),
        json!(true),
        "{backend}"
    );
    // An average of whole numbers that does not end: the double nearest the exact value.
    let files = kinds.kind("S3File").expect("S3File");
    let owner = user(&users, "files", json!({})).await;
    let sizes = [10i64, 20, 17];
    for (index, size) in sizes.iter().enumerate() {
        files
            .create(props(json!({
                "filename": format!("f{index}.txt"),
                "extension": "txt",
                "contentType": "text/plain",
                "s3folder": "x",
                "sizeInBytes": size,
                "userId": owner.get("id"),
            })))
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
    }
    let avg = files.avg("sizeInBytes", ()).await.expect("avg");
    assert_eq!(avg, 47.0 / 3.0, "{backend}: {avg}");
    for (result, what) in [
        (
            users.sum("username", ()).await.map(|_| ()),
            "sum of username",
        ),
        (users.avg("email", ()).await.map(|_| ()), "avg of email"),
        (
            files.max("metadata", ()).await.map(|_| ()),
            "max of metadata",
        ),
    ] {
        let error = result.expect_err(what);
        assert_eq!(error.code, 400, "{backend}: {what}: {error}");
        assert!(
            error.message.starts_with("cannot take the "),
            "{backend}: {error}"
        );
    }
}

on_every_backend!(aggregates_are_one_answer, aggregates_give_one_answer);

/// Records sort an enum prop by its declaration order on every backend, as ving's MariaDB
/// does (PostgreSQL and SQLite hold enums as text).
async fn enum_props_sort_by_declaration(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    for (name, shown) in [
        ("real", "realName"),
        ("user", "username"),
        ("mail", "email"),
    ] {
        user(&users, name, json!({ "useAsDisplayName": shown })).await;
    }
    let sorted = users
        .find_many(
            (),
            &FindOptions {
                order_by: vec![OrderBy::asc("useAsDisplayName")],
                ..FindOptions::default()
            },
        )
        .await
        .expect("sorted");
    let names: Vec<Option<&Value>> = sorted.iter().map(|u| u.get("username")).collect();
    let want = [json!("user"), json!("mail"), json!("real")];
    assert_eq!(
        names,
        want.iter().map(Some).collect::<Vec<_>>(),
        "{backend}"
    );
}

on_every_backend!(enums_sort_alike, enum_props_sort_by_declaration);

/// A User's password is never stored as given, whatever sets it: `create` (through
/// `mint`) and `set` (what `set_posted_props` and the typed setters call); a hash is kept
/// as it is (a copy is not hashed twice), `passwordType` becomes `bcrypt`, and the empty
/// password and the schema's default (no password) stay as they are.
async fn passwords_are_stored_hashed(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let stored = |id: i64| {
        let users = users.clone();
        async move {
            let found = users.find(id).await.expect("the user");
            found
                .get("password")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        }
    };
    let created = user(&users, "warden", json!({ "password": "Shawshank" })).await;
    let id = created.id().expect("id");
    let hash = stored(id).await;
    assert!(
        ving::record::is_password_hash(&hash),
        "{backend}: stored {hash:?}"
    );
    assert!(
        ving::record::verify_password("Shawshank", &hash),
        "{backend}"
    );
    assert_eq!(
        created.get("passwordType"),
        Some(&json!("bcrypt")),
        "{backend}"
    );
    let mut found = users.find(id).await.expect("the user");
    found.set("password", json!("Zihuatanejo")).expect("set");
    found.update().await.expect("update");
    let new_hash = stored(id).await;
    assert!(
        ving::record::verify_password("Zihuatanejo", &new_hash),
        "{backend}"
    );
    // A user without a password keeps the schema's default, which is no password: it
    // is never hashed into one that "no-password-specified" would log in with.
    let without = user(&users, "without", json!({})).await;
    assert_eq!(
        stored(without.id().expect("id")).await,
        "no-password-specified",
        "{backend}"
    );
    let copy_of = users.find(id).await.expect("the user");
    let mut copy = users.copy(&copy_of);
    copy.set("username", json!("copy")).expect("username");
    copy.set("email", json!("copy@example.com")).expect("email");
    copy.insert().await.expect("insert the copy");
    assert_eq!(
        stored(copy.id().expect("id")).await,
        stored(id).await,
        "{backend}: a hash is not hashed twice"
    );
    let none = user(&users, "nopass", json!({ "password": "" })).await;
    assert_eq!(stored(none.id().expect("id")).await, "", "{backend}");
}

on_every_backend!(
    passwords_are_never_stored_as_given,
    passwords_are_stored_hashed
);

/// ving's User `setPostedProps` is the record layer's own for the User kind (these kinds
/// have no `set_posted_props` hook): a sign-up's posted password is stored hashed and logs
/// in, its owner may change it and nobody else, a hash posted as a password is hashed
/// like any text, and a new email clears `verifiedEmail` unless the post sets it too.
async fn users_take_posted_passwords(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let stored = |record: &Record<'_>| {
        (record.get("password").and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned()
    };
    let admin = user(&users, "admin", json!({"admin": true})).await;
    // A sign-up: no user yet.
    let mut andy = users.mint(Map::new());
    andy.set_posted_props(
        &props(json!({"username": "andy", "email": "andy@x.io", "realName": "Andy", "password": "Zihuatanejo"})),
        None,
    )
    .await
    .expect("sign-up");
    andy.insert().await.expect("insert");
    let andy_id = andy.id().expect("id");
    // A password that is not text is refused (ving's bcrypt throws), nothing set.
    let mut other_signup = users.mint(Map::new());
    for bad in [json!(12345), json!(true), json!(["x"])] {
        let error = other_signup
            .set_posted_props(&props(json!({"username": "bob", "password": bad})), None)
            .await
            .expect_err("not text");
        assert_eq!(
            (error.code, error.prop.as_deref()),
            (442, Some("password")),
            "{backend}"
        );
    }
    assert_ne!(
        other_signup.get("username"),
        Some(&json!("bob")),
        "{backend}"
    );
    let read = users.find(andy_id).await.expect("andy");
    assert!(
        ving::record::verify_password("Zihuatanejo", &stored(&read)),
        "{backend}: {:?}",
        stored(&read)
    );
    assert_eq!(
        read.get("passwordType"),
        Some(&json!("bcrypt")),
        "{backend}"
    );
    // The owner changes it (an admin is one of User's owners); another user does not.
    let mut mine = users.find(andy_id).await.expect("andy");
    let me = users.find(andy_id).await.expect("andy");
    mine.set_posted_props(&props(json!({"password": "Rita"})), Some(&me))
        .await
        .expect("owner");
    assert!(
        ving::record::verify_password("Rita", &stored(&mine)),
        "{backend}"
    );
    let before = stored(&mine);
    let other = user(&users, "other", json!({})).await;
    mine.set_posted_props(&props(json!({"password": "Theirs"})), Some(&other))
        .await
        .expect("another user");
    assert_eq!(
        stored(&mine),
        before,
        "{backend}: only the owner sets a password"
    );
    // Without a user (a script's), as in ving, the password is set on an existing user too.
    mine.set_posted_props(&props(json!({"password": "Brooks"})), None)
        .await
        .expect("a script's");
    assert!(
        ving::record::verify_password("Brooks", &stored(&mine)),
        "{backend}"
    );
    // A user who is not its owner making a new user does not give it a password (ving's
    // `isOwner` of a record without an id); an admin does.
    let mut made = users.mint(Map::new());
    made.set_posted_props(&props(json!({"password": "Heywood"})), Some(&other))
        .await
        .expect("another user's new user");
    assert!(
        !ving::record::verify_password("Heywood", &stored(&made)),
        "{backend}: {:?}",
        stored(&made)
    );
    made.set_posted_props(&props(json!({"password": "Heywood"})), Some(&admin))
        .await
        .expect("an admin's new user");
    assert!(
        ving::record::verify_password("Heywood", &stored(&made)),
        "{backend}"
    );
    // The password is set before the other props, as in ving: a refused prop after it
    // leaves it set (in memory; nothing is written).
    let refused = mine
        .set_posted_props(
            &props(json!({"password": "Norton", "useAsDisplayName": "nickname"})),
            Some(&me),
        )
        .await
        .expect_err("not an enum value");
    assert_eq!(refused.code, 442, "{backend}");
    assert!(
        ving::record::verify_password("Norton", &stored(&mine)),
        "{backend}"
    );
    mine.set_posted_props(&props(json!({"password": "Rita"})), Some(&me))
        .await
        .expect("owner");
    let before = stored(&mine);
    // A bcrypt hash posted is a password like any other: hashed again.
    mine.set_posted_props(&props(json!({"password": before.clone()})), Some(&me))
        .await
        .expect("a hash as a password");
    assert!(
        ving::record::verify_password(&before, &stored(&mine)),
        "{backend}"
    );
    // A new email is not verified; the same email keeps it; an admin may say it is.
    mine.set("verifiedEmail", json!(true)).expect("verified");
    mine.set_posted_props(&props(json!({"email": "andy@x.io"})), Some(&me))
        .await
        .expect("same email");
    assert_eq!(mine.get("verifiedEmail"), Some(&json!(true)), "{backend}");
    mine.set_posted_props(&props(json!({"email": "dufresne@x.io"})), Some(&me))
        .await
        .expect("new email");
    assert_eq!(mine.get("verifiedEmail"), Some(&json!(false)), "{backend}");
    mine.set_posted_props(
        &props(json!({"email": "andy@x.io", "verifiedEmail": true})),
        Some(&admin),
    )
    .await
    .expect("an admin's");
    assert_eq!(mine.get("verifiedEmail"), Some(&json!(true)), "{backend}");
}

on_every_backend!(
    posted_passwords_are_ving_s_user_s,
    users_take_posted_passwords
);

/// Any JSON value a JSON prop may hold: nulls, booleans, integers, finite fractions,
/// strings with quotes, backslashes, control characters and non-ASCII, nested.
fn any_json() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        "[a-z\"\\\\\u{0}-\u{1f}é✓ ]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-z\"é]{1,6}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// The law of `describe_to`: whatever a record holds (strings with anything in them,
/// any JSON, dates read back from the database) and whoever looks, it writes the bytes of
/// `describe` serialized.
#[test]
fn describe_to_writes_what_describe_gives() {
    use proptest::prelude::*;
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let Some((test, schemas)) = runtime.block_on(fresh(Backend::Sqlite)) else {
        return;
    };
    let kinds = kinds(&schemas, test.db());
    let (users, jobs) = (
        kinds.kind("User").expect("User"),
        kinds.kind("CronJob").expect("CronJob"),
    );
    let owner = runtime.block_on(user(&users, "owner", json!({"admin": true})));
    let text = "[a-zA-Z0-9\"\\\\\u{0}-\u{1f}é✓<>&' ]{0,24}";
    let n = std::sync::atomic::AtomicU64::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 48,
        ..Default::default()
    });
    runner
        .run(
            &(text, text, any_json(), any::<bool>(), 0u8..4),
            |(name, note, params, saved, viewer)| {
                runtime.block_on(async {
                    let n = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let mut user = users.mint(props(json!({
                        "username": format!("u{n}"),
                        "email": format!("u{n}@example.com"),
                        "realName": name,
                        "useAsDisplayName": "realName",
                    })));
                    let mut job = jobs.mint(props(json!({
                        "schedule": "* * * * *",
                        "handler": "Test",
                        "params": params,
                        "note": note,
                    })));
                    if saved {
                        user.insert().await.expect("user");
                        job.insert().await.expect("job");
                        // Read back: dates as dates, JSON as stored.
                        user = users
                            .find_or_die(user.id().expect("id"))
                            .await
                            .expect("user");
                        job = jobs.find_or_die(job.id().expect("id")).await.expect("job");
                    }
                    let params = match viewer {
                        0 => Describe::new(),
                        1 => Describe::new().links().options().meta(),
                        2 => Describe::new()
                            .current_user(&owner)
                            .links()
                            .options()
                            .meta(),
                        _ => Describe::new()
                            .current_user(&user)
                            .private()
                            .links()
                            .options(),
                    };
                    for record in [&user, &job] {
                        let value = record.describe(&params).await.expect("describe");
                        let mut written = Vec::new();
                        record
                            .describe_to(&params, &mut written)
                            .await
                            .expect("describe_to");
                        prop_assert_eq!(
                            String::from_utf8_lossy(&written),
                            serde_json::to_string(&value).expect("json")
                        );
                    }
                    Ok(())
                })
            },
        )
        .expect("describe_to is describe serialized");
    runtime.block_on(test.cleanup());
}

/// A new cron job described with its options by `kinds`, in text and as a value (the
/// same), and the options of its handler.
async fn described(kinds: Kinds<'static>) -> (Kinds<'static>, Value) {
    // An admin, who sees the handler.
    let admin = ving::record::SessionUser {
        props: props(json!({"id": 1, "admin": true})),
        roles: vec!["admin".into()],
    };
    let options = Describe::new().current_user(&admin).options();
    let job = kinds.kind("CronJob").expect("CronJob").mint(props(json!({
        "schedule": "* * * * *",
        "handler": "Test",
    })));
    let mut text = Vec::new();
    job.describe_to(&options, &mut text)
        .await
        .expect("describe_to");
    let value = job.describe(&options).await.expect("describe");
    assert_eq!(
        String::from_utf8_lossy(&text),
        serde_json::to_string(&value).expect("json")
    );
    let handlers = value["options"]["handler"].clone();
    drop(job);
    (kinds, handlers)
}

/// The options part of a describe is made once for each set of props seen and kept: an
/// option list registered again afterwards is what the next describes show, whether the
/// kinds were shared (a new catalog) or not (the one catalog, its texts forgotten).
#[tokio::test]
async fn options_registered_again_are_the_ones_described() {
    let Some((test, schemas)) = fresh(Backend::Sqlite).await else {
        return;
    };
    let db: &'static ving::db::Db = Box::leak(Box::new(test.db().clone()));
    let (kinds, first) = described(self::kinds(&schemas, db)).await;
    assert_eq!(
        first[1],
        json!({"value": "DeleteUnusedS3File", "label": "DeleteUnusedS3File"})
    );
    let again = || vec![json!({"value": "Other", "label": "Other"})];
    // Shared: the kinds registered again are a catalog of their own.
    let shared = kinds.clone();
    let (_, other) = described(shared.with_options("handlerOptions", again())).await;
    assert_eq!(other, json!([{"value": "Other", "label": "Other"}]));
    let (kinds, first_again) = described(kinds).await;
    assert_eq!(first_again, first, "the first kinds keep their lists");
    // Alone: the same catalog, its texts forgotten.
    let (_, other) = described(kinds.with_options("handlerOptions", again())).await;
    assert_eq!(other, json!([{"value": "Other", "label": "Other"}]));
    test.cleanup().await;
}

/// An app's hook on a User: drops `logout` and adds a link of its own.
struct AppUserHooks;

impl RecordHooks for AppUserHooks {
    fn describe_links<'a>(
        &'a self,
        _record: &'a Record<'_>,
        id_string: &'a str,
        _params: &'a Describe<'_>,
        links: &'a mut ving::record::Links,
    ) -> HookFuture<'a, ()> {
        links.remove("logout");
        let href = format!("/users/{id_string}/cards");
        links.insert("cards", ving::record::link(href, &["GET"], "page"));
        Box::pin(async { Ok(()) })
    }
}

/// ving's own kinds behave as ving's records with no record code of the app's (a User's
/// links and its keys and files deleted with it, S3File's and CronJob's links from the
/// settings, `privateKey`, `handlerOptions`), and an app's hooks come after them.
async fn ving_s_kinds_without_hooks(backend: Backend, schemas: &SchemaSet, db: &ving::db::Db) {
    let settings = ving::record::VingSettings {
        uploads_bucket: Some("uploads.example".into()),
        ..Default::default()
    };
    let kinds = Kinds::new(schemas, db, codec()).with_ving_settings(settings);
    let users = kinds.kind("User").expect("User");
    let andy = user(&users, "andy", json!({"avatarType": "robot"})).await;
    let id = andy.id_string().expect("id");
    let params = Describe::new().current_user(&andy).links().options();
    let described = andy.describe(&params).await.expect("describe");
    let names: Vec<&str> = (described["links"].as_object().expect("links").keys())
        .map(String::as_str)
        .collect();
    assert_eq!(
        names,
        [
            "base",
            "self",
            "profile",
            "logout",
            "list",
            "edit",
            "settings",
            "preferences",
            "listApikeys",
            "account",
            "messagebus",
            "avatarImage",
            "describeAvatar",
            "importAvatar",
            "avatar",
            "apikeys",
            "s3files"
        ],
        "{backend:?}"
    );
    let links = &described["links"];
    assert_eq!(links["profile"]["href"], format!("/users/{id}/profile"));
    assert_eq!(links["edit"]["href"], format!("/users/admin/{id}"));
    let me = format!("/api/v1/users/{id}");
    assert_eq!(links["messagebus"]["href"], "/api/v1/users/messagebus");
    assert_eq!(links["importAvatar"]["href"], format!("{me}/import-avatar"));
    assert_eq!(links["importAvatar"]["methods"], json!(["PUT"]));
    let robot = ving::record::robohash_url("User", &id);
    assert_eq!(links["avatarImage"]["href"], robot.as_str());
    // The same text written straight (describe_to) as through the value.
    let mut text = Vec::new();
    andy.describe_to(&params, &mut text).await.expect("text");
    assert_eq!(serde_json::from_slice::<Value>(&text).ok(), Some(described));
    // APIKey: a private key minted; its secret tested as ving's.
    let keys = kinds.kind("APIKey").expect("APIKey");
    let key = (keys
        .create(props(json!({"name": "k", "userId": andy.id()})))
        .await)
        .expect("key");
    let private = key.get_str("privateKey").expect("private key").to_owned();
    assert!(
        private.starts_with("pk_") && private.len() == 39,
        "{private}"
    );
    assert_eq!(ving::record::test_secret(&key, &private), Ok(true));
    assert_eq!(code(ving::record::test_secret(&key, "pk_no")).0, 454);
    assert_eq!(code(ving::record::test_secret(&key, "")).0, 441);
    // CronJob: its handlers and links.
    let jobs = kinds.kind("CronJob").expect("CronJob");
    let job = (jobs.create(props(json!({"handler": "Test"})))).await;
    let job = job.expect("job");
    let admin = user(&users, "admin", json!({"admin": true})).await;
    // ving's UserKind.findWithRole: role props only.
    let admins = users.find_with_role("admin").await.expect("admins");
    let ids: Vec<_> = admins.iter().map(Record::id).collect();
    assert_eq!(ids, [admin.id()], "{backend:?}");
    assert_eq!(code(users.find_with_role("email").await).0, 400);
    assert_eq!(code(users.find_with_role("nobody").await).0, 400);
    let job_described = (job.describe(&Describe::new().current_user(&admin).links().options()))
        .await
        .expect("describe");
    let job_id = job.id_string().expect("id");
    let edit = format!("/cronjobs/{job_id}/edit");
    assert_eq!(job_described["links"]["edit"]["href"], edit);
    assert_eq!(
        job_described["options"]["handler"].as_array().map(Vec::len),
        Some(3)
    );
    // S3File: the file link for its owner, from the uploads bucket.
    let files = kinds.kind("S3File").expect("S3File");
    let file = files
        .create(props(json!({"filename": "andy.png", "extension": "png", "s3folder": "ab/cd", "userId": andy.id(), "icon": "self"})))
        .await
        .expect("file");
    let file_links = (file.describe(&Describe::new().current_user(&andy).links()))
        .await
        .expect("describe");
    let url = "https://s3.amazonaws.com/uploads.example/ab/cd/andy.png";
    assert_eq!(file_links["links"]["file"]["href"], url, "{backend:?}");
    // Written as text (from the kind's plan of links), the same: for its owner, for
    // another user (no file link) and for nobody.
    let stranger = user(&users, "stranger", json!({})).await;
    for (viewer, owner) in [
        (Some(&andy as &dyn CurrentUser), true),
        (Some(&stranger), false),
        (None, false),
    ] {
        let mut seen = Describe::new().links().meta();
        seen.current_user = viewer;
        let file_links = same_in_text(&file, &seen).await;
        let has_file = file_links["links"].get("file").is_some();
        assert_eq!(has_file, owner, "{backend:?}");
        same_in_text(&job, &seen).await;
        same_in_text(&andy, &seen).await;
    }
    // Another REST version: the plans are made again.
    let v2 = kinds.clone().with_rest_version("v2");
    let andy_v2 = v2
        .kind("User")
        .expect("User")
        .find_or_die(andy.id().expect("id"))
        .await;
    let andy_v2 = same_in_text(&andy_v2.expect("andy"), &params).await;
    let self_v2 = format!("/api/v2/users/{id}/apikeys");
    assert_eq!(andy_v2["links"]["apikeys"]["href"], self_v2, "{backend:?}");
    // An app's hooks run after ving's links.
    let hooked = kinds.clone().with_hooks("User", AppUserHooks);
    let hooked_users = hooked.kind("User").expect("User");
    let andy_again = hooked_users.find_or_die(andy.id().expect("id")).await;
    let andy_again = andy_again.expect("andy");
    let hooked_links = same_in_text(&andy_again, &params).await;
    let links = hooked_links["links"].as_object().expect("links");
    assert!(!links.contains_key("logout"));
    assert_eq!(links["cards"]["href"], format!("/users/{id}/cards"));
    assert_eq!(links["profile"]["href"], format!("/users/{id}/profile"));
    // A password never set is ving's default, which no password matches (as ving's).
    assert_eq!(code(ving::record::test_user_password(&andy, "x")).0, 454);
    assert_eq!(code(ving::record::test_user_password(&andy, "")).0, 441);
    // Deleting the User deletes its keys and files first; its avatar, one of those
    // files, is then the default image in its describe (not a 404).
    let by_admin = Describe::new().current_user(&admin).links();
    let mut andy = (users.find_or_die(andy.id().expect("id")).await).expect("andy");
    andy.set("avatarType", json!("uploaded")).expect("uploaded");
    andy.set("avatarId", json!(file.id())).expect("avatar");
    andy.update().await.expect("update");
    let avatar = same_in_text(&andy, &by_admin).await;
    assert_eq!(avatar["links"]["avatarImage"]["href"], url, "{backend:?}");
    // Read again: no parent read yet (one read before would be kept, as in ving).
    let mut andy = (users.find_or_die(andy.id().expect("id")).await).expect("andy");
    andy.delete().await.expect("delete");
    let left = keys.count(()).await.expect("count") + files.count(()).await.expect("count");
    assert_eq!(left, 0, "{backend:?}");
    let gone = same_in_text(&andy, &by_admin).await;
    assert_eq!(
        gone["links"]["avatarImage"]["href"], "/img/avatar.png",
        "{backend:?}"
    );
}

/// `record` described to `params`, after checking that [`Record::describe_to`] writes
/// the same JSON text.
async fn same_in_text(record: &Record<'_>, params: &Describe<'_>) -> Value {
    let value = record.describe(params).await.expect("describe");
    let mut text = Vec::new();
    record.describe_to(params, &mut text).await.expect("text");
    assert_eq!(
        String::from_utf8_lossy(&text),
        serde_json::to_string(&value).expect("json")
    );
    value
}

#[tokio::test]
async fn ving_s_kinds_need_no_hooks_of_the_app() {
    for backend in BACKENDS {
        let Some((test, schemas)) = fresh(backend).await else {
            continue;
        };
        ving_s_kinds_without_hooks(backend, &schemas, test.db()).await;
        test.cleanup().await;
    }
}
