//! `ving schema`: validation, skeletons, the JSON schema, and how the command fails and finds its project.

use super::*;

#[test]
fn validating_the_sample_app_succeeds() {
    let project = sample_app();
    let project = project.to_str().expect("utf8 path");
    let (code, out, err) = run(&["-C", project, "schema", "-V"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert_eq!(out, "4 schemas valid: APIKey, CronJob, S3File, User\n");
    let (code, out, _) = run(&["-C", project, "schema", "-v", "S3File"]);
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(out, "S3File: valid\n");
}

#[test]
fn validating_a_missing_kind_is_404() {
    let project = sample_app();
    let (code, _, err) = run(&[
        "-C",
        project.to_str().expect("utf8"),
        "schema",
        "-v",
        "Widget",
    ]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(
        err.contains(": 404 Widget: no schema declares kind Widget\n1 error in 1 file\n"),
        "{err}"
    );
}

#[test]
fn broken_schemas_fail_with_every_error_line() {
    let project = sample_copy();
    let broken = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../ving/tests/fixtures/invalid/three_mistakes.toml"),
    )
    .expect("fixture");
    std::fs::write(
        project.path().join("ving/schema/schemas/Widget.toml"),
        broken,
    )
    .expect("write");
    let (code, out, err) = run(&["-C", project.path().to_str().expect("utf8"), "schema", "-V"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(out.is_empty());
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert!(
        lines[0].ends_with(
            "Widget.toml:3:13: 442 Widget.tableName: tableName \"widget\" must end in \"s\""
        ),
        "{err}"
    );
    assert!(
        lines[1].contains("Widget.toml:10:10: 442 Widget.props.label: "),
        "{err}"
    );
    assert!(
        lines[2].contains("Widget.toml:31:1: 442 Widget.props.count: "),
        "{err}"
    );
    assert_eq!(lines[3], "3 errors in 1 file");
    // -v on another kind reports only that kind's file.
    let (code, _, _) = run(&[
        "-C",
        project.path().to_str().expect("utf8"),
        "schema",
        "-v",
        "User",
    ]);
    assert_eq!(code, ExitCode::SUCCESS);
}

/// `ving schema --new User` in a new folder writes ving's User kind, which validates with
/// the default roles as written; a Widget made after it is owned by its user.
#[test]
fn new_user_is_ving_s_user_and_validates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().to_str().expect("utf8");
    let (code, out, err) = run(&["-C", root, "schema", "--new", "User"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.starts_with("wrote "), "{out}");
    let (code, out, err) = run(&["-C", root, "schema", "--new", "Widget"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.starts_with("wrote "), "{out}");
    let (code, out, err) = run(&["-C", root, "schema", "-V"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert_eq!(out, "2 schemas valid: User, Widget\n");
    let user = std::fs::read_to_string(dir.path().join("ving/schema/schemas/User.toml"))
        .expect("User.toml");
    for prop in [
        "username",
        "email",
        "password",
        "passwordType",
        "admin",
        "developer",
        "verifiedEmail",
    ] {
        assert!(user.contains(&format!("name = \"{prop}\"")), "{prop}");
    }
}

#[test]
fn the_sample_apps_json_schema_is_the_one_ving_prints() {
    let (code, out, _) = run(&["schema", "--json-schema"]);
    assert_eq!(code, ExitCode::SUCCESS);
    let committed = std::fs::read_to_string(sample_app().join("ving/schema/ving-schema.json"))
        .expect("committed JSON Schema");
    assert_eq!(out, committed, "regenerate with: ving schema --json-schema > examples/sample-app/ving/schema/ving-schema.json");
    let schema: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let prop_keys = schema["properties"]["props"]["items"]["properties"]
        .as_object()
        .expect("prop attributes");
    assert!(
        prop_keys.contains_key("uniqueQualifiers") && !prop_keys.contains_key("uniqueQualifiiers")
    );
}

#[test]
fn the_binary_exits_non_zero_with_one_line_on_failure() {
    let ving = env!("CARGO_BIN_EXE_ving");
    let ok = Command::new(ving)
        .args(["-C", sample_app().to_str().expect("utf8"), "schema", "-V"])
        .output()
        .expect("run ving");
    assert!(ok.status.success());
    let missing = Command::new(ving)
        .args(["-C", "/nonexistent/project", "schema", "-V"])
        .output()
        .expect("run ving");
    assert_eq!(missing.status.code(), Some(1));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(err, "error: no such folder: /nonexistent/project\n");
    let usage = Command::new(ving)
        .args(["schema"])
        .output()
        .expect("run ving");
    assert_eq!(usage.status.code(), Some(2), "no action is a usage error");
}

/// Outside a project (no ving.toml, no schema folder) every command but `schema --new`
/// and `--json-schema` stops with one line and writes nothing (no stray `ving.db`); `-C`
/// to a folder that does not exist says so.
#[test]
fn commands_outside_a_project_write_nothing() {
    let empty = tempfile::tempdir().expect("temp dir");
    let root = empty.path().to_str().expect("utf8");
    for args in [
        &["drizzle", "--status"][..],
        &["drizzle", "--up"],
        &["drizzle", "--up", "--dry-run"],
        &["drizzle", "--drop", "--dry-run"],
        &["drizzle", "--prepare", "--fill", "a.b=1", "--fill", "a.c=x"],
        &["drizzle", "--down"],
        &["drizzle", "--check"],
        &["drizzle", "--prepare"],
        &["drizzle", "--tables"],
        &["schema", "-V"],
    ] {
        let mut all = vec!["-C", root];
        all.extend_from_slice(args);
        let (code, out, err) = run(&all);
        assert_eq!(code, ExitCode::FAILURE, "{args:?}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(
            err.starts_with(&format!("error: not a ving project: {root} (no ving.toml")),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert_eq!(
            std::fs::read_dir(empty.path()).expect("dir").count(),
            0,
            "{args:?} wrote into a folder that is not a project"
        );
    }
    let missing = empty.path().join("missing");
    let missing = missing.to_str().expect("utf8");
    for args in [
        &["drizzle", "--status"][..],
        &["schema", "-V"],
        &["schema", "--new", "Widget"],
    ] {
        let mut all = vec!["-C", missing];
        all.extend_from_slice(args);
        let (code, _, err) = run(&all);
        assert_eq!(code, ExitCode::FAILURE, "{args:?}");
        assert_eq!(
            err,
            format!("error: no such folder: {missing}\n"),
            "{args:?}"
        );
    }
    assert!(!empty.path().join("missing").exists());
    // A schema folder alone makes a project (and so does a ving.toml).
    std::fs::create_dir_all(empty.path().join("ving/schema/schemas")).expect("mkdir");
    let (code, out, err) = run(&["-C", root, "schema", "-V"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.starts_with("no schema files in "), "{out}");
}

/// A flag that does not apply to the chosen action is a usage error (exit code 2), found
/// by the parser before anything runs.
#[test]
fn flags_that_do_not_apply_are_usage_errors() {
    let parse = |args: &[&str]| {
        Cli::try_parse_from(std::iter::once("ving").chain(args.iter().copied())).map(drop)
    };
    for wrong in [
        &["drizzle", "--status", "--dry-run"][..],
        &["drizzle", "--check", "--dry-run"],
        &["drizzle", "--up", "--name", "x"],
        &["drizzle", "--down", "--custom", "x"],
        &["drizzle", "--tables", "--no-renames"],
        &["drizzle", "--up", "--force"],
        &["drizzle", "--prepare", "--force"],
        &["drizzle", "--drop", "--force"],
        &["drizzle", "--drop", "--name", "x"],
        &["drizzle", "--up", "--fill", "widgets.notes=x"],
        &["drizzle", "--prepare", "--custom", "x", "--name", "y"],
    ] {
        let error = parse(wrong).expect_err(&format!("{wrong:?} must not parse"));
        assert_eq!(error.exit_code(), 2, "{wrong:?}: {error}");
        assert!(error.to_string().contains("cannot be used with"), "{error}");
    }
    for right in [
        &["drizzle", "--down", "--force", "--dry-run"][..],
        &["drizzle", "--down", "2", "--dry-run"],
        &["drizzle", "--tables", "--dry-run"],
        &["drizzle", "--up", "--dry-run"],
        &["drizzle", "--drop", "--dry-run"],
        &["drizzle", "--prepare", "--fill", "a.b=1", "--fill", "a.c=x"],
        &[
            "drizzle",
            "--prepare",
            "--name",
            "x",
            "--no-renames",
            "--dry-run",
        ],
    ] {
        parse(right).unwrap_or_else(|e| panic!("{right:?}: {e}"));
    }
}

/// From a folder inside a project (`src/`), the command finds the project's `ving.toml`
/// above it, as cargo finds `Cargo.toml`, and writes nothing in the folder.
#[test]
fn the_project_is_found_from_a_folder_inside_it() {
    let project = sample_copy();
    let src = project.path().join("src/record");
    std::fs::create_dir_all(&src).expect("src");
    let inside = src.to_str().expect("utf8");
    let (code, out, err) = run(&["-C", inside, "schema", "-V"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert_eq!(out, "4 schemas valid: APIKey, CronJob, S3File, User\n");
    let (code, _, err) = run(&["-C", inside, "drizzle", "--status"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        !project.path().join("ving.db").exists(),
        "--status makes no file"
    );
    let (code, _, err) = run(&["-C", inside, "drizzle", "--up"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert_eq!(
        std::fs::read_dir(&src).expect("src").count(),
        0,
        "nothing is written in the folder the command ran from"
    );
    assert!(
        !project.path().join("src/record/ving.db").exists()
            && project.path().join("ving.db").exists(),
        "the project's SQLite file is the project's"
    );
}

/// Messages: `(1 statement)`, an empty migration name refused, a refused connection said
/// as such (at once, not after the pool's timeout).
#[test]
fn messages_say_what_happened() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8").to_owned();
    let ving = |args: &[&str]| drizzle(&root, args);
    for flag in ["--custom", "--name"] {
        let (code, _, err) = ving(&["--prepare", flag, ""]);
        assert_eq!(code, ExitCode::FAILURE);
        assert_eq!(
            err,
            format!("error: {flag} needs a name for the migration, such as {flag} fix_data; it was empty\n")
        );
    }
    let (code, _, err) = ving(&["--prepare", "--name", "init"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    add_runs_prop(project.path());
    let (code, out, err) = ving(&["--prepare", "--name", "add_runs"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.ends_with("0001_add_runs.sql (1 statement)\n"), "{out}");

    let toml = project.path().join("ving.toml");
    let config = std::fs::read_to_string(&toml).expect("ving.toml");
    std::fs::write(
        &toml,
        config.replace("sqlite://ving.db", "mysql://root@127.0.0.1:1/test"),
    )
    .expect("write");
    let started = std::time::Instant::now();
    let (code, _, err) = ving(&["--status"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(
        err.starts_with(
            "error: cannot connect to MySQL/MariaDB at mysql://root@127.0.0.1:1/test: "
        ) && err.contains("Connection refused")
            && err.ends_with("; the URL is from ving.toml [database] url\n"),
        "{err}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// `ving id`, as ving's command: the key from the project's `.env`.
#[test]
fn id_strings_both_ways() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join(".env"),
        "VING_SKIPJACK_KEY=11,22,33,44,55,66,77,88,99,111\n",
    )
    .expect(".env");
    let project = dir.path().to_str().expect("path");
    let (code, out, _) = run(&["-C", project, "id", "-s", "1", "--kind", "User"]);
    assert_eq!(
        (code, out.as_str()),
        (ExitCode::SUCCESS, "1 becomes UservDKaLb1\n")
    );
    let (code, out, _) = run(&["-C", project, "id", "-s", "2"]);
    assert_eq!(
        (code, out.as_str()),
        (ExitCode::SUCCESS, "2 becomes vD6AAy4\n")
    );
    let (code, out, _) = run(&["-C", project, "id", "-i", "UservDKaLb1"]);
    assert_eq!(
        (code, out.as_str()),
        (ExitCode::SUCCESS, "UservDKaLb1 back to 1\n")
    );
    let (code, _, err) = run(&["-C", project, "id", "-i", "nonsense"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.contains("is not an id string"), "{err}");
    let (code, _, err) = run(&["-C", project, "id", "-s", "4294967296"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.contains("too big"), "{err}");
    assert!(
        Cli::try_parse_from(["ving", "id", "-s", "1", "-i", "vDKaLb1"]).is_err(),
        "-s and -i together are a usage error"
    );
    assert!(
        Cli::try_parse_from(["ving", "id", "-i", "vDKaLb1", "--kind", "User"]).is_err(),
        "--kind goes with -s only"
    );
}

/// `ving user --add` of a taken username is ving's 409 in one line: the database's own
/// message and the statement are a trace, not printed (a failure of the database itself
/// still is).
#[test]
fn a_taken_username_is_one_line() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8");
    let (ok, _, err) = ving_bin(root, &["drizzle", "--prepare", "--name", "init"]);
    assert!(ok, "{err}");
    let (ok, _, err) = ving_bin(root, &["drizzle", "--up"]);
    assert!(ok, "{err}");
    let add = ["user", "--add", "alice", "--email", "alice@x.io"];
    let (ok, _, err) = ving_bin(root, &add);
    assert!(ok, "{err}");
    let (ok, _, err) = ving_bin(root, &add);
    assert!(!ok);
    assert!(err.contains("409"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("INSERT"), "{err}");
}
