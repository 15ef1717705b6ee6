//! S3File: its URL rules from configuration (no network): the file at
//! `https://s3.amazonaws.com/<uploads bucket>/<s3folder>/<filename>`, the thumbnail by
//! `icon`, and the `file` (owner only) and `thumbnail` links.

pub use super::generated::s3_file::{S3File, S3FileKind, S3FileProps, S3Files};

use std::sync::Arc;

use serde_json::Value;
use ving::record::{link, Describe, HookFuture, Kinds, Links, Ouch, Record, RecordHooks};

use super::RecordSettings;

/// ving's file types by extension (`gif` is a video, as the last of ving's two entries
/// wins).
const EXTENSION_MAP: &[(&str, &str)] = &[
    ("mp3", "audio"),
    ("wav", "audio"),
    ("js", "code"),
    ("ts", "code"),
    ("pl", "code"),
    ("mjs", "code"),
    ("cjs", "code"),
    ("yaml", "config"),
    ("json", "config"),
    ("ini", "config"),
    ("config", "config"),
    ("css", "config"),
    ("rtf", "document"),
    ("pdf", "document"),
    ("doc", "document"),
    ("docx", "document"),
    ("pages", "document"),
    ("odt", "document"),
    ("ttf", "font"),
    ("otf", "font"),
    ("tif", "image"),
    ("jpg", "image"),
    ("jpeg", "image"),
    ("tiff", "image"),
    ("png", "image"),
    ("psd", "image"),
    ("bmp", "image"),
    ("xml", "markup"),
    ("html", "markup"),
    ("php", "markup"),
    ("njk", "markup"),
    ("ppt", "presentation"),
    ("odp", "presentation"),
    ("keynote", "presentation"),
    ("xls", "spreadsheet"),
    ("csv", "spreadsheet"),
    ("xlsx", "spreadsheet"),
    ("ods", "spreadsheet"),
    ("md", "text"),
    ("txt", "text"),
    ("svg", "vector"),
    ("ai", "vector"),
    ("ps", "vector"),
    ("mp4", "video"),
    ("mov", "video"),
    ("avi", "video"),
    ("gif", "video"),
    ("zip", "archive"),
    ("rar", "archive"),
    ("gz", "archive"),
    ("tar", "archive"),
    ("exe", "disc"),
    ("dmg", "disc"),
    ("msi", "disc"),
];

fn text<'r>(record: &'r Record<'_>, prop: &str) -> &'r str {
    record.get(prop).and_then(Value::as_str).unwrap_or_default()
}

/// The file's URL: `https://s3.amazonaws.com/<uploads bucket>/<s3folder>/<filename>`
/// (an unset bucket reads `undefined`, as in ving).
pub fn file_url(file: &Record<'_>, settings: &RecordSettings) -> String {
    format!(
        "https://s3.amazonaws.com/{}/{}/{}",
        settings.uploads_bucket.as_deref().unwrap_or("undefined"),
        text(file, "s3folder"),
        text(file, "filename")
    )
}

/// ving's `formatS3FolderName` of an id string: its kind prefix dropped, a `/` after
/// every two characters (`S3FilevDKaLb1` → `vD/Ka/Lb/1`).
pub fn s3_folder_name(kind: &str, id_string: &str) -> String {
    let bare: Vec<char> = id_string
        .strip_prefix(kind)
        .unwrap_or(id_string)
        .chars()
        .collect();
    bare.chunks(2)
        .map(|pair| pair.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("/")
}

/// The thumbnail's URL by `icon`: `self` the file, `thumbnail` the thumbnails bucket,
/// `extension` the file type's icon, anything else the pending image.
pub fn thumbnail_url(file: &Record<'_>, settings: &RecordSettings) -> String {
    match text(file, "icon") {
        "self" => file_url(file, settings),
        "thumbnail" => format!(
            "https://s3.amazonaws.com/{}/{}.png",
            settings.thumbnails_bucket.as_deref().unwrap_or("undefined"),
            s3_folder_name(
                file.kind().name(),
                &file.id_string().unwrap_or_else(|| "null".into())
            )
        ),
        "extension" => {
            let extension = text(file, "extension");
            let image = EXTENSION_MAP
                .iter()
                .find(|(e, _)| *e == extension)
                .map_or("unknown", |(_, image)| image);
            format!("/img/filetype/{image}.png")
        }
        _ => "/img/pending.webp".into(),
    }
}

/// S3File's links: `file` for its owner, then `thumbnail`.
#[derive(Debug, Clone)]
pub struct S3FileHooks {
    settings: Arc<RecordSettings>,
}

impl S3FileHooks {
    /// The hooks with the app's settings.
    pub fn new(settings: Arc<RecordSettings>) -> S3FileHooks {
        S3FileHooks { settings }
    }
}

impl RecordHooks for S3FileHooks {
    fn describe_links<'a>(
        &'a self,
        record: &'a Record<'_>,
        _id_string: &'a str,
        params: &'a Describe<'_>,
        links: &'a mut Links,
    ) -> HookFuture<'a, ()> {
        Box::pin(async move {
            if record.is_owner(params.current_user).await? {
                links.insert(
                    "file",
                    link(file_url(record, &self.settings), &["GET"], "file"),
                );
            }
            links.insert(
                "thumbnail",
                link(thumbnail_url(record, &self.settings), &["GET"], "image"),
            );
            Ok::<(), Ouch>(())
        })
    }
}

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

/// What kind `S3File` adds to the app's kinds: its hooks, with the buckets of the process
/// environment.
pub fn configure(kinds: Kinds<'_>) -> Kinds<'_> {
    let settings = RecordSettings::from_env(|name| std::env::var(name).ok());
    kinds.with_hooks("S3File", S3FileHooks::new(Arc::new(settings)))
}
