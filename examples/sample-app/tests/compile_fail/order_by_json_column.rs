use ving::drizzle::asc;
use ving_sample_app::drizzle::schema::S3FileTable;

fn main() {
    let _ = asc(S3FileTable.metadata);
}
