//! `/auth/…` forwarded to the identity provider, for clients that expect Keycloak under the
//! platform's own host (renku-python's `renku login` posts to
//! `<platform>/auth/realms/Renku/protocol/openid-connect/auth/device` and `…/token`).
//! Enabled by the `auth_proxy` setting; redirects are passed back, not followed.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderName, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// Largest request body forwarded (token and device requests are small forms).
const MAX_BODY: usize = 1 << 20;

/// Headers that describe one hop of a connection and must not be forwarded.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

/// Forwards one request.
pub async fn forward(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    RawQuery(query): RawQuery,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (Some(target), Some(client)) = (&state.config.auth_proxy, &state.proxy_client) else {
        return ApiError::not_found("no identity provider is served under /auth on this server")
            .into_response();
    };
    let mut url = format!("{target}/auth/{rest}");
    if let Some(query) = query {
        url.push('?');
        url.push_str(&query);
    }
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(_) => {
            return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "request too large")
                .into_response();
        }
    };
    let mut request = client.request(method, &url).body(body);
    for (name, value) in &headers {
        if !hop_by_hop(name) {
            request = request.header(name, value);
        }
    }
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(error) => {
            tracing::warn!(%error, %url, "identity provider unreachable");
            return ApiError::new(
                StatusCode::BAD_GATEWAY,
                "the identity provider cannot be reached",
            )
            .into_response();
        }
    };
    let status = answer.status();
    let mut response_headers = HeaderMap::new();
    for (name, value) in answer.headers() {
        if !hop_by_hop(name) {
            response_headers.append(name, value.clone());
        }
    }
    let bytes = match answer.bytes().await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::warn!(%error, %url, "identity provider answer broke off");
            return ApiError::new(
                StatusCode::BAD_GATEWAY,
                "the identity provider's answer broke off",
            )
            .into_response();
        }
    };
    response_headers.insert(header::CONTENT_LENGTH, bytes.len().into());
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    *response.headers_mut() = response_headers;
    response
}
