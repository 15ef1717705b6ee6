//! Migrations under concurrency and faults: concurrent runs, killed runs, and what `--status` says needs attention.

use super::*;

/// 8 `ving drizzle --up` processes at once against a database with 20 pending
/// migrations: every process exits 0 and each migration is applied exactly once (a second
/// application of an `ADD COLUMN` would fail).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_ups_apply_each_migration_once() {
    for backend in ving::testing::BACKENDS {
        let Some(test) = ving::testing::TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let (_project, root) = project_with_pending_migrations(&test, 20);
        let children: Vec<_> = (0..8)
            .map(|_| ving_up(&root).spawn().expect("spawn ving"))
            .collect();
        let mut applied_lines = 0;
        for child in children {
            let output = child.wait_with_output().expect("wait");
            let out = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "{backend}: {}{out}",
                String::from_utf8_lossy(&output.stderr)
            );
            applied_lines += out.lines().filter(|l| l.starts_with("applied ")).count();
        }
        assert_eq!(
            applied_lines, 20,
            "{backend}: each migration applied by exactly one process"
        );
        let table = ving::migrate::migrations_table(backend);
        let sql = format!(
            "SELECT CAST(COUNT(*) AS {}) FROM {table}",
            if backend == ving::config::Backend::MySql {
                "SIGNED"
            } else {
                "BIGINT"
            }
        );
        let recorded = test
            .db()
            .fetch_all(&sql, Vec::new(), |row| row.get_i64(0))
            .await
            .expect("count");
        assert_eq!(recorded, [20], "{backend}");
        test.cleanup().await;
    }
}

/// `--status` exits non-zero when something needs attention: an applied migration whose
/// file changed, or (MariaDB) a migration stopped part-way, shown with its statement count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_fails_when_something_needs_attention() {
    for backend in ving::testing::BACKENDS {
        let Some(test) = ving::testing::TestDb::fresh_or_skip(backend).await else {
            continue;
        };
        let (project, root) = project_with_pending_migrations(&test, 1);
        let (code, _, err) = run(&["-C", &root, "drizzle", "-p", "--custom", "by_hand"]);
        assert_eq!(code, ExitCode::SUCCESS, "{err}");
        let migrations = project.path().join("ving/drizzle/migrations");
        let broken = migrations.join("0001_by_hand.sql");
        std::fs::write(
            &broken,
            "CREATE TABLE notes (body text);\n--> statement-breakpoint\nTHIS IS NOT SQL;",
        )
        .expect("write");
        let (ok, _, _) = ving_bin(&root, &["drizzle", "--up"]);
        assert!(!ok, "{backend}");
        let (ok, out, err) = ving_bin(&root, &["drizzle", "--status"]);
        if backend == ving::config::Backend::MySql {
            assert!(!ok, "{backend}: a migration stopped part-way: {out}");
            assert!(
                out.contains("stopped part-way: 0001_by_hand (1 of 2 statements applied)"),
                "{out}"
            );
            assert!(
                err.starts_with("error: migrations stopped part-way: 0001_by_hand"),
                "{err}"
            );
        } else {
            assert!(ok, "{backend}: rolled back, only pending: {out}{err}");
            assert!(out.contains("pending: 0001_by_hand"), "{backend}: {out}");
        }
        std::fs::write(
            &broken,
            "CREATE TABLE notes (body text);\n--> statement-breakpoint\nSELECT 1;",
        )
        .expect("fix");
        let (ok, _, err) = ving_bin(&root, &["drizzle", "--up"]);
        assert!(ok, "{backend}: {err}");
        let (ok, out, err) = ving_bin(&root, &["drizzle", "--status"]);
        assert!(ok, "{backend}: {out}{err}");
        assert!(!out.contains("part-way"), "{backend}: {out}");
        std::fs::write(&broken, "SELECT 2;").expect("edit an applied migration");
        let (ok, out, err) = ving_bin(&root, &["drizzle", "--status"]);
        assert!(!ok, "{backend}: an applied migration changed: {out}");
        assert!(
            out.contains("changed: applied migration 0001_by_hand has changed"),
            "{backend}: {out}"
        );
        assert!(
            err.starts_with(
                "error: applied migrations changed since they were applied: 0001_by_hand"
            ),
            "{backend}: {err}"
        );
        test.cleanup().await;
    }
}

/// `ving drizzle --up` killed (SIGKILL) at several points, then run again: the rerun
/// exits 0 and every migration is applied exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_up_converges_when_run_again() {
    for backend in ving::testing::BACKENDS {
        for delay in [2u64, 8, 20, 45] {
            let Some(test) = ving::testing::TestDb::fresh_or_skip(backend).await else {
                break;
            };
            let (_project, root) = project_with_pending_migrations(&test, 20);
            let mut child = ving_up(&root).spawn().expect("spawn ving");
            std::thread::sleep(std::time::Duration::from_millis(delay));
            let _ = child.kill();
            let _ = child.wait();
            let output = ving_up(&root).output().expect("rerun");
            assert!(
                output.status.success(),
                "{backend}, killed after {delay} ms: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let table = ving::migrate::migrations_table(backend);
            let cast = if backend == ving::config::Backend::MySql {
                "SIGNED"
            } else {
                "BIGINT"
            };
            let sql = format!("SELECT CAST(COUNT(*) AS {cast}) FROM {table}");
            let recorded = test
                .db()
                .fetch_all(&sql, Vec::new(), |row| row.get_i64(0))
                .await
                .expect("count");
            assert_eq!(recorded, [20], "{backend}, killed after {delay} ms");
            let columns: Vec<String> = (0..20).map(|i| format!("extra{i}")).collect();
            test.db()
                .execute_script(&format!("SELECT {} FROM cronjobs", columns.join(", ")))
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}"));
            test.cleanup().await;
        }
    }
}

/// Issue 15 (13): on MariaDB, a process killed right after any statement of a migration
/// commits (before its progress is written) resumes without running a statement twice:
/// rows written by `INSERT … SELECT` and a counter `UPDATE` are written once, DDL is found
/// done. (DML commits with its progress row; `VING_FAULT_KILL_AFTER` aborts the process.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_writes_rows_once_whatever_statement_a_kill_follows() {
    let statements = [
        "CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)",
        "INSERT INTO counters VALUES (1, 0)",
        "UPDATE counters SET n = n + 1",
        "INSERT INTO counters SELECT id + 1, n FROM counters",
        "UPDATE counters SET n = n * 10",
        "ALTER TABLE counters ADD COLUMN note text",
    ];
    for killed_after in 1..=statements.len() {
        let Some(test) = ving::testing::TestDb::fresh_or_skip(ving::config::Backend::MySql).await
        else {
            return;
        };
        let (project, root) = project_with_pending_migrations(&test, 1);
        let (code, _, err) = run(&["-C", &root, "drizzle", "-p", "--custom", "rows"]);
        assert_eq!(code, ExitCode::SUCCESS, "{err}");
        std::fs::write(
            project.path().join("ving/drizzle/migrations/0001_rows.sql"),
            statements.join(";\n--> statement-breakpoint\n"),
        )
        .expect("write");
        let killed = ving_up(&root)
            .env("VING_FAULT_KILL_AFTER", format!("0001_rows:{killed_after}"))
            .output()
            .expect("run ving");
        assert!(
            !killed.status.success()
                && String::from_utf8_lossy(&killed.stderr).contains("VING_FAULT_KILL_AFTER"),
            "not killed after statement {killed_after}: {}",
            String::from_utf8_lossy(&killed.stderr)
        );
        let (ok, out, err) = ving_bin(&root, &["drizzle", "--up"]);
        assert!(ok, "killed after {killed_after}: {out}{err}");
        let rows = test
            .db()
            .fetch_all(
                "SELECT id, n FROM counters ORDER BY id",
                Vec::new(),
                |row| Ok((row.get_i64(0)?, row.get_i64(1)?)),
            )
            .await
            .expect("counters");
        assert_eq!(
            rows,
            [(1, 10), (2, 10)],
            "killed after statement {killed_after}"
        );
        let (ok, out, _) = ving_bin(&root, &["drizzle", "--status"]);
        assert!(ok && out.contains("pending: none"), "{out}");
        test.cleanup().await;
    }

    // A table outside transactions (MyISAM) makes a DML statement whose run was cut off
    // unknowable: the resumed run stops and says what to do, then does it once.
    let Some(test) = ving::testing::TestDb::fresh_or_skip(ving::config::Backend::MySql).await
    else {
        return;
    };
    let (project, root) = project_with_pending_migrations(&test, 1);
    let (code, _, err) = run(&["-C", &root, "drizzle", "-p", "--custom", "rows"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    std::fs::write(
        project.path().join("ving/drizzle/migrations/0001_rows.sql"),
        statements.join(";\n--> statement-breakpoint\n"),
    )
    .expect("write");
    let killed = ving_up(&root)
        .env("VING_FAULT_KILL_AFTER", "0001_rows:2")
        .output()
        .expect("run ving");
    assert!(!killed.status.success());
    test.db()
        .execute_script(
            "CREATE TABLE legacy (x int) ENGINE=MyISAM; UPDATE __ving_migration_progress SET started = done + 1",
        )
        .await
        .expect("a MyISAM table, statement 3 started");
    let (ok, _, err) = ving_bin(&root, &["drizzle", "--up"]);
    assert!(
        !ok && err.contains("cannot tell whether statement 3 ran")
            && err.contains("SET started = done"),
        "{err}"
    );
    test.db()
        .execute_script("UPDATE __ving_migration_progress SET started = done")
        .await
        .expect("as the message says");
    let (ok, out, err) = ving_bin(&root, &["drizzle", "--up"]);
    assert!(ok, "{out}{err}");
    let rows = test
        .db()
        .fetch_all(
            "SELECT id, n FROM counters ORDER BY id",
            Vec::new(),
            |row| Ok((row.get_i64(0)?, row.get_i64(1)?)),
        )
        .await
        .expect("counters");
    assert_eq!(rows, [(1, 10), (2, 10)]);
    test.cleanup().await;
}
