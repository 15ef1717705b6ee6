//! Passwords: a User's `password` prop is only ever stored hashed, with bcrypt at cost 10
//! (ving's format; `passwordType` is `bcrypt`), whatever sets it — `set`, `set_all`,
//! `mint`/`create`, `set_posted_props` or a generated typed setter.

use serde_json::Value;

use super::Ouch;

/// bcrypt's cost, as ving's.
pub const BCRYPT_COST: u32 = 10;

/// Whether `name` of kind `kind` is a password: User's `password` prop.
pub(crate) fn is_password(kind: &str, name: &str) -> bool {
    kind == "User" && name == "password"
}

/// Whether `text` is already a bcrypt hash (`$2a$`, `$2b$`, `$2x$` or `$2y$`, a cost and
/// 53 characters): such a value is stored as it is, never hashed twice (a copied user,
/// a hash an app made itself).
pub fn is_password_hash(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.len() == 60
        && text.starts_with("$2")
        && matches!(bytes.get(2), Some(b'a' | b'b' | b'x' | b'y'))
        && bytes.get(3) == Some(&b'$')
        && bytes[4..6].iter().all(u8::is_ascii_digit)
        && bytes.get(6) == Some(&b'$')
}

/// `password` hashed with bcrypt at cost 10 (bcrypt reads its first 72 bytes only, as
/// bcryptjs does).
pub fn hash_password(password: &str) -> Result<String, Ouch> {
    bcrypt::hash(password, BCRYPT_COST).map_err(|e| {
        tracing::error!(target: "ving::record", error = %e, "bcrypt could not hash a password");
        Ouch::about(500, "password", "the password could not be hashed")
    })
}

/// Whether `text` is a password to hash: not empty, not the prop's default (ving's
/// `no-password-specified`, which stands for "no password" and must never become a
/// password one could log in with) and not already a hash.
pub(crate) fn is_plain_password(text: &str, default: Option<&str>) -> bool {
    !text.is_empty() && Some(text) != default && !is_password_hash(text)
}

/// The value a password prop stores for `value`: a plain password hashed, anything else
/// (no password, the default, a hash) as it is.
pub(crate) fn stored_password(value: Value, default: Option<&str>) -> Result<Value, Ouch> {
    match value {
        Value::String(text) if is_plain_password(&text, default) => {
            Ok(Value::String(hash_password(&text)?))
        }
        other => Ok(other),
    }
}

/// Whether `password` matches `stored` (a bcrypt hash; anything else never matches).
pub fn verify_password(password: &str, stored: &str) -> bool {
    is_password_hash(stored) && bcrypt::verify(password, stored).unwrap_or(false)
}

/// `password` tested against a user's bcrypt hash in `stored`, as ving's base user's
/// `testPassword`: `Ok(true)` when it matches, 441 when none is given, 454 `Password does
/// not match.` when it is wrong.
pub fn test_password(password: &str, stored: &str) -> Result<bool, Ouch> {
    if password.is_empty() {
        return Err(Ouch::new(441, "You must specify a password."));
    }
    if verify_password(password, stored) {
        Ok(true)
    } else {
        Err(Ouch::new(454, "Password does not match."))
    }
}

/// Whether `secret` is `expected`, compared in constant time (as long as the lengths
/// agree): what tests an API key's private key without telling its prefix by timing.
pub fn same_secret(expected: &str, secret: &str) -> bool {
    expected.len() == secret.len()
        && expected
            .bytes()
            .zip(secret.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_stored_hashed_once() {
        let hashed = stored_password(Value::from("Shawshank"), None).expect("hash");
        let hash = hashed.as_str().expect("text");
        assert!(is_password_hash(hash), "{hash}");
        assert!(verify_password("Shawshank", hash));
        assert!(!verify_password("shawshank", hash));
        assert_eq!(stored_password(hashed.clone(), None).expect("kept"), hashed);
        assert_eq!(stored_password(Value::from(""), None).expect("empty"), "");
        let default = Some("no-password-specified");
        assert_eq!(
            stored_password(Value::from("no-password-specified"), default).expect("default"),
            "no-password-specified",
            "the default stands for no password: never a hash one could log in with"
        );
        assert!(
            !verify_password("x", "x"),
            "a stored plain text never matches"
        );
    }
}
