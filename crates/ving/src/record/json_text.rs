//! JSON text written by hand: strings quoted and escaped exactly as serde_json escapes
//! them, checked for bytes to escape a word at a time (most strings of a describe —
//! names, hrefs, id strings, dates — have none and are copied whole).

/// `text` as a JSON string, quoted and escaped as serde_json escapes it.
pub(crate) fn string(out: &mut Vec<u8>, text: &str) {
    if needs_no_escape(text.as_bytes()) {
        out.reserve(text.len() + 2);
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        // A string's serialization into a vector cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
    }
}

/// Whether no byte of `bytes` is one serde_json escapes (`"`, `\` or a control
/// character below 0x20), eight bytes at a time: each word is tested for all three at
/// once (a byte below 0x20, or one that XOR with `"` or `\` makes zero, leaves its high
/// bit set). There is no tail byte by byte: a string of eight bytes or more ends with a
/// word that overlaps the ones before (the whole words are read without a bounds check
/// each), and a shorter one of four or more is read as two overlapping halves.
fn needs_no_escape(bytes: &[u8]) -> bool {
    let len = bytes.len();
    if len >= 8 {
        let word = |at: usize| {
            bytes[at..]
                .first_chunk::<8>()
                .map_or(0, |w| u64::from_le_bytes(*w))
        };
        let found = (bytes.chunks_exact(8)).fold(0, |found, w| {
            found | to_escape(w.first_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w)))
        });
        (found | to_escape(word(len - 8))) == 0
    } else if len >= 4 {
        let half = |at: usize| {
            bytes[at..]
                .first_chunk::<4>()
                .map_or(0, |w| u32::from_le_bytes(*w))
        };
        to_escape(u64::from(half(0)) | (u64::from(half(len - 4)) << 32)) == 0
    } else {
        bytes.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\')
    }
}

/// The high bit of each byte of `word` that is one to escape (any others besides may be
/// set by a borrow, so only "none" is exact, which is all [`needs_no_escape`] asks).
#[inline(always)]
fn to_escape(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS;
    below(word, 0x20)
        | below(word ^ (ONES * u64::from(b'"')), 1)
        | below(word ^ (ONES * u64::from(b'\\')), 1)
}

/// `text` escaped as serde_json escapes it, without the quotes: a part of a JSON string
/// written in pieces (escaping works a character at a time, so the pieces escaped one by
/// one make the whole escaped).
pub(crate) fn contents(out: &mut Vec<u8>, text: &str) {
    if needs_no_escape(text.as_bytes()) {
        out.extend_from_slice(text.as_bytes());
    } else {
        let at = out.len();
        string(out, text);
        // The quotes serde_json wrote around it.
        out.remove(at);
        out.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_are_a_json_string_without_its_quotes() {
        for text in ["", "plain/href", "quote \" and \\ and \n", "日本 \u{1}"] {
            let mut out = b"[".to_vec();
            contents(&mut out, text);
            let quoted = serde_json::to_string(text).expect("json");
            assert_eq!(out[1..], quoted.as_bytes()[1..quoted.len() - 1], "{text:?}");
        }
    }
}
