//! Lists: paging as ving's model, describe_list's queries, filters and copies, hidden props and clamped paging.

use super::*;

mod paging {
    use super::*;
    use ving::record::Paging;

    /// ving's paging, restated: the ids a page shows out of `total` records in id order.
    fn model(total: i64, ipp: i64, page: i64, max: i64) -> (Vec<i64>, i64, i64, i64) {
        let ipp = if (1..=100).contains(&ipp) { ipp } else { 10 };
        let page = page.max(1);
        let max = if max > 0 { max } else { 100_000_000_000 };
        let cap = max.min(total);
        let first = ipp * (page - 1);
        let ids: Vec<i64> = (first..(first + ipp).min(cap)).map(|i| i + 1).collect();
        let total_pages = (total + ipp - 1) / ipp;
        (
            ids,
            total_pages,
            (page + 1).min(total_pages.max(1)),
            if page < 2 { 1 } else { page - 1 },
        )
    }

    #[test]
    fn describe_list_pages_as_the_model() {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let Some((test, schemas)) = runtime.block_on(fresh(Backend::Sqlite)) else {
            return;
        };
        let kinds = kinds(&schemas, test.db());
        let users = kinds.kind("User").expect("User");
        const TOTAL: i64 = 23;
        runtime.block_on(async {
            for n in 0..TOTAL {
                user(&users, &format!("u{n}"), json!({})).await;
            }
        });
        let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
            cases: 64,
            ..Default::default()
        });
        runner
            .run(&(-2i64..110, -2i64..8, 0i64..30), |(ipp, page, max)| {
                let list = ListParams {
                    items_per_page: Some(ipp),
                    page: Some(page),
                    max_items: Some(max),
                    sort_by: vec!["id".into()],
                    ..ListParams::default()
                };
                let out = runtime
                    .block_on(users.describe_list(&list, ()))
                    .expect("list");
                let (ids, total_pages, next, previous) = model(TOTAL, ipp, page, max);
                let got: Vec<i64> = out["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .map(|i| {
                        codec()
                            .parse(i["props"]["id"].as_str().expect("id"))
                            .expect("id string")
                    })
                    .collect();
                proptest::prop_assert_eq!(got, ids);
                proptest::prop_assert_eq!(&out["paging"]["totalPages"], &json!(total_pages));
                proptest::prop_assert_eq!(&out["paging"]["totalItems"], &json!(TOTAL));
                proptest::prop_assert_eq!(&out["paging"]["nextPage"], &json!(next));
                proptest::prop_assert_eq!(&out["paging"]["previousPage"], &json!(previous));
                let paging = Paging::new(Some(ipp), Some(page), Some(max));
                proptest::prop_assert_eq!(
                    &out["paging"]["itemsPerPage"],
                    &json!(paging.items_per_page)
                );
                Ok(())
            })
            .expect("paging agrees with the model");
        runtime.block_on(test.cleanup());
    }
}

#[tokio::test]
async fn describe_list_runs_one_count_one_page_and_one_query_per_relation() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}/list.db?mode=rwc&log=yes", dir.path().display());
    let db = ving::db::Db::connect(
        &ving::config::DatabaseUrl::parse(&url).expect("url"),
        Path::new("."),
    )
    .await
    .expect("connect");
    let schemas = schemas();
    db.create_tables(&TableModel::from_schemas(&schemas))
        .await
        .expect("tables");
    let kinds = kinds(&schemas, &db);
    let users = kinds.kind("User").expect("User");
    let apikeys = kinds.kind("APIKey").expect("APIKey");
    let admin = user(&users, "admin", json!({"admin": true})).await;
    for n in 0..12 {
        let owner = user(&users, &format!("owner{n}"), json!({})).await;
        apikeys
            .create(props(
                json!({"name": format!("k{n}"), "url": "https://x.io", "userId": owner.id()}),
            ))
            .await
            .expect("key");
    }
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    let list = ListParams {
        items_per_page: Some(10),
        object_params: Describe::new().current_user(&admin).related("user"),
        ..ListParams::default()
    };
    let out = {
        let _guard = tracing::subscriber::set_default(subscriber);
        apikeys.describe_list(&list, ()).await.expect("list")
    };
    let items = out["items"].as_array().expect("items");
    assert_eq!(items.len(), 10);
    assert_eq!(items[3]["related"]["user"]["props"]["username"], "owner3");
    let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf8");
    let statements: Vec<&str> = text.lines().filter(|l| l.contains("sql=")).collect();
    assert_eq!(statements.len(), 3, "{text}");
    // An update with nothing dirty runs no statement; with one dirty prop, one.
    let mut clean = users.find_or_die(2).await.expect("user");
    let quiet = Captured::default();
    {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(quiet.clone())
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        clean.update().await.expect("nothing to do");
        clean.set("bio", json!("b")).expect("bio");
        clean.update().await.expect("update");
    }
    let logged = String::from_utf8(quiet.0.lock().expect("lock").clone()).expect("utf8");
    let updates: Vec<&str> = logged.lines().filter(|l| l.contains("sql=")).collect();
    assert_eq!(updates.len(), 1, "{logged}");
    assert!(
        updates[0].contains("SET `bio` = ?, `updatedAt` = ?"),
        "{}",
        updates[0]
    );
    // SQLite reads the count apart, after the page (MariaDB reads it in the page's statement).
    assert!(
        statements[0].contains("FROM `apikeys`"),
        "{}",
        statements[0]
    );
    assert!(statements[1].contains("count(*)"), "{}", statements[1]);
    assert!(statements[2].contains("FROM `users`"), "{}", statements[2]);
    db.close().await;
}

async fn list_filters_copies_and_big_ids(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let admin = user(
        &users,
        "admin",
        json!({"admin": true, "realName": "Samuel Norton"}),
    )
    .await;
    user(
        &users,
        "andy",
        json!({"realName": "Andy Dufresne", "developer": true}),
    )
    .await;
    user(&users, "red", json!({"realName": "Ellis Redding"})).await;
    let count = |pairs: &[(&str, &str)]| {
        let where_ = users
            .describe_list_where(&query(pairs), &Describe::new().current_user(&admin))
            .expect("where");
        let users = users.clone();
        async move { users.count(where_).await.expect("count") }
    };
    assert_eq!(count(&[]).await, 3);
    assert_eq!(count(&[("search", "DUFRESNE")]).await, 1, "{backend:?}");
    assert_eq!(count(&[("search", "%")]).await, 0, "taken literally");
    assert_eq!(count(&[("developer", "true")]).await, 1);
    assert_eq!(count(&[("developer", "1")]).await, 2, "only 'true' is true");
    assert_eq!(count(&[("admin", "!=true")]).await, 2);
    assert_eq!(count(&[("search", "e"), ("admin", "true")]).await, 1);
    assert_eq!(
        count(&[("_start_createdAt", "2000-01-01T00:00:00.000Z")]).await,
        3
    );
    assert_eq!(
        count(&[("_end_createdAt", "2000-01-01T00:00:00.000Z")]).await,
        0
    );
    assert_eq!(count(&[("page", "2"), ("unknown", "x")]).await, 3);
    // A year no database holds is a client's error (not the database's 500).
    for far in ["+10000-01-01T00:00:00Z", "0000-06-01"] {
        let error = users
            .describe_list_where(
                &query(&[("_start_createdAt", far)]),
                &Describe::new().current_user(&admin),
            )
            .expect_err(far);
        assert_eq!(
            (error.code, error.prop.as_deref()),
            (400, Some("createdAt")),
            "{far}"
        );
    }
    let files = kinds.kind("S3File").expect("S3File");
    let by_owner = files
        .describe_list_where(
            &query(&[("userId", "UservDKaLb1"), ("sizeInBytes", ">=100")]),
            &Describe::new(),
        )
        .expect("where");
    assert_eq!(files.count(by_owner).await.expect("count"), 0);
    // An int filter is read as JavaScript's Number reads it (ving's): ` 100`, `1e2` and
    // `100.0` are 100, the empty text 0; a fraction is a 400.
    for size in [50, 100, 150] {
        files
            .create(props(json!({
                "filename": format!("f{size}.txt"),
                "extension": "txt",
                "contentType": "text/plain",
                "s3folder": "x",
                "sizeInBytes": size,
                "userId": admin.id(),
            })))
            .await
            .expect("a file");
    }
    let sized = |pairs: &[(&str, &str)]| {
        let where_ = files
            .describe_list_where(&query(pairs), &Describe::new())
            .expect("where");
        let files = files.clone();
        async move { files.count(where_).await.expect("count") }
    };
    for (filter, expected) in [
        ("100", 1),
        (" 100", 1),
        ("1e2", 1),
        ("100.0", 1),
        (">= 1e2", 2),
        ("<100.0", 1),
        ("<>1e2", 2),
    ] {
        assert_eq!(
            sized(&[("sizeInBytes", filter)]).await,
            expected,
            "{filter:?}"
        );
    }
    assert_eq!(
        sized(&[("_start_sizeInBytes", "")]).await,
        3,
        "the empty text is 0"
    );
    assert_eq!(sized(&[("_end_sizeInBytes", "1e2")]).await, 2);
    let fraction = files
        .describe_list_where(&query(&[("sizeInBytes", "1.5")]), &Describe::new())
        .expect_err("a fraction");
    assert_eq!(fraction.code, 400, "{fraction}");
    let bad = files
        .describe_list_where(&query(&[("userId", "nope")]), &Describe::new())
        .expect_err("400");
    assert_eq!(bad.code, 400);
    // copy: a new record with everything but id and createdAt.
    let copy = users.copy(&admin);
    assert!(!copy.is_inserted());
    assert_eq!(copy.get("id"), Some(&Value::Null));
    assert_eq!(copy.get("realName"), admin.get("realName"));
    // An id too big for an id string is an error, not a wrapped id.
    let big = users
        .create(props(
            json!({"id": 4_294_967_296i64, "username": "big", "email": "big@x.io"}),
        ))
        .await
        .expect("big id");
    assert_eq!(big.id(), Some(4_294_967_296));
    let error = big.describe(&Describe::new()).await.expect_err("too big");
    assert_eq!(error.code, 400, "{error}");
}

on_every_backend!(list_where_copy_and_big_ids, list_filters_copies_and_big_ids);

/// Issue 15 (17): a list is sorted, searched and filtered only by props the viewer may
/// see: a visitor sorting users by `password` or `email` gets a 400 (as an unknown prop
/// does), and a search never matches a prop the viewer cannot see.
async fn hidden_props_are_not_sort_keys_or_search_targets(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let admin = user(&users, "admin", json!({"admin": true})).await;
    let andy = user(&users, "andy", json!({"realName": "Andy Dufresne"})).await;
    user(&users, "red", json!({"realName": "Ellis Redding"})).await;
    for (sort, code) in [
        ("password", Some(400)),
        ("email", Some(400)),
        ("nope", Some(400)),
        ("bio", None),
        ("createdAt", None),
    ] {
        let params = ListParams {
            sort_by: vec![sort.to_owned()],
            ..ListParams::default()
        };
        let result = users.describe_list(&params, ()).await;
        match code {
            Some(code) => {
                let error = result.expect_err(sort);
                assert_eq!((error.code, error.prop.as_deref()), (code, Some(sort)));
            }
            None => {
                result.unwrap_or_else(|e| panic!("{backend:?}: sort by {sort}: {e}"));
            }
        }
    }
    // A prop sorted by thousands of times sorts once (SQLite refuses 2,000 ORDER BY terms).
    let repeated = ListParams {
        sort_by: ["bio", "createdAt"]
            .repeat(1500)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        ..ListParams::default()
    };
    users
        .describe_list(&repeated, ())
        .await
        .unwrap_or_else(|e| panic!("{backend:?}: 3,000 sortBy: {e}"));
    // The admin may sort by what an admin sees; nobody sorts by the password.
    let as_admin = |sort: &str| ListParams {
        sort_by: vec![sort.to_owned()],
        object_params: Describe::new().current_user(&admin),
        ..ListParams::default()
    };
    users
        .describe_list(&as_admin("email"), ())
        .await
        .expect("admin sorts by email");
    assert_eq!(
        users
            .describe_list(&as_admin("password"), ())
            .await
            .expect_err("password")
            .code,
        400
    );
    // Search: realName is the owner's (and an admin's) to see.
    let count = |viewer: Describe<'_>, pairs: &[(&str, &str)]| {
        let where_ = users
            .describe_list_where(&query(pairs), &viewer)
            .expect("where");
        let users = users.clone();
        async move { users.count(where_).await.expect("count") }
    };
    assert_eq!(count(Describe::new(), &[("search", "Dufresne")]).await, 0);
    assert_eq!(
        count(
            Describe::new().current_user(&andy),
            &[("search", "Dufresne")]
        )
        .await,
        0,
        "owner-level props are not searched across other people's records"
    );
    assert_eq!(
        count(
            Describe::new().current_user(&admin),
            &[("search", "Dufresne")]
        )
        .await,
        1,
        "{backend:?}"
    );
    // Qualifiers on a prop the viewer cannot see are refused too.
    let error = users
        .describe_list_where(&query(&[("admin", "true")]), &Describe::new())
        .expect_err("a visitor filtering by admin");
    assert_eq!((error.code, error.prop.as_deref()), (400, Some("admin")));
    assert_eq!(
        count(Describe::new().current_user(&admin), &[("admin", "true")]).await,
        1
    );
}

on_every_backend!(
    hidden_props_are_not_sort_keys,
    hidden_props_are_not_sort_keys_or_search_targets
);

/// A JSON prop is no sort key (MariaDB and SQLite order its text, PostgreSQL its jsonb):
/// a list or a `find_many` sorted by one is a 400 naming it, on every database.
async fn json_props_are_not_sort_keys(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    let admin = user(&users, "admin", json!({"admin": true})).await;
    let jobs = kinds.kind("CronJob").expect("CronJob");
    for params in [json!({"z": 1}), json!({"a": 2, "bb": 1}), json!({})] {
        jobs.create(props(
            json!({"schedule": "* * * * *", "handler": "Test", "params": params}),
        ))
        .await
        .expect("job");
    }
    let params = ListParams {
        sort_by: vec!["params".to_owned()],
        object_params: Describe::new().current_user(&admin),
        ..ListParams::default()
    };
    let error = jobs
        .describe_list(&params, ())
        .await
        .expect_err("sorted by JSON");
    assert_eq!(
        (error.code, error.prop.as_deref(), error.message.as_str()),
        (
            400,
            Some("params"),
            "cannot sort by params: a JSON prop has no order"
        ),
        "{backend:?}"
    );
    let options = FindOptions {
        order_by: vec![OrderBy::asc("params")],
        ..FindOptions::default()
    };
    let error = jobs.find_many((), &options).await.expect_err("find_many");
    assert_eq!((error.code, error.prop.as_deref()), (400, Some("params")));
    // Not a `filterQualifier` prop: its name in a query is no filter (as in ving).
    let filter = jobs.describe_list_where(
        &query(&[("params", "{}")]),
        &Describe::new().current_user(&admin),
    );
    assert!(matches!(filter, Ok(None)), "{backend:?}");
}

on_every_backend!(json_props_sort_nothing, json_props_are_not_sort_keys);

/// Issue 15 (18): extreme paging is clamped as ving documents it (page 1..1,000,000,
/// itemsPerPage 1..100, maxItems 1..100,000,000,000), never a panic or a wrap.
async fn extreme_paging_is_clamped(backend: Backend, kinds: &Kinds<'_>) {
    let users = kinds.kind("User").expect("User");
    user(&users, "one", json!({})).await;
    for (page, per_page, max) in [
        (Some(i64::MAX), Some(i64::MAX), Some(i64::MAX)),
        (Some(i64::MIN), Some(i64::MIN), Some(i64::MIN)),
        (Some(1_000_001), Some(101), Some(0)),
    ] {
        let params = ListParams {
            page,
            items_per_page: per_page,
            max_items: max,
            ..ListParams::default()
        };
        let list = users
            .describe_list(&params, ())
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {page:?}: {e}"));
        let paging = &list["paging"];
        assert!(
            (1..=1_000_000).contains(&paging["page"].as_i64().unwrap_or(0)),
            "{paging}"
        );
        assert!(
            (1..=100).contains(&paging["itemsPerPage"].as_i64().unwrap_or(0)),
            "{paging}"
        );
        assert_eq!(paging["totalItems"], json!(1));
    }
}

on_every_backend!(paging_is_clamped, extreme_paging_is_clamped);

/// Deep pages (an offset of `ving::sql::DEEP_PAGE` or more) are read by their keys first
/// on every backend: the same records in the same order as the plain select gives
/// (here: the whole sorted list, sliced), for sorts with ties, descending, by an enum and
/// by a column with NULLs, with and without a where.
#[tokio::test]
async fn deep_pages_are_the_same_pages() {
    const ROWS: u64 = 1_240;
    for backend in BACKENDS {
        let Some((test, schemas)) = fresh(backend).await else {
            continue;
        };
        let q = |name: &str| match backend {
            Backend::MySql => format!("`{name}`"),
            _ => format!("\"{name}\""),
        };
        // Few distinct dates (ties, broken by id) in an order that is not the ids'.
        let rows: Vec<String> = (0..ROWS)
            .map(|i| {
                let display = ["username", "email", "realName"][(i % 3) as usize];
                format!(
                    "('u{i}', 'u{i}@example.com', 'U {}', '2026-01-01 00:00:{:02}', '2026-01-01 00:00:00', '{display}', '')",
                    (i * 7_919) % 977,
                    (i * 37) % 50
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}, {}, {}, {}, {}, {}, {}) VALUES {}",
            q("users"),
            q("username"),
            q("email"),
            q("realName"),
            q("createdAt"),
            q("updatedAt"),
            q("useAsDisplayName"),
            q("bio"),
            rows.join(", ")
        );
        test.db().execute(&sql, Vec::new()).await.expect("users");
        let kinds = kinds(&schemas, test.db());
        let users = kinds.kind("User").expect("User");
        let ids = |records: Vec<Record<'_>>| -> Vec<i64> {
            records
                .iter()
                .map(|r| r.get_i64("id").expect("an id"))
                .collect()
        };
        let sorts: [&[(&str, bool)]; 4] = [
            &[("createdAt", false), ("id", false)],
            &[("createdAt", true), ("id", true)],
            &[
                ("useAsDisplayName", false),
                ("realName", true),
                ("id", false),
            ],
            &[("avatarId", false), ("createdAt", false), ("id", false)],
        ];
        for sort in sorts {
            let order_by: Vec<OrderBy> = sort
                .iter()
                .map(|(prop, descending)| OrderBy {
                    prop: (*prop).into(),
                    descending: *descending,
                })
                .collect();
            for where_ in [None, Some("email")] {
                let all = |options: FindOptions| {
                    let users = users.clone();
                    async move {
                        let scope = match where_ {
                            Some(shown) => Some(users.prop_eq("useAsDisplayName", shown)?),
                            None => None,
                        };
                        users.find_many(scope, &options).await
                    }
                };
                let whole = ids(all(FindOptions {
                    order_by: order_by.clone(),
                    ..FindOptions::default()
                })
                .await
                .expect("the whole list"));
                for (offset, limit) in [
                    (1_000, 100),
                    (1_001, 7),
                    (1_150, 100),
                    (1_239, 1),
                    (1_240, 5),
                    (999, 3),
                ] {
                    let page = ids(all(FindOptions {
                        order_by: order_by.clone(),
                        limit: Some(limit),
                        offset: Some(offset),
                    })
                    .await
                    .unwrap_or_else(|e| panic!("{backend:?} {sort:?} {offset}: {e}")));
                    let start = (offset as usize).min(whole.len());
                    let end = (start + limit as usize).min(whole.len());
                    assert_eq!(
                        page,
                        whole[start..end],
                        "{backend:?}: sort {sort:?}, where {where_:?}, offset {offset}, limit {limit}"
                    );
                }
            }
        }
        // A list's count, read with its page where the database reads them together
        // (MariaDB), alone where not: the same totals, with and without a where, on a
        // shallow, a deep and an empty page.
        for where_ in [None, Some("email")] {
            let scope =
                || where_.map(|shown| users.prop_eq("useAsDisplayName", shown).expect("where"));
            let total = users.count(scope()).await.expect("count");
            assert_eq!(total, if where_.is_some() { 413 } else { ROWS as i64 });
            // Page 5 is the last of the where's (13 records), 11 and 13 are deep (40 records
            // on 13 without a where), 14 is past the end of both.
            for page in [1, 5, 11, 13, 14] {
                let list = ListParams {
                    items_per_page: Some(100),
                    page: Some(page),
                    ..ListParams::default()
                };
                let out = users
                    .describe_list(&list, scope())
                    .await
                    .unwrap_or_else(|e| panic!("{backend:?}: page {page}: {e}"));
                let shown = out["items"].as_array().map_or(0, Vec::len) as i64;
                // The same records, in the same order, as `find_many`'s page (read apart
                // from the count, by its own statement).
                let options = FindOptions {
                    order_by: vec![OrderBy::asc("createdAt"), OrderBy::asc("id")],
                    limit: Some(100),
                    offset: Some((page as u64 - 1) * 100),
                };
                let same = users.find_many(scope(), &options).await.expect("page");
                let same: Vec<Value> = (same.iter())
                    .map(|r| json!(r.id_string().expect("id string")))
                    .collect();
                let items = out["items"].as_array().cloned().unwrap_or_default();
                let listed: Vec<Value> = items.iter().map(|i| i["props"]["id"].clone()).collect();
                assert_eq!(listed, same, "{backend:?}: where {where_:?}, page {page}");
                let expected = (total - (page - 1) * 100).clamp(0, 100);
                assert_eq!(
                    shown, expected,
                    "{backend:?}: where {where_:?}, page {page}"
                );
                assert_eq!(
                    out["paging"]["totalItems"],
                    json!(total),
                    "{backend:?}: where {where_:?}, page {page}"
                );
            }
        }
        test.cleanup().await;
    }
}
