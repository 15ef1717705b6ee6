//! Errors as ving gives them: codes, id strings of another kind, relations of the wrong type, database errors without SQL.

use super::*;

async fn errors_carry_ving_s_codes(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let apikeys = kinds.kind("APIKey").expect("APIKey");
    let mut warden = user(&users, "warden", json!({})).await;
    let other = user(&users, "other", json!({})).await;
    let some = |p: &str| Some(p.to_owned());
    assert_eq!(
        code(warden.set("nope", json!(1))),
        (400, "nope is not a prop".into(), some("nope"))
    );
    assert_eq!(
        code(warden.set("email", json!("bad"))),
        (442, "email: Invalid email.".into(), some("email"))
    );
    assert_eq!(
        code(warden.set("username", json!("x".repeat(61)))).1,
        "username: String must contain at most 60 character(s)."
    );
    // No text holds a NUL character (PostgreSQL's cannot), nor does a JSON prop.
    assert_eq!(
        code(warden.set("realName", json!("a\u{0}b"))).1,
        "realName: Text must not contain the NUL character (\\u0000)."
    );
    let mut job = kinds.kind("CronJob").expect("CronJob").mint(Map::new());
    for nul in [
        json!({"a": "x\u{0}y"}),
        json!({"a\u{0}": 1}),
        json!({"a": [{"b": "\u{0}"}]}),
    ] {
        assert_eq!(code(job.set("params", nul)).0, 442);
    }
    assert!(job.set("params", json!({"a": ["x", {"b": 1}]})).is_ok());
    // A JSON prop nests at most 31 levels (MariaDB's JSON check refuses 32): refused as
    // set on every database, and the deepest allowed is stored on every database.
    let nested = |levels: usize| (1..levels).fold(json!({"a": 1}), |v, _| json!({"a": v}));
    assert_eq!(
        code(job.set("params", nested(32))).1,
        "params: JSON must not nest deeper than 31 levels."
    );
    let deepest = kinds
        .kind("CronJob")
        .expect("CronJob")
        .create(props(
            json!({"schedule": "* * * * *", "handler": "Test", "params": nested(31)}),
        ))
        .await
        .expect("31 levels are stored");
    assert_eq!(deepest.get("params"), Some(&nested(31)));
    // Numbers as ving keeps them (JSON.parse, then JSON.stringify): a whole number written
    // as a fraction or with an exponent is that integer, stored and read back so on every
    // database; fractions and numbers past 64 bits stay as written.
    let numbers: Value = serde_json::from_str(
        r#"{"a": 4.0, "b": [1e2, -0.0, {"c": -7.0}], "d": 0.5, "e": 12, "f": 1e300, "g": 1e17, "h": 1e19}"#,
    )
    .expect("JSON");
    let job = kinds
        .kind("CronJob")
        .expect("CronJob")
        .create(props(
            json!({"schedule": "* * * * *", "handler": "Test", "params": numbers}),
        ))
        .await
        .expect("stored");
    let again = kinds
        .kind("CronJob")
        .expect("CronJob")
        .find(job.id().expect("an id"))
        .await
        .expect("read back");
    for record in [&job, &again] {
        assert_eq!(
            serde_json::to_string(&record.get("params")).expect("text"),
            r#"{"a":4,"b":[100,0,{"c":-7}],"d":0.5,"e":12,"f":1e+300,"g":100000000000000000,"h":10000000000000000000}"#,
            "{backend:?}"
        );
    }
    // A year outside 1 to 9999, which not every database holds, is no date.
    for far in ["+10000-01-01T00:00:00Z", "0000-06-01T00:00:00Z"] {
        assert_eq!(
            code(warden.set("createdAt", json!(far))),
            (442, "createdAt: Invalid date.".into(), some("createdAt"))
        );
    }
    // zod counts UTF-16 code units: an emoji is two.
    let mut minted = users.mint(props(json!({})));
    assert!(minted.set("username", json!("😀".repeat(30))).is_ok());
    assert_eq!(
        code(minted.set("username", json!("😀".repeat(31)))).1,
        "username: String must contain at most 60 character(s)."
    );
    assert_eq!(
        code(warden.set("username", json!(5))).1,
        "username: Expected string, received number."
    );
    assert_eq!(
        code(warden.set("useAsDisplayName", json!("foo"))).1,
        "useAsDisplayName: Invalid enum value. Expected 'username' | 'email' | 'realName', received 'foo'."
    );
    // Another type: zod names it.
    for (value, received) in [(json!(5), "number"), (json!(null), "null")] {
        assert_eq!(
            code(warden.set("useAsDisplayName", value)).1,
            format!("useAsDisplayName: Expected 'username' | 'email' | 'realName', received {received}.")
        );
    }
    assert_eq!(
        code(warden.set("admin", json!("yes"))).1,
        "admin: Expected boolean, received string."
    );
    let mut key = apikeys.mint(props(json!({"userId": warden.id()})));
    assert_eq!(
        code(key.set("url", json!("example"))).1,
        "url: Invalid url."
    );
    // A text column holds 65,535 bytes on MySQL: refused on every database beyond them.
    assert!(key.set("reason", json!("é".repeat(32_767))).is_ok());
    assert_eq!(
        code(key.set("reason", json!("é".repeat(32_768)))).1,
        "reason: String must take at most 65535 bytes as UTF-8."
    );
    key.set("reason", json!("")).expect("set back");
    // An id prop set to text that is not an id string: ving's 400, naming the prop.
    assert_eq!(
        code(key.set("userId", json!("garbage"))),
        (
            400,
            "Invalid id: garbage trying to parse encrypted string as number.".into(),
            some("userId")
        )
    );
    key.set_all(&props(json!({"name": "n", "url": "https://x.io"})))
        .expect("set");
    key.insert().await.expect("insert");
    assert_eq!(
        code(key.insert().await),
        (409, "APIKey already inserted".into(), None)
    );
    assert_eq!(
        code(users.find_or_die(4242).await),
        (404, "User not found.".into(), some("id"))
    );
    assert!(users.find(4242).await.is_none());
    assert_eq!(
        code(users.find_or_die("garbage").await),
        (
            400,
            "Invalid id: garbage trying to parse encrypted string as number.".into(),
            None
        )
    );
    assert_eq!(
        users
            .find_or_die("UservDKaLb1")
            .await
            .expect("by string")
            .id(),
        Some(1)
    );
    assert_eq!(
        code(warden.can_edit(Some(&other)).await),
        (
            403,
            "You do not have the privileges to access User.".into(),
            None
        )
    );
    assert_eq!(code(other.is_role_or_die("admin")).0, 403);
    assert!(code(warden.children("nope")).0 == 404);
    assert_eq!(
        code(apikeys.create_and_verify(&Map::new(), None).await).0,
        441
    );
    let me = warden.clone();
    assert_eq!(
        code(
            apikeys
                .create_and_verify(
                    &props(json!({"name": "k", "url": "https://x.io"})),
                    Some(&me)
                )
                .await
        ),
        (441, "userId is required.".into(), some("userId"))
    );
    assert_eq!(
        code(
            users
                .create_and_verify(&props(json!({"username": "u"})), Some(&me))
                .await
        ),
        (441, "email is required.".into(), some("email"))
    );
    // The parent's rights are checked before the prop is set.
    let other_id = other.id_string().expect("id");
    let mut new_key = apikeys.mint(Map::new());
    assert_eq!(
        code(
            new_key
                .set_posted_props(&props(json!({"userId": other_id})), Some(&me))
                .await
        )
        .0,
        403
    );
    assert_eq!(new_key.get("userId"), Some(&Value::Null));
    let made = apikeys
        .create_and_verify(
            &props(json!({"name": "k", "url": "https://x.io", "userId": warden.id_string()})),
            Some(&me),
        )
        .await
        .expect("created");
    assert_eq!(made.get("userId"), warden.get("id"));
    // Unique: 409 naming the prop.
    let mut again = users.mint(Map::new());
    assert_eq!(
        code(
            again
                .set_posted_props(&props(json!({"username": "other"})), Some(&me))
                .await
        ),
        (
            409,
            "username must be unique, but other has already been used.".into(),
            some("username")
        )
    );
    // A unique prop's value of the wrong type: zod's 442, as `set` gives it (not a
    // refusal of the lookup for duplicates, which would name the column's type).
    for (posted, received) in [(json!(5), "number"), (json!(["a"]), "array")] {
        assert_eq!(
            code(
                again
                    .set_posted_props(&props(json!({"username": posted})), Some(&me))
                    .await
            ),
            (
                442,
                format!("username: Expected string, received {received}."),
                some("username")
            )
        );
    }
    assert_eq!(
        code(
            warden
                .set_posted_props(&props(json!({"realName": ""})), Some(&me))
                .await
        ),
        (441, "realName is required.".into(), some("realName"))
    );
    // update writes only what is dirty, and nothing when nothing is.
    warden.set("bio", json!("changed")).expect("bio");
    assert_eq!(warden.dirty(), ["bio"]);
    warden.update().await.expect("update");
    assert!(warden.dirty().is_empty());
    warden.update().await.expect("no-op");
    let _ = backend;
}

on_every_backend!(errors_are_ving_s, errors_carry_ving_s_codes);

/// Issue 15 (5): an id string carries its kind. Another kind's id string for the same
/// number is a 400 (`find_or_die`, a posted parent id, a list filter), never a record
/// of this kind; a parent id is read as an id string of the parent's kind.
async fn id_strings_of_another_kind_are_refused(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let apikeys = kinds.kind("APIKey").expect("APIKey");
    let files = kinds.kind("S3File").expect("S3File");
    let owner = user(&users, "owner", json!({})).await;
    let id = owner.id().expect("id");
    let codec = codec();
    let as_user = codec.stringify("User", id).expect("User id string");
    let as_key = codec.stringify("APIKey", id).expect("APIKey id string");
    assert_eq!(
        users
            .find_or_die(as_user.as_str())
            .await
            .expect("its own kind")
            .id(),
        Some(id)
    );
    let error = users
        .find_or_die(as_key.as_str())
        .await
        .expect_err("an APIKey id string for a User");
    assert_eq!(error.code, 400, "{backend:?}: {error}");
    assert!(users.find(as_key.as_str()).await.is_none());
    // A bare base-62 number without a kind is not an id string either.
    let bare = as_user.trim_start_matches("User");
    assert_eq!(users.find_or_die(bare).await.expect_err("bare").code, 400);
    // A posted parent id is an id string of the parent's kind.
    let mut key = apikeys.mint(Map::new());
    key.set_posted_props(
        &props(json!({"name": "k", "url": "https://x.io", "userId": as_user})),
        Some(&owner),
    )
    .await
    .expect("userId as a User id string");
    assert_eq!(key.get("userId"), Some(&json!(id)));
    // Or the id as a number, with a point too (JSON.parse reads 4.0 as 4).
    let mut by_number = apikeys.mint(Map::new());
    by_number
        .set_posted_props(
            &props(json!({"name": "k", "url": "https://x.io", "userId": id as f64})),
            Some(&owner),
        )
        .await
        .expect("userId as a number with a point");
    assert_eq!(by_number.get("userId"), Some(&json!(id)));
    let mut other = apikeys.mint(Map::new());
    let error = other
        .set_posted_props(
            &props(json!({"name": "k", "url": "https://x.io", "userId": as_key})),
            Some(&owner),
        )
        .await
        .expect_err("userId as an APIKey id string");
    assert_eq!(error.code, 400, "{error}");
    let error = apikeys
        .mint(Map::new())
        .set_posted_props(
            &props(json!({"name": "k", "url": "https://x.io", "userId": "garbage"})),
            Some(&owner),
        )
        .await
        .expect_err("userId as garbage");
    assert_eq!((error.code, error.prop.as_deref()), (400, Some("userId")));
    // List filters on a parent id: the parent's kind only.
    let ok = files
        .describe_list_where(&query(&[("userId", as_user.as_str())]), &Describe::new())
        .expect("a User id string");
    assert_eq!(files.count(ok).await.expect("count"), 0);
    let error = files
        .describe_list_where(&query(&[("userId", as_key.as_str())]), &Describe::new())
        .expect_err("an APIKey id string");
    assert_eq!(error.code, 400);
}

on_every_backend!(
    id_strings_name_their_kind,
    id_strings_of_another_kind_are_refused
);

/// Issue 15 (1): `children` of a parent relation (and `parent` of a child relation) is
/// an error naming the relation, never another relation's kind.
async fn relations_of_the_wrong_type_are_errors(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let owner = user(&users, "owner", json!({})).await;
    let error = owner.children("avatar").expect_err("avatar is a parent");
    assert_eq!(error.code, 400, "{backend:?}: {error}");
    assert!(error.message.contains("avatar"), "{error}");
    assert!(error.message.contains("parent"), "{error}");
    let error = owner
        .parent("apikeys")
        .await
        .expect_err("apikeys are children");
    assert_eq!(error.code, 400, "{error}");
    assert!(error.message.contains("apikeys"), "{error}");
    let error = owner.children("gadgets").expect_err("no such relation");
    assert_eq!(error.code, 404);
    assert_eq!(
        error.message,
        "cannot find child relation gadgets in User (its child relations: apikeys, s3files)"
    );
    let keys = owner.children("apikeys").expect("apikeys");
    assert_eq!(keys.name(), "APIKey");
}

on_every_backend!(
    relations_are_checked_by_type,
    relations_of_the_wrong_type_are_errors
);

/// A prop whose column the table lacks (its migration not applied yet) is an error on
/// every backend, never the column's name read as its value: records name their columns
/// with their table, and a statement's names are quoted so that SQLite, which reads a
/// double-quoted name no column has as a string, refuses them too.
async fn a_missing_column_is_an_error(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let owner = user(&users, "owner", json!({"bio": "kept"})).await;
    let id = owner.id().expect("id");
    let db = users.executor().db();
    db.execute_script(&format!(
        "ALTER TABLE {} DROP COLUMN {}",
        db.dialect().quote("users"),
        db.dialect().quote("bio")
    ))
    .await
    .unwrap_or_else(|e| panic!("{backend:?}: drop bio: {e}"));
    match users.find_or_die(id).await {
        Err(error) => assert_eq!(error.code, 500, "{backend:?}: {error}"),
        Ok(found) => panic!(
            "{backend:?}: a missing column was read as {:?}",
            found.get("bio")
        ),
    }
    let unqualified = format!(
        "SELECT {} FROM {}",
        db.dialect().statement_name("bio"),
        db.dialect().statement_name("users")
    );
    let read = db
        .fetch_all(&unqualified, Vec::new(), |row| row.get_string(0))
        .await;
    assert!(read.is_err(), "{backend:?}: {unqualified} read {read:?}");
    let mut owner = owner;
    owner.set("bio", json!("new")).expect("bio");
    let error = owner.update().await.expect_err("no column to write");
    assert_eq!(error.code, 500, "{backend:?}: {error}");
}

on_every_backend!(missing_columns_are_errors, a_missing_column_is_an_error);

/// Issue 15 (6): a database error says what a client can act on, the same on every
/// backend, and never carries SQL or the driver's text: a duplicate is ving's 409 naming
/// the prop and the value, a missing required value a 441 naming the prop (caught before
/// the database by `create`), anything else a 500 "database error".
async fn database_errors_name_the_prop_never_the_sql(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let apikeys = kinds.kind("APIKey").expect("APIKey");
    let first = user(&users, "first", json!({})).await;
    let error = users
        .create(props(json!({
            "username": "second",
            "email": "first@example.com",
            "realName": "Second",
        })))
        .await
        .expect_err("a duplicate email");
    assert_eq!(
        (error.code, error.prop.as_deref(), error.message.as_str()),
        (
            409,
            Some("email"),
            "email must be unique, but first@example.com has already been used."
        ),
        "{backend:?}"
    );
    let mut renamed = users
        .find_or_die(first.id().expect("id"))
        .await
        .expect("find");
    let second = user(&users, "second", json!({})).await;
    renamed
        .set("username", json!("second"))
        .expect("set username");
    let error = renamed.update().await.expect_err("a duplicate username");
    assert_eq!(
        (error.code, error.prop.as_deref()),
        (409, Some("username")),
        "{backend:?}: {error}"
    );
    assert!(
        error.message.contains("second has already been used"),
        "{error}"
    );
    // A required parent left out: 441 before the database.
    let error = apikeys
        .create(props(json!({"name": "k", "url": "https://x.io"})))
        .await
        .expect_err("no userId");
    assert_eq!(
        (error.code, error.prop.as_deref()),
        (441, Some("userId")),
        "{backend:?}"
    );
    // Straight from the database: NULL into a NOT NULL column, and a broken statement.
    let db_error = users
        .executor()
        .execute("INSERT INTO users (username) VALUES (NULL)", Vec::new())
        .await
        .expect_err("NULL username");
    let error = Ouch::from(db_error);
    // MariaDB names the first column without a value (`bio`), the others `username`.
    let prop = error.prop.clone().expect("the prop is named");
    assert_eq!(
        (error.code, error.message.clone()),
        (441, format!("{prop} is required.")),
        "{backend:?}: {error}"
    );
    let db_error = users
        .executor()
        .execute("SELECT nope FROM users", Vec::new())
        .await
        .expect_err("no such column");
    let error = Ouch::from(db_error);
    assert_eq!(
        (error.code, error.message.as_str()),
        (500, "database error")
    );
    drop(second);
}

on_every_backend!(
    database_errors_are_ving_s,
    database_errors_name_the_prop_never_the_sql
);

/// A badge's name is unique per user: a composite unique whose qualifier is a parent id.
const BADGE: &str = r#"
kind = "Badge"
tableName = "badges"
owner = ["$userId", "admin"]

[[props]]
type = "string"
name = "name"
required = true
length = 60
default = ""
unique = true
uniqueQualifiers = ["userId"]
view = ["public"]
edit = ["owner"]

[[props]]
type = "id"
name = "userId"
required = true
filterQualifier = true
view = ["public"]
edit = ["owner"]
[props.relation]
type = "parent"
name = "user"
kind = "User"
"#;

/// A unique prop's qualifier posted as an id string is read as the id it stands for (and
/// another kind's id string is a 400), as the prop itself would be set.
#[tokio::test]
async fn a_unique_prop_qualified_by_a_posted_parent_id() {
    let schemas = schemas_with(&[("Badge.toml", BADGE)]);
    for backend in BACKENDS {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        test.db()
            .create_tables(&TableModel::from_schemas(&schemas))
            .await
            .expect("tables");
        let kinds = kinds(&schemas, test.db());
        let users = kinds.kind("User").expect("User");
        let badges = kinds.kind("Badge").expect("Badge");
        let ann = user(&users, "ann", json!({})).await;
        let bob = user(&users, "bob", json!({})).await;
        let badge = |name: &str, owner: &Record<'_>| {
            props(json!({"name": name, "userId": owner.id_string()}))
        };
        badges
            .create_and_verify(&badge("gold", &ann), Some(&ann))
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(
            code(
                badges
                    .create_and_verify(&badge("gold", &ann), Some(&ann))
                    .await
            ),
            (
                409,
                "name must be unique, but gold has already been used.".into(),
                Some("name".into())
            ),
            "{backend}"
        );
        badges
            .create_and_verify(&badge("gold", &bob), Some(&bob))
            .await
            .unwrap_or_else(|e| panic!("{backend}: another user's gold: {e}"));
        let foreign = codec()
            .stringify("APIKey", ann.id().expect("id"))
            .expect("id string");
        let refused = badges
            .create_and_verify(
                &props(json!({"name": "silver", "userId": foreign})),
                Some(&ann),
            )
            .await;
        assert_eq!(code(refused).0, 400, "{backend}");
        test.cleanup().await;
    }
}
