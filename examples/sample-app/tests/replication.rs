//! Read replicas on real replication, started by `scripts/clusters` (a PostgreSQL
//! primary + streaming standby, a 3-node MariaDB Galera cluster): reads are served by the
//! replicas (their own statistics and ports say so), writes by the primary,
//! read-your-writes sees a write at once, the structure made on the primary reaches the
//! standby, and with the standby stopped reads go to the primary without an error. The URLs come from `scripts/clusters env` (`VING_TEST_PG_PRIMARY_URL`,
//! `VING_TEST_PG_STANDBY_URL`, `VING_TEST_GALERA_URLS`); without them the tests say they
//! are skipped, except under `CI=true`, where they must run.

use std::time::{Duration, Instant};

use ving::config::DatabaseUrl;
use ving::drizzle::{count, sql, Db};
use ving::schema::{SchemaOptions, SchemaSet};
use ving::table::TableModel;
use ving::testing::in_ci;
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

/// The variables' values, or `None` (with a message) outside CI when one is unset.
fn urls(names: &[&str]) -> Option<Vec<String>> {
    let values: Vec<Option<String>> = names
        .iter()
        .map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
        .collect();
    if values.iter().all(Option::is_some) {
        return Some(values.into_iter().flatten().collect());
    }
    let message = format!(
        "{} not set: start the clusters with `scripts/clusters start all` and `eval \"$(scripts/clusters env all)\"`",
        names.join(", ")
    );
    if in_ci() {
        panic!("replication tests must run in CI: {message}");
    }
    eprintln!("SKIPPED replication tests: {message}");
    None
}

fn with_database(url: &str, name: &str) -> DatabaseUrl {
    let mut parsed = url::Url::parse(url).expect("url");
    parsed.set_path(&format!("/{name}"));
    DatabaseUrl::parse(parsed.as_str()).expect("url")
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{nanos}", std::process::id())
}

async fn connect(url: &DatabaseUrl) -> Db {
    Db::connect(url, &std::env::temp_dir())
        .await
        .expect("connect")
}

/// Waits until `check` holds (replication takes a moment), at most 20 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs `scripts/clusters` (stopping and starting the standby).
fn clusters(args: &[&str]) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/clusters");
    let status = std::process::Command::new("bash")
        .arg(&script)
        .args(args)
        .status()
        .expect("scripts/clusters runs");
    assert!(status.success(), "scripts/clusters {args:?} failed");
}

/// Reads of the standby's users table, by its own statistics.
async fn standby_reads(standby: &Db) -> i64 {
    standby
        .fetch_all(
            "SELECT (COALESCE(seq_scan, 0) + COALESCE(idx_scan, 0))::int8 FROM pg_stat_user_tables WHERE relname = 'users'",
            Vec::new(),
            |row| row.get_i64(0),
        )
        .await
        .expect("statistics")
        .first()
        .copied()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_standby_serves_reads() {
    let Some(found) = urls(&["VING_TEST_PG_PRIMARY_URL", "VING_TEST_PG_STANDBY_URL"]) else {
        return;
    };
    let name = unique("ving_repl");
    let admin = connect(&DatabaseUrl::parse(&found[0]).expect("url")).await;
    admin
        .execute_script(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create database");
    let primary_url = with_database(&found[0], &name);
    let standby_url = with_database(&found[1], &name);
    let primary = connect(&primary_url).await;
    primary.create_tables(&model()).await.expect("tables");
    // The structure reaches the standby.
    let deadline = Instant::now() + Duration::from_secs(20);
    let standby_direct = loop {
        if let Ok(db) = Db::connect(&standby_url, &std::env::temp_dir()).await {
            let replicated = db
                .fetch_all("SELECT to_regclass('users') IS NOT NULL", Vec::new(), |r| {
                    r.get_bool(0)
                })
                .await
                .is_ok_and(|v| v == [true]);
            if replicated {
                break db;
            }
            db.close().await;
        }
        assert!(
            Instant::now() < deadline,
            "the tables never reached the standby"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let db = Db::connect_with_replicas(
        &primary_url,
        std::slice::from_ref(&standby_url),
        &std::env::temp_dir(),
        Duration::from_secs(5),
    )
    .await
    .expect("connect with the standby");

    // A write goes to the primary (the standby would refuse it); read-your-writes sees it
    // at once, from the standby once it has replayed it.
    db.insert(UserTable)
        .values([user("rita")])
        .execute()
        .await
        .expect("write");
    let seen = db
        .read_your_writes()
        .select_fields(UserTable.username)
        .from(UserTable)
        .all()
        .await
        .expect("read your writes");
    assert_eq!(seen, ["rita"]);

    // Plain reads are served by the standby: its port, and its own statistics.
    let before = standby_reads(&standby_direct).await;
    let standby_port = i64::from(url::Url::parse(&found[1]).expect("url").port().unwrap_or(0));
    for _ in 0..10 {
        let served: Vec<(i64, i32)> = db
            .select_fields((count(), sql!("inet_server_port()").typed::<i32>()))
            .from(UserTable)
            .group_by(sql!("inet_server_port()").typed::<i32>())
            .all()
            .await
            .expect("read");
        assert_eq!(served.len(), 1);
        assert_eq!(
            i64::from(served[0].1),
            standby_port,
            "served by the standby"
        );
    }
    eventually("the standby's statistics to count the reads", || async {
        standby_reads(&standby_direct).await >= before + 10
    })
    .await;
    // primary() reads the primary.
    let port: Vec<i32> = db
        .primary()
        .select_fields(sql!("inet_server_port()").typed::<i32>())
        .from(UserTable)
        .all()
        .await
        .expect("primary read");
    assert_ne!(i64::from(port[0]), standby_port);

    // A stopped standby: reads fall back to the primary, without an error reaching us.
    standby_direct.close().await;
    clusters(&["stop", "pg-standby"]);
    let outcome = async {
        for _ in 0..5 {
            let served: Vec<i32> = db
                .select_fields(sql!("inet_server_port()").typed::<i32>())
                .from(UserTable)
                .all()
                .await
                .map_err(|e| e.to_string())?;
            if served.iter().any(|p| i64::from(*p) == standby_port) {
                return Err("a read was served by the stopped standby".to_owned());
            }
        }
        Ok::<(), String>(())
    }
    .await;
    clusters(&["start", "pg"]);
    outcome.expect("reads with the standby stopped");

    db.close().await;
    primary.close().await;
    let _ = admin
        .execute_script(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await;
    admin.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn galera_nodes_serve_reads() {
    let Some(found) = urls(&["VING_TEST_GALERA_URLS"]) else {
        return;
    };
    let nodes: Vec<&str> = found[0].split(',').collect();
    assert_eq!(nodes.len(), 3, "three Galera nodes: {nodes:?}");
    let name = unique("ving_repl");
    let admin = connect(&DatabaseUrl::parse(nodes[0]).expect("url")).await;
    admin
        .execute_script(&format!("CREATE DATABASE `{name}`"))
        .await
        .expect("create database");
    let primary_url = with_database(nodes[0], &name);
    let replica_urls: Vec<DatabaseUrl> =
        nodes[1..].iter().map(|n| with_database(n, &name)).collect();
    let primary = connect(&primary_url).await;
    primary.create_tables(&model()).await.expect("tables");
    let db = Db::connect_with_replicas(
        &primary_url,
        &replica_urls,
        &std::env::temp_dir(),
        Duration::from_secs(5),
    )
    .await
    .expect("connect with replicas");
    db.insert(UserTable)
        .values([user("rita"), user("joe")])
        .execute()
        .await
        .expect("write on node 1");
    // Read-your-writes: wsrep_sync_wait makes the replica apply the write first.
    for _ in 0..10 {
        let seen = db
            .read_your_writes()
            .select_fields(count())
            .from(UserTable)
            .first()
            .await
            .expect("read your writes");
        assert_eq!(seen, Some(2));
    }
    // Plain reads go to nodes 2 and 3 in turn.
    let ports: Vec<i64> = replica_urls
        .iter()
        .map(|u| {
            i64::from(
                url::Url::parse(u.driver_url())
                    .expect("url")
                    .port()
                    .unwrap_or(0),
            )
        })
        .collect();
    let mut served = Vec::new();
    for _ in 0..4 {
        let port: Vec<i64> = db
            .select_fields(sql!("CAST(@@port AS SIGNED)").typed::<i64>())
            .from(UserTable)
            .limit(1)
            .all()
            .await
            .expect("read");
        served.extend(port);
    }
    served.sort_unstable();
    let mut expected = [ports.clone(), ports].concat();
    expected.sort_unstable();
    assert_eq!(served, expected, "round-robin over nodes 2 and 3");
    db.close().await;
    primary.close().await;
    let _ = admin
        .execute_script(&format!("DROP DATABASE IF EXISTS `{name}`"))
        .await;
    admin.close().await;
}
