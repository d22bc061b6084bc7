//! What every handler shares.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::auth::Authenticator;
use crate::auth::seen::SeenUsers;
use crate::config::ServerConfig;
use crate::kg::KnowledgeGraph;
use crate::metrics::Metrics;
use crate::store::ServerStore;

/// Shared state of the running server (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    /// The configuration.
    pub config: Arc<ServerConfig>,
    /// Projects, members, users, jobs.
    pub store: Arc<dyn ServerStore>,
    /// Token validation; `None` when no identity provider is configured.
    pub auth: Option<Arc<Authenticator>>,
    /// The users recently written to `store` (so that requests write only changes).
    pub seen_users: Arc<SeenUsers>,
    /// Counters served at `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Woken when an index job is queued.
    pub index_wakeup: Arc<Notify>,
    /// HTTP client for `/auth/` forwarding (no redirects followed); `None` when off.
    pub proxy_client: Option<reqwest::Client>,
    /// The knowledge graph and the search index.
    pub kg: Arc<KnowledgeGraph>,
}

impl AppState {
    /// The URL the server is reached at, without a trailing slash.
    pub fn public_url(&self) -> String {
        self.config.effective_public_url()
    }
}
