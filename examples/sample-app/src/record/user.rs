//! User: the display name, the avatar URL, passwords hashed with bcrypt at cost 10
//! (`$2b$`; ving's bcryptjs `$2a$` hashes verify here and ours verify there). What ving's
//! User record overrides — its links (`describeLinks`), its API keys and files deleted
//! with it (`delete`), its posted password and `verifiedEmail` (`setPostedProps`) and
//! `meta.displayName` — is the record layer's own for the User kind, so every app's User
//! has it without hooks.

pub use super::generated::user::{User, UserKind, UserProps, Users};

use serde_json::Value;
use ving::record::{Ouch, Record};

use super::RecordSettings;

/// bcrypt's cost, as ving's.
pub use ving::record::BCRYPT_COST;

/// The name to show: the prop `useAsDisplayName` names (`username`, `email` or
/// `realName`; `username` for anything else), or `-unknown-` when it is empty (ving's
/// `displayName`, which the record layer shows as a User's `meta.displayName`).
pub fn display_name(user: &Record<'_>) -> String {
    user.display_name()
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

/// Whether `password` is the user's (ving's `testPassword`: 400 without a password, 441,
/// 404, 454).
pub use ving::record::test_user_password as test_password;

impl User<'_> {
    /// [`display_name`] of this user.
    pub fn display_name(&self) -> String {
        display_name(self)
    }

    /// The avatar's URL (`ving::record::avatar_url`).
    pub async fn avatar_url(&self, settings: &RecordSettings) -> Result<String, Ouch> {
        ving::record::avatar_url(self, settings).await
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
