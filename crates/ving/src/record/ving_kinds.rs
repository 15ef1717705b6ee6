//! ving's own kinds — `User`, `APIKey`, `CronJob` and `S3File`, which every ving app has,
//! with their record code in ving's `ving/record/records/` — and what their records do
//! beyond the base record, as the record layer's own for kinds of those names: an app's
//! kinds made from ving's schemas (`ving schema --new User`) behave as ving's without
//! hand-written hooks, and an app's hooks run after these (a `describe_links` hook adds
//! to these links, and may remove one).
//!
//! - `User`: the links ving's `UserRecord.describeLinks` adds (`profile`, `logout`, `list`,
//!   `edit`, `settings`, `preferences`, `listApikeys`, `account`, `messagebus`,
//!   `avatarImage`, `describeAvatar`, `importAvatar`), and its API keys and files deleted
//!   with it (its `delete`); its posted password and `meta.displayName` are the record
//!   layer's too.
//! - `S3File`: the links `file` (to its owner) and `thumbnail`, by the URL rules of
//!   [`file_url`] and [`thumbnail_url`] (no network).
//! - `CronJob`: the links `edit` and `list`, and the `handlerOptions` list of the job
//!   handlers ([`handler_options`]; ving queues a job on a save, ving-rs has no queue).
//! - `APIKey`: the `privateKey` default function ([`private_key`]).
//!
//! What they read of the app's configuration is a [`VingSettings`]
//! ([`Kinds::with_ving_settings`](super::Kinds::with_ving_settings)); an app's
//! `kinds()` reads it from the environment.

use std::borrow::Cow;

use super::kind::FindOptions;
use super::link_plan::{ving_links, Href, Made};
use super::links::{href, link, Links};
use super::model::{Kind, Record};
use super::password::{same_secret, test_password};
use super::viewer::Describe;
pub(crate) use super::ving_settings::{VingKind, VingSettings};
use super::Ouch;
use crate::schema::PropType;

fn text<'r>(record: &'r Record<'_>, prop: &str) -> &'r str {
    record.get_str(prop).unwrap_or_default()
}

/// Whether `secret` is an API key's private key, as ving's `APIKeyRecord.testSecret`: 441
/// `You must specify a secret.` when it is empty, 454 `Secret does not match.` when it
/// differs (compared in constant time).
pub fn test_secret(api_key: &Record<'_>, secret: &str) -> Result<bool, Ouch> {
    if secret.is_empty() {
        return Err(Ouch::new(441, "You must specify a secret."));
    }
    if same_secret(text(api_key, "privateKey"), secret) {
        Ok(true)
    } else {
        Err(Ouch::new(454, "Secret does not match."))
    }
}

/// Whether `password` is a user's, as ving's `UserRecord.testPassword`: 400 when the user
/// has no password, 441 when none is given, 404 for a password type other than bcrypt,
/// 454 `Password does not match.` when it is wrong (a stored value that is not a bcrypt
/// hash never matches).
pub fn test_user_password(user: &Record<'_>, password: &str) -> Result<bool, Ouch> {
    let stored = text(user, "password");
    if stored.is_empty() {
        return Err(Ouch::about(
            400,
            "password",
            "User has no password, you must log in via another provider.",
        ));
    }
    if password.is_empty() {
        return Err(Ouch::new(441, "You must specify a password."));
    }
    if text(user, "passwordType") != "bcrypt" {
        return Err(Ouch::about(
            404,
            "password",
            "validating other password types not implemented",
        ));
    }
    test_password(password, stored)
}

/// The robohash URL of an id string: its kind prefix dropped (`vDKaLb1`), then a robot set
/// by the last character (`A–M` set2, `a–m` set3, `N–Z` set4) and a background (`A–Z`
/// bg1, `a–z` bg2); a last digit or `_` adds neither.
///
/// ```
/// assert_eq!(
///     ving::record::robohash_url("User", "UservDKaLb1"),
///     "https://robohash.org/vDKaLb1/size_300x300"
/// );
/// ```
pub fn robohash_url(kind: &str, id_string: &str) -> String {
    let bare = id_string.strip_prefix(kind).unwrap_or(id_string);
    let last = bare.chars().last().unwrap_or('0');
    let set = match last {
        'A'..='M' => "/set_set2",
        'a'..='m' => "/set_set3",
        'N'..='Z' => "/set_set4",
        _ => "",
    };
    let background = match last {
        'A'..='Z' => "/bgset_bg1",
        'a'..='z' => "/bgset_bg2",
        _ => "",
    };
    // One string, from the room of hrefs dropped before when there is some.
    href(&[
        "https://robohash.org/",
        bare,
        "/size_300x300",
        set,
        background,
    ])
}

/// A user's avatar URL by `avatarType`: `robot` the robohash of its id string, `uploaded`
/// (with an avatar) the file's URL, else (or when the file is gone) `/img/avatar.png`.
pub async fn avatar_url(user: &Record<'_>, settings: &VingSettings) -> Result<String, Ouch> {
    avatar_url_of(user, user.id_string().as_deref(), settings).await
}

/// [`avatar_url`] of a user whose id string is known already (`None`: it has no id).
async fn avatar_url_of(
    user: &Record<'_>,
    id_string: Option<&str>,
    settings: &VingSettings,
) -> Result<String, Ouch> {
    match text(user, "avatarType") {
        "robot" => Ok(match id_string {
            Some(id) => robohash_url(user.kind().name(), id),
            // ving draws the robot of id 0 for an unsaved user.
            None => "/img/avatar.png".into(),
        }),
        "uploaded" if user.get_i64("avatarId").is_some() => {
            // Boxed: reading the file is rare, and its future, held in place, would make
            // every describe's links future too big for the allocator's fast bins.
            match Box::pin(user.parent("avatar")).await {
                Ok(file) => Ok(file_url(&file, settings)),
                // A file gone since the user was read (deleted with it, as a deleted
                // user's own files are): the default image, not a 404 for the describe
                // (ving's DELETE of such a user answers a 404 once it is deleted).
                Err(gone) if gone.code == 404 => Ok("/img/avatar.png".into()),
                Err(other) => Err(other),
            }
        }
        _ => Ok("/img/avatar.png".into()),
    }
}

/// A file's URL: `https://s3.amazonaws.com/<uploads bucket>/<s3folder>/<filename>` (an
/// unset bucket reads `undefined`, as in ving).
pub fn file_url(file: &Record<'_>, settings: &VingSettings) -> String {
    let bucket = settings.uploads_bucket.as_deref().unwrap_or("undefined");
    let (folder, name) = (text(file, "s3folder"), text(file, "filename"));
    ["https://s3.amazonaws.com/", bucket, "/", folder, "/", name].concat()
}

/// ving's `formatS3FolderName` of an id string: its kind prefix dropped, a `/` after
/// every two characters.
///
/// ```
/// assert_eq!(ving::record::s3_folder_name("S3File", "S3FilevDKaLb1"), "vD/Ka/Lb/1");
/// ```
pub fn s3_folder_name(kind: &str, id_string: &str) -> String {
    let bare: Vec<char> = (id_string.strip_prefix(kind).unwrap_or(id_string))
        .chars()
        .collect();
    (bare.chunks(2))
        .map(|pair| pair.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("/")
}

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
    ("dxf", "vector"),
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

/// The type of file an extension names, as ving's `extensionMap` (`unknown` for one it
/// does not list; a key listed twice there keeps its last type, as a JavaScript object's).
fn file_type(extension: &str) -> &'static str {
    (EXTENSION_MAP.iter())
        .find(|(e, _)| *e == extension)
        .map_or("unknown", |(_, image)| image)
}

/// A file's thumbnail URL by `icon`: `self` the file, `thumbnail` the thumbnails bucket,
/// `extension` the file type's icon, anything else the pending image.
pub fn thumbnail_url(file: &Record<'_>, settings: &VingSettings) -> String {
    match text(file, "icon") {
        "self" => file_url(file, settings),
        "thumbnail" => {
            let id_string = file.id_string().unwrap_or_else(|| "null".into());
            let bucket = settings.thumbnails_bucket.as_deref().unwrap_or("undefined");
            let folder = s3_folder_name(file.kind().name(), &id_string);
            ["https://s3.amazonaws.com/", bucket, "/", &folder, ".png"].concat()
        }
        "extension" => ["/img/filetype/", file_type(text(file, "extension")), ".png"].concat(),
        _ => "/img/pending.webp".into(),
    }
}

impl<'e> Kind<'e> {
    /// ving's `UserKind.findWithRole`: the records whose role prop `role` (a boolean prop of
    /// the kind, as `admin`) is true; anything else is a 400 naming it.
    pub async fn find_with_role(&self, role: &str) -> Result<Vec<Record<'e>>, Ouch> {
        let schema = self.schema();
        let prop = schema.column_prop(role);
        if prop.is_none_or(|prop| prop.prop_type != PropType::Boolean) {
            let kind = &schema.kind;
            let message = ["`", role, "` is not a role of ", kind].concat();
            return Err(Ouch::about(400, role, message));
        }
        let options = FindOptions::default();
        self.find_many(self.prop_eq(role, true)?, &options).await
    }
}

/// A link to a page.
/// Adds the links of ving's kind `ving` ([`ving_links`]) to a describe's `links` (`base`
/// and `self` are there already), for `params`; `base` is the kind's `base` href.
pub(crate) async fn add_links(
    ving: VingKind,
    record: &Record<'_>,
    (base, id): (&'static str, &str),
    params: &Describe<'_>,
    links: &mut Links,
) -> Result<(), Ouch> {
    let specs = ving_links(ving);
    let owner = match specs.iter().any(|spec| spec.owners_only) {
        true => record.is_owner(params.current_user).await?,
        false => false,
    };
    for spec in specs.iter().filter(|spec| owner || !spec.owners_only) {
        let to: Cow<'static, str> = match spec.href {
            Href::Fixed(text) => text.into(),
            Href::Base(tail) => href(&[base, tail]).into(),
            Href::Me(tail) => href(&[base, "/", id, tail]).into(),
            Href::Id(before, after) => href(&[before, id, after]).into(),
            Href::Made(made) => made_href(made, record, id).await?.into(),
        };
        links.insert(spec.name, link(to, spec.methods, spec.usage));
    }
    Ok(())
}

/// The hrefs ving's kind `ving` makes from a record of id string `id` (a User's avatar;
/// an S3File's file, for its owners, and thumbnail), by [`Made::slot`]: what a describe
/// written from a [`LinksPlan`](super::link_plan::LinksPlan) fills its holes with.
pub(crate) async fn made_hrefs(
    ving: VingKind,
    record: &Record<'_>,
    id: &str,
    owner: bool,
) -> Result<[String; 2], Ouch> {
    let mut made = [String::new(), String::new()];
    for spec in ving_links(ving) {
        if let Href::Made(what) = spec.href {
            if owner || !spec.owners_only {
                made[what.slot()] = made_href(what, record, id).await?;
            }
        }
    }
    Ok(made)
}

/// The href `made` of a record of id string `id` (`null` for none).
async fn made_href(made: Made, record: &Record<'_>, id: &str) -> Result<String, Ouch> {
    let settings = &record.kind.kinds.catalog.settings;
    match made {
        Made::Avatar => {
            // The id string of a user without an id is `null`, as ving's.
            let id_string = Some(id).filter(|id| *id != "null");
            avatar_url_of(record, id_string, settings).await
        }
        Made::File => Ok(file_url(record, settings)),
        Made::Thumbnail => Ok(thumbnail_url(record, settings)),
    }
}

/// What ving's kind `ving` deletes before a record of it (a User's API keys and files,
/// by their relations `apikeys` and `s3files` where the kind has them).
pub(crate) async fn delete_dependants(ving: VingKind, record: &Record<'_>) -> Result<(), Ouch> {
    if ving != VingKind::User || record.id().is_none() {
        return Ok(());
    }
    for relation in ["apikeys", "s3files"] {
        // A User without the relation (an app that dropped the kind) has nothing there.
        if let Ok(children) = record.children(relation) {
            children.delete_many(()).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::file_type;

    #[test]
    fn file_types_are_ving_s_extension_map() {
        let cases = [
            ("dxf", "vector"),
            ("svg", "vector"),
            ("gif", "video"),
            ("png", "image"),
            ("msi", "disc"),
            ("PNG", "unknown"),
            ("", "unknown"),
        ];
        for (extension, expected) in cases {
            assert_eq!(file_type(extension), expected, "{extension}");
        }
    }
}
