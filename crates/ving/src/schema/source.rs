//! Schema source files: the text of one ving schema file and the mapping from byte
//! offsets to the line and column a person sees in an editor.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The text of one schema file, kept so that every later error can point into it.
pub struct SourceFile {
    path: PathBuf,
    text: String,
    line_starts: Vec<usize>,
}

/// A 1-based line and column in a source file (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// Line number, starting at 1.
    pub line: usize,
    /// Column number in characters, starting at 1.
    pub column: usize,
}

/// A byte range in a [`SourceFile`].
pub type Span = Range<usize>;

impl std::fmt::Debug for SourceFile {
    /// Only the path: the text would drown every `Debug` print of a schema.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SourceFile").field(&self.path).finish()
    }
}

impl SourceFile {
    /// Wraps the text read from `path`.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Arc<Self> {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Arc::new(SourceFile {
            path: path.into(),
            text,
            line_starts,
        })
    }

    /// The path the text was read from, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole text of the file.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The line and column of a byte offset (clamped to the end of the text).
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line_index = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line_index];
        let column = self
            .text
            .get(line_start..offset)
            .map_or(offset - line_start, |prefix| prefix.chars().count())
            + 1;
        Position {
            line: line_index + 1,
            column,
        }
    }

    /// The file stem, used to name a schema whose `kind` is missing or broken.
    pub fn stem(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let file = SourceFile::new("a.toml", "ab\nçd = 1\n");
        assert_eq!(file.position(0), Position { line: 1, column: 1 });
        assert_eq!(file.position(3), Position { line: 2, column: 1 });
        // "çd" — ç is two bytes, so byte 5 is the third character.
        assert_eq!(file.position(6), Position { line: 2, column: 3 });
        assert_eq!(file.position(999), Position { line: 3, column: 1 });
    }
}
