//! `ving record`: the generated record modules, and a kind's hand-written starter file.

use super::*;

/// The Rust path of the generated table modules: the tables folder under `src/`
/// (`src/drizzle/schema` → `crate::drizzle::schema`).
pub(crate) fn tables_module(config: &Config) -> String {
    let tables = config.tables_dir();
    let relative = tables
        .strip_prefix(config.root().join("src"))
        .map(|p| p.to_path_buf())
        .unwrap_or_else(|_| PathBuf::from("drizzle/schema"));
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    format!("crate::{}", parts.join("::"))
}

/// The generated record files of `schemas` and the folder they belong in.
pub(crate) fn generated_records(
    config: &Config,
    schemas: &SchemaSet,
) -> Result<(PathBuf, Vec<ving::codegen::GeneratedFile>), Failure> {
    let model = ving::table::TableModel::from_schemas(schemas);
    let source_of = |kind: &str| {
        schemas
            .get(kind)
            .map_or_else(String::new, |s| s.origin.relative_path(config.root()))
    };
    let records = config.records_dir();
    let hand_written = |kind: &str| {
        std::fs::read_to_string(records.join(format!("{}.rs", ving::codegen::snake_case(kind))))
            .ok()
    };
    let files = ving::codegen::record_files(
        schemas,
        &model,
        &tables_module(config),
        source_of,
        hand_written,
    )?;
    Ok((config.records_dir().join("generated"), files))
}

/// What `ving record` does to the app's `src/record/mod.rs`.
pub(crate) enum RecordsModule {
    /// It is what the schemas make.
    Unchanged,
    /// It is to be written (created, or its `ving record` lines replaced) with this text.
    Write(String),
    /// It has no `ving record` lines: it is left as it is.
    Unmarked,
}

/// The records folder's `mod.rs` and what `ving record` does to it: declare the generated
/// module and each kind's hand-written file, and re-export the typed items and `kinds`.
pub(crate) fn records_module(config: &Config, schemas: &SchemaSet) -> (PathBuf, RecordsModule) {
    let dir = config.records_dir();
    let path = dir.join("mod.rs");
    let kinds: Vec<String> = schemas.schemas().iter().map(|s| s.kind.clone()).collect();
    let with_files: Vec<String> = kinds
        .iter()
        .filter(|kind| {
            dir.join(format!("{}.rs", ving::codegen::snake_case(kind)))
                .is_file()
        })
        .cloned()
        .collect();
    let block = ving::codegen::records_block(&kinds, &with_files);
    let existing = std::fs::read_to_string(&path).ok();
    let action = match ving::codegen::records_module(existing.as_deref(), &block) {
        None => RecordsModule::Unmarked,
        Some(text) if existing.as_deref() == Some(text.as_str()) => RecordsModule::Unchanged,
        Some(text) => RecordsModule::Write(text),
    };
    (path, action)
}

pub(crate) fn record_command(
    project: &Path,
    args: &RecordArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let config = load_project(project)?;
    let schemas = load_schemas(&config)?;
    if let Some(kind) = &args.new {
        return new_record(&config, &schemas, kind, out);
    }
    if let Some(kind) = &args.rest {
        return rest_record(&config, &schemas, kind, args.dry_run, out);
    }
    write_records(&config, &schemas, args.dry_run, out)
}

/// The generated records and the records module's `ving record` lines, written (or with
/// `dry_run`, what would be).
fn write_records(
    config: &Config,
    schemas: &SchemaSet,
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let (dir, files) = generated_records(config, schemas)?;
    if dry_run {
        let plan = ving::codegen::plan_files(&dir, &files);
        let mut text = String::new();
        for file in &files {
            let verb = if plan.unchanged.contains(&file.name) {
                "unchanged"
            } else {
                "would write"
            };
            text.push_str(&format!("{verb} {}\n", dir.join(&file.name).display()));
        }
        let (path, action) = records_module(config, schemas);
        text.push_str(&match action {
            RecordsModule::Unchanged => format!("unchanged {}\n", path.display()),
            RecordsModule::Write(_) => format!("would write {}\n", path.display()),
            RecordsModule::Unmarked => unmarked_note(&path),
        });
        return write_out(out, &text);
    }
    let report = ving::codegen::write_files(&dir, &files)?;
    let mut text = String::new();
    let (path, action) = records_module(config, schemas);
    match action {
        RecordsModule::Unchanged => {}
        RecordsModule::Write(contents) => {
            ving::files::write_whole(&path, contents)
                .map_err(|e| Failure::Other(format!("{}: cannot write: {e}", path.display())))?;
            text.push_str(&format!("wrote {}\n", path.display()));
        }
        RecordsModule::Unmarked => text.push_str(&unmarked_note(&path)),
    }
    for name in &report.written {
        text.push_str(&format!("wrote {}\n", dir.join(name).display()));
    }
    for name in &report.removed {
        text.push_str(&format!("removed {}\n", dir.join(name).display()));
    }
    text.push_str(&format!(
        "{} kinds' records in {}: {} written, {} unchanged, {} removed\n",
        schemas.schemas().len(),
        dir.display(),
        report.written.len(),
        report.unchanged.len(),
        report.removed.len()
    ));
    write_out(out, &text)
}

/// What `ving record` says of a records `mod.rs` without its lines.
fn unmarked_note(path: &Path) -> String {
    format!(
        "note: {} has no `{}` … `{}` lines, so it was left as it is; declare `pub mod generated;` and each kind's module there yourself, or delete it to have `ving record` write it\n",
        path.display(),
        ving::codegen::RECORDS_BEGIN,
        ving::codegen::RECORDS_END,
    )
}

/// `Ok` when `kind` has a schema, else an error saying how to make one.
fn known_kind(config: &Config, schemas: &SchemaSet, kind: &str) -> Result<(), Failure> {
    if schemas.get(kind).is_some() {
        return Ok(());
    }
    let dir = config.schemas_dir();
    // A kind named in other case (`note` for `Note`).
    let same = (schemas.schemas().iter()).find(|s| s.kind.eq_ignore_ascii_case(kind));
    Err(Failure::Other(match same {
        Some(schema) => format!(
            "no kind {kind} in {}: did you mean {}?",
            dir.display(),
            schema.kind
        ),
        None => {
            // Kinds are PascalCase: the name `ving schema --new` would take (`cron_job`:
            // `CronJob`).
            let pascal: String = (kind.split('_'))
                .flat_map(|part| {
                    let mut chars = part.chars();
                    chars
                        .next()
                        .map(|c| c.to_ascii_uppercase())
                        .into_iter()
                        .chain(chars)
                })
                .collect();
            format!(
                "no kind {kind} in {}; run `ving schema --new {pascal}` first",
                dir.display()
            )
        }
    }))
}

/// `ving record --new Kind`: the kind's hand-written record file, from a template, then
/// the records generated again so that `kinds` calls its `configure`.
pub(crate) fn new_record(
    config: &Config,
    schemas: &SchemaSet,
    kind: &str,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    known_kind(config, schemas, kind)?;
    let module = ving::codegen::snake_case(kind);
    let dir = config.records_dir();
    let path = dir.join(format!("{module}.rs"));
    if path.exists() {
        return Err(Failure::Other(format!(
            "{} already exists; not overwriting it",
            path.display()
        )));
    }
    let text = ving::codegen::record_skeleton(kind);
    std::fs::create_dir_all(&dir)
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
        })
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| Failure::Other(format!("{}: cannot write: {e}", path.display())))?;
    write_out(out, &format!("wrote {}\n", path.display()))?;
    write_records(config, schemas, false, out)
}

/// `ving record --rest Kind`: the kind's REST module (never overwritten), then the REST
/// folder's `mod.rs` lines that serve every kind with a module (or, with `dry_run`, what
/// would be written).
fn rest_record(
    config: &Config,
    schemas: &SchemaSet,
    kind: &str,
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    known_kind(config, schemas, kind)?;
    let dir = config.rest_dir();
    let path = dir.join(format!("{}.rs", ving::codegen::snake_case(kind)));
    let new_file = !path.exists();
    let with_files: Vec<String> = schemas
        .schemas()
        .iter()
        .map(|s| s.kind.clone())
        .filter(|k| {
            k == kind
                || dir
                    .join(format!("{}.rs", ving::codegen::snake_case(k)))
                    .is_file()
        })
        .collect();
    let module_path = dir.join("mod.rs");
    let existing = std::fs::read_to_string(&module_path).ok();
    let block = ving::codegen::rest_block(&with_files);
    let module = ving::codegen::rest_module(existing.as_deref(), &block);
    let module_changes = module
        .as_ref()
        .is_some_and(|text| existing.as_deref() != Some(text.as_str()));
    let unmarked = format!(
        "note: {} has no `{}` … `{}` lines, so it was left as it is; serve the module there yourself (`.with_rules(\"{kind}\", …::rules())`)\n",
        module_path.display(),
        ving::codegen::REST_BEGIN,
        ving::codegen::REST_END,
    );
    let mut text = String::new();
    if dry_run {
        text.push_str(&if new_file {
            format!("would write {}\n", path.display())
        } else {
            format!("kept {} (it is the app's)\n", path.display())
        });
        text.push_str(&match &module {
            None => unmarked,
            Some(_) if module_changes => format!("would write {}\n", module_path.display()),
            Some(_) => format!("unchanged {}\n", module_path.display()),
        });
        return write_out(out, &text);
    }
    let cannot =
        |p: &Path, e: std::io::Error| Failure::Other(format!("{}: cannot write: {e}", p.display()));
    std::fs::create_dir_all(&dir).map_err(|e| cannot(&dir, e))?;
    if new_file {
        let version = format!("v{}", config.file().rest.version);
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut file| {
                file.write_all(ving::codegen::rest_skeleton(kind, &version).as_bytes())
            })
            .map_err(|e| cannot(&path, e))?;
        text.push_str(&format!("wrote {}\n", path.display()));
    } else {
        text.push_str(&format!("kept {} (it is the app's)\n", path.display()));
    }
    match module {
        None => text.push_str(&unmarked),
        Some(contents) if module_changes => {
            ving::files::write_whole(&module_path, contents)
                .map_err(|e| cannot(&module_path, e))?;
            text.push_str(&format!("wrote {}\n", module_path.display()));
            if existing.is_none() {
                text.push_str(
                    "note: declare `mod rest;` in src/main.rs (or `pub mod rest;` in src/lib.rs) and serve `rest::router(Rest::new(kinds).await?)` (the cargo feature `rest` of ving)\n",
                );
            }
        }
        Some(_) => {}
    }
    write_out(out, &text)
}
