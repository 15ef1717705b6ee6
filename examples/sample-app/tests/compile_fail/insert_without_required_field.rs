use ving_sample_app::drizzle::schema::UserInsert;

// `bio` (mediumtext) has no database default: an insert must give it.
fn joe() -> UserInsert {
    UserInsert {
        username: Some("joe".into()),
        id: None,
        created_at: None,
        updated_at: None,
        email: None,
        real_name: None,
        password: None,
        password_type: None,
        use_as_display_name: None,
        verified_email: None,
        admin: None,
        developer: None,
        avatar_type: None,
        avatar_id: None,
    }
}

fn main() {}
