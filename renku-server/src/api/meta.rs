//! Health, metrics, version, identity-provider discovery and the caller's own profile.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// `GET /healthz`: the server answers and its database works.
pub async fn healthz(State(state): State<AppState>) -> ApiResult<&'static str> {
    let store = state.store.clone();
    crate::error::blocking(move || store.projects().map(|_| ()).map_err(ApiError::from)).await?;
    Ok("ok\n")
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

/// `GET /api/data/version`.
pub async fn version() -> Json<Value> {
    Json(json!({"version": env!("CARGO_PKG_VERSION"), "name": "renku-server"}))
}

/// `GET /api/auth/config`: where CLIs log in (OAuth 2.0 device authorization grant).
pub async fn auth_config(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let Some(auth) = &state.auth else {
        return Err(ApiError::not_found(
            "this server has no identity provider configured",
        ));
    };
    let discovery = auth
        .discovery()
        .await
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    Ok(Json(json!({
        "issuer": discovery.issuer,
        "client_id": auth.config().cli_client_id,
        "device_authorization_endpoint": discovery.device_authorization_endpoint,
        "token_endpoint": discovery.token_endpoint,
    })))
}

/// `GET /api/data/user`: the caller as the server sees them.
pub async fn user(caller: Caller) -> ApiResult<Json<Value>> {
    let user = caller
        .user()
        .ok_or_else(|| ApiError::unauthorized("log in to see your profile"))?;
    Ok(Json(json!({
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_admin": user.admin,
    })))
}
