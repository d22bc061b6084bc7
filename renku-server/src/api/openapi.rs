//! The OpenAPI document of every endpoint (`docs/openapi.yaml`, kept in the repository and
//! served as JSON at `/api/openapi.json`).

use std::sync::OnceLock;

use axum::Json;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};

/// The document as written in the repository.
pub const OPENAPI_YAML: &str = include_str!("../../../docs/openapi.yaml");

fn document() -> &'static Result<Value, String> {
    static DOCUMENT: OnceLock<Result<Value, String>> = OnceLock::new();
    DOCUMENT.get_or_init(|| serde_saphyr::from_str(OPENAPI_YAML).map_err(|e| e.to_string()))
}

/// `GET /api/openapi.json`.
pub async fn serve() -> ApiResult<Json<Value>> {
    match document() {
        Ok(value) => Ok(Json(value.clone())),
        Err(error) => Err(ApiError::internal(format!(
            "the OpenAPI document does not parse: {error}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Route patterns registered in `api/mod.rs`.
    fn routes() -> Vec<String> {
        let source = include_str!("mod.rs");
        let mut routes = Vec::new();
        let mut rest = source;
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let Some(open) = rest.find('"') else { break };
            let after = &rest[open + 1..];
            let Some(close) = after.find('"') else { break };
            routes.push(after[..close].to_string());
            rest = &after[close..];
        }
        routes
    }

    /// Whether the concrete `path` is matched by the axum `pattern`.
    fn matches(pattern: &str, path: &str) -> bool {
        let pattern: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
        let path: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        for (i, segment) in pattern.iter().enumerate() {
            if segment.starts_with("{*") {
                return path.len() > i;
            }
            let Some(actual) = path.get(i) else {
                return false;
            };
            if !(segment.starts_with('{') || segment == actual) {
                return false;
            }
        }
        pattern.len() == path.len()
    }

    fn sample(doc_path: &str) -> String {
        doc_path
            .split('/')
            .map(|s| if s.starts_with('{') { "x" } else { s })
            .collect::<Vec<_>>()
            .join("/")
    }

    #[test]
    fn the_document_parses_and_lists_exactly_the_served_routes() {
        let document = document().as_ref().expect("docs/openapi.yaml parses");
        assert_eq!(document["openapi"], "3.1.0");
        let paths: Vec<String> = document["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .cloned()
            .collect();
        let routes = routes();
        assert!(routes.len() >= 10, "{routes:?}");
        for route in &routes {
            assert!(
                paths.iter().any(|p| matches(route, &sample(p))),
                "route {route} is not in docs/openapi.yaml"
            );
        }
        for path in &paths {
            assert!(
                routes.iter().any(|r| matches(r, &sample(path))),
                "docs/openapi.yaml lists {path}, which is not served"
            );
        }
        let refs = OPENAPI_YAML.matches("$ref: '#/components/").count();
        assert!(refs > 10);
        for reference in OPENAPI_YAML.split("$ref: '#/components/").skip(1) {
            let target = reference.split('\'').next().expect("ref");
            let mut node = &document["components"];
            for key in target.split('/') {
                node = &node[key];
            }
            assert!(!node.is_null(), "dangling reference #/components/{target}");
        }
    }
}
