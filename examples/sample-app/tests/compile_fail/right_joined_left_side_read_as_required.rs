use ving::drizzle::{eq, Db, DbError};
use ving_sample_app::drizzle::schema::{APIKeyTable, UserTable};

// After a right join, the earlier tables may be missing: their columns read as `Option`.
async fn names(db: &Db) -> Result<Vec<(String, String)>, DbError> {
    db.select_fields((APIKeyTable.name, UserTable.username))
        .from(APIKeyTable)
        .right_join(UserTable, eq(APIKeyTable.user_id, UserTable.id))
        .all()
        .await
}

fn main() {}
