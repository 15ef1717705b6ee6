//! drizzle-kit's migrations folder: the `.sql` files, `meta/_journal.json`, the snapshots
//! beside them, and the sha256 hash drizzle records for a file.

use super::*;

/// A migrations folder.
#[derive(Debug, Clone)]
pub struct Folder {
    dir: PathBuf,
}

/// One migration of a folder, with its SQL and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// Its journal entry.
    pub entry: JournalEntry,
    /// The file's text.
    pub sql: String,
    /// sha256 of the file's bytes, lower-case hex.
    pub hash: String,
}

impl Migration {
    /// The migration of journal entry `entry` whose file holds `sql`.
    pub fn new(entry: JournalEntry, sql: String) -> Migration {
        Migration {
            hash: hash(&sql),
            sql,
            entry,
        }
    }

    /// The statements, split at the breakpoints, without empty ones.
    pub fn statements(&self) -> Vec<&str> {
        self.sql
            .split(BREAKPOINT)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// sha256 of `text`, lower-case hex.
pub fn hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `journal`, read from `path`, if it serves `dialect`: a folder serves one dialect, and a
/// journal of another is an error saying how to give each its own.
pub(super) fn check_dialect(
    path: &Path,
    journal: Journal,
    dialect: &dyn Dialect,
) -> Result<Journal, MigrateError> {
    let (_, wanted) = format_of(dialect);
    if journal.dialect != wanted {
        return Err(file_error(
                path,
                format!(
                    "these migrations are for {} but are asked for as {wanted}'s; one migrations folder serves one dialect: give each dialect its own in ving.toml ([migrations] mysql = \"…\", postgres = \"…\", sqlite = \"…\")",
                    journal.dialect
                ),
            ));
    }
    Ok(journal)
}

impl Folder {
    /// The folder at `dir` (it need not exist yet).
    pub fn new(dir: impl Into<PathBuf>) -> Folder {
        Folder { dir: dir.into() }
    }

    /// The folder's path.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(super) fn journal_path(&self) -> PathBuf {
        self.dir.join("meta").join("_journal.json")
    }

    pub(super) fn snapshot_path(&self, idx: u32) -> PathBuf {
        self.dir
            .join("meta")
            .join(format!("{idx:04}_snapshot.json"))
    }

    /// The journal (empty when the folder has none). A folder serves one dialect: a
    /// journal of another is an error.
    pub fn journal(&self, dialect: &dyn Dialect) -> Result<Journal, MigrateError> {
        let path = self.journal_path();
        let journal: Journal = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| file_error(&path, e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Journal::empty(dialect))
            }
            Err(e) => return Err(file_error(&path, e)),
        };
        check_dialect(&path, journal, dialect)
    }

    /// The newest snapshot (empty before the first migration).
    pub fn latest_snapshot(&self, dialect: &dyn Dialect) -> Result<Snapshot, MigrateError> {
        let journal = self.journal(dialect)?;
        let Some(last) = journal.entries.last() else {
            return Ok(Snapshot::empty(dialect));
        };
        let path = self.snapshot_path(last.idx);
        let text = std::fs::read_to_string(&path).map_err(|e| file_error(&path, e))?;
        serde_json::from_str(&text).map_err(|e| file_error(&path, e))
    }

    /// Every migration of the journal, with its file.
    pub fn migrations(&self, dialect: &dyn Dialect) -> Result<Vec<Migration>, MigrateError> {
        self.journal(dialect)?
            .entries
            .into_iter()
            .map(|entry| {
                let path = self.dir.join(format!("{}.sql", entry.tag));
                let sql = std::fs::read_to_string(&path).map_err(|e| file_error(&path, e))?;
                Ok(Migration::new(entry, sql))
            })
            .collect()
    }

    /// The tag the next migration named `name` gets (`0003_fix_data`).
    pub fn next_tag(&self, dialect: &dyn Dialect, name: &str) -> Result<String, MigrateError> {
        let journal = self.journal(dialect)?;
        Ok(tag_of(next_idx(&journal), name))
    }

    /// Writes the next migration: its SQL, its snapshot and its journal entry. Returns
    /// the tag.
    pub fn write(
        &self,
        dialect: &dyn Dialect,
        name: &str,
        statements: &[String],
        down: &Plan,
        snapshot: &Snapshot,
    ) -> Result<String, MigrateError> {
        let mut journal = self.journal(dialect)?;
        let idx = next_idx(&journal);
        let tag = tag_of(idx, name);
        let meta = self.dir.join("meta");
        std::fs::create_dir_all(&meta).map_err(|e| file_error(&meta, e))?;
        let sql: Vec<String> = statements
            .iter()
            .map(|s| format!("{};", s.trim_end_matches(';')))
            .collect();
        let sql_path = self.dir.join(format!("{tag}.sql"));
        let text = sql.join(&format!("\n{BREAKPOINT}\n"));
        crate::files::write_whole(&sql_path, text).map_err(|e| file_error(&sql_path, e))?;
        let down_path = self.dir.join(format!("{tag}.down.sql"));
        crate::files::write_whole(&down_path, down_text(down))
            .map_err(|e| file_error(&down_path, e))?;
        let snapshot_path = self.snapshot_path(idx);
        let json =
            serde_json::to_string_pretty(snapshot).map_err(|e| file_error(&snapshot_path, e))?;
        crate::files::write_whole(&snapshot_path, json)
            .map_err(|e| file_error(&snapshot_path, e))?;
        let when = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let (version, _) = format_of(dialect);
        journal.entries.push(JournalEntry {
            idx,
            version: version.into(),
            when: journal
                .entries
                .last()
                .map_or(when, |e| when.max(e.when + 1)),
            tag: tag.clone(),
            breakpoints: true,
        });
        let journal_path = self.journal_path();
        let json =
            serde_json::to_string_pretty(&journal).map_err(|e| file_error(&journal_path, e))?;
        crate::files::write_whole(&journal_path, json).map_err(|e| file_error(&journal_path, e))?;
        Ok(tag)
    }
}

/// What discarding the newest migration removes: its tag and files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discarded {
    /// The migration's tag.
    pub tag: String,
    /// The files removed (or that a dry run would remove), the journal aside.
    pub files: Vec<PathBuf>,
}

impl Folder {
    /// Discards the newest migration (drizzle-kit's `drop`): its SQL, down file and
    /// snapshot, and its journal entry, so the folder is as it was before `--prepare`
    /// wrote it. Whether it is applied somewhere is the caller's to check first
    /// ([`status`]). With `dry_run`, only says what it would remove.
    pub fn discard_newest(
        &self,
        dialect: &dyn Dialect,
        dry_run: bool,
    ) -> Result<Discarded, MigrateError> {
        let mut journal = self.journal(dialect)?;
        let Some(entry) = journal.entries.last().cloned() else {
            return Err(file_error(
                &self.journal_path(),
                "there is no migration to discard",
            ));
        };
        let files: Vec<PathBuf> = [
            self.dir.join(format!("{}.sql", entry.tag)),
            self.dir.join(format!("{}.down.sql", entry.tag)),
            self.snapshot_path(entry.idx),
        ]
        .into_iter()
        .filter(|f| f.exists())
        .collect();
        if !dry_run {
            // The journal first: a folder whose journal no longer names the files is
            // consistent even if removing one of them fails.
            journal.entries.pop();
            let journal_path = self.journal_path();
            let json =
                serde_json::to_string_pretty(&journal).map_err(|e| file_error(&journal_path, e))?;
            crate::files::write_whole(&journal_path, json)
                .map_err(|e| file_error(&journal_path, e))?;
            for file in &files {
                std::fs::remove_file(file).map_err(|e| file_error(file, e))?;
            }
        }
        Ok(Discarded {
            tag: entry.tag,
            files,
        })
    }
}

/// The index of the migration after the journal's last.
fn next_idx(journal: &Journal) -> u32 {
    journal.entries.last().map_or(0, |e| e.idx + 1)
}

/// The tag of migration `idx` named `name` (`0003_fix_data`).
fn tag_of(idx: u32, name: &str) -> String {
    format!("{idx:04}_{name}")
}
