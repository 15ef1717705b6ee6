//! APIKey: the private key made at mint time (`pk_` and 36 hex digits) and the secret
//! test, with ving's 441 and 454 (ving's own throws a `ReferenceError`, its bug).

pub use super::generated::api_key::{APIKey, APIKeyKind, APIKeyProps, APIKeys};

use serde_json::Value;
use ving::record::{Kinds, Ouch, Record};

/// A new private key: `pk_` and 18 random bytes in lowercase hex (39 characters), as
/// ving's `privateKey` default. Registered as the `privateKey` default function.
pub fn private_key() -> Value {
    let mut bytes = [0u8; 18];
    // The OS random source; should it ever fail, the time and a counter still give a
    // key that is unique on this machine (never a fixed one).
    if getrandom::getrandom(&mut bytes).is_err() {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let seed = nanos ^ u128::from(COUNTER.fetch_add(1, Ordering::Relaxed));
        bytes[..16].copy_from_slice(&seed.to_le_bytes());
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Value::from(format!("pk_{hex}"))
}

/// Whether `secret` is the key's private key: ving's 441 `You must specify a secret.`
/// when it is empty, 454 `Secret does not match.` when it differs (compared in constant
/// time).
pub fn test_secret(api_key: &Record<'_>, secret: &str) -> Result<bool, Ouch> {
    if secret.is_empty() {
        return Err(Ouch::new(441, "You must specify a secret."));
    }
    let private = api_key
        .get("privateKey")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if ving::record::same_secret(private, secret) {
        Ok(true)
    } else {
        Err(Ouch::new(454, "Secret does not match."))
    }
}

impl APIKey<'_> {
    /// [`test_secret`] of this key.
    pub fn test_secret(&self, secret: &str) -> Result<bool, Ouch> {
        test_secret(self, secret)
    }
}

/// What kind `APIKey` adds to the app's kinds: the `privateKey` default function.
pub fn configure(kinds: Kinds<'_>) -> Kinds<'_> {
    kinds.with_default_fn("privateKey", private_key)
}
