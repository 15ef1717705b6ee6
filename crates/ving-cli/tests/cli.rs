//! The `ving` command: help text (snapshots), `ving schema` on the sample app and on
//! broken schemas, the skeleton of `--new`, and the JSON Schema the sample app uses.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::{CommandFactory, Parser};
use ving_cli::Cli;

fn sample_app() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sample-app")
}

/// Runs the command line in-process: (exit code, stdout, stderr).
fn run(args: &[&str]) -> (ExitCode, String, String) {
    let cli = Cli::try_parse_from(std::iter::once("ving").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?} does not parse: {e}"));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = ving_cli::run(cli, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).expect("utf8"),
        String::from_utf8(err).expect("utf8"),
    )
}

/// A copy of the sample app's configuration and schemas in a temporary folder.
fn sample_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let schemas = dir.path().join("ving/schema/schemas");
    std::fs::create_dir_all(&schemas).expect("mkdir");
    std::fs::copy(sample_app().join("ving.toml"), dir.path().join("ving.toml")).expect("ving.toml");
    std::fs::copy(
        sample_app().join("ving/schema/ving-schema.json"),
        dir.path().join("ving/schema/ving-schema.json"),
    )
    .expect("json schema");
    for entry in std::fs::read_dir(sample_app().join("ving/schema/schemas")).expect("schemas") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, schemas.join(path.file_name().expect("name"))).expect("copy");
    }
    dir
}

#[test]
fn help_at_every_level() {
    let mut command = Cli::command();
    command.build();
    insta::assert_snapshot!("ving_help", command.render_help().to_string());
    let schema = command
        .find_subcommand_mut("schema")
        .expect("schema command");
    insta::assert_snapshot!("ving_schema_help", schema.render_help().to_string());
    let drizzle = command
        .find_subcommand_mut("drizzle")
        .expect("drizzle command");
    insta::assert_snapshot!("ving_drizzle_help", drizzle.render_help().to_string());
    let record = command
        .find_subcommand_mut("record")
        .expect("record command");
    insta::assert_snapshot!("ving_record_help", record.render_help().to_string());
}

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

#[test]
fn new_writes_a_skeleton_that_validates_and_refuses_to_overwrite() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8");
    let (code, out, err) = run(&["-C", root, "schema", "--new", "Gadget"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let path = project.path().join("ving/schema/schemas/Gadget.toml");
    assert_eq!(out, format!("wrote {}\n", path.display()));
    let text = std::fs::read_to_string(&path).expect("skeleton");
    assert!(text.starts_with("#:schema ../ving-schema.json\n"));
    insta::assert_snapshot!("skeleton", text);
    let (code, out, err) = run(&["-C", root, "schema", "-V"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert_eq!(
        out,
        "5 schemas valid: APIKey, CronJob, Gadget, S3File, User\n"
    );

    std::fs::write(&path, "# edited by hand\n").expect("edit");
    let (code, _, err) = run(&["-C", root, "schema", "--new", "Gadget"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.contains("already exists; not overwriting it"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("kept"),
        "# edited by hand\n"
    );

    let (code, _, err) = run(&["-C", root, "schema", "--new", "User"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.contains("already exists"), "{err}");
    let (code, _, err) = run(&["-C", root, "schema", "--new", "gadget"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.contains("must be PascalCase"), "{err}");
    let (code, _, err) = run(&["-C", root, "schema", "--new", "Table"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.contains("MySQL reserved word"), "{err}");
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

/// In a new folder (no User kind), the skeleton validates on its own; once the app has a
/// User kind, the next skeleton has a userId owner relation.
#[test]
fn new_in_an_empty_folder_writes_a_skeleton_that_validates_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().to_str().expect("utf8");
    let (code, out, err) = run(&["-C", root, "schema", "--new", "Widget"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.starts_with("wrote "), "{out}");
    let text = std::fs::read_to_string(dir.path().join("ving/schema/schemas/Widget.toml"))
        .expect("skeleton");
    insta::assert_snapshot!("skeleton_without_user", text);
    let (code, out, err) = run(&["-C", root, "schema", "-V"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert_eq!(out, "1 schema valid: Widget\n");
    // The commented-out relation is right once there is a User kind.
    for entry in std::fs::read_dir(sample_app().join("ving/schema/schemas")).expect("schemas") {
        let path = entry.expect("entry").path();
        let to = dir
            .path()
            .join("ving/schema/schemas")
            .join(path.file_name().expect("name"));
        std::fs::copy(&path, to).expect("copy");
    }
    let uncommented: String = text
        .replace("owner = [\"admin\"]", "owner = [\"$userId\", \"admin\"]")
        .lines()
        .skip_while(|l| !l.starts_with("# [[props]]"))
        .take_while(|l| l.starts_with("# "))
        .map(|l| format!("{}\n", &l[2..]))
        .collect();
    let widget = dir.path().join("ving/schema/schemas/Widget.toml");
    let mut with_owner = text.replace("owner = [\"admin\"]", "owner = [\"$userId\", \"admin\"]");
    with_owner.push('\n');
    with_owner.push_str(&uncommented);
    std::fs::write(&widget, with_owner).expect("write");
    let (code, out, err) = run(&["-C", root, "schema", "-V"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert_eq!(
        out,
        "5 schemas valid: APIKey, CronJob, S3File, User, Widget\n"
    );
    let (code, _, err) = run(&["-C", root, "schema", "--new", "Gizmo"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let gizmo = std::fs::read_to_string(dir.path().join("ving/schema/schemas/Gizmo.toml"))
        .expect("skeleton");
    assert!(
        gizmo.contains("owner = [\"$userId\", \"admin\"]") && gizmo.contains("\nkind = \"User\"")
    );
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

#[test]
fn generated_tables_are_byte_stable_and_match_the_committed_ones() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8");
    // The migrations compiled in are the sample app's.
    let migrations = project.path().join("ving/drizzle/migrations");
    for sub in ["", "meta"] {
        std::fs::create_dir_all(migrations.join(sub)).expect("mkdir");
        let from = sample_app().join("ving/drizzle/migrations").join(sub);
        for entry in std::fs::read_dir(&from).expect("migrations") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                let name = path.file_name().expect("name");
                std::fs::copy(&path, migrations.join(sub).join(name)).expect("migration file");
            }
        }
    }
    let (code, out, err) = run(&["-C", root, "drizzle", "--tables"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.contains("6 written, 0 unchanged, 0 removed"), "{out}");
    let generated = project.path().join("src/drizzle/schema");
    let committed = sample_app().join("src/drizzle/schema");
    let mut names: Vec<String> = std::fs::read_dir(&generated)
        .expect("generated")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "api_key.rs",
            "cron_job.rs",
            "mod.rs",
            "s3_file.rs",
            "user.rs",
            "ving_embedded.rs"
        ]
    );
    for name in &names {
        let fresh = std::fs::read_to_string(generated.join(name)).expect("generated file");
        let kept = std::fs::read_to_string(committed.join(name)).expect("committed file");
        assert!(
            fresh == kept,
            "{name} differs from the committed file: run `ving -C examples/sample-app drizzle --tables`"
        );
    }
    // A second run changes nothing.
    let (_, out, _) = run(&["-C", root, "drizzle", "-t"]);
    assert!(out.contains("0 written, 6 unchanged, 0 removed"), "{out}");
    // A migration written or discarded is compiled in, or no longer, at once.
    let embedded = generated.join("ving_embedded.rs");
    let before = std::fs::read_to_string(&embedded).expect("ving_embedded.rs");
    let (code, out, err) = run(&["-C", root, "drizzle", "-p", "--custom", "seed"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.contains("ving_embedded.rs"), "{out}");
    let after = std::fs::read_to_string(&embedded).expect("ving_embedded.rs");
    assert!(
        after.contains("include_str!(\"../../../ving/drizzle/migrations/0002_seed.sql\")"),
        "{after}"
    );
    let (code, out, err) = run(&["-C", root, "drizzle", "--drop"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.contains("ving_embedded.rs"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&embedded).expect("ving_embedded.rs"),
        before
    );
    // A kind that disappears takes its generated file with it; hand-written files stay.
    std::fs::write(generated.join("helpers.rs"), "// mine\n").expect("hand-written");
    std::fs::remove_file(project.path().join("ving/schema/schemas/CronJob.toml")).expect("remove");
    let (code, out, err) = run(&["-C", root, "drizzle", "--tables"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        out.contains("removed ") && out.contains("cron_job.rs"),
        "{out}"
    );
    assert!(!generated.join("cron_job.rs").exists());
    assert!(generated.join("helpers.rs").exists());
}

#[test]
fn generation_refuses_invalid_schemas() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8");
    std::fs::write(
        project.path().join("ving/schema/schemas/Bad.toml"),
        "kind = \"Bad\"\n",
    )
    .expect("write");
    let (code, out, err) = run(&["-C", root, "drizzle", "--tables"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(out.is_empty());
    assert!(
        err.contains("441 Bad.tableName: tableName is missing"),
        "{err}"
    );
    assert!(
        !project.path().join("src/drizzle/schema").exists(),
        "nothing generated from invalid schemas"
    );
}

#[test]
fn prepare_up_and_status_on_the_embedded_database() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8");
    let (code, out, err) = run(&["-C", root, "drizzle", "--status"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.starts_with("database not initialized"), "{out}");
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
    assert!(
        out.is_empty(),
        "a dry run of a custom migration prints its (empty) SQL: {out}"
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

/// Lists the files under `dir` with their contents, to prove that nothing changed.
fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path).expect("read"));
            }
        }
    }
    files
}

/// [`tree`] without an existing SQLite database's files: in write-ahead-log mode, a
/// connection that only read may still move the log into the database file or remove it
/// when it closes (the same rows, other bytes).
fn tree_but_sqlite(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut files = tree(dir);
    files.retain(|path, _| {
        let name = path.to_string_lossy();
        !(name.ends_with(".db") || name.ends_with(".db-wal") || name.ends_with(".db-shm"))
    });
    files
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

/// An output stream that remembers what had been written at each flush.
#[derive(Default)]
struct Flushed {
    text: Vec<u8>,
    at_flush: Vec<String>,
}

impl std::io::Write for Flushed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.text.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.at_flush
            .push(String::from_utf8_lossy(&self.text).into_owned());
        Ok(())
    }
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

/// `ving generate` writes the tables, the records and the next migration in one go;
/// `--check` writes nothing and fails naming each stale file and a due migration, and
/// passes once `ving generate` has run.
#[test]
fn generate_writes_everything_and_check_fails_while_stale() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8");
    let before = tree(project.path());
    let (code, _, err) = run(&["-C", root, "generate", "--check"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(
        err.starts_with("error: generated code is stale; run `ving generate`:")
            && err.contains("src/drizzle/schema/user.rs is missing")
            && err.contains("src/record/generated/user.rs is missing")
            && err.contains("src/record/mod.rs is missing")
            && err.contains("a migration is due"),
        "{err}"
    );
    assert_eq!(tree(project.path()), before, "--check writes nothing");
    let (code, out, err) = run(&["-C", root, "generate", "--name", "init"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.contains("0000_init.sql"), "{out}");
    let (code, out, err) = run(&["-C", root, "generate", "--check"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.starts_with("up to date"), "{out}");
    let cron = project.path().join("ving/schema/schemas/CronJob.toml");
    let mut text = std::fs::read_to_string(&cron).expect("CronJob.toml");
    text.push_str("\n[[props]]\ntype = \"int\"\nname = \"extra\"\nrequired = true\ndefault = 0\nview = []\nedit = []\n");
    std::fs::write(&cron, text).expect("write");
    let (code, _, err) = run(&["-C", root, "generate", "--check"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(
        err.contains("src/drizzle/schema/cron_job.rs differs")
            && err.contains("src/record/generated/cron_job.rs differs")
            && err.contains("a migration is due")
            && !err.contains("user.rs"),
        "{err}"
    );
    let (code, _, err) = run(&["-C", root, "generate"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let (code, _, err) = run(&["-C", root, "generate", "--check"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    // The `ving record` lines of src/record/mod.rs are checked too.
    let module = project.path().join("src/record/mod.rs");
    let text = std::fs::read_to_string(&module).expect("mod.rs");
    std::fs::write(&module, text.replace("pub mod generated;\n", "")).expect("edit");
    let (code, _, err) = run(&["-C", root, "generate", "--check"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(
        err.contains("src/record/mod.rs: its `ving record` lines differ"),
        "{err}"
    );
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
        "error: ving.toml [migrations] has no folder for PostgreSQL (it has: sqlite): add postgres = \"ving/drizzle/migrations-postgres\" there, then `ving drizzle --prepare` writes its migrations\n"
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

/// A copy of the sample app on `test`'s database with `count` migrations prepared (each
/// adds an int column `extraN` to cronjobs) and none applied.
fn project_with_pending_migrations(
    test: &ving::testing::TestDb,
    count: usize,
) -> (tempfile::TempDir, String) {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8").to_owned();
    let config = project.path().join("ving.toml");
    let text = std::fs::read_to_string(&config).expect("ving.toml");
    let text = text.replace(
        "url = \"sqlite://ving.db\"",
        &format!("url = \"{}\"", test.url()),
    );
    std::fs::write(&config, text).expect("ving.toml");
    let cron = project.path().join("ving/schema/schemas/CronJob.toml");
    for step in 0..count {
        let mut schema = std::fs::read_to_string(&cron).expect("schema");
        schema.push_str(&format!(
            "\n[[props]]\ntype = \"int\"\nname = \"extra{step}\"\nrequired = true\ndefault = {step}\nview = []\nedit = []\n"
        ));
        std::fs::write(&cron, schema).expect("schema");
        let name = format!("step{step}");
        let (code, _, err) = run(&["-C", &root, "drizzle", "--prepare", "--name", &name]);
        assert_eq!(code, ExitCode::SUCCESS, "{err}");
    }
    (project, root)
}

fn ving_up(root: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ving"));
    command
        .args(["-C", root, "drizzle", "--up"])
        .env_remove("VING_DATABASE_URL")
        .env_remove("VING_MYSQL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    command
}

/// Runs the `ving` binary with the database variables removed: (success, stdout, stderr).
fn ving_bin(root: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ving"))
        .args(["-C", root])
        .args(args)
        .env_remove("VING_DATABASE_URL")
        .env_remove("VING_MYSQL")
        .output()
        .expect("run ving");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
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
        ("cronjob.ownerId=1", "there is no table cronjob (the tables: apikeys, cronjobs, s3files, users)"),
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
    let ving = |args: &[&str]| {
        let mut all = vec!["-C", root.as_str(), "drizzle"];
        all.extend_from_slice(args);
        run(&all)
    };
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
    let ving = |args: &[&str]| {
        let mut all = vec!["-C", root.as_str(), "drizzle"];
        all.extend_from_slice(args);
        run(&all)
    };
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
    let after_init = tree(project.path());
    let cron = project.path().join("ving/schema/schemas/CronJob.toml");
    let text = std::fs::read_to_string(&cron).expect("CronJob.toml");
    std::fs::write(
        &cron,
        format!("{text}\n[[props]]\ntype = \"int\"\nname = \"runs\"\nrequired = true\ndefault = 0\nview = []\nedit = []\n"),
    )
    .expect("write");
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
    let mut now = tree(project.path());
    let mut before = after_init;
    for files in [&mut now, &mut before] {
        files.retain(|path, _| {
            !path.ends_with("CronJob.toml") && !path.to_string_lossy().contains("ving.db")
        });
    }
    assert_eq!(now, before, "the folder is as before --prepare");
    let (code, out, err) = ving(&["--prepare", "--name", "add_runs"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.contains("0001_add_runs.sql"), "{out}");
}

/// Messages: `(1 statement)`, an empty migration name refused, a refused connection said
/// as such (at once, not after the pool's timeout).
#[test]
fn messages_say_what_happened() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8").to_owned();
    let ving = |args: &[&str]| {
        let mut all = vec!["-C", root.as_str(), "drizzle"];
        all.extend_from_slice(args);
        run(&all)
    };
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
    let cron = project.path().join("ving/schema/schemas/CronJob.toml");
    let text = std::fs::read_to_string(&cron).expect("CronJob.toml");
    std::fs::write(
        &cron,
        format!("{text}\n[[props]]\ntype = \"int\"\nname = \"runs\"\nrequired = true\ndefault = 0\nview = []\nedit = []\n"),
    )
    .expect("write");
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

#[test]
fn generated_records_are_byte_stable_and_hand_written_files_are_never_overwritten() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8");
    let records = project.path().join("src/record");
    std::fs::create_dir_all(&records).expect("mkdir");
    for name in [
        "mod.rs",
        "api_key.rs",
        "cron_job.rs",
        "s3_file.rs",
        "user.rs",
    ] {
        std::fs::copy(
            sample_app().join("src/record").join(name),
            records.join(name),
        )
        .expect("hand-written record file");
    }
    let (code, out, err) = run(&["-C", root, "record"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.contains("5 written, 0 unchanged, 0 removed"), "{out}");
    let generated = records.join("generated");
    let committed = sample_app().join("src/record/generated");
    let mut names: Vec<String> = std::fs::read_dir(&generated)
        .expect("generated")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "api_key.rs",
            "cron_job.rs",
            "mod.rs",
            "s3_file.rs",
            "user.rs"
        ]
    );
    for name in &names {
        let fresh = std::fs::read_to_string(generated.join(name)).expect("generated file");
        let kept = std::fs::read_to_string(committed.join(name)).expect("committed file");
        assert!(
            fresh == kept,
            "{name} differs from the committed file: run `ving -C examples/sample-app record`"
        );
    }
    let (_, out, _) = run(&["-C", root, "record"]);
    assert!(out.contains("0 written, 5 unchanged, 0 removed"), "{out}");
    // The hand-written set_password overrides the generated setter.
    let user = std::fs::read_to_string(generated.join("user.rs")).expect("user.rs");
    assert!(user.contains("// `set_password` is written by hand."));
    assert!(user.contains("pub fn set_email(&mut self, value: impl Into<String>)"));
    // --new never overwrites, and needs a kind.
    let kept = std::fs::read_to_string(records.join("user.rs")).expect("user.rs");
    let (code, _, err) = run(&["-C", root, "record", "--new", "User"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.contains("already exists; not overwriting it"), "{err}");
    assert_eq!(
        std::fs::read_to_string(records.join("user.rs")).expect("user.rs"),
        kept
    );
    let (code, _, err) = run(&["-C", root, "record", "--new", "Gadget"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.contains("no kind Gadget"), "{err}");
    // Without the hand-written file, the setter is generated; --new writes the skeleton.
    std::fs::remove_file(records.join("user.rs")).expect("remove");
    let (code, out, err) = run(&["-C", root, "record", "--new", "User"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.contains("user.rs"), "{out}");
    let skeleton = std::fs::read_to_string(records.join("user.rs")).expect("skeleton");
    assert!(skeleton.contains("pub struct UserHooks;"), "{skeleton}");
    assert!(skeleton.contains("impl User<'_> {"), "{skeleton}");
    assert!(
        skeleton.contains("pub fn configure(kinds: Kinds<'_>) -> Kinds<'_> {"),
        "{skeleton}"
    );
    // --new generated the records again: `kinds` calls the new file's `configure`.
    let map = std::fs::read_to_string(generated.join("mod.rs")).expect("mod.rs");
    assert!(
        map.contains("    let kinds = super::user::configure(kinds);\n"),
        "{map}"
    );
    let (code, _, err) = run(&["-C", root, "record"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let user = std::fs::read_to_string(generated.join("user.rs")).expect("user.rs");
    assert!(user.contains("pub fn set_password(&mut self, value: impl Into<String>)"));
}

/// `ving record` writes `src/record/mod.rs` when there is none, rewrites only the lines
/// between its markers (the code around them is the user's), and leaves a file without
/// markers alone, saying so.
#[test]
fn record_writes_the_records_module_between_its_markers_only() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8");
    let records = project.path().join("src/record");
    let module = records.join("mod.rs");
    // None yet: a starter, declaring the generated module and re-exporting each kind.
    let (code, out, err) = run(&["-C", root, "record"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        out.contains(&format!("wrote {}", module.display())),
        "{out}"
    );
    let starter = std::fs::read_to_string(&module).expect("mod.rs");
    assert!(starter.contains("pub mod generated;\n"), "{starter}");
    assert!(!starter.contains("pub mod user;"), "{starter}");
    assert!(starter.contains("pub use generated::kinds;\n"), "{starter}");
    assert!(
        starter.contains("pub use generated::{User, UserKind, UserProps, Users};\n"),
        "{starter}"
    );
    // The user's code around the markers is kept; a new kind file is declared.
    let edited = format!("// mine, above\n{starter}\npub fn mine() {{}}\n");
    std::fs::write(&module, &edited).expect("edit");
    std::fs::write(records.join("user.rs"), "// the user's own\n").expect("user.rs");
    let (code, out, err) = run(&["-C", root, "record"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        out.contains(&format!("wrote {}", module.display())),
        "{out}"
    );
    let updated = std::fs::read_to_string(&module).expect("mod.rs");
    assert!(
        updated.starts_with("// mine, above\n//! The app's records"),
        "{updated}"
    );
    assert!(updated.ends_with("\npub fn mine() {}\n"), "{updated}");
    assert!(updated.contains("\npub mod user;\n"), "{updated}");
    assert_eq!(
        std::fs::read_to_string(records.join("user.rs")).expect("user.rs"),
        "// the user's own\n"
    );
    // Up to date: not written again; a dry run says so.
    let (_, out, _) = run(&["-C", root, "record"]);
    assert!(
        !out.contains(&format!("wrote {}", module.display())),
        "{out}"
    );
    let (_, out, _) = run(&["-C", root, "record", "--dry-run"]);
    assert!(
        out.contains(&format!("unchanged {}", module.display())),
        "{out}"
    );
    // Without markers the file is the user's alone.
    std::fs::write(&module, "pub mod generated;\n").expect("unmarked");
    let (code, out, err) = run(&["-C", root, "record"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.contains("so it was left as it is"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&module).expect("mod.rs"),
        "pub mod generated;\n"
    );
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
