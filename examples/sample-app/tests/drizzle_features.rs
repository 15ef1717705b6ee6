//! What drizzle users reach for, on SQLite, MariaDB and PostgreSQL: upserts, `returning`,
//! every inserted id, `distinct`, row locks, right and full joins, subqueries
//! (`in_subquery`, `exists`, scalar), selecting into the user's own structs, aliases for
//! self-joins, and where a database cannot, the error saying so.

use futures_util::StreamExt;
use ving::config::Backend;
use ving::drizzle::{
    and, asc, count, eq, excluded, gt, in_subquery, lt, not_in_subquery, sql, Alias, Db, DbError,
    NaiveDateTime,
};
use ving::schema::{SchemaOptions, SchemaSet};
use ving::table::TableModel;
use ving::testing::TestDb;
use ving_sample_app::drizzle::schema::{
    APIKeyInsert, APIKeyRow, APIKeyTable, UserInsert, UserRow, UserTable,
};

fn model() -> TableModel {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas");
    TableModel::from_schemas(&SchemaSet::load(&dir, &SchemaOptions::default()).expect("schemas"))
}

fn user(name: &str) -> UserInsert {
    UserInsert {
        username: Some(name.into()),
        email: Some(format!("{name}@example.com")),
        real_name: Some(name.to_uppercase()),
        ..UserInsert::new(String::new())
    }
}

fn key(name: &str, user_id: i64) -> APIKeyInsert {
    APIKeyInsert {
        name: Some(name.into()),
        ..APIKeyInsert::new(String::new(), String::new(), user_id)
    }
}

async fn real_names(db: &Db) -> Vec<(String, String)> {
    db.select_fields((UserTable.username, UserTable.real_name))
        .from(UserTable)
        .order_by(UserTable.username)
        .all()
        .await
        .expect("names")
}

async fn upserts(db: &Db) {
    db.insert(UserTable)
        .values([user("rita")])
        .execute()
        .await
        .expect("rita");
    let mut renamed = user("rita");
    renamed.real_name = Some("Rita Repulsa".into());
    db.insert(UserTable)
        .values([renamed.clone(), user("joe")])
        .on_conflict_do_update(UserTable.username, |set| {
            set.to(UserTable.real_name, excluded(UserTable.real_name))
        })
        .execute()
        .await
        .expect("upsert");
    assert_eq!(
        real_names(db).await,
        [
            ("joe".to_owned(), "JOE".to_owned()),
            ("rita".to_owned(), "Rita Repulsa".to_owned())
        ]
    );
    renamed.real_name = Some("ignored".into());
    db.insert(UserTable)
        .values([renamed])
        .on_conflict_do_nothing()
        .execute()
        .await
        .expect("do nothing");
    assert_eq!(real_names(db).await[1].1, "Rita Repulsa");
    // An update with a plain value, on a composite target.
    db.insert(UserTable)
        .values([user("joe")])
        .on_conflict_do_update((UserTable.username,), |set| set.to(UserTable.admin, true))
        .execute()
        .await
        .expect("upsert");
    let admins = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .where_(eq(UserTable.admin, true))
        .all()
        .await
        .expect("admins");
    assert_eq!(admins, ["joe"]);
}

async fn every_inserted_id(db: &Db) {
    let done = db
        .insert(UserTable)
        .values([user("a"), user("b"), user("c")])
        .execute()
        .await
        .expect("insert");
    assert_eq!(
        (done.insert_id, done.ids.as_slice()),
        (Some(1), &[1, 2, 3][..])
    );
    // Rows giving different columns are separate statements: still every id, in order.
    let mut d = user("d");
    d.admin = Some(true);
    let done = db
        .insert(UserTable)
        .values([user("e"), d, user("f")])
        .execute()
        .await
        .expect("insert");
    assert_eq!(done.ids, [4, 5, 6]);
}

async fn returning(db: &Db) {
    let rows: Vec<UserRow> = db
        .insert(UserTable)
        .values([user("rita"), user("joe")])
        .returning()
        .await
        .expect("insert returning");
    assert_eq!(
        rows.iter()
            .map(|r| (r.id, r.username.as_str()))
            .collect::<Vec<_>>(),
        [(1, "rita"), (2, "joe")]
    );
    assert!(!rows[0].admin, "database defaults come back too");
    let ids: Vec<(i64, String)> = db
        .insert(UserTable)
        .values([user("ann")])
        .returning_fields((UserTable.id, UserTable.email))
        .await
        .expect("fields");
    assert_eq!(ids, [(3, "ann@example.com".to_owned())]);

    let updated = db
        .update(UserTable)
        .set(UserTable.admin, true)
        .where_(gt(UserTable.id, 1))
        .returning_fields(UserTable.username)
        .await;
    match db.backend() {
        Backend::MySql => {
            let error = updated.expect_err("MySQL has no UPDATE … RETURNING");
            assert!(matches!(error, DbError::Unsupported { .. }), "{error}");
            assert!(error.to_string().contains("UPDATE … RETURNING"), "{error}");
        }
        _ => {
            let mut names = updated.expect("update returning");
            names.sort();
            assert_eq!(names, ["ann", "joe"]);
        }
    }

    let deleted: Vec<UserRow> = db
        .delete(UserTable)
        .where_(eq(UserTable.username, "rita"))
        .returning()
        .await
        .expect("delete returning (MariaDB 10.5+, PostgreSQL, SQLite)");
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].username, "rita");
}

async fn distinct_and_row_locks(db: &Db) {
    let mut joe = user("joe");
    joe.developer = Some(true);
    db.insert(UserTable)
        .values([user("rita"), user("ann"), joe])
        .execute()
        .await
        .expect("users");
    let flags = db
        .select_fields(UserTable.developer)
        .from(UserTable)
        .distinct()
        .order_by(UserTable.developer)
        .all()
        .await
        .expect("distinct");
    assert_eq!(flags, [false, true]);

    let tx = db.begin().await.expect("begin");
    let locked = tx
        .select()
        .from(UserTable)
        .where_(eq(UserTable.username, "rita"))
        .for_update()
        .all()
        .await
        .expect("for update");
    assert_eq!(locked.len(), 1);
    let shared = tx
        .select_fields(UserTable.id)
        .from(UserTable)
        .for_share()
        .all()
        .await
        .expect("for share");
    assert_eq!(shared.len(), 3);
    tx.update(UserTable)
        .set(UserTable.admin, true)
        .where_(eq(UserTable.id, locked[0].id))
        .execute()
        .await
        .expect("update");
    tx.commit().await.expect("commit");
}

async fn right_and_full_joins(db: &Db) {
    db.insert(UserTable)
        .values([user("rita"), user("joe")])
        .execute()
        .await
        .expect("users");
    db.insert(APIKeyTable)
        .values([key("deploy", 1)])
        .execute()
        .await
        .expect("key");
    let pairs: Vec<(Option<String>, String)> = db
        .select_fields((APIKeyTable.name, UserTable.username))
        .from(APIKeyTable)
        .right_join(UserTable, eq(APIKeyTable.user_id, UserTable.id))
        .order_by(asc(UserTable.id))
        .all()
        .await
        .expect("right join");
    assert_eq!(
        pairs,
        [
            (Some("deploy".to_owned()), "rita".to_owned()),
            (None, "joe".to_owned())
        ]
    );
    let rows: Vec<(Option<APIKeyRow>, UserRow)> = db
        .select()
        .from(APIKeyTable)
        .right_join(UserTable, eq(APIKeyTable.user_id, UserTable.id))
        .order_by(asc(UserTable.id))
        .all()
        .await
        .expect("right join rows");
    assert_eq!(rows[1].0, None);
    assert_eq!(rows[1].1.username, "joe");

    let full = db
        .select_fields((UserTable.username, APIKeyTable.name))
        .from(UserTable)
        .full_join(APIKeyTable, eq(APIKeyTable.user_id, UserTable.id))
        .order_by(asc(UserTable.id))
        .all()
        .await;
    match db.backend() {
        Backend::MySql => {
            let error = full.expect_err("no FULL JOIN on MariaDB");
            assert_eq!(
                error.to_string(),
                "MySQL/MariaDB does not support FULL JOIN"
            );
        }
        _ => {
            let full: Vec<(Option<String>, Option<String>)> = full.expect("full join");
            assert_eq!(
                full,
                [
                    (Some("rita".to_owned()), Some("deploy".to_owned())),
                    (Some("joe".to_owned()), None)
                ]
            );
        }
    }
}

async fn subqueries(db: &Db) {
    db.insert(UserTable)
        .values([user("rita"), user("joe"), user("ann")])
        .execute()
        .await
        .expect("users");
    db.insert(APIKeyTable)
        .values([key("one", 1), key("two", 1), key("three", 3)])
        .execute()
        .await
        .expect("keys");
    let owners = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .where_(in_subquery(
            UserTable.id,
            db.select_fields(APIKeyTable.user_id)
                .from(APIKeyTable)
                .where_(
                    eq(APIKeyTable.name, "one")
                        .or(eq(APIKeyTable.name, "three"))
                        .within(APIKeyTable),
                )
                .values_for(),
        ))
        .order_by(UserTable.username)
        .all()
        .await
        .expect("in subquery");
    assert_eq!(owners, ["ann", "rita"]);
    let keyless = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .where_(not_in_subquery(
            UserTable.id,
            db.select_fields(APIKeyTable.user_id)
                .from(APIKeyTable)
                .values_for(),
        ))
        .all()
        .await
        .expect("not in subquery");
    assert_eq!(keyless, ["joe"]);
    let with_keys = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .where_(
            db.select_fields(APIKeyTable.id)
                .from(APIKeyTable)
                .where_(sql!("{} = {}", APIKeyTable.user_id, UserTable.id))
                .exists()
                .within(UserTable),
        )
        .order_by(UserTable.username)
        .all()
        .await
        .expect("exists");
    assert_eq!(with_keys, ["ann", "rita"]);
    let without = db
        .select()
        .from(UserTable)
        .where_(
            db.select()
                .from(APIKeyTable)
                .where_(sql!("{} = {}", APIKeyTable.user_id, UserTable.id))
                .not_exists(),
        )
        .all()
        .await
        .expect("not exists");
    assert_eq!(without.len(), 1);
    let counts: Vec<(String, Option<i64>)> = db
        .select_fields((
            UserTable.username,
            db.select_fields(count())
                .from(APIKeyTable)
                .where_(sql!("{} = {}", APIKeyTable.user_id, UserTable.id))
                .scalar(),
        ))
        .from(UserTable)
        .order_by(UserTable.id)
        .all()
        .await
        .expect("scalar subquery");
    assert_eq!(
        counts,
        [
            ("rita".to_owned(), Some(2)),
            ("joe".to_owned(), Some(0)),
            ("ann".to_owned(), Some(1))
        ]
    );
}

ving::select_struct! {
    /// A user and the name of one of their keys.
    #[derive(Debug, PartialEq)]
    struct UserKey {
        username: String,
        key: Option<String>,
    }
}

ving::select_struct! {
    /// Ten fields: more than a tuple of eight.
    #[derive(Debug)]
    struct Wide {
        id: i64,
        created_at: NaiveDateTime,
        username: String,
        email: String,
        real_name: String,
        password: String,
        verified_email: bool,
        admin: bool,
        developer: bool,
        avatar_id: Option<i64>,
    }
}

async fn select_into_own_structs(db: &Db) {
    db.insert(UserTable)
        .values([user("rita"), user("joe")])
        .execute()
        .await
        .expect("users");
    db.insert(APIKeyTable)
        .values([key("deploy", 1)])
        .execute()
        .await
        .expect("key");
    let pairs: Vec<UserKey> = db
        .select_fields((UserTable.username, APIKeyTable.name))
        .from(UserTable)
        .left_join(APIKeyTable, eq(APIKeyTable.user_id, UserTable.id))
        .order_by(UserTable.id)
        .all_as()
        .await
        .expect("all_as");
    assert_eq!(
        pairs,
        [
            UserKey {
                username: "rita".into(),
                key: Some("deploy".into())
            },
            UserKey {
                username: "joe".into(),
                key: None
            },
        ]
    );
    let wide = db
        .select_fields((
            UserTable.id,
            UserTable.created_at,
            UserTable.username,
            UserTable.email,
            UserTable.real_name,
            UserTable.password,
            UserTable.verified_email,
            UserTable.admin,
            UserTable.developer,
            UserTable.avatar_id,
        ))
        .from(UserTable)
        .where_(eq(UserTable.username, "joe"))
        .first_as::<Wide, _>()
        .await
        .expect("first_as")
        .expect("joe");
    assert_eq!(
        (wide.id, wide.email.as_str(), wide.avatar_id),
        (2, "joe@example.com", None)
    );
    assert!(!wide.admin && !wide.developer && !wide.verified_email);
    assert_eq!(
        (wide.real_name.as_str(), wide.password.as_str()),
        ("JOE", "no-password-specified")
    );
    assert!(wide.created_at.and_utc().timestamp() > 0);
    let mut stream = db
        .select_fields((UserTable.username, APIKeyTable.name))
        .from(UserTable)
        .left_join(APIKeyTable, eq(APIKeyTable.user_id, UserTable.id))
        .stream_as::<UserKey, _>();
    let mut seen = 0;
    while let Some(row) = stream.next().await {
        row.expect("row");
        seen += 1;
    }
    assert_eq!(seen, 2);
}

ving::alias_name!(Other = "other");

async fn aliases_for_self_joins(db: &Db) {
    let mut joe = user("joe");
    joe.developer = Some(true);
    let mut ann = user("ann");
    ann.developer = Some(true);
    db.insert(UserTable)
        .values([user("rita"), joe, ann, user("zed")])
        .execute()
        .await
        .expect("users");
    let other = Alias::<UserTable, Other>::new();
    let pairs: Vec<(String, String)> = db
        .select_fields((UserTable.username, other.column(UserTable.username)))
        .from(UserTable)
        .inner_join(
            other,
            and(
                eq(other.column(UserTable.developer), UserTable.developer),
                lt(UserTable.id, other.column(UserTable.id)),
            ),
        )
        .order_by((asc(UserTable.id), asc(other.column(UserTable.id))))
        .all()
        .await
        .expect("self-join");
    assert_eq!(
        pairs,
        [
            ("rita".to_owned(), "zed".to_owned()),
            ("joe".to_owned(), "ann".to_owned())
        ]
    );
    let (sql_text, _) = db
        .select()
        .from(other)
        .where_(eq(other.column(UserTable.username), "zed"))
        .to_sql();
    assert!(sql_text.contains(" AS "), "{sql_text}");
    let zed = db
        .select()
        .from(other)
        .where_(eq(other.column(UserTable.username), "zed"))
        .first()
        .await
        .expect("from an alias");
    assert_eq!(zed.map(|row| row.id), Some(4));
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
                #[tokio::test]
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
    upserts,
    every_inserted_id,
    returning,
    distinct_and_row_locks,
    right_and_full_joins,
    subqueries,
    select_into_own_structs,
    aliases_for_self_joins,
);
