use ving::drizzle::sum;
use ving_sample_app::drizzle::schema::UserTable;

fn main() {
    let _ = sum(UserTable.username);
}
