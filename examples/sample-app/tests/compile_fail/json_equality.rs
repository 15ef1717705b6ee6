use ving::drizzle::{eq, Db, JsonValue};
use ving_sample_app::drizzle::schema::S3FileTable;

// PostgreSQL compares jsonb by value, MySQL and SQLite compare JSON text: no `eq` on JSON.
fn query(db: &Db) {
    let _ = db
        .select()
        .from(S3FileTable)
        .where_(eq(S3FileTable.metadata, JsonValue::Null));
}

fn main() {}
