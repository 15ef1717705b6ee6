//! ving's names for what a table holds besides columns: unique indexes and constraints,
//! foreign keys, enum checks and `autoUpdate` triggers. A floor below both the schema
//! validator (which refuses names that collide) and the table model (which uses them).

/// The table `ving::rest` keeps its logins in: part of the table model of every app with
/// ving's `User` kind, so no kind may take its name.
pub const SESSIONS_TABLE: &str = "ving_sessions";

/// The kind the sessions table is generated as (its typed table is `VingSessionTable`):
/// no schema may take it either.
pub const SESSIONS_KIND: &str = "VingSession";

/// The longest identifier ving writes: PostgreSQL's limit (63 bytes), the strictest of
/// the three databases (MySQL allows 64 characters, SQLite has no limit), so that a
/// schema works on all of them.
pub(crate) const MAX_IDENTIFIER_LENGTH: usize = 63;

/// ving's miniHash: a Java-style string hash over UTF-16 code units, wrapped to a signed
/// 32-bit integer, written as lower-case hex of its absolute value.
pub fn mini_hash(text: &str) -> String {
    let hash = text.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    });
    format!("{:x}", i64::from(hash).abs())
}

/// The name of the unique index ving makes for a `unique` prop without qualifiers.
pub(crate) fn unique_index_name(prop: &str) -> String {
    format!("{prop}Index")
}

/// The name of the composite unique constraint over `columns` (the prop, then its
/// `uniqueQualifiers`).
pub(crate) fn unique_constraint_name(columns: &[String]) -> String {
    constraint_name(&columns.join("_"), "uq")
}

/// The name of the foreign key of a parent relation called `relation` on `table`.
pub(crate) fn foreign_key_name(table: &str, relation: &str) -> String {
    constraint_name(&format!("{table}_{relation}"), "fk")
}

/// The name PostgreSQL and SQLite give an enum column's CHECK constraint.
pub(crate) fn check_constraint_name(table: &str, column: &str) -> String {
    format!("{table}_{column}_check")
}

/// The name of an `autoUpdate` column's trigger (PostgreSQL and SQLite).
pub(crate) fn on_update_trigger_name(table: &str, column: &str) -> String {
    format!("{table}_{column}_on_update")
}

/// ving's constraint name: the first 48 characters of `base`, its miniHash and a suffix.
fn constraint_name(base: &str, suffix: &str) -> String {
    let prefix: String = base
        .encode_utf16()
        .take(48)
        .map(|u| char::from_u32(u32::from(u)).unwrap_or('_'))
        .collect();
    format!("{prefix}_{}_{suffix}", mini_hash(base))
}

/// `camelCase`/`PascalCase` → `snake_case` (`APIKey` → `api_key`, `S3File` → `s3_file`).
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let previous = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if previous.is_ascii_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Why `name` (a kind, prop or relation name) cannot name generated Rust code, if it
/// cannot: the code ving writes names modules, fields and methods after the snake_case
/// of a name, and `self`, `super`, `crate` and `Self` are the keywords that not even a
/// raw identifier (`r#type`) can spell.
pub(crate) fn rust_unusable(name: &str) -> Option<String> {
    let snake = snake_case(name);
    let keyword = if name == "Self" {
        "Self"
    } else if ["self", "super", "crate"].contains(&snake.as_str()) {
        snake.as_str()
    } else {
        return None;
    };
    Some(format!(
        "{name:?} cannot name generated Rust code: `{keyword}` is a Rust keyword that no raw identifier can spell; choose another name"
    ))
}

/// The database that keeps a column of this name in every table (PostgreSQL's system
/// columns, SQLite's row id: a prop of that name fails or shadows it), compared
/// case-insensitively.
pub(crate) fn system_column(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "tableoid" | "xmin" | "cmin" | "xmax" | "cmax" | "ctid" => Some("PostgreSQL"),
        "rowid" => Some("SQLite"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mini_hash_matches_ving() {
        assert_eq!(mini_hash("users_avatar"), "39d62890");
        assert_eq!(mini_hash(""), "0");
        // The hash wraps like a signed 32-bit integer and shows its absolute value.
        assert!(mini_hash(&"z".repeat(100))
            .chars()
            .all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn constraint_names_keep_48_characters_of_the_base() {
        let base = "a".repeat(60);
        let name = constraint_name(&base, "uq");
        assert!(name.starts_with(&"a".repeat(48)));
        assert_eq!(name, format!("{}_{}_uq", "a".repeat(48), mini_hash(&base)));
    }
}
