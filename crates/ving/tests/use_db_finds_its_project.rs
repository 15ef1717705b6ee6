//! `use_db()` outside any project and from a folder inside one (alone in its test binary:
//! it changes the current directory and sets the process's one pool).

#[tokio::test]
async fn use_db_finds_its_project_and_never_makes_a_stray_database() {
    if std::env::var_os("VING_DATABASE_URL").is_some() || std::env::var_os("VING_MYSQL").is_some() {
        eprintln!("SKIPPED: a database URL is set in the environment");
        return;
    }
    // Outside any project: an error saying so, and no ving.db made here.
    let nowhere = tempfile::tempdir().expect("temp dir");
    std::env::set_current_dir(nowhere.path()).expect("cd");
    let error = ving::db::use_db()
        .await
        .expect_err("no project here")
        .to_string();
    assert!(
        error.starts_with("no ving project in ") && error.contains("VING_DATABASE_URL"),
        "{error}"
    );
    assert_eq!(
        std::fs::read_dir(nowhere.path()).expect("dir").count(),
        0,
        "nothing was written in a folder that is not a project"
    );
    // From a folder inside a project: the project's database, beside its ving.toml.
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::write(project.path().join("ving.toml"), "").expect("ving.toml");
    let inside = project.path().join("src/bin");
    std::fs::create_dir_all(&inside).expect("src/bin");
    std::env::set_current_dir(&inside).expect("cd");
    let db = ving::db::use_db().await.expect("the project's database");
    db.ping().await.expect("ping");
    assert!(
        project.path().join("ving.db").is_file(),
        "the project's ving.db"
    );
    assert!(
        !inside.join("ving.db").exists(),
        "none where the app was run from"
    );
}
