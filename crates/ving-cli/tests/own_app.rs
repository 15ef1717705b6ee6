//! The README's "Start your own app", followed to the letter in a temporary folder: its
//! commands (`cargo new`, then `ving` for the schema, the tables and the migration), its
//! dependency lines (the path pointed at this repository's `crates/ving`) and its
//! `main.rs`. The app is built with `RUSTFLAGS="-D warnings"`, checked by clippy with
//! `-D warnings` and by `cargo fmt --check` (the generated files are left as generated),
//! then run on its SQLite database; it must print what the README says it prints.
//!
//! The app's build shares `<target>/own-app-test` between runs, so only `ving` and the app
//! are compiled again once it is warm. The app gets this repository's `Cargo.lock`: the
//! versions the workspace is tested with, which are on the machine, so the build works
//! offline. Without `cargo` the test says it is skipped; with `CI=true` that is a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const README: &str = include_str!("../../../README.md");

/// What the README's dependency line points at, replaced by this repository's path.
const README_PATH: &str = "../ving-rs/crates/ving";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// The README's "Start your own app" section.
fn section() -> &'static str {
    let start = README
        .find("\n## Start your own app\n")
        .expect("README.md has a section \"Start your own app\"");
    let rest = &README[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 4);
    &rest[..end]
}

/// The first fenced block of `language` in `text`.
fn block<'a>(text: &'a str, language: &str) -> &'a str {
    let fence = format!("```{language}\n");
    let start = text
        .find(&fence)
        .unwrap_or_else(|| panic!("a ```{language} block in \"Start your own app\""))
        + fence.len();
    let end = text[start..].find("```").expect("closing fence") + start;
    &text[start..end]
}

fn show(output: &Output) -> String {
    format!(
        "{}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn succeed(command: &mut Command, what: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(output.status.success(), "{what} failed: {}", show(&output));
    output
}

/// `cargo` as this test run's, or `None` (and a message) when there is none to run.
fn cargo() -> Option<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    match Command::new(&cargo).arg("--version").output() {
        Ok(output) if output.status.success() => Some(cargo),
        outcome => {
            let why = match outcome {
                Ok(output) => show(&output),
                Err(e) => e.to_string(),
            };
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "own app test: cargo is needed under CI=true ({cargo}: {why})"
            );
            eprintln!(
                "SKIPPED own app test (README \"Start your own app\"): cannot run {cargo}: {why}"
            );
            None
        }
    }
}

/// A cargo command for the app: its own target folder under this repository's, warnings
/// as errors, none of the outer cargo's build settings.
fn app_cargo(cargo: &str, app: &Path, target: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(cargo);
    command
        .args(args)
        .current_dir(app)
        .env("CARGO_TARGET_DIR", target)
        .env("RUSTFLAGS", "-D warnings")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_BUILD_TARGET_DIR");
    command
}

/// Runs `cargo <args> --offline`, and online if offline cannot resolve (an unusual
/// machine without the packages).
fn app_cargo_ok(cargo: &str, app: &Path, target: &Path, args: &[&str], what: &str) {
    let mut offline = args.to_vec();
    offline.insert(1, "--offline");
    let output = app_cargo(cargo, app, target, &offline)
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run cargo: {e}"));
    if output.status.success() {
        return;
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("offline"),
        "{what} failed: {}",
        show(&output)
    );
    succeed(&mut app_cargo(cargo, app, target, args), what);
}

#[test]
fn a_fresh_app_builds_without_warnings_and_runs_its_first_query() {
    let Some(cargo) = cargo() else {
        return;
    };
    let section = section();
    let dir = tempfile::tempdir().expect("temp dir");
    let ving = env!("CARGO_BIN_EXE_ving");
    // The commands, in order: `cargo new` and every `ving` line.
    let mut app_name = None;
    for line in block(section, "sh").lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["cargo", "new", name] => {
                succeed(
                    Command::new(&cargo)
                        .args(["new", "--vcs", "none", name])
                        .current_dir(dir.path()),
                    line,
                );
                app_name = Some(*name);
            }
            ["ving", args @ ..] => {
                succeed(
                    Command::new(ving)
                        .args(args)
                        .current_dir(dir.path())
                        .env_remove("VING_DATABASE_URL")
                        .env_remove("VING_MYSQL"),
                    line,
                );
            }
            _ => {}
        }
    }
    let app_name = app_name.expect("the README's commands start the app with `cargo new`");
    let app = dir.path().join(app_name);
    for generated in ["src/drizzle/schema/mod.rs", "src/drizzle/schema/widget.rs"] {
        assert!(app.join(generated).exists(), "{generated} was not written");
    }

    // The dependency lines, under cargo new's `[dependencies]`, the path made this
    // repository's; `[workspace]` keeps the app out of any workspace around the temp folder.
    let dependencies = block(section, "toml");
    assert!(
        dependencies.contains(README_PATH),
        "the README's dependency line points at {README_PATH}"
    );
    let ving_crate = repo().join("crates/ving");
    let dependencies = dependencies
        .replace(README_PATH, &ving_crate.to_string_lossy())
        .replacen("[dependencies]\n", "", 1);
    let manifest_path = app.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path).expect("Cargo.toml");
    let manifest = if manifest.contains("[dependencies]\n") {
        manifest.replacen(
            "[dependencies]\n",
            &format!("[dependencies]\n{dependencies}"),
            1,
        )
    } else {
        format!("{manifest}\n[dependencies]\n{dependencies}")
    };
    std::fs::write(&manifest_path, format!("{manifest}\n[workspace]\n")).expect("Cargo.toml");
    std::fs::copy(repo().join("Cargo.lock"), app.join("Cargo.lock")).expect("Cargo.lock");
    std::fs::write(app.join("src/main.rs"), block(section, "rust")).expect("main.rs");

    // Beside this test's own target folder (`<target>/debug/ving`).
    let target = Path::new(ving)
        .parent()
        .and_then(Path::parent)
        .expect("target folder")
        .join("own-app-test");
    app_cargo_ok(
        &cargo,
        &app,
        &target,
        &["build"],
        "cargo build (-D warnings)",
    );
    let clippy = app_cargo(&cargo, &app, &target, &["clippy", "--version"]).output();
    if clippy.is_ok_and(|o| o.status.success()) {
        app_cargo_ok(
            &cargo,
            &app,
            &target,
            &["clippy", "--", "-D", "warnings"],
            "cargo clippy -- -D warnings",
        );
    } else {
        eprintln!("note: own app test: clippy is not installed; the app was built, not linted");
    }
    let fmt = app_cargo(&cargo, &app, &target, &["fmt", "--version"]).output();
    if fmt.is_ok_and(|o| o.status.success()) {
        succeed(
            &mut app_cargo(&cargo, &app, &target, &["fmt", "--check"]),
            "cargo fmt --check (the README's main.rs and the generated files)",
        );
    } else {
        eprintln!("note: own app test: rustfmt is not installed; formatting was not checked");
    }

    let binary = target.join("debug").join(app_name);
    let output = succeed(
        Command::new(&binary)
            .current_dir(&app)
            .env_remove("VING_DATABASE_URL")
            .env_remove("VING_MYSQL"),
        "the app",
    );
    let printed = String::from_utf8(output.stdout).expect("utf8");
    assert_eq!(printed, "widget 1 is called First\n");
    assert!(
        section.contains(&format!("prints `{}`", printed.trim_end())),
        "the README says what the app prints"
    );
    assert!(
        app.join("ving.db").exists(),
        "the app ran on my_app/ving.db"
    );
    // And again: nothing in the skeleton makes a second widget collide with the first.
    let again = succeed(
        Command::new(&binary)
            .current_dir(&app)
            .env_remove("VING_DATABASE_URL")
            .env_remove("VING_MYSQL"),
        "the app, run a second time",
    );
    assert_eq!(
        String::from_utf8(again.stdout).expect("utf8"),
        "widget 2 is called First\n"
    );
}
