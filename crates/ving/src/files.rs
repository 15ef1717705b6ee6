//! Files written whole: a file the project writes (a migration's journal, snapshot and
//! SQL, generated code) is written beside its place under a temporary name and renamed
//! over it, so a process killed or a disk filled mid-way leaves the old file or the new
//! one, never half of one (a journal cut short would lose the folder's history).

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Writes `contents` to `path` whole: to a temporary file in the same folder, flushed to
/// the disk, then renamed over `path`. A file that is there keeps its permissions, and a
/// symbolic link stays one (the file it points to is replaced). On failure `path` is as
/// it was and the temporary file is removed.
pub fn write_whole(path: &Path, contents: impl AsRef<[u8]>) -> std::io::Result<()> {
    // An existing file by its real path (through links); a new one where it is asked for.
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let temporary = temporary_beside(&path);
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(contents.as_ref())?;
        if let Ok(old) = std::fs::metadata(&path) {
            file.set_permissions(old.permissions())?;
        }
        file.sync_all()?;
        std::fs::rename(&temporary, &path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// `.<name>.<pid>.tmp` in `path`'s folder (hidden, and one per process).
fn temporary_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |name| name.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_and_nothing_else_is_left() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("_journal.json");
        std::fs::write(&path, "old").expect("written");
        write_whole(&path, "new").expect("replaced");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("listed")
            .map(|entry| entry.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["_journal.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_stays_a_link_and_a_mode_stays() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("dir");
        let real = dir.path().join("user.ving.toml");
        std::fs::write(&real, "old").expect("written");
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).expect("mode");
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&real, &link).expect("link");
        write_whole(&link, "new").expect("replaced");
        assert!(std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).expect("read"), "new");
        let mode = std::fs::metadata(&real).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("dir");
        // The rename cannot replace a folder holding a file: the write fails at its last
        // step, and the folder is as it was.
        let folder = dir.path().join("meta");
        std::fs::create_dir(&folder).expect("folder");
        std::fs::write(folder.join("inside"), "x").expect("written");
        assert!(write_whole(&folder, "new").is_err());
        assert!(folder.join("inside").exists());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("listed")
            .map(|entry| entry.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["meta"]);
    }
}
