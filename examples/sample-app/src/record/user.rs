//! User: the display name, the avatar URL (robohash, an uploaded file, or the default
//! image), passwords hashed with bcrypt at cost 10 (`$2b$`; ving's bcryptjs `$2a$`
//! hashes verify here and ours verify there), and ving's overrides of `describeLinks` and
//! `delete`. ving's `setPostedProps` of a User (the password, `verifiedEmail`) and its
//! `meta.displayName` are the record layer's own for the User kind
//! (`Record::base_set_posted_props`, `Record::display_name`), so every app's User has them.
//!
//! Where it differs from ving: an unsaved user's robot avatar is the default image (ving
//! draws the robot of id 0).

pub use super::generated::user::{User, UserKind, UserProps, Users};

use std::sync::Arc;

use serde_json::Value;
use ving::record::{href, link, Describe, HookFuture, Kinds, Links, Ouch, Record, RecordHooks};

use super::RecordSettings;

/// bcrypt's cost, as ving's.
pub use ving::record::BCRYPT_COST;

fn text<'r>(record: &'r Record<'_>, prop: &str) -> &'r str {
    record.get_str(prop).unwrap_or_default()
}

/// The name to show: the prop `useAsDisplayName` names (`username`, `email` or
/// `realName`; `username` for anything else), or `-unknown-` when it is empty (ving's
/// `displayName`, which the record layer shows as a User's `meta.displayName`).
pub fn display_name(user: &Record<'_>) -> String {
    user.display_name()
}

/// The robohash URL of an id string: its kind prefix dropped (`vDKaLb1`), then a robot set
/// by the last character (`A–M` set2, `a–m` set3, `N–Z` set4) and a background (`A–Z`
/// bg1, `a–z` bg2); a last digit or `_` adds neither.
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

/// The avatar's URL by `avatarType`: `robot` the robohash of the id string, `uploaded`
/// (with an avatar) the file's URL (404 when the file is gone), else `/img/avatar.png`.
pub async fn avatar_url(user: &Record<'_>, settings: &RecordSettings) -> Result<String, Ouch> {
    avatar_url_of(user, user.id_string().as_deref(), settings).await
}

/// [`avatar_url`] of a user whose id string is known already (`None`: it has no id).
async fn avatar_url_of(
    user: &Record<'_>,
    id_string: Option<&str>,
    settings: &RecordSettings,
) -> Result<String, Ouch> {
    match text(user, "avatarType") {
        "robot" => Ok(match id_string {
            Some(id) => robohash_url(user.kind().name(), id),
            None => "/img/avatar.png".into(),
        }),
        "uploaded" if user.get_i64("avatarId").is_some() => {
            // Boxed: reading the file is rare, and its future, held in place, would make
            // every describe's links future too big for the allocator's fast bins.
            let file = Box::pin(user.parent("avatar")).await?;
            Ok(super::s3_file::file_url(&file, settings))
        }
        _ => Ok("/img/avatar.png".into()),
    }
}

/// Hashes `password` with bcrypt (cost 10) into `password`, and `passwordType` is
/// `bcrypt`. bcrypt reads the first 72 bytes only, as bcryptjs.
pub fn set_password(user: &mut Record<'_>, password: &str) -> Result<(), Ouch> {
    // The empty password is hashed too (ving's setPassword does); `set` stores a hash as
    // it is, and sets `passwordType`.
    user.set(
        "password",
        Value::from(ving::record::hash_password(password)?),
    )?;
    Ok(())
}

/// Whether `password` is the user's: ving's 400 when the user has none, 441 when none is
/// given, 404 for a password type other than bcrypt, 454 `Password does not match.`
/// when it is wrong (a stored value that is not a bcrypt hash never matches).
pub fn test_password(user: &Record<'_>, password: &str) -> Result<bool, Ouch> {
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
    ving::record::test_password(password, stored)
}

/// User's overrides: links in `describe`, API keys and files removed by `delete`.
#[derive(Debug, Clone)]
pub struct UserHooks {
    settings: Arc<RecordSettings>,
}

impl UserHooks {
    /// The hooks with the app's settings (the avatar's file URL).
    pub fn new(settings: Arc<RecordSettings>) -> UserHooks {
        UserHooks { settings }
    }
}

impl RecordHooks for UserHooks {
    fn describe_links<'a>(
        &'a self,
        record: &'a Record<'_>,
        id: &'a str,
        _params: &'a Describe<'_>,
        links: &'a mut Links,
    ) -> HookFuture<'a, ()> {
        Box::pin(async move {
            // The hrefs made from `base` and `self` (by `href`, in the room of hrefs
            // dropped before), before the links are changed.
            let (base, me) = (links.href("base"), links.href("self"));
            let messagebus = href(&[base, "/messagebus"]);
            let describe_avatar = href(&[me, "/avatar"]);
            let import_avatar = href(&[me, "/import-avatar"]);
            fn page(href: impl Into<std::borrow::Cow<'static, str>>) -> ving::record::Link {
                link(href, &["GET"], "page")
            }
            links.insert("profile", page(href(&["/users/", id, "/profile"])));
            links.insert("logout", page("/users/logout"));
            links.insert("list", page("/users/admin"));
            links.insert("edit", page(href(&["/users/admin/", id])));
            links.insert("settings", page("/users/settings"));
            links.insert("preferences", page("/users/settings/preferences"));
            links.insert("listApikeys", page("/users/settings/apikeys"));
            links.insert("account", page("/users/settings/account"));
            links.insert("messagebus", link(messagebus, &["GET"], "rest"));
            // The id string of a user without an id is `null`, as ving's.
            let id_string = Some(id).filter(|id| *id != "null");
            let avatar = avatar_url_of(record, id_string, &self.settings).await?;
            links.insert("avatarImage", link(avatar, &["GET"], "image"));
            links.insert("describeAvatar", link(describe_avatar, &["GET"], "rest"));
            links.insert("importAvatar", link(import_avatar, &["PUT"], "rest"));
            Ok(())
        })
    }

    fn delete<'a, 'e>(&'a self, record: &'a mut Record<'e>) -> HookFuture<'a, ()>
    where
        'e: 'a,
    {
        Box::pin(async move {
            if record.id().is_some() {
                record.children("apikeys")?.delete_many(()).await?;
                record.children("s3files")?.delete_many(()).await?;
            }
            record.base_delete().await
        })
    }
}

impl User<'_> {
    /// [`display_name`] of this user.
    pub fn display_name(&self) -> String {
        display_name(self)
    }

    /// [`avatar_url`] of this user.
    pub async fn avatar_url(&self, settings: &RecordSettings) -> Result<String, Ouch> {
        avatar_url(self, settings).await
    }

    /// [`set_password`] on this user.
    pub fn set_password(&mut self, password: &str) -> Result<(), Ouch> {
        set_password(self, password)
    }

    /// [`test_password`] of this user.
    pub fn test_password(&self, password: &str) -> Result<bool, Ouch> {
        test_password(self, password)
    }
}

/// What kind `User` adds to the app's kinds: its hooks, with the buckets of the process
/// environment (for avatars of uploaded files).
pub fn configure(kinds: Kinds<'_>) -> Kinds<'_> {
    let settings = RecordSettings::from_env(|name| std::env::var(name).ok());
    kinds.with_hooks("User", UserHooks::new(Arc::new(settings)))
}
