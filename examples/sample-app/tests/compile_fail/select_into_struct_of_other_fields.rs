use ving::drizzle::{Db, DbError};
use ving_sample_app::drizzle::schema::UserTable;

ving::select_struct! {
    struct Named {
        username: String,
        admin: String,
    }
}

// The struct's fields must match the selection, in order and type.
async fn names(db: &Db) -> Result<Vec<Named>, DbError> {
    db.select_fields((UserTable.username, UserTable.admin))
        .from(UserTable)
        .all_as()
        .await
}

fn main() {}
