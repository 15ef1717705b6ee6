//! `describeList`: a page of a kind's records, described — the paging, then each record
//! as [`Record::describe`] gives it, their related parents fetched a relation at a time.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::schema::RelationType;
use crate::sql::{Expr, Param};

use super::super::kind::{FindOptions, IntoWhere, ListParams, OrderBy, Paging};
use super::super::model::{Kind, Record};
use super::super::Ouch;

impl<'e> Kind<'e> {
    /// A page of records, described: ving's `describeList`. One count, one page query,
    /// and one query per relation in `object_params.related` (the parents of the whole
    /// page at once); on MariaDB the count is read in the page's query
    /// ([`crate::sql::Capabilities::count_in_page`]). `nextPage` is
    /// `min(page + 1, totalPages)` (at least 1), where ving
    /// gives the current page on the second-to-last one.
    pub async fn describe_list(
        &self,
        params: &ListParams<'_>,
        where_: impl IntoWhere,
    ) -> Result<Value, Ouch> {
        let (paging, records) = self.list_page(params, where_).await?;
        let mut items = Vec::with_capacity(records.len());
        for record in &records {
            items.push(record.describe(&params.object_params).await?);
        }
        let mut out = Map::new();
        out.insert("paging".into(), super::to_value(&paging)?);
        out.insert("items".into(), Value::Array(items));
        Ok(Value::Object(out))
    }

    /// The page [`Kind::describe_list`] gives, written to `out` as JSON (the same bytes
    /// as serializing its value), each record straight from its cells
    /// ([`Record::describe_to`]).
    pub async fn describe_list_to(
        &self,
        params: &ListParams<'_>,
        where_: impl IntoWhere,
        out: &mut Vec<u8>,
    ) -> Result<(), Ouch> {
        let (paging, records) = self.list_page(params, where_).await?;
        out.extend_from_slice(b"{\"paging\":");
        super::write_json(out, &paging)?;
        out.extend_from_slice(b",\"items\":[");
        for (i, record) in records.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            record.describe_to(&params.object_params, out).await?;
        }
        out.extend_from_slice(b"]}");
        Ok(())
    }

    /// The paging of a list and its page of records, their related parents loaded.
    async fn list_page(
        &self,
        params: &ListParams<'_>,
        where_: impl IntoWhere,
    ) -> Result<(PagingJson, Vec<Record<'e>>), Ouch> {
        let where_ = where_.into_where();
        // A prop sorted by again sorts nothing more: each is kept once, in its first place
        // (thousands of `sortBy`s would otherwise pass SQLite's limit on ORDER BY terms).
        let mut sort_by: Vec<&str> = Vec::with_capacity(params.sort_by.len().min(64));
        for prop in &params.sort_by {
            if !sort_by.contains(&prop.as_str()) {
                self.check_listable(prop, &params.object_params, "sort")?;
                sort_by.push(prop);
            }
        }
        let paging = Paging::new(params.items_per_page, params.page, params.max_items);
        let mut order_by: Vec<OrderBy> = if sort_by.is_empty() {
            vec![OrderBy::asc("createdAt")]
        } else {
            sort_by.iter().map(|p| OrderBy::asc(p)).collect()
        };
        if !order_by.iter().any(|o| o.prop == "id") {
            order_by.push(OrderBy::asc("id"));
        }
        for order in &mut order_by {
            order.descending = params.descending;
        }
        let mut records = Vec::new();
        let mut counted = None;
        if let Some(take) = paging.items_this_page() {
            let options = FindOptions {
                limit: Some(paging.items_per_page as u64),
                offset: Some((paging.items_per_page * (paging.page - 1)) as u64),
                order_by,
            };
            (records, counted) = self.read_page(where_.clone(), &options, true).await?;
            records.truncate(take as usize);
        }
        let total_items = match counted {
            Some(total) => total,
            None => self.count(where_).await?,
        };
        let total_pages = paging.total_pages(total_items);
        self.preload_parents(&mut records, &params.object_params.related)
            .await?;
        let json = PagingJson {
            page: paging.page,
            next_page: (paging.page + 1).min(total_pages.max(1)),
            previous_page: if paging.page < 2 { 1 } else { paging.page - 1 },
            items_per_page: paging.items_per_page,
            total_items,
            total_pages,
        };
        Ok((json, records))
    }

    /// Fetches the parents named in `related` for every record in one query a relation,
    /// into the records' parent caches.
    async fn preload_parents(
        &self,
        records: &mut [Record<'e>],
        related: &[String],
    ) -> Result<(), Ouch> {
        for name in related {
            let Some(prop) = self.schema().prop_with_relation(name) else {
                continue;
            };
            let Some(relation) = prop.relation.as_ref() else {
                continue;
            };
            if relation.relation_type != RelationType::Parent {
                continue;
            }
            let ids: Vec<i64> = records
                .iter()
                .filter_map(|r| r.get(&prop.name).and_then(Value::as_i64))
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            if ids.is_empty() {
                continue;
            }
            let parent_kind = self.kinds.kind(&relation.kind)?;
            let mut select = parent_kind.select();
            select.where_ = Some(Expr::InList {
                expr: Box::new(parent_kind.column_expr("id")?),
                list: ids
                    .iter()
                    .map(|id| Expr::Param(Param::I64(Some(*id))))
                    .collect(),
                negated: false,
            });
            let parents = parent_kind.fetch_records(select).await?;
            let by_id: HashMap<i64, Arc<Record<'e>>> = parents
                .into_iter()
                .filter_map(|p| Some((p.id()?, Arc::new(p))))
                .collect();
            for record in records.iter_mut() {
                if let Some(parent) = record
                    .get(&prop.name)
                    .and_then(Value::as_i64)
                    .and_then(|id| by_id.get(&id))
                {
                    record.cache_parent(name, parent.clone());
                }
            }
        }
        Ok(())
    }
}

/// The `paging` part of a list, as ving writes it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct PagingJson {
    page: i64,
    next_page: i64,
    previous_page: i64,
    items_per_page: i64,
    total_items: i64,
    total_pages: i64,
}
