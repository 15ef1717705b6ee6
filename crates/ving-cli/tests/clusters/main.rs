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

mod galera;
mod standby;
