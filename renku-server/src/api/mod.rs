//! The HTTP API: routes and their handlers.

pub mod access;
pub mod auth_proxy;
pub mod kg;
pub mod meta;
pub mod openapi;
pub mod paging;
pub mod projects;
pub mod sparql;

use axum::Router;
use axum::routing::{any, delete, get, post};
use tower_http::trace::TraceLayer;

use crate::git;
use crate::state::AppState;

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    Router::new()
        // The knowledge graph, also under /api/kg as renku clients with a token call it.
        .route(
            "/knowledge-graph/projects/{namespace}/{name}",
            get(kg::project),
        )
        .route("/api/kg/projects/{namespace}/{name}", get(kg::project))
        .route(
            "/knowledge-graph/projects/{namespace}/{name}/datasets",
            get(kg::datasets),
        )
        .route(
            "/api/kg/projects/{namespace}/{name}/datasets",
            get(kg::datasets),
        )
        .route(
            "/knowledge-graph/projects/{namespace}/{name}/datasets/{slug}/tags",
            get(kg::tags),
        )
        .route(
            "/api/kg/projects/{namespace}/{name}/datasets/{slug}/tags",
            get(kg::tags),
        )
        .route(
            "/knowledge-graph/projects/{namespace}/{name}/files/{*rest}",
            get(kg::lineage),
        )
        .route(
            "/api/kg/projects/{namespace}/{name}/files/{*rest}",
            get(kg::lineage),
        )
        .route("/knowledge-graph/datasets/{id}", get(kg::dataset))
        .route("/api/kg/datasets/{id}", get(kg::dataset))
        .route("/knowledge-graph/entities", get(kg::entities))
        .route("/api/kg/entities", get(kg::entities))
        .route("/sparql", get(sparql::sparql).post(sparql::sparql))
        .route(
            "/api/projects/{namespace}/{name}/graph/status",
            get(kg::graph_status),
        )
        .route(
            "/api/projects/{namespace}/{name}/graph/reindex",
            post(kg::graph_reindex),
        )
        .route("/healthz", get(meta::healthz))
        .route("/metrics", get(meta::metrics))
        .route("/api/data/version", get(meta::version))
        .route("/api/auth/config", get(meta::auth_config))
        .route("/api/data/user", get(meta::user))
        .route("/api/openapi.json", get(openapi::serve))
        .route("/api/projects", get(projects::list).post(projects::create))
        .route(
            "/api/projects/{namespace}/{name}",
            get(projects::get)
                .patch(projects::update)
                .delete(projects::delete),
        )
        .route(
            "/api/projects/{namespace}/{name}/members",
            get(projects::members).put(projects::set_member),
        )
        .route(
            "/api/projects/{namespace}/{name}/members/{user_id}",
            delete(projects::remove_member),
        )
        .route(
            "/repos/{namespace}/{repo}/{*rest}",
            any(git::routes::repository),
        )
        .route("/auth/{*rest}", any(auth_proxy::forward))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
