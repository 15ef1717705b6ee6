//! The query builder beside a raw-sqlx twin doing the same work on the same database in
//! the same run, per backend:
//!
//! 1. 10,000 selects by primary key,
//! 2. loading 10,000 rows into structs,
//! 3. inserting 10,000 rows in batches of 1,000,
//! 4. streaming 1,000,000 rows (and, in a child process, the peak RSS while doing it).
//!
//! Each case runs ving and raw alternately, several rounds, and reports the medians and
//! their ratio (ving / raw): the machines are shared and noisy, ratios of runs side by
//! side are what can be compared. Run with
//! `cargo bench -p ving-sample-app --bench drizzle` (all backends; a backend whose server
//! is down is skipped) or `-- sqlite` / `-- mariadb` / `-- postgres` for one, and
//! `-- --quick` for fewer rows. For instruction counts (valgrind's callgrind, repeatable on
//! a noisy machine), `-- --stream-rss <url>` and `-- --stream-raw <url>` stream every row of
//! `apikeys` at `<url>` with ving and with raw sqlx respectively; `-- --lookups
//! setup|ving|raw <url> <n>` makes the tables and n API keys at `<url>`, or times n selects
//! by primary key there (beside `ving-node/lookups.mjs`, node's mysql2 on the same rows;
//! `--current-thread` runs on tokio's single-threaded runtime).

use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt};
use ving::config::Backend;
use ving::db::{Db, Pool};
use ving::drizzle::{asc, eq, NaiveDateTime};
use ving::schema::{SchemaOptions, SchemaSet};
use ving::table::TableModel;
use ving::testing::TestDb;
use ving_sample_app::drizzle::schema::{
    APIKeyInsert, APIKeyRow, APIKeyTable, UserInsert, UserTable,
};

/// The columns of `apikeys`, as the raw twin reads them (quoted: PostgreSQL folds
/// unquoted names to lower case).
const COLUMNS: [&str; 8] = [
    "id",
    "createdAt",
    "updatedAt",
    "name",
    "url",
    "reason",
    "privateKey",
    "userId",
];

struct Sizes {
    lookups: usize,
    load: usize,
    insert: usize,
    stream: usize,
    rounds: usize,
}

fn key(i: usize) -> APIKeyInsert {
    APIKeyInsert {
        name: Some(format!("key {i}")),
        private_key: Some(format!("pk_{i:036}")),
        ..APIKeyInsert::new(format!("https://example.com/{i}"), "benchmark".into(), 1)
    }
}

/// The raw twin's row: the same fields as `APIKeyRow`.
#[allow(dead_code)]
struct RawKey {
    id: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    name: String,
    url: String,
    reason: String,
    private_key: String,
    user_id: i64,
}

macro_rules! raw_key {
    ($row:expr, $id:ty, $get_text:ident) => {{
        use ving::sqlx::Row;
        let row = $row;
        RawKey {
            id: row.try_get::<$id, _>(0)? as i64,
            created_at: row.$get_text(1)?,
            updated_at: row.$get_text(2)?,
            name: row.$get_text(3)?,
            url: row.$get_text(4)?,
            reason: row.$get_text(5)?,
            private_key: row.$get_text(6)?,
            user_id: row.try_get::<$id, _>(7)? as i64,
        }
    }};
}

// MySQL: unsigned ids; timestamps and binary-collated text need unchecked reads, as in
// ving.
fn mysql_key(row: &ving::sqlx::mysql::MySqlRow) -> Result<RawKey, ving::sqlx::Error> {
    Ok(raw_key!(row, u64, try_get_unchecked))
}

fn pg_key(row: &ving::sqlx::postgres::PgRow) -> Result<RawKey, ving::sqlx::Error> {
    Ok(raw_key!(row, i64, try_get))
}

fn sqlite_key(row: &ving::sqlx::sqlite::SqliteRow) -> Result<RawKey, ving::sqlx::Error> {
    Ok(raw_key!(row, i64, try_get))
}

type BoxError = Box<dyn std::error::Error>;

/// The raw twin of each case.
struct Raw<'a> {
    db: &'a Db,
}

impl Raw<'_> {
    fn columns(&self, names: &[&str]) -> String {
        let quote = if self.db.backend() == Backend::MySql {
            '`'
        } else {
            '"'
        };
        names
            .iter()
            .map(|c| format!("{quote}{c}{quote}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn placeholder(&self, n: usize) -> String {
        match self.db.backend() {
            Backend::Postgres => format!("${n}"),
            _ => "?".into(),
        }
    }

    async fn lookup(&self, id: i64) -> Result<usize, BoxError> {
        let sql = format!(
            "SELECT {} FROM apikeys WHERE id = {}",
            self.columns(&COLUMNS),
            self.placeholder(1)
        );
        let found = match self.db.pool() {
            Pool::MySql(pool) => ving::sqlx::query(&sql)
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| mysql_key(&r))
                .transpose()?,
            Pool::Postgres(pool) => ving::sqlx::query(&sql)
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| pg_key(&r))
                .transpose()?,
            Pool::Sqlite(pool) => ving::sqlx::query(&sql)
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| sqlite_key(&r))
                .transpose()?,
            _ => None,
        };
        Ok(usize::from(std::hint::black_box(found).is_some()))
    }

    async fn load(&self) -> Result<usize, BoxError> {
        let sql = self
            .db
            .select()
            .from(APIKeyTable)
            .order_by(asc(APIKeyTable.id))
            .to_sql()
            .0;
        let rows: Vec<RawKey> = match self.db.pool() {
            Pool::MySql(pool) => ving::sqlx::query(&sql)
                .fetch_all(pool)
                .await?
                .iter()
                .map(mysql_key)
                .collect::<Result<_, _>>()?,
            Pool::Postgres(pool) => ving::sqlx::query(&sql)
                .fetch_all(pool)
                .await?
                .iter()
                .map(pg_key)
                .collect::<Result<_, _>>()?,
            Pool::Sqlite(pool) => ving::sqlx::query(&sql)
                .fetch_all(pool)
                .await?
                .iter()
                .map(sqlite_key)
                .collect::<Result<_, _>>()?,
            _ => Vec::new(),
        };
        Ok(rows.len())
    }

    async fn insert(&self, rows: &[APIKeyInsert]) -> Result<usize, BoxError> {
        // The same statement ving runs: every given column, and the new ids where the
        // database returns them.
        let mut sql = format!(
            "INSERT INTO apikeys ({}) VALUES ",
            self.columns(&COLUMNS[3..])
        );
        for i in 0..rows.len() {
            let p: Vec<String> = (1..=5).map(|k| self.placeholder(i * 5 + k)).collect();
            sql.push_str(&format!(
                "{}({})",
                if i == 0 { "" } else { ", " },
                p.join(", ")
            ));
        }
        macro_rules! bind_all {
            ($query:expr) => {{
                let mut query = $query;
                for row in rows {
                    query = query
                        .bind(row.name.clone())
                        .bind(row.url.clone())
                        .bind(row.reason.clone())
                        .bind(row.private_key.clone())
                        .bind(row.user_id);
                }
                query
            }};
        }
        let inserted = match self.db.pool() {
            Pool::MySql(pool) => bind_all!(ving::sqlx::query(&sql))
                .execute(pool)
                .await?
                .rows_affected() as usize,
            Pool::Postgres(pool) => {
                sql.push_str(" RETURNING id");
                let ids: Vec<i64> = bind_all!(ving::sqlx::query_scalar(&sql))
                    .fetch_all(pool)
                    .await?;
                ids.len()
            }
            Pool::Sqlite(pool) => {
                sql.push_str(" RETURNING id");
                let ids: Vec<i64> = bind_all!(ving::sqlx::query_scalar(&sql))
                    .fetch_all(pool)
                    .await?;
                ids.len()
            }
            _ => 0,
        };
        Ok(inserted)
    }

    async fn stream(&self) -> Result<usize, BoxError> {
        // The very statement ving runs (rendered once, outside the timing).
        let sql = self.db.select().from(APIKeyTable).to_sql().0;
        let mut count = 0;
        match self.db.pool() {
            Pool::MySql(pool) => {
                let mut rows = ving::sqlx::query(&sql).fetch(pool);
                while let Some(row) = rows.try_next().await? {
                    std::hint::black_box(mysql_key(&row)?);
                    count += 1;
                }
            }
            Pool::Postgres(pool) => {
                let mut rows = ving::sqlx::query(&sql).fetch(pool);
                while let Some(row) = rows.try_next().await? {
                    std::hint::black_box(pg_key(&row)?);
                    count += 1;
                }
            }
            Pool::Sqlite(pool) => {
                let mut rows = ving::sqlx::query(&sql).fetch(pool);
                while let Some(row) = rows.try_next().await? {
                    std::hint::black_box(sqlite_key(&row)?);
                    count += 1;
                }
            }
            _ => {}
        }
        Ok(count)
    }
}

async fn ving_lookup(db: &Db, id: i64) -> Result<usize, BoxError> {
    let found: Option<APIKeyRow> = db
        .select()
        .from(APIKeyTable)
        .where_(eq(APIKeyTable.id, id))
        .first()
        .await?;
    Ok(usize::from(std::hint::black_box(found).is_some()))
}

async fn ving_load(db: &Db) -> Result<usize, BoxError> {
    Ok(db
        .select()
        .from(APIKeyTable)
        .order_by(asc(APIKeyTable.id))
        .all()
        .await?
        .len())
}

async fn ving_insert(db: &Db, rows: Vec<APIKeyInsert>) -> Result<usize, BoxError> {
    Ok(db
        .insert(APIKeyTable)
        .values(rows)
        .execute()
        .await?
        .rows_affected as usize)
}

async fn ving_stream(db: &Db) -> Result<usize, BoxError> {
    let mut rows = db.select().from(APIKeyTable).stream();
    let mut count = 0;
    while let Some(row) = rows.next().await {
        std::hint::black_box(row?);
        count += 1;
    }
    Ok(count)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn seed(db: &Db, total: usize, start: usize) -> Result<(), BoxError> {
    for first in (start..start + total).step_by(1000) {
        let batch: Vec<APIKeyInsert> = (first..(first + 1000).min(start + total))
            .map(key)
            .collect();
        db.insert(APIKeyTable).values(batch).execute().await?;
    }
    Ok(())
}

/// Empties the table between runs (TRUNCATE where it exists, so that no background
/// purge of deleted rows runs into the next measurement).
async fn clear(db: &Db) -> Result<(), BoxError> {
    match db.backend() {
        Backend::Sqlite => {
            db.delete(APIKeyTable).execute().await?;
        }
        _ => {
            db.execute_script("TRUNCATE TABLE apikeys").await?;
        }
    }
    Ok(())
}

struct Report {
    case: &'static str,
    ving: Duration,
    raw: Duration,
}

async fn run_backend(backend: Backend, sizes: &Sizes) -> Result<Vec<Report>, BoxError> {
    let Some(test) = TestDb::fresh_or_skip(backend).await else {
        return Ok(Vec::new());
    };
    let db = test.db();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas");
    let schemas = SchemaSet::load(&dir, &SchemaOptions::default())?;
    db.create_tables(&TableModel::from_schemas(&schemas))
        .await?;
    let owner = UserInsert {
        username: Some("owner".into()),
        email: Some("owner@example.com".into()),
        ..UserInsert::new(String::new())
    };
    db.insert(UserTable).values([owner]).execute().await?;
    let raw = Raw { db };
    let mut reports = Vec::new();

    // Lookups and loads share one table of `load` rows.
    seed(db, sizes.load, 0).await?;
    let (mut v, mut r) = (Vec::new(), Vec::new());
    for round in 0..sizes.rounds {
        // Alternate which side goes first, so neither always finds the caches warm.
        for side in [round % 2, 1 - round % 2] {
            let start = Instant::now();
            for i in 0..sizes.lookups {
                let id = (i % sizes.load) as i64 + 1;
                if side == 0 {
                    ving_lookup(db, id).await?;
                } else {
                    raw.lookup(id).await?;
                }
            }
            if side == 0 {
                v.push(start.elapsed())
            } else {
                r.push(start.elapsed())
            }
        }
    }
    reports.push(Report {
        case: "select by primary key",
        ving: median(v),
        raw: median(r),
    });

    let (mut v, mut r) = (Vec::new(), Vec::new());
    for round in 0..sizes.rounds * 2 {
        for side in [round % 2, 1 - round % 2] {
            let start = Instant::now();
            let loaded = if side == 0 {
                ving_load(db).await?
            } else {
                raw.load().await?
            };
            assert_eq!(loaded, sizes.load);
            if side == 0 {
                v.push(start.elapsed())
            } else {
                r.push(start.elapsed())
            }
        }
    }
    reports.push(Report {
        case: "load rows into structs",
        ving: median(v),
        raw: median(r),
    });

    let (mut v, mut r) = (Vec::new(), Vec::new());
    for round in 0..sizes.rounds * 2 {
        for side in [round % 2, 1 - round % 2] {
            clear(db).await?;
            let batches: Vec<Vec<APIKeyInsert>> = (0..sizes.insert)
                .step_by(1000)
                .map(|s| (s..s + 1000).map(key).collect())
                .collect();
            let start = Instant::now();
            for batch in batches {
                if side == 0 {
                    ving_insert(db, batch).await?;
                } else {
                    raw.insert(&batch).await?;
                }
            }
            if side == 0 {
                v.push(start.elapsed())
            } else {
                r.push(start.elapsed())
            }
        }
    }
    reports.push(Report {
        case: "insert in batches of 1,000",
        ving: median(v),
        raw: median(r),
    });

    clear(db).await?;
    seed(db, sizes.stream, 0).await?;
    let (mut v, mut r) = (Vec::new(), Vec::new());
    for round in 0..sizes.rounds {
        for side in [round % 2, 1 - round % 2] {
            let start = Instant::now();
            let streamed = if side == 0 {
                ving_stream(db).await?
            } else {
                raw.stream().await?
            };
            assert_eq!(streamed, sizes.stream);
            if side == 0 {
                v.push(start.elapsed())
            } else {
                r.push(start.elapsed())
            }
        }
    }
    reports.push(Report {
        case: "stream rows",
        ving: median(v),
        raw: median(r),
    });

    let rss = stream_rss(backend, &test)?;
    test.cleanup().await;
    println!(
        "{backend}: peak RSS while streaming {} rows with ving: {rss}",
        sizes.stream
    );
    Ok(reports)
}

/// Streams every row of the benchmark database in a child process and returns its peak
/// resident memory (so that nothing else this process did counts).
fn stream_rss(backend: Backend, test: &TestDb) -> Result<String, BoxError> {
    let url = match backend {
        Backend::Sqlite => format!(
            "sqlite://{}",
            std::env::temp_dir()
                .join(format!("{}.db", test.name()))
                .display()
        ),
        _ => {
            let mut url = url::Url::parse(&ving::testing::server_url(backend).unwrap_or_default())?;
            url.set_path(&format!("/{}", test.name()));
            url.to_string()
        }
    };
    let output = std::process::Command::new(std::env::current_exe()?)
        .args(["--stream-rss", &url])
        .output()?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The child of [`stream_rss`]: stream, then print the peak RSS (VmHWM).
async fn stream_child(url: &str) -> Result<(), BoxError> {
    let db = Db::connect(
        &ving::config::DatabaseUrl::parse(url)?,
        &std::env::temp_dir(),
    )
    .await?;
    let before = vm_hwm();
    let count = ving_stream(&db).await?;
    println!(
        "{} (process before streaming: {}; rows: {count})",
        vm_hwm(),
        before
    );
    Ok(())
}

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn main() -> Result<(), BoxError> {
    // `--current-thread`: on tokio's single-threaded runtime (the driver's I/O and the
    // caller on one thread), to compare with the default multi-threaded one.
    let runtime = if std::env::args().any(|a| a == "--current-thread") {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Runtime::new()?
    };
    runtime.block_on(run())
}

async fn run() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--stream-raw") {
        let url = args.get(i + 1).map_or("", String::as_str);
        let db = Db::connect(
            &ving::config::DatabaseUrl::parse(url)?,
            &std::env::temp_dir(),
        )
        .await?;
        let count = Raw { db: &db }.stream().await?;
        println!("raw rows: {count}");
        return Ok(());
    }
    if let Some(i) = args.iter().position(|a| a == "--stream-rss") {
        return stream_child(args.get(i + 1).map_or("", String::as_str)).await;
    }
    // For instruction counts (callgrind): `--lookups ving|raw|setup <url> <n>` runs n
    // selects by primary key of `apikeys` at <url> (`setup` makes the tables and n rows).
    if let Some(i) = args.iter().position(|a| a == "--lookups") {
        let side = args.get(i + 1).map_or("", String::as_str);
        let url = args.get(i + 2).map_or("", String::as_str);
        let n: usize = args
            .get(i + 3)
            .and_then(|n| n.parse().ok())
            .unwrap_or(1_000);
        let db = Db::connect(
            &ving::config::DatabaseUrl::parse(url)?,
            &std::env::temp_dir(),
        )
        .await?;
        if side == "setup" {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas");
            db.create_tables(&TableModel::from_schemas(&SchemaSet::load(
                &dir,
                &SchemaOptions::default(),
            )?))
            .await?;
            let owner = UserInsert {
                username: Some("owner".into()),
                email: Some("owner@example.com".into()),
                ..UserInsert::new(String::new())
            };
            db.insert(UserTable).values([owner]).execute().await?;
            seed(&db, n, 0).await?;
            return Ok(());
        }
        let raw = Raw { db: &db };
        let mut found = 0;
        let start = Instant::now();
        for id in 1..=n as i64 {
            found += if side == "raw" {
                raw.lookup(id).await?
            } else {
                ving_lookup(&db, id).await?
            };
        }
        let time = start.elapsed();
        println!(
            "{side}: {found} rows in {:.1} ms ({:.1} µs a select)",
            time.as_secs_f64() * 1e3,
            time.as_secs_f64() * 1e6 / n.max(1) as f64
        );
        return Ok(());
    }
    let quick = args.iter().any(|a| a == "--quick");
    let sizes = if quick {
        Sizes {
            lookups: 1_000,
            load: 1_000,
            insert: 2_000,
            stream: 20_000,
            rounds: 3,
        }
    } else {
        Sizes {
            lookups: 10_000,
            load: 10_000,
            insert: 10_000,
            stream: 1_000_000,
            rounds: 7,
        }
    };
    let wanted: Vec<Backend> = [
        ("sqlite", Backend::Sqlite),
        ("mariadb", Backend::MySql),
        ("postgres", Backend::Postgres),
    ]
    .into_iter()
    .filter(|(name, _)| args.iter().all(|a| a.starts_with("--")) || args.iter().any(|a| a == name))
    .map(|(_, backend)| backend)
    .collect();
    println!("| backend | case | ving | raw sqlx | ving / raw |");
    println!("|---|---|---|---|---|");
    for backend in wanted {
        for report in run_backend(backend, &sizes).await? {
            println!(
                "| {backend} | {} | {:.1} ms | {:.1} ms | {:.3} |",
                report.case,
                report.ving.as_secs_f64() * 1000.0,
                report.raw.as_secs_f64() * 1000.0,
                report.ving.as_secs_f64() / report.raw.as_secs_f64()
            );
        }
    }
    Ok(())
}
