use ving::drizzle::Db;
use ving_sample_app::drizzle::schema::{APIKeyTable, UserTable};

async fn query(db: &Db) {
    let _ = db.select_fields(APIKeyTable.name).from(UserTable).all().await;
}

fn main() {}
