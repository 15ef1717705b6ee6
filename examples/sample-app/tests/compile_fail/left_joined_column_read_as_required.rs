use ving::drizzle::{eq, Db, DbError};
use ving_sample_app::drizzle::schema::{APIKeyTable, UserTable};

// The optional side of a left join reads as `Option`: a user without keys has no name.
async fn names(db: &Db) -> Result<Vec<(String, String)>, DbError> {
    db.select_fields((UserTable.username, APIKeyTable.name))
        .from(UserTable)
        .left_join(APIKeyTable, eq(APIKeyTable.user_id, UserTable.id))
        .all()
        .await
}

fn main() {}
