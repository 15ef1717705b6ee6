//! The README's "Start your own app", followed to the letter in a temporary folder: its
//! commands (`cargo new`, then `ving` for the schemas and `ving generate`), its
//! `ving.toml`, its dependency lines (the path pointed at this repository's `crates/ving`)
//! and its `main.rs`. The app is built with `RUSTFLAGS="-D warnings"`, checked by clippy
//! with `-D warnings` and by `cargo fmt --check` (the generated files are left as
//! generated); then its binary is copied to an empty folder, the project renamed away, and
//! run twice on a fresh SQLite, MariaDB and PostgreSQL database: it migrates itself, prints
//! what the README says, and stores its user's password as a bcrypt hash; given an address,
//! it serves its records over HTTP (the routes `ving record --rest` wrote), which answer a
//! list, a login and a describe as ving's do.
//!
//! The app's build shares `<target>/own-app-test` between runs, so only `ving` and the app
//! are compiled again once it is warm. The app gets this repository's `Cargo.lock`: the
//! versions the workspace is tested with, which are on the machine, so the build works
//! offline. Without `cargo` the test says it is skipped; with `CI=true` that is a failure,
//! as is a database server that cannot be reached.

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

/// The fenced blocks of `text`, in order: each one's language and contents.
fn blocks(text: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("\n```") {
        let after = &rest[open + 4..];
        let Some(line_end) = after.find('\n') else {
            break;
        };
        let language = &after[..line_end];
        let body = &after[line_end + 1..];
        let close = body.find("```").expect("closing fence");
        found.push((language, &body[..close]));
        rest = &body[close + 3..];
    }
    found
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

/// Runs the `cargo new` and `ving` lines of a `sh` block in `dir`; the app's name when the
/// block makes it.
fn run_commands(commands: &str, dir: &Path, cargo: &str, ving: &str) -> Option<String> {
    let mut app_name = None;
    for line in commands.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["cargo", "new", name] => {
                succeed(
                    Command::new(cargo)
                        .args(["new", "--vcs", "none", name])
                        .current_dir(dir),
                    line,
                );
                app_name = Some((*name).to_owned());
            }
            ["ving", args @ ..] => {
                succeed(
                    Command::new(ving)
                        .args(args)
                        .current_dir(dir)
                        .env_remove("VING_DATABASE_URL")
                        .env_remove("VING_MYSQL"),
                    line,
                );
            }
            _ => {}
        }
    }
    app_name
}

/// One HTTP/1.1 request to `address`: the status and the body.
fn request(address: &str, method: &str, path: &str, cookie: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("connect to the app");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    if !cookie.is_empty() {
        head.push_str(&format!("Cookie: vingSessionId={cookie}\r\n"));
    }
    stream
        .write_all(format!("{head}\r\n{body}").as_bytes())
        .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

/// The app's binary given an address (the README's `my_app 127.0.0.1:3000`), on the
/// database at `url`: it serves the widgets, a login and the warden as ving does.
fn served(
    binary: &Path,
    folder: &Path,
    url: &str,
    codec: &ving::id::IdCodec,
    backend: ving::config::Backend,
) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let address = format!("127.0.0.1:{port}");
    let mut server = Command::new(binary)
        .arg(&address)
        .current_dir(folder)
        .env("VING_DATABASE_URL", url)
        .env_remove("VING_MYSQL")
        .env_remove("VING_SKIPJACK_KEY")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the app's server");
    let up = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::net::TcpStream::connect(&address).is_ok()
    });
    let check = || {
        assert!(up, "{backend}: the app serves {address}");
        let (status, widgets) = request(&address, "GET", "/api/v1/widgets", "", "");
        assert_eq!(status, 200, "{backend}: {widgets}");
        let widgets: serde_json::Value = serde_json::from_str(&widgets).expect("json");
        assert_eq!(widgets["paging"]["totalItems"], 3, "{backend}: {widgets}");
        assert_eq!(widgets["items"][0]["props"]["name"], "First");
        let login = r#"{"login":"warden1","password":"Shawshank","sessionType":"native"}"#;
        let (status, session) = request(&address, "POST", "/api/v1/sessions", "", login);
        assert_eq!(status, 200, "{backend}: {session}");
        let session: serde_json::Value = serde_json::from_str(&session).expect("json");
        let cookie = session["props"]["id"].as_str().expect("the session's id");
        let warden = codec.stringify("User", 1).expect("id string");
        let path = format!("/api/v1/users/{warden}");
        let (status, own) = request(&address, "GET", &path, cookie, "");
        assert_eq!(status, 200, "{backend}: {own}");
        let own: serde_json::Value = serde_json::from_str(&own).expect("json");
        assert_eq!(own["props"]["username"], "warden1", "{backend}: {own}");
        assert_eq!(
            own["props"]["email"], "warden1@example.com",
            "the owner sees it"
        );
        assert!(own["props"].get("password").is_none(), "{backend}: {own}");
        // ving's User record's links, with no record code of the app's.
        let linked = format!("{path}?includeLinks=true");
        let (status, own) = request(&address, "GET", &linked, cookie, "");
        assert_eq!(status, 200, "{backend}: {own}");
        let own: serde_json::Value = serde_json::from_str(&own).expect("json");
        let profile = format!("/users/{warden}/profile");
        assert_eq!(own["links"]["profile"]["href"], profile, "{backend}: {own}");
        let avatar = own["links"]["avatarImage"]["href"].as_str().unwrap_or("");
        assert!(
            avatar.starts_with("https://robohash.org/"),
            "{backend}: {own}"
        );
        let (status, _) = request(&address, "GET", &path, "", "");
        assert_eq!(status, 200, "{backend}: a visitor sees the public props");
        let (status, me) = request(&address, "GET", "/api/v1/users/whoami", cookie, "");
        assert_eq!(status, 200, "{backend}: {me}");
        let me: serde_json::Value = serde_json::from_str(&me).expect("json");
        assert_eq!(me["props"]["id"], warden.as_str(), "{backend}: whoami");
        let (status, nobody) = request(&address, "GET", "/api/v1/users/whoami", "", "");
        assert_eq!(
            (status, nobody.as_str()),
            (200, "{}"),
            "{backend}: no session"
        );
    };
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check));
    let _ = server.kill();
    let _ = server.wait();
    if let Err(failure) = checked {
        std::panic::resume_unwind(failure);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_app_builds_without_warnings_and_runs_anywhere() {
    let Some(cargo) = cargo() else {
        return;
    };
    let section = section();
    let dir = tempfile::tempdir().expect("temp dir");
    let ving = env!("CARGO_BIN_EXE_ving");
    // The blocks in order: the commands, ving.toml, the dependency lines, main.rs.
    let mut app_name: Option<String> = None;
    let mut dependencies = None;
    let mut main_rs = None;
    for (language, text) in blocks(section) {
        match language {
            "sh" => {
                if let Some(name) = run_commands(text, dir.path(), &cargo, ving) {
                    app_name = Some(name);
                }
            }
            "toml" if text.starts_with("[dependencies]") => dependencies = Some(text),
            "toml" => {
                let app = app_name
                    .as_ref()
                    .expect("ving.toml comes after `cargo new`");
                std::fs::write(dir.path().join(app).join("ving.toml"), text).expect("ving.toml");
            }
            "rust" => main_rs = Some(text),
            _ => {}
        }
    }
    let app_name = app_name.expect("the README's commands start the app with `cargo new`");
    let app = dir.path().join(&app_name);
    for generated in [
        "src/drizzle/schema/mod.rs",
        "src/drizzle/schema/widget.rs",
        "src/drizzle/schema/user.rs",
        "src/drizzle/schema/ving_embedded.rs",
        "src/record/mod.rs",
        "src/record/generated/mod.rs",
        "src/record/generated/user.rs",
        "ving/drizzle/migrations/meta/_journal.json",
        "ving/drizzle/postgres/meta/_journal.json",
        "ving/drizzle/sqlite/meta/_journal.json",
    ] {
        assert!(app.join(generated).exists(), "{generated} was not written");
    }

    // The dependency lines, under cargo new's `[dependencies]`, the path made this
    // repository's; `[workspace]` keeps the app out of any workspace around the temp folder.
    let dependencies = dependencies.expect("a ```toml block of [dependencies]");
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
    let main_rs = main_rs.expect("a ```rust block: the app's main.rs");
    std::fs::write(app.join("src/main.rs"), main_rs).expect("main.rs");

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

    // The binary alone, in an empty folder, the project renamed away: it needs nothing
    // but its database URL.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let binary = elsewhere.path().join(&app_name);
    std::fs::copy(target.join("debug").join(&app_name), &binary).expect("copy the binary");
    std::fs::rename(&app, dir.path().join("moved-away")).expect("rename the project");
    let codec = ving::id::IdCodec::new(ving::id::SkipjackKey::UNSET);
    let expected = |n: i64| {
        let id_string = codec.stringify("User", n).expect("id string");
        format!("widget {n} is called First\n{id_string}: \"warden{n}\"\n")
    };
    let first = expected(1);
    let mut lines = first.lines();
    let said = format!(
        "prints `{}` and `{}`",
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default()
    );
    assert!(
        section.contains(&said),
        "the README says what the app prints: {said}"
    );
    for backend in [
        ving::config::Backend::Sqlite,
        ving::config::Backend::MySql,
        ving::config::Backend::Postgres,
    ] {
        let Some(test) = ving::testing::TestDb::fresh_or_skip_with(
            backend,
            ving::testing::Collation::ServerDefault,
        )
        .await
        else {
            continue;
        };
        for run in 1..=2 {
            let output = succeed(
                Command::new(&binary)
                    .current_dir(elsewhere.path())
                    .env("VING_DATABASE_URL", test.url())
                    .env_remove("VING_MYSQL")
                    .env_remove("VING_SKIPJACK_KEY"),
                &format!("the app on {backend}, run {run}"),
            );
            assert_eq!(
                String::from_utf8(output.stdout).expect("utf8"),
                expected(run),
                "{backend}, run {run}"
            );
        }
        let stored = test
            .db()
            .fetch_all(
                "SELECT password FROM users ORDER BY id",
                Vec::new(),
                |row| row.get_string(0),
            )
            .await
            .expect("the stored passwords");
        assert_eq!(stored.len(), 2, "{backend}: {stored:?}");
        for hash in &stored {
            assert!(hash.starts_with("$2b$10$"), "{backend}: stored as {hash}");
            assert!(
                ving::record::verify_password("Shawshank", hash),
                "{backend}"
            );
        }
        served(&binary, elsewhere.path(), test.url(), &codec, backend);
        test.cleanup().await;
    }
    // A server that is down: one line saying so and where the URL came from, exit 1.
    let down = Command::new(&binary)
        .current_dir(elsewhere.path())
        .env("VING_DATABASE_URL", "mysql://root@127.0.0.1:1/nothing")
        .env_remove("VING_MYSQL")
        .output()
        .expect("run the app");
    let said = String::from_utf8_lossy(&down.stderr);
    assert!(!down.status.success(), "{}", show(&down));
    assert!(
        said.starts_with("error: cannot connect")
            && said.contains("VING_DATABASE_URL")
            && said.lines().count() == 1,
        "{said}"
    );
    let left: Vec<_> = std::fs::read_dir(elsewhere.path())
        .expect("the binary's folder")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        left,
        [std::ffi::OsString::from(&app_name)],
        "nothing but the binary"
    );
}
