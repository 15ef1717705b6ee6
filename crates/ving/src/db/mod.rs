//! Connections: one sqlx pool per database, behind a type ving-rs owns (sqlx's `Any`
//! driver supports only the types every backend shares, so it is not used), and the
//! primitives every layer above runs SQL through: fetch, execute, stream, each logging
//! the query and its parameters when the URL says `?log=yes`.
//!
//! [`use_db`] gives the process's one pool, made on first use from the configuration of
//! the project in the current directory; [`Db::connect`] makes a pool from any URL.
//!
//! # Examples
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use ving::config::DatabaseUrl;
//! use ving::db::Db;
//!
//! let url = DatabaseUrl::parse("sqlite::memory:").unwrap();
//! let db = Db::connect(&url, std::path::Path::new(".")).await.unwrap();
//! db.ping().await.unwrap();
//! # });
//! ```

use std::path::Path;
use std::pin::Pin;
#[cfg(feature = "sqlite")]
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::{FutureExt, Stream, StreamExt};
#[cfg(feature = "mysql")]
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions, MySqlRow};
#[cfg(feature = "postgres")]
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
#[cfg(feature = "sqlite")]
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::ConnectOptions;
use tokio::sync::OnceCell;

use crate::config::{Backend, Config, ConfigError, DatabaseUrl};
use replicas::{ReadMode, RoundRobin, Routing};

use crate::sql::{dialect, Dialect, Param};

#[cfg(not(any(feature = "mysql", feature = "postgres", feature = "sqlite")))]
compile_error!("ving needs at least one of its features `mysql`, `postgres`, `sqlite`");

mod connect;
mod error;
mod held;
mod pool;
pub mod replicas;
mod row;
mod run;
mod stream;

pub use connect::use_db;
pub use error::*;
pub(crate) use held::{finished, Connection, Held};
pub(crate) use pool::FOUND_ROWS;
pub use pool::{Db, DbRow, ExecResult, Pool, CONNECT_TIMEOUT};
pub use row::*;
pub(crate) use run::*;
pub use stream::*;
