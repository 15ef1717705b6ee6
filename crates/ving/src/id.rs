//! Id strings: how record ids leave the system, as ving writes them. The integer id is
//! encrypted with Skip32 (a 32-bit block cipher keyed by `VING_SKIPJACK_KEY`, ten byte
//! values separated by commas), written in base 62 with ving's alphabet (`A–Z`, `a–u`,
//! `w–z`, `9–0`, `_`; `v` never appears in a number: it separates), and prefixed with
//! `<Kind>v`: with the key `11,22,33,44,55,66,77,88,99,111`, User 1 is `UservDKaLb1`.
//!
//! # Examples
//!
//! ```
//! use ving::id::{IdCodec, SkipjackKey};
//!
//! let key: SkipjackKey = "11,22,33,44,55,66,77,88,99,111".parse().unwrap();
//! let ids = IdCodec::new(key);
//! assert_eq!(ids.stringify("User", 1).unwrap(), "UservDKaLb1");
//! assert_eq!(ids.parse("UservDKaLb1").unwrap(), 1);
//! assert!(ids.parse("Userv!!").is_err());
//! ```

use std::fmt;
use std::str::FromStr;

/// The variable holding the key, as ving names it.
pub const KEY_VARIABLE: &str = "VING_SKIPJACK_KEY";

/// ving's base-62 digits, in order of value.
const DIGITS: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuwxyz9876543210_";

/// Why an id string or a key cannot be used (ving's 400 for a bad id string).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The key is not ten comma-separated byte values.
    #[error("{KEY_VARIABLE} must be ten comma-separated numbers from 0 to 255, not {0:?}")]
    Key(String),
    /// The string is not an id string.
    #[error("{0:?} is not an id string (expected <Kind>v followed by base-62 digits)")]
    Malformed(String),
    /// The id is too big for an id string (ids are 32-bit in ving).
    #[error("id {0} is too big for an id string (the largest is 4294967295)")]
    TooBig(i64),
    /// A negative id.
    #[error("id {0} is negative")]
    Negative(i64),
}

impl IdError {
    /// ving's code: 400, a bad request.
    pub fn code(&self) -> u16 {
        400
    }
}

/// The ten bytes of `VING_SKIPJACK_KEY`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SkipjackKey([u8; 10]);

impl fmt::Debug for SkipjackKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SkipjackKey(…)")
    }
}

impl FromStr for SkipjackKey {
    type Err = IdError;

    fn from_str(text: &str) -> Result<Self, IdError> {
        let bad = || IdError::Key(text.to_owned());
        let values: Vec<u8> = text
            .split(',')
            .map(|part| part.trim().parse::<u8>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        let bytes: [u8; 10] = values.try_into().map_err(|_| bad())?;
        Ok(SkipjackKey(bytes))
    }
}

impl SkipjackKey {
    /// The key of a ving app that sets none: ving then keys Skip32 with nothing, which
    /// reads as ten zero bytes.
    pub const UNSET: SkipjackKey = SkipjackKey([0; 10]);

    /// The key from `VING_SKIPJACK_KEY` as `env` gives it (the process environment, then
    /// the project's `.env`), or [`SkipjackKey::UNSET`] when there is none.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<SkipjackKey, IdError> {
        match env(KEY_VARIABLE).filter(|v| !v.trim().is_empty()) {
            Some(text) => text.parse(),
            None => Ok(SkipjackKey::UNSET),
        }
    }
}

/// Skipjack's F table, which Skip32 uses as its S-box.
const F_TABLE: [u8; 256] = [
    0xa3, 0xd7, 0x09, 0x83, 0xf8, 0x48, 0xf6, 0xf4, 0xb3, 0x21, 0x15, 0x78, 0x99, 0xb1, 0xaf, 0xf9,
    0xe7, 0x2d, 0x4d, 0x8a, 0xce, 0x4c, 0xca, 0x2e, 0x52, 0x95, 0xd9, 0x1e, 0x4e, 0x38, 0x44, 0x28,
    0x0a, 0xdf, 0x02, 0xa0, 0x17, 0xf1, 0x60, 0x68, 0x12, 0xb7, 0x7a, 0xc3, 0xe9, 0xfa, 0x3d, 0x53,
    0x96, 0x84, 0x6b, 0xba, 0xf2, 0x63, 0x9a, 0x19, 0x7c, 0xae, 0xe5, 0xf5, 0xf7, 0x16, 0x6a, 0xa2,
    0x39, 0xb6, 0x7b, 0x0f, 0xc1, 0x93, 0x81, 0x1b, 0xee, 0xb4, 0x1a, 0xea, 0xd0, 0x91, 0x2f, 0xb8,
    0x55, 0xb9, 0xda, 0x85, 0x3f, 0x41, 0xbf, 0xe0, 0x5a, 0x58, 0x80, 0x5f, 0x66, 0x0b, 0xd8, 0x90,
    0x35, 0xd5, 0xc0, 0xa7, 0x33, 0x06, 0x65, 0x69, 0x45, 0x00, 0x94, 0x56, 0x6d, 0x98, 0x9b, 0x76,
    0x97, 0xfc, 0xb2, 0xc2, 0xb0, 0xfe, 0xdb, 0x20, 0xe1, 0xeb, 0xd6, 0xe4, 0xdd, 0x47, 0x4a, 0x1d,
    0x42, 0xed, 0x9e, 0x6e, 0x49, 0x3c, 0xcd, 0x43, 0x27, 0xd2, 0x07, 0xd4, 0xde, 0xc7, 0x67, 0x18,
    0x89, 0xcb, 0x30, 0x1f, 0x8d, 0xc6, 0x8f, 0xaa, 0xc8, 0x74, 0xdc, 0xc9, 0x5d, 0x5c, 0x31, 0xa4,
    0x70, 0x88, 0x61, 0x2c, 0x9f, 0x0d, 0x2b, 0x87, 0x50, 0x82, 0x54, 0x64, 0x26, 0x7d, 0x03, 0x40,
    0x34, 0x4b, 0x1c, 0x73, 0xd1, 0xc4, 0xfd, 0x3b, 0xcc, 0xfb, 0x7f, 0xab, 0xe6, 0x3e, 0x5b, 0xa5,
    0xad, 0x04, 0x23, 0x9c, 0x14, 0x51, 0x22, 0xf0, 0x29, 0x79, 0x71, 0x7e, 0xff, 0x8c, 0x0e, 0xe2,
    0x0c, 0xef, 0xbc, 0x72, 0x75, 0x6f, 0x37, 0xa1, 0xec, 0xd3, 0x8e, 0x62, 0x8b, 0x86, 0x10, 0xe8,
    0x08, 0x77, 0x11, 0xbe, 0x92, 0x4f, 0x24, 0xc5, 0x32, 0x36, 0x9d, 0xcf, 0xf3, 0xa6, 0xbb, 0xac,
    0x5e, 0x6c, 0xa9, 0x13, 0x57, 0x25, 0xb5, 0xe3, 0xbd, 0xa8, 0x3a, 0x01, 0x05, 0x59, 0x2a, 0x46,
];

/// Skip32's round function on one 16-bit half, with the round's four key bytes.
fn g(key: &[u8; 4], w: u16) -> u16 {
    let [g1, g2] = w.to_be_bytes();
    let g3 = F_TABLE[usize::from(g2 ^ key[0])] ^ g1;
    let g4 = F_TABLE[usize::from(g3 ^ key[1])] ^ g2;
    let g5 = F_TABLE[usize::from(g4 ^ key[2])] ^ g3;
    let g6 = F_TABLE[usize::from(g5 ^ key[3])] ^ g4;
    u16::from_be_bytes([g5, g6])
}

/// Skip32: 24 rounds of a Feistel network over the two 16-bit halves.
fn skip32(key: &[u8; 10], value: u32, encrypt: bool) -> u32 {
    // Round k takes the four key bytes from 4k (mod 10), wrapping around the key: as
    // 4 * 5 is 0 mod 10, there are five such quartets, round k's being k mod 5.
    let quartets: [[u8; 4]; 5] =
        std::array::from_fn(|q| std::array::from_fn(|j| key[(4 * q + j) % 10]));
    // The round number, as a byte, also goes into each half.
    let round = |k: usize, w: u16| g(&quartets[k % 5], w) ^ k as u16;
    let bytes = value.to_be_bytes();
    let mut left = u16::from_be_bytes([bytes[0], bytes[1]]);
    let mut right = u16::from_be_bytes([bytes[2], bytes[3]]);
    if encrypt {
        // Rounds 0, 1, …, 23.
        for k in (0..24).step_by(2) {
            right ^= round(k, left);
            left ^= round(k + 1, right);
        }
    } else {
        // Rounds 23, 22, …, 0.
        for k in (1..24).rev().step_by(2) {
            right ^= round(k, left);
            left ^= round(k - 1, right);
        }
    }
    let [r1, r2] = right.to_be_bytes();
    let [l1, l2] = left.to_be_bytes();
    u32::from_be_bytes([r1, r2, l1, l2])
}

/// A number in ving's base 62, after the `v` separator.
fn encode_into(mut value: u32, out: &mut String) {
    // At most six digits: 62^6 > 2^32.
    let mut digits = [0u8; 6];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = DIGITS[(value % 62) as usize];
        value /= 62;
        if value == 0 || start == 0 {
            break;
        }
    }
    out.push('v');
    out.extend(digits[start..].iter().map(|d| char::from(*d)));
}

/// The number after the last `v` of `text`.
fn decode(text: &str) -> Option<u32> {
    let (_, number) = text.rsplit_once('v')?;
    if number.is_empty() {
        return None;
    }
    number.bytes().try_fold(0u32, |total, byte| {
        let digit = DIGITS.iter().position(|d| *d == byte)?;
        total
            .checked_mul(62)?
            .checked_add(u32::try_from(digit).ok()?)
    })
}

/// Turns ids into id strings and back, with one key.
#[derive(Debug, Clone, Copy)]
pub struct IdCodec {
    key: SkipjackKey,
}

impl IdCodec {
    /// A codec keyed by `key`.
    pub fn new(key: SkipjackKey) -> IdCodec {
        IdCodec { key }
    }

    /// The id string of record `id` of `kind` (`UservDKaLb1`).
    pub fn stringify(&self, kind: &str, id: i64) -> Result<String, IdError> {
        let value = u32::try_from(id).map_err(|_| {
            if id < 0 {
                IdError::Negative(id)
            } else {
                IdError::TooBig(id)
            }
        })?;
        let mut text = String::with_capacity(kind.len() + 8);
        text.push_str(kind);
        encode_into(skip32(&self.key.0, value, true), &mut text);
        Ok(text)
    }

    /// The id of an id string (whatever its kind prefix); a string that is not one is
    /// ving's 400.
    pub fn parse(&self, text: &str) -> Result<i64, IdError> {
        let value = decode(text).ok_or_else(|| IdError::Malformed(text.to_owned()))?;
        Ok(i64::from(skip32(&self.key.0, value, false)))
    }

    /// The id of an id string that must be of `kind` (`Userv…` for `User`).
    pub fn parse_kind(&self, kind: &str, text: &str) -> Result<i64, IdError> {
        let prefix = format!("{kind}v");
        if !text.starts_with(&prefix) || text.len() == prefix.len() {
            return Err(IdError::Malformed(text.to_owned()));
        }
        self.parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec() -> IdCodec {
        IdCodec::new("11,22,33,44,55,66,77,88,99,111".parse().expect("key"))
    }

    #[test]
    fn user_one_is_ving_s_string() {
        assert_eq!(codec().stringify("User", 1).expect("id"), "UservDKaLb1");
        // From ving's own record layer (shared/reference/ving-record-examples.json).
        assert_eq!(codec().stringify("User", 2).expect("id"), "UservD6AAy4");
        assert_eq!(codec().stringify("S3File", 0).expect("id"), "S3FilevEiyOj7");
        assert_eq!(codec().parse_kind("User", "UservDKaLb1"), Ok(1));
    }

    #[test]
    fn skip32_round_trips_and_permutes() {
        let key = codec().key.0;
        for value in [0, 1, 2, 42, 65_535, 65_536, u32::MAX - 1, u32::MAX] {
            let secret = skip32(&key, value, true);
            assert_eq!(skip32(&key, secret, false), value);
        }
        assert_ne!(skip32(&key, 1, true), skip32(&key, 2, true));
    }

    proptest::proptest! {
        #[test]
        fn every_id_round_trips_under_every_key(id in 0..=u32::MAX, key in proptest::array::uniform10(0u8..)) {
            let ids = IdCodec::new(SkipjackKey(key));
            let text = ids.stringify("APIKey", i64::from(id)).expect("id");
            proptest::prop_assert!(text.starts_with("APIKeyv"));
            proptest::prop_assert_eq!(ids.parse_kind("APIKey", &text), Ok(i64::from(id)));
        }
    }

    #[test]
    fn bad_strings_and_keys_are_errors() {
        let ids = codec();
        for bad in ["", "User", "Userv", "Userv!", "Uservzzzzzzz", "Uservv"] {
            assert!(ids.parse(bad).is_err(), "{bad:?}");
        }
        assert!(ids.parse_kind("User", "APIKeyvDKaLb1").is_err());
        assert_eq!(
            ids.stringify("User", 4_294_967_296),
            Err(IdError::TooBig(4_294_967_296))
        );
        for key in ["", "1,2,3", "1,2,3,4,5,6,7,8,9,256", "a,b,c,d,e,f,g,h,i,j"] {
            assert!(key.parse::<SkipjackKey>().is_err(), "{key:?}");
        }
        assert_eq!(IdError::Malformed("x".into()).code(), 400);
    }
}
