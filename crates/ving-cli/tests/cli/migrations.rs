//! `ving drizzle --prepare`, `--up`, `--down`, `--status`, `--check` and `--drop` on the databases, dry runs and dialect folders.

use super::*;

#[test]
fn prepare_up_and_status_on_the_embedded_database() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8");
    let (code, out, err) = run(&["-C", root, "drizzle", "--status"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.starts_with("database not initialized"), "{out}");
    // Only --up makes the SQLite file: --status, --down and --check do not.
    let (code, _, err) = run(&["-C", root, "drizzle", "--check"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(
        err.contains("no database at") && err.contains("--up"),
        "{err}"
    );
    let (code, _, err) = run(&["-C", root, "drizzle", "--down"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(!project.path().join("ving.db").exists(), "no file made");
    let (code, out, err) = run(&["-C", root, "drizzle", "--prepare", "--name", "init"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.contains("0000_init.sql"), "{out}");
    let (_, out, _) = run(&["-C", root, "drizzle", "-p"]);
    assert!(out.starts_with("nothing to do"), "{out}");
    let (_, out, _) = run(&["-C", root, "drizzle", "-s"]);
    assert!(out.contains("pending: 0000_init"), "{out}");
    let (code, out, err) = run(&["-C", root, "drizzle", "--up"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.starts_with("applied 0000_init in "), "{out}");
    let (_, out, _) = run(&["-C", root, "drizzle", "-u"]);
    assert_eq!(out, "nothing to apply: the database is up to date\n");
    let (_, out, _) = run(&["-C", root, "drizzle", "-s"]);
    assert!(
        out.contains("last applied:   0000_init") && out.contains("pending: none"),
        "{out}"
    );
    let (code, out, _) = run(&[
        "-C",
        root,
        "drizzle",
        "--prepare",
        "--custom",
        "fix_data",
        "--dry-run",
    ]);
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(
        out,
        format!("-- would write {root}/ving/drizzle/migrations/0001_fix_data.sql; nothing written (a custom migration, for SQL written by hand)\n"),
        "a dry run of a custom migration says what it would write"
    );
    let (code, out, err) = run(&["-C", root, "drizzle", "--check"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.starts_with("no drift"), "{out}");
    let (code, _, err) = run(&["-C", root, "drizzle", "--down"]);
    assert_eq!(
        code,
        ExitCode::FAILURE,
        "reverting the first migration drops every table"
    );
    assert!(
        err.contains("drops table users and all its rows") && err.contains("--force"),
        "{err}"
    );
    let (code, out, err) = run(&["-C", root, "drizzle", "--down", "--force"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.starts_with("reverted 0000_init in "), "{out}");
    let (_, out, _) = run(&["-C", root, "drizzle", "-s"]);
    assert!(out.contains("pending: 0000_init"), "{out}");
}

/// `--dry-run` with `--tables`, `--up` and `--down` says what it would do and writes
/// nothing: no file, no SQLite database, no change to the database.
#[test]
fn dry_run_writes_nothing() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8");
    let before = tree(project.path());
    let (code, out, err) = run(&["-C", root, "drizzle", "--tables", "--dry-run"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        out.contains("would write ") && out.contains("user.rs") && out.contains("nothing written"),
        "{out}"
    );
    assert_eq!(tree(project.path()), before, "--tables --dry-run wrote");

    let (code, _, err) = run(&["-C", root, "drizzle", "--prepare", "--name", "init"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let before = tree(project.path());
    let (code, out, err) = run(&["-C", root, "drizzle", "--up", "--dry-run"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        out.starts_with("-- would apply 0000_init\nCREATE TABLE"),
        "{out}"
    );
    assert_eq!(tree(project.path()), before, "--up --dry-run wrote");
    assert!(!project.path().join("ving.db").exists());

    let (code, out, err) = run(&["-C", root, "drizzle", "--down", "--dry-run"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.starts_with("nothing to revert"), "{out}");

    let (code, _, err) = run(&["-C", root, "drizzle", "--up"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let (code, out, err) = run(&["-C", root, "drizzle", "--up", "--dry-run"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.starts_with("nothing to apply"), "{out}");
    // `--down 0` reverts nothing, and says so (not "no migration is applied").
    for dry_run in [&["--dry-run"][..], &[]] {
        let mut args = vec!["-C", root, "drizzle", "--down", "0"];
        args.extend_from_slice(dry_run);
        let (code, out, err) = run(&args);
        assert_eq!(code, ExitCode::SUCCESS, "{err}");
        assert!(
            out.starts_with("nothing to revert: --down 0 reverts none\n"),
            "{out}"
        );
    }
    let (code, _, err) = run(&["-C", root, "drizzle", "--down", "--dry-run"]);
    assert_eq!(code, ExitCode::FAILURE, "the same refusal as --down");
    assert!(err.contains("--force"), "{err}");
    let (code, out, err) = run(&["-C", root, "drizzle", "--down", "--force", "--dry-run"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        out.starts_with("-- would revert 0000_init with ") && out.contains("DROP TABLE"),
        "{out}"
    );
    let (_, out, _) = run(&["-C", root, "drizzle", "--status"]);
    assert!(
        out.contains("last applied:   0000_init") && out.contains("pending: none"),
        "--down --dry-run reverted: {out}"
    );
}

/// `--up` and `--down` print a line per migration as it finishes (flushed then, not at
/// the end), and a failure says what this run did complete.
#[test]
fn up_and_down_report_each_migration_as_it_finishes() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8");
    let (code, _, err) = run(&["-C", root, "drizzle", "-p", "--name", "init"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let (code, _, err) = run(&["-C", root, "drizzle", "-p", "--custom", "by_hand"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let broken = project
        .path()
        .join("ving/drizzle/migrations/0001_by_hand.sql");
    std::fs::write(&broken, "THIS IS NOT SQL;").expect("write");
    let run_flushed = |args: &[&str]| {
        let cli = Cli::try_parse_from(std::iter::once("ving").chain(args.iter().copied()))
            .expect("parse");
        let (mut out, mut err) = (Flushed::default(), Vec::new());
        let code = ving_cli::run(cli, &mut out, &mut err);
        (code, out, String::from_utf8(err).expect("utf8"))
    };
    let (code, out, err) = run_flushed(&["-C", root, "drizzle", "--up"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(
        out.at_flush
            .first()
            .is_some_and(|t| t.starts_with("applied 0000_init in ")),
        "the first migration's line was not flushed as it finished: {:?}",
        out.at_flush
    );
    assert!(
        err.contains("migration 0001_by_hand, statement 1 of 1 failed")
            && err.contains("applied by this run before the failure: 0000_init"),
        "{err}"
    );
    let (code, out, err) = run_flushed(&["-C", root, "drizzle", "--up"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(out.at_flush.is_empty());
    assert!(
        err.contains("no whole migration was applied by this run"),
        "{err}"
    );

    std::fs::write(&broken, "SELECT 1;").expect("fix");
    let (code, out, err) = run_flushed(&["-C", root, "drizzle", "--up"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        out.at_flush
            .first()
            .is_some_and(|t| t.starts_with("applied 0001_by_hand in ")),
        "{:?}",
        out.at_flush
    );
    std::fs::write(
        project
            .path()
            .join("ving/drizzle/migrations/0001_by_hand.down.sql"),
        "SELECT 1;",
    )
    .expect("down file");
    let (code, out, err) = run_flushed(&["-C", root, "drizzle", "--down", "2", "--force"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert_eq!(out.at_flush.len(), 2, "{:?}", out.at_flush);
    assert!(
        out.at_flush[0].starts_with("reverted 0001_by_hand in ")
            && out.at_flush[1].contains("\nreverted 0000_init in "),
        "{:?}",
        out.at_flush
    );
}

/// `--check` with migrations pending compares the database with what it has applied
/// and says how many are pending: pending changes are not drift.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_with_pending_migrations_says_so_and_finds_no_drift() {
    for backend in ving::testing::BACKENDS {
        let Some(test) = ving::testing::TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let (_project, root) = project_with_pending_migrations(&test, 3);
        let (ok, out, err) = ving_bin(&root, &["drizzle", "--check"]);
        assert!(ok, "{backend}: {err}");
        assert_eq!(
            out,
            "no drift: the database has the structure its applied migrations give; 3 migrations are pending: run `ving drizzle --up`\n",
            "{backend}"
        );
        test.cleanup().await;
    }
}

/// Developed on SQLite, deployed on MariaDB and PostgreSQL: with a migrations folder per
/// dialect in `[migrations]`, `--prepare` writes the same migration (same number, same
/// name) in each, and `--up`/`--status` use the folder of the database's dialect; a
/// database whose dialect has no folder gets one line naming the setting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_schema_history_serves_every_dialect() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8").to_owned();
    let config = project.path().join("ving.toml");
    let base = std::fs::read_to_string(&config).expect("ving.toml");
    let every_dialect = format!("{base}\n[migrations]\nmysql = \"ving/drizzle/migrations\"\nsqlite = \"ving/drizzle/migrations-sqlite\"\npostgres = \"ving/drizzle/migrations-postgres\"\n");
    std::fs::write(&config, &every_dialect).expect("ving.toml");
    let (ok, out, err) = ving_bin(&root, &["drizzle", "--prepare", "--name", "init"]);
    assert!(ok, "{err}");
    for folder in ["migrations", "migrations-sqlite", "migrations-postgres"] {
        let sql = project
            .path()
            .join(format!("ving/drizzle/{folder}/0000_init.sql"));
        assert!(sql.is_file(), "{folder}: {out}");
    }
    let (ok, _, err) = ving_bin(&root, &["drizzle", "--up"]);
    assert!(ok, "SQLite: {err}");
    let with_url = |url: &str| {
        let text = std::fs::read_to_string(&config).expect("ving.toml");
        let text = text.replace("url = \"sqlite://ving.db\"", &format!("url = \"{url}\""));
        std::fs::write(&config, text).expect("ving.toml");
    };
    for backend in [
        ving::config::Backend::MySql,
        ving::config::Backend::Postgres,
    ] {
        let Some(test) = ving::testing::TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        std::fs::write(&config, &every_dialect).expect("ving.toml");
        with_url(test.url());
        let (ok, out, err) = ving_bin(&root, &["drizzle", "--up"]);
        assert!(ok, "{backend}: {err}");
        assert!(out.contains("applied 0000_init"), "{backend}: {out}");
        let (ok, out, err) = ving_bin(&root, &["drizzle", "--status"]);
        assert!(ok && out.contains("pending: none"), "{backend}: {out}{err}");
        test.cleanup().await;
    }
    // Without a folder for the database's dialect: one line naming the setting.
    std::fs::write(
        &config,
        format!("{base}\n[migrations]\nsqlite = \"ving/drizzle/migrations-sqlite\"\n"),
    )
    .expect("ving.toml");
    with_url("postgres://postgres@127.0.0.1:5432/test");
    let (ok, _, err) = ving_bin(&root, &["drizzle", "--status"]);
    assert!(!ok);
    assert_eq!(
        err,
        "error: ving.toml [migrations] has no folder for PostgreSQL (it has: sqlite): add postgres = \"ving/drizzle/postgres\" there, then `ving drizzle --prepare` writes its migrations\n"
    );
}

/// `--database-url` on any command that talks to a database wins over the variables and
/// `ving.toml`, and an error says the URL came from it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_url_flag_wins_over_the_configuration() {
    for backend in [
        ving::config::Backend::MySql,
        ving::config::Backend::Postgres,
    ] {
        let Some(test) = ving::testing::TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let project = sample_copy();
        let root = project.path().to_str().expect("utf8").to_owned();
        let flag = ["--database-url", test.url()];
        let with_flag = |args: &[&str]| {
            let mut all = flag.to_vec();
            all.extend_from_slice(args);
            ving_bin(&root, &all)
        };
        let (ok, _, err) = with_flag(&["drizzle", "--prepare", "--name", "init"]);
        assert!(ok, "{backend}: {err}");
        let (ok, out, err) = with_flag(&["drizzle", "--up"]);
        assert!(
            ok && out.starts_with("applied 0000_init"),
            "{backend}: {out}{err}"
        );
        let (ok, out, err) = with_flag(&["drizzle", "--status"]);
        assert!(ok && out.contains("pending: none"), "{backend}: {out}{err}");
        assert!(
            !project.path().join("ving.db").exists(),
            "{backend}: ving.toml's SQLite database was not used"
        );
        test.cleanup().await;
    }
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8");
    let (ok, _, err) = ving_bin(
        root,
        &["--database-url", "oracle://x/y", "drizzle", "--status"],
    );
    assert!(!ok);
    assert!(err.contains("(from --database-url)"), "{err}");
}

/// Off a terminal, `--prepare` stops at a new NOT NULL column without a default (rows
/// already in the table would have none), naming the prop and the ways out; `--fill`
/// answers, and the rows get the value.
#[test]
fn prepare_stops_at_a_required_column_without_a_default_until_filled() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8");
    let (code, _, err) = run(&["-C", root, "drizzle", "--prepare", "--name", "init"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let (code, _, err) = run(&["-C", root, "drizzle", "--up"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let cron = project.path().join("ving/schema/schemas/CronJob.toml");
    let mut text = std::fs::read_to_string(&cron).expect("CronJob.toml");
    text.push_str("\n[[props]]\ntype = \"id\"\nname = \"ownerId\"\nrequired = true\nview = []\nedit = []\n[props.relation]\ntype = \"parent\"\nname = \"owner\"\nkind = \"User\"\n");
    std::fs::write(&cron, text).expect("write");
    let before = tree_but_sqlite(project.path());
    let (code, out, err) = run(&["-C", root, "drizzle", "--prepare"]);
    assert_eq!(code, ExitCode::FAILURE, "{out}");
    assert_eq!(
        err,
        "error: prop CronJob.props.ownerId is new and its column cronjobs.ownerId is NOT NULL without a default, so rows already in cronjobs would have no value for it. Give them one: run again with --fill cronjobs.ownerId=<value> (on a terminal, --prepare asks); or make the prop optional (required = false)\n"
    );
    assert_eq!(tree_but_sqlite(project.path()), before, "nothing written");
    let (code, _, err) = run(&[
        "-C",
        root,
        "drizzle",
        "--prepare",
        "--fill",
        "cronjobs.ownerId=x",
    ]);
    assert_eq!(code, ExitCode::FAILURE);
    assert_eq!(
        err,
        "error: --fill cronjobs.ownerId: \"x\" is not a whole number\n"
    );
    let (code, _, err) = run(&["-C", root, "drizzle", "--prepare", "--fill", "cronjobs"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.contains("expected TABLE.COLUMN=VALUE"), "{err}");
    for (fill, problem) in [
        ("cronjob.ownerId=1", "there is no table cronjob (the tables: apikeys, cronjobs, s3files, users, ving_sessions)"),
        ("cronjobs.owner=1", "table cronjobs has no column owner (its columns: id, createdAt, updatedAt, schedule, handler, params, enabled, note, ownerId)"),
    ] {
        let (code, _, err) = run(&["-C", root, "drizzle", "--prepare", "--fill", fill]);
        assert_eq!(code, ExitCode::FAILURE);
        let target = fill.split_once('=').map_or(fill, |(t, _)| t);
        assert_eq!(err, format!("error: --fill {target}=…: {problem}\n"));
    }
    let (code, out, err) = run(&[
        "-C",
        root,
        "drizzle",
        "--prepare",
        "--fill",
        "cronjobs.ownerId=1",
    ]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.starts_with("wrote "), "{out}");
    let (code, _, err) = run(&["-C", root, "drizzle", "--up"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
}

/// Removing an enum value: a warning, and off a terminal, with rows of the configured
/// database holding the value, `--prepare` stops before writing, naming table, column,
/// value and row count.
#[test]
fn prepare_stops_when_rows_hold_a_removed_enum_value() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8").to_owned();
    let ving = |args: &[&str]| drizzle(&root, args);
    let (code, _, err) = ving(&["--prepare", "--name", "init"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let (code, _, err) = ving(&["--up"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let user = project.path().join("ving/schema/schemas/User.toml");
    let text = std::fs::read_to_string(&user).expect("User.toml");
    std::fs::write(
        &user,
        text.replace(
            "enums = [\"username\", \"email\", \"realName\"]\nenumLabels = [\"Username\", \"Email Address\", \"Real Name\"]",
            "enums = [\"username\", \"realName\"]\nenumLabels = [\"Username\", \"Real Name\"]",
        ),
    )
    .expect("write");
    // No row holds the value: a warning, and the migration is written.
    let (code, out, err) = ving(&["--prepare", "--dry-run"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        out.starts_with(
            "warning: this migration removes enum value email from users.useAsDisplayName"
        ),
        "{out}"
    );
    // What it would write, named by its number (its name is made when it is written).
    assert!(
        out.contains("\n-- would write ")
            && out.contains(
                "/ving/drizzle/migrations/0001_<a name made when written>.sql; nothing written ("
            )
            && out.contains(" statements)\n"),
        "{out}"
    );
    let url = ving::config::DatabaseUrl::parse("sqlite://ving.db").expect("url");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let db = ving::db::Db::connect(&url, project.path()).await.expect("db");
        db.execute_script(
            "INSERT INTO users (username, email, bio, useAsDisplayName) VALUES ('a', 'a@x', '', 'email'), ('b', 'b@x', '', 'email')",
        )
        .await
        .expect("rows");
        db.close().await;
    });
    let before = tree_but_sqlite(project.path());
    let (code, out, err) = ving(&["--prepare"]);
    assert_eq!(code, ExitCode::FAILURE, "{out}");
    assert_eq!(
        err,
        "error: this migration removes enum values that rows of the database still hold: 2 rows of users hold useAsDisplayName = \"email\"; stopped before writing. Change those rows first (or keep the values), then run again\n"
    );
    assert_eq!(tree_but_sqlite(project.path()), before, "nothing written");
}

/// `--drop` discards the newest migration when it is not applied (files and journal
/// entry, so `--prepare` writes it again), and refuses an applied one.
#[test]
fn drop_discards_the_newest_unapplied_migration_only() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8").to_owned();
    let ving = |args: &[&str]| drizzle(&root, args);
    let (code, _, err) = ving(&["--drop"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(
        err.starts_with("error: no migration to discard in "),
        "{err}"
    );
    let (code, _, err) = ving(&["--prepare", "--name", "init"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let (code, _, err) = ving(&["--up"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let (code, _, err) = ving(&["--drop"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert_eq!(
        err,
        "error: migration 0000_init is applied to the database: revert it first with --down, then --drop; nothing removed\n"
    );
    let after_init = tree_but_edits(project.path());
    add_runs_prop(project.path());
    let (code, _, err) = ving(&["--prepare", "--name", "add_runs"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let (code, out, err) = ving(&["--drop", "--dry-run"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        out.contains("would remove ")
            && out.ends_with(
                "dry run: would discard 0001_add_runs and its journal entry; nothing was written\n"
            ),
        "{out}"
    );
    let (code, out, err) = ving(&["--drop"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        out.contains("0001_add_runs.sql\n")
            && out.contains("0001_add_runs.down.sql\n")
            && out.contains("0001_snapshot.json\n")
            && out.ends_with("discarded 0001_add_runs: the journal now ends at 0000_init\n"),
        "{out}"
    );
    let (now, before) = (tree_but_edits(project.path()), after_init);
    assert_eq!(now, before, "the folder is as before --prepare");
    let (code, out, err) = ving(&["--prepare", "--name", "add_runs"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.contains("0001_add_runs.sql"), "{out}");
}

/// With a folder per dialect, `--drop` discards the newest migration from every folder
/// `--prepare` wrote it in (the folders keep the same numbers and names), and a
/// `--prepare` that one folder cannot take writes in none.
#[test]
fn every_dialect_s_folder_moves_together() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8").to_owned();
    let ving = |args: &[&str]| drizzle(&root, args);
    let config = project.path().join("ving.toml");
    let base = std::fs::read_to_string(&config).expect("ving.toml");
    // A project started without [migrations]: its SQLite history is in the default folder.
    let (code, _, err) = ving(&["--prepare", "--name", "init"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let before = tree(project.path());
    // That folder named for MySQL: refused before anything is written anywhere.
    std::fs::write(
        &config,
        format!("{base}\n[migrations]\nmysql = \"ving/drizzle/migrations\"\nsqlite = \"ving/drizzle/sqlite\"\npostgres = \"ving/drizzle/postgres\"\n"),
    )
    .expect("ving.toml");
    let (code, _, err) = ving(&["--prepare", "--name", "init"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.contains("these migrations are for sqlite"), "{err}");
    let mut now = tree(project.path());
    now.retain(|path, _| !path.ends_with("ving.toml"));
    let mut then = before;
    then.retain(|path, _| !path.ends_with("ving.toml"));
    assert_eq!(now, then, "nothing written");
    // A folder for each: --drop takes the newest migration out of all three.
    std::fs::remove_dir_all(project.path().join("ving/drizzle/migrations")).expect("rm");
    let (code, _, err) = ving(&["--prepare", "--name", "init"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let after_init = tree_but_edits(project.path());
    add_runs_prop(project.path());
    let (code, _, err) = ving(&["--prepare", "--name", "add_runs"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    for folder in ["migrations", "sqlite", "postgres"] {
        let sql = format!("ving/drizzle/{folder}/0001_add_runs.sql");
        assert!(project.path().join(&sql).is_file(), "{sql}");
    }
    // A folder that cannot be read: --drop refuses before any folder loses a file.
    let journal = project
        .path()
        .join("ving/drizzle/postgres/meta/_journal.json");
    let kept = std::fs::read(&journal).expect("journal");
    std::fs::write(&journal, "not JSON").expect("break the journal");
    let (code, _, err) = ving(&["--drop"]);
    assert_eq!(code, ExitCode::FAILURE, "{err}");
    for folder in ["migrations", "sqlite"] {
        let sql = format!("ving/drizzle/{folder}/0001_add_runs.sql");
        assert!(project.path().join(&sql).is_file(), "{sql} kept");
    }
    std::fs::write(&journal, kept).expect("restore the journal");
    let (code, out, err) = ving(&["--drop", "--dry-run"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        out.contains("postgres/0001_add_runs.sql (PostgreSQL's folder"),
        "{out}"
    );
    let (code, out, err) = ving(&["--drop"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        out.ends_with("discarded 0001_add_runs: the journal now ends at 0000_init\n"),
        "{out}"
    );
    let (now, before) = (tree_but_edits(project.path()), after_init);
    assert_eq!(now, before, "every folder is as before --prepare");
}
