//! Paged answers of the knowledge-graph API: the items of one page and the headers
//! `Total`, `Total-Pages`, `Per-Page`, `Page`, `Next-Page`, `Prev-Page` and `Link`
//! (`prev`, `next`, `first`, `last`).

use axum::Json;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

/// Characters escaped in query values.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The page number (from 1).
    pub page: usize,
    /// Items per page.
    pub per_page: usize,
    /// Items in the whole list.
    pub total: usize,
}

impl Page {
    /// The number of pages (at least 1).
    pub fn pages(&self) -> usize {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }

    /// The headers of this page; links point to `url` (without query) with `params` (the
    /// request's, `page` and `per_page` replaced).
    pub fn headers(&self, url: &str, params: &[(String, String)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let pages = self.pages();
        let mut set = |name: &'static str, value: String| {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), v);
            }
        };
        set("total", self.total.to_string());
        set("total-pages", pages.to_string());
        set("per-page", self.per_page.to_string());
        set("page", self.page.to_string());
        if self.page < pages {
            set("next-page", (self.page + 1).to_string());
        }
        if self.page > 1 {
            set("prev-page", (self.page - 1).min(pages).to_string());
        }
        let href = |page: usize| {
            let mut query: Vec<String> = params
                .iter()
                .filter(|(k, _)| k != "page" && k != "per_page")
                .map(|(k, v)| {
                    format!(
                        "{}={}",
                        utf8_percent_encode(k, QUERY_VALUE),
                        utf8_percent_encode(v, QUERY_VALUE)
                    )
                })
                .collect();
            query.push(format!("page={page}"));
            query.push(format!("per_page={}", self.per_page));
            format!("{url}?{}", query.join("&"))
        };
        let mut links = Vec::new();
        if self.page > 1 {
            links.push(format!(
                "<{}>; rel=\"prev\"",
                href((self.page - 1).min(pages))
            ));
        }
        if self.page < pages {
            links.push(format!("<{}>; rel=\"next\"", href(self.page + 1)));
        }
        links.push(format!("<{}>; rel=\"first\"", href(1)));
        links.push(format!("<{}>; rel=\"last\"", href(pages)));
        set("link", links.join(", "));
        headers
    }
}

/// The page `page` of `items` (`per_page` `None`: all items on one page).
pub fn slice(items: Vec<Value>, page: usize, per_page: Option<usize>) -> (Vec<Value>, Page) {
    let total = items.len();
    let per_page = per_page.unwrap_or(total.max(1));
    let start = per_page.saturating_mul(page.saturating_sub(1));
    let items: Vec<Value> = items.into_iter().skip(start).take(per_page).collect();
    (
        items,
        Page {
            page,
            per_page,
            total,
        },
    )
}

/// A JSON array with the paging headers.
pub fn respond(items: Vec<Value>, page: &Page, url: &str, params: &[(String, String)]) -> Response {
    (page.headers(url, params), Json(Value::Array(items))).into_response()
}

/// Like [`respond`], with the items already serialised as one JSON array.
pub fn respond_json_text(
    array: String,
    page: &Page,
    url: &str,
    params: &[(String, String)],
) -> Response {
    let mut response = (page.headers(url, params), array).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_of_a_middle_page() {
        let page = Page {
            page: 2,
            per_page: 10,
            total: 35,
        };
        let params = vec![
            ("query".to_string(), "a b&c".to_string()),
            ("page".to_string(), "2".to_string()),
        ];
        let h = page.headers("http://h/knowledge-graph/entities", &params);
        let get = |n: &str| {
            h.get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(get("total"), "35");
        assert_eq!(get("total-pages"), "4");
        assert_eq!(get("per-page"), "10");
        assert_eq!(get("page"), "2");
        assert_eq!(get("next-page"), "3");
        assert_eq!(get("prev-page"), "1");
        let link = get("link");
        assert!(link.contains("<http://h/knowledge-graph/entities?query=a%20b%26c&page=3&per_page=10>; rel=\"next\""), "{link}");
        assert!(link.contains("page=1&per_page=10>; rel=\"prev\""), "{link}");
        assert!(link.contains("page=4&per_page=10>; rel=\"last\""), "{link}");
    }

    #[test]
    fn first_and_only_pages() {
        let (items, page) = slice((0..3).map(Value::from).collect(), 1, None);
        assert_eq!(items.len(), 3);
        assert_eq!(page.pages(), 1);
        let h = page.headers("http://h/x", &[]);
        assert!(h.get("next-page").is_none());
        assert!(h.get("prev-page").is_none());
        let (items, page) = slice((0..3).map(Value::from).collect(), 2, Some(2));
        assert_eq!(items, vec![Value::from(2)]);
        assert_eq!(page.total, 3);
        let (items, page) = slice(Vec::new(), 1, None);
        assert!(items.is_empty());
        assert_eq!(page.pages(), 1);
    }
}
