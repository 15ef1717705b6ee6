//! APIKey: the private key made at mint time (`pk_` and 36 hex digits) and the secret
//! test, with ving's 441 and 454 (ving's own throws a `ReferenceError`, its bug): the
//! record layer's own for ving's APIKey kind.

pub use super::generated::api_key::{APIKey, APIKeyKind, APIKeyProps, APIKeys};

use ving::record::Ouch;

/// A new private key (`pk_` and 36 hex digits, ving's `privateKey` default, which the
/// record layer registers).
pub use ving::record::private_key;
/// Whether `secret` is the key's private key (ving's `testSecret`: 441, 454).
pub use ving::record::test_secret;

impl APIKey<'_> {
    /// [`test_secret`] of this key.
    pub fn test_secret(&self, secret: &str) -> Result<bool, Ouch> {
        test_secret(self, secret)
    }
}
