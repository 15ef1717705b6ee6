//! What a request's query string asks of a describe or a list, read as ving's
//! `includeParams` and `pagingParams` read it.

use crate::record::{CurrentUser, Describe, ListParams};

/// A query string's pairs, in order (a repeated key appears once for each value).
pub(crate) fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    query.map_or_else(Vec::new, |query| {
        url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
}

fn values<'q>(query: &'q [(String, String)], key: &'q str) -> impl Iterator<Item = &'q str> {
    query
        .iter()
        .filter(move |(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The one value of `key` (ving reads a repeated key as a list, which these params
/// ignore).
fn single<'q>(query: &'q [(String, String)], key: &'q str) -> Option<&'q str> {
    let mut found = values(query, key);
    match (found.next(), found.next()) {
        (Some(value), None) => Some(value),
        _ => None,
    }
}

/// The non-empty values of `key`: the names an include asks for.
fn named(query: &[(String, String)], key: &str) -> Vec<String> {
    let names: Vec<String> = values(query, key).map(str::to_owned).collect();
    match names.as_slice() {
        // One empty value is ving's `isNil`: nothing asked for. Given more than once the
        // values are a list, taken whole (names that are no relation add nothing, but the
        // describe has its `related` or `extra`).
        [one] if one.is_empty() => Vec::new(),
        _ => names,
    }
}

/// ving's `includeParams`: `includeOptions=true` (any case) for options, `includeLinks`
/// and `includeMeta` with any value but an empty one (ving's `isNil('')`: a bare
/// `?includeMeta` is off), `includeRelated` and `includeExtra` once or more (one empty
/// name asks for nothing; a list is taken whole, as ving takes it). There is no `includePrivate`: private props are never shown
/// to a client.
pub(crate) fn describe_params<'u>(
    query: &[(String, String)],
    user: Option<&'u dyn CurrentUser>,
) -> Describe<'u> {
    Describe {
        current_user: user,
        links: single(query, "includeLinks").is_some_and(|v| !v.is_empty()),
        options: single(query, "includeOptions").is_some_and(|v| v.eq_ignore_ascii_case("true")),
        meta: single(query, "includeMeta").is_some_and(|v| !v.is_empty()),
        private: false,
        related: named(query, "includeRelated"),
        extra: named(query, "includeExtra"),
    }
}

/// A number as JavaScript's `Number` reads a query value (`0x10` is 16), its whole part
/// (else the list's default).
fn number(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Some(number) = crate::record::js_prefixed_number(text) {
        return Some(number);
    }
    text.parse::<i64>().ok().or_else(|| {
        text.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| f as i64)
    })
}

/// ving's `describeListParams`: `itemsPerPage`, `page`, `sortBy` (once or more) and
/// `sortOrder` (`asc` or `desc`), then each record described as [`describe_params`].
pub(crate) fn list_params<'u>(
    query: &[(String, String)],
    user: Option<&'u dyn CurrentUser>,
) -> ListParams<'u> {
    let first = |key: &str| values(query, key).next().and_then(number);
    ListParams {
        items_per_page: first("itemsPerPage"),
        page: first("page"),
        sort_by: values(query, "sortBy")
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect(),
        descending: single(query, "sortOrder") == Some("desc"),
        max_items: None,
        object_params: describe_params(query, user),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_are_read_as_ving_reads_them() {
        let query = pairs(Some(
            "includeLinks=1&includeOptions=TRUE&includeRelated=user&includeRelated=&includeRelated=apikeys&includePrivate=true&includeMeta=1&includeMeta=2",
        ));
        let params = describe_params(&query, None);
        assert!(params.links && params.options && !params.private);
        assert!(
            !params.meta,
            "a repeated includeMeta is a list, which ving ignores"
        );
        assert_eq!(params.related, ["user", "", "apikeys"]);
        let params = describe_params(&pairs(Some("includeRelated=&includeExtra=")), None);
        assert!(params.related.is_empty() && params.extra.is_empty());
        let twice = pairs(Some(
            "includeRelated=&includeRelated=&includeExtra=&includeExtra=",
        ));
        let params = describe_params(&twice, None);
        assert_eq!((params.related.len(), params.extra.len()), (2, 2));
        let params = describe_params(&pairs(Some("includeOptions=yes")), None);
        assert!(!params.options && !params.links);
        let params = describe_params(
            &pairs(Some(
                "includeLinks&includeMeta=&includeOptions&includeRelated",
            )),
            None,
        );
        assert!(
            !params.links && !params.meta && !params.options && params.related.is_empty(),
            "an empty value is ving's isNil: off"
        );
    }

    #[test]
    fn paging_is_read_as_ving_reads_it() {
        let query = pairs(Some(
            "itemsPerPage=5&page=2.0&sortBy=username&sortBy=email&sortOrder=desc",
        ));
        let params = list_params(&query, None);
        assert_eq!(params.items_per_page, Some(5));
        assert_eq!(params.page, Some(2));
        assert_eq!(params.sort_by, ["username", "email"]);
        assert!(params.descending);
        let params = list_params(&pairs(Some("page=abc&sortOrder=down")), None);
        assert_eq!(params.page, None);
        assert!(!params.descending);
        // Bases as JavaScript's `Number` reads them; a sign before them is not a number.
        let params = list_params(&pairs(Some("itemsPerPage=0x10&page=0b11")), None);
        assert_eq!((params.items_per_page, params.page), (Some(16), Some(3)));
        let params = list_params(&pairs(Some("itemsPerPage=-0x10&page=0o")), None);
        assert_eq!((params.items_per_page, params.page), (None, None));
    }
}
