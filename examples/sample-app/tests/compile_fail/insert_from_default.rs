use ving_sample_app::drizzle::schema::UserInsert;

// No `Default` for an insert with required fields: start from `UserInsert::new(bio)`.
fn joe() -> UserInsert {
    UserInsert {
        username: Some("joe".into()),
        ..Default::default()
    }
}

fn main() {}
