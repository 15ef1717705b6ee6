//! Rendering a statement tree to SQL text and parameters, through a [`Dialect`]. The
//! statement is consumed: its parameters move into the result without copies.

use std::fmt::Write as _;

use super::dialect::{LongLists, LONG_IN_LIST};
use super::{
    BinaryOp, Dialect, Expr, Insert, JoinKind, JoinTable, Nulls, OnConflict, OrderTerm, Param,
    ParamList, RawPart, RowLock, Select, Statement,
};
use crate::config::Backend;

/// SQL text being written, with the parameters bound so far.
struct Writer<'d, D: ?Sized> {
    dialect: &'d D,
    sql: String,
    params: Vec<Param>,
}

pub(super) fn render<D: Dialect + ?Sized>(
    dialect: &D,
    statement: Statement,
) -> (String, Vec<Param>) {
    let mut w = Writer {
        dialect,
        sql: String::with_capacity(128),
        params: Vec::new(),
    };
    match statement {
        Statement::Select(select) => w.select(select),
        Statement::Insert(insert) => w.insert(insert),
        Statement::Update(update) => {
            w.sql.push_str("UPDATE ");
            w.ident(update.table);
            w.sql.push_str(" SET ");
            w.assignments(update.set);
            w.where_clause(update.where_);
            w.returning(update.returning);
        }
        Statement::Raw(parts) => w.raw(parts),
        Statement::Delete(delete) => {
            w.sql.push_str("DELETE FROM ");
            w.ident(delete.table);
            w.where_clause(delete.where_);
            w.returning(delete.returning);
        }
    }
    (w.sql, w.params)
}

impl<D: Dialect + ?Sized> Writer<'_, D> {
    fn ident(&mut self, name: &str) {
        self.dialect.push_statement_name(&mut self.sql, name);
    }

    fn param(&mut self, param: Param) {
        self.params.push(param);
        match self.dialect.placeholder_prefix() {
            Some(prefix) => {
                self.sql.push(prefix);
                let _ = write!(self.sql, "{}", self.params.len());
            }
            None => self.sql.push('?'),
        }
    }

    fn list(&mut self, items: Vec<Expr>, separator: &str) {
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(separator);
            }
            self.expr(item);
        }
    }

    fn raw(&mut self, parts: Vec<RawPart>) {
        for part in parts {
            match part {
                RawPart::Text(text) => self.sql.push_str(&text),
                RawPart::Expr(expr) => self.expr(expr),
            }
        }
    }

    /// An operand of an operator: parenthesised unless it is atomic, so that a raw
    /// fragment such as `a = 1 OR b = 2` stays one operand.
    fn operand(&mut self, expr: Expr) {
        if expr.is_atomic() {
            self.expr(expr);
        } else {
            self.sql.push('(');
            self.expr(expr);
            self.sql.push(')');
        }
    }

    fn operands(&mut self, items: Vec<Expr>, separator: &str) {
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(separator);
            }
            self.operand(item);
        }
    }

    /// `expr ASC|DESC`, with NULLs where the term says on every dialect: PostgreSQL and
    /// SQLite spell `NULLS FIRST`/`NULLS LAST` where it differs from their own order;
    /// MySQL, which cannot, sorts by `expr IS NULL` first.
    fn order_term(&mut self, term: OrderTerm) {
        let direction = if term.descending { " DESC" } else { " ASC" };
        let nulls_smallest_natively = self.dialect.backend() != Backend::Postgres;
        let native = if nulls_smallest_natively {
            Nulls::smallest(term.descending)
        } else {
            Nulls::smallest(!term.descending)
        };
        match term.nulls {
            Some(nulls) if nulls != native => {
                if self.dialect.backend() == Backend::MySql {
                    self.operand(term.expr.clone());
                    self.sql.push_str(if nulls == Nulls::First {
                        " IS NULL DESC, "
                    } else {
                        " IS NULL ASC, "
                    });
                    self.expr(term.expr);
                    self.sql.push_str(direction);
                } else {
                    self.expr(term.expr);
                    self.sql.push_str(direction);
                    self.sql.push_str(if nulls == Nulls::First {
                        " NULLS FIRST"
                    } else {
                        " NULLS LAST"
                    });
                }
            }
            _ => {
                self.expr(term.expr);
                self.sql.push_str(direction);
            }
        }
    }

    /// `left op right`; pattern matches take `ESCAPE '\'` on every dialect, so a
    /// backslash in a pattern means the same everywhere.
    fn binary(&mut self, left: Expr, op: BinaryOp, right: Expr) {
        let right = match right {
            Expr::Param(Param::String(Some(pattern)))
                if op.is_like() && ends_in_lone_escape(&pattern) =>
            {
                // The three databases read a trailing escape three ways (an error, a
                // literal backslash, no match): refused before any of them.
                Expr::Param(Param::Refused(format!(
                    "the like pattern {pattern:?} ends in a lone \\, which escapes nothing: write \\\\ for a backslash (escape_like does)"
                )))
            }
            Expr::Param(Param::String(Some(pattern))) if op.is_like() && pattern.contains('\0') => {
                // SQLite ends a pattern at a NUL (matching every row); PostgreSQL refuses
                // NUL in text: refused before any of them.
                Expr::Param(Param::Refused(
                    "a like pattern holds a NUL character (\\0), which no backend matches alike: remove it".into(),
                ))
            }
            right => right,
        };
        let folded = matches!(op, BinaryOp::ILike | BinaryOp::NotILike)
            && !self.dialect.capabilities().ilike;
        if folded {
            // lower(a) LIKE lower(b)
            self.sql.push_str("lower(");
            self.expr(left);
            self.sql.push_str(if op == BinaryOp::ILike {
                ") LIKE lower("
            } else {
                ") NOT LIKE lower("
            });
            self.expr(right);
            self.sql.push(')');
        } else {
            self.operand(left);
            self.sql.push(' ');
            self.sql.push_str(op.as_sql());
            self.sql.push(' ');
            self.operand(right);
        }
        if op.is_like() {
            self.sql.push_str(" ESCAPE ");
            let escape = self.dialect.string_literal("\\");
            self.sql.push_str(&escape);
        }
    }

    fn expr(&mut self, expr: Expr) {
        match expr {
            Expr::Column { table, name } => {
                self.ident(table);
                self.sql.push('.');
                self.ident(name);
            }
            Expr::Param(param) => self.param(param),
            Expr::Bool(true) => self.sql.push_str("TRUE"),
            Expr::Bool(false) => self.sql.push_str("FALSE"),
            Expr::Binary { left, op, right } => self.binary(*left, op, *right),
            Expr::And(items) if items.is_empty() => self.sql.push_str("TRUE"),
            Expr::Or(items) if items.is_empty() => self.sql.push_str("FALSE"),
            Expr::And(items) => {
                self.sql.push('(');
                self.operands(items, " AND ");
                self.sql.push(')');
            }
            Expr::Or(items) => {
                self.sql.push('(');
                self.operands(items, " OR ");
                self.sql.push(')');
            }
            Expr::Not(inner) => {
                self.sql.push_str("NOT ");
                self.operand(*inner);
            }
            Expr::IsNull { expr, negated } => {
                self.operand(*expr);
                self.sql
                    .push_str(if negated { " IS NOT NULL" } else { " IS NULL" });
            }
            // Nothing is in an empty list.
            Expr::InList { list, negated, .. } if list.is_empty() => {
                self.sql.push_str(if negated { "TRUE" } else { "FALSE" });
            }
            Expr::InList {
                expr,
                list,
                negated,
            } if list.len() > LONG_IN_LIST && ParamList::gather(&list).is_some() => {
                if let Some(values) = ParamList::gather(&list) {
                    self.long_in_list(*expr, values, negated);
                }
            }
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                self.operand(*expr);
                self.sql
                    .push_str(if negated { " NOT IN (" } else { " IN (" });
                self.list(list, ", ");
                self.sql.push(')');
            }
            Expr::Between { expr, low, high } => {
                self.operand(*expr);
                self.sql.push_str(" BETWEEN ");
                self.operand(*low);
                self.sql.push_str(" AND ");
                self.operand(*high);
            }
            Expr::Aggregate { function, arg } => {
                let argument = match arg {
                    None => "*".to_owned(),
                    Some(arg) => {
                        let mut inner = Writer {
                            dialect: self.dialect,
                            sql: String::new(),
                            params: std::mem::take(&mut self.params),
                        };
                        inner.expr(*arg);
                        self.params = inner.params;
                        inner.sql
                    }
                };
                let call = self.dialect.aggregate(function, &argument);
                self.sql.push_str(&call);
            }
            Expr::Raw(parts) => self.raw(parts),
            Expr::Excluded(column) => {
                if self.dialect.capabilities().on_duplicate_key {
                    self.sql.push_str("VALUES(");
                    self.ident(column);
                    self.sql.push(')');
                } else {
                    self.sql.push_str("excluded.");
                    self.ident(column);
                }
            }
            Expr::Subquery(select) => self.subquery(*select),
            Expr::Exists { select, negated } => {
                self.sql
                    .push_str(if negated { "NOT EXISTS " } else { "EXISTS " });
                self.subquery(*select);
            }
            Expr::InSubquery {
                expr,
                select,
                negated,
            } => {
                self.operand(*expr);
                self.sql.push_str(if negated { " NOT IN " } else { " IN " });
                let limited = select.limit.is_some() || select.offset.is_some();
                if limited && self.dialect.backend() == Backend::MySql {
                    // MySQL/MariaDB refuse LIMIT in an IN subquery (1235), not in a
                    // derived table: the same rows, one level down.
                    self.sql.push_str("(SELECT * FROM ");
                    self.subquery(*select);
                    self.sql.push_str(" AS ");
                    self.ident("in_subquery");
                    self.sql.push(')');
                } else {
                    self.subquery(*select);
                }
            }
        }
    }

    fn assignments(&mut self, set: Vec<(&'static str, Expr)>) {
        for (i, (column, value)) in set.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.ident(column);
            self.sql.push_str(" = ");
            self.expr(value);
        }
    }

    fn returning(&mut self, exprs: Vec<Expr>) {
        if !exprs.is_empty() {
            self.sql.push_str(" RETURNING ");
            self.list(exprs, ", ");
        }
    }

    /// A subquery, in parentheses, with its parameters numbered after the outer ones.
    fn subquery(&mut self, select: Select) {
        self.sql.push('(');
        self.select(select);
        self.sql.push(')');
    }

    /// An `IN` list bound as one parameter (see [`LongLists`]).
    fn long_in_list(&mut self, expr: Expr, values: ParamList, negated: bool) {
        match self.dialect.capabilities().long_lists {
            LongLists::Array => {
                self.operand(expr);
                self.sql
                    .push_str(if negated { " <> ALL(" } else { " = ANY(" });
                self.param(Param::Array(values));
                self.sql.push(')');
            }
            LongLists::JsonEach => {
                self.operand(expr);
                self.sql.push_str(if negated {
                    " NOT IN (SELECT value FROM json_each("
                } else {
                    " IN (SELECT value FROM json_each("
                });
                self.param(Param::String(Some(values.to_json())));
                self.sql.push_str("))");
            }
            LongLists::JsonTable => {
                self.operand(expr);
                self.sql.push_str(if negated {
                    " NOT IN (SELECT v FROM JSON_TABLE("
                } else {
                    " IN (SELECT v FROM JSON_TABLE("
                });
                let kind = values.mysql_type();
                self.param(Param::String(Some(values.to_json())));
                let _ = write!(
                    self.sql,
                    ", '$[*]' COLUMNS (v {kind} PATH '$')) AS ving_list)"
                );
            }
        }
    }

    fn where_clause(&mut self, condition: Option<Expr>) {
        if let Some(condition) = condition {
            self.sql.push_str(" WHERE ");
            self.expr(condition);
        }
    }

    fn table_as(&mut self, table: &str, alias: Option<&str>) {
        self.ident(table);
        if let Some(alias) = alias {
            self.sql.push_str(" AS ");
            self.ident(alias);
        }
    }

    fn select(&mut self, select: Select) {
        self.sql.push_str(if select.distinct {
            "SELECT DISTINCT "
        } else {
            "SELECT "
        });
        self.list(select.fields, ", ");
        self.sql.push_str(" FROM ");
        self.table_as(select.from, select.from_alias);
        for join in select.joins {
            self.sql.push_str(match join.kind {
                JoinKind::Inner => " INNER JOIN ",
                JoinKind::Left => " LEFT JOIN ",
                JoinKind::Right => " RIGHT JOIN ",
                JoinKind::Full => " FULL JOIN ",
            });
            match join.table {
                JoinTable::Named(table) => self.table_as(table, join.alias),
                JoinTable::Select(rows) => {
                    self.subquery(*rows);
                    self.sql.push_str(" AS ");
                    self.ident(join.alias.unwrap_or("rows"));
                }
            }
            self.sql.push_str(" ON ");
            self.expr(join.on);
        }
        self.where_clause(select.where_);
        if !select.group_by.is_empty() {
            self.sql.push_str(" GROUP BY ");
            self.list(select.group_by, ", ");
        }
        if let Some(having) = select.having {
            self.sql.push_str(" HAVING ");
            self.expr(having);
        }
        for (i, term) in select.order_by.into_iter().enumerate() {
            self.sql.push_str(if i == 0 { " ORDER BY " } else { ", " });
            self.order_term(term);
        }
        if let Some(parts) = self.dialect.limit_offset(select.limit, select.offset) {
            self.sql.push(' ');
            self.raw(parts);
        }
        // SQLite has no row locks: its writing transactions hold the whole database.
        if let Some(lock) = select
            .lock
            .filter(|_| self.dialect.capabilities().row_locks)
        {
            self.sql
                .push_str(match (lock, self.dialect.capabilities().on_duplicate_key) {
                    (RowLock::Update, _) => " FOR UPDATE",
                    (RowLock::Share, true) => " LOCK IN SHARE MODE",
                    (RowLock::Share, false) => " FOR SHARE",
                });
        }
    }

    /// `ON CONFLICT (target) DO UPDATE SET …` / `DO NOTHING`; MySQL's
    /// `ON DUPLICATE KEY UPDATE …` (doing nothing is assigning a column to itself).
    fn on_conflict(&mut self, conflict: OnConflict, columns: &[&'static str]) {
        if self.dialect.capabilities().on_duplicate_key {
            self.sql.push_str(" ON DUPLICATE KEY UPDATE ");
            if conflict.update.is_empty() {
                let column = conflict.target.first().or(columns.first()).copied();
                let column = column.unwrap_or("id");
                self.ident(column);
                self.sql.push_str(" = ");
                self.ident(column);
            } else {
                self.assignments(conflict.update);
            }
            return;
        }
        self.sql.push_str(" ON CONFLICT");
        if !conflict.target.is_empty() {
            self.sql.push_str(" (");
            for (i, column) in conflict.target.iter().enumerate() {
                if i > 0 {
                    self.sql.push_str(", ");
                }
                self.ident(column);
            }
            self.sql.push(')');
        }
        if conflict.update.is_empty() {
            self.sql.push_str(" DO NOTHING");
        } else {
            self.sql.push_str(" DO UPDATE SET ");
            self.assignments(conflict.update);
        }
    }

    fn insert(&mut self, insert: Insert) {
        self.sql.push_str("INSERT INTO ");
        self.ident(insert.table);
        if insert.columns.is_empty() && !self.dialect.capabilities().insert_default_keyword {
            self.sql.push_str(" DEFAULT VALUES");
        } else {
            self.sql.push_str(" (");
            for (i, column) in insert.columns.iter().enumerate() {
                if i > 0 {
                    self.sql.push_str(", ");
                }
                self.ident(column);
            }
            self.sql.push_str(") VALUES ");
            for (r, row) in insert.rows.into_iter().enumerate() {
                if r > 0 {
                    self.sql.push_str(", ");
                }
                self.sql.push('(');
                for (i, value) in row.into_iter().enumerate() {
                    if i > 0 {
                        self.sql.push_str(", ");
                    }
                    self.param(value);
                }
                self.sql.push(')');
            }
        }
        if let Some(conflict) = insert.on_conflict {
            self.on_conflict(conflict, &insert.columns);
        }
        self.returning(insert.returning);
    }
}

/// Whether `pattern` ends in an escape character (`\`) that escapes nothing: an odd run
/// of backslashes at its end.
fn ends_in_lone_escape(pattern: &str) -> bool {
    let run = pattern.bytes().rev().take_while(|&b| b == b'\\').count();
    run % 2 == 1
}
