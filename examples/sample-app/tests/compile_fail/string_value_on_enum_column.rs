use ving::drizzle::{eq, Db};
use ving_sample_app::drizzle::schema::UserTable;

// Enum props are Rust enums: compare with `UseAsDisplayName::RealName`, not text.
fn query(db: &Db) {
    let _ = db
        .select()
        .from(UserTable)
        .where_(eq(UserTable.use_as_display_name, "realName"));
}

fn main() {}
