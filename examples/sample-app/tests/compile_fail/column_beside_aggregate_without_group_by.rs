use ving::drizzle::{count, Db};
use ving_sample_app::drizzle::schema::UserTable;

// A column beside an aggregate has no one answer without `group_by` (PostgreSQL refuses
// the query; MySQL and SQLite would answer with any row's value): it does not compile.
async fn loose(db: &Db) {
    let _ = db
        .select_fields((UserTable.username, count()))
        .from(UserTable)
        .all()
        .await;
}

// With a `group_by`, and with aggregates alone, it does.
async fn grouped(db: &Db) {
    let _ = db
        .select_fields((UserTable.username, count()))
        .from(UserTable)
        .group_by(UserTable.username)
        .all()
        .await;
    let _ = db.select_fields(count()).from(UserTable).all().await;
}

fn main() {
    let _ = (loose, grouped);
}
