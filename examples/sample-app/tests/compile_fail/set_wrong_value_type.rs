use ving::drizzle::Db;
use ving_sample_app::drizzle::schema::UserTable;

fn query(db: &Db) {
    let _ = db.update(UserTable).set(UserTable.admin, "yes");
}

fn main() {}
