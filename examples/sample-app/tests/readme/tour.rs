use ving::drizzle::{and, asc, count, desc, eq, excluded, ilike, in_subquery, like, sql};
use ving::drizzle::{Db, DbError};
use ving_sample_app::drizzle::schema::{APIKeyInsert, APIKeyTable, UserInsert, UserTable};

pub async fn tour(db: &Db) -> Result<(), DbError> {
    let joe = UserInsert { username: Some("joe".into()), email: Some("joe@example.com".into()), ..UserInsert::new(String::new()) };
    let done = db.insert(UserTable).values([joe]).execute().await?;
    let id = done.insert_id.unwrap_or(0);
    db.insert(APIKeyTable).values([APIKeyInsert::new("https://x.io".into(), String::new(), id)]).execute().await?;
    let joe = db.select().from(UserTable).where_(eq(UserTable.id, id)).first().await?;
    let names: Vec<String> = db.select_fields(UserTable.username).from(UserTable)
        .where_(and(ilike(UserTable.email, "%@EXAMPLE.COM"), eq(UserTable.admin, false)))
        .order_by((asc(UserTable.real_name), desc(UserTable.id))).limit(10).all().await?;
    let per_role: Vec<(bool, i64)> = db.select_fields((UserTable.developer, count())).from(UserTable)
        .group_by(UserTable.developer).all().await?;
    let keys: Vec<(String, Option<String>)> = db.select_fields((UserTable.username, APIKeyTable.name))
        .from(UserTable).left_join(APIKeyTable, eq(APIKeyTable.user_id, UserTable.id)).all().await?;
    let with_keys = db.select().from(UserTable)
        .where_(in_subquery(UserTable.id, db.select_fields(APIKeyTable.user_id).from(APIKeyTable).values_for()))
        .all().await?;
    let changed = db.update(UserTable).set(UserTable.admin, true).where_(eq(UserTable.id, id)).execute().await?;
    let again = UserInsert { username: Some("joe".into()), real_name: Some("Joe".into()), ..UserInsert::new(String::new()) };
    db.insert(UserTable).values([again])
        .on_conflict_do_update(UserTable.username, |set| set.to(UserTable.real_name, excluded(UserTable.real_name)))
        .execute().await?;
    let tx = db.begin().await?;
    tx.delete(APIKeyTable).where_(eq(APIKeyTable.user_id, id)).execute().await?;
    tx.rollback().await?;                                        // or commit(); dropping rolls back
    let gone = db.delete(UserTable).where_(sql!("{} = {}", UserTable.username, "nobody")).execute().await?;
    let patterns = db.select().from(UserTable).where_(like(UserTable.username, "j%")).stream(); // constant memory
    assert!(joe.is_some() && names.len() == 1 && per_role.len() == 1 && keys.len() == 1);
    assert_eq!((with_keys.len(), changed, gone), (1, 1, 0));
    drop(patterns);
    Ok(())
}
