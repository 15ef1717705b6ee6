//! `ving_embedded.rs`: the generated static ([`crate::embed::Embedded`]) that compiles an
//! app's schema files and migrations into its binary with `include_str!`, each file named
//! by its path relative to the generated file.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use super::{CodegenError, ALLOWS, GENERATED_HEADER};
use crate::migrate::Journal;

/// The module (and file stem) of the generated static, beside the tables' modules.
pub const EMBEDDED_MODULE: &str = "ving_embedded";

/// What an app compiles in, as `include_str!` paths relative to the tables folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedSources {
    /// Each schema file: its path in the project, and as the generated file includes it.
    pub schemas: Vec<(String, String)>,
    /// `[schema] roles`.
    pub roles: Vec<String>,
    /// `[rest] version`.
    pub rest_version: u32,
    /// Each migrations folder that has a journal.
    pub folders: Vec<EmbedFolder>,
}

/// A migrations folder to compile in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedFolder {
    /// Its path in the project.
    pub path: String,
    /// Its journal, as included.
    pub journal: String,
    /// Each `<tag>.sql` its journal lists: the file name, and as included.
    pub files: Vec<(String, String)>,
}

/// The sources of an app in `root` whose generated tables live in `tables_dir`: the
/// schema files `schema_files`, and every folder of `migration_folders` that has a
/// journal (the files it lists, in its order). Paths are written with `/` on every
/// platform, relative to the tables folder when both are inside the project.
pub fn embed_sources(
    root: &Path,
    tables_dir: &Path,
    schema_files: &[PathBuf],
    roles: &[String],
    rest_version: u32,
    migration_folders: &[PathBuf],
) -> Result<EmbedSources, CodegenError> {
    let shown = |path: &Path| slashes(path.strip_prefix(root).unwrap_or(path));
    let mut folders = Vec::new();
    for dir in migration_folders {
        let journal_path = dir.join("meta").join("_journal.json");
        let text = match std::fs::read_to_string(&journal_path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(CodegenError::Journal {
                    path: journal_path.display().to_string(),
                    message: e.to_string(),
                })
            }
        };
        let journal: Journal = serde_json::from_str(&text).map_err(|e| CodegenError::Journal {
            path: journal_path.display().to_string(),
            message: e.to_string(),
        })?;
        folders.push(EmbedFolder {
            path: shown(dir),
            journal: include_path(root, tables_dir, &journal_path),
            files: journal
                .entries
                .iter()
                .map(|entry| {
                    let name = format!("{}.sql", entry.tag);
                    let path = include_path(root, tables_dir, &dir.join(&name));
                    (name, path)
                })
                .collect(),
        });
    }
    Ok(EmbedSources {
        schemas: schema_files
            .iter()
            .map(|file| (shown(file), include_path(root, tables_dir, file)))
            .collect(),
        roles: roles.to_vec(),
        rest_version,
        folders,
    })
}

/// [`embed_sources`] of a project: its schema files (in path order), its roles and REST
/// version, and its migrations folders (`[migrations]`, else `[paths] migrations`).
pub fn project_embed_sources(
    config: &crate::config::Config,
    schemas: &crate::schema::SchemaSet,
) -> Result<EmbedSources, CodegenError> {
    let mut files: Vec<PathBuf> = schemas
        .schemas()
        .iter()
        .map(|schema| schema.origin.file().path().to_path_buf())
        .collect();
    files.sort();
    files.dedup();
    let mut folders: Vec<PathBuf> = config
        .migration_folders()
        .into_iter()
        .map(|(_, dir)| dir)
        .collect();
    if folders.is_empty() {
        folders.push(config.migrations_dir());
    }
    embed_sources(
        config.root(),
        &config.tables_dir(),
        &files,
        &config.schema_options().roles,
        config.file().rest.version,
        &folders,
    )
}

/// `path` with `/` between its components.
fn slashes(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// How a file in `tables_dir` names `file` to `include_str!`: `../../../ving/…` when both
/// are inside `root` (so the project can move), else the file's absolute path.
fn include_path(root: &Path, tables_dir: &Path, file: &Path) -> String {
    let plain = |p: &Path| p.components().all(|c| matches!(c, Component::Normal(_)));
    match (tables_dir.strip_prefix(root), file.strip_prefix(root)) {
        (Ok(dir), Ok(file)) if plain(dir) && plain(file) => {
            let up = "../".repeat(dir.components().count());
            format!("{up}{}", slashes(file))
        }
        _ => {
            let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
            absolute.to_string_lossy().into_owned()
        }
    }
}

/// The text of `ving_embedded.rs`.
pub(super) fn embedded_module(embed: &EmbedSources) -> Result<String, CodegenError> {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        "{GENERATED_HEADER} from the app's ving schemas and migrations."
    );
    let _ = writeln!(
        w,
        "//! Do not edit: `ving drizzle --tables`, `--prepare` and `ving generate` write it again."
    );
    let _ = writeln!(w);
    let _ = write!(w, "{ALLOWS}");
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "use ving::embed::{{Embedded, EmbeddedFile, EmbeddedFolder}};"
    );
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "/// The app's schemas and migrations, compiled in: `EMBEDDED.migrate(db)` applies the migrations a database lacks (as `ving drizzle --up` does) and `EMBEDDED.kinds(db)` makes the record kinds, wherever the binary runs."
    );
    let _ = writeln!(w, "pub static EMBEDDED: Embedded = Embedded {{");
    let _ = writeln!(w, "    schemas: &[");
    for (path, include) in &embed.schemas {
        let _ = writeln!(
            w,
            "        EmbeddedFile {{ path: {path:?}, text: include_str!({include:?}) }},"
        );
    }
    let _ = writeln!(w, "    ],");
    let roles: Vec<String> = embed.roles.iter().map(|r| format!("{r:?}")).collect();
    let _ = writeln!(w, "    roles: &[{}],", roles.join(", "));
    let _ = writeln!(w, "    rest_version: {},", embed.rest_version);
    let _ = writeln!(w, "    migrations: &[");
    for folder in &embed.folders {
        let _ = writeln!(w, "        EmbeddedFolder {{");
        let _ = writeln!(w, "            path: {:?},", folder.path);
        let _ = writeln!(
            w,
            "            journal: include_str!({:?}),",
            folder.journal
        );
        let _ = writeln!(w, "            files: &[");
        for (name, include) in &folder.files {
            let _ = writeln!(
                w,
                "                EmbeddedFile {{ path: {name:?}, text: include_str!({include:?}) }},"
            );
        }
        let _ = writeln!(w, "            ],");
        let _ = writeln!(w, "        }},");
    }
    let _ = writeln!(w, "    ],");
    let _ = writeln!(w, "}};");
    Ok(out)
}
