//! ving's paged `describeList`: the filters a list takes from a query string, the page of
//! records described, the parents preloaded, and the paging arithmetic ([`Paging`]).

use super::*;
use crate::schema::Owner;

impl<'e> Kind<'e> {
    /// The records of `find_many` (a deep, sorted page read by its keys first) and, when
    /// `counted`, on MySQL/MariaDB ([`crate::sql::Capabilities::count_in_page`]), how many
    /// records match `where` on every page, read with the page: its select (a deep page's,
    /// the select of its keys) is a `SELECT SQL_CALC_FOUND_ROWS`, and `FOUND_ROWS()`
    /// follows it on the same connection, so counting scans nothing of its own (the sort
    /// has read every matching row already). A deep page's rows are then read by their
    /// ids. `None` elsewhere: count them apart.
    pub(crate) async fn read_page(
        &self,
        where_: impl IntoWhere,
        options: &FindOptions,
        counted: bool,
    ) -> Result<(Vec<Record<'e>>, Option<i64>), Ouch> {
        let mut select = self.select();
        select.where_ = self.calc_where(where_)?.map(|w| w.0);
        select.order_by = self.order_terms(&options.order_by)?;
        select.limit = options.limit;
        select.offset = options.offset;
        let deep = options.offset.is_some_and(|o| o >= crate::sql::DEEP_PAGE)
            && !select.order_by.is_empty();
        let (table, id) = (self.table_name(), self.column("id")?.name);
        let executor = self.executor();
        let found = counted && executor.dialect().capabilities().count_in_page;
        if !deep {
            return self.fetch_counted_records(select, found).await;
        }
        if !found {
            return self
                .fetch_counted_records(keys_first(select, table, id), false)
                .await;
        }
        let keys = keys_of(&mut select, table, id);
        let (sql, params) = executor.dialect().render(Statement::Select(keys));
        let (ids, total) = fetch_found(executor, &sql, params, |row| row.get_i64(0)).await?;
        if ids.is_empty() {
            return Ok((Vec::new(), total));
        }
        // The rows of those ids (a row deleted since is left out), put in the keys' order
        // here rather than sorted again by the server.
        let list = ids.iter().map(|id| Expr::Param(Param::I64(Some(*id))));
        select.where_ = Some(Expr::InList {
            expr: Box::new(Expr::column(table, id)),
            list: list.collect(),
            negated: false,
        });
        select.order_by.clear();
        let (mut records, _) = self.fetch_counted_records(select, false).await?;
        let place: HashMap<i64, usize> = ids.iter().enumerate().map(|(at, id)| (*id, at)).collect();
        records.sort_by_key(|record| record.id().and_then(|id| place.get(&id).copied()));
        Ok((records, total))
    }

    /// Which props a list can be filtered on.
    pub fn describe_list_filter(&self) -> ListFilter {
        let mut filter = ListFilter::default();
        for prop in &self.schema().props {
            if prop.filter_query {
                filter.queryable.push(prop.name.clone());
            }
            if prop.filter_range {
                filter.ranged.push(prop.name.clone());
            }
            if prop.filter_qualifier {
                filter.qualifiers.push(prop.name.clone());
            }
        }
        filter
    }

    /// ving's `describeListWhere`: a REST query string (its pairs, in order) as a
    /// condition. `search` matches any `filterQuery` prop (case-insensitive, the text
    /// taken literally); `_start_<prop>`/`_end_<prop>` bound a `filterRange` prop (dates
    /// work, unlike in ving); a `filterQualifier` prop's name filters by value, with an
    /// optional `>=`, `<=`, `!=`, `<>`, `>` or `<` in front (a repeated key is the values
    /// joined by commas). Booleans are `true` only for `'true'`; ids are id strings (the
    /// integer too with `allowRealPubicId`). Other keys are ignored. `None` when nothing
    /// applies.
    ///
    /// Unlike ving, a list is filtered only by what `viewer` may see: the search skips
    /// props hidden from the viewer (matching nothing when every searched prop is), and a
    /// range or qualifier on a hidden prop is a 400 naming it, as an unknown prop would be.
    /// A search or filter holding a NUL character is a 400 (SQLite would end a search's
    /// pattern there; PostgreSQL's text cannot hold one).
    pub fn describe_list_where(
        &self,
        query: &[(String, String)],
        viewer: &Describe<'_>,
    ) -> Result<Option<Where>, Ouch> {
        let filter = self.describe_list_filter();
        let mut terms = Vec::new();
        let search = query
            .iter()
            .find(|(k, v)| k == "search" && !v.is_empty())
            .map(|(_, v)| v);
        if let Some(search) = search {
            // Only props the viewer may see are searched: a search must not tell a visitor
            // what a hidden prop holds. With none to search, nothing matches. (SQLite's
            // LIKE would end the pattern at a NUL and match every row: a 400.)
            let seen: Vec<&str> = (filter.queryable.iter())
                .filter(|prop| self.listable(prop, viewer))
                .map(String::as_str)
                .collect();
            let any = self.prop_contains(&seen, search)?;
            if !filter.queryable.is_empty() {
                terms.push(any.0);
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        for (key, _) in query {
            if seen.contains(&key.as_str()) {
                continue;
            }
            seen.push(key);
            let value = query
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join(",");
            let range = key
                .strip_prefix("_start_")
                .map(|p| (p, BinaryOp::Gte))
                .or_else(|| key.strip_prefix("_end_").map(|p| (p, BinaryOp::Lte)));
            if let Some((prop, op)) = range {
                if filter.ranged.iter().any(|r| r == prop) {
                    self.check_listable(prop, viewer, "filter")?;
                    let value = self.filter_value(prop, &value)?;
                    terms.push(Expr::binary(
                        self.column_expr(prop)?,
                        op,
                        Expr::Param(value),
                    ));
                }
                continue;
            }
            if !filter.qualifiers.iter().any(|q| q == key) || value.is_empty() {
                continue;
            }
            let (op, rest) = [
                (">=", BinaryOp::Gte),
                ("<=", BinaryOp::Lte),
                ("!=", BinaryOp::Ne),
                ("<>", BinaryOp::Ne),
                (">", BinaryOp::Gt),
                ("<", BinaryOp::Lt),
            ]
            .into_iter()
            .find_map(|(text, op)| {
                value
                    .strip_prefix(text)
                    .filter(|rest| !rest.is_empty())
                    .map(|rest| (op, rest))
            })
            .unwrap_or((BinaryOp::Eq, value.as_str()));
            self.check_listable(key, viewer, "filter")?;
            let param = self.filter_value(key, rest)?;
            terms.push(Expr::binary(self.column_expr(key)?, op, Expr::Param(param)));
        }
        Ok(match terms.len() {
            0 => None,
            1 => terms.pop().map(Where),
            _ => Some(Where(Expr::And(terms))),
        })
    }

    /// Records whose `props` hold `text` (taken literally, case ignored, on every
    /// database): ving's search. A text holding a NUL is a 400 (no stored text holds one).
    pub fn prop_contains(&self, props: &[&str], text: &str) -> Result<Where, Ouch> {
        if text.contains('\0') {
            return Err(Ouch::about(
                400,
                "search",
                "search: a search cannot hold a NUL character",
            ));
        }
        let pattern = format!("%{}%", crate::drizzle::escape_like(text));
        let any = props
            .iter()
            .map(|prop| {
                Ok(Expr::binary(
                    self.column_expr(prop)?,
                    BinaryOp::ILike,
                    Expr::Param(Param::String(Some(pattern.clone()))),
                ))
            })
            .collect::<Result<Vec<_>, Ouch>>()?;
        Ok(Where(Expr::Or(any)))
    }

    /// Whether `viewer` may see `prop` on every record of this kind — a public prop, a
    /// prop of one of the viewer's roles, an owner's prop when the viewer owns every
    /// record through one of the kind's owner roles (ving's `admin`), or any prop with
    /// `include.private`. Lists sort, search and filter only by such props.
    fn listable(&self, prop: &str, viewer: &Describe<'_>) -> bool {
        let schema = self.schema();
        let Some(at) = schema.props.iter().position(|p| p.name == prop) else {
            return false;
        };
        let owns_all = viewer.current_user.is_some_and(|user| {
            schema
                .owner
                .iter()
                .any(|owner| matches!(owner, Owner::Role(role) if user.is_role(role)))
        });
        self.info().viewers[at].see(viewer, owns_all)
    }

    /// ving's 400 for a prop a list cannot `how` (sort, filter) by: an unknown prop and a
    /// prop the viewer may not see get the same answer.
    pub(crate) fn check_listable(
        &self,
        prop: &str,
        viewer: &Describe<'_>,
        how: &str,
    ) -> Result<(), Ouch> {
        if self.listable(prop, viewer) {
            Ok(())
        } else {
            Err(Ouch::about(
                400,
                prop,
                format!("cannot {how} by {prop}: it is not a prop you may view"),
            ))
        }
    }

    /// A filter's text as the parameter of `prop`'s column.
    pub(super) fn filter_value(&self, prop: &str, text: &str) -> Result<Param, Ouch> {
        let column = self.column(prop)?;
        let schema_prop = self.schema().column_prop(prop);
        let value = match schema_prop {
            Some(p) if p.prop_type == PropType::Boolean => Value::from(text == "true"),
            Some(p) if p.prop_type == PropType::Id => match text.parse::<i64>() {
                Ok(id) if p.allow_real_public_id => Value::from(id),
                _ => Value::from(self.parse_prop_id(p, text)?),
            },
            Some(p) if p.prop_type == PropType::Int => {
                Value::from(super::super::value::whole_number_text(text).ok_or_else(|| {
                    Ouch::about(400, prop, format!("{prop}: {text} is not a whole number"))
                })?)
            }
            // No stored text holds a NUL (PostgreSQL's cannot; records refuse one).
            _ if text.contains('\0') => {
                let why = format!("{prop}: a filter cannot hold a NUL character");
                return Err(Ouch::about(400, prop, why));
            }
            _ => Value::from(text),
        };
        to_param(prop, &column.column_type, &value)
            .map_err(|_| Ouch::about(400, prop, format!("{prop}: {text} is not a valid value")))
    }
}

/// The last page a list shows (ving's documented range: 1..=1,000,000).
const MAX_PAGE: i64 = 1_000_000;

/// The most items a list counts over all pages (ving's default and its upper bound).
const MAX_ITEMS: i64 = 100_000_000_000;

/// ving's paging arithmetic: page 1..=1,000,000, itemsPerPage 1..=100 (else 10),
/// maxItems 1..=100,000,000,000; values out of range are clamped, never wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Records a page (1..=100, else 10).
    pub items_per_page: i64,
    /// The page (≥ 1).
    pub page: i64,
    /// The cap over all pages.
    pub max_items: i64,
}

impl Paging {
    /// The paging of the params, with ving's defaults.
    pub fn new(items_per_page: Option<i64>, page: Option<i64>, max_items: Option<i64>) -> Paging {
        Paging {
            items_per_page: items_per_page
                .filter(|n| (1..=100).contains(n))
                .unwrap_or(10),
            page: page.filter(|p| *p >= 1).unwrap_or(1).min(MAX_PAGE),
            max_items: max_items
                .filter(|m| *m > 0)
                .unwrap_or(MAX_ITEMS)
                .min(MAX_ITEMS),
        }
    }

    /// How many records this page shows at most; `None` when it is past `max_items`.
    pub fn items_this_page(&self) -> Option<i64> {
        let up_to = self.items_per_page.saturating_mul(self.page);
        let full_pages = self.max_items / self.items_per_page;
        if up_to - self.items_per_page >= self.max_items {
            None
        } else if self.page - full_pages == 1 {
            Some(self.items_per_page - (up_to - self.max_items))
        } else if self.page - full_pages > 1 {
            None
        } else {
            Some(self.items_per_page)
        }
    }

    /// `ceil(total / items_per_page)` (not capped by `max_items`, as in ving).
    pub fn total_pages(&self, total_items: i64) -> i64 {
        let total_items = total_items.max(0);
        total_items / self.items_per_page + i64::from(total_items % self.items_per_page != 0)
    }
}
