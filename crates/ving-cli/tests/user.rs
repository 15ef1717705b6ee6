//! `ving user` on SQLite, MariaDB and PostgreSQL: add, list, list admins, search and
//! modify users through the record layer, as ving's command prints them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use ving::record::Kinds;
use ving::schema::{SchemaOptions, SchemaSet};
use ving::table::TableModel;
use ving::testing::{TestDb, BACKENDS};
use ving_cli::Cli;

fn sample_app() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sample-app")
}

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

/// The sample app's configuration and schemas in a temporary folder whose `.env` names
/// the test database.
fn project_on(url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let schemas = dir.path().join("ving/schema/schemas");
    std::fs::create_dir_all(&schemas).expect("mkdir");
    std::fs::copy(sample_app().join("ving.toml"), dir.path().join("ving.toml")).expect("toml");
    for entry in std::fs::read_dir(sample_app().join("ving/schema/schemas")).expect("schemas") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, schemas.join(path.file_name().expect("name"))).expect("copy");
    }
    std::fs::write(
        dir.path().join(".env"),
        format!("VING_DATABASE_URL={url}\n"),
    )
    .expect(".env");
    dir
}

fn line(username: &str, email: &str, admin: bool) -> String {
    format!("{username:<30} {email:<60} {admin}")
}

#[test]
fn user_adds_lists_searches_and_modifies_users() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = sample_app().join("ving/schema/schemas");
    let schemas = SchemaSet::load(&dir, &SchemaOptions::default()).expect("schemas");
    for backend in BACKENDS {
        let Some(test) = runtime.block_on(async {
            let test = TestDb::fresh_or_skip(backend).await?;
            test.db()
                .create_tables(&TableModel::from_schemas(&schemas))
                .await
                .expect("tables");
            Some(test)
        }) else {
            continue;
        };
        let project = project_on(test.url());
        let root = project.path().to_str().expect("utf8");
        let header = format!("{:<30} {:<60} Admin\n", "Username", "Email");
        let (code, out, err) = run(&[
            "-C",
            root,
            "user",
            "--add",
            "warden",
            "--email",
            "warden@shawshank.jail",
            "--password",
            "Shawshank",
            "--admin",
        ]);
        assert_eq!(code, ExitCode::SUCCESS, "{backend:?}: {err}");
        assert_eq!(
            out,
            format!(
                "{header}{}\n",
                line("warden", "warden@shawshank.jail", true)
            )
        );
        let (code, _, err) = run(&[
            "-C",
            root,
            "user",
            "-a",
            "captain",
            "--email",
            "captain@shawshank.jail",
        ]);
        assert_eq!(code, ExitCode::SUCCESS, "{err}");
        // A bad email is ving's 442, and nothing is added; a taken name is a 409.
        let (code, _, err) = run(&["-C", root, "user", "--add", "red", "--email", "nope"]);
        assert_eq!(code, ExitCode::FAILURE);
        assert!(err.contains("442"), "{err}");
        // So are a name too long, no name and no email (ving's 441s), on every database.
        let long = "x".repeat(70);
        let (code, _, err) = run(&["-C", root, "user", "--add", &long, "--email", "l@x.io"]);
        assert_eq!(code, ExitCode::FAILURE);
        assert!(
            err.contains("442") && err.contains("username"),
            "{backend:?}: {err}"
        );
        let (code, _, err) = run(&["-C", root, "user", "--add", "", "--email", "e@x.io"]);
        assert_eq!(code, ExitCode::FAILURE);
        assert!(err.contains("441") && err.contains("username"), "{err}");
        let (code, _, err) = run(&["-C", root, "user", "--add", "bob"]);
        assert_eq!(code, ExitCode::FAILURE);
        assert!(
            err.contains("441") && err.contains("Email address required"),
            "{err}"
        );
        let (code, _, err) = run(&[
            "-C",
            root,
            "user",
            "--add",
            "warden",
            "--email",
            "w2@shawshank.jail",
        ]);
        assert_eq!(code, ExitCode::FAILURE);
        assert!(err.contains("409"), "{backend:?}: {err}");
        let (_, out, _) = run(&["-C", root, "user", "--list"]);
        assert_eq!(
            out,
            format!(
                "{header}{}\n{}\n",
                line("captain", "captain@shawshank.jail", false),
                line("warden", "warden@shawshank.jail", true)
            )
        );
        let (_, out, _) = run(&["-C", root, "user", "--admins"]);
        assert_eq!(
            out,
            format!(
                "{header}{}\n",
                line("warden", "warden@shawshank.jail", true)
            )
        );
        let (_, out, _) = run(&["-C", root, "user", "--search", "CAPT"]);
        assert_eq!(
            out,
            format!(
                "{header}{}\n",
                line("captain", "captain@shawshank.jail", false)
            )
        );
        let (_, out, _) = run(&["-C", root, "user", "-s", "%"]);
        assert_eq!(out, header, "the keyword is taken literally");
        let (code, out, err) = run(&[
            "-C",
            root,
            "user",
            "--modify",
            "captain",
            "--admin",
            "--password",
            "Hadley",
            "--email",
            "hadley@shawshank.jail",
        ]);
        assert_eq!(code, ExitCode::SUCCESS, "{err}");
        assert_eq!(
            out,
            format!(
                "{header}{}\n",
                line("captain", "hadley@shawshank.jail", true)
            )
        );
        let (_, out, _) = run(&["-C", root, "user", "-m", "warden", "--not-admin"]);
        assert_eq!(
            out,
            format!(
                "{header}{}\n",
                line("warden", "warden@shawshank.jail", false)
            )
        );
        let (code, _, err) = run(&["-C", root, "user", "--modify", "nobody"]);
        assert_eq!(code, ExitCode::FAILURE);
        assert!(err.contains("Could not find user: nobody"), "{err}");
        // The passwords are bcrypt hashes ving verifies (cost 10).
        runtime.block_on(async {
            let codec = ving::id::IdCodec::new("1,2,3,4,5,6,7,8,9,10".parse().expect("key"));
            let kinds = Kinds::new(&schemas, test.db(), codec);
            let users = kinds.kind("User").expect("User");
            for (name, password) in [("warden", "Shawshank"), ("captain", "Hadley")] {
                let user = users
                    .find_one(users.prop_eq("username", name).expect("where"))
                    .await
                    .expect("find")
                    .expect("user");
                let hash = user.get("password").and_then(|v| v.as_str()).expect("hash");
                assert!(hash.starts_with("$2b$10$"), "{hash}");
                assert!(ving::record::verify_password(password, hash));
                assert_eq!(user.get("passwordType"), Some(&"bcrypt".into()));
            }
            test.cleanup().await;
        });
    }
}

/// `ving user` on a SQLite file that is not there says `--up` makes it, and makes no file
/// (an empty one would be a database without tables).
#[test]
fn user_makes_no_sqlite_file() {
    let dir = project_on("sqlite:ving.db");
    let root = dir.path().to_str().expect("utf8");
    for args in [vec!["--list"], vec!["--add", "alice", "--email", "a@x.io"]] {
        let mut all = vec!["-C", root, "user"];
        all.extend(args);
        let (code, _, err) = run(&all);
        assert_eq!(code, ExitCode::FAILURE);
        assert!(err.contains("no database at"), "{err}");
        assert!(err.contains("ving drizzle --up"), "{err}");
        assert!(
            !dir.path().join("ving.db").exists(),
            "{all:?} made the file"
        );
    }
}
