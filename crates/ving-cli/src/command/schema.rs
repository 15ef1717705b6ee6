//! `ving schema`: validate the schemas, write a new one, print the JSON Schema.

use super::*;
use ving::schema;

pub(crate) fn schema_command(
    project: &Path,
    args: &SchemaArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    if args.json_schema {
        return write_out(out, &schema::json_schema());
    }
    if let Some(kind) = &args.new {
        // A new kind may start a new project: only the folder must exist.
        existing_folder(project)?;
        return new_schema(&Config::load(&find_project(project))?, kind, out);
    }
    let config = load_project(project)?;
    let dir = config.schemas_dir();
    let options = config.schema_options();
    let files = schema::read_dir(&dir)?;
    if let Some(kind) = &args.validate {
        schema::check_kind(&files, &options, kind, &dir)?;
        return write_out(out, &format!("{kind}: valid\n"));
    }
    let set = SchemaSet::from_files(&files, &options)?;
    let kinds: Vec<&str> = set.schemas().iter().map(|s| s.kind.as_str()).collect();
    let text = match kinds.len() {
        0 => format!("no schema files in {}\n", dir.display()),
        1 => format!("1 schema valid: {}\n", kinds[0]),
        n => format!("{n} schemas valid: {}\n", kinds.join(", ")),
    };
    write_out(out, &text)
}

pub(crate) fn new_schema(config: &Config, kind: &str, out: &mut dyn Write) -> Result<(), Failure> {
    let valid_kind = kind.starts_with(|c: char| c.is_ascii_uppercase())
        && kind.chars().all(|c| c.is_ascii_alphanumeric());
    if !valid_kind {
        return Err(Failure::Other(format!(
            "kind {kind:?} must be PascalCase: an upper-case letter, then letters and digits"
        )));
    }
    let table_name = schema::table_name_for(kind);
    if schema::RESERVED_TABLE_NAMES.contains(&table_name.to_ascii_uppercase().as_str()) {
        return Err(Failure::Other(format!(
            "kind {kind} would get the table name {table_name}, a MySQL reserved word; choose another kind name"
        )));
    }
    let dir = config.schemas_dir();
    let path = dir.join(format!("{kind}.toml"));
    if path.exists() {
        return Err(Failure::Other(format!(
            "{} already exists; not overwriting it",
            path.display()
        )));
    }
    let existing = if dir.is_dir() {
        schema::read_dir(&dir)?
    } else {
        Vec::new()
    };
    let (schemas, _) = schema::check(&existing, &config.schema_options());
    if let Some(other) = schemas.iter().find(|s| s.kind == kind) {
        return Err(Failure::Other(format!(
            "kind {kind} is already declared in {}",
            other.origin.file().path().display()
        )));
    }
    let json_schema = dir
        .parent()
        .is_some_and(|parent| parent.join("ving-schema.json").is_file())
        .then_some("../ving-schema.json");
    let has_user = schemas.iter().any(|s| s.kind == "User");
    let text = schema::skeleton(kind, json_schema, has_user);
    // The skeleton is checked beside the schemas there before it is written: a kind whose
    // names the databases cannot hold (too long) gets no file.
    let mut files = existing.clone();
    files.push(schema::SourceFile::new(&path, text.as_str()));
    schema::check_kind(&files, &config.schema_options(), kind, &dir)?;
    std::fs::create_dir_all(&dir)
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
        })
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| Failure::Other(format!("{}: cannot write: {e}", path.display())))?;
    write_out(out, &format!("wrote {}\n", path.display()))
}
