use ving::drizzle::eq;
use ving_sample_app::drizzle::schema::S3FileTable;

fn main() {
    let _ = eq(S3FileTable.size_in_bytes, "big");
}
