//! Migrations on the project's own replicated servers (`scripts/clusters start all`, then
//! `eval "$(scripts/clusters env all)"`): a 3-node MariaDB Galera and a PostgreSQL
//! primary with a streaming standby.
//!
//! - Galera: `VING_GALERA_TRIALS` trials (5 by default) of three `ving drizzle --up`
//!   processes at once, one per node, started 0–600 ms apart, each on a fresh database
//!   with 8 pending migrations (tables, columns, foreign keys whose ON DELETE flips):
//!   every migration recorded once, every node's structure that of a single run, no
//!   progress or lock rows left, every process exiting 0. A lock holder killed with
//!   SIGKILL is taken over once its lock expires; a live one whose migration outlasts the
//!   expiry keeps it. A run that cannot get the lock in time stops with "another run is
//!   applying migrations". A failed run's progress is handed over to the rerun; a row
//!   written outside the lock is refused. Nodes in RSU mode or read-only are refused.
//! - PostgreSQL: `--up`, `--down` and `--check` against the standby stop with "read-only
//!   standby" and write nothing; `--status` works there; migrations applied on the
//!   primary reach the standby; `--up` with nothing pending writes nothing (run as a role
//!   that may only read).
//!
//! Without the URLs (`VING_TEST_GALERA_URLS`, `VING_TEST_PG_PRIMARY_URL`,
//! `VING_TEST_PG_STANDBY_URL`) each test says it is skipped; under `CI=true` it fails.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use ving::config::{Backend, DatabaseUrl};
use ving::db::Db;
use ving::migrate::{self, Folder, PrepareOptions, Renames};
use ving::schema::{SchemaOptions, SchemaSet, SourceFile};
use ving::table::TableModel;

fn env_url(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The URLs in `names`, or `None` after saying the test is skipped (a failure in CI).
fn urls_or_skip(test: &str, names: &[&str]) -> Option<Vec<String>> {
    let found: Vec<Option<String>> = names.iter().map(|n| env_url(n)).collect();
    if found.iter().all(Option::is_some) {
        return Some(found.into_iter().flatten().collect());
    }
    let missing: Vec<&str> = names
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(n, _)| *n)
        .collect();
    let message = format!(
        "{test}: {} not set; start the clusters with `scripts/clusters start all` and `eval \"$(scripts/clusters env all)\"`",
        missing.join(", ")
    );
    assert!(
        !ving::testing::in_ci(),
        "{message} (required under CI=true)"
    );
    eprintln!("skipped: {message}");
    None
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (server, path) = rest.split_once('/').unwrap_or((rest, ""));
    let query = path
        .split_once('?')
        .map_or(String::new(), |(_, q)| format!("?{q}"));
    format!("{scheme}://{server}/{name}{query}")
}

async fn connect(url: &str) -> Db {
    let parsed = DatabaseUrl::parse(url).expect("url");
    Db::connect(&parsed, &std::env::temp_dir())
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000
    )
}

const WIDGET: &str = "kind = \"Widget\"\ntableName = \"widgets\"\nowner = [\"admin\"]\n\n[[props]]\ntype = \"string\"\nname = \"label\"\nrequired = true\nlength = 60\ndefault = \"\"\n";

fn gadget(required: bool) -> String {
    format!("kind = \"Gadget\"\ntableName = \"gadgets\"\nowner = [\"admin\"]\n\n[[props]]\ntype = \"string\"\nname = \"name\"\nrequired = true\nlength = 40\ndefault = \"\"\n\n[[props]]\ntype = \"id\"\nname = \"widgetId\"\nrequired = {required}\n[props.relation]\ntype = \"parent\"\nname = \"widget\"\nkind = \"Widget\"\n")
}

/// Eight versions of the app: a table, a second one with a foreign key, columns, then
/// the foreign key's ON DELETE flipping (required: cascade; optional: set null) around a
/// unique index, and an enum column.
fn versions() -> Vec<SchemaSet> {
    let columns = "\n[[props]]\ntype = \"int\"\nname = \"count\"\nrequired = true\ndefault = 0\n\n[[props]]\ntype = \"string\"\nname = \"note\"\nrequired = false\nlength = 200\ndefault = \"\"\n";
    let unique_note = columns.replace("default = \"\"\n", "default = \"\"\nunique = true\n");
    let size = "\n[[props]]\ntype = \"enum\"\nname = \"size\"\nrequired = true\ndefault = \"small\"\nenums = [\"small\", \"large\"]\nenumLabels = [\"Small\", \"Large\"]\n";
    let widget = |extra: &str| ("Widget.toml", format!("{WIDGET}{extra}"));
    let sets: Vec<Vec<(&str, String)>> = vec![
        vec![widget("")],
        vec![widget(""), ("Gadget.toml", gadget(false))],
        vec![widget(columns), ("Gadget.toml", gadget(false))],
        vec![widget(columns), ("Gadget.toml", gadget(true))],
        vec![widget(columns), ("Gadget.toml", gadget(false))],
        vec![widget(&unique_note), ("Gadget.toml", gadget(false))],
        vec![widget(&unique_note), ("Gadget.toml", gadget(true))],
        vec![
            widget(&format!("{unique_note}{size}")),
            ("Gadget.toml", gadget(true)),
        ],
    ];
    sets.into_iter()
        .map(|files| {
            let files: Vec<_> = files
                .into_iter()
                .map(|(name, text)| SourceFile::new(name, text))
                .collect();
            SchemaSet::from_files(&files, &SchemaOptions::default())
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

/// A project whose migrations folder holds one migration per version, for `backend`;
/// `slow` adds a migration that sleeps that long after the fourth.
fn project(backend: Backend, slow: Option<u32>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("ving/schema/schemas")).expect("mkdir");
    std::fs::write(
        dir.path().join("ving.toml"),
        "[database]\nurl = \"sqlite://unused.db\"\n",
    )
    .expect("ving.toml");
    let folder = Folder::new(dir.path().join("ving/drizzle/migrations"));
    let dialect = ving::sql::dialect(backend);
    for (i, set) in versions().iter().enumerate() {
        // The relation becomes required twice: a gadget without a widget would get
        // widget 1 (no version's rows have one).
        let mut renames = Renames::from_schemas(set);
        renames
            .fills
            .insert(("gadgets".into(), "widgetId".into()), "1".into());
        migrate::prepare(
            &folder,
            &TableModel::from_schemas(set),
            &renames,
            dialect,
            &PrepareOptions {
                name: Some(format!("step{i}")),
                accept_drops: true,
                ..PrepareOptions::default()
            },
        )
        .unwrap_or_else(|e| panic!("prepare step {i}: {e}"));
        if i == 3 {
            if let Some(seconds) = slow {
                let custom = PrepareOptions {
                    name: Some("slow".into()),
                    custom: true,
                    ..PrepareOptions::default()
                };
                migrate::prepare(
                    &folder,
                    &TableModel::from_schemas(set),
                    &Renames::default(),
                    dialect,
                    &custom,
                )
                .expect("custom");
                let journal = folder.journal(dialect).expect("journal");
                let tag = &journal.entries.last().expect("entry").tag;
                std::fs::write(
                    folder.dir().join(format!("{tag}.sql")),
                    format!("DO SLEEP({seconds});"),
                )
                .expect("slow migration");
            }
        }
    }
    dir
}

/// `ving drizzle <args>` in `root` against `url`, with the lock's settings.
fn ving(root: &Path, url: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ving"));
    command
        .arg("-C")
        .arg(root)
        .arg("drizzle")
        .args(args)
        .env("VING_DATABASE_URL", url)
        .env_remove("VING_MYSQL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The structure of database `name` as `db`'s node has it, once it has applied what the
/// cluster committed (`wsrep_sync_wait`): columns, indexes and foreign keys with their
/// rules — ving's own tables left out.
async fn galera_structure(db: &Db, name: &str) -> BTreeSet<String> {
    let queries = [
        format!("SELECT CONCAT_WS('|', TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, IFNULL(COLUMN_DEFAULT, '-'), EXTRA) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{name}' AND TABLE_NAME NOT LIKE '\\_\\_%'"),
        format!("SELECT CONCAT_WS('|', TABLE_NAME, INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '{name}' AND TABLE_NAME NOT LIKE '\\_\\_%' GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE"),
        format!("SELECT CONCAT_WS('|', TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME, DELETE_RULE, UPDATE_RULE) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = '{name}'"),
    ];
    let mut found = BTreeSet::new();
    for sql in queries {
        let sql = format!("SET STATEMENT wsrep_sync_wait = 1 FOR {sql}");
        let rows = db
            .fetch_all(&sql, Vec::new(), |row| row.get_string(0))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        found.extend(rows);
    }
    found
}

/// One number read on a Galera node after it caught up.
async fn galera_count(db: &Db, sql: &str) -> i64 {
    let sql = format!("SET STATEMENT wsrep_sync_wait = 1 FOR {sql}");
    db.fetch_all(&sql, Vec::new(), |row| row.get_i64(0))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))[0]
}

/// What every node must show after the runs: each migration recorded once, no progress
/// or lock row, the structure of a single run.
async fn assert_converged(
    context: &str,
    nodes: &[String],
    name: &str,
    migrations: i64,
    want: &BTreeSet<String>,
) {
    for (n, node) in nodes.iter().enumerate() {
        let db = connect(&with_database(node, name)).await;
        let recorded = galera_count(
            &db,
            "SELECT CAST(COUNT(*) AS SIGNED) FROM __drizzle_migrations",
        )
        .await;
        let distinct = galera_count(
            &db,
            "SELECT CAST(COUNT(DISTINCT created_at) AS SIGNED) FROM __drizzle_migrations",
        )
        .await;
        assert_eq!(
            (recorded, distinct),
            (migrations, migrations),
            "{context}: node {}: every migration recorded once",
            n + 1
        );
        let progress = galera_count(
            &db,
            "SELECT CAST(COUNT(*) AS SIGNED) FROM __ving_migration_progress",
        )
        .await;
        assert_eq!(progress, 0, "{context}: node {}: progress rows left", n + 1);
        let lock = if galera_count(&db, "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '__ving_migration_lock'").await == 1 {
            galera_count(&db, "SELECT CAST(COUNT(*) AS SIGNED) FROM __ving_migration_lock").await
        } else {
            0
        };
        assert_eq!(lock, 0, "{context}: node {}: the lock row left", n + 1);
        let got = galera_structure(&db, name).await;
        assert_eq!(&got, want, "{context}: node {}: structure", n + 1);
        db.close().await;
    }
}

/// Creates database `name` through `admin` and waits until every node has it.
async fn create_database(admin: &Db, nodes: &[String], name: &str) {
    admin
        .execute_script(&format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"
        ))
        .await
        .expect("create database");
    for node in nodes {
        let db = connect(node).await;
        let sql = format!("SET STATEMENT wsrep_sync_wait = 1 FOR SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{name}'");
        let there = db.fetch_all(&sql, Vec::new(), |row| row.get_i64(0)).await;
        assert_eq!(there.expect("schemata"), [1], "{node}: {name}");
        db.close().await;
    }
}

async fn drop_database(admin: &Db, name: &str) {
    let _ = admin
        .execute_script(&format!("DROP DATABASE IF EXISTS `{name}`"))
        .await;
}

/// A small generator for the start-time jitter (no dependency for one number).
struct Jitter(u64);

impl Jitter {
    fn next_ms(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

/// The structure a single run gives on the cluster, and the migrations count.
async fn reference(nodes: &[String], admin: &Db, root: &Path) -> BTreeSet<String> {
    let name = unique("ving_galera_ref");
    create_database(admin, nodes, &name).await;
    let output = ving(root, &with_database(&nodes[0], &name), &["--up"], &[])
        .output()
        .expect("run ving");
    let (out, err) = text(&output);
    assert!(output.status.success(), "single run: {out}{err}");
    let db = connect(&with_database(&nodes[0], &name)).await;
    let want = galera_structure(&db, &name).await;
    db.close().await;
    drop_database(admin, &name).await;
    assert!(
        want.iter()
            .any(|s| s.contains("gadgets_widget") && s.contains("CASCADE")),
        "the reference ends with the cascade rule: {want:?}"
    );
    want
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn galera_concurrent_ups_apply_each_migration_once() {
    let Some(urls) = urls_or_skip("galera trials", &["VING_TEST_GALERA_URLS"]) else {
        return;
    };
    let nodes: Vec<String> = urls[0]
        .split(',')
        .map(str::trim)
        .map(str::to_owned)
        .collect();
    assert_eq!(nodes.len(), 3, "three node URLs: {nodes:?}");
    let trials: usize = env_url("VING_GALERA_TRIALS").map_or(5, |t| t.parse().expect("a number"));
    let project = project(Backend::MySql, None);
    let admin = connect(&nodes[0]).await;
    let want = reference(&nodes, &admin, project.path()).await;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut jitter = Jitter(seed);
    let (mut waited, mut started) = (0, Instant::now());
    for trial in 0..trials {
        if trial == 0 {
            started = Instant::now();
        }
        let name = unique(&format!("ving_galera_{trial}"));
        create_database(&admin, &nodes, &name).await;
        let runs: Vec<_> = nodes
            .iter()
            .map(|node| {
                let delay = Duration::from_millis(jitter.next_ms(601));
                let mut command = ving(project.path(), &with_database(node, &name), &["--up"], &[]);
                std::thread::spawn(move || {
                    std::thread::sleep(delay);
                    command.output().expect("run ving")
                })
            })
            .collect();
        let mut applied = 0;
        for (n, run) in runs.into_iter().enumerate() {
            let output = run.join().expect("thread");
            let (out, err) = text(&output);
            assert!(
                output.status.success(),
                "trial {trial}, node {}: {out}{err}",
                n + 1
            );
            for line in err.lines() {
                assert!(
                    line.starts_with("another run is applying migrations"),
                    "trial {trial}, node {}: unexpected: {line}",
                    n + 1
                );
                waited += 1;
            }
            applied += out.lines().filter(|l| l.starts_with("applied ")).count();
        }
        assert_eq!(
            applied, 8,
            "trial {trial}: each migration applied by one process"
        );
        assert_converged(&format!("trial {trial}"), &nodes, &name, 8, &want).await;
        drop_database(&admin, &name).await;
    }
    eprintln!(
        "galera: {trials} trials of 3 concurrent --up passed in {:.1} s ({waited} runs waited for the lock)",
        started.elapsed().as_secs_f64()
    );
    // A node applying schema changes node by node (RSU) is refused.
    let name = unique("ving_galera_rsu");
    create_database(&admin, &nodes, &name).await;
    let node3 = connect(&nodes[2]).await;
    node3
        .execute_script("SET GLOBAL wsrep_OSU_method = 'RSU'")
        .await
        .expect("RSU");
    let output = ving(
        project.path(),
        &with_database(&nodes[2], &name),
        &["--up"],
        &[],
    )
    .output()
    .expect("run ving");
    node3
        .execute_script("SET GLOBAL wsrep_OSU_method = 'TOI'")
        .await
        .expect("back to TOI");
    node3.close().await;
    let (out, err) = text(&output);
    assert!(!output.status.success(), "{out}");
    assert!(
        err.contains("wsrep_OSU_method = RSU") && err.contains("nothing was applied"),
        "{err}"
    );
    // A node set read-only (as a replica would be) is refused as a standby.
    let node3 = connect(&nodes[2]).await;
    node3
        .execute_script("SET GLOBAL read_only = ON")
        .await
        .expect("read_only");
    let node3_url = with_database(&nodes[2], &name);
    let outputs: Vec<Output> = [&["--up"][..], &["--down", "1"], &["--check"]]
        .iter()
        .map(|args| {
            ving(project.path(), &node3_url, args, &[])
                .output()
                .expect("run ving")
        })
        .collect();
    let status = ving(project.path(), &node3_url, &["--status"], &[])
        .output()
        .expect("run ving");
    node3
        .execute_script("SET GLOBAL read_only = OFF")
        .await
        .expect("read_only off");
    node3.close().await;
    for output in outputs {
        let (out, err) = text(&output);
        assert!(!output.status.success(), "{out}");
        assert_eq!(
            err.trim_end(),
            format!("error: read-only standby: run this against the primary: {node3_url} has read_only = ON; nothing was written")
        );
    }
    let (out, err) = text(&status);
    assert!(
        status.status.success(),
        "--status on a read-only node: {out}{err}"
    );
    let db = connect(&with_database(&nodes[0], &name)).await;
    let tables = galera_count(&db, &format!("SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{name}'")).await;
    assert_eq!(tables, 0, "nothing created on an RSU or read-only node");
    let scratch = galera_count(&db, "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'ving\\_check\\_%'").await;
    assert_eq!(scratch, 0, "no scratch database");
    db.close().await;
    drop_database(&admin, &name).await;
    admin.close().await;
}

/// A lock holder killed (SIGKILL) in the middle of a migration: a run on another node
/// waits, takes the lock over once it has expired, continues from the killed run's
/// progress and ends with the right structure. A run that cannot get the lock within
/// its timeout stops with the "another run" message and writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn galera_a_killed_lock_holder_is_taken_over() {
    let Some(urls) = urls_or_skip("galera takeover", &["VING_TEST_GALERA_URLS"]) else {
        return;
    };
    let nodes: Vec<String> = urls[0]
        .split(',')
        .map(str::trim)
        .map(str::to_owned)
        .collect();
    assert_eq!(nodes.len(), 3, "three node URLs: {nodes:?}");
    let plain = project(Backend::MySql, None);
    let admin = connect(&nodes[0]).await;
    let want = reference(&nodes, &admin, plain.path()).await;
    let slow = project(Backend::MySql, Some(4));
    let expiry = [("VING_MIGRATION_LOCK_EXPIRY", "3")];
    let name = unique("ving_galera_kill");
    create_database(&admin, &nodes, &name).await;
    let mut holder = ving(
        slow.path(),
        &with_database(&nodes[0], &name),
        &["--up"],
        &expiry,
    )
    .spawn()
    .expect("spawn ving");
    // Killed while it sleeps in the fifth migration (its progress row is there).
    wait_for_the_slow_migration(&nodes[1], &name).await;
    let watcher = connect(&with_database(&nodes[1], &name)).await;
    let recorded_before = galera_count(
        &watcher,
        "SELECT CAST(COUNT(*) AS SIGNED) FROM __drizzle_migrations",
    )
    .await;
    assert_eq!(recorded_before, 4, "killed after four migrations");
    holder.kill().expect("SIGKILL");
    let _ = holder.wait();
    let locks = galera_count(
        &watcher,
        "SELECT CAST(COUNT(*) AS SIGNED) FROM __ving_migration_lock",
    )
    .await;
    assert_eq!(locks, 1, "the killed run's lock row stays until it expires");
    // Another run, on another node, with a short timeout first: it gives up cleanly.
    let output = ving(
        slow.path(),
        &with_database(&nodes[1], &name),
        &["--up"],
        &[("VING_MIGRATION_LOCK_TIMEOUT", "0"), expiry[0]],
    )
    .output()
    .expect("run ving");
    let (out, err) = text(&output);
    assert!(!output.status.success(), "{out}");
    assert!(
        err.starts_with("error: another run is applying migrations to this database")
            && err.contains("no whole migration was applied by this run"),
        "{err}"
    );
    // Then one that waits: it takes over after the expiry.
    let start = Instant::now();
    let output = ving(
        slow.path(),
        &with_database(&nodes[1], &name),
        &["--up"],
        &expiry,
    )
    .output()
    .expect("run ving");
    let (out, err) = text(&output);
    assert!(output.status.success(), "{out}{err}");
    assert!(err.contains("took over the migration lock of run"), "{err}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("applied ")).count(),
        5,
        "the slow migration and the three after it: {out}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "taken over in time"
    );
    watcher.close().await;
    assert_converged("after the takeover", &nodes, &name, 9, &want).await;
    drop_database(&admin, &name).await;
    admin.close().await;
}

/// PostgreSQL primary and standby: refusals on the standby, `--status` there, and the
/// primary's migrations reaching it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_standby_refuses_writes_and_follows_the_primary() {
    let Some(urls) = urls_or_skip(
        "postgres pair",
        &["VING_TEST_PG_PRIMARY_URL", "VING_TEST_PG_STANDBY_URL"],
    ) else {
        return;
    };
    let name = unique("ving_pg_pair");
    let (primary_url, standby_url) = (
        with_database(&urls[0], &name),
        with_database(&urls[1], &name),
    );
    let admin = connect(&urls[0]).await;
    admin
        .execute_script(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create database");
    let project = project(Backend::Postgres, None);
    let root = project.path();
    // The new database reaches the standby.
    let deadline = Instant::now() + Duration::from_secs(30);
    let standby = loop {
        if let Ok(url) = DatabaseUrl::parse(&standby_url) {
            if let Ok(db) = Db::connect(&url, &std::env::temp_dir()).await {
                break db;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the database never reached the standby"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let primary = connect(&primary_url).await;
    let count = |sql: &'static str| {
        let (primary, standby) = (primary.clone(), standby.clone());
        async move {
            let read = |db: Db| async move {
                db.fetch_all(sql, Vec::new(), |row| row.get_i64(0))
                    .await
                    .expect(sql)[0]
            };
            (read(primary).await, read(standby).await)
        }
    };
    let tables = "SELECT COUNT(*)::int8 FROM information_schema.tables WHERE table_schema IN ('public', 'drizzle')";
    let schemas = "SELECT COUNT(*)::int8 FROM pg_namespace WHERE nspname = 'drizzle'";
    let scratch = "SELECT COUNT(*)::int8 FROM pg_database WHERE datname LIKE 'ving_check_%'";
    let scratch_before = count(scratch).await.0;
    let refused = |args: &'static [&'static str]| {
        let output = ving(root, &standby_url, args, &[])
            .output()
            .expect("run ving");
        let (out, err) = text(&output);
        assert!(!output.status.success(), "{args:?}: {out}");
        let shown = standby_url.clone();
        assert!(
            err.starts_with(&format!(
                "error: read-only standby: run this against the primary: {shown} is in recovery"
            )) && err.contains("nothing was written"),
            "{args:?}: {err}"
        );
    };
    // Before anything is applied.
    let output = ving(root, &standby_url, &["--status"], &[])
        .output()
        .expect("status");
    let (out, err) = text(&output);
    assert!(output.status.success(), "{out}{err}");
    assert!(out.contains("database not initialized"), "{out}");
    refused(&["--up"]);
    refused(&["--down", "1"]);
    refused(&["--check"]);
    assert_eq!(count(tables).await, (0, 0), "nothing created");
    assert_eq!(count(schemas).await, (0, 0), "no drizzle schema");
    // Applied on the primary, seen on the standby.
    let output = ving(root, &primary_url, &["--up"], &[])
        .output()
        .expect("up");
    let (out, err) = text(&output);
    assert!(output.status.success(), "{out}{err}");
    let on_primary = count(tables).await.0;
    assert!(on_primary >= 3, "{on_primary}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(tables).await.1 != on_primary {
        assert!(
            Instant::now() < deadline,
            "the tables never reached the standby"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let output = ving(root, &standby_url, &["--status"], &[])
        .output()
        .expect("status");
    let (out, err) = text(&output);
    assert!(output.status.success(), "{out}{err}");
    assert!(out.contains("pending: none"), "{out}");
    let recorded = "SELECT COUNT(*)::int8 FROM drizzle.__drizzle_migrations";
    assert_eq!(count(recorded).await, (8, 8));
    // Everything applied: the standby still refuses, and nothing changes.
    refused(&["--up"]);
    refused(&["--down", "1"]);
    refused(&["--check"]);
    assert_eq!(count(recorded).await.0, 8, "nothing reverted");
    assert_eq!(
        count(scratch).await.0,
        scratch_before,
        "no scratch database"
    );
    // On the primary, `--up` with nothing pending writes nothing: a role that may only
    // read the migrations table runs it without error.
    let reader = unique("ving_reader");
    primary
        .execute_script(&format!(
            "CREATE ROLE {reader} LOGIN; GRANT USAGE ON SCHEMA drizzle TO {reader}; GRANT SELECT ON drizzle.__drizzle_migrations TO {reader}; REVOKE CREATE ON DATABASE \"{name}\" FROM PUBLIC; REVOKE CREATE ON SCHEMA public FROM PUBLIC"
        ))
        .await
        .expect("reader role");
    let (scheme, rest) = primary_url.split_once("://").expect("a URL");
    let server = rest.split_once('@').map_or(rest, |(_, server)| server);
    let reader_url = format!("{scheme}://{reader}@{server}");
    let output = ving(root, &reader_url, &["--up"], &[])
        .output()
        .expect("up");
    let (out, err) = text(&output);
    assert!(output.status.success(), "a read-only role: {out}{err}");
    assert!(out.contains("nothing to apply"), "{out}");
    primary.close().await;
    standby.close().await;
    let _ = admin
        .execute_script(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await;
    let _ = admin
        .execute_script(&format!("DROP ROLE IF EXISTS {reader}"))
        .await;
    admin.close().await;
}

/// Waits until the run on database `name` has recorded four migrations and is in the
/// fifth (the slow one): its progress row is there.
async fn wait_for_the_slow_migration(node: &str, name: &str) {
    let watcher = connect(&with_database(node, name)).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let sql = "SET STATEMENT wsrep_sync_wait = 1 FOR SELECT CAST((SELECT COUNT(*) FROM __drizzle_migrations) * 10 + (SELECT COUNT(*) FROM __ving_migration_progress) AS SIGNED)";
        let rows = watcher
            .fetch_all(sql, Vec::new(), |row| row.get_i64(0))
            .await;
        if rows.is_ok_and(|r| r == [41]) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the holder never reached the slow migration"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    watcher.close().await;
}

/// A holder whose migration outlasts the lock's expiry keeps its lock (the heartbeat
/// renews it): a run waiting on another node never takes it over, and finds nothing to
/// apply once the holder is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn galera_a_live_holder_keeps_its_lock_past_the_expiry() {
    let Some(urls) = urls_or_skip("galera heartbeat", &["VING_TEST_GALERA_URLS"]) else {
        return;
    };
    let nodes: Vec<String> = urls[0]
        .split(',')
        .map(str::trim)
        .map(str::to_owned)
        .collect();
    let admin = connect(&nodes[0]).await;
    let want = reference(&nodes, &admin, project(Backend::MySql, None).path()).await;
    let slow = project(Backend::MySql, Some(5));
    let expiry = [("VING_MIGRATION_LOCK_EXPIRY", "2")];
    let name = unique("ving_galera_beat");
    create_database(&admin, &nodes, &name).await;
    let holder = ving(
        slow.path(),
        &with_database(&nodes[0], &name),
        &["--up"],
        &expiry,
    )
    .spawn()
    .expect("spawn ving");
    wait_for_the_slow_migration(&nodes[1], &name).await;
    let waiter = ving(
        slow.path(),
        &with_database(&nodes[1], &name),
        &["--up"],
        &expiry,
    )
    .output()
    .expect("run ving");
    let holder = holder.wait_with_output().expect("wait");
    let (out, err) = text(&holder);
    assert!(holder.status.success(), "holder: {out}{err}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("applied ")).count(),
        9,
        "the holder applied everything: {out}"
    );
    let (out, err) = text(&waiter);
    assert!(waiter.status.success(), "waiter: {out}{err}");
    assert!(
        err.starts_with("another run is applying migrations") && !err.contains("took over"),
        "{err}"
    );
    assert_eq!(out, "nothing to apply: the database is up to date\n");
    assert_converged("after the long migration", &nodes, &name, 9, &want).await;
    drop_database(&admin, &name).await;
    admin.close().await;
}

/// A run that stops on a failing statement hands its progress over when it lets go of
/// the lock: a rerun after the fix, on another node, continues from the failed statement.
/// A progress row written outside the lock (an older ving) is not trusted: the run stops
/// naming it, and goes on once it is deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn galera_progress_is_trusted_only_when_handed_over() {
    let Some(urls) = urls_or_skip("galera progress", &["VING_TEST_GALERA_URLS"]) else {
        return;
    };
    let nodes: Vec<String> = urls[0]
        .split(',')
        .map(str::trim)
        .map(str::to_owned)
        .collect();
    let project = project(Backend::MySql, None);
    let folder = Folder::new(project.path().join("ving/drizzle/migrations"));
    let dialect = ving::sql::dialect(Backend::MySql);
    let custom = |name: &str, sql: &str| {
        let last = versions().pop().expect("a version");
        migrate::prepare(
            &folder,
            &TableModel::from_schemas(&last),
            &Renames::default(),
            dialect,
            &PrepareOptions {
                name: Some(name.into()),
                custom: true,
                ..PrepareOptions::default()
            },
        )
        .expect("custom");
        let entry = folder
            .journal(dialect)
            .expect("journal")
            .entries
            .pop()
            .expect("entry");
        let path = folder.dir().join(format!("{}.sql", entry.tag));
        std::fs::write(&path, sql).expect("write");
        (entry.when, path)
    };
    let (_, broken) = custom(
        "by_hand",
        "CREATE TABLE notes (id int PRIMARY KEY, body text);\n--> statement-breakpoint\nTHIS IS NOT SQL;",
    );
    let admin = connect(&nodes[0]).await;
    let name = unique("ving_galera_progress");
    create_database(&admin, &nodes, &name).await;
    let up = |node: usize| {
        ving(
            project.path(),
            &with_database(&nodes[node], &name),
            &["--up"],
            &[],
        )
        .output()
        .expect("run ving")
    };
    let output = up(0);
    let (out, err) = text(&output);
    assert!(!output.status.success(), "{out}");
    assert!(
        err.contains("0008_by_hand, statement 2 of 2 failed"),
        "{err}"
    );
    let db = connect(&with_database(&nodes[1], &name)).await;
    let released = galera_count(&db, "SELECT CAST(COUNT(*) AS SIGNED) FROM __ving_migration_progress WHERE run = 'released' AND done = 1").await;
    assert_eq!(released, 1, "the failed run handed its progress over");
    std::fs::write(
        &broken,
        "CREATE TABLE notes (id int PRIMARY KEY, body text);\n--> statement-breakpoint\nINSERT INTO notes VALUES (1, 'fixed');",
    )
    .expect("fix");
    let output = up(1);
    let (out, err) = text(&output);
    assert!(output.status.success(), "rerun after the fix: {out}{err}");
    assert!(out.starts_with("applied 0008_by_hand"), "{out}");
    // A row no run under the lock wrote.
    let (when, _) = custom("more", "CREATE TABLE more_notes (id int PRIMARY KEY);");
    let empty = migrate::hash("");
    db.execute_script(&format!(
        "INSERT INTO __ving_migration_progress (created_at, done, prefix, started, run) VALUES ({when}, 0, '{empty}', 1, NULL)"
    ))
    .await
    .expect("a row from outside the lock");
    let output = up(2);
    let (out, err) = text(&output);
    assert!(!output.status.success(), "{out}");
    assert!(
        err.contains("0009_more has a progress row (0 statements applied) written by a run that did not use the cluster-wide lock")
            && err.contains(&format!("DELETE FROM __ving_migration_progress WHERE created_at = {when}")),
        "{err}"
    );
    let tables = galera_count(&db, &format!("SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{name}' AND TABLE_NAME = 'more_notes'")).await;
    assert_eq!(tables, 0, "nothing of it applied");
    db.execute_script(&format!(
        "DELETE FROM __ving_migration_progress WHERE created_at = {when}"
    ))
    .await
    .expect("delete");
    let output = up(2);
    let (out, err) = text(&output);
    assert!(output.status.success(), "{out}{err}");
    assert_eq!(
        galera_count(&db, "SELECT CAST(COUNT(*) AS SIGNED) FROM notes").await,
        1,
        "statement 1 ran once, statement 2 after the fix"
    );
    db.close().await;
    drop_database(&admin, &name).await;
    admin.close().await;
}
