//! Transactions on SQLite, MariaDB and PostgreSQL: commit, rollback, drop, savepoints,
//! the closure form (including a panic), atomic multi-statement inserts, streams inside
//! a transaction, isolation levels, and 500 concurrent transactions on one pool.

use futures_util::StreamExt;
use ving::config::Backend;
use ving::drizzle::{count, eq, sql, Db, DbError, Isolation, Tx};
use ving::schema::{SchemaOptions, SchemaSet};
use ving::table::TableModel;
use ving::testing::TestDb;
use ving_sample_app::drizzle::schema::{
    APIKeyInsert, APIKeyTable, S3FileInsert, S3FileTable, UserInsert, UserTable,
};

fn model() -> TableModel {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas");
    TableModel::from_schemas(&SchemaSet::load(&dir, &SchemaOptions::default()).expect("schemas"))
}

fn user(name: &str) -> UserInsert {
    UserInsert {
        username: Some(name.into()),
        email: Some(format!("{name}@example.com")),
        ..UserInsert::new(String::new())
    }
}

async fn usernames(db: &Db) -> Vec<String> {
    db.select_fields(UserTable.username)
        .from(UserTable)
        .order_by(UserTable.username)
        .all()
        .await
        .expect("usernames")
}

async fn insert(tx: &Tx<'_>, name: &str) {
    tx.insert(UserTable)
        .values([user(name)])
        .execute()
        .await
        .expect("insert");
}

async fn rollback_leaves_nothing(db: &Db) {
    let tx = db.begin().await.expect("begin");
    insert(&tx, "rita").await;
    let inside = tx
        .select_fields(count())
        .from(UserTable)
        .first()
        .await
        .expect("count");
    assert_eq!(inside, Some(1), "the transaction sees its own write");
    tx.rollback().await.expect("rollback");
    assert!(usernames(db).await.is_empty());
}

async fn commit_persists(db: &Db) {
    let tx = db.begin().await.expect("begin");
    insert(&tx, "rita").await;
    tx.update(UserTable)
        .set(UserTable.real_name, "Rita")
        .where_(eq(UserTable.username, "rita"))
        .execute()
        .await
        .expect("update");
    tx.commit().await.expect("commit");
    assert_eq!(usernames(db).await, ["rita"]);
}

async fn dropping_rolls_back(db: &Db) {
    {
        let tx = db.begin().await.expect("begin");
        insert(&tx, "rita").await;
    }
    assert!(usernames(db).await.is_empty());
    // The connection went back to the pool clean: the next transaction works.
    let tx = db.begin().await.expect("begin again");
    insert(&tx, "joe").await;
    tx.commit().await.expect("commit");
    assert_eq!(usernames(db).await, ["joe"]);
}

async fn savepoints_nest(db: &Db) {
    let mut tx = db.begin().await.expect("begin");
    insert(&tx, "rita").await;
    {
        let inner = tx.begin().await.expect("savepoint");
        assert_eq!(inner.depth(), 2);
        insert(&inner, "joe").await;
        inner.rollback().await.expect("rollback savepoint");
    }
    {
        let inner = tx.begin().await.expect("savepoint");
        insert(&inner, "ann").await;
        inner.commit().await.expect("release savepoint");
    }
    {
        let inner = tx.begin().await.expect("savepoint");
        insert(&inner, "dropped").await;
    }
    insert(&tx, "zed").await;
    tx.commit().await.expect("commit");
    assert_eq!(usernames(db).await, ["ann", "rita", "zed"]);

    // A committed savepoint still goes with its transaction's rollback.
    let mut tx = db.begin().await.expect("begin");
    let inner = tx.begin().await.expect("savepoint");
    insert(&inner, "gone").await;
    inner.commit().await.expect("release");
    tx.rollback().await.expect("rollback");
    assert_eq!(usernames(db).await, ["ann", "rita", "zed"]);
}

/// A failed statement never turns a commit into lost work reported as success. PostgreSQL
/// aborts the whole transaction on a failed statement: its commit is then an error
/// (`DbError::Aborted`) and nothing is kept; SQLite and MariaDB keep the other statements.
/// Inside a savepoint, the failure is undone alone on every backend.
async fn a_failed_statement_never_commits_silently(db: &Db) {
    let aborts = db.backend() == Backend::Postgres;
    let tx = db.begin().await.expect("begin");
    insert(&tx, "kept").await;
    let duplicate = tx.insert(UserTable).values([user("kept")]).execute().await;
    assert!(duplicate.is_err(), "a duplicate username");
    let committed = tx.commit().await;
    if aborts {
        assert!(
            matches!(committed, Err(DbError::Aborted { .. })),
            "{committed:?}"
        );
        assert!(usernames(db).await.is_empty());
    } else {
        committed.expect("commit");
        assert_eq!(usernames(db).await, ["kept"]);
    }

    // The statement that may fail in a savepoint: the same answer everywhere.
    let mut tx = db.begin().await.expect("begin");
    insert(&tx, "one").await;
    let inner = tx.begin().await.expect("savepoint");
    let duplicate = inner
        .insert(UserTable)
        .values([user("one")])
        .execute()
        .await;
    assert!(duplicate.is_err());
    inner.rollback().await.expect("rollback the savepoint");
    insert(&tx, "two").await;
    tx.commit().await.expect("commit");
    let names = usernames(db).await;
    assert!(names.contains(&"one".to_owned()) && names.contains(&"two".to_owned()));

    // The closure form that swallows the failure and returns Ok.
    let result: Result<(), DbError> = db
        .transaction(|tx| async move {
            insert(&tx, "three").await;
            let _ = tx.insert(UserTable).values([user("three")]).execute().await;
            Ok(())
        })
        .await;
    let kept = usernames(db).await.contains(&"three".to_owned());
    if aborts {
        assert!(matches!(result, Err(DbError::Aborted { .. })), "{result:?}");
        assert!(!kept);
    } else {
        result.expect("committed");
        assert!(kept);
    }
}

async fn the_closure_form(db: &Db) {
    let id = db
        .transaction(|tx| async move {
            let done = tx
                .insert(UserTable)
                .values([user("rita")])
                .execute()
                .await?;
            Ok::<_, DbError>(done.insert_id)
        })
        .await
        .expect("committed");
    assert_eq!(id, Some(1));
    let failed: Result<(), DbError> = db
        .transaction(|tx| async move {
            tx.insert(UserTable).values([user("joe")]).execute().await?;
            Err(DbError::Invalid("changed my mind".into()))
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(usernames(db).await, ["rita"], "Err rolls back");

    let owned = db.clone();
    let panicked = tokio::spawn(async move {
        owned
            .transaction(|tx| async move {
                tx.insert(UserTable).values([user("ann")]).execute().await?;
                if tx.depth() == 1 {
                    panic!("a bug inside the transaction");
                }
                Ok::<_, DbError>(())
            })
            .await
    })
    .await;
    assert!(panicked.expect_err("the task panicked").is_panic());
    assert_eq!(usernames(db).await, ["rita"], "a panic rolls back");

    // Nested closure form: a savepoint kept on Ok, undone on Err.
    let mut tx = db.begin().await.expect("begin");
    tx.transaction(|inner| async move {
        inner
            .insert(UserTable)
            .values([user("kept")])
            .execute()
            .await?;
        Ok::<_, DbError>(())
    })
    .await
    .expect("kept");
    let undone: Result<(), DbError> = tx
        .transaction(|inner| async move {
            inner
                .insert(UserTable)
                .values([user("undone")])
                .execute()
                .await?;
            Err(DbError::Invalid("no".into()))
        })
        .await;
    assert!(undone.is_err());
    tx.commit().await.expect("commit");
    assert_eq!(usernames(db).await, ["kept", "rita"]);
}

/// Three rows giving different columns make three statements; the third is a
/// duplicate. Nothing of the insert may stay.
fn split_insert_with_a_duplicate() -> Vec<UserInsert> {
    let mut joe = user("joe");
    joe.real_name = Some("Joe".into());
    vec![user("rita"), joe, user("rita")]
}

async fn split_inserts_are_atomic(db: &Db) {
    let error = db
        .insert(UserTable)
        .values(split_insert_with_a_duplicate())
        .execute()
        .await
        .expect_err("duplicate");
    assert!(error.is_unique_violation(), "{error}");
    assert!(
        usernames(db).await.is_empty(),
        "no chunk of a failed insert stays"
    );

    // Inside a transaction: a savepoint; the transaction goes on and keeps its own work.
    let tx = db.begin().await.expect("begin");
    insert(&tx, "ann").await;
    let error = tx
        .insert(UserTable)
        .values(split_insert_with_a_duplicate())
        .execute()
        .await
        .expect_err("duplicate");
    assert!(error.is_unique_violation(), "{error}");
    insert(&tx, "zed").await;
    tx.commit().await.expect("commit");
    assert_eq!(usernames(db).await, ["ann", "zed"]);

    // And a split insert that succeeds keeps every row.
    let mut joe = user("joe");
    joe.real_name = Some("Joe".into());
    let done = db
        .insert(UserTable)
        .values([user("rita"), joe, user("bob")])
        .execute()
        .await
        .expect("insert");
    assert_eq!(done.rows_affected, 3);
}

async fn streams_and_raw_sql_in_a_transaction(db: &Db) {
    let tx = db.begin().await.expect("begin");
    for name in ["rita", "joe", "ann"] {
        insert(&tx, name).await;
    }
    let changed = tx
        .run(sql!(
            "UPDATE users SET bio = {} WHERE {} <> {}",
            "from sql!",
            UserTable.username,
            "ann"
        ))
        .await
        .expect("raw update");
    assert_eq!(changed.rows_affected, 2);
    let mut stream = tx
        .select_fields((UserTable.username, UserTable.bio))
        .from(UserTable)
        .order_by(UserTable.username)
        .stream();
    let mut seen = Vec::new();
    while let Some(row) = stream.next().await {
        seen.push(row.expect("row"));
    }
    drop(stream);
    assert_eq!(
        seen,
        [
            ("ann".to_owned(), String::new()),
            ("joe".to_owned(), "from sql!".to_owned()),
            ("rita".to_owned(), "from sql!".to_owned()),
        ]
    );
    tx.commit().await.expect("commit");
    assert_eq!(usernames(db).await, ["ann", "joe", "rita"]);
}

async fn isolation_levels(db: &Db) {
    for level in [
        Isolation::ReadUncommitted,
        Isolation::ReadCommitted,
        Isolation::RepeatableRead,
        Isolation::Serializable,
    ] {
        let tx = db.begin_with(level).await.expect("begin");
        insert(&tx, &format!("{level:?}").to_lowercase()).await;
        if db.backend() == Backend::Postgres {
            let shown = tx
                .fetch_all("SHOW transaction_isolation", Vec::new(), |row| {
                    row.get_string(0)
                })
                .await
                .expect("show");
            let expected = match level {
                Isolation::ReadUncommitted => "read uncommitted",
                Isolation::ReadCommitted => "read committed",
                Isolation::RepeatableRead => "repeatable read",
                Isolation::Serializable => "serializable",
            };
            assert_eq!(shown, [expected]);
        }
        tx.commit().await.expect("commit");
    }
    assert_eq!(usernames(db).await.len(), 4);
}

async fn ended_transactions_refuse_work(db: &Db) {
    let escaped = db
        .transaction(|tx| async move { Ok::<_, DbError>(tx) })
        .await
        .expect("committed");
    let error = escaped
        .insert(UserTable)
        .values([user("late")])
        .execute()
        .await
        .expect_err("the transaction has ended");
    assert!(error.to_string().contains("already ended"), "{error}");
    assert!(usernames(db).await.is_empty());
}

/// A held connection: one connection for a sequence of builders (a temporary table lives
/// as long as it does), transactions begun on it, and not a transaction itself.
async fn held_connections(db: &Db) {
    let mut conn = db.connection().await.expect("connection");
    assert_eq!(conn.depth(), 0);
    let create = match db.backend() {
        Backend::MySql => "CREATE TEMPORARY TABLE scratch (n int)",
        _ => "CREATE TEMPORARY TABLE scratch (n integer)",
    };
    conn.execute_script(create).await.expect("temporary table");
    conn.run(sql!("INSERT INTO scratch (n) VALUES ({})", 7))
        .await
        .expect("insert");
    let seen = conn
        .fetch_all("SELECT n FROM scratch", Vec::new(), |row| row.get_i32(0))
        .await
        .expect("the same connection sees its temporary table");
    assert_eq!(seen, [7]);
    insert(&conn, "outside").await;
    {
        let tx = conn.begin().await.expect("a transaction on the connection");
        insert(&tx, "undone").await;
        tx.rollback().await.expect("rollback");
    }
    {
        let tx = conn.begin().await.expect("another");
        insert(&tx, "kept").await;
        tx.commit().await.expect("commit");
    }
    assert_eq!(
        conn.select_fields(count())
            .from(UserTable)
            .first()
            .await
            .expect("count"),
        Some(2)
    );
    let error = db
        .connection()
        .await
        .expect("connection")
        .commit()
        .await
        .expect_err("a held connection is not a transaction");
    assert!(error.to_string().contains("not a transaction"), "{error}");
    drop(conn);
    assert_eq!(usernames(db).await, ["kept", "outside"]);
}

/// 500 tasks, each a transaction on the test pool (10 connections): an insert and an
/// increment of one shared counter. Every write lands once.
async fn concurrent_transactions(db: &Db) {
    db.insert(UserTable)
        .values([user("owner")])
        .execute()
        .await
        .expect("owner");
    db.insert(S3FileTable)
        .values([S3FileInsert {
            size_in_bytes: Some(0),
            ..S3FileInsert::new(1)
        }])
        .execute()
        .await
        .expect("counter");
    let mut tasks = Vec::new();
    for i in 0..500 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            db.transaction(|tx| async move {
                tx.insert(APIKeyTable)
                    .values([APIKeyInsert {
                        name: Some(format!("key {i}")),
                        ..APIKeyInsert::new(String::new(), String::new(), 1)
                    }])
                    .execute()
                    .await?;
                tx.update(S3FileTable)
                    .set(
                        S3FileTable.size_in_bytes,
                        sql!("{} + 1", S3FileTable.size_in_bytes).typed::<i32>(),
                    )
                    .where_(eq(S3FileTable.id, 1))
                    .execute()
                    .await?;
                Ok::<_, DbError>(())
            })
            .await
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("transaction");
    }
    let keys = db
        .select_fields(count())
        .from(APIKeyTable)
        .first()
        .await
        .expect("count");
    assert_eq!(keys, Some(500));
    let counter = db
        .select_fields(S3FileTable.size_in_bytes)
        .from(S3FileTable)
        .first()
        .await
        .expect("counter");
    assert_eq!(counter, Some(500));
}

macro_rules! per_backend {
    ($($test:ident),+ $(,)?) => {
        per_backend!(@backend sqlite, Backend::Sqlite, $($test),+);
        per_backend!(@backend mariadb, Backend::MySql, $($test),+);
        per_backend!(@backend postgres, Backend::Postgres, $($test),+);
    };
    (@backend $module:ident, $backend:expr, $($test:ident),+) => {
        mod $module {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let Some(test) = TestDb::fresh_or_skip($backend).await else {
                        return;
                    };
                    test.db().create_tables(&model()).await.expect("create tables");
                    super::$test(test.db()).await;
                    test.cleanup().await;
                }
            )+
        }
    };
}

per_backend!(
    rollback_leaves_nothing,
    commit_persists,
    dropping_rolls_back,
    savepoints_nest,
    a_failed_statement_never_commits_silently,
    the_closure_form,
    split_inserts_are_atomic,
    streams_and_raw_sql_in_a_transaction,
    isolation_levels,
    ended_transactions_refuse_work,
    held_connections,
    concurrent_transactions,
);
