//! S3File: its URL rules from configuration (no network): the file at
//! `https://s3.amazonaws.com/<uploads bucket>/<s3folder>/<filename>`, the thumbnail by
//! `icon`, and the `file` (owner only) and `thumbnail` links — the record layer's own for
//! ving's S3File kind.

pub use super::generated::s3_file::{S3File, S3FileKind, S3FileProps, S3Files};

use super::RecordSettings;

/// The file's URL, its thumbnail's, and ving's `formatS3FolderName`.
pub use ving::record::{file_url, s3_folder_name, thumbnail_url};

impl S3File<'_> {
    /// [`file_url`] of this file.
    pub fn file_url(&self, settings: &RecordSettings) -> String {
        file_url(self, settings)
    }

    /// [`thumbnail_url`] of this file.
    pub fn thumbnail_url(&self, settings: &RecordSettings) -> String {
        thumbnail_url(self, settings)
    }
}
