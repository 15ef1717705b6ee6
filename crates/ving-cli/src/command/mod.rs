//! One room per subcommand: each takes the project folder and its arguments and writes
//! to the given output, returning a [`Failure`] the shell prints.

use super::*;

mod database;
mod drizzle;
mod generate;
mod id;
mod record;
mod schema;
mod user;

pub(crate) use database::*;
pub(crate) use drizzle::*;
pub(crate) use generate::*;
pub(crate) use id::*;
pub(crate) use record::*;
pub(crate) use schema::*;
pub(crate) use user::*;
