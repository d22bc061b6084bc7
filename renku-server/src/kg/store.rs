//! The graph store behind the knowledge graph: one named graph per project.
//!
//! Handlers and the indexer use the [`GraphStore`] trait only. [`super::memory::MemoryGraphStore`]
//! is the embedded implementation (oxigraph in memory, persisted by [`super::files`]); an
//! external SPARQL 1.1 store slots in as a second implementation.

use std::time::Duration;

use oxigraph::model::{NamedNode, Term, Triple, Variable};

/// Errors of the graph store.
#[derive(Debug, thiserror::Error)]
pub enum GraphStoreError {
    /// The store itself failed.
    #[error("graph store error: {0}")]
    Storage(String),
    /// The query is not valid SPARQL (or not a query).
    #[error("invalid SPARQL query: {0}")]
    Syntax(String),
    /// The query failed while it was evaluated.
    #[error("SPARQL query failed: {0}")]
    Evaluation(String),
    /// The query ran longer than allowed.
    #[error("the query was stopped after {0:?}")]
    Timeout(Duration),
}

/// Which named graphs a query may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphScope {
    /// Every graph in the store (administrators and the server's own queries).
    All,
    /// Only these graphs. The default graph of the query is their union; `GRAPH ?g` ranges over
    /// them; `FROM`/`FROM NAMED` clauses naming other graphs select nothing.
    Only(Vec<NamedNode>),
}

impl GraphScope {
    /// The scope of one graph.
    pub fn one(graph: &NamedNode) -> GraphScope {
        GraphScope::Only(vec![graph.clone()])
    }
}

/// Bounds of one query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// Evaluation is cancelled after this long.
    pub timeout: Duration,
    /// At most this many solutions (or triples) are returned; the answer says when more
    /// were left out.
    pub max_results: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits {
            timeout: Duration::from_secs(10),
            max_results: 10_000,
        }
    }
}

/// The answer to a query, owned (no borrow of the store).
#[derive(Debug, Clone, PartialEq)]
pub enum QueryAnswer {
    /// `ASK`.
    Boolean(bool),
    /// `SELECT`: the variables and one row of optional values per solution.
    Solutions {
        /// The projected variables, in order.
        variables: Vec<Variable>,
        /// The solutions; each row has one entry per variable.
        rows: Vec<Vec<Option<Term>>>,
        /// Whether solutions were left out because of [`QueryLimits::max_results`].
        truncated: bool,
    },
    /// `CONSTRUCT` and `DESCRIBE`.
    Graph {
        /// The triples.
        triples: Vec<Triple>,
        /// Whether triples were left out because of [`QueryLimits::max_results`].
        truncated: bool,
    },
}

impl QueryAnswer {
    /// The rows of a `SELECT` answer as maps from variable name to value (empty for the
    /// other kinds).
    pub fn into_rows(self) -> Vec<Row> {
        match self {
            QueryAnswer::Solutions {
                variables, rows, ..
            } => rows
                .into_iter()
                .map(|values| Row {
                    variables: variables.clone(),
                    values,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// One solution of a `SELECT`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    variables: Vec<Variable>,
    values: Vec<Option<Term>>,
}

impl Row {
    /// The value of `name`, if bound.
    pub fn get(&self, name: &str) -> Option<&Term> {
        self.variables
            .iter()
            .position(|v| v.as_str() == name)
            .and_then(|i| self.values.get(i))
            .and_then(Option::as_ref)
    }

    /// The value of `name` as text: an IRI's string, a literal's lexical form.
    pub fn text(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            Term::NamedNode(n) => Some(n.as_str().to_string()),
            Term::Literal(l) => Some(l.value().to_string()),
            Term::BlankNode(b) => Some(b.as_str().to_string()),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The value of `name` as a non-empty text.
    pub fn non_empty(&self, name: &str) -> Option<String> {
        self.text(name).filter(|t| !t.is_empty())
    }
}

/// A store of named graphs, one per project.
pub trait GraphStore: Send + Sync {
    /// Replaces the content of `graph` by `triples` in one transaction: readers see either
    /// the old graph or the new one, never a mix.
    fn replace_graph(&self, graph: &NamedNode, triples: &[Triple]) -> Result<(), GraphStoreError>;
    /// Removes `graph`; false when there was none.
    fn remove_graph(&self, graph: &NamedNode) -> Result<bool, GraphStoreError>;
    /// The triples of `graph` (empty when there is none).
    fn graph_triples(&self, graph: &NamedNode) -> Result<Vec<Triple>, GraphStoreError>;
    /// The names of the graphs in the store.
    fn graphs(&self) -> Result<Vec<NamedNode>, GraphStoreError>;
    /// Runs a read-only SPARQL query over the graphs of `scope`, within `limits`. Updates
    /// and federated `SERVICE` calls are refused.
    fn query(
        &self,
        sparql: &str,
        scope: &GraphScope,
        limits: &QueryLimits,
    ) -> Result<QueryAnswer, GraphStoreError> {
        self.query_with_dataset(sparql, &ProtocolDataset::default(), scope, limits)
    }
    /// Like [`GraphStore::query`], with the dataset of the SPARQL protocol's
    /// `default-graph-uri`/`named-graph-uri` parameters, which replaces the query's `FROM`
    /// and `FROM NAMED` when given (still within `scope`).
    fn query_with_dataset(
        &self,
        sparql: &str,
        dataset: &ProtocolDataset,
        scope: &GraphScope,
        limits: &QueryLimits,
    ) -> Result<QueryAnswer, GraphStoreError>;
}

/// The RDF dataset a SPARQL protocol request names (`default-graph-uri`, `named-graph-uri`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProtocolDataset {
    /// The graphs whose union is the default graph.
    pub default_graphs: Vec<NamedNode>,
    /// The named graphs.
    pub named_graphs: Vec<NamedNode>,
}

impl ProtocolDataset {
    /// Whether the request named any graph (then the query's own dataset is ignored).
    pub fn is_given(&self) -> bool {
        !self.default_graphs.is_empty() || !self.named_graphs.is_empty()
    }
}
