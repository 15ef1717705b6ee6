//! Generated files: `ving drizzle --tables`, `ving record` and `ving generate`.

use super::*;

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
    assert!(out.contains("7 written, 0 unchanged, 0 removed"), "{out}");
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
            "ving_embedded.rs",
            "ving_session.rs"
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
    assert!(out.contains("0 written, 7 unchanged, 0 removed"), "{out}");
    // A migration written or discarded is compiled in, or no longer, at once.
    let embedded = generated.join("ving_embedded.rs");
    let before = std::fs::read_to_string(&embedded).expect("ving_embedded.rs");
    let (code, out, err) = run(&["-C", root, "drizzle", "-p", "--custom", "seed"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(out.contains("ving_embedded.rs"), "{out}");
    let after = std::fs::read_to_string(&embedded).expect("ving_embedded.rs");
    assert!(
        after.contains("include_str!(\"../../../ving/drizzle/migrations/0003_seed.sql\")"),
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
    assert!(err.contains("`ving schema --new Gadget`"), "{err}");
    // A kind in other case: its name; a lower-case new kind: the PascalCase name to make.
    let (code, _, err) = run(&["-C", root, "record", "--new", "cronjob"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.ends_with("did you mean CronJob?\n"), "{err}");
    let (code, _, err) = run(&["-C", root, "record", "--new", "note"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.contains("run `ving schema --new Note` first"), "{err}");
    let (code, _, err) = run(&["-C", root, "record", "--new", "note_book"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(
        err.contains("run `ving schema --new NoteBook` first"),
        "{err}"
    );
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

/// `ving record --rest Kind` writes the kind's REST module once (never again: it is the
/// app's) and the REST folder's `mod.rs` lines serving every kind with a module, as the
/// sample app's committed files are; a dry run writes nothing.
#[test]
fn record_rest_writes_a_kind_s_module_once_and_serves_it() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8");
    let rest = project.path().join("src/rest");
    let (code, out, err) = run(&["-C", root, "record", "--rest", "User", "--dry-run"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        out.contains("would write") && out.contains("user.rs"),
        "{out}"
    );
    assert!(!rest.exists(), "a dry run writes nothing");
    for kind in ["APIKey", "CronJob", "S3File", "User"] {
        let (code, out, err) = run(&["-C", root, "record", "--rest", kind]);
        assert_eq!(code, ExitCode::SUCCESS, "{err}");
        assert!(out.contains("wrote"), "{out}");
    }
    let committed = sample_app().join("src/rest");
    // (The User and S3File modules are the app's, edited as ving's app edits its
    // handlers: whoami, and the refused DELETE of a file's users.)
    for name in ["api_key.rs", "cron_job.rs"] {
        assert_eq!(
            std::fs::read_to_string(rest.join(name)).expect("written"),
            std::fs::read_to_string(committed.join(name)).expect("committed"),
            "{name}: the sample app's is what `ving record --rest` writes"
        );
    }
    let module = std::fs::read_to_string(rest.join("mod.rs")).expect("mod.rs");
    let kept = std::fs::read_to_string(committed.join("mod.rs")).expect("committed mod.rs");
    assert_eq!(module, kept);
    // The User module is the app's: edited, and never written again.
    std::fs::write(rest.join("user.rs"), "// mine\n").expect("edit");
    let (code, out, err) = run(&["-C", root, "record", "--rest", "User"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        out.contains("kept") && out.contains("it is the app's"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(rest.join("user.rs")).expect("user.rs"),
        "// mine\n"
    );
    let (code, _, err) = run(&["-C", root, "record", "--rest", "Gadget"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.contains("no kind Gadget"), "{err}");
}

/// A schema change `ving generate` cannot prepare a migration for (a prop renamed without
/// `renamedFrom`, asked about only at a terminal) leaves every file as it was: no code
/// for columns no migration makes.
#[test]
fn generate_writes_nothing_when_the_migration_cannot_be_prepared() {
    let project = sample_copy();
    let root = project.path().to_str().expect("utf8");
    let (code, _, err) = run(&["-C", root, "generate", "--name", "init"]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    let cron = project.path().join("ving/schema/schemas/CronJob.toml");
    let text = std::fs::read_to_string(&cron).expect("CronJob.toml");
    assert!(text.contains("name = \"note\"\n"), "{text}");
    std::fs::write(
        &cron,
        text.replace("name = \"note\"\n", "name = \"remark\"\n"),
    )
    .expect("write");
    let before = tree(project.path());
    let (code, _, err) = run(&["-C", root, "generate"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.contains("renamedFrom"), "{err}");
    assert_eq!(tree(project.path()), before, "nothing written");
}
