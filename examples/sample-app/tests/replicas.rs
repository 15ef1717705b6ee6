//! Read routing on SQLite, MariaDB and PostgreSQL, with "replicas" that are other
//! databases on the same server (so where a read went shows in what it reads): reads go
//! round-robin to the replicas, writes and transactions to the primary, `primary()` reads
//! the primary, and a replica that does not answer is skipped without an error. Real
//! replication (a Galera cluster, a PostgreSQL standby) is tested by `replication.rs`.

use ving::config::{Backend, DatabaseUrl};
use ving::drizzle::{count, eq, Db};
use ving::schema::{SchemaOptions, SchemaSet};
use ving::table::TableModel;
use ving::testing::TestDb;
use ving_sample_app::drizzle::schema::{UserInsert, UserTable};

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

/// A database with the sample tables and one user named after it.
async fn database(backend: Backend, name: &str) -> Option<TestDb> {
    let test = TestDb::fresh_or_skip(backend).await?;
    test.db().create_tables(&model()).await.expect("tables");
    test.db()
        .insert(UserTable)
        .values([user(name)])
        .execute()
        .await
        .expect("user");
    Some(test)
}

async fn names(db: &Db) -> Vec<String> {
    db.select_fields(UserTable.username)
        .from(UserTable)
        .order_by(UserTable.id)
        .all()
        .await
        .expect("read")
}

fn url(test: &TestDb) -> DatabaseUrl {
    DatabaseUrl::parse(test.url()).expect("url")
}

/// A replica that refuses connections (nothing listens on port 9 of loopback).
fn unreachable(backend: Backend) -> DatabaseUrl {
    let text = match backend {
        Backend::MySql => "mysql://root@127.0.0.1:9/test",
        Backend::Postgres => "postgres://postgres@127.0.0.1:9/test",
        Backend::Sqlite => "sqlite:///nonexistent-folder/replica.db?mode=ro",
    };
    DatabaseUrl::parse(text).expect("url")
}

async fn routing(backend: Backend) {
    let Some(primary) = database(backend, "primary").await else {
        return;
    };
    let Some(one) = database(backend, "one").await else {
        return;
    };
    let Some(two) = database(backend, "two").await else {
        return;
    };
    let root = std::env::temp_dir();
    let lag = std::time::Duration::from_secs(5);
    let db = Db::connect_with_replicas(&url(&primary), &[url(&one), url(&two)], &root, lag)
        .await
        .expect("connect");
    assert_eq!(db.replica_count(), 2);

    // Reads go to each replica in turn.
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..4 {
        seen.extend(names(&db).await);
    }
    seen.sort();
    assert_eq!(seen, ["one", "one", "two", "two"]);

    // Writes go to the primary; so do reads through primary() and inside transactions.
    db.insert(UserTable)
        .values([user("written")])
        .execute()
        .await
        .expect("write");
    assert_eq!(names(&db.primary()).await, ["primary", "written"]);
    let tx = db.begin().await.expect("begin");
    let inside = tx
        .select_fields(count())
        .from(UserTable)
        .first()
        .await
        .expect("count");
    assert_eq!(inside, Some(2));
    tx.commit().await.expect("commit");
    let updated = db
        .update(UserTable)
        .set(UserTable.admin, true)
        .where_(eq(UserTable.username, "written"))
        .execute()
        .await
        .expect("update");
    assert_eq!(updated, 1, "the update ran on the primary");
    // A locking select reads the primary too.
    let locked = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .where_(eq(UserTable.admin, true))
        .for_update()
        .all()
        .await
        .expect("for update");
    assert_eq!(locked, ["written"]);

    // Streams read a replica as well.
    let mut stream = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .stream();
    let first = futures_util::StreamExt::next(&mut stream).await;
    assert!(
        matches!(first.as_ref(), Some(Ok(name)) if name == "one" || name == "two"),
        "{first:?}"
    );
    drop(stream);
    db.close().await;

    // A replica that does not answer: reads go on, from the primary or the healthy one.
    let db = Db::connect_with_replicas(
        &url(&primary),
        &[unreachable(backend), url(&one)],
        &root,
        lag,
    )
    .await
    .expect("connect with a dead replica");
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..4 {
        seen.extend(names(&db).await);
    }
    assert!(
        seen.iter()
            .all(|n| n == "one" || n == "primary" || n == "written"),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|n| n == "one"),
        "the healthy replica serves reads: {seen:?}"
    );
    db.close().await;
    for test in [primary, one, two] {
        test.cleanup().await;
    }
}

#[tokio::test]
async fn reads_are_routed_on_sqlite() {
    routing(Backend::Sqlite).await;
}

#[tokio::test]
async fn reads_are_routed_on_mariadb() {
    routing(Backend::MySql).await;
}

#[tokio::test]
async fn reads_are_routed_on_postgres() {
    routing(Backend::Postgres).await;
}
