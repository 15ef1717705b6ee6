use ving::drizzle::eq;
use ving_sample_app::drizzle::schema::UserTable;

fn main() {
    let _ = eq(UserTable.username, UserTable.admin);
}
