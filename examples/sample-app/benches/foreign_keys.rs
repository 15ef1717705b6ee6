//! Deleting referenced rows (issue 16: 5): `DELETE FROM users` of N users, each referenced
//! by one API key that the foreign key's `ON DELETE CASCADE` deletes with it, on SQLite,
//! MariaDB and PostgreSQL — with the index ving-rs makes on the referencing column
//! (SQLite, PostgreSQL; InnoDB makes its own), and on SQLite and PostgreSQL once more
//! without it (dropped), to show what it saves. Each time is the median of the rounds;
//! the ratios are to MariaDB's time in the same run.
//!
//! `cargo bench -p ving-sample-app --bench foreign_keys [-- --quick]` (servers missing
//! outside CI are skipped with a message).

use std::time::{Duration, Instant};

use ving::config::Backend;
use ving::db::Db;
use ving::schema::{SchemaOptions, SchemaSet};
use ving::table::TableModel;
use ving::testing::TestDb;
use ving_sample_app::drizzle::schema::{APIKeyInsert, APIKeyTable, UserInsert, UserTable};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Writes `n` users and one API key of each, in batches of 1,000.
async fn seed(db: &Db, n: usize) -> Result<(), BoxError> {
    for first in (0..n).step_by(1000) {
        let users: Vec<UserInsert> = (first..(first + 1000).min(n))
            .map(|i| UserInsert {
                username: Some(format!("user{i}")),
                email: Some(format!("user{i}@example.com")),
                ..UserInsert::new(String::new())
            })
            .collect();
        db.insert(UserTable).values(users).execute().await?;
    }
    let first_id: i64 = db
        .fetch_all("SELECT MIN(id) FROM users", Vec::new(), |row| {
            row.get_i64(0)
        })
        .await?
        .first()
        .copied()
        .unwrap_or(1);
    for first in (0..n).step_by(1000) {
        let keys: Vec<APIKeyInsert> = (first..(first + 1000).min(n))
            .map(|i| APIKeyInsert {
                name: Some(format!("key {i}")),
                ..APIKeyInsert::new(
                    format!("https://example.com/{i}"),
                    "benchmark".into(),
                    first_id + i as i64,
                )
            })
            .collect();
        db.insert(APIKeyTable).values(keys).execute().await?;
    }
    Ok(())
}

/// The median time of `rounds` deletes of `n` users with their keys.
async fn delete_time(db: &Db, n: usize, rounds: usize) -> Result<Duration, BoxError> {
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        seed(db, n).await?;
        let start = Instant::now();
        let done = db.delete(UserTable).execute().await?;
        times.push(start.elapsed());
        assert_eq!(done, n as u64, "every user deleted");
        let left = db
            .fetch_all("SELECT COUNT(*) FROM apikeys", Vec::new(), |row| {
                row.get_i64(0)
            })
            .await?;
        assert_eq!(left, [0], "every key deleted with its user");
    }
    times.sort();
    Ok(times[times.len() / 2])
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let quick = std::env::args().any(|a| a == "--quick");
    let (n, rounds) = if quick { (5_000, 1) } else { (20_000, 3) };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas");
    let model = TableModel::from_schemas(&SchemaSet::load(&dir, &SchemaOptions::default())?);
    let key_index = model
        .table("apikeys")
        .and_then(|t| t.foreign_keys.iter().find(|fk| fk.column == "userId"))
        .map(|fk| fk.name.clone())
        .ok_or("apikeys.userId has a foreign key")?;
    let mut rows: Vec<(Backend, &str, Duration)> = Vec::new();
    for backend in [Backend::MySql, Backend::Sqlite, Backend::Postgres] {
        let Some(test) = TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let db = test.db();
        db.create_tables(&model).await?;
        rows.push((backend, "indexed", delete_time(db, n, rounds).await?));
        if backend != Backend::MySql {
            db.execute_script(&format!("DROP INDEX \"{key_index}\""))
                .await?;
            rows.push((backend, "no index", delete_time(db, n, rounds).await?));
        }
        test.cleanup().await;
    }
    let mariadb = rows
        .iter()
        .find(|(b, _, _)| *b == Backend::MySql)
        .map(|(_, _, t)| *t);
    println!("| backend | apikeys.userId | delete {n} users and their keys | / MariaDB |");
    println!("|---|---|---|---|");
    for (backend, index, time) in &rows {
        let ratio = mariadb.map_or_else(
            || "-".to_owned(),
            |m| format!("{:.2}", time.as_secs_f64() / m.as_secs_f64()),
        );
        println!(
            "| {backend} | {index} | {:.1} ms | {ratio} |",
            time.as_secs_f64() * 1000.0
        );
    }
    Ok(())
}
