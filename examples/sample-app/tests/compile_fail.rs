//! Type safety of the query builder: each file in `tests/compile_fail/` breaks one rule
//! and must not compile; the compiler's message is committed beside it (`.stderr`).
//! Regenerate the messages with `TRYBUILD=overwrite cargo test -p ving-sample-app --test compile_fail`.

#[test]
fn wrong_queries_do_not_compile() {
    trybuild::TestCases::new().compile_fail("tests/compile_fail/*.rs");
}
