use ving::drizzle::like;
use ving_sample_app::drizzle::schema::S3FileTable;

fn main() {
    let _ = like(S3FileTable.size_in_bytes, 5);
}
