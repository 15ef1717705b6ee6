//! Selecting: ving's query tests — by username, counts, where clauses passed around, order, group, limit and offset.

use super::*;

pub(super) async fn insert_a_user(db: &Db) {
    let done = db
        .insert(UserTable)
        .values([user("rita")])
        .execute()
        .await
        .expect("insert");
    assert_eq!(done.rows_affected, 1);
    assert_eq!(done.insert_id, Some(1));
}

pub(super) async fn select_by_username(db: &Db) {
    insert_rita(db).await;
    let rows: Vec<UserRow> = db
        .select()
        .from(UserTable)
        .where_(eq(UserTable.username, "rita"))
        .all()
        .await
        .expect("select");
    assert_eq!(rows.len(), 1);
    let rita = &rows[0];
    assert_eq!(
        (rita.username.as_str(), rita.email.as_str()),
        ("rita", "rita@example.com")
    );
    // Database defaults filled the rest.
    assert_eq!(rita.use_as_display_name, UseAsDisplayName::Username);
    assert_eq!(rita.avatar_type, AvatarType::Robot);
    assert!(!rita.admin && !rita.developer);
    assert_eq!(rita.avatar_id, None);
}

pub(super) async fn count_star_via_sql(db: &Db) {
    insert_rita(db).await;
    let counts = db
        .select_fields(sql!("count(*)").typed::<i64>())
        .from(UserTable)
        .all()
        .await
        .expect("count");
    assert_eq!(counts, [1]);
}

/// ving's test builds `count(column)` with a helper around `sql`.
pub(super) fn count_column<T: Table, V>(column: Column<T, V>) -> Expr<i64> {
    sql!("count({})", column).typed()
}

pub(super) async fn count_column_via_a_helper(db: &Db) {
    insert_rita(db).await;
    let counts = db
        .select_fields(count_column(UserTable.id))
        .from(UserTable)
        .all()
        .await
        .expect("count");
    assert_eq!(counts, [1]);
    let counts = db
        .select_fields(count_of(UserTable.avatar_id))
        .from(UserTable)
        .all()
        .await
        .expect("count");
    assert_eq!(counts, [0], "count(column) skips nulls");
}

pub(super) async fn pass_a_where_clause_into_a_function(db: &Db) {
    insert_rita(db).await;
    assert_eq!(
        find_usernames(db, eq(UserTable.username, "rita")).await,
        ["rita"]
    );
    assert!(find_usernames(db, eq(UserTable.username, "nobody"))
        .await
        .is_empty());
}

pub(super) async fn pass_a_raw_sql_where_clause(db: &Db) {
    insert_rita(db).await;
    let rows = db
        .select()
        .from(UserTable)
        .where_(sql!("{} = {}", UserTable.username, "rita"))
        .all()
        .await
        .expect("select");
    assert_eq!(rows.len(), 1);
}

pub(super) async fn extend_a_where_with_a_callback(db: &Db) {
    insert_rita(db).await;
    async fn run<F, S, I>(db: &Db, extend: F) -> usize
    where
        F: FnOnce(Condition<UserTable>) -> Condition<S>,
        S: ving::drizzle::AppearsIn<UserTable, I>,
    {
        let where_ = extend(eq(UserTable.username, "rita"));
        db.select()
            .from(UserTable)
            .where_(where_)
            .all()
            .await
            .expect("select")
            .len()
    }
    assert_eq!(run(db, |c| and(c, eq(UserTable.admin, true))).await, 0);
    assert_eq!(run(db, |c| c).await, 1);
}

pub(super) async fn order_by_one_and_two_terms(db: &Db) {
    let mut joe = user("joe");
    joe.real_name = Some("Same".into());
    let mut ann = user("ann");
    ann.real_name = Some("Same".into());
    db.insert(UserTable)
        .values([user("rita"), joe, ann])
        .execute()
        .await
        .expect("insert");
    let by_name = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .order_by(desc(UserTable.username))
        .all()
        .await
        .expect("select");
    assert_eq!(by_name, ["rita", "joe", "ann"]);
    let two_terms = db
        .select_fields(UserTable.username)
        .from(UserTable)
        .order_by((asc(UserTable.real_name), desc(UserTable.username)))
        .all()
        .await
        .expect("select");
    assert_eq!(two_terms, ["rita", "joe", "ann"], "RITA sorts before Same");
}

pub(super) async fn group_by(db: &Db) {
    let mut joe = user("joe");
    joe.developer = Some(true);
    db.insert(UserTable)
        .values([user("rita"), user("ann"), joe])
        .execute()
        .await
        .expect("insert");
    let groups = db
        .select_fields((UserTable.developer, count()))
        .from(UserTable)
        .group_by(UserTable.developer)
        .order_by(asc(UserTable.developer))
        .all()
        .await
        .expect("group");
    assert_eq!(groups, [(false, 2), (true, 1)]);
    let big = db
        .select_fields((UserTable.developer, count()))
        .from(UserTable)
        .group_by(UserTable.developer)
        .having(gt(count(), 1))
        .all()
        .await
        .expect("having");
    assert_eq!(big, [(false, 2)]);
}

pub(super) fn first_only<'a, Q, S>(query: SelectQuery<'a, Q, S>) -> SelectQuery<'a, Q, S> {
    query.limit(1)
}

pub(super) async fn pass_an_unfinished_select_into_a_function(db: &Db) {
    db.insert(UserTable)
        .values([user("rita"), user("joe")])
        .execute()
        .await
        .expect("insert");
    let query = db.select().from(UserTable).order_by(asc(UserTable.id));
    let rows = first_only(query).all().await.expect("select");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].username, "rita");
}

pub(super) async fn limit_and_offset(db: &Db) {
    let users: Vec<UserInsert> = (0..7).map(|i| user(&format!("user{i}"))).collect();
    db.insert(UserTable)
        .values(users)
        .execute()
        .await
        .expect("insert");
    let page = |limit: Option<u64>, offset: u64| async move {
        let mut query = db
            .select_fields(UserTable.username)
            .from(UserTable)
            .order_by(asc(UserTable.id))
            .offset(offset);
        if let Some(limit) = limit {
            query = query.limit(limit);
        }
        query.all().await.expect("page").join(",")
    };
    assert_eq!(page(Some(3), 0).await, "user0,user1,user2");
    assert_eq!(page(Some(3), 3).await, "user3,user4,user5");
    assert_eq!(page(Some(3), 6).await, "user6");
    assert_eq!(
        page(None, 5).await,
        "user5,user6",
        "an offset without a limit"
    );
    assert_eq!(get_table_name(UserTable), "users");
}
