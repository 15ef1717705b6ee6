use ving::drizzle::{asc, Db};
use ving_sample_app::drizzle::schema::{APIKeyTable, UserTable};

fn query(db: &Db) {
    let _ = db.select().from(UserTable).order_by(asc(APIKeyTable.name));
}

fn main() {}
