//! The knowledge graph of the hosted projects.
//!
//! * [`store`]: the [`GraphStore`] trait (one named graph per project, read-only SPARQL over
//!   a set of graphs); [`memory`] is the embedded oxigraph implementation and [`files`] what
//!   it persists (one N-Triples file per project).
//! * [`export`]: a project's graph at a commit, built by renku-lib from the metadata in the
//!   bare repository, plus the server's facts.
//! * [`indexer`]: the background task that turns queued index jobs into graphs.
//! * [`read`], [`json`], [`lineage`]: what the `/knowledge-graph` endpoints read and answer.
//!
//! [`KnowledgeGraph`] ties the graph store, its files and the search index together: every
//! change to a project's graph goes through it, one at a time, so that the graph, its file
//! and the search documents always describe the same state.

pub mod export;
pub mod files;
pub mod indexer;
pub mod json;
pub mod lineage;
pub mod memory;
pub mod read;
pub mod store;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use oxigraph::model::NamedNode;
use renku_lib::graph::Host;

use self::export::Exported;
use self::files::{GraphFileError, GraphFiles, GraphHeader};
use self::store::{GraphScope, GraphStore, GraphStoreError};
use crate::search::{SearchError, SearchIndex};
use crate::store::{Project, ServerStore, StoreError, UserRecord};

/// Errors of knowledge-graph maintenance.
#[derive(Debug, thiserror::Error)]
pub enum KgError {
    /// The graph store failed.
    #[error(transparent)]
    Graph(#[from] GraphStoreError),
    /// A graph file could not be read or written.
    #[error(transparent)]
    File(#[from] GraphFileError),
    /// The search index failed.
    #[error(transparent)]
    Search(#[from] SearchError),
    /// The server database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The commit could not be exported.
    #[error(transparent)]
    Export(#[from] export::ExportError),
    /// A lock was poisoned by a panic.
    #[error("the knowledge graph lock was poisoned")]
    Poisoned,
}

/// The graph store, its files and the search index.
pub struct KnowledgeGraph {
    /// The graphs.
    pub graph: Arc<dyn GraphStore>,
    /// The search index.
    pub search: SearchIndex,
    files: GraphFiles,
    host: Host,
    base: String,
    /// The commit each project's graph was built from; also serialises changes.
    installed: Mutex<HashMap<i64, String>>,
}

impl KnowledgeGraph {
    /// A knowledge graph over `graph`, persisting to `files`, with ids and links under `base`
    /// (the server's public URL).
    pub fn new(graph: Arc<dyn GraphStore>, files: GraphFiles, base: &str) -> Result<Self, KgError> {
        Ok(KnowledgeGraph {
            graph,
            search: SearchIndex::new()?,
            files,
            host: Host::new(base),
            base: base.trim_end_matches('/').to_string(),
            installed: Mutex::new(HashMap::new()),
        })
    }

    /// The host that makes the ids of exported metadata absolute.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The server's public URL (links start with it).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The IRI (and graph name) of a project.
    pub fn project_iri(&self, project: &Project) -> NamedNode {
        export::project_iri(&self.host, project)
    }

    /// The graphs of `projects`.
    pub fn scope_of<'a>(&self, projects: impl IntoIterator<Item = &'a Project>) -> GraphScope {
        GraphScope::Only(projects.into_iter().map(|p| self.project_iri(p)).collect())
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, HashMap<i64, String>>, KgError> {
        self.installed.lock().map_err(|_| KgError::Poisoned)
    }

    /// Replaces the graph of `project`, its search documents and its file (in that order:
    /// what is served changes first, whatever happens to the file).
    fn install(
        &self,
        installed: &mut HashMap<i64, String>,
        project: &Project,
        commit: &str,
        triples: Vec<oxigraph::model::Triple>,
    ) -> Result<(), KgError> {
        let iri = self.project_iri(project);
        let started = std::time::Instant::now();
        self.graph.replace_graph(&iri, &triples)?;
        installed.insert(project.id, commit.to_string());
        let loaded = started.elapsed();
        let entities = crate::search::documents::project_entities(
            self.graph.as_ref(),
            &iri,
            project,
            &self.base,
        )?;
        let read = started.elapsed();
        self.search.replace_project(&entities)?;
        let indexed = started.elapsed();
        self.files.write(
            &GraphHeader {
                project_id: project.id,
                graph: iri.as_str().to_string(),
                commit: commit.to_string(),
            },
            &triples,
        )?;
        tracing::info!(
            project = %project.path(),
            triples = triples.len(),
            graph_ms = loaded.as_millis() as u64,
            documents_ms = (read - loaded).as_millis() as u64,
            search_ms = (indexed - read).as_millis() as u64,
            file_ms = (started.elapsed() - indexed).as_millis() as u64,
            "graph installed"
        );
        Ok(())
    }

    /// Loads the graphs persisted by an earlier run and fills the search index from them.
    /// Returns the projects whose graph is missing, damaged or stale (built for another
    /// public URL): they need indexing. Files of projects that no longer exist are deleted.
    pub fn load(&self, projects: &[Project]) -> Result<Vec<Project>, KgError> {
        let mut installed = self.lock()?;
        let known: BTreeSet<i64> = projects.iter().map(|p| p.id).collect();
        for id in self.files.project_ids()? {
            if !known.contains(&id) {
                tracing::info!(project_id = id, "removing the graph of a deleted project");
                self.files.remove(id)?;
            }
        }
        let mut missing = Vec::new();
        for project in projects {
            let iri = self.project_iri(project);
            match self.files.read(project.id) {
                Ok(Some(stored)) if stored.header.graph == iri.as_str() => {
                    self.graph.replace_graph(&iri, &stored.triples)?;
                    installed.insert(project.id, stored.header.commit.clone());
                    let entities = crate::search::documents::project_entities(
                        self.graph.as_ref(),
                        &iri,
                        project,
                        &self.base,
                    )?;
                    self.search.replace_project(&entities)?;
                }
                Ok(Some(_)) => {
                    tracing::info!(project = %project.path(), "graph built for another public URL; re-indexing");
                    missing.push(project.clone());
                }
                Ok(None) => missing.push(project.clone()),
                Err(error) => {
                    tracing::warn!(project = %project.path(), %error, "graph file unusable; re-indexing");
                    missing.push(project.clone());
                }
            }
        }
        Ok(missing)
    }

    /// Installs the graph exported from `commit` of project `project_id`, with the server's
    /// facts as the database has them now. Returns false when the project was deleted
    /// meanwhile (nothing is installed then).
    pub fn install_export(
        &self,
        store: &dyn ServerStore,
        project_id: i64,
        commit: &str,
        exported: Exported,
    ) -> Result<bool, KgError> {
        let mut installed = self.lock()?;
        let Some(project) = store.project_by_id(project_id)? else {
            return Ok(false);
        };
        let iri = self.project_iri(&project);
        let triples = export::with_server_facts(
            exported.triples,
            &iri,
            &project,
            exported.commit_time.as_ref(),
        );
        self.install(&mut installed, &project, commit, triples)?;
        Ok(true)
    }

    /// Gives a project without commits its project node (so that it can be found before
    /// anything is pushed).
    pub fn install_empty(
        &self,
        project: &Project,
        creator: Option<&UserRecord>,
    ) -> Result<(), KgError> {
        let mut installed = self.lock()?;
        let iri = self.project_iri(project);
        let triples = export::with_server_facts(
            export::minimal_project_triples(&iri, &self.host, project, creator),
            &iri,
            project,
            None,
        );
        self.install(&mut installed, project, "", triples)
    }

    /// Brings the server's facts about `project` (visibility, description, …) up to date in
    /// its graph, file and search documents.
    pub fn refresh(&self, project: &Project) -> Result<(), KgError> {
        let mut installed = self.lock()?;
        let iri = self.project_iri(project);
        let commit = installed.get(&project.id).cloned().unwrap_or_default();
        let current = self.graph.graph_triples(&iri)?;
        let triples = export::with_server_facts(current, &iri, project, None);
        self.install(&mut installed, project, &commit, triples)
    }

    /// Removes a project's graph, file and search documents.
    pub fn remove(&self, project: &Project) -> Result<(), KgError> {
        let mut installed = self.lock()?;
        installed.remove(&project.id);
        self.graph.remove_graph(&self.project_iri(project))?;
        self.files.remove(project.id)?;
        self.search.remove_project(project.id)?;
        Ok(())
    }
}
