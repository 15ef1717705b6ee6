//! The record layer beside the query builder on the same database in the same run, per
//! backend:
//!
//! 1. `find_many` of 10,000 API keys (records) vs the query builder's `select` of the same
//!    rows (typed rows): the ratio is the record layer's cost,
//! 2. `describe` of 1,000 records (links, options and meta, to their owner),
//! 3. a `describe_list` page of 100 (count, page query, each record described),
//! 5. Users as `scripts/bench-ving-node` measures them on ving: `describe` of 1,000 Users
//!    to an admin (links, options and meta), and `describe_list` of 100 pages of 100 Users
//!    without includes and with them, each as JSON values (`describe`, `describe_list`)
//!    beside JSON text (`describe_to`, `describe_list_to`),
//! 4. `find_all` of 1,000,000 records in a child process, with its peak RSS (VmHWM).
//!
//! Each case runs several rounds (the two sides of case 1 alternately) and reports the
//! best round: the machines are shared, and interference only ever adds time. Run with
//! `cargo bench -p ving-sample-app --bench records` (SQLite, MariaDB and PostgreSQL; a
//! server that is down is skipped), `-- sqlite` / `-- mariadb` / `-- postgres` for one,
//! `-- --quick` for fewer rows, `-- --find` for case 1 alone (40 rounds), `-- --users` for
//! case 5 alone (15 rounds, as `scripts/bench-ving-node` runs ving's).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use ving::config::Backend;
use ving::db::Db;
use ving::id::IdCodec;
use ving::record::{Describe, FindOptions, Kinds, ListParams, Record};
use ving::schema::{SchemaOptions, SchemaSet};
use ving::table::TableModel;
use ving::testing::TestDb;
use ving_sample_app::drizzle::schema::{APIKeyInsert, APIKeyTable, UserInsert, UserTable};
use ving_sample_app::record::{self, RecordSettings};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Sizes {
    find: usize,
    describe: usize,
    stream: usize,
    rounds: usize,
    /// Only case 1 (`--find`).
    only_find: bool,
    /// Only case 5 (`--users`), with node's 15 rounds.
    only_users: bool,
}

fn schemas() -> Result<SchemaSet, BoxError> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas");
    Ok(SchemaSet::load(&dir, &SchemaOptions::default())?)
}

fn codec() -> Result<IdCodec, BoxError> {
    Ok(IdCodec::new("11,22,33,44,55,66,77,88,99,111".parse()?))
}

fn key(i: usize) -> APIKeyInsert {
    APIKeyInsert {
        name: Some(format!("key {i}")),
        private_key: Some(format!("pk_{i:036}")),
        ..APIKeyInsert::new(format!("https://example.com/{i}"), "benchmark".into(), 1)
    }
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

/// User `i` of the User cases (`user{i}`, `User {i}`).
fn user(i: usize, admin: bool) -> UserInsert {
    UserInsert {
        username: Some(format!("user{i}")),
        email: Some(format!("user{i}@example.com")),
        real_name: Some(format!("User {i}")),
        admin: Some(admin),
        ..UserInsert::new(String::new())
    }
}

/// The first `n` records of `kind`.
async fn first<'e>(kind: &ving::record::Kind<'e>, n: usize) -> Result<Vec<Record<'e>>, BoxError> {
    let options = FindOptions {
        limit: Some(n as u64),
        ..FindOptions::default()
    };
    Ok(kind.find_many((), &options).await?)
}

/// The user every API key belongs to (id 1).
async fn owner(db: &Db) -> Result<(), BoxError> {
    db.insert(UserTable)
        .values([UserInsert {
            username: Some("owner".into()),
            email: Some("owner@example.com".into()),
            ..UserInsert::new(String::new())
        }])
        .execute()
        .await?;
    Ok(())
}

/// The best time of `rounds` describe_lists of `list`.
async fn list_time(
    keys: &ving::record::Kind<'_>,
    list: &ListParams<'_>,
    rounds: usize,
) -> Result<Duration, BoxError> {
    let mut times = Vec::new();
    for _ in 0..rounds {
        let start = Instant::now();
        let described = keys.describe_list(list, ()).await?;
        times.push(start.elapsed());
        assert_eq!(described["items"].as_array().map(Vec::len), Some(100));
    }
    Ok(best(times))
}

/// The same list with an index on the default sort, `(createdAt, id)`, which ving's
/// tables do not have (a custom migration can add it), then without it again.
async fn sort_index_cost(
    db: &Db,
    keys: &ving::record::Kind<'_>,
    list: &ListParams<'_>,
    rounds: usize,
    rows: usize,
    without: Duration,
) -> Result<(), BoxError> {
    let quote = |name: &str| match db.backend() {
        Backend::MySql => format!("`{name}`"),
        _ => format!("\"{name}\""),
    };
    db.execute_script(&format!(
        "CREATE INDEX {} ON apikeys ({}, {})",
        quote("apikeys_sort"),
        quote("createdAt"),
        quote("id")
    ))
    .await?;
    let with = list_time(keys, list, rounds).await?;
    println!(
        "| {} | describe_list page of 100 (of {rows}), index on (createdAt, id) | {:.1} ms | {:.1}x faster | |",
        db.backend(),
        ms(with),
        without.as_secs_f64() / with.as_secs_f64()
    );
    let drop = match db.backend() {
        Backend::MySql => "DROP INDEX `apikeys_sort` ON apikeys".to_owned(),
        _ => "DROP INDEX \"apikeys_sort\"".to_owned(),
    };
    db.execute_script(&drop).await?;
    Ok(())
}

/// Case 5: an admin and 10,000 users, each described by the admin (links, options,
/// meta), and listed 100 pages of 100 without includes and with them; JSON values beside
/// JSON text.
async fn users_cases(db: &Db, kinds: &Kinds<'_>, sizes: &Sizes) -> Result<(), BoxError> {
    let backend = db.backend();
    db.insert(UserTable)
        .values([user(0, true)])
        .execute()
        .await?;
    let admin_id = db.select().from(UserTable).all().await?.len() as i64;
    for first in (1..=10_000).step_by(1000) {
        let batch: Vec<UserInsert> = (first..first + 1000).map(|i| user(i, false)).collect();
        db.insert(UserTable).values(batch).execute().await?;
    }
    let users = kinds.kind("User")?;
    let admin = users.find_or_die(admin_id).await?;
    let page = first(&users, sizes.describe).await?;
    let full = Describe::new()
        .current_user(&admin)
        .links()
        .options()
        .meta();
    let (mut values, mut texts) = (Vec::new(), Vec::new());
    let mut out = Vec::new();
    for _ in 0..sizes.rounds {
        let start = Instant::now();
        for user in &page {
            std::hint::black_box(user.describe(&full).await?);
        }
        values.push(start.elapsed());
        let start = Instant::now();
        for user in &page {
            out.clear();
            user.describe_to(&full, &mut out).await?;
            std::hint::black_box(&out);
        }
        texts.push(start.elapsed());
    }
    let (value, text) = (best(values), best(texts));
    let each = |d: Duration| d.as_secs_f64() * 1e6 / page.len() as f64;
    println!(
        "| {backend} | describe of {} Users to an admin (links, options, meta): value, text | {:.2} µs a record | {:.2} µs a record | {:.2} |",
        page.len(),
        each(value),
        each(text),
        value.as_secs_f64() / text.as_secs_f64()
    );
    // The form describe_list sends: the count by FOUND_ROWS() on MariaDB.
    let sent = if db.dialect().capabilities().count_in_page {
        ListSql::FoundRows
    } else {
        ListSql::KeysFirst
    };
    let sql = raw_list_time(db, sizes.rounds.min(3), sent).await?;
    println!(
        "| {backend} | its SQL: the count and the page query of 100 pages of 100 Users, raw through sqlx | {:.1} ms | | |",
        ms(sql)
    );
    // What the deep pages would cost as plain selects (ving's query, and ving-rs's before
    // it read them by their keys first).
    let plain = raw_list_time(db, sizes.rounds.min(3), ListSql::Plain).await?;
    println!(
        "| {backend} | the same with every page a plain select | {:.1} ms | | {:.2} |",
        ms(plain),
        plain.as_secs_f64() / sql.as_secs_f64()
    );
    for (what, object_params) in [
        ("no includes", Describe::new().current_user(&admin)),
        ("links, options, meta", full.clone()),
    ] {
        let (mut values, mut texts) = (Vec::new(), Vec::new());
        for _ in 0..sizes.rounds.min(3) {
            let start = Instant::now();
            for page in 1..=100 {
                let list = page_of_100(page, object_params.clone());
                std::hint::black_box(users.describe_list(&list, ()).await?);
            }
            values.push(start.elapsed());
            let start = Instant::now();
            for page in 1..=100 {
                let list = page_of_100(page, object_params.clone());
                out.clear();
                users.describe_list_to(&list, (), &mut out).await?;
                std::hint::black_box(&out);
            }
            texts.push(start.elapsed());
        }
        let (value, text) = (best(values), best(texts));
        println!(
            "| {backend} | describe_list of 100 pages of 100 Users ({what}): value, text; text / its SQL | {:.1} ms | {:.1} ms | {:.2} |",
            ms(value),
            ms(text),
            text.as_secs_f64() / sql.as_secs_f64()
        );
    }
    Ok(())
}

/// The forms of a list's SQL [`raw_list_time`] runs.
#[derive(Clone, Copy, PartialEq)]
enum ListSql {
    /// A count, then every page a plain sorted select.
    Plain,
    /// A count, then pages from `ving::sql::DEEP_PAGE` on read by their keys first.
    KeysFirst,
    /// Keys first, the count in the page's own query (`COUNT(*) OVER ()`): one statement.
    Windowed,
    /// Keys first, the count a scalar subquery of the page's query: one statement.
    Subquery,
    /// MySQL/MariaDB: the page (a deep page's keys) as `SELECT SQL_CALC_FOUND_ROWS`, then
    /// `FOUND_ROWS()` on the same connection (and a deep page's rows by their ids).
    FoundRows,
}

/// A page of 100 Users at `offset` as [`ListSql::FoundRows`] reads it, on one connection:
/// how many rows it has.
async fn found_rows_page(
    conn: &mut ving::sqlx::MySqlConnection,
    offset: u64,
) -> Result<usize, BoxError> {
    use ving::sqlx::Row;
    let order = "ORDER BY `createdAt`, `id` LIMIT 100 OFFSET";
    if offset < ving::sql::DEEP_PAGE {
        let sql = format!("SELECT SQL_CALC_FOUND_ROWS * FROM users {order} {offset}");
        let rows = ving::sqlx::query(&sql).fetch_all(&mut *conn).await?;
        ving::sqlx::query("SELECT FOUND_ROWS()")
            .fetch_one(&mut *conn)
            .await?;
        return Ok(rows.len());
    }
    let sql = format!("SELECT SQL_CALC_FOUND_ROWS `id` FROM users {order} {offset}");
    let keys = ving::sqlx::query(&sql).fetch_all(&mut *conn).await?;
    ving::sqlx::query("SELECT FOUND_ROWS()")
        .fetch_one(&mut *conn)
        .await?;
    let ids: Vec<String> = (keys.iter())
        .map(|row| row.try_get::<u64, _>(0).map(|id| id.to_string()))
        .collect::<Result<_, _>>()?;
    let sql = format!(
        "SELECT * FROM users WHERE `id` IN ({}) ORDER BY `createdAt`, `id`",
        ids.join(", ")
    );
    Ok(ving::sqlx::query(&sql).fetch_all(&mut *conn).await?.len())
}

/// What the SQL of case 5's lists costs alone: per page, the count and the page query
/// (ving's default sort, `createdAt` then `id`) run raw through sqlx, the rows fetched,
/// in the form `form` says.
async fn raw_list_time(db: &Db, rounds: usize, form: ListSql) -> Result<Duration, BoxError> {
    use ving::db::Pool;
    let (created, id) = match db.backend() {
        Backend::MySql => ("`createdAt`", "`id`"),
        _ => ("\"createdAt\"", "\"id\""),
    };
    let count = "SELECT COUNT(*) FROM users";
    let mut times = Vec::new();
    for _ in 0..rounds {
        let start = Instant::now();
        for page in 0..100u64 {
            let offset = page * 100;
            let deep = form != ListSql::Plain && offset >= ving::sql::DEEP_PAGE;
            let windowed = matches!(form, ListSql::Windowed | ListSql::Subquery);
            let sql = match (deep, windowed) {
                (true, true) if form == ListSql::Subquery => format!(
                    "SELECT users.*, (SELECT COUNT(*) FROM users) AS ving_total FROM users INNER \
                     JOIN (SELECT {id} FROM users ORDER BY {created}, {id} LIMIT 100 OFFSET \
                     {offset}) AS ving_page ON ving_page.{id} = users.{id} ORDER BY \
                     users.{created}, users.{id}"
                ),
                (false, true) if form == ListSql::Subquery => format!(
                    "SELECT users.*, (SELECT COUNT(*) FROM users) AS ving_total FROM users ORDER \
                     BY {created}, {id} LIMIT 100 OFFSET {offset}"
                ),
                (true, false) => format!(
                    "SELECT users.* FROM users INNER JOIN (SELECT {id} FROM users ORDER BY \
                     {created}, {id} LIMIT 100 OFFSET {offset}) AS ving_page ON ving_page.{id} = \
                     users.{id} ORDER BY users.{created}, users.{id}"
                ),
                (true, true) => format!(
                    "SELECT users.*, ving_page.ving_total FROM users INNER JOIN (SELECT {id}, \
                     COUNT(*) OVER () AS ving_total FROM users ORDER BY {created}, {id} LIMIT 100 \
                     OFFSET {offset}) AS ving_page ON ving_page.{id} = users.{id} ORDER BY \
                     users.{created}, users.{id}"
                ),
                (false, false) => format!(
                    "SELECT * FROM users ORDER BY {created}, {id} LIMIT 100 OFFSET {offset}"
                ),
                (false, true) => format!(
                    "SELECT users.*, COUNT(*) OVER () AS ving_total FROM users ORDER BY \
                     {created}, {id} LIMIT 100 OFFSET {offset}"
                ),
            };
            let rows = match db.pool() {
                Pool::MySql(pool) if form == ListSql::FoundRows => {
                    found_rows_page(&mut *pool.acquire().await?, offset).await?
                }
                _ if form == ListSql::FoundRows => return Err("FOUND_ROWS() is MySQL's".into()),
                Pool::MySql(pool) => {
                    if !windowed {
                        ving::sqlx::query(count).fetch_one(pool).await?;
                    }
                    ving::sqlx::query(&sql).fetch_all(pool).await?.len()
                }
                Pool::Postgres(pool) => {
                    if !windowed {
                        ving::sqlx::query(count).fetch_one(pool).await?;
                    }
                    ving::sqlx::query(&sql).fetch_all(pool).await?.len()
                }
                Pool::Sqlite(pool) => {
                    if !windowed {
                        ving::sqlx::query(count).fetch_one(pool).await?;
                    }
                    ving::sqlx::query(&sql).fetch_all(pool).await?.len()
                }
                #[allow(unreachable_patterns)]
                _ => return Err("this backend is not in the build".into()),
            };
            assert_eq!(rows, 100);
        }
        times.push(start.elapsed());
    }
    Ok(best(times))
}

/// `--list-sql [backends]`: case 5's lists' SQL alone, in each of its forms, alternately
/// (five rounds of 100 pages, best of each), with ratios against the form `describe_list`
/// sends.
async fn list_sql_forms(backend: Backend) -> Result<(), BoxError> {
    let Some(test) = TestDb::fresh_or_skip(backend).await else {
        return Ok(());
    };
    let db = test.db();
    db.create_tables(&TableModel::from_schemas(&schemas()?))
        .await?;
    for first in (0..10_001).step_by(1000) {
        let batch: Vec<UserInsert> = (first..(first + 1000).min(10_001))
            .map(|i| user(i, i == 0))
            .collect();
        db.insert(UserTable).values(batch).execute().await?;
    }
    let mut forms = vec![
        ("a count, then keys first", ListSql::KeysFirst),
        ("a count, then plain selects", ListSql::Plain),
        ("keys first, the count windowed", ListSql::Windowed),
        ("keys first, the count a scalar subquery", ListSql::Subquery),
    ];
    if backend == Backend::MySql {
        forms.push(("the page (or keys) with FOUND_ROWS()", ListSql::FoundRows));
    }
    let mut times = vec![Vec::new(); forms.len()];
    for _ in 0..5 {
        for (i, (_, form)) in forms.iter().enumerate() {
            times[i].push(raw_list_time(db, 1, *form).await?);
        }
    }
    let times: Vec<Duration> = times.into_iter().map(best).collect();
    for ((what, _), time) in forms.iter().zip(&times) {
        println!(
            "| {backend} | 100 pages of 100 Users' SQL: {what} | {:.1} ms | {:.2} |",
            ms(*time),
            time.as_secs_f64() / times[0].as_secs_f64()
        );
    }
    test.cleanup().await;
    Ok(())
}

/// For a profiler (`--profile-describe-users [mariadb|sqlite] [bytes] [show] [list [raw]]`): `VING_PROFILE_ROUNDS`
/// (200) rounds of describing 1,000 users to an admin with links, options and meta (the
/// case of `scripts/bench-ving-node`), on PostgreSQL unless told; prints the time a user.
async fn profile_describe_users(args: &[String]) -> Result<(), BoxError> {
    let backend = if args.iter().any(|a| a == "mariadb") {
        Backend::MySql
    } else if args.iter().any(|a| a == "sqlite") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    };
    let test = TestDb::fresh(backend).await?;
    let schemas = schemas()?;
    test.db()
        .create_tables(&TableModel::from_schemas(&schemas))
        .await?;
    // `list`: 10,000 users, listed rather than described one by one.
    let list = args.iter().any(|a| a == "list");
    for first in (0..if list { 10_000 } else { 1_000 }).step_by(1000) {
        let users: Vec<UserInsert> = (first..first + 1000).map(|i| user(i, i == 0)).collect();
        test.db().insert(UserTable).values(users).execute().await?;
    }
    let kinds = record::kinds_with(&schemas, test.db(), codec()?, RecordSettings::default());
    let users = kinds.kind("User")?;
    let admin = users.find_or_die(1).await?;
    if list {
        // `list`: VING_PROFILE_ROUNDS rounds of describe_list_to over 100 pages of 100
        // Users to the admin, without includes (or, with `raw`, the SQL alone).
        let rounds = profile_rounds(10);
        let start = Instant::now();
        let mut out = Vec::new();
        for _ in 0..rounds {
            if args.iter().any(|a| a == "raw") {
                raw_list_time(test.db(), 1, ListSql::KeysFirst).await?;
                continue;
            }
            for page in 1..=100 {
                let list = page_of_100(page, Describe::new().current_user(&admin));
                out.clear();
                users.describe_list_to(&list, (), &mut out).await?;
                std::hint::black_box(&out);
            }
        }
        println!(
            "{:.1} ms a round",
            ms(start.elapsed()) / f64::from(rounds.max(1))
        );
        test.cleanup().await;
        return Ok(());
    }
    let page = users.find_many((), &FindOptions::default()).await?;
    // `no-links`, `no-options`, `no-meta`: without that part, to see what it costs.
    let without = |part: &str| args.iter().any(|a| a == part);
    let mut params = Describe::new().current_user(&admin);
    if !without("no-links") {
        params = params.links();
    }
    if !without("no-options") {
        params = params.options();
    }
    if !without("no-meta") {
        params = params.meta();
    }
    let rounds = profile_rounds(200);
    let a_user =
        |time: Duration| time.as_secs_f64() * 1e6 / f64::from(rounds.max(1)) / page.len() as f64;
    // `bytes`: describe_to alone, for a profile of it.
    let value_rounds = if args.iter().any(|a| a == "bytes") {
        0
    } else {
        rounds
    };
    let start = Instant::now();
    for _ in 0..value_rounds {
        for user in &page {
            std::hint::black_box(user.describe(&params).await?);
        }
    }
    let value = start.elapsed();
    let start = Instant::now();
    let mut out = Vec::new();
    for _ in 0..rounds {
        for user in &page {
            out.clear();
            user.describe_to(&params, &mut out).await?;
            std::hint::black_box(&out);
        }
    }
    let bytes = start.elapsed();
    println!(
        "{:.2} µs a user as a JSON value (describe), {:.2} µs as JSON text (describe_to), {} bytes the last",
        a_user(value),
        a_user(bytes),
        out.len()
    );
    // `show`: the last describe, to see what is written.
    if args.iter().any(|a| a == "show") {
        println!("{}", String::from_utf8_lossy(&out));
    }
    test.cleanup().await;
    Ok(())
}

/// `VING_PROFILE_ROUNDS`, for the profiling modes: how many rounds (`default` unless set).
fn profile_rounds(default: u32) -> u32 {
    std::env::var("VING_PROFILE_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(default)
}

/// Page `page` of 100, each record described with `object_params`.
fn page_of_100<'u>(page: i64, object_params: Describe<'u>) -> ListParams<'u> {
    ListParams {
        items_per_page: Some(100),
        page: Some(page),
        object_params,
        ..ListParams::default()
    }
}

/// The best of the rounds: the machines are shared, and interference only ever adds.
fn best(times: Vec<Duration>) -> Duration {
    times.into_iter().min().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn run_backend(backend: Backend, sizes: &Sizes) -> Result<(), BoxError> {
    let Some(test) = TestDb::fresh_or_skip(backend).await else {
        return Ok(());
    };
    let schemas = schemas()?;
    let db = test.db();
    db.create_tables(&TableModel::from_schemas(&schemas))
        .await?;
    owner(db).await?;
    seed(db, sizes.find, 0).await?;
    let kinds: Kinds<'_> = record::kinds_with(&schemas, db, codec()?, RecordSettings::default());
    let keys = kinds.kind("APIKey")?;
    let owner = kinds.kind("User")?.find_or_die(1).await?;
    if sizes.only_users {
        users_cases(db, &kinds, sizes).await?;
        test.cleanup().await;
        return Ok(());
    }

    // 1. find_many vs the query builder's select, alternately.
    let (mut records, mut rows) = (Vec::new(), Vec::new());
    for _ in 0..sizes.rounds {
        let start = Instant::now();
        let found = keys.find_many((), &FindOptions::default()).await?;
        records.push(start.elapsed());
        assert_eq!(found.len(), sizes.find);
        drop(found);
        let start = Instant::now();
        let found = db.select().from(APIKeyTable).all().await?;
        rows.push(start.elapsed());
        assert_eq!(found.len(), sizes.find);
    }
    let (records, rows) = (best(records), best(rows));
    println!(
        "| {backend} | find_many of {} records vs select of the rows | {:.1} ms | {:.1} ms | {:.3} |",
        sizes.find,
        ms(records),
        ms(rows),
        records.as_secs_f64() / rows.as_secs_f64()
    );
    if sizes.only_find {
        test.cleanup().await;
        return Ok(());
    }

    // 2. describe of 1,000 records to their owner, with links, options and meta.
    let page = first(&keys, sizes.describe).await?;
    let params = Describe::new()
        .current_user(&owner)
        .links()
        .options()
        .meta();
    let mut times = Vec::new();
    for _ in 0..sizes.rounds {
        let start = Instant::now();
        for record in &page {
            std::hint::black_box(record.describe(&params).await?);
        }
        times.push(start.elapsed());
    }
    let time = best(times);
    println!(
        "| {backend} | describe of {} records (links, options, meta) | {:.1} ms | {:.1} µs a record | |",
        page.len(),
        ms(time),
        time.as_secs_f64() * 1e6 / page.len() as f64
    );

    // 3. a describe_list page of 100.
    let list = ListParams {
        items_per_page: Some(100),
        page: Some(3),
        object_params: Describe::new().current_user(&owner).links().meta(),
        ..ListParams::default()
    };
    let time = list_time(&keys, &list, sizes.rounds).await?;
    println!(
        "| {backend} | describe_list page of 100 (of {}) | {:.1} ms | | |",
        sizes.find,
        ms(time)
    );
    sort_index_cost(db, &keys, &list, sizes.rounds, sizes.find, time).await?;

    // 5. Users, as ving on node is measured.
    users_cases(db, &kinds, sizes).await?;

    // 4. find_all of 1M records in a child process.
    seed(db, sizes.stream - sizes.find, sizes.find).await?;
    // The default sort (createdAt, id) over all the rows, without an index and with one.
    let time = list_time(&keys, &list, sizes.rounds.min(3)).await?;
    println!(
        "| {backend} | describe_list page of 100 (of {}) | {:.1} ms | | |",
        sizes.stream,
        ms(time)
    );
    sort_index_cost(db, &keys, &list, sizes.rounds.min(3), sizes.stream, time).await?;
    let rss = stream_rss(backend, &test)?;
    println!(
        "| {backend} | find_all of {} records: peak RSS | {rss} | | |",
        sizes.stream
    );
    test.cleanup().await;
    Ok(())
}

/// Streams every API key with `find_all` in a child process and returns its peak
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
    let start = Instant::now();
    let output = std::process::Command::new(std::env::current_exe()?)
        .args(["--find-all-rss", &url])
        .output()?;
    Ok(format!(
        "{} in {:.1} s",
        String::from_utf8_lossy(&output.stdout).trim(),
        start.elapsed().as_secs_f64()
    ))
}

/// The child of [`stream_rss`]: `find_all`, then print the peak RSS (VmHWM).
async fn find_all_child(url: &str) -> Result<(), BoxError> {
    let db = Db::connect(
        &ving::config::DatabaseUrl::parse(url)?,
        &std::env::temp_dir(),
    )
    .await?;
    let schemas = schemas()?;
    let before = vm_hwm();
    let kinds = record::kinds_with(&schemas, &db, codec()?, RecordSettings::default());
    let keys = kinds.kind("APIKey")?;
    let mut stream = std::pin::pin!(keys.find_all((), &FindOptions::default()));
    let mut count = 0usize;
    while let Some(record) = stream.next().await {
        std::hint::black_box(record?);
        count += 1;
    }
    println!("{} (process before: {before}; records: {count})", vm_hwm());
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

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--find-all-rss") {
        return find_all_child(args.get(i + 1).map_or("", String::as_str)).await;
    }
    if args.iter().any(|a| a == "--profile-describe-users") {
        return profile_describe_users(&args).await;
    }
    if args.iter().any(|a| a == "--list-sql") {
        for (name, backend) in [
            ("sqlite", Backend::Sqlite),
            ("mariadb", Backend::MySql),
            ("postgres", Backend::Postgres),
        ] {
            if args.iter().all(|a| a.starts_with("--")) || args.iter().any(|a| a == name) {
                list_sql_forms(backend).await?;
            }
        }
        return Ok(());
    }
    let find_many = args.iter().any(|a| a == "--profile-find-many");
    let describe = args.iter().any(|a| a == "--profile-describe");
    if find_many || describe || args.iter().any(|a| a == "--profile-select") {
        // For a profiler: 200 find_many of 10,000 records (or, with `--profile-select`,
        // 200 selects of the same rows by the query builder; with `--profile-describe`,
        // 200 describes of 1,000 records as case 2 does), on PostgreSQL, or `mariadb` /
        // `sqlite`; nothing else timed.
        let backend = if args.iter().any(|a| a == "mariadb") {
            Backend::MySql
        } else if args.iter().any(|a| a == "sqlite") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let test = TestDb::fresh(backend).await?;
        let schemas = schemas()?;
        test.db()
            .create_tables(&TableModel::from_schemas(&schemas))
            .await?;
        owner(test.db()).await?;
        seed(test.db(), 10_000, 0).await?;
        let kinds = record::kinds_with(&schemas, test.db(), codec()?, RecordSettings::default());
        let keys = kinds.kind("APIKey")?;
        let owner = kinds.kind("User")?.find_or_die(1).await?;
        let page = first(&keys, 1000).await?;
        let params = Describe::new()
            .current_user(&owner)
            .links()
            .options()
            .meta();
        // `VING_PROFILE_ROUNDS` rounds (200 by default): under callgrind, the difference
        // between two counts is the rounds' own cost.
        let rounds = profile_rounds(200);
        let start = Instant::now();
        for _ in 0..rounds {
            if describe {
                for record in &page {
                    std::hint::black_box(record.describe(&params).await?);
                }
            } else if find_many {
                std::hint::black_box(keys.find_many((), &FindOptions::default()).await?);
            } else {
                std::hint::black_box(test.db().select().from(APIKeyTable).all().await?);
            }
        }
        println!(
            "{:.1} ms each",
            ms(start.elapsed()) / f64::from(rounds.max(1))
        );
        test.cleanup().await;
        return Ok(());
    }
    let quick = args.iter().any(|a| a == "--quick");
    let only_find = args.iter().any(|a| a == "--find");
    let only_users = args.iter().any(|a| a == "--users");
    let sizes = if quick {
        Sizes {
            find: 10_000,
            describe: 1_000,
            stream: 50_000,
            rounds: 3,
            only_find,
            only_users,
        }
    } else {
        Sizes {
            find: 10_000,
            describe: 1_000,
            stream: 1_000_000,
            rounds: if only_find { 40 } else { 15 },
            only_find,
            only_users,
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
    println!("| backend | case | records | query builder | records / builder |");
    println!("|---|---|---|---|---|");
    for backend in wanted {
        run_backend(backend, &sizes).await?;
    }
    Ok(())
}
