//! What `ving record --rest Kind` writes: the kind's REST module (its rules and routes of
//! its own, the app's to edit, never overwritten) and the lines of the app's
//! `src/rest/mod.rs` that serve every kind with them.

use std::fmt::Write as _;

use super::records::marked_module;
use crate::naming::snake_case;

/// The line that opens the part of the app's `src/rest/mod.rs` that `ving record --rest`
/// writes.
pub const REST_BEGIN: &str = "// ving record --rest: begin";
/// The line that closes it.
pub const REST_END: &str = "// ving record --rest: end";

/// The REST module `ving record --rest Kind` starts a kind with: the kind's
/// `ving::rest::KindRules` as ving's generated handlers have them (ving's User
/// handlers for `User`: admins list, anyone signs up, account settings change in a
/// person's session) and a place for routes of the app's own.
pub fn rest_skeleton(kind: &str, version: &str) -> String {
    let path = format!("/api/{version}/{}s", kind.to_lowercase());
    let (rules, said) = if kind == "User" {
        (
            "        list_role: Some(\"admin\".into()),\n        create_role: None,\n        edit_needs_human: true,",
            "ving's User handlers: admins list users, anyone signs up (no session), and account\n/// settings change only in a session a person started",
        )
    } else {
        (
            "        list_role: None,\n        create_role: Some(\"verifiedEmail\".into()),\n        edit_needs_human: false,",
            "ving's generated handlers: anyone lists, a user with a verified email creates",
        )
    };
    format!(
        r#"//! {kind} over HTTP (`{path}`): `ving record --rest {kind}` made this file and never
//! writes it again. The routes are ving's (see `ving::rest`); here are the rules they
//! follow for {kind}s and the routes the app adds or replaces.

use ving::rest::KindRules;

/// Who may list, create and change {kind}s over HTTP, beyond each record's own
/// privileges ({said}).
pub fn rules() -> KindRules {{
    KindRules {{
{rules}
    }}
}}

/// Routes of the app's own for {kind}s, beside ving's: a path of its own
/// (`{path}/{{id}}/archive`), or ving's path for {kind}s alone, which then replaces ving's
/// route (`own.route("{path}/{{id}}", get(my_handler))`). A handler reads the request
/// with `ving::rest::Ving` (the session, the includes asked for).
pub fn routes(own: ving::rest::axum::Router) -> ving::rest::axum::Router {{
    own
}}
"#
    )
}

/// The lines `ving record --rest` keeps between [`REST_BEGIN`] and [`REST_END`] in the
/// app's `src/rest/mod.rs` (both markers included): a module a kind in `kinds` (kind
/// names) and `router`, which serves every kind with those modules' rules and routes.
pub fn rest_block(kinds: &[String]) -> String {
    let mut kinds: Vec<&String> = kinds.iter().collect();
    kinds.sort();
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        "{REST_BEGIN} (`ving record --rest` writes these lines again: edit outside them)"
    );
    for kind in &kinds {
        let _ = writeln!(w, "pub mod {};", snake_case(kind));
    }
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "/// The app's records over HTTP: ving's routes for every kind, with the rules and the"
    );
    let _ = writeln!(w, "/// routes of each kind's module here.");
    let _ = writeln!(
        w,
        "pub fn router(rest: ving::rest::Rest) -> ving::rest::axum::Router {{"
    );
    if kinds.is_empty() {
        let _ = writeln!(w, "    rest.router()");
    } else {
        let _ = writeln!(w, "    let own = ving::rest::axum::Router::new();");
        for kind in &kinds {
            let _ = writeln!(w, "    let own = {}::routes(own);", snake_case(kind));
        }
        // As rustfmt lays the chain out: on one line when it fits its chain width (60),
        // else a call a line, the first on the receiver's.
        let calls: Vec<String> = kinds
            .iter()
            .map(|kind| format!(".with_rules(\"{kind}\", {}::rules())", snake_case(kind)))
            .chain(std::iter::once(".router_with(own)".to_owned()))
            .collect();
        let one_line = format!("rest{}", calls.concat());
        if one_line.len() <= 60 {
            let _ = writeln!(w, "    {one_line}");
        } else {
            let _ = writeln!(w, "    rest{}", calls.join("\n        "));
        }
    }
    let _ = writeln!(w, "}}");
    let _ = writeln!(w, "{REST_END}");
    out
}

/// The app's `src/rest/mod.rs` holding `block` ([`rest_block`]): a starter file when
/// there is none, else `existing` with its `ving record --rest` lines replaced; `None`
/// when it has none (it is then the user's alone).
pub fn rest_module(existing: Option<&str>, block: &str) -> Option<String> {
    let starter =
        "//! The app's records over HTTP: each kind's module (`ving record --rest Kind`) and
//! `router`, which serves them. Add code outside the `ving record --rest` lines; those
//! are written again.
";
    marked_module(existing, block, starter, REST_BEGIN, REST_END)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_serves_each_kind_with_its_module() {
        let block = rest_block(&["User".into(), "APIKey".into()]);
        insta::assert_snapshot!(block);
        let module = rest_module(None, &block).expect("a starter");
        assert!(module.ends_with(&block));
        let edited = format!("// mine\n{module}fn more() {{}}\n");
        let again = rest_module(Some(&edited), &rest_block(&["User".into()])).expect("marked");
        assert!(again.starts_with("// mine\n") && again.ends_with("fn more() {}\n"));
        assert!(!again.contains("api_key"));
        assert_eq!(rest_module(Some("fn mine() {}\n"), &block), None);
        // rustfmt's layout: a chain that fits on a line is on one line.
        assert!(rest_block(&["User".into()])
            .contains("    rest.with_rules(\"User\", user::rules()).router_with(own)\n"));
        assert!(rest_block(&[]).contains("    rest.router()\n"));
    }

    #[test]
    fn a_kind_starts_with_ving_s_rules() {
        insta::assert_snapshot!(rest_skeleton("APIKey", "v1"));
        let user = rest_skeleton("User", "v2");
        assert!(user.contains("list_role: Some(\"admin\".into())"));
        assert!(user.contains("/api/v2/users"));
    }
}
