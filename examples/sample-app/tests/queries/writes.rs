//! Writing and combining: update, delete, many inserts, the other helpers, aggregates and joins.

use super::*;

pub(super) async fn update(db: &Db) {
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

pub(super) async fn delete(db: &Db) {
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

pub(super) async fn insert_many_and_the_first_id(db: &Db) {
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

pub(super) async fn the_other_helpers(db: &Db) {
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

pub(super) async fn aggregates(db: &Db) {
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

pub(super) async fn joins(db: &Db) {
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
