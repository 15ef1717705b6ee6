//! Values with one answer: JSON and dates, streams, unique violations, NULLs, left joins, raw fragments, like, enums and long IN lists.

use super::*;

pub(super) async fn json_and_dates_round_trip(db: &Db) {
    insert_rita(db).await;
    let metadata: serde_json::Value =
        serde_json::json!({"width": 64, "tags": ["a", "b"], "nested": {"ok": true}});
    let file = S3FileInsert {
        filename: Some("a.png".into()),
        metadata: Some(metadata.clone()),
        ..S3FileInsert::new(1)
    };
    db.insert(S3FileTable)
        .values([file])
        .execute()
        .await
        .expect("insert");
    let stored = db
        .select_fields(S3FileTable.metadata)
        .from(S3FileTable)
        .all()
        .await
        .expect("select");
    assert_eq!(stored, [metadata]);
    let default = db
        .select_fields(UserTable.created_at)
        .from(UserTable)
        .first()
        .await
        .expect("date");
    assert!(
        default.is_some_and(|d| d.and_utc().timestamp() > 1_700_000_000),
        "{default:?}"
    );
    let updated_at = || async {
        db.select_fields(UserTable.updated_at)
            .from(UserTable)
            .first()
            .await
            .expect("date")
    };
    let past =
        NaiveDateTime::parse_from_str("2001-02-03 04:05:06", "%Y-%m-%d %H:%M:%S").expect("date");
    db.update(UserTable)
        .set(UserTable.updated_at, past)
        .execute()
        .await
        .expect("set");
    let kept = updated_at().await;
    assert_eq!(kept, Some(past), "an explicit updatedAt is kept");
    // A year past 9999 (MariaDB stored it as the zero date, SQLite compared it as text) is
    // refused before the database on every backend, in a write and in a condition.
    let far =
        NaiveDateTime::parse_from_str("+10000-01-01 00:00:00", "%Y-%m-%d %H:%M:%S").expect("date");
    let error = db
        .update(UserTable)
        .set(UserTable.updated_at, far)
        .execute()
        .await
        .expect_err("year 10000");
    assert!(
        error.to_string().contains("outside the years 1 to 9999"),
        "{error}"
    );
    assert!(db
        .select_fields(UserTable.id)
        .from(UserTable)
        .where_(gt(UserTable.updated_at, far))
        .all()
        .await
        .is_err());
    let kept = updated_at().await;
    assert_eq!(kept, Some(past), "nothing written");
    db.update(UserTable)
        .set(UserTable.admin, true)
        .execute()
        .await
        .expect("touch");
    let touched = updated_at().await;
    assert!(
        touched.is_some_and(|t| t > past),
        "autoUpdate refreshes updatedAt: {touched:?}"
    );
}

pub(super) async fn stream_rows(db: &Db) {
    let users: Vec<UserInsert> = (0..1000).map(|i| user(&format!("u{i:04}"))).collect();
    db.insert(UserTable)
        .values(users)
        .execute()
        .await
        .expect("insert");
    let mut stream = db
        .select()
        .from(UserTable)
        .order_by(asc(UserTable.id))
        .stream();
    let mut seen = 0;
    while let Some(row) = stream.next().await {
        let row = row.expect("row");
        assert_eq!(row.username, format!("u{seen:04}"));
        seen += 1;
    }
    assert_eq!(seen, 1000);
    let mut ids = db
        .select_fields(UserTable.id)
        .from(UserTable)
        .where_(gt(UserTable.id, 990))
        .stream();
    let mut count = 0;
    while let Some(id) = ids.next().await {
        assert!(id.expect("id") > 990);
        count += 1;
    }
    assert_eq!(count, 10);
}

pub(super) async fn unique_violations_are_recognised(db: &Db) {
    insert_rita(db).await;
    let error = db
        .insert(UserTable)
        .values([user("rita")])
        .execute()
        .await
        .expect_err("duplicate");
    assert!(error.is_unique_violation(), "{error}");
    assert!(
        !error.is_transient() && !error.is_connection_error(),
        "{error}"
    );
    let error = db
        .select()
        .from(UserTable)
        .where_(sql!("no_such_function({})", UserTable.id))
        .all()
        .await
        .expect_err("bad sql");
    assert!(!error.is_unique_violation());
    assert!(error.to_string().contains("no_such_function"), "{error}");
}

pub(super) async fn nulls_are_never_made_up(db: &Db) {
    insert_rita(db).await;
    // A NULL read into a type that cannot hold it is an error naming the column, on every
    // backend (SQLite's driver alone would have read 0, "" and false).
    let error = db
        .select_fields(sql!("NULL AS blank").typed::<i64>())
        .from(UserTable)
        .all()
        .await
        .expect_err("NULL into i64");
    assert!(error.to_string().contains("unexpected NULL"), "{error}");
    assert!(
        error.to_string().contains("blank"),
        "names the column: {error}"
    );
    let error = db
        .select_fields(sql!("NULL AS blank").typed::<String>())
        .from(UserTable)
        .first()
        .await
        .expect_err("NULL into String");
    assert!(error.to_string().contains("unexpected NULL"), "{error}");
    let error = db
        .select_fields(sql!("NULL AS blank").typed::<bool>())
        .from(UserTable)
        .all()
        .await
        .expect_err("NULL into bool");
    assert!(error.to_string().contains("unexpected NULL"), "{error}");
    let error = db
        .select_fields(UserTable.id)
        .from(UserTable)
        .stream()
        .next()
        .await;
    assert!(
        matches!(error, Some(Ok(1))),
        "a real value still reads: {error:?}"
    );
    let nullable = db
        .select_fields(sql!("NULL AS blank").typed::<Option<i64>>())
        .from(UserTable)
        .all()
        .await
        .expect("NULL into Option");
    assert_eq!(nullable, [None]);
    // Ad-hoc reads through any backend's row refuse it too.
    let error = db
        .fetch_all("SELECT NULL AS blank", Vec::new(), |row| row.get_string(0))
        .await
        .expect_err("NULL through DbRow");
    assert!(error.to_string().contains("unexpected NULL"), "{error}");
}

pub(super) async fn left_joined_columns_are_options(db: &Db) {
    db.insert(UserTable)
        .values([user("rita"), user("joe")])
        .execute()
        .await
        .expect("users");
    let key = APIKeyInsert {
        name: Some("deploy".into()),
        ..APIKeyInsert::new("https://example.com".into(), String::new(), 1)
    };
    db.insert(APIKeyTable)
        .values([key])
        .execute()
        .await
        .expect("key");
    let pairs: Vec<(String, Option<String>)> = db
        .select_fields((UserTable.username, APIKeyTable.name))
        .from(UserTable)
        .left_join(APIKeyTable, eq(APIKeyTable.user_id, UserTable.id))
        .order_by(asc(UserTable.id))
        .all()
        .await
        .expect("left join");
    assert_eq!(
        pairs,
        [
            ("rita".to_owned(), Some("deploy".to_owned())),
            ("joe".to_owned(), None)
        ]
    );
    // A nullable column of the optional side stays one Option, not two.
    let ids: Vec<(i64, Option<i64>, Option<i64>)> = db
        .select_fields((UserTable.id, APIKeyTable.user_id, UserTable.avatar_id))
        .from(UserTable)
        .left_join(APIKeyTable, eq(APIKeyTable.user_id, UserTable.id))
        .order_by(asc(UserTable.id))
        .all()
        .await
        .expect("left join ids");
    assert_eq!(ids, [(1, Some(1), None), (2, None, None)]);
    // An inner join after a left join keeps the left-joined side optional.
    let three: Vec<(String, Option<String>, String)> = db
        .select_fields((UserTable.username, APIKeyTable.name, S3FileTable.filename))
        .from(UserTable)
        .left_join(APIKeyTable, eq(APIKeyTable.user_id, UserTable.id))
        .inner_join(S3FileTable, eq(S3FileTable.user_id, UserTable.id))
        .all()
        .await
        .expect("three tables");
    assert!(three.is_empty());
}

pub(super) async fn raw_fragments_keep_their_precedence(db: &Db) {
    let mut joe = user("joe");
    joe.admin = Some(true);
    db.insert(UserTable)
        .values([user("rita"), joe, user("ann")])
        .execute()
        .await
        .expect("users");
    let either = || {
        sql!(
            "{} = {} OR {} = {}",
            UserTable.username,
            "rita",
            UserTable.username,
            "joe"
        )
    };
    let admins = find_usernames(
        db,
        and(either(), eq(UserTable.admin, true)).within(UserTable),
    )
    .await;
    assert_eq!(admins, ["joe"], "AND binds the whole fragment");
    let neither = find_usernames(db, not(either()).within(UserTable)).await;
    assert_eq!(neither, ["ann"], "NOT negates the whole fragment");
    let (sql_text, _) = db
        .select()
        .from(UserTable)
        .where_(and(either(), eq(UserTable.admin, true)))
        .to_sql();
    assert!(
        sql_text.contains("((") && sql_text.contains(" OR "),
        "{sql_text}"
    );
}

pub(super) async fn comparing_with_none_asks_is_null(db: &Db) {
    db.insert(UserTable)
        .values([user("rita"), user("joe")])
        .execute()
        .await
        .expect("users");
    db.insert(S3FileTable)
        .values([S3FileInsert::new(1), S3FileInsert::new(1)])
        .execute()
        .await
        .expect("files");
    db.update(UserTable)
        .set(UserTable.avatar_id, Some(2))
        .where_(eq(UserTable.username, "joe"))
        .execute()
        .await
        .expect("avatar");
    let missing: Option<i64> = None;
    assert_eq!(
        find_usernames(db, eq(UserTable.avatar_id, missing)).await,
        ["rita"]
    );
    assert_eq!(
        find_usernames(db, ne(UserTable.avatar_id, missing)).await,
        ["joe"]
    );
    assert_eq!(
        find_usernames(db, eq(UserTable.avatar_id, Some(2))).await,
        ["joe"]
    );
    let mut both = find_usernames(db, in_array(UserTable.avatar_id, [None, Some(2)])).await;
    both.sort();
    assert_eq!(both, ["joe", "rita"]);
    assert!(
        find_usernames(db, not_in_array(UserTable.avatar_id, [None, Some(2)]))
            .await
            .is_empty()
    );
    assert_eq!(
        find_usernames(db, not_in_array(UserTable.avatar_id, [Some(1)])).await,
        ["joe"],
        "NULL is in no list, and in no complement of one"
    );
}

pub(super) async fn like_means_the_same_everywhere(test: &TestDb) {
    let db = test.db();
    let emails = [
        "a_b@example.com",
        "axb@example.com",
        "100%@example.com",
        "1000@example.com",
        "back\\slash@example.com",
        "backslash@example.com",
        "Rita.x@example.com",
    ];
    let rows: Vec<UserInsert> = emails
        .iter()
        .enumerate()
        .map(|(i, email)| UserInsert {
            username: Some(format!("u{i}")),
            email: Some((*email).to_owned()),
            ..UserInsert::new(String::new())
        })
        .collect();
    db.insert(UserTable)
        .values(rows)
        .execute()
        .await
        .expect("users");
    let emails_where = |c: Condition<UserTable>| async move {
        db.select_fields(UserTable.email)
            .from(UserTable)
            .where_(c)
            .order_by(UserTable.id)
            .all()
            .await
            .expect("select")
    };
    assert_eq!(
        emails_where(like(UserTable.email, "a\\_b%")).await,
        ["a_b@example.com"],
        "a backslash escapes _"
    );
    assert_eq!(
        emails_where(like(UserTable.email, format!("{}%", escape_like("100%")))).await,
        ["100%@example.com"]
    );
    assert_eq!(
        emails_where(like(
            UserTable.email,
            format!("{}%", escape_like("back\\slash"))
        ))
        .await,
        ["back\\slash@example.com"]
    );
    assert_eq!(escape_like("a_b%c\\d"), "a\\_b\\%c\\\\d");
    // Case: plain LIKE follows the column's collation; ilike ignores case everywhere.
    let lower = emails_where(like(UserTable.email, "rita%")).await;
    if test.folds_case() {
        assert_eq!(lower, ["Rita.x@example.com"], "general_ci ignores case");
    } else {
        assert!(lower.is_empty(), "LIKE is case-sensitive here: {lower:?}");
    }
    assert_eq!(
        emails_where(ilike(UserTable.email, "RITA%")).await,
        ["Rita.x@example.com"]
    );
    assert_eq!(
        emails_where(not_ilike(UserTable.email, "%@EXAMPLE.COM")).await,
        Vec::<String>::new()
    );
    // Unique indexes follow the collation too: on general_ci "RITA" is "rita".
    db.insert(UserTable)
        .values([user("rita")])
        .execute()
        .await
        .expect("rita");
    let shout = db
        .insert(UserTable)
        .values([UserInsert {
            username: Some("RITA".into()),
            email: Some("shout@example.com".into()),
            ..UserInsert::new(String::new())
        }])
        .execute()
        .await;
    if test.folds_case() {
        assert!(shout.expect_err("duplicate").is_unique_violation());
    } else {
        shout.expect("RITA differs from rita");
    }
    // Accents: general_ci ignores them as it ignores case; the others never do.
    db.insert(UserTable)
        .values([user("ändy")])
        .execute()
        .await
        .expect("ändy");
    let andy = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .where_(ilike(UserTable.username, "ANDY"))
        .all()
        .await
        .expect("ilike");
    if test.folds_case() {
        assert_eq!(andy, ["ändy"], "general_ci ignores accents");
    } else {
        assert!(andy.is_empty(), "accents count here: {andy:?}");
    }
    // Sorting text (and its min and max) follows the collation too: byte order (capitals
    // first) on SQLite, on MariaDB's binary collation and on PostgreSQL's C ones;
    // general_ci, and a language's collation on PostgreSQL, ignore case first.
    let names = ["Bob", "alice", "Zed"];
    db.insert(UserTable)
        .values(names.map(user))
        .execute()
        .await
        .expect("names");
    let sorted = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .where_(in_array(UserTable.username, names))
        .order_by(UserTable.username)
        .all()
        .await
        .expect("sorted");
    let byte_order = match test.backend() {
        Backend::Postgres => {
            let collation = db
                .fetch_all(
                    "SELECT datcollate::text FROM pg_database WHERE datname = current_database()",
                    Vec::new(),
                    |row| row.get_string(0),
                )
                .await
                .expect("collation");
            collation
                .first()
                .is_some_and(|c| c == "C" || c == "POSIX" || c.starts_with("C."))
        }
        _ => !test.folds_case(),
    };
    // And so do min and max.
    let (lowest, highest) = db
        .select_fields((
            ving::drizzle::min(UserTable.username),
            ving::drizzle::max(UserTable.username),
        ))
        .from(UserTable)
        .where_(in_array(UserTable.username, names))
        .first()
        .await
        .expect("min and max")
        .expect("a row");
    if byte_order {
        assert_eq!(sorted, ["Bob", "Zed", "alice"]);
        assert_eq!(
            (lowest, highest),
            (Some("Bob".into()), Some("alice".into()))
        );
    } else {
        assert_eq!(sorted, ["alice", "Bob", "Zed"]);
        assert_eq!(
            (lowest, highest),
            (Some("alice".into()), Some("Zed".into()))
        );
    }
}

pub(super) async fn enum_props_are_rust_enums(db: &Db) {
    let mut joe = user("joe");
    joe.use_as_display_name = Some(UseAsDisplayName::RealName);
    db.insert(UserTable)
        .values([user("rita"), joe])
        .execute()
        .await
        .expect("users");
    let shown: Vec<(String, UseAsDisplayName)> = db
        .select_fields((UserTable.username, UserTable.use_as_display_name))
        .from(UserTable)
        .where_(ne(
            UserTable.use_as_display_name,
            UseAsDisplayName::Username,
        ))
        .all()
        .await
        .expect("select");
    assert_eq!(shown, [("joe".to_owned(), UseAsDisplayName::RealName)]);
    let robots = find_usernames(
        db,
        in_array(
            UserTable.avatar_type,
            [AvatarType::Robot, AvatarType::Uploaded],
        ),
    )
    .await;
    assert_eq!(robots.len(), 2);
    db.update(UserTable)
        .set(UserTable.avatar_type, AvatarType::Uploaded)
        .where_(eq(UserTable.username, "rita"))
        .execute()
        .await
        .expect("update");
    assert_eq!(
        find_usernames(db, eq(UserTable.avatar_type, AvatarType::Uploaded)).await,
        ["rita"]
    );
    // A stored value that is not one of the enum's is an error naming column and value.
    let error = db
        .select_fields(sql!("'cyborg' AS kind").typed::<AvatarType>())
        .from(UserTable)
        .all()
        .await
        .expect_err("unknown value");
    let message = error.to_string();
    assert!(
        message.contains("\"cyborg\" is not a value of AvatarType") && message.contains("kind"),
        "{message}"
    );
}

/// Lists longer than a statement's parameters go as one parameter (an array on
/// PostgreSQL, JSON elsewhere), with the same answers as short lists.
pub(super) async fn long_in_lists(db: &Db) {
    db.insert(UserTable)
        .values([user("rita"), user("joe"), user("ann")])
        .execute()
        .await
        .expect("users");
    let ids: Vec<i64> = (2..70_000).collect();
    let mut found = find_usernames(db, in_array(UserTable.id, ids.clone())).await;
    found.sort();
    assert_eq!(found, ["ann", "joe"]);
    assert_eq!(
        find_usernames(db, not_in_array(UserTable.id, ids)).await,
        ["rita"]
    );
    let fillers = || (0..40_000).map(|i| format!("nobody{i}"));
    for short in [vec!["RITA", "joe"], vec!["rita", "zed"]] {
        let mut expected = find_usernames(db, in_array(UserTable.username, short.clone())).await;
        let long: Vec<String> = short
            .iter()
            .map(|s| s.to_string())
            .chain(fillers())
            .collect();
        let mut got = find_usernames(db, in_array(UserTable.username, long.clone())).await;
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "long and short lists agree: {short:?}");
        let mut expected = find_usernames(db, not_in_array(UserTable.username, short)).await;
        let mut got = find_usernames(db, not_in_array(UserTable.username, long)).await;
        expected.sort();
        got.sort();
        assert_eq!(got, expected);
    }
    let flags = find_usernames(db, in_array(UserTable.admin, vec![false; 2000])).await;
    assert_eq!(flags.len(), 3);
    let stamps: Vec<NaiveDateTime> = (0..1500u64)
        .map(|i| {
            NaiveDateTime::parse_from_str("2001-02-03 04:05:06", "%Y-%m-%d %H:%M:%S").expect("date")
                + std::time::Duration::from_secs(i)
        })
        .collect();
    db.update(UserTable)
        .set(UserTable.created_at, stamps[7])
        .where_(eq(UserTable.username, "joe"))
        .execute()
        .await
        .expect("date");
    assert_eq!(
        find_usernames(db, in_array(UserTable.created_at, stamps)).await,
        ["joe"]
    );
}

/// Text holding a NUL character: SQLite and MariaDB store it and give it back; PostgreSQL's
/// text cannot hold one, and the insert is an error that says so (records refuse it on
/// every database, before any).
pub(super) async fn text_with_a_nul(test: &TestDb) {
    let db = test.db();
    let row = UserInsert {
        username: Some("a\u{0}b".into()),
        email: Some("nul@example.com".into()),
        ..UserInsert::new(String::new())
    };
    let inserted = db.insert(UserTable).values([row]).execute().await;
    if test.backend() == Backend::Postgres {
        let error = inserted
            .expect_err("PostgreSQL refuses a NUL in text")
            .to_string();
        assert!(error.contains("0x00"), "{error}");
        return;
    }
    inserted.expect("stored");
    let names = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .all()
        .await
        .expect("select");
    assert_eq!(names, ["a\u{0}b"]);
}
