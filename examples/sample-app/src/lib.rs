//! The sample ving app: ving's four kinds (`User`, `APIKey`, `CronJob`, `S3File`), their
//! generated table definitions, and the main job (`src/main.rs`).

pub mod drizzle {
    //! The data layer's generated code.
    pub mod schema;
}
