//! `use_db()`: one pool per process, from the project in the current directory, shared
//! by every task. (Alone in its test binary because it changes the current directory.)

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_task_gets_the_same_pool() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("ving.toml"),
        "[database]\nurl = \"sqlite://shared.db\"\n",
    )
    .expect("ving.toml");
    std::env::set_current_dir(dir.path()).expect("cd");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            tokio::spawn(async {
                let db = ving::db::use_db().await.expect("use_db");
                db.ping().await.expect("ping");
                db as *const ving::db::Db as usize
            })
        })
        .collect();
    let mut addresses = Vec::new();
    for task in tasks {
        addresses.push(task.await.expect("task"));
    }
    addresses.dedup();
    assert_eq!(addresses.len(), 1, "one pool for the whole process");
    assert!(dir.path().join("shared.db").is_file());
}
