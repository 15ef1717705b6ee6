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
//! - [`RecordHooks`]: what an app's record code overrides per kind (`describe`,
//!   `describe_links`, `describe_meta`, `set_posted_props`, `insert`, `update`,
//!   `delete`), calling `base_…` where ving calls `super`.
//! - ving's own kinds (`User`, `APIKey`, `CronJob`, `S3File`): what ving's record code
//!   for them does (a User's links and its API keys and files deleted with it, S3File's
//!   and CronJob's links, `privateKey`, `handlerOptions`) is the record layer's own for
//!   kinds of those names, read with a [`VingSettings`]; an app's hooks run after it.
//! - [`KindValue`], [`KindOf`], [`KindDef`], [`IntoProps`]: what `ving record` generates
//!   builds on — the kind value (`Users`: its table's columns, the raw builders on its
//!   table, typed `create`/`find…`), on the kinds an app [`install`]s or on any
//!   [`Kinds`] (`Users.on(&kinds)`).
//! - [`CurrentUser`]: who privileges are checked against; a User [`Record`] is one.
//! - [`Ouch`]: ving's errors (code, message, prop).
//!
//! The rooms, floor by floor: values, props' cells, `Ouch`, roles, links and the viewer
//! ([`Describe`], which props a viewer sees) at the bottom; above them a [`Kind`] (its
//! catalog, arguments and list filters, `kind/`) and a [`Record`] (`record.rs`, with
//! validation, posted props and passwords) — two types that hold each other, as a table
//! and its rows do (a record keeps its kind for its schema, executor and hooks; a kind
//! finds and makes records); at the top `describe/`, which reads both and writes ving's
//! JSON of a record (`mod.rs`) and of a page of them (`list.rs`).
//!
//! Values are held as ving holds them: a JSON map of prop name to value, ids as numbers,
//! dates as ving's ISO strings (`2025-04-09T22:31:46.000Z`, whole seconds as ving's
//! columns keep them), booleans as booleans and JSON props as JSON values on every
//! database. Rows are read and parameters bound by the table model's column types.
//!
//! # Where ving-rs differs from ving (its bugs, issue 9)
//!
//! - `uniqueQualifiers` is honoured (ving reads a misspelt key).
//! - A null id describes as `null`, not the id string of 0; a minted record's required
//!   parent id is `null`, not `''`.
//! - `include.related` with an empty parent gives `null`, not a 400.
//! - `set` and `set_posted_props` validate enum and boolean values (442, zod's wording);
//!   `set_posted_props` checks the rights on a parent before setting it, and parses an
//!   id string only for props the user may edit.
//! - `create_and_verify` without a required parent is a 441, not a database error.
//! - `find_many` with an offset and no limit works; a limit of 0 gives no records.
//! - Only role props (a user kind's boolean props) are roles.
//! - `describe_list`'s `nextPage` is `min(page + 1, totalPages)` (at least 1); the
//!   parents in `related` are read in one query for the whole page; an unknown `sortBy`
//!   prop is a 400, not bad SQL.
//! - Ids too big for an id string are an error in `describe`, not wrapped.
//! - `^parent` owners work; an unknown child relation is a 404; `insert` marks the record
//!   inserted only once the insert succeeded; `update` writes `autoUpdate` dates itself
//!   (in memory and in the database, at the second); `refresh` clears the dirty props.
//! - `describe_list_where`: date ranges work, the search text is taken literally and
//!   matches case-insensitively on every database.
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

mod date;
mod describe;
mod json_text;
mod kind;
mod link_plan;
mod links;
mod meta;
mod model;
mod ouch;
mod password;
mod posted;
mod props;
#[allow(clippy::module_inception)]
mod record;
mod role;
mod typed;
mod validate;
mod value;
#[cfg(feature = "rest")]
pub(crate) use value::whole_number;
mod viewer;
mod ving_kinds;
mod ving_settings;

pub use date::{format_date, parse_date};
pub use kind::{FindOptions, IntoWhere, ListFilter, ListParams, OrderBy, Paging, RecordId, Where};
pub use links::{href, link, Link, Links};
pub use meta::Meta;
pub use model::{DefaultFn, HookFuture, Kind, Kinds, Record, RecordHooks};
pub use ouch::{status_message, Ouch};
pub use password::{
    hash_password, is_password_hash, same_secret, test_password, verify_password, BCRYPT_COST,
};
pub use role::{CurrentUser, SessionUser};
pub use typed::{install, installed, IntoProps, KindDef, KindOf, KindValue};
#[cfg(feature = "rest")]
pub(crate) use value::js_prefixed_number;
pub use viewer::Describe;
pub use ving_kinds::{
    avatar_url, file_url, robohash_url, s3_folder_name, test_secret, test_user_password,
    thumbnail_url,
};
pub use ving_settings::{handler_options, private_key, VingSettings, JOB_HANDLERS};

/// A record's props by name, as ving holds them.
pub type PropMap = serde_json::Map<String, serde_json::Value>;
