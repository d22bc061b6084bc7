//! `/sparql`: a read-only SPARQL 1.1 protocol endpoint over the graphs the caller may see
//! (public projects, the caller's projects, everything for administrators). The default
//! graph is the union of those graphs; `GRAPH`, `FROM` and `FROM NAMED` range over them only.
//! Queries run within a time limit and answers hold a bounded number of results.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::NamedNode;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};

use super::kg::visible_projects;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, blocking};
use crate::kg::store::{GraphStoreError, ProtocolDataset, QueryAnswer, QueryLimits};
use crate::state::AppState;

/// Answer formats of `SELECT`/`ASK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResultsFormat {
    Json,
    Xml,
    Csv,
    Tsv,
}

/// Answer formats of `CONSTRUCT`/`DESCRIBE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GraphFormat {
    Turtle,
    NTriples,
    RdfXml,
    JsonLd,
}

/// The media types of `Accept`, best first.
fn accepted(headers: &HeaderMap) -> Vec<String> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Vec::new();
    };
    let mut types: Vec<(f32, usize, String)> = accept
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let media = pieces.next()?.trim().to_ascii_lowercase();
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (q > 0.0 && !media.is_empty()).then_some((q, i, media))
        })
        .collect();
    types.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    types.into_iter().map(|(_, _, m)| m).collect()
}

fn results_format(headers: &HeaderMap) -> ResultsFormat {
    for media in accepted(headers) {
        let format = match media.as_str() {
            "application/sparql-results+json" | "application/json" => ResultsFormat::Json,
            "application/sparql-results+xml" | "application/xml" | "text/xml" => ResultsFormat::Xml,
            "text/csv" => ResultsFormat::Csv,
            "text/tab-separated-values" => ResultsFormat::Tsv,
            "*/*" | "application/*" => ResultsFormat::Json,
            _ => continue,
        };
        return format;
    }
    ResultsFormat::Json
}

fn graph_format(headers: &HeaderMap) -> GraphFormat {
    for media in accepted(headers) {
        let format = match media.as_str() {
            "text/turtle" | "application/x-turtle" => GraphFormat::Turtle,
            "application/n-triples" | "text/plain" => GraphFormat::NTriples,
            "application/rdf+xml" | "application/xml" => GraphFormat::RdfXml,
            "application/ld+json" | "application/json" => GraphFormat::JsonLd,
            "*/*" | "text/*" => GraphFormat::Turtle,
            _ => continue,
        };
        return format;
    }
    GraphFormat::Turtle
}

fn form_pairs(text: &str) -> ApiResult<Vec<(String, String)>> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
        &format!("/?{text}")
            .parse()
            .map_err(|_| ApiError::bad_request("the request parameters cannot be read"))?,
    )
    .map(|q| q.0)
    .map_err(|_| ApiError::bad_request("the request parameters cannot be read"))
}

/// The query text of a request and the dataset its `default-graph-uri`/`named-graph-uri`
/// parameters name; updates are refused.
fn query_text(
    method: &Method,
    headers: &HeaderMap,
    raw_query: Option<&str>,
    body: &[u8],
) -> ApiResult<(String, ProtocolDataset)> {
    let mut params = match raw_query {
        Some(q) if !q.is_empty() => form_pairs(q)?,
        _ => Vec::new(),
    };
    let mut from_body = None;
    if method == Method::POST {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let text = std::str::from_utf8(body)
            .map_err(|_| ApiError::bad_request("the request body is not UTF-8"))?;
        match content_type.as_str() {
            "application/sparql-query" => from_body = Some(text.to_string()),
            "application/x-www-form-urlencoded" => params.extend(form_pairs(text)?),
            "application/sparql-update" => {
                return Err(ApiError::forbidden("this SPARQL endpoint is read-only"));
            }
            other => {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    format!(
                        "send the query as application/sparql-query or application/x-www-form-urlencoded, not '{other}'"
                    ),
                ));
            }
        }
    }
    let mut dataset = ProtocolDataset::default();
    for (key, value) in &params {
        let graphs = match key.as_str() {
            "update" | "using-graph-uri" | "using-named-graph-uri" => {
                return Err(ApiError::forbidden("this SPARQL endpoint is read-only"));
            }
            "default-graph-uri" => &mut dataset.default_graphs,
            "named-graph-uri" => &mut dataset.named_graphs,
            _ => continue,
        };
        let graph = NamedNode::new(value.trim())
            .map_err(|e| ApiError::bad_request(format!("{key} '{value}' is not an IRI: {e}")))?;
        graphs.push(graph);
    }
    let mut queries: Vec<String> = params
        .into_iter()
        .filter(|(k, _)| k == "query")
        .map(|(_, v)| v)
        .collect();
    if let Some(text) = from_body {
        queries.push(text);
    }
    match queries.len() {
        0 => Err(ApiError::bad_request(
            "no query given (the 'query' parameter)",
        )),
        1 => Ok((queries.remove(0), dataset)),
        _ => Err(ApiError::bad_request("give exactly one query")),
    }
}

fn serialize(answer: QueryAnswer, headers: &HeaderMap) -> ApiResult<Response> {
    let (content_type, bytes, truncated) = match answer {
        QueryAnswer::Boolean(value) => {
            let format = results_format(headers);
            let (ct, f) = results_type(format);
            let out = QueryResultsSerializer::from_format(f)
                .serialize_boolean_to_writer(Vec::new(), value)
                .map_err(ApiError::internal)?;
            (ct, out, false)
        }
        QueryAnswer::Solutions {
            variables,
            rows,
            truncated,
        } => {
            let format = results_format(headers);
            let (ct, f) = results_type(format);
            let mut writer = QueryResultsSerializer::from_format(f)
                .serialize_solutions_to_writer(Vec::new(), variables.clone())
                .map_err(ApiError::internal)?;
            for row in &rows {
                writer
                    .serialize(
                        variables
                            .iter()
                            .zip(row)
                            .filter_map(|(v, t)| t.as_ref().map(|t| (v.as_ref(), t.as_ref()))),
                    )
                    .map_err(ApiError::internal)?;
            }
            (ct, writer.finish().map_err(ApiError::internal)?, truncated)
        }
        QueryAnswer::Graph { triples, truncated } => {
            let format = graph_format(headers);
            let (ct, rdf) = match format {
                GraphFormat::Turtle => ("text/turtle", RdfFormat::Turtle),
                GraphFormat::NTriples => ("application/n-triples", RdfFormat::NTriples),
                GraphFormat::RdfXml => ("application/rdf+xml", RdfFormat::RdfXml),
                GraphFormat::JsonLd => {
                    let store = oxigraph::store::Store::new().map_err(ApiError::internal)?;
                    store
                        .extend(
                            triples
                                .into_iter()
                                .map(|t| t.in_graph(oxigraph::model::GraphName::DefaultGraph)),
                        )
                        .map_err(ApiError::internal)?;
                    let value =
                        renku_lib::graph::jsonld::to_json_ld(&store).map_err(ApiError::internal)?;
                    let bytes = serde_json::to_vec(&value).map_err(ApiError::internal)?;
                    return Ok(finish("application/ld+json", bytes, truncated));
                }
            };
            let mut writer = RdfSerializer::from_format(rdf).for_writer(Vec::new());
            for t in &triples {
                writer.serialize_triple(t).map_err(ApiError::internal)?;
            }
            (ct, writer.finish().map_err(ApiError::internal)?, truncated)
        }
    };
    Ok(finish(content_type, bytes, truncated))
}

fn results_type(format: ResultsFormat) -> (&'static str, QueryResultsFormat) {
    match format {
        ResultsFormat::Json => ("application/sparql-results+json", QueryResultsFormat::Json),
        ResultsFormat::Xml => ("application/sparql-results+xml", QueryResultsFormat::Xml),
        ResultsFormat::Csv => ("text/csv; charset=utf-8", QueryResultsFormat::Csv),
        ResultsFormat::Tsv => (
            "text/tab-separated-values; charset=utf-8",
            QueryResultsFormat::Tsv,
        ),
    }
}

fn finish(content_type: &'static str, bytes: Vec<u8>, truncated: bool) -> Response {
    let mut response = ([(header::CONTENT_TYPE, content_type)], bytes).into_response();
    if truncated {
        response.headers_mut().insert(
            "x-renku-results-truncated",
            HeaderValue::from_static("true"),
        );
    }
    response
}

/// `GET|POST /sparql`.
pub async fn sparql(
    State(state): State<AppState>,
    caller: Caller,
    method: Method,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    let (text, dataset) = query_text(&method, &headers, raw.as_deref(), &body)?;
    let visible = visible_projects(&state, &caller).await?;
    let scope = visible.scope(&state);
    let limits = QueryLimits {
        timeout: Duration::from_secs(state.config.kg.sparql_timeout_seconds),
        max_results: state.config.kg.sparql_max_results,
    };
    let kg = state.kg.clone();
    let answer = blocking(move || {
        kg.graph
            .query_with_dataset(&text, &dataset, &scope, &limits)
            .map_err(|error| match error {
                GraphStoreError::Syntax(message) => ApiError::bad_request(message),
                GraphStoreError::Timeout(limit) => ApiError::unavailable(format!(
                    "the query did not finish within {} s",
                    limit.as_secs()
                )),
                GraphStoreError::Evaluation(message) => ApiError::bad_request(message),
                other => ApiError::internal(other),
            })
    })
    .await?;
    serialize(answer, &headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT,
            HeaderValue::from_str(value).expect("header"),
        );
        h
    }

    #[test]
    fn formats_are_negotiated() {
        assert_eq!(results_format(&HeaderMap::new()), ResultsFormat::Json);
        assert_eq!(
            results_format(&accept("text/csv;q=0.5, application/sparql-results+xml")),
            ResultsFormat::Xml
        );
        assert_eq!(
            results_format(&accept("text/html, text/tab-separated-values")),
            ResultsFormat::Tsv
        );
        assert_eq!(
            graph_format(&accept("application/n-triples")),
            GraphFormat::NTriples
        );
        assert_eq!(graph_format(&accept("*/*")), GraphFormat::Turtle);
    }

    #[test]
    fn queries_come_from_the_url_the_form_or_the_body() {
        let get = Method::GET;
        assert_eq!(
            query_text(&get, &HeaderMap::new(), Some("query=ASK%20%7B%7D"), b"")
                .expect("query")
                .0,
            "ASK {}"
        );
        let mut form = HeaderMap::new();
        form.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        assert_eq!(
            query_text(&Method::POST, &form, None, b"query=ASK+%7B%7D")
                .expect("query")
                .0,
            "ASK {}"
        );
        let mut direct = HeaderMap::new();
        direct.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/sparql-query; charset=utf-8"),
        );
        assert_eq!(
            query_text(&Method::POST, &direct, None, b"ASK {}")
                .expect("query")
                .0,
            "ASK {}"
        );
        let refused =
            query_text(&Method::POST, &form, None, b"update=DROP+ALL").expect_err("update");
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let mut update = HeaderMap::new();
        update.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/sparql-update"),
        );
        assert_eq!(
            query_text(&Method::POST, &update, None, b"DROP ALL")
                .expect_err("update")
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            query_text(&get, &HeaderMap::new(), None, b"")
                .expect_err("no query")
                .status,
            StatusCode::BAD_REQUEST
        );
        let (_, dataset) = query_text(
            &get,
            &HeaderMap::new(),
            Some("query=ASK%7B%7D&named-graph-uri=http%3A%2F%2Fx&default-graph-uri=http%3A%2F%2Fy&named-graph-uri=http%3A%2F%2Fz"),
            b"",
        )
        .expect("dataset parameters");
        assert_eq!(
            dataset,
            ProtocolDataset {
                default_graphs: vec![NamedNode::new_unchecked("http://y")],
                named_graphs: vec![
                    NamedNode::new_unchecked("http://x"),
                    NamedNode::new_unchecked("http://z")
                ],
            }
        );
        assert_eq!(
            query_text(
                &get,
                &HeaderMap::new(),
                Some("query=ASK%7B%7D&default-graph-uri=not%20an%20iri"),
                b""
            )
            .expect_err("bad IRI")
            .status,
            StatusCode::BAD_REQUEST
        );
    }
}
