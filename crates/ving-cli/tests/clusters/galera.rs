//! Migrations on the Galera test cluster: concurrent runs on every node, a killed holder taken over, a live holder kept, progress trusted only when handed over.

use super::*;

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
