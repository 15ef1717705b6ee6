//! "One query, one answer", part two: what a differential trial of the query builder
//! found where SQLite, MariaDB and PostgreSQL answered differently, each now one answer
//! (or one error before the database) on every backend.

#[macro_use]
mod common;

use common::{setup, user};
use ving::config::Backend;
use ving::drizzle::{eq, like, Db, DbError};
use ving::testing::Collation;
use ving_sample_app::drizzle::schema::{S3FileInsert, S3FileTable, UserInsert, UserTable};

/// The text of a statement's error, whatever the backend.
fn refused(result: Result<impl std::fmt::Debug, DbError>) -> String {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(e) => e.to_string(),
    }
}

/// A NUL character in a `like` pattern is refused before the database on every backend
/// (SQLite ended the pattern there and matched every row; PostgreSQL refuses NUL in text),
/// in a select and in a stream.
async fn a_pattern_with_a_nul_is_refused(db: &Db) {
    db.insert(UserTable)
        .values([user("rita"), user("joe")])
        .execute()
        .await
        .expect("users");
    let matched = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .where_(like(UserTable.username, "%\0zzz%"))
        .all()
        .await;
    assert!(refused(matched).contains("NUL character"));
    let mut rows = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .where_(like(UserTable.username, "a\0b"))
        .stream();
    use futures_util::StreamExt as _;
    let first = rows.next().await.expect("an item");
    assert!(refused(first).contains("NUL character"));
}

/// A `like` pattern ending in a lone backslash (an escape of nothing) is an error on
/// every backend; an escaped one (`\\`) matches a backslash.
async fn a_pattern_ending_in_a_lone_backslash_is_refused(db: &Db) {
    db.insert(UserTable)
        .values([UserInsert {
            username: Some("back\\".into()),
            ..user("back")
        }])
        .execute()
        .await
        .expect("a user");
    let lone = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .where_(like(UserTable.username, "back\\"))
        .all()
        .await;
    assert!(refused(lone).contains("ends in a lone \\"));
    let escaped = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .where_(like(UserTable.username, "back\\\\"))
        .all()
        .await
        .expect("an escaped backslash");
    assert_eq!(escaped, ["back\\"]);
}

/// `future`'s output, or a failure naming `what` when it never ends.
async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(20), future)
        .await
        .unwrap_or_else(|_| panic!("{what} never ended"))
}

/// Reading a stream over the pool while writing each row works on every backend (SQLite
/// runs in write-ahead-log mode: a reader does not stop a writer). Inside a transaction
/// the stream holds the transaction's one connection: a statement of the transaction
/// while it is open is an error at once, never a wait without end.
async fn a_stream_and_writes_never_deadlock(db: &Db) {
    use futures_util::StreamExt as _;
    let users: Vec<UserInsert> = (0..20).map(|i| user(&format!("s{i:02}"))).collect();
    db.insert(UserTable)
        .values(users)
        .execute()
        .await
        .expect("users");
    let streamed = within("a stream over the pool with a write per row", async {
        let mut rows = db.select_fields(UserTable.id).from(UserTable).stream();
        let mut seen = 0;
        while let Some(id) = rows.next().await {
            let id = id.expect("a row");
            db.update(UserTable)
                .set(UserTable.real_name, "seen")
                .where_(eq(UserTable.id, id))
                .execute()
                .await
                .expect("a write while the stream reads");
            seen += 1;
        }
        seen
    })
    .await;
    assert_eq!(streamed, 20);
    let tx = db.begin().await.expect("begin");
    let refused_write = within("a write in a transaction with a stream open", async {
        let mut rows = tx.select_fields(UserTable.id).from(UserTable).stream();
        rows.next().await.expect("a row").expect("read");
        let write = tx
            .update(UserTable)
            .set(UserTable.real_name, "in tx")
            .execute()
            .await;
        drop(rows);
        write
    })
    .await;
    assert!(
        refused(refused_write).contains("a stream of this transaction is still open"),
        "an error at once"
    );
    // Once the stream is gone the transaction goes on.
    tx.update(UserTable)
        .set(UserTable.real_name, "in tx")
        .execute()
        .await
        .expect("the write after the stream");
    tx.commit().await.expect("commit");
}

/// Dates and times are kept to the second on every backend (ving's columns hold whole
/// seconds): a fraction is dropped before it is written, so what is read back is what
/// `eq` finds, and the database's own `now()` (PostgreSQL's has microseconds) is whole
/// seconds too.
async fn times_are_kept_to_the_second(db: &Db) {
    use ving::drizzle::NaiveDateTime;
    let written =
        NaiveDateTime::parse_from_str("2026-03-04 05:06:07.123456789", "%F %T%.f").expect("a time");
    let second = NaiveDateTime::parse_from_str("2026-03-04 05:06:07", "%F %T").expect("a time");
    db.insert(UserTable)
        .values([
            UserInsert {
                created_at: Some(written),
                ..user("fraction")
            },
            user("now"),
        ])
        .execute()
        .await
        .expect("users");
    let read = db
        .select_fields(UserTable.created_at)
        .from(UserTable)
        .where_(eq(UserTable.username, "fraction"))
        .all()
        .await
        .expect("read");
    assert_eq!(read, [second]);
    for time in [written, second] {
        let found = db
            .select_fields(UserTable.username)
            .from(UserTable)
            .where_(eq(UserTable.created_at, time))
            .all()
            .await
            .expect("eq");
        assert_eq!(found, ["fraction"], "eq({time}) finds the row written");
    }
    let defaulted = db
        .select_fields(UserTable.created_at)
        .from(UserTable)
        .where_(eq(UserTable.username, "now"))
        .all()
        .await
        .expect("read");
    assert_eq!(
        defaulted[0].and_utc().timestamp_subsec_nanos(),
        0,
        "now() is whole seconds: {defaulted:?}"
    );
}

/// NULLs sort as the smallest values on every backend (first ascending, last
/// descending); `nulls_first()`/`nulls_last()` choose otherwise, on every backend.
async fn nulls_sort_alike(db: &Db) {
    use ving::drizzle::{asc, desc};
    db.insert(UserTable)
        .values([user("owner")])
        .execute()
        .await
        .expect("owner");
    db.insert(S3FileTable)
        .values([S3FileInsert::new(1), S3FileInsert::new(1)])
        .execute()
        .await
        .expect("files");
    let with_avatar = |name: &str, avatar: Option<i64>| UserInsert {
        avatar_id: avatar,
        ..user(name)
    };
    db.insert(UserTable)
        .values([
            with_avatar("two", Some(2)),
            with_avatar("none", None),
            with_avatar("one", Some(1)),
        ])
        .execute()
        .await
        .expect("users");
    let order = |order: ving::drizzle::Order<UserTable>| async move {
        db.select_fields(UserTable.username)
            .from(UserTable)
            .where_(ving::drizzle::ne(UserTable.username, "owner"))
            .order_by(order)
            .all()
            .await
            .expect("ordered")
    };
    assert_eq!(
        order(asc(UserTable.avatar_id)).await,
        ["none", "one", "two"]
    );
    assert_eq!(
        order(desc(UserTable.avatar_id)).await,
        ["two", "one", "none"]
    );
    assert_eq!(
        order(asc(UserTable.avatar_id).nulls_last()).await,
        ["one", "two", "none"]
    );
    assert_eq!(
        order(desc(UserTable.avatar_id).nulls_first()).await,
        ["none", "two", "one"]
    );
}

/// `in_subquery` of a subquery with `order_by` and `limit` works on every backend
/// (MariaDB refuses LIMIT in an IN subquery: it is wrapped in a derived table there).
async fn an_in_subquery_may_have_a_limit(db: &Db) {
    use ving::drizzle::{desc, in_subquery};
    let users: Vec<UserInsert> = ["ann", "bob", "cy", "dee"].map(user).into();
    db.insert(UserTable)
        .values(users)
        .execute()
        .await
        .expect("users");
    let last_two = db
        .select_fields(UserTable.id)
        .from(UserTable)
        .order_by(desc(UserTable.id))
        .limit(2)
        .values_for();
    let names = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .where_(in_subquery(UserTable.id, last_two))
        .order_by(UserTable.username)
        .all()
        .await
        .expect("in a limited subquery");
    assert_eq!(names, ["cy", "dee"]);
}

/// An update refreshes `updatedAt` (an `autoUpdate` prop) on every backend, even when
/// nothing else changes (MariaDB's `ON UPDATE` skipped such rows), and `RETURNING` reads
/// the refreshed value (SQLite's trigger ran after it).
async fn auto_update_is_refreshed_alike(db: &Db) {
    use ving::drizzle::NaiveDateTime;
    db.insert(UserTable)
        .values([user("rita")])
        .execute()
        .await
        .expect("rita");
    let long_ago = NaiveDateTime::parse_from_str("2000-01-01 00:00:00", "%F %T").expect("time");
    db.update(UserTable)
        .set(UserTable.updated_at, long_ago)
        .execute()
        .await
        .expect("an explicit updatedAt is kept");
    let stored = || async {
        db.select_fields(UserTable.updated_at)
            .from(UserTable)
            .all()
            .await
            .expect("updatedAt")[0]
    };
    assert_eq!(stored().await, long_ago);
    // Sets realName to what it already is: nothing changes but the time.
    let unchanged = db.update(UserTable).set(UserTable.real_name, "RITA");
    if db.backend() == Backend::MySql {
        unchanged.execute().await.expect("update");
    } else {
        let returned = unchanged.returning().await.expect("update returning");
        assert_eq!(
            returned[0].updated_at,
            stored().await,
            "RETURNING reads the stored time"
        );
    }
    assert!(stored().await > long_ago, "updatedAt is refreshed");
}

/// Generated ids continue after explicit ones on every backend (PostgreSQL's identity
/// sequence is moved past them; MySQL and SQLite move their counters themselves).
async fn generated_ids_follow_explicit_ones(db: &Db) {
    let done = db
        .insert(UserTable)
        .values([UserInsert {
            id: Some(10),
            ..user("ten")
        }])
        .execute()
        .await
        .expect("an explicit id");
    assert_eq!(done.rows_affected, 1);
    let next = db
        .insert(UserTable)
        .values([user("next")])
        .execute()
        .await
        .expect("a generated id after an explicit one");
    assert_eq!(next.insert_id, Some(11));
    let rows = db
        .insert(UserTable)
        .values([UserInsert {
            id: Some(20),
            ..user("twenty")
        }])
        .returning()
        .await
        .expect("an explicit id, returning");
    assert_eq!(rows[0].id, 20);
    let after = db
        .insert(UserTable)
        .values([user("after")])
        .execute()
        .await
        .expect("a generated id");
    assert_eq!(after.insert_id, Some(21));
}

/// A negative number in an id, relation or `bigInt` column (`bigint unsigned` on MySQL)
/// is refused before the database on every backend, in inserts and updates.
async fn negative_unsigned_values_are_refused(db: &Db) {
    let inserted = db
        .insert(UserTable)
        .values([UserInsert {
            id: Some(-5),
            ..user("minus")
        }])
        .execute()
        .await;
    assert!(refused(inserted).contains("users.id holds no negative number"));
    db.insert(UserTable)
        .values([user("rita")])
        .execute()
        .await
        .expect("rita");
    let updated = db
        .update(UserTable)
        .set(UserTable.avatar_id, Some(-1))
        .execute()
        .await;
    assert!(refused(updated).contains("users.avatarId holds no negative number"));
    let count = db.select_fields(UserTable.id).from(UserTable).all().await;
    assert_eq!(count.expect("users").len(), 1, "nothing else was written");
}

/// An enum column sorts by its values' declaration order on every backend (MariaDB's
/// enum type does; PostgreSQL and SQLite hold text), in the builder and in records.
async fn enums_sort_by_declaration(db: &Db) {
    use ving::drizzle::desc;
    use ving_sample_app::drizzle::schema::user::UseAsDisplayName;
    let named = |name: &str, shown: UseAsDisplayName| UserInsert {
        use_as_display_name: Some(shown),
        ..user(name)
    };
    db.insert(UserTable)
        .values([
            named("real", UseAsDisplayName::RealName),
            named("user", UseAsDisplayName::Username),
            named("mail", UseAsDisplayName::Email),
        ])
        .execute()
        .await
        .expect("users");
    let by = |order: ving::drizzle::Order<UserTable>| async move {
        db.select_fields(UserTable.username)
            .from(UserTable)
            .order_by(order)
            .all()
            .await
            .expect("ordered")
    };
    // Declared: username, email, realName.
    assert_eq!(
        by(ving::drizzle::asc(UserTable.use_as_display_name)).await,
        ["user", "mail", "real"]
    );
    assert_eq!(
        by(desc(UserTable.use_as_display_name)).await,
        ["real", "mail", "user"]
    );
}

/// Comparisons between a value type and its nullable form compile either way round:
/// a non-null column against a nullable one, a column against a scalar subquery (which
/// may be `NULL`), a nullable column `IN` a subquery of non-null values.
async fn nullable_and_non_null_compare_both_ways(db: &Db) {
    use ving::drizzle::{in_subquery, max};
    db.insert(UserTable)
        .values([user("first"), user("second")])
        .execute()
        .await
        .expect("users");
    db.insert(S3FileTable)
        .values([S3FileInsert::new(1)])
        .execute()
        .await
        .expect("a file");
    db.update(UserTable)
        .set(UserTable.avatar_id, Some(1))
        .where_(eq(UserTable.username, "first"))
        .execute()
        .await
        .expect("an avatar");
    let names = |condition: ving::drizzle::Condition<UserTable>| async move {
        db.select_fields(UserTable.username)
            .from(UserTable)
            .where_(condition)
            .order_by(UserTable.id)
            .all()
            .await
            .expect("select")
    };
    assert_eq!(
        names(eq(UserTable.id, UserTable.avatar_id).within(UserTable)).await,
        ["first"]
    );
    let newest = db.select_fields(max(UserTable.id)).from(UserTable).scalar();
    assert_eq!(names(eq(UserTable.id, newest)).await, ["second"]);
    let files = db
        .select_fields(S3FileTable.id)
        .from(S3FileTable)
        .values_for();
    assert_eq!(
        names(in_subquery(UserTable.avatar_id, files)).await,
        ["first"]
    );
}

/// An upsert says the same on every backend that returns rows: rows inserted or updated
/// (an updated row once, a row left alone not at all), the ids of those rows in order,
/// and `insert_id` the first new row's.
async fn upserts_count_alike(db: &Db) {
    use ving::drizzle::excluded;
    db.insert(UserTable)
        .values([user("rita")])
        .execute()
        .await
        .expect("rita");
    let mut renamed = user("rita");
    renamed.real_name = Some("Rita Repulsa".into());
    let done = db
        .insert(UserTable)
        .values([renamed.clone(), user("joe")])
        .on_conflict_do_update(UserTable.username, |set| {
            set.to(UserTable.real_name, excluded(UserTable.real_name))
        })
        .execute()
        .await
        .expect("upsert");
    if db.backend() == Backend::MySql && !db.supports_returning().await.expect("version") {
        return; // MySQL returns no rows: its counts are its own (README).
    }
    let joe = db
        .select_fields(UserTable.id)
        .from(UserTable)
        .where_(eq(UserTable.username, "joe"))
        .all()
        .await
        .expect("joe")[0];
    assert_eq!(done.rows_affected, 2, "one updated, one inserted");
    assert_eq!(done.ids, [1, joe], "the ids of the rows written, in order");
    assert_eq!(done.insert_id, Some(joe), "the first new row");
    let nothing = db
        .insert(UserTable)
        .values([renamed, user("ann")])
        .on_conflict_do_nothing()
        .execute()
        .await
        .expect("do nothing");
    let ann = db
        .select_fields(UserTable.id)
        .from(UserTable)
        .where_(eq(UserTable.username, "ann"))
        .all()
        .await
        .expect("ann")[0];
    assert_eq!(
        nothing.rows_affected, 1,
        "the conflicting row is left alone"
    );
    assert_eq!(nothing.ids, [ann]);
    assert_eq!(nothing.insert_id, Some(ann));
}

/// A query without one answer is refused before the database on every backend: a column
/// beside an aggregate that is not grouped by (without any `group_by` it does not compile:
/// `compile_fail/column_beside_aggregate_without_group_by.rs`; grouped by another column,
/// it is refused here), and a distinct select ordered by a column it does not select;
/// grouped and selected, they run.
async fn queries_without_one_answer_are_refused(db: &Db) {
    use ving::drizzle::{count, desc};
    db.insert(UserTable)
        .values([user("rita"), user("joe")])
        .execute()
        .await
        .expect("users");
    let loose = db
        .select_fields((UserTable.username, count()))
        .from(UserTable)
        .group_by(UserTable.email)
        .all()
        .await;
    assert!(refused(loose).contains("users.username is selected beside an aggregate"));
    let grouped = db
        .select_fields((UserTable.username, count()))
        .from(UserTable)
        .group_by(UserTable.username)
        .order_by(UserTable.username)
        .all()
        .await
        .expect("grouped");
    assert_eq!(grouped, [("joe".to_owned(), 1), ("rita".to_owned(), 1)]);
    let distinct = db
        .select_fields(UserTable.real_name)
        .from(UserTable)
        .distinct()
        .order_by(desc(UserTable.id))
        .all()
        .await;
    assert!(refused(distinct).contains("ordered by users.id, which it does not select"));
    let selected = db
        .select_fields(UserTable.real_name)
        .from(UserTable)
        .distinct()
        .order_by(UserTable.real_name)
        .all()
        .await
        .expect("distinct, ordered by what it selects");
    assert_eq!(selected, ["JOE", "RITA"]);
}

per_backend!(
    db: [
        queries_without_one_answer_are_refused,
        upserts_count_alike,
        nullable_and_non_null_compare_both_ways,
        enums_sort_by_declaration,
        negative_unsigned_values_are_refused,
        generated_ids_follow_explicit_ones,
        auto_update_is_refreshed_alike,
        an_in_subquery_may_have_a_limit,
        nulls_sort_alike,
        times_are_kept_to_the_second,
        a_pattern_with_a_nul_is_refused,
        a_pattern_ending_in_a_lone_backslash_is_refused,
        a_stream_and_writes_never_deadlock,
    ],
    test: [],
);
