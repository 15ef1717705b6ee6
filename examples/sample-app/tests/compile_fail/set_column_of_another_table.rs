use ving::drizzle::Db;
use ving_sample_app::drizzle::schema::{APIKeyTable, UserTable};

fn query(db: &Db) {
    let _ = db.update(UserTable).set(APIKeyTable.name, "deploy");
}

fn main() {}
