use ving::drizzle::sql;
use ving_sample_app::drizzle::schema::UserTable;

fn main() {
    let _ = sql!("{} = {}", UserTable.username);
}
