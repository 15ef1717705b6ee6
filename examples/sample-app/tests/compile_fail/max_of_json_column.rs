use ving::drizzle::max;
use ving_sample_app::drizzle::schema::S3FileTable;

fn main() {
    let _ = max(S3FileTable.metadata);
}
