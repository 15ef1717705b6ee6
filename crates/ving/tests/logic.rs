//! Property test: random conditions (and/or/not over eq, ne, lt, like, is_null, in_array,
//! not_in_array, between and raw `sql!` fragments), evaluated by each database and by a
//! Rust model of SQL's three-valued logic, select the same rows — on SQLite, MariaDB and
//! PostgreSQL. Proves that operands keep their precedence (raw fragments included), that
//! comparing with `None` asks `IS NULL`, and that `LIKE` escapes alike everywhere.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use ving::config::Backend;
use ving::drizzle::{
    and, between, eq, in_array, is_not_null, is_null, like, lt, ne, not, not_in_array, or, sql,
    BackendRow, Column, Condition, Db, FromRow, InsertRow, Param, Table,
};
use ving::testing::TestDb;

#[derive(Debug, Clone, Copy)]
struct CaseTable {
    id: Column<CaseTable, i64>,
    a: Column<CaseTable, Option<i32>>,
    b: Column<CaseTable, Option<i32>>,
    s: Column<CaseTable, Option<String>>,
}

#[allow(non_upper_case_globals)]
const CaseTable: CaseTable = CaseTable {
    id: Column::new("id"),
    a: Column::new("a"),
    b: Column::new("b"),
    s: Column::new("s"),
};

#[derive(Debug, Clone, PartialEq)]
struct CaseRow {
    id: i64,
    a: Option<i32>,
    b: Option<i32>,
    s: Option<String>,
}

impl FromRow for CaseRow {
    fn from_row<R: BackendRow + ?Sized>(row: &R, index: &mut usize) -> Result<Self, sqlx::Error> {
        use ving::drizzle::Value;
        let start = *index;
        *index += 4;
        Ok(CaseRow {
            id: Value::decode(row, start)?,
            a: Value::decode(row, start + 1)?,
            b: Value::decode(row, start + 2)?,
            s: Value::decode(row, start + 3)?,
        })
    }
}

impl InsertRow for CaseRow {
    fn into_values(self, columns: &mut Vec<&'static str>, values: &mut Vec<Param>) {
        use ving::drizzle::Value;
        columns.extend(["id", "a", "b", "s"]);
        values.extend([
            self.id.into_param(),
            self.a.into_param(),
            self.b.into_param(),
            self.s.into_param(),
        ]);
    }
}

impl Table for CaseTable {
    const NAME: &'static str = "cases";
    const KIND: &'static str = "Case";
    const COLUMNS: &'static [&'static str] = &["id", "a", "b", "s"];
    const PRIMARY_KEY: Option<&'static str> = None;
    type Row = CaseRow;
    type Insert = CaseRow;
}

const INTS: [Option<i32>; 4] = [None, Some(0), Some(1), Some(2)];
const TEXTS: [Option<&str>; 6] = [
    None,
    Some("a"),
    Some("ab"),
    Some("a%b"),
    Some("b_"),
    Some("a\\b"),
];

/// Every combination of values: 4 × 4 × 6 rows.
fn rows() -> Vec<CaseRow> {
    let mut rows = Vec::new();
    for a in INTS {
        for b in INTS {
            for s in TEXTS {
                rows.push(CaseRow {
                    id: rows.len() as i64 + 1,
                    a,
                    b,
                    s: s.map(str::to_owned),
                });
            }
        }
    }
    rows
}

#[derive(Debug, Clone, Copy)]
enum Int {
    A,
    B,
}

/// A condition, as generated.
#[derive(Debug, Clone)]
enum Cond {
    Eq(Int, Option<i32>),
    Ne(Int, Option<i32>),
    Lt(Int, Option<i32>),
    Like(String),
    IsNull(Int),
    IsNotNull(Int),
    In(Int, Vec<Option<i32>>),
    NotIn(Int, Vec<Option<i32>>),
    Between(Int, i32, i32),
    /// `a = x OR b = y`, written as a raw fragment.
    RawEither(i32, i32),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
}

fn int() -> impl Strategy<Value = Int> {
    prop_oneof![Just(Int::A), Just(Int::B)]
}

fn value() -> impl Strategy<Value = Option<i32>> {
    prop_oneof![Just(None), (0..3).prop_map(Some)]
}

fn pattern() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("a"),
            Just("b"),
            Just("%"),
            Just("_"),
            Just("\\%"),
            Just("\\_"),
            Just("\\\\")
        ],
        0..4,
    )
    .prop_map(|parts| parts.concat())
}

fn condition() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        (int(), value()).prop_map(|(c, v)| Cond::Eq(c, v)),
        (int(), value()).prop_map(|(c, v)| Cond::Ne(c, v)),
        (int(), value()).prop_map(|(c, v)| Cond::Lt(c, v)),
        pattern().prop_map(Cond::Like),
        int().prop_map(Cond::IsNull),
        int().prop_map(Cond::IsNotNull),
        (int(), proptest::collection::vec(value(), 0..3)).prop_map(|(c, v)| Cond::In(c, v)),
        (int(), proptest::collection::vec(value(), 0..3)).prop_map(|(c, v)| Cond::NotIn(c, v)),
        (int(), 0..3, 0..3).prop_map(|(c, l, h)| Cond::Between(c, l, h)),
        (0..3, 0..3).prop_map(|(x, y)| Cond::RawEither(x, y)),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(x, y)| Cond::And(Box::new(x), Box::new(y))),
            (inner.clone(), inner.clone()).prop_map(|(x, y)| Cond::Or(Box::new(x), Box::new(y))),
            inner.prop_map(|x| Cond::Not(Box::new(x))),
        ]
    })
}

fn column(c: Int) -> Column<CaseTable, Option<i32>> {
    match c {
        Int::A => CaseTable.a,
        Int::B => CaseTable.b,
    }
}

/// The condition as the builder writes it.
fn build(cond: &Cond) -> Condition<CaseTable> {
    match cond {
        Cond::Eq(c, v) => eq(column(*c), *v),
        Cond::Ne(c, v) => ne(column(*c), *v),
        Cond::Lt(c, v) => lt(column(*c), *v),
        Cond::Like(p) => like(CaseTable.s, p.as_str()),
        Cond::IsNull(c) => is_null(column(*c)),
        Cond::IsNotNull(c) => is_not_null(column(*c)),
        Cond::In(c, v) => in_array(column(*c), v.clone()),
        Cond::NotIn(c, v) => not_in_array(column(*c), v.clone()),
        Cond::Between(c, l, h) => between(column(*c), Some(*l), Some(*h)),
        Cond::RawEither(x, y) => sql!("{} = {} OR {} = {}", CaseTable.a, *x, CaseTable.b, *y)
            .typed::<bool>()
            .within(CaseTable),
        Cond::And(x, y) => and(build(x), build(y)).within(CaseTable),
        Cond::Or(x, y) => or(build(x), build(y)).within(CaseTable),
        Cond::Not(x) => not(build(x)).within(CaseTable),
    }
}

fn get(row: &CaseRow, c: Int) -> Option<i32> {
    match c {
        Int::A => row.a,
        Int::B => row.b,
    }
}

fn and3(x: Option<bool>, y: Option<bool>) -> Option<bool> {
    match (x, y) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or3(x: Option<bool>, y: Option<bool>) -> Option<bool> {
    match (x, y) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// SQL `LIKE` with `ESCAPE '\'`, case-sensitive.
fn like_matches(text: &[char], pattern: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('%', rest)) => (0..=text.len()).any(|i| like_matches(&text[i..], rest)),
        Some(('_', rest)) => !text.is_empty() && like_matches(&text[1..], rest),
        Some(('\\', rest)) if !rest.is_empty() => {
            text.first() == rest.first() && like_matches(&text[1..], &rest[1..])
        }
        Some((c, rest)) => text.first() == Some(c) && like_matches(&text[1..], rest),
    }
}

fn in3(value: Option<i32>, list: &[Option<i32>], negated: bool) -> Option<bool> {
    let present: Vec<i32> = list.iter().flatten().copied().collect();
    let missing = present.len() < list.len();
    // SQL's IN over the values given; an empty list is FALSE (NOT IN: TRUE).
    let plain = if present.is_empty() {
        Some(negated)
    } else {
        value.map(|v| present.contains(&v) != negated)
    };
    match (missing, negated) {
        (false, _) => plain,
        (true, false) => or3(plain, Some(value.is_none())),
        (true, true) => and3(plain, Some(value.is_some())),
    }
}

/// The model: what SQL's three-valued logic makes of the condition on one row.
fn eval(cond: &Cond, row: &CaseRow) -> Option<bool> {
    match cond {
        Cond::Eq(c, None) => Some(get(row, *c).is_none()),
        Cond::Ne(c, None) => Some(get(row, *c).is_some()),
        Cond::Eq(c, Some(v)) => get(row, *c).map(|x| x == *v),
        Cond::Ne(c, Some(v)) => get(row, *c).map(|x| x != *v),
        Cond::Lt(c, v) => match (get(row, *c), v) {
            (Some(x), Some(v)) => Some(x < *v),
            _ => None,
        },
        Cond::Like(p) => {
            let pattern: Vec<char> = p.chars().collect();
            row.s.as_ref().map(|s| {
                let text: Vec<char> = s.chars().collect();
                like_matches(&text, &pattern)
            })
        }
        Cond::IsNull(c) => Some(get(row, *c).is_none()),
        Cond::IsNotNull(c) => Some(get(row, *c).is_some()),
        Cond::In(c, list) => in3(get(row, *c), list, false),
        Cond::NotIn(c, list) => in3(get(row, *c), list, true),
        Cond::Between(c, l, h) => get(row, *c).map(|x| *l <= x && x <= *h),
        Cond::RawEither(x, y) => or3(row.a.map(|a| a == *x), row.b.map(|b| b == *y)),
        Cond::And(x, y) => and3(eval(x, row), eval(y, row)),
        Cond::Or(x, y) => or3(eval(x, row), eval(y, row)),
        Cond::Not(x) => eval(x, row).map(|v| !v),
    }
}

async fn ids_where(db: &Db, cond: &Cond) -> Vec<i64> {
    db.select_fields(CaseTable.id)
        .from(CaseTable)
        .where_(build(cond))
        .order_by(CaseTable.id)
        .all()
        .await
        .unwrap_or_else(|e| panic!("{cond:?}: {e}"))
}

fn agree_with_the_model(backend: Backend) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let Some(test) = runtime.block_on(TestDb::fresh_or_skip(backend)) else {
        return;
    };
    let db = test.db();
    let id_type = if backend == Backend::Sqlite {
        "integer"
    } else {
        "bigint"
    };
    let text_type = if backend == Backend::Postgres {
        "text"
    } else {
        "varchar(10)"
    };
    let table = rows();
    runtime.block_on(async {
        db.execute_script(&format!(
            "CREATE TABLE cases (id {id_type} PRIMARY KEY, a int NULL, b int NULL, s {text_type} NULL)"
        ))
        .await
        .expect("create");
        db.insert(CaseTable)
            .values(table.clone())
            .execute()
            .await
            .expect("rows");
    });
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    let mut runner = TestRunner::new(Config::with_cases(cases));
    let result = runner.run(&condition(), |cond| {
        let expected: Vec<i64> = table
            .iter()
            .filter(|row| eval(&cond, row) == Some(true))
            .map(|row| row.id)
            .collect();
        let got = runtime.block_on(ids_where(db, &cond));
        prop_assert_eq!(got, expected, "{:?} on {}", cond, backend);
        Ok(())
    });
    runtime.block_on(test.cleanup());
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

#[test]
fn sqlite_agrees_with_three_valued_logic() {
    agree_with_the_model(Backend::Sqlite);
}

#[test]
fn mariadb_agrees_with_three_valued_logic() {
    agree_with_the_model(Backend::MySql);
}

#[test]
fn postgres_agrees_with_three_valued_logic() {
    agree_with_the_model(Backend::Postgres);
}
