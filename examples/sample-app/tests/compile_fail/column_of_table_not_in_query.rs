use ving::drizzle::{eq, Db};
use ving_sample_app::drizzle::schema::{APIKeyTable, UserTable};

fn query(db: &Db) {
    let _ = db.select().from(UserTable).where_(eq(APIKeyTable.name, "deploy"));
}

fn main() {}
