//! "One query, one answer", part two: what a differential trial of the query builder
//! found where SQLite, MariaDB and PostgreSQL answered differently, each now one answer
//! (or one error before the database) on every backend.

#[macro_use]
mod common;

use common::{setup, user};
use ving::config::Backend;
use ving::drizzle::{eq, like, Db, DbError};
use ving::testing::Collation;
use ving_sample_app::drizzle::schema::{UserInsert, UserTable};

/// The text of a statement's error, whatever the backend.
fn refused(result: Result<impl std::fmt::Debug, DbError>) -> String {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(e) => e.to_string(),
    }
}

/// A NUL character in text is refused before the database on every backend (PostgreSQL
/// stores none; SQLite's `like` ended the pattern there and matched every row).
async fn text_with_a_nul_is_refused(db: &Db) {
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
    let inserted = db
        .insert(UserTable)
        .values([UserInsert {
            username: Some("nul\0byte".into()),
            ..user("nul")
        }])
        .execute()
        .await;
    assert!(refused(inserted).contains("NUL character"));
    let mut rows = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .where_(eq(UserTable.username, "a\0b"))
        .stream();
    use futures_util::StreamExt as _;
    let first = rows.next().await.expect("an item");
    assert!(refused(first).contains("NUL character"));
    let count = db.select_fields(UserTable.id).from(UserTable).all().await;
    assert_eq!(count.expect("the users").len(), 2, "nothing was written");
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

per_backend!(
    db: [text_with_a_nul_is_refused, a_pattern_ending_in_a_lone_backslash_is_refused],
    test: [],
);
