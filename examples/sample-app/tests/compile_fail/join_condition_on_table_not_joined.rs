use ving::drizzle::{eq, Db};
use ving_sample_app::drizzle::schema::{APIKeyTable, S3FileTable, UserTable};

fn query(db: &Db) {
    let _ = db.select().from(UserTable).inner_join(APIKeyTable, eq(S3FileTable.user_id, UserTable.id));
}

fn main() {}
