//! The sample ving app: ving's four kinds (`User`, `APIKey`, `CronJob`, `S3File`), their
//! generated table definitions, their records, their REST routes (`ving record --rest`),
//! and the main job (`src/main.rs`).

pub mod drizzle {
    //! The data layer's generated code.
    pub mod schema;
}

pub mod record;
pub mod rest;
