//! The record layer against real databases (SQLite, MariaDB, PostgreSQL) with the sample
//! app's four kinds. Here: the shared helpers; `reference` (ving's three reference outputs
//! reproduced field by field, the privilege matrix), `errors` (ving's codes and messages),
//! `kinds` (finding, scopes, transactions, hooks, aggregates, passwords) and `lists`
//! (paging against a model, describe_list's queries, filters).

use std::path::Path;

use serde_json::{json, Map, Value};
use ving::config::Backend;
use ving::drizzle::Tx;
use ving::id::IdCodec;
use ving::record::{
    CurrentUser, Describe, FindOptions, HookFuture, Kind, Kinds, ListParams, OrderBy, Ouch, Record,
    RecordHooks,
};
use ving::schema::{SchemaOptions, SchemaSet};
use ving::sql::{Expr as SqlExpr, RawPart};
use ving::table::TableModel;
use ving::testing::{TestDb, BACKENDS};

/// The folder of the sample app's schemas.
fn sample_schemas_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sample-app/ving/schema/schemas")
}

fn schemas() -> SchemaSet {
    SchemaSet::load(&sample_schemas_dir(), &SchemaOptions::default()).expect("sample schemas")
}

/// The sample app's schemas and `extra` ones (file name, text).
fn schemas_with(extra: &[(&str, &str)]) -> SchemaSet {
    let mut files: Vec<_> = std::fs::read_dir(sample_schemas_dir())
        .expect("schemas")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("schema");
            ving::schema::SourceFile::new(path, text)
        })
        .collect();
    files.extend(
        (extra.iter()).map(|(name, text)| ving::schema::SourceFile::new(*name, text.to_string())),
    );
    SchemaSet::from_files(&files, &SchemaOptions::default()).expect("schemas")
}

fn codec() -> IdCodec {
    IdCodec::new("11,22,33,44,55,66,77,88,99,111".parse().expect("key"))
}

fn kinds<'e>(schemas: &SchemaSet, executor: impl Into<ving::drizzle::Executor<'e>>) -> Kinds<'e> {
    let n = std::sync::atomic::AtomicU64::new(0);
    Kinds::new(schemas, executor, codec()).with_default_fn("privateKey", move || {
        let n = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Value::from(format!("pk_{:036x}", 0xfeed_0000u64 + n))
    })
}

/// The code, message and prop of an error that must be one.
fn code(result: Result<impl std::fmt::Debug, Ouch>) -> (u16, String, Option<String>) {
    let error = result.expect_err("an error");
    (error.code, error.message, error.prop)
}

fn props(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

async fn fresh(backend: Backend) -> Option<(TestDb, SchemaSet)> {
    let test = TestDb::fresh_or_skip(backend).await?;
    let schemas = schemas();
    test.db()
        .create_tables(&TableModel::from_schemas(&schemas))
        .await
        .expect("tables");
    Some((test, schemas))
}

/// Runs `check` on each backend that can be reached.
macro_rules! on_every_backend {
    ($name:ident, $check:ident) => {
        #[tokio::test]
        async fn $name() {
            for backend in BACKENDS {
                let Some((test, schemas)) = fresh(backend).await else {
                    continue;
                };
                $check(backend, &kinds(&schemas, test.db())).await;
                test.cleanup().await;
            }
        }
    };
}

async fn user<'e>(users: &Kind<'e>, name: &str, extra: Value) -> Record<'e> {
    let mut p = props(json!({
        "username": name,
        "email": format!("{name}@example.com"),
        "realName": name,
    }));
    p.extend(props(extra));
    users
        .create(p)
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Who looks at a record in the privilege matrix.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Viewer {
    Visitor,
    Stranger,
    Owner,
    Admin,
}

/// Captures what `?log=yes` logs.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// An app's APIKey record overriding `insert`, `update` and `describe` (ving's records
/// override them as subclasses): each hook runs, around ving's base method, for the kind
/// it is registered on only.
struct APIKeyHooks {
    /// The hooks that ran, in order (shared with the test).
    calls: std::sync::Arc<std::sync::Mutex<Vec<&'static str>>>,
}

impl RecordHooks for APIKeyHooks {
    fn insert<'a, 'e>(&'a self, record: &'a mut Record<'e>) -> HookFuture<'a, ()>
    where
        'e: 'a,
    {
        self.calls.lock().expect("calls").push("insert");
        Box::pin(async move {
            if record.get_str("reason").unwrap_or_default().is_empty() {
                record.set("reason", json!("filled in by the insert hook"))?;
            }
            record.base_insert().await
        })
    }

    fn update<'a, 'e>(&'a self, record: &'a mut Record<'e>) -> HookFuture<'a, ()>
    where
        'e: 'a,
    {
        self.calls.lock().expect("calls").push("update");
        Box::pin(async move {
            let name = record.get_str("name").unwrap_or_default().to_uppercase();
            record.set("name", json!(name))?;
            record.base_update().await
        })
    }

    fn describe<'a>(
        &'a self,
        record: &'a Record<'_>,
        params: &'a Describe<'_>,
    ) -> Option<HookFuture<'a, Value>> {
        self.calls.lock().expect("calls").push("describe");
        Some(Box::pin(async move {
            let mut json = record.base_describe(params).await?;
            if let Some(props) = json["props"].as_object_mut() {
                props.remove("url");
                props.insert("shout".into(), json!(true));
            }
            Ok(json)
        }))
    }
}

proptest::proptest! {
    /// `Paging` never panics or wraps, and stays in ving's ranges, whatever it is given.
    #[test]
    fn paging_stays_in_range(
        page in proptest::option::of(proptest::num::i64::ANY),
        per_page in proptest::option::of(proptest::num::i64::ANY),
        max in proptest::option::of(proptest::num::i64::ANY),
        total in 0..=i64::MAX,
    ) {
        let paging = ving::record::Paging::new(per_page, page, max);
        proptest::prop_assert!((1..=1_000_000).contains(&paging.page));
        proptest::prop_assert!((1..=100).contains(&paging.items_per_page));
        proptest::prop_assert!((1..=100_000_000_000).contains(&paging.max_items));
        if let Some(take) = paging.items_this_page() {
            proptest::prop_assert!((1..=paging.items_per_page).contains(&take));
        }
        let pages = paging.total_pages(total);
        proptest::prop_assert!(pages >= 0);
        proptest::prop_assert!(pages.saturating_mul(paging.items_per_page) >= total);
    }
}

mod errors;
mod kinds;
mod lists;
mod reference;
