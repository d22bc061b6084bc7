//! Starting and stopping the server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::auth::Authenticator;
use crate::auth::seen::SeenUsers;
use crate::config::ServerConfig;
use crate::git::repos;
use crate::kg::KnowledgeGraph;
use crate::kg::files::GraphFiles;
use crate::kg::memory::MemoryGraphStore;
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::store::sqlite::SqliteStore;
use crate::store::{JobStatus, ServerStore};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The state database could not be opened.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The HTTP client for the identity provider could not be built.
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    /// The TLS certificate or key could not be loaded.
    #[error("cannot load the TLS certificate {cert} and key {key}: {source}")]
    Tls {
        /// Certificate file.
        cert: std::path::PathBuf,
        /// Key file.
        key: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The knowledge graph could not be loaded.
    #[error("cannot load the knowledge graph: {0}")]
    KnowledgeGraph(String),
}

/// A started server.
pub struct RunningServer {
    /// The address it listens on (the real port when 0 was asked for).
    pub address: SocketAddr,
    /// The shared state (tests look at it).
    pub state: AppState,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    indexer: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// The URL it is reached at.
    pub fn url(&self) -> String {
        self.state.public_url()
    }

    /// A handle that stops the server when cancelled.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Stops accepting connections, lets running requests finish, and returns.
    pub async fn stop(self) -> std::io::Result<()> {
        self.shutdown.cancel();
        self.wait().await
    }

    /// Waits until the server has stopped (after its shutdown token was cancelled): the
    /// HTTP side, then the indexer (which finishes the job it is working on).
    pub async fn wait(self) -> std::io::Result<()> {
        let served = match self.task.await {
            Ok(result) => result,
            Err(error) => Err(std::io::Error::other(error)),
        };
        self.shutdown.cancel();
        if let Err(error) = self.indexer.await {
            tracing::error!(%error, "the indexer ended abnormally");
        }
        served
    }
}

/// Opens the state, binds the address and serves in the background of the current tokio
/// runtime.
pub async fn start(mut config: ServerConfig) -> Result<RunningServer, StartError> {
    for dir in [
        config.data_dir.clone(),
        config.repositories_dir(),
        config.lfs_dir(),
        config.graphs_dir(),
    ] {
        std::fs::create_dir_all(&dir).map_err(|source| StartError::DataDir {
            path: dir.clone(),
            source,
        })?;
    }
    let store = SqliteStore::open(&config.database_path())?;
    let requeued = store.requeue_running_jobs()?;
    if requeued > 0 {
        tracing::info!(requeued, "index jobs of a previous run queued again");
    }
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| StartError::Bind {
            address: config.bind,
            source,
        })?;
    let address = listener.local_addr().map_err(|source| StartError::Bind {
        address: config.bind,
        source,
    })?;
    config.bind = address;
    let auth = match &config.oidc {
        Some(oidc) => {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()
                .map_err(|e| StartError::Client(e.to_string()))?;
            Some(Arc::new(Authenticator::new(oidc.clone(), client)))
        }
        None => None,
    };
    let proxy_client = match &config.auth_proxy {
        Some(_) => Some(
            reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| StartError::Client(e.to_string()))?,
        ),
        None => None,
    };
    let tls = match &config.tls {
        Some(tls) => Some(
            axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
                .await
                .map_err(|source| StartError::Tls {
                    cert: tls.cert.clone(),
                    key: tls.key.clone(),
                    source,
                })?,
        ),
        None => None,
    };
    let store = Arc::new(store) as Arc<dyn ServerStore>;
    let kg = open_knowledge_graph(&config, &config.effective_public_url())?;
    let state = AppState {
        config: Arc::new(config),
        store,
        auth,
        seen_users: Arc::new(SeenUsers::default()),
        metrics: Arc::new(Metrics::default()),
        index_wakeup: Arc::new(Notify::new()),
        proxy_client,
        kg,
    };
    let load_state = state.clone();
    tokio::task::spawn_blocking(move || load_graphs(&load_state))
        .await
        .map_err(|e| StartError::KnowledgeGraph(e.to_string()))??;
    let shutdown = CancellationToken::new();
    let poll = Duration::from_secs(state.config.kg.index_poll_seconds);
    let indexer = tokio::spawn(crate::kg::indexer::run(
        state.clone(),
        poll,
        shutdown.clone(),
    ));
    let app = crate::api::router(state.clone());
    let token = shutdown.clone();
    let task = match tls {
        None => tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { token.cancelled().await })
                .await
        }),
        Some(tls) => {
            let listener = listener
                .into_std()
                .map_err(|source| StartError::Bind { address, source })?;
            let server = axum_server::from_tcp_rustls(listener, tls)
                .map_err(|source| StartError::Bind { address, source })?;
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                token.cancelled().await;
                // Running requests (a push) get time to finish.
                stopper.graceful_shutdown(Some(Duration::from_secs(60)));
            });
            tokio::spawn(async move { server.handle(handle).serve(app.into_make_service()).await })
        }
    };
    tracing::info!(%address, "renku-server listening");
    Ok(RunningServer {
        address,
        state,
        shutdown,
        task,
        indexer,
    })
}

fn open_knowledge_graph(
    config: &ServerConfig,
    public_url: &str,
) -> Result<Arc<KnowledgeGraph>, StartError> {
    let kg_error = |e: &dyn std::fmt::Display| StartError::KnowledgeGraph(e.to_string());
    let graph = MemoryGraphStore::new().map_err(|e| kg_error(&e))?;
    let files = GraphFiles::new(config.graphs_dir()).map_err(|e| kg_error(&e))?;
    let kg = KnowledgeGraph::new(Arc::new(graph), files, public_url).map_err(|e| kg_error(&e))?;
    Ok(Arc::new(kg))
}

/// Loads the persisted graphs; projects without a usable one are indexed again (queued at
/// their head commit) or, without commits, get their project node.
fn load_graphs(state: &AppState) -> Result<(), StartError> {
    let kg_error = |e: &dyn std::fmt::Display| StartError::KnowledgeGraph(e.to_string());
    let started = std::time::Instant::now();
    let projects = state.store.projects()?;
    let missing = state.kg.load(&projects).map_err(|e| kg_error(&e))?;
    let mut queued = 0;
    for project in &missing {
        let repo = repos::repository_path(&state.config, &project.namespace, &project.name);
        let head = repos::head_commit(&repo).unwrap_or_else(|error| {
            tracing::warn!(project = %project.path(), %error, "cannot read the repository");
            None
        });
        match head {
            Some(commit) => {
                let pending = state
                    .store
                    .latest_index_job(project.id)?
                    .is_some_and(|j| j.status == JobStatus::Queued && j.commit == commit);
                if !pending {
                    state.store.enqueue_index(project.id, &commit)?;
                }
                queued += 1;
            }
            None => {
                let creator = state.store.user(&project.creator)?;
                state
                    .kg
                    .install_empty(project, creator.as_ref())
                    .map_err(|e| kg_error(&e))?;
            }
        }
    }
    tracing::info!(
        projects = projects.len(),
        reindexing = queued,
        ms = started.elapsed().as_millis() as u64,
        "knowledge graph loaded"
    );
    Ok(())
}
