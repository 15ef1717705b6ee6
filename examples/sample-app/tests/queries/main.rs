//! ving's own query tests (its `users.drizzle.test.mjs`) and the regressions of "one query,
//! one answer", as one backend-neutral suite run once per backend — SQLite, MariaDB (with
//! byte-exact text and with the server's default, case-insensitive collation), PostgreSQL
//! — each test in a fresh database.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

use common::{setup, user};
use futures_util::StreamExt;
use ving::config::Backend;
use ving::drizzle::{
    and, asc, avg, between, count, count_of, desc, eq, escape_like, get_table_name, gt, gte, ilike,
    in_array, is_not_null, is_null, like, lt, lte, max, min, ne, not, not_ilike, not_in_array,
    not_like, or, sql, sum, Column, Condition, Db, Expr, NaiveDateTime, SelectQuery, Table,
};
use ving::testing::{Collation, TestDb};
use ving_sample_app::drizzle::schema::user::{AvatarType, UseAsDisplayName};
use ving_sample_app::drizzle::schema::{
    APIKeyInsert, APIKeyTable, S3FileInsert, S3FileTable, UserInsert, UserRow, UserTable,
};

async fn insert_rita(db: &Db) {
    let done = db
        .insert(UserTable)
        .values([user("rita")])
        .execute()
        .await
        .expect("insert");
    assert_eq!(done.rows_affected, 1);
}

async fn find_usernames(db: &Db, condition: Condition<UserTable>) -> Vec<String> {
    db.select_fields(UserTable.username)
        .from(UserTable)
        .where_(condition)
        .all()
        .await
        .expect("select")
}

per_backend!(
    db: [
        insert_a_user,
        select_by_username,
        count_star_via_sql,
        count_column_via_a_helper,
        pass_a_where_clause_into_a_function,
        pass_a_raw_sql_where_clause,
        extend_a_where_with_a_callback,
        order_by_one_and_two_terms,
        group_by,
        pass_an_unfinished_select_into_a_function,
        limit_and_offset,
        update,
        delete,
        insert_many_and_the_first_id,
        the_other_helpers,
        aggregates,
        joins,
        json_and_dates_round_trip,
        stream_rows,
        unique_violations_are_recognised,
        nulls_are_never_made_up,
        left_joined_columns_are_options,
        raw_fragments_keep_their_precedence,
        comparing_with_none_asks_is_null,
        enum_props_are_rust_enums,
        long_in_lists,
    ],
    test: [like_means_the_same_everywhere, text_with_a_nul],
);

mod select;
mod values;
mod writes;

use select::*;
use values::*;
use writes::*;
