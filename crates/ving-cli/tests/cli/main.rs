//! The `ving` command: help text and skeletons (snapshots, here), and the shared helpers;
//! `schema` (validation, skeletons, failures, finding the project), `generate` (tables,
//! records, `ving generate`), `migrations` (prepare, up, down, status, check, drop, dry
//! runs, dialect folders) and `faults` (concurrent and killed runs).

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
    // A kind whose names the databases cannot hold gets no file.
    let long = format!("Long{}", "x".repeat(60));
    let (code, _, err) = run(&["-C", root, "schema", "--new", &long]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.contains("442") && err.contains("at most 63"), "{err}");
    let file = project
        .path()
        .join(format!("ving/schema/schemas/{long}.toml"));
    assert!(!file.exists(), "nothing written");
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

/// `ving -C <root> drizzle <args>`, run in this process.
fn drizzle(root: &str, args: &[&str]) -> (ExitCode, String, String) {
    let mut all = vec!["-C", root, "drizzle"];
    all.extend_from_slice(args);
    run(&all)
}

/// Gives the copied sample's CronJob an int prop `runs`: the schema change the migration
/// tests prepare (`--prepare --name add_runs`, one statement).
fn add_runs_prop(project: &Path) {
    let cron = project.join("ving/schema/schemas/CronJob.toml");
    let text = std::fs::read_to_string(&cron).expect("CronJob.toml");
    std::fs::write(
        &cron,
        format!("{text}\n[[props]]\ntype = \"int\"\nname = \"runs\"\nrequired = true\ndefault = 0\nview = []\nedit = []\n"),
    )
    .expect("write");
}

/// [`tree`] without the schema file [`add_runs_prop`] edits and the SQLite database: what a
/// discarded migration must leave as it was.
fn tree_but_edits(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut files = tree(dir);
    files.retain(|path, _| {
        !path.ends_with("CronJob.toml") && !path.to_string_lossy().contains("ving.db")
    });
    files
}

mod faults;
mod generate;
mod migrations;
mod schema;
