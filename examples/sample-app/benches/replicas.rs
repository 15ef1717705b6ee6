//! Primary-key selects spread over two read replicas against the same selects on one
//! server, on the test Galera cluster (`scripts/clusters start galera`, then
//! `eval "$(scripts/clusters env galera)"`): 20,000 selects by 16 tasks, alternating which
//! setup goes first, medians of five rounds and their ratio. Without the cluster it says
//! so and exits. Run with `cargo bench -p ving-sample-app --bench replicas`.

use std::time::{Duration, Instant};

use ving::config::DatabaseUrl;
use ving::drizzle::{eq, Db};
use ving::schema::{SchemaOptions, SchemaSet};
use ving::table::TableModel;
use ving_sample_app::drizzle::schema::{UserInsert, UserTable};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const SELECTS: usize = 20_000;
const TASKS: usize = 16;
const ROUNDS: usize = 5;
const USERS: i64 = 1_000;

fn with_database(url: &str, name: &str) -> Result<DatabaseUrl, BoxError> {
    let mut parsed = url::Url::parse(url)?;
    parsed.set_path(&format!("/{name}"));
    Ok(DatabaseUrl::parse(parsed.as_str())?)
}

/// `SELECTS` primary-key selects by `TASKS` tasks; the time they took.
async fn run(db: &Db, ids: &[i64]) -> Result<Duration, BoxError> {
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(TASKS);
    for t in 0..TASKS {
        let db = db.clone();
        let ids = ids.to_vec();
        tasks.push(tokio::spawn(async move {
            for i in 0..SELECTS / TASKS {
                let id = ids[(t * 7919 + i) % ids.len()];
                let row = db
                    .select()
                    .from(UserTable)
                    .where_(eq(UserTable.id, id))
                    .first()
                    .await?;
                if row.is_none() {
                    return Err::<(), BoxError>(format!("user {id} is missing").into());
                }
            }
            Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(start.elapsed())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let Some(urls) = std::env::var("VING_TEST_GALERA_URLS")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        eprintln!("VING_TEST_GALERA_URLS is not set: start the cluster with `scripts/clusters start galera` and `eval \"$(scripts/clusters env galera)\"`");
        return Ok(());
    };
    let nodes: Vec<&str> = urls.split(',').collect();
    if nodes.len() < 3 {
        return Err(format!("three Galera nodes expected, got {urls}").into());
    }
    let name = format!("ving_bench_{}", std::process::id());
    let root = std::env::temp_dir();
    let admin = Db::connect(&DatabaseUrl::parse(nodes[0])?, &root).await?;
    admin
        .execute_script(&format!("CREATE DATABASE `{name}`"))
        .await?;
    let primary_url = with_database(nodes[0], &name)?;
    let replicas = [
        with_database(nodes[1], &name)?,
        with_database(nodes[2], &name)?,
    ];
    let one = Db::connect(&primary_url, &root).await?;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ving/schema/schemas");
    one.create_tables(&TableModel::from_schemas(&SchemaSet::load(
        &dir,
        &SchemaOptions::default(),
    )?))
    .await?;
    let users: Vec<UserInsert> = (0..USERS)
        .map(|i| UserInsert {
            username: Some(format!("u{i}")),
            email: Some(format!("u{i}@example.com")),
            ..UserInsert::new(String::new())
        })
        .collect();
    // Galera spaces ids by the cluster's size: use the ids the insert gave.
    let ids = one.insert(UserTable).values(users).execute().await?.ids;
    let spread =
        Db::connect_with_replicas(&primary_url, &replicas, &root, Duration::from_secs(5)).await?;
    // Warm both pools.
    run(&one, &ids).await?;
    run(&spread, &ids).await?;
    let (mut single, mut replicated) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            single.push(run(&one, &ids).await?);
            replicated.push(run(&spread, &ids).await?);
        } else {
            replicated.push(run(&spread, &ids).await?);
            single.push(run(&one, &ids).await?);
        }
    }
    let (single, replicated) = (median(single), median(replicated));
    println!("| setup | {SELECTS} primary-key selects, {TASKS} tasks (median of {ROUNDS}) |");
    println!("|---|---|");
    println!(
        "| one server (Galera node 1) | {:.1} ms |",
        single.as_secs_f64() * 1e3
    );
    println!(
        "| two replicas (nodes 2 and 3), writes to node 1 | {:.1} ms |",
        replicated.as_secs_f64() * 1e3
    );
    println!(
        "| replicas / one server | {:.3} |",
        replicated.as_secs_f64() / single.as_secs_f64()
    );
    spread.close().await;
    one.close().await;
    admin
        .execute_script(&format!("DROP DATABASE IF EXISTS `{name}`"))
        .await?;
    admin.close().await;
    Ok(())
}
