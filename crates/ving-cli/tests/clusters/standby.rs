//! The PostgreSQL standby: it refuses writes and follows the primary through migrations.

use super::*;

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
