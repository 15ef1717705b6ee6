//! ving's own query tests (its `users.drizzle.test.mjs`) and the regressions of "one query,
//! one answer", as one backend-neutral suite run once per backend — SQLite, MariaDB (with
//! byte-exact text and with the server's default, case-insensitive collation), PostgreSQL
//! — each test in a fresh database.

#[macro_use]
mod common;

use common::{setup, user};
use futures_util::StreamExt;
use ving::config::Backend;
use ving::drizzle::{
    and, asc, avg, between, count, count_of, desc, eq, escape_like, get_table_name, gt, gte, ilike,
    in_array, is_not_null, is_null, like, lt, lte, max, min, ne, not, not_ilike, not_in_array,
    not_like, or, sql, sum, Column, Condition, Db, Expr, NaiveDateTime, SelectQuery, Table,
};
use ving::testing::{Collation, TestDb};
use ving_sample_app::drizzle::schema::user::{AvatarType, UseAsDisplayName};
use ving_sample_app::drizzle::schema::{
    APIKeyInsert, APIKeyTable, S3FileInsert, S3FileTable, UserInsert, UserRow, UserTable,
};

async fn insert_rita(db: &Db) {
    let done = db
        .insert(UserTable)
        .values([user("rita")])
        .execute()
        .await
        .expect("insert");
    assert_eq!(done.rows_affected, 1);
}

async fn insert_a_user(db: &Db) {
    let done = db
        .insert(UserTable)
        .values([user("rita")])
        .execute()
        .await
        .expect("insert");
    assert_eq!(done.rows_affected, 1);
    assert_eq!(done.insert_id, Some(1));
}

async fn select_by_username(db: &Db) {
    insert_rita(db).await;
    let rows: Vec<UserRow> = db
        .select()
        .from(UserTable)
        .where_(eq(UserTable.username, "rita"))
        .all()
        .await
        .expect("select");
    assert_eq!(rows.len(), 1);
    let rita = &rows[0];
    assert_eq!(
        (rita.username.as_str(), rita.email.as_str()),
        ("rita", "rita@example.com")
    );
    // Database defaults filled the rest.
    assert_eq!(rita.use_as_display_name, UseAsDisplayName::Username);
    assert_eq!(rita.avatar_type, AvatarType::Robot);
    assert!(!rita.admin && !rita.developer);
    assert_eq!(rita.avatar_id, None);
}

async fn count_star_via_sql(db: &Db) {
    insert_rita(db).await;
    let counts = db
        .select_fields(sql!("count(*)").typed::<i64>())
        .from(UserTable)
        .all()
        .await
        .expect("count");
    assert_eq!(counts, [1]);
}

/// ving's test builds `count(column)` with a helper around `sql`.
fn count_column<T: Table, V>(column: Column<T, V>) -> Expr<i64> {
    sql!("count({})", column).typed()
}

async fn count_column_via_a_helper(db: &Db) {
    insert_rita(db).await;
    let counts = db
        .select_fields(count_column(UserTable.id))
        .from(UserTable)
        .all()
        .await
        .expect("count");
    assert_eq!(counts, [1]);
    let counts = db
        .select_fields(count_of(UserTable.avatar_id))
        .from(UserTable)
        .all()
        .await
        .expect("count");
    assert_eq!(counts, [0], "count(column) skips nulls");
}

async fn find_usernames(db: &Db, condition: Condition<UserTable>) -> Vec<String> {
    db.select_fields(UserTable.username)
        .from(UserTable)
        .where_(condition)
        .all()
        .await
        .expect("select")
}

async fn pass_a_where_clause_into_a_function(db: &Db) {
    insert_rita(db).await;
    assert_eq!(
        find_usernames(db, eq(UserTable.username, "rita")).await,
        ["rita"]
    );
    assert!(find_usernames(db, eq(UserTable.username, "nobody"))
        .await
        .is_empty());
}

async fn pass_a_raw_sql_where_clause(db: &Db) {
    insert_rita(db).await;
    let rows = db
        .select()
        .from(UserTable)
        .where_(sql!("{} = {}", UserTable.username, "rita"))
        .all()
        .await
        .expect("select");
    assert_eq!(rows.len(), 1);
}

async fn extend_a_where_with_a_callback(db: &Db) {
    insert_rita(db).await;
    async fn run<F, S, I>(db: &Db, extend: F) -> usize
    where
        F: FnOnce(Condition<UserTable>) -> Condition<S>,
        S: ving::drizzle::AppearsIn<UserTable, I>,
    {
        let where_ = extend(eq(UserTable.username, "rita"));
        db.select()
            .from(UserTable)
            .where_(where_)
            .all()
            .await
            .expect("select")
            .len()
    }
    assert_eq!(run(db, |c| and(c, eq(UserTable.admin, true))).await, 0);
    assert_eq!(run(db, |c| c).await, 1);
}

async fn order_by_one_and_two_terms(db: &Db) {
    let mut joe = user("joe");
    joe.real_name = Some("Same".into());
    let mut ann = user("ann");
    ann.real_name = Some("Same".into());
    db.insert(UserTable)
        .values([user("rita"), joe, ann])
        .execute()
        .await
        .expect("insert");
    let by_name = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .order_by(desc(UserTable.username))
        .all()
        .await
        .expect("select");
    assert_eq!(by_name, ["rita", "joe", "ann"]);
    let two_terms = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .order_by((asc(UserTable.real_name), desc(UserTable.username)))
        .all()
        .await
        .expect("select");
    assert_eq!(two_terms, ["rita", "joe", "ann"], "RITA sorts before Same");
}

async fn group_by(db: &Db) {
    let mut joe = user("joe");
    joe.developer = Some(true);
    db.insert(UserTable)
        .values([user("rita"), user("ann"), joe])
        .execute()
        .await
        .expect("insert");
    let groups = db
        .select_fields((UserTable.developer, count()))
        .from(UserTable)
        .group_by(UserTable.developer)
        .order_by(asc(UserTable.developer))
        .all()
        .await
        .expect("group");
    assert_eq!(groups, [(false, 2), (true, 1)]);
    let big = db
        .select_fields((UserTable.developer, count()))
        .from(UserTable)
        .group_by(UserTable.developer)
        .having(gt(count(), 1))
        .all()
        .await
        .expect("having");
    assert_eq!(big, [(false, 2)]);
}

fn first_only<'a, Q, S>(query: SelectQuery<'a, Q, S>) -> SelectQuery<'a, Q, S> {
    query.limit(1)
}

async fn pass_an_unfinished_select_into_a_function(db: &Db) {
    db.insert(UserTable)
        .values([user("rita"), user("joe")])
        .execute()
        .await
        .expect("insert");
    let query = db.select().from(UserTable).order_by(asc(UserTable.id));
    let rows = first_only(query).all().await.expect("select");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].username, "rita");
}

async fn limit_and_offset(db: &Db) {
    let users: Vec<UserInsert> = (0..7).map(|i| user(&format!("user{i}"))).collect();
    db.insert(UserTable)
        .values(users)
        .execute()
        .await
        .expect("insert");
    let page = |limit: Option<u64>, offset: u64| async move {
        let mut query = db
            .select_fields(UserTable.username)
            .from(UserTable)
            .order_by(asc(UserTable.id))
            .offset(offset);
        if let Some(limit) = limit {
            query = query.limit(limit);
        }
        query.all().await.expect("page").join(",")
    };
    assert_eq!(page(Some(3), 0).await, "user0,user1,user2");
    assert_eq!(page(Some(3), 3).await, "user3,user4,user5");
    assert_eq!(page(Some(3), 6).await, "user6");
    assert_eq!(
        page(None, 5).await,
        "user5,user6",
        "an offset without a limit"
    );
    assert_eq!(get_table_name(UserTable), "users");
}

async fn update(db: &Db) {
    insert_rita(db).await;
    let changed = db
        .update(UserTable)
        .set(UserTable.real_name, "Rita Repulsa")
        .where_(eq(UserTable.username, "rita"))
        .execute()
        .await
        .expect("update");
    assert_eq!(changed, 1);
    let names = db
        .select_fields(UserTable.real_name)
        .from(UserTable)
        .all()
        .await
        .expect("select");
    assert_eq!(names, ["Rita Repulsa"]);
}

async fn delete(db: &Db) {
    insert_rita(db).await;
    let deleted = db
        .delete(UserTable)
        .where_(eq(UserTable.username, "rita"))
        .execute()
        .await
        .expect("delete");
    assert_eq!(deleted, 1);
    let left = db
        .select_fields(count())
        .from(UserTable)
        .first()
        .await
        .expect("count");
    assert_eq!(left, Some(0));
}

async fn insert_many_and_the_first_id(db: &Db) {
    let users: Vec<UserInsert> = (0..25).map(|i| user(&format!("user{i:02}"))).collect();
    let done = db
        .insert(UserTable)
        .values(users)
        .execute()
        .await
        .expect("insert");
    assert_eq!((done.rows_affected, done.insert_id), (25, Some(1)));
    let next = db
        .insert(UserTable)
        .values([user("late")])
        .execute()
        .await
        .expect("insert");
    assert_eq!(next.insert_id, Some(26));
    let none = db
        .insert(UserTable)
        .values(Vec::new())
        .execute()
        .await
        .expect("nothing");
    assert_eq!(none.rows_affected, 0);
}

async fn the_other_helpers(db: &Db) {
    db.insert(UserTable)
        .values([user("rita"), user("joe"), user("ann")])
        .execute()
        .await
        .expect("insert");
    let names = |rows: Vec<String>| rows.join(",");
    let q = |c: Condition<UserTable>| async move {
        names(
            db.select_fields(UserTable.username)
                .from(UserTable)
                .where_(c)
                .order_by(UserTable.username)
                .all()
                .await
                .expect("select"),
        )
    };
    assert_eq!(q(ne(UserTable.username, "joe")).await, "ann,rita");
    assert_eq!(q(like(UserTable.email, "r%")).await, "rita");
    assert_eq!(q(not_like(UserTable.email, "r%")).await, "ann,joe");
    assert_eq!(q(lt(UserTable.id, 2)).await, "rita");
    assert_eq!(q(lte(UserTable.id, 2)).await, "joe,rita");
    assert_eq!(q(gte(UserTable.id, 3)).await, "ann");
    assert_eq!(
        q(in_array(UserTable.username, ["ann", "joe", "zed"])).await,
        "ann,joe"
    );
    assert_eq!(
        q(in_array(UserTable.username, Vec::<&str>::new())).await,
        ""
    );
    assert_eq!(
        q(not_in_array(UserTable.username, ["ann"])).await,
        "joe,rita"
    );
    assert_eq!(q(between(UserTable.id, 2, 3)).await, "ann,joe");
    assert_eq!(q(is_null(UserTable.avatar_id)).await, "ann,joe,rita");
    assert_eq!(q(is_not_null(UserTable.avatar_id)).await, "");
    assert_eq!(q(not(eq(UserTable.username, "rita"))).await, "ann,joe");
    assert_eq!(
        q(or(eq(UserTable.username, "ann"), eq(UserTable.username, "joe")).within(UserTable)).await,
        "ann,joe"
    );
    assert_eq!(
        q(eq(UserTable.username, "rita")
            .or(gt(UserTable.id, 2))
            .within(UserTable))
        .await,
        "ann,rita"
    );
}

async fn aggregates(db: &Db) {
    insert_rita(db).await;
    let files = [100, 250, 50].map(|size| S3FileInsert {
        filename: Some(format!("f{size}.png")),
        size_in_bytes: Some(size),
        ..S3FileInsert::new(1)
    });
    db.insert(S3FileTable)
        .values(files)
        .execute()
        .await
        .expect("insert files");
    let stats = db
        .select_fields((
            sum(S3FileTable.size_in_bytes),
            avg(S3FileTable.size_in_bytes),
            min(S3FileTable.size_in_bytes),
            max(S3FileTable.filename),
        ))
        .from(S3FileTable)
        .first()
        .await
        .expect("aggregates")
        .expect("a row");
    assert_eq!(
        stats,
        (
            Some(400.0),
            Some(400.0 / 3.0),
            Some(50),
            Some("f50.png".to_owned())
        )
    );
    let empty = db
        .select_fields((
            sum(S3FileTable.size_in_bytes),
            max(S3FileTable.size_in_bytes),
        ))
        .from(S3FileTable)
        .where_(gt(S3FileTable.size_in_bytes, 1000))
        .first()
        .await
        .expect("aggregates");
    assert_eq!(empty, Some((None, None)));
    // Booleans: min is false if any is, max true if any is (PostgreSQL has no min/max of
    // booleans: bool_and/bool_or there).
    let (lowest, highest) = db
        .select_fields((min(UserTable.admin), max(UserTable.admin)))
        .from(UserTable)
        .first()
        .await
        .expect("min and max of a boolean")
        .expect("a row");
    assert_eq!((lowest, highest), (Some(false), Some(false)));
    // A sum past i64::MAX is a double on every backend (SQLite's integer sum would stop
    // with "integer overflow").
    let big = i64::MAX / 4 * 3;
    let files = [big, big + 1].map(|id| S3FileInsert {
        id: Some(id),
        ..S3FileInsert::new(1)
    });
    db.insert(S3FileTable)
        .values(files)
        .execute()
        .await
        .expect("ids past half of i64::MAX");
    let total = db
        .select_fields((sum(S3FileTable.id),))
        .from(S3FileTable)
        .where_(gt(S3FileTable.id, 1000))
        .first()
        .await
        .expect("a sum past i64::MAX")
        .expect("a row");
    let want = big as f64 * 2.0 + 1.0;
    assert!(
        total
            .0
            .is_some_and(|sum| (sum - want).abs() <= want * 1e-12),
        "{total:?}"
    );
}

async fn joins(db: &Db) {
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
    let pairs = db
        .select_fields((UserTable.username, APIKeyTable.name))
        .from(UserTable)
        .inner_join(APIKeyTable, eq(APIKeyTable.user_id, UserTable.id))
        .all()
        .await
        .expect("inner join");
    assert_eq!(pairs, [("rita".to_owned(), "deploy".to_owned())]);
    let rows = db
        .select()
        .from(UserTable)
        .left_join(APIKeyTable, eq(APIKeyTable.user_id, UserTable.id))
        .order_by(asc(UserTable.id))
        .all()
        .await
        .expect("left join");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].1.as_ref().map(|k| k.name.as_str()), Some("deploy"));
    assert_eq!(
        (rows[1].0.username.as_str(), rows[1].1.is_none()),
        ("joe", true)
    );
}

async fn json_and_dates_round_trip(db: &Db) {
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
    let past =
        NaiveDateTime::parse_from_str("2001-02-03 04:05:06", "%Y-%m-%d %H:%M:%S").expect("date");
    db.update(UserTable)
        .set(UserTable.updated_at, past)
        .execute()
        .await
        .expect("set");
    let kept = db
        .select_fields(UserTable.updated_at)
        .from(UserTable)
        .first()
        .await
        .expect("date");
    assert_eq!(kept, Some(past), "an explicit updatedAt is kept");
    db.update(UserTable)
        .set(UserTable.admin, true)
        .execute()
        .await
        .expect("touch");
    let touched = db
        .select_fields(UserTable.updated_at)
        .from(UserTable)
        .first()
        .await
        .expect("date");
    assert!(
        touched.is_some_and(|t| t > past),
        "autoUpdate refreshes updatedAt: {touched:?}"
    );
}

async fn stream_rows(db: &Db) {
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

async fn unique_violations_are_recognised(db: &Db) {
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

async fn nulls_are_never_made_up(db: &Db) {
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

async fn left_joined_columns_are_options(db: &Db) {
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

async fn raw_fragments_keep_their_precedence(db: &Db) {
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

async fn comparing_with_none_asks_is_null(db: &Db) {
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

async fn like_means_the_same_everywhere(test: &TestDb) {
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
}

async fn enum_props_are_rust_enums(db: &Db) {
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
async fn long_in_lists(db: &Db) {
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

per_backend!(
    db: [
        insert_a_user,
        select_by_username,
        count_star_via_sql,
        count_column_via_a_helper,
        pass_a_where_clause_into_a_function,
        pass_a_raw_sql_where_clause,
        extend_a_where_with_a_callback,
        order_by_one_and_two_terms,
        group_by,
        pass_an_unfinished_select_into_a_function,
        limit_and_offset,
        update,
        delete,
        insert_many_and_the_first_id,
        the_other_helpers,
        aggregates,
        joins,
        json_and_dates_round_trip,
        stream_rows,
        unique_violations_are_recognised,
        nulls_are_never_made_up,
        left_joined_columns_are_options,
        raw_fragments_keep_their_precedence,
        comparing_with_none_asks_is_null,
        enum_props_are_rust_enums,
        long_in_lists,
    ],
    test: [like_means_the_same_everywhere],
);
