//! Property test: 10,000 arbitrary strings — quotes, backslashes, NUL (where the database
//! allows it), `%` and `_`, unicode — are inserted and read back byte-exact on every
//! backend, and used in `eq` and `like` without changing the query's SQL: values are
//! always bound parameters, so no string can inject SQL.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use ving::config::Backend;
use ving::drizzle::{asc, eq, like, Db};
use ving::schema::{SchemaOptions, SchemaSet};
use ving::table::TableModel;
use ving::testing::TestDb;
use ving_sample_app::drizzle::schema::{UserInsert, UserTable};

const STRINGS: usize = 10_000;

/// Nasty strings: SQL metacharacters, escapes, wildcards and unicode, mixed with
/// arbitrary text.
fn strategy(allow_nul: bool) -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '\'', '"', '`', '\\', '%', '_', ';', '-', '/', '*', '(', ')', '?', '$', ':', '@', '\n',
        '\r', '\t', ' ', 'é', 'ß', '中', '😀', '\u{202e}', '\u{feff}', '\u{7f}', '\0',
    ])
    .prop_filter("NUL only where allowed", move |c| allow_nul || *c != '\0');
    let piece = prop_oneof![
        3 => special.prop_map(String::from),
        1 => "[a-zA-Z0-9]{1,6}",
        1 => any::<String>().prop_map(move |s| if allow_nul { s } else { s.replace('\0', "") }),
        1 => Just("' OR '1'='1".to_owned()),
        1 => Just("\"; DROP TABLE users; --".to_owned()),
        1 => Just("\\'; SELECT 1; --".to_owned()),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
}

fn strings(backend: Backend) -> Vec<String> {
    // PostgreSQL text cannot hold NUL; MariaDB and SQLite can.
    let strategy = strategy(backend != Backend::Postgres);
    let mut runner = TestRunner::new(Config {
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed),
        ..Config::default()
    });
    let mut values: Vec<String> = (0..STRINGS)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .map(|t| t.current())
                .unwrap_or_default()
        })
        .collect();
    values[0] = String::new();
    values
}

async fn round_trip(db: &Db, backend: Backend) {
    let values = strings(backend);
    let rows = values.iter().enumerate().map(|(i, bio)| UserInsert {
        username: Some(format!("u{i}")),
        email: Some(format!("u{i}@example.com")),
        real_name: Some(String::new()),
        ..UserInsert::new(bio.clone())
    });
    for chunk in rows.collect::<Vec<_>>().chunks(1000) {
        db.insert(UserTable)
            .values(chunk.to_vec())
            .execute()
            .await
            .expect("insert");
    }
    let stored = db
        .select_fields(UserTable.bio)
        .from(UserTable)
        .order_by(asc(UserTable.id))
        .all()
        .await
        .expect("select");
    assert_eq!(stored.len(), values.len());
    for (i, (read, written)) in stored.iter().zip(&values).enumerate() {
        assert_eq!(
            read.as_bytes(),
            written.as_bytes(),
            "{backend}: string {i} changed"
        );
    }

    let by_bio = |value: &str| {
        db.select_fields((UserTable.id, UserTable.bio))
            .from(UserTable)
            .where_(eq(UserTable.bio, value))
    };
    let eq_sql = by_bio("").to_sql().0;
    let like_sql = db
        .select_fields(UserTable.id)
        .from(UserTable)
        .where_(like(UserTable.bio, ""))
        .to_sql()
        .0;
    for (i, value) in values.iter().enumerate() {
        let by_eq = by_bio(value);
        let (sql, params) = by_eq.to_sql();
        assert_eq!(sql, eq_sql, "{backend}: the SQL changed with the value");
        assert_eq!(params, [ving::drizzle::Param::String(Some(value.clone()))]);
        // Every string's SQL is checked; one in five is also run (each run scans the
        // table: bio has no index).
        if i % 5 == 0 {
            let found = by_eq.all().await.expect("eq");
            assert!(
                found.iter().all(|(_, bio)| bio == value),
                "{backend}: eq({value:?}) matched another string"
            );
            assert!(
                found.iter().any(|(id, _)| *id == i as i64 + 1),
                "{backend}: eq({value:?}) missed its row"
            );
        }
        if i % 10 == 0 {
            let pattern = db
                .select_fields(UserTable.id)
                .from(UserTable)
                .where_(like(UserTable.bio, value.as_str()));
            assert_eq!(
                pattern.to_sql().0,
                like_sql,
                "{backend}: the SQL changed with the pattern"
            );
            match pattern.all().await {
                Ok(_) => {
                    assert!(
                        !lone_escape_at_end(value) && !value.contains('\0'),
                        "{backend}: like({value:?}) must be refused"
                    );
                }
                // A pattern ending in its escape character, or holding a NUL, is refused
                // before the database on every backend: an error about the pattern,
                // never about the statement.
                Err(error) if lone_escape_at_end(value) || value.contains('\0') => {
                    let error = error.to_string();
                    assert!(
                        error.contains("ends in a lone \\") || error.contains("NUL character"),
                        "{backend}: {error}"
                    );
                }
                Err(error) => panic!("{backend}: like({value:?}) failed: {error}"),
            }
        }
    }
    // Nothing was dropped or altered by any of it.
    let count = db
        .select_fields(ving::drizzle::count())
        .from(UserTable)
        .first()
        .await
        .expect("count");
    assert_eq!(count, Some(STRINGS as i64));
}

/// Whether `pattern` ends in an odd run of backslashes: an escape of nothing.
fn lone_escape_at_end(pattern: &str) -> bool {
    pattern.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

macro_rules! per_backend {
    ($($name:ident => $backend:expr),+) => {$(
        #[tokio::test]
        async fn $name() {
            let Some(test) = TestDb::fresh_or_skip($backend).await else { return };
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas");
            let schemas = SchemaSet::load(&dir, &SchemaOptions::default()).expect("schemas");
            test.db().create_tables(&TableModel::from_schemas(&schemas)).await.expect("tables");
            round_trip(test.db(), $backend).await;
            test.cleanup().await;
        }
    )+};
}

per_backend!(
    strings_round_trip_on_sqlite => Backend::Sqlite,
    strings_round_trip_on_mariadb => Backend::MySql,
    strings_round_trip_on_postgres => Backend::Postgres
);
