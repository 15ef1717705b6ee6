//! The library's layout stays readable: no source file over 800 lines, and no two modules
//! that import each other, directly or around a circle (a module's `use` of `crate::…`,
//! `super::…` or `self::…` paths, followed through the re-exports of a `mod.rs` to the file
//! that defines what it names; tests and comments left out).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The longest a source file may be.
const MOST_LINES: usize = 800;

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `record/kind` for `src/record/kind/mod.rs`, `rest/store` for `src/rest/store.rs`, ``
/// for `src/lib.rs`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file
        .strip_prefix(src)
        .expect("under src")
        .with_extension("");
    let text = relative.to_string_lossy().replace('\\', "/");
    match text.as_str() {
        "lib" => String::new(),
        _ => text.strip_suffix("/mod").unwrap_or(&text).to_owned(),
    }
}

/// The code of a file without its comments and its test module.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path a piece of code names from `crate`, `super` or `self`, with `{a, b::c}`
/// groups spread out: `super::{a, b}` is `super::a` and `super::b`.
fn paths_in(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(found) = code[from..].find(start) {
            let at = from + found;
            from = at + start.len();
            let boundary = at == 0
                || !(bytes[at - 1].is_ascii_alphanumeric()
                    || bytes[at - 1] == b'_'
                    || bytes[at - 1] == b':');
            if boundary {
                spread(&code[at..], String::new(), &mut paths);
            }
        }
    }
    paths
}

/// Reads one path at the start of `text` (after `prefix`), spreading brace groups.
fn spread(text: &str, prefix: String, out: &mut Vec<String>) {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len());
    let head = text[..end].trim_end_matches(':');
    let path = if prefix.is_empty() {
        head.to_owned()
    } else {
        format!("{prefix}::{head}")
    };
    if text[end..].starts_with('{') && text[..end].ends_with("::") {
        let group = &text[end + 1..];
        let mut depth = 0;
        let mut item_start = 0;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    spread(group[item_start..i].trim(), path.clone(), out);
                    return;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    spread(group[item_start..i].trim(), path.clone(), out);
                    item_start = i + 1;
                }
                _ => {}
            }
        }
    } else if !head.is_empty() {
        out.push(path);
    }
}

/// Whether `code` defines (or re-exports) an item called `item`.
fn defines(code: &str, item: &str) -> bool {
    [
        "struct ", "enum ", "fn ", "trait ", "type ", "const ", "static ", "mod ", "use ",
    ]
    .iter()
    .any(|keyword| {
        code.match_indices(&format!("{keyword}{item}"))
            .any(|(at, found)| {
                let after = code[at + found.len()..].chars().next();
                !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            })
            || (*keyword == "use " && code.contains(&format!("::{item};")))
    })
}

/// The module a path leads to (the deepest module it names), from the module `here`.
fn resolve(here: &str, path: &str, modules: &BTreeMap<String, String>) -> Option<String> {
    let mut parts: Vec<&str> = path.split("::").collect();
    let mut base: Vec<&str> = if here.is_empty() {
        Vec::new()
    } else {
        here.split('/').collect()
    };
    match parts.first() {
        Some(&"crate") => base.clear(),
        Some(&"super") => {
            while parts.first() == Some(&"super") {
                base.pop()?;
                parts.remove(0);
            }
            parts.insert(0, "super");
        }
        _ => {}
    }
    let parts = &parts[1..];
    let mut best = None;
    for taken in 0..=parts.len() {
        let module: Vec<&str> = base.iter().chain(&parts[..taken]).copied().collect();
        let module = module.join("/");
        if modules.contains_key(&module) {
            best = Some((module, parts.get(taken).copied()));
        }
    }
    let (module, item) = best?;
    // An item a `mod.rs` re-exports from a child module is that child's.
    if let Some(item) = item {
        let code = &modules[&module];
        for line in code.lines().map(str::trim) {
            let Some(rest) = line
                .strip_prefix("pub use ")
                .or_else(|| line.strip_prefix("pub(crate) use "))
            else {
                continue;
            };
            let Some((child, names)) = rest.split_once("::") else {
                continue;
            };
            let child_module = if module.is_empty() {
                child.to_owned()
            } else {
                format!("{module}/{child}")
            };
            let Some(child_code) = modules.get(&child_module) else {
                continue;
            };
            let mut names =
                names.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '*'));
            let named =
                names.any(|name| name == item || (name == "*" && defines(child_code, item)));
            if named {
                return Some(child_module);
            }
        }
    }
    Some(module)
}

/// What is wrong with the layout of the crate whose sources are `src`: files over
/// [`MOST_LINES`], then circles of imports; and how many modules it has.
fn layout(src: &Path) -> (Vec<String>, Vec<String>, BTreeMap<String, BTreeSet<String>>) {
    let mut files = Vec::new();
    source_files(src, &mut files);
    let mut long = Vec::new();
    let mut modules = BTreeMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("source");
        if text.lines().count() > MOST_LINES {
            long.push(format!(
                "{} ({} lines)",
                file.display(),
                text.lines().count()
            ));
        }
        modules.insert(module_of(src, file), code_of(&text));
    }
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in &modules {
        let targets = imports.entry(module.clone()).or_default();
        for path in paths_in(code) {
            let Some(target) = resolve(module, &path, &modules) else {
                continue;
            };
            // A module may name its parents (their re-exports) and itself.
            let parent = target.is_empty() || module.starts_with(&format!("{target}/"));
            if target != *module && !parent {
                targets.insert(target);
            }
        }
    }
    // A circle: a module that reaches itself through the imports.
    let mut circles = Vec::new();
    for start in imports.keys() {
        let mut stack: Vec<(&str, Vec<&str>)> = vec![(start.as_str(), vec![start.as_str()])];
        let mut seen = BTreeSet::new();
        while let Some((module, trail)) = stack.pop() {
            for next in imports.get(module).into_iter().flatten() {
                if next == start {
                    circles.push(format!("{} → {start}", trail.join(" → ")));
                } else if seen.insert(next.as_str()) {
                    let mut longer = trail.clone();
                    longer.push(next.as_str());
                    stack.push((next.as_str(), longer));
                }
            }
        }
    }
    (long, circles, imports)
}

#[test]
fn no_file_of_the_library_is_too_long_and_no_modules_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (long, circles, imports) = layout(&src);
    assert!(long.is_empty(), "over {MOST_LINES} lines: {long:?}");
    assert!(
        imports.len() > 40,
        "every module is read: {:?}",
        imports.keys()
    );
    assert!(
        imports["record/describe"].contains("record/links")
            && imports["record/describe"].contains("record/viewer"),
        "the imports are read, braces spread: {:?}",
        imports["record/describe"]
    );
    assert!(
        circles.is_empty(),
        "modules that import each other:\n{}",
        circles.join("\n")
    );
}

#[test]
fn no_file_of_the_command_or_the_sample_app_is_too_long_and_no_circles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let (long, circles, imports) = layout(&root.join("crates/ving-cli/src"));
    assert!(long.is_empty(), "over {MOST_LINES} lines: {long:?}");
    assert!(
        imports.contains_key("command/drizzle"),
        "{:?}",
        imports.keys()
    );
    assert!(
        circles.is_empty(),
        "modules that import each other:\n{}",
        circles.join("\n")
    );
    // The sample app's hand-written files (its generated tables are one file a kind).
    let (long, _, _) = layout(&root.join("examples/sample-app/src"));
    assert!(long.is_empty(), "over {MOST_LINES} lines: {long:?}");
}
