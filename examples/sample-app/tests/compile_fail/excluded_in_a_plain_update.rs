use ving::drizzle::{excluded, Db};
use ving_sample_app::drizzle::schema::UserTable;

fn update(db: &Db) {
    let _ = db.update(UserTable).set(UserTable.real_name, excluded(UserTable.real_name));
}

fn main() {}
