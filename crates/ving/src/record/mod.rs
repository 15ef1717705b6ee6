//! Records: ving's kinds and records (a kind is a table, a record a row), driven at run
//! time by the validated schemas and the table model — validation, privileges and
//! `describe` as ving does them.
//!
//! - [`Kinds`]: the kinds of an app on a pool or in a transaction (`kinds.on(&tx)`).
//! - [`Kind`]: `mint`, `create`, `create_and_verify`, `find`, `find_or_die`, `find_one`,
//!   `find_many`, `find_all` (a stream), `count`, `sum`/`avg`/`min`/`max`,
//!   `delete_many`, `calc_where`, `describe_list`, `describe_list_filter`.
//! - [`Record`]: `get`/`set`, `insert`, `update`, `delete`, `refresh`, `is_owner`,
//!   `can_edit`, `parent`, `children`, `prop_options`, `describe`, `set_posted_props`,
//!   `test_creation_props`.
//! - [`CurrentUser`]: who privileges are checked against; a User [`Record`] is one.
//! - [`Ouch`]: ving's errors (code, message, prop).
//!
//! # Examples
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use ving::record::{Describe, Kinds};
//! use ving::schema::{SchemaOptions, SchemaSet};
//! use ving::table::TableModel;
//!
//! let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sample-app/ving/schema/schemas");
//! let schemas = SchemaSet::load(&dir, &SchemaOptions::default()).unwrap();
//! let url = ving::config::DatabaseUrl::parse("sqlite::memory:").unwrap();
//! let db = ving::db::Db::connect(&url, std::path::Path::new(".")).await.unwrap();
//! db.create_tables(&TableModel::from_schemas(&schemas)).await.unwrap();
//! let codec = ving::id::IdCodec::new("11,22,33,44,55,66,77,88,99,111".parse().unwrap());
//! let kinds = Kinds::new(&schemas, &db, codec);
//! let users = kinds.kind("User").unwrap();
//! let mut props = serde_json::Map::new();
//! props.insert("username".into(), "warden".into());
//! props.insert("email".into(), "warden@shawshank.jail".into());
//! let warden = users.create(props).await.unwrap();
//! let json = warden.describe(&Describe::new()).await.unwrap();
//! assert_eq!(json["props"]["id"], "UservDKaLb1");
//! # });
//! ```

mod describe;
mod kind;
mod ouch;
#[allow(clippy::module_inception)]
mod record;
mod role;
mod validate;
mod value;

pub use describe::{link, Describe};
pub use kind::{
    DefaultFn, FindOptions, IntoWhere, Kind, Kinds, ListFilter, ListParams, OrderBy, Paging,
    RecordHooks, RecordId, Where,
};
pub use ouch::{status_message, Ouch};
pub use record::Record;
pub use role::{CurrentUser, SessionUser};
pub use value::{format_date, parse_date};
